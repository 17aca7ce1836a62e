//! Range checks: a value's little-endian bits, witnessed and recombined
//! (n + 1 constraints for n bits). Circuit-only: the native side gets its
//! ranges from Rust integer types.

use ark_ff::{BigInteger, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;

use crate::{Bool, ConstraintSystemRef, Fr, FrVar, SynthesisError};

/// The little-endian bits of `x`, enforcing `x < 2^n` (n < 254).
pub fn bits_le(
    cs: ConstraintSystemRef<Fr>,
    x: &FrVar,
    n: usize,
) -> Result<Vec<Bool>, SynthesisError> {
    assert!(n < 254, "range check wider than the field");
    let v = x.value().map(|v| v.into_bigint()).unwrap_or_default();
    let bits = (0..n)
        .map(|i| Bool::new_witness(cs.clone(), || Ok(v.get_bit(i))))
        .collect::<Result<Vec<_>, _>>()?;
    from_bits_le(&bits).enforce_equal(x)?;
    Ok(bits)
}

/// Enforces `x < 2^n`.
pub fn enforce_bits(
    cs: ConstraintSystemRef<Fr>,
    x: &FrVar,
    n: usize,
) -> Result<(), SynthesisError> {
    bits_le(cs, x, n).map(|_| ())
}

/// `sum bits[i] 2^i` as a linear combination (free).
pub fn from_bits_le(bits: &[Bool]) -> FrVar {
    let mut acc = FrVar::zero();
    let mut coeff = Fr::from(1u64);
    for b in bits {
        acc += FrVar::from(b.clone()) * coeff;
        coeff = coeff + coeff;
    }
    acc
}
