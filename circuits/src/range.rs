//! Range checks: a value's little-endian bits, witnessed and recombined
//! (n + 1 constraints for n bits), and [`enforce_le_const`], the comparison
//! of bits with a constant. Circuit-only: the native side gets its ranges
//! from Rust integer types.

use ark_ff::{BigInteger, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;
use num_bigint::BigUint;

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

/// Enforces `sum bits_le[i] 2^i <= c` for boolean `bits_le`: the same
/// relation as arkworks' `Boolean::enforce_smaller_or_equal_than_le`, at
/// one constraint per zero bit of `c` (arkworks': two) plus one or two per
/// run of ones. For r - 1 (254 bits): ~245 constraints instead of ~386.
///
/// Soundness: scanning from the top bit down, `eq` is "every bit so far
/// equals c's". At a one of c nothing is enforced and `eq` becomes `eq AND
/// bit` (folded per run of ones with one k-ary AND); at a zero of c,
/// `eq * bit = 0`, so while `eq` holds the bit equals c's zero and `eq`
/// stays as it is. If the value exceeded c, at the highest bit where they
/// differ the bit is 1, c's is 0 and `eq` is still 1: that product is 1, a
/// violation. If the value is at most c every constraint is satisfiable
/// (with the honest `eq`). Bits above c's length must all be zero: their
/// plain sum (< r, booleans) is enforced to be 0.
pub fn enforce_le_const(bits_le: &[Bool], c: &BigUint) -> Result<(), SynthesisError> {
    let n = c.bits() as usize;
    if bits_le.len() > n {
        let above = bits_le[n..]
            .iter()
            .fold(FrVar::zero(), |acc, b| acc + FrVar::from(b.clone()));
        above.enforce_equal(&FrVar::zero())?;
    }
    let mut eq = Bool::TRUE;
    let mut run: Vec<Bool> = Vec::new();
    for i in (0..n.min(bits_le.len())).rev() {
        let bit = &bits_le[i];
        if c.bit(i as u64) {
            run.push(bit.clone());
            continue;
        }
        if !run.is_empty() {
            run.push(eq);
            eq = Bool::kary_and(&run)?;
            run.clear();
        }
        FrVar::from(eq.clone()).mul_equals(&FrVar::from(bit.clone()), &FrVar::zero())?;
    }
    Ok(())
}

/// The canonical little-endian bits of `x` (its value as an integer below r):
/// the strict decomposition of arkworks' `to_bits_le`, with [`enforce_le_const`]
/// for the `<= r - 1` check.
pub fn to_bits_le_strict(x: &FrVar) -> Result<Vec<Bool>, SynthesisError> {
    use ark_r1cs_std::convert::ToBitsGadget;
    let bits = x.to_non_unique_bits_le()?;
    let r: BigUint = Fr::MODULUS.into();
    enforce_le_const(&bits, &(r - 1u32))?;
    Ok(bits)
}

/// The bits of `x` (n < 254 of them), enforcing `x <= c` as integers, where
/// `c < 2^n`: with `c < r` the recombination cannot wrap, so this is the
/// canonical value of `x`.
pub fn enforce_le_const_fr(
    cs: ConstraintSystemRef<Fr>,
    x: &FrVar,
    n: usize,
    c: &BigUint,
) -> Result<Vec<Bool>, SynthesisError> {
    assert!(c.bits() as usize <= n);
    let bits = bits_le(cs, x, n)?;
    enforce_le_const(&bits, c)?;
    Ok(bits)
}
