//! Baby Jubjub in R1CS: [`PointVar`] is arkworks' twisted-Edwards gadget over
//! zkroll's circomlib curve config (a = 168700), plus the two checks the
//! native [`zkroll_state::babyjubjub`] module makes: small order and
//! decompression of an L1-queued key.

use ark_ec::twisted_edwards::TECurveConfig;
use ark_ff::{Field, One, Zero};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::groups::curves::twisted_edwards::AffineVar;
use ark_r1cs_std::groups::CurveVar;
use ark_r1cs_std::select::CondSelectGadget;
use ark_r1cs_std::GR1CSVar;
use zkroll_state::babyjubjub::{decompress_reduced, BabyJubjubConfig};

use crate::{Bool, ConstraintSystemRef, Fr, FrVar, SynthesisError};

/// A Baby Jubjub point in R1CS.
pub type PointVar = AffineVar<BabyJubjubConfig, FrVar>;

fn coeff_a() -> Fr {
    <BabyJubjubConfig as TECurveConfig>::COEFF_A
}

fn coeff_d() -> Fr {
    <BabyJubjubConfig as TECurveConfig>::COEFF_D
}

/// Enforces `a x^2 + y^2 = 1 + d x^2 y^2` when `enabled` (3 constraints + 1).
pub fn enforce_on_curve(x: &FrVar, y: &FrVar, enabled: &Bool) -> Result<(), SynthesisError> {
    let x2 = x.square()?;
    let y2 = y.square()?;
    let x2y2 = &x2 * &y2;
    let lhs = &x2 * coeff_a() + &y2;
    let rhs = FrVar::one() + &x2y2 * coeff_d();
    lhs.conditional_enforce_equal(&rhs, enabled)
}

/// Enforces that `8 * p` is not the identity (the native
/// `is_small_order` is false): three doublings and `x != 0`.
pub fn enforce_not_small_order(p: &PointVar) -> Result<(), SynthesisError> {
    let p8 = p.double()?.double()?.double()?;
    p8.x.enforce_not_equal(&FrVar::zero())
}

/// Whether `8 * p` is the identity (the native `is_small_order`): three
/// doublings and `x == 0` (8·p lies in the prime-order subgroup, where only
/// the identity has x = 0). `p` must be on the curve, where the addition law
/// is complete.
pub fn is_small_order(p: &PointVar) -> Result<Bool, SynthesisError> {
    let p8 = p.double()?.double()?.double()?;
    p8.x.is_zero()
}

/// The circuit side of DepositNew's key decompression (native:
/// [`decompress_reduced`]). Given y (already reduced mod r) and the sign
/// bit, returns `(x, ok)`: when `ok`, `(x, y)` is on the curve, `x != 0` and
/// x's sign (x > (r-1)/2) equals `sign`; when not `ok`, the witness `w`
/// satisfies `w^2 v = g u` for u = 1 - y^2, v = a - d y^2 and the
/// non-residue g = 5, which is possible exactly when u/v has no square root
/// or u = 0 (x would be 0): the cases where no key exists. v is never 0
/// (a/d is a non-residue on a complete twisted Edwards curve), so the
/// prover can satisfy exactly one branch for every y.
pub fn decompress(
    cs: ConstraintSystemRef<Fr>,
    y: &FrVar,
    sign: &Bool,
) -> Result<(FrVar, Bool), SynthesisError> {
    let yv = y.value().unwrap_or_default();
    let sv = sign.value().unwrap_or(false);
    let native = {
        // Rebuild the packed bytes from (y, sign) and run the native code.
        let mut b = [0u8; 32];
        let le = ark_ff::BigInteger::to_bytes_le(&ark_ff::PrimeField::into_bigint(yv));
        b[..le.len()].copy_from_slice(&le);
        if sv {
            b[31] |= 0x80;
        }
        decompress_reduced(&b).ok()
    };
    let ok = Bool::new_witness(cs.clone(), || Ok(native.is_some()))?;
    let x = FrVar::new_witness(cs.clone(), || Ok(native.map_or(Fr::zero(), |p| p.x)))?;
    let y2 = y.square()?;
    let u = FrVar::one() - &y2;
    let v = FrVar::constant(coeff_a()) - &y2 * coeff_d();
    // ok: (x, y) on the curve, x != 0, sign matches.
    let x2 = x.square()?;
    (&x2 * &v).conditional_enforce_equal(&u, &ok)?;
    let x_abs = FrVar::conditionally_select(sign, &x.negate()?, &x)?;
    let x_abs_or_one = FrVar::conditionally_select(&ok, &x_abs, &FrVar::one())?;
    x_abs_or_one.enforce_not_equal(&FrVar::zero())?;
    let half: num_bigint::BigUint = (zkroll_state::field::modulus() - 1u32) >> 1;
    crate::range::enforce_le_const_fr(cs.clone(), &x_abs_or_one, 253, &half)?;
    // !ok: a square root of g u / v proves there is no x.
    let g = Fr::from(5u64);
    let w = FrVar::new_witness(cs, || {
        let uv = (Fr::one() - yv.square())
            * (coeff_a() - coeff_d() * yv.square())
                .inverse()
                .unwrap_or_default();
        Ok((g * uv).sqrt().unwrap_or_default())
    })?;
    (w.square()? * &v).conditional_enforce_equal(&(u * g), &!ok.clone())?;
    Ok((x, ok))
}
