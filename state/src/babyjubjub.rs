//! Baby Jubjub exactly as circomlib defines it: `a x^2 + y^2 = 1 + d x^2 y^2`
//! with a = 168700, d = 168696 over BN254 `Fr`, generator Base8, and
//! circomlibjs's 32-byte point compression.
//!
//! ark-ed-on-bn254 ships the isomorphic a = 1 form, whose coordinates differ
//! from circomlib's; signatures made by circomlibjs are over these
//! coordinates, so zkroll defines circomlib's curve as its own
//! `TECurveConfig` (the generic arkworks curve gadgets accept any `a`).

use ark_ec::{
    models::CurveConfig,
    twisted_edwards::{Affine, MontCurveConfig, Projective, TECurveConfig},
    AffineRepr, CurveGroup,
};
use ark_ff::{BigInteger, Field, MontFp, PrimeField, Zero};
use num_bigint::BigUint;

use crate::field::Fr;

/// The prime-order subgroup's scalar field (order 2736...3041).
pub type Fs = ark_ed_on_bn254::Fr;

/// circomlib's Baby Jubjub parameters.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct BabyJubjubConfig;

/// A point in affine coordinates (always on the curve when built by this crate).
pub type Point = Affine<BabyJubjubConfig>;
/// A point in projective coordinates.
pub type PointProjective = Projective<BabyJubjubConfig>;

impl CurveConfig for BabyJubjubConfig {
    type BaseField = Fr;
    type ScalarField = Fs;

    const COFACTOR: &'static [u64] = &[8];
    /// 8^-1 mod the subgroup order.
    const COFACTOR_INV: Fs =
        MontFp!("2394026564107420727433200628387514462817212225638746351800188703329891451411");
}

/// x of Base8, circomlib's subgroup generator.
pub const BASE8_X: Fr =
    MontFp!("5299619240641551281634865583518297030282874472190772894086521144482721001553");
/// y of Base8.
pub const BASE8_Y: Fr =
    MontFp!("16950150798460657717958625567821834550301663161624707787222815936182638968203");

impl TECurveConfig for BabyJubjubConfig {
    const COEFF_A: Fr = MontFp!("168700");
    const COEFF_D: Fr = MontFp!("168696");
    /// Base8, the generator circomlib's EdDSA uses.
    const GENERATOR: Point = Point::new_unchecked(BASE8_X, BASE8_Y);
    type MontCurveConfig = BabyJubjubConfig;
}

impl MontCurveConfig for BabyJubjubConfig {
    /// A = 2 (a + d) / (a - d)
    const COEFF_A: Fr = MontFp!("168698");
    /// B = 4 / (a - d)
    const COEFF_B: Fr = MontFp!("1");
    type TECurveConfig = BabyJubjubConfig;
}

/// Base8 = 8 * circomlib's generator; generates the prime-order subgroup.
pub fn base8() -> Point {
    BabyJubjubConfig::GENERATOR
}

/// The subgroup order as a big integer.
pub fn suborder() -> BigUint {
    Fs::MODULUS.into()
}

/// Why 32 bytes are not a compressed point.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointError {
    /// y (the low 255 bits) is not below the field modulus.
    #[error("compressed point: y is not a canonical field element")]
    NonCanonicalY,
    /// No x satisfies the curve equation for this y (or x = 0, which
    /// circomlibjs does not unpack either).
    #[error("compressed point: no curve point has this y")]
    NotOnCurve,
    /// The coordinates do not satisfy the curve equation.
    #[error("point ({x}, {y}) is not on Baby Jubjub")]
    OffCurve {
        /// x as decimal.
        x: String,
        /// y as decimal.
        y: String,
    },
    /// A coordinate could not be read.
    #[error("point coordinate: {0}")]
    Field(#[from] crate::field::FieldError),
}

/// Builds a point from coordinates, checking it lies on the curve.
pub fn point_from_coords(x: Fr, y: Fr) -> Result<Point, PointError> {
    let p = Point::new_unchecked(x, y);
    if p.is_on_curve() {
        Ok(p)
    } else {
        Err(PointError::OffCurve {
            x: crate::field::fr_to_decimal(&x),
            y: crate::field::fr_to_decimal(&y),
        })
    }
}

