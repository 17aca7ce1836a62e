//! A bounds-checked reader over one section of iden3's container (or its
//! header, or zkroll's `matrices.bin`): integers, field elements and curve
//! points, each validated, every failure naming the section and offset.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField, Zero};
use rayon::prelude::*;

use super::error::{At, FormatError};

/// A bounds-checked reader over one section (or the header).
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
    /// The file offset of `data[0]` (a section read on its own starts
    /// where it sits in the file).
    base: u64,
    at: At,
}

/// Which encoding a field element has on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// The canonical integer, little-endian (`.r1cs`, `.wtns`).
    Normal,
    /// Montgomery form `x R mod p`, little-endian (zkey and ptau points).
    Montgomery,
    /// Twice Montgomery, `x R^2 mod p` (the zkey's coefficient section).
    Montgomery2,
}

impl<'a> Cursor<'a> {
    /// A cursor over `data` from `pos` to its end, reporting offsets as `at`
    /// with `data[0]` at file offset `at.offset`.
    pub fn over(data: &'a [u8], pos: usize, at: At) -> Self {
        Self {
            data,
            pos: pos.min(data.len()),
            end: data.len(),
            base: at.offset,
            at,
        }
    }

    /// Where the cursor is.
    pub fn here(&self) -> At {
        At {
            offset: self.base + self.pos as u64,
            ..self.at
        }
    }

    fn truncated(&self, needed: u64) -> FormatError {
        FormatError::Truncated {
            at: self.here(),
            needed,
            left: (self.end - self.pos) as u64,
        }
    }

    /// Bytes left in the section.
    pub fn remaining(&self) -> usize {
        self.end - self.pos
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        if self.remaining() < n {
            return Err(self.truncated(n as u64));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> Result<u32, FormatError> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64, FormatError> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// Fails unless the section is consumed exactly.
    pub fn finish(&self) -> Result<(), FormatError> {
        match self.remaining() {
            0 => Ok(()),
            extra => Err(FormatError::TrailingBytes {
                at: self.here(),
                extra: extra as u64,
            }),
        }
    }

    /// Fails unless the section holds exactly `expected` more bytes.
    pub fn expect_len(&self, expected: u64) -> Result<(), FormatError> {
        if self.remaining() as u64 != expected {
            return Err(FormatError::SectionSize {
                at: self.here(),
                expected,
                found: self.remaining() as u64,
            });
        }
        Ok(())
    }

    /// A `u32` that must be below `bound`.
    pub fn index(&mut self, what: &'static str, bound: u64) -> Result<u32, FormatError> {
        let at = self.here();
        let v = self.u32()?;
        if u64::from(v) >= bound {
            return Err(FormatError::OutOfRange {
                at,
                what,
                value: v.into(),
                bound,
            });
        }
        Ok(v)
    }

    /// A 32-byte little-endian integer below `P`'s modulus.
    fn bigint<P: PrimeField<BigInt = BigInt<4>>>(&mut self) -> Result<BigInt<4>, FormatError> {
        let at = self.here();
        let b = self.bytes(32)?;
        let mut limbs = [0u64; 4];
        for (i, l) in limbs.iter_mut().enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[8 * i..8 * i + 8]);
            *l = u64::from_le_bytes(w);
        }
        let v = BigInt::new(limbs);
        if v >= P::MODULUS {
            return Err(FormatError::NonCanonical { at });
        }
        Ok(v)
    }

    /// A scalar-field element in `enc`.
    pub fn fr(&mut self, enc: Encoding) -> Result<Fr, FormatError> {
        let v = self.bigint::<Fr>()?;
        Ok(match enc {
            // Below the modulus, so `from_bigint` cannot fail.
            Encoding::Normal => Fr::from_bigint(v).unwrap_or_default(),
            Encoding::Montgomery => Fr::new_unchecked(v),
            Encoding::Montgomery2 => Fr::new_unchecked(Fr::new_unchecked(v).into_bigint()),
        })
    }

