//! Pubdata in R1CS: the batch's bytes as witnessed `UInt8`s from which every
//! slot field is read (so a field and its published bytes cannot differ),
//! and the public input `SHA-256(pubdata)` with the top three bits cleared,
//! as the native [`zkroll_state::pubdata::public_input`].

use ark_r1cs_std::convert::ToBitsGadget;
use ark_r1cs_std::fields::FieldVar;

use crate::range::from_bits_le;
use crate::{Bool, ConstraintSystemRef, Fr, FrVar, SynthesisError, U8};

/// An unsigned big-endian integer read from pubdata.
#[derive(Clone)]
pub struct IntVar {
    /// Its bits, least significant first.
    pub bits_le: Vec<Bool>,
    /// Its value (a free linear combination of the bits).
    pub value: FrVar,
}

/// The published bytes.
pub struct PubdataVar {
    /// One witnessed byte per pubdata byte (8 boolean constraints each).
    pub bytes: Vec<U8>,
}

impl PubdataVar {
    /// Allocates the bytes as witnesses.
    pub fn new_witness(cs: ConstraintSystemRef<Fr>, bytes: &[u8]) -> Result<Self, SynthesisError> {
        Ok(Self {
            bytes: U8::new_witness_vec(cs, bytes)?,
        })
    }

    /// The bits of `len` bytes from `offset`, little-endian over a
    /// big-endian integer.
    pub fn bits_be_int(&self, offset: usize, len: usize) -> Result<Vec<Bool>, SynthesisError> {
        let mut bits = Vec::with_capacity(8 * len);
        for b in self.bytes[offset..offset + len].iter().rev() {
            bits.extend(b.to_bits_le()?);
        }
        Ok(bits)
    }

    /// The bits of `len` bytes from `offset` read as a little-endian integer.
    pub fn bits_le_int(&self, offset: usize, len: usize) -> Result<Vec<Bool>, SynthesisError> {
        let mut bits = Vec::with_capacity(8 * len);
        for b in &self.bytes[offset..offset + len] {
            bits.extend(b.to_bits_le()?);
        }
        Ok(bits)
    }

    /// A big-endian unsigned integer of `len` bytes (len <= 31: no wrap mod r).
    pub fn int(&self, offset: usize, len: usize) -> Result<IntVar, SynthesisError> {
        let bits_le = self.bits_be_int(offset, len)?;
        Ok(IntVar {
            value: from_bits_le(&bits_le),
            bits_le,
        })
    }

    /// The sum of the byte values in a range (0 iff all are zero; no wrap).
    pub fn byte_sum(&self, offset: usize, len: usize) -> Result<FrVar, SynthesisError> {
        let mut acc = FrVar::zero();
        for b in &self.bytes[offset..offset + len] {
            acc += from_bits_le(&b.to_bits_le()?);
        }
        Ok(acc)
    }

    /// `SHA-256(bytes)` as a big-endian integer with its top three bits cleared.
    pub fn commitment(&self) -> Result<FrVar, SynthesisError> {
        let digest = crate::sha256::digest(&self.bytes)?;
        let mut bits_le = Vec::with_capacity(253);
        for (k, byte) in digest.iter().rev().enumerate() {
            let b = byte.to_bits_le()?;
            // The most significant byte (k = 31) keeps its low five bits.
            let keep = if k == 31 { 5 } else { 8 };
            bits_le.extend(b.into_iter().take(keep));
        }
        Ok(from_bits_le(&bits_le))
    }
}