fn half_modulus() -> BigUint {
    (crate::field::modulus() - 1u32) >> 1
}

/// Whether x counts as "negative" in circomlib's compression: x > (p-1)/2.
pub fn x_sign(x: &Fr) -> bool {
    let n: BigUint = (*x).into();
    n > half_modulus()
}

/// circomlibjs `packPoint`: y little-endian, top bit set when x > (p-1)/2.
pub fn compress(p: &Point) -> [u8; 32] {
    let mut out = [0u8; 32];
    let y = p.y.into_bigint().to_bytes_le();
    out[..y.len()].copy_from_slice(&y);
    if x_sign(&p.x) {
        out[31] |= 0x80;
    }
    out
}

/// circomlibjs `unpackPoint`: the inverse of [`compress`]. Refuses y >= r.
pub fn decompress(bytes: &[u8; 32]) -> Result<Point, PointError> {
    let mut b = *bytes;
    b[31] &= 0x7f;
    if BigUint::from_bytes_le(&b) >= crate::field::modulus() {
        return Err(PointError::NonCanonicalY);
    }
    decompress_reduced(bytes)
}

/// Decompression with y taken mod r (the bytes' low 255 bits, little-endian),
/// as the batch circuit reads an L1-queued key: a non-canonical y names the
/// same key as its reduction. Fails only when no point has this y (or x = 0).
pub fn decompress_reduced(bytes: &[u8; 32]) -> Result<Point, PointError> {
    let mut b = *bytes;
    let sign = b[31] & 0x80 != 0;
    b[31] &= 0x7f;
    let y = Fr::from(BigUint::from_bytes_le(&b));
    let y2 = y.square();
    let num = Fr::ONE - y2;
    let den = <BabyJubjubConfig as TECurveConfig>::COEFF_A
        - <BabyJubjubConfig as TECurveConfig>::COEFF_D * y2;
    let x2 = num * den.inverse().ok_or(PointError::NotOnCurve)?;
    if x2.is_zero() {
        return Err(PointError::NotOnCurve);
    }
    let mut x = x2.sqrt().ok_or(PointError::NotOnCurve)?;
    if x_sign(&x) != sign {
        x = -x;
    }
    point_from_coords(x, y)
}

/// Whether `8 * p` is the identity (p has order 1, 2, 4 or 8).
pub fn is_small_order(p: &Point) -> bool {
    p.mul_by_cofactor_to_group().is_zero()
}

/// `scalar * p` for a scalar given as an arbitrary-size integer (not reduced).
pub fn mul_biguint(p: &Point, scalar: &BigUint) -> PointProjective {
    let limbs = scalar.to_u64_digits();
    p.mul_bigint(limbs)
}

/// Normalises a projective point.
pub fn to_affine(p: PointProjective) -> Point {
    p.into_affine()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base8_is_on_curve_and_in_subgroup() {
        let b = base8();
        assert!(b.is_on_curve());
        assert!(b.is_in_correct_subgroup_assuming_on_curve());
        assert!(!is_small_order(&b));
    }

    #[test]
    fn compress_round_trip_and_rejections() {
        let b = base8();
        for k in 1u64..20 {
            let p = to_affine(mul_biguint(&b, &BigUint::from(k)));
            assert_eq!(decompress(&compress(&p)).unwrap(), p);
            let n = to_affine(-p.into_group());
            assert_eq!(decompress(&compress(&n)).unwrap(), n);
        }
        let mut bad = [0xffu8; 32];
        bad[31] = 0x7f;
        assert_eq!(decompress(&bad), Err(PointError::NonCanonicalY));
        // y = 1 gives x = 0: circomlibjs refuses to unpack it, and so do we.
        let mut one = [0u8; 32];
        one[0] = 1;
        assert_eq!(decompress(&one), Err(PointError::NotOnCurve));
        assert!(matches!(
            point_from_coords(Fr::from(1u64), Fr::from(2u64)),
            Err(PointError::OffCurve { .. })
        ));
    }
}