    /// A base-field element in Montgomery form.
    pub fn fq_mont(&mut self) -> Result<Fq, FormatError> {
        Ok(Fq::new_unchecked(self.bigint::<Fq>()?))
    }

    /// The modulus field of a header: `n8` (must be 32) then the prime,
    /// which must be `P`'s.
    pub fn prime<P: PrimeField<BigInt = BigInt<4>>>(
        &mut self,
        what: &'static str,
    ) -> Result<(), FormatError> {
        let at = self.here();
        let n8 = self.u32()?;
        if n8 != 32 {
            return Err(FormatError::WrongField { at, what });
        }
        let b = self.bytes(32)?;
        let m: Vec<u8> = P::MODULUS.0.iter().flat_map(|l| l.to_le_bytes()).collect();
        if b != m.as_slice() {
            return Err(FormatError::WrongField { at, what });
        }
        Ok(())
    }

    /// A G1 point, `x, y` in Montgomery form; `(0, 0)` is the identity.
    /// Checked on the curve (G1 has cofactor 1: that is the subgroup).
    pub fn g1(&mut self) -> Result<G1Affine, FormatError> {
        let at = self.here();
        let (x, y) = (self.fq_mont()?, self.fq_mont()?);
        if x.is_zero() && y.is_zero() {
            return Ok(G1Affine::zero());
        }
        let p = G1Affine::new_unchecked(x, y);
        if !p.is_on_curve() {
            return Err(FormatError::NotOnCurve { at, group: "G1" });
        }
        Ok(p)
    }

    /// A G2 point, `x.c0, x.c1, y.c0, y.c1` in Montgomery form; all zero is
    /// the identity. Checked on the curve and, when `subgroup`, in the
    /// prime-order subgroup (the costly check, see `formats::zkey`).
    pub fn g2(&mut self, subgroup: bool) -> Result<G2Affine, FormatError> {
        let at = self.here();
        let x = Fq2::new(self.fq_mont()?, self.fq_mont()?);
        let y = Fq2::new(self.fq_mont()?, self.fq_mont()?);
        if x.is_zero() && y.is_zero() {
            return Ok(G2Affine::zero());
        }
        let p = G2Affine::new_unchecked(x, y);
        if !p.is_on_curve() {
            return Err(FormatError::NotOnCurve { at, group: "G2" });
        }
        if subgroup && !p.is_in_correct_subgroup_assuming_on_curve() {
            return Err(FormatError::NotInSubgroup { at, group: "G2" });
        }
        Ok(p)
    }

    /// Decodes the next `n` records of `size` bytes each on all cores,
    /// each through its own cursor (so an error names the record's
    /// offset); `decode` must consume its record exactly.
    pub fn par_decode<T, F>(
        &mut self,
        n: usize,
        size: usize,
        decode: F,
    ) -> Result<Vec<T>, FormatError>
    where
        T: Send,
        F: Fn(&mut Cursor<'a>) -> Result<T, FormatError> + Sync,
    {
        let total = n
            .checked_mul(size)
            .ok_or_else(|| self.truncated(u64::MAX))?;
        let start = self.pos;
        self.bytes(total)?;
        let (data, base, at) = (self.data, self.base, self.at);
        (0..n)
            .into_par_iter()
            .map(|i| {
                decode(&mut Cursor {
                    data,
                    pos: start + i * size,
                    end: start + (i + 1) * size,
                    base,
                    at,
                })
            })
            .collect()
    }

    /// A sub-cursor over the next `n` bytes.
    pub fn split(&mut self, n: usize) -> Result<Cursor<'a>, FormatError> {
        let start = self.pos;
        self.bytes(n)?;
        Ok(Cursor {
            data: self.data,
            pos: start,
            end: start + n,
            base: self.base,
            at: self.at,
        })
    }
}
