//! Point encodings of ffjavascript (snarkjs-formats.md §0).
//!
//! - LEM (stored in the file): affine, each coordinate as its Montgomery form `x·R mod q`
//!   in little-endian. arkworks keeps `Fq` in Montgomery form with R = 2^256, so these
//!   are the raw limbs. Infinity is all zeros.
//! - U (hashed): affine, each coordinate normal form big-endian; G2 is
//!   `x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0`. Infinity is all zeros.
//! - C (hashed in the response): big-endian x only (G2: `x.c1 ‖ x.c0`), byte 0 gets
//!   0x80 if y is "negative". Infinity is zeros with byte 0 = 0x40.

use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{PrimeField, Zero};

pub(crate) const G1_SIZE: usize = 64;
pub(crate) const G2_SIZE: usize = 128;
pub(crate) const G1_C_SIZE: usize = 32;
pub(crate) const G2_C_SIZE: usize = 64;

fn put_lem(out: &mut [u8], x: &Fq) {
    for (chunk, limb) in out[..32].chunks_exact_mut(8).zip(x.0 .0.iter()) {
        chunk.copy_from_slice(&limb.to_le_bytes());
    }
}

fn put_be(out: &mut [u8], x: &Fq) {
    let b = x.into_bigint();
    for (chunk, limb) in out[..32].chunks_exact_mut(8).zip(b.0.iter().rev()) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
}

/// ffjavascript `F1.isNegative`: the normal value is greater than (q-1)/2.
pub(crate) fn fq_is_negative(x: &Fq) -> bool {
    x.into_bigint() > Fq::MODULUS_MINUS_ONE_DIV_TWO
}

/// ffjavascript `F2.isNegative`: decided by c1, or by c0 when c1 is zero.
pub(crate) fn fq2_is_negative(x: &Fq2) -> bool {
    if x.c1.is_zero() {
        fq_is_negative(&x.c0)
    } else {
        fq_is_negative(&x.c1)
    }
}

pub(crate) fn g1_lem(p: &G1Affine, out: &mut [u8]) {
    match p.xy() {
        Some((x, y)) => {
            put_lem(&mut out[..32], &x);
            put_lem(&mut out[32..64], &y);
        }
        None => out[..G1_SIZE].fill(0),
    }
}

pub(crate) fn g2_lem(p: &G2Affine, out: &mut [u8]) {
    match p.xy() {
        Some((x, y)) => {
            put_lem(&mut out[..32], &x.c0);
            put_lem(&mut out[32..64], &x.c1);
            put_lem(&mut out[64..96], &y.c0);
            put_lem(&mut out[96..128], &y.c1);
        }
        None => out[..G2_SIZE].fill(0),
    }
}

pub(crate) fn g1_u(p: &G1Affine, out: &mut [u8]) {
    match p.xy() {
        Some((x, y)) => {
            put_be(&mut out[..32], &x);
            put_be(&mut out[32..64], &y);
        }
        None => out[..G1_SIZE].fill(0),
    }
}

pub(crate) fn g2_u(p: &G2Affine, out: &mut [u8]) {
    match p.xy() {
        Some((x, y)) => {
            put_be(&mut out[..32], &x.c1);
            put_be(&mut out[32..64], &x.c0);
            put_be(&mut out[64..96], &y.c1);
            put_be(&mut out[96..128], &y.c0);
        }
        None => out[..G2_SIZE].fill(0),
    }
}

pub(crate) fn g1_c(p: &G1Affine, out: &mut [u8]) {
    match p.xy() {
        Some((x, y)) => {
            put_be(&mut out[..32], &x);
            if fq_is_negative(&y) {
                out[0] |= 0x80;
            }
        }
        None => {
            out[..G1_C_SIZE].fill(0);
            out[0] = 0x40;
        }
    }
}

pub(crate) fn g2_c(p: &G2Affine, out: &mut [u8]) {
    match p.xy() {
        Some((x, y)) => {
            put_be(&mut out[..32], &x.c1);
            put_be(&mut out[32..64], &x.c0);
            if fq2_is_negative(&y) {
                out[0] |= 0x80;
            }
        }
        None => {
            out[..G2_C_SIZE].fill(0);
            out[0] = 0x40;
        }
    }
}

pub(crate) fn g1_lem_vec(p: &G1Affine) -> [u8; G1_SIZE] {
    let mut b = [0u8; G1_SIZE];
    g1_lem(p, &mut b);
    b
}

pub(crate) fn g2_lem_vec(p: &G2Affine) -> [u8; G2_SIZE] {
    let mut b = [0u8; G2_SIZE];
    g2_lem(p, &mut b);
    b
}

pub(crate) fn g1_u_vec(p: &G1Affine) -> [u8; G1_SIZE] {
    let mut b = [0u8; G1_SIZE];
    g1_u(p, &mut b);
    b
}

pub(crate) fn g2_u_vec(p: &G2Affine) -> [u8; G2_SIZE] {
    let mut b = [0u8; G2_SIZE];
    g2_u(p, &mut b);
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{BigInteger, Field};

    /// LE bytes of `v·2^256 mod q` computed with field arithmetic, independent of the limbs.
    fn mont_le(v: u64) -> Vec<u8> {
        let r = Fq::from(2u64).pow([256u64]);
        (Fq::from(v) * r).into_bigint().to_bytes_le()
    }

    /// ptau section 2 point 0 = LE(R mod q) ‖ LE(2R mod q): the generator (1, 2).
    #[test]
    fn generator_lem_and_u() {
        let mut b = [0u8; 64];
        g1_lem(&G1Affine::generator(), &mut b);
        assert_eq!(&b[..32], mont_le(1).as_slice());
        assert_eq!(&b[32..], mont_le(2).as_slice());
        g1_u(&G1Affine::generator(), &mut b);
        let mut want = [0u8; 64];
        want[31] = 1;
        want[63] = 2;
        assert_eq!(b, want);
        g1_lem(&G1Affine::zero(), &mut b);
        assert_eq!(b, [0u8; 64]);
        let mut c = [0u8; 32];
        g1_c(&G1Affine::zero(), &mut c);
        assert_eq!(c[0], 0x40);
        g1_c(&G1Affine::generator(), &mut c);
        assert_eq!(c[0] & 0x80, 0); // y = 2 is "positive"
        g1_c(&(-G1Affine::generator()), &mut c);
        assert_eq!(c[0] & 0x80, 0x80);
    }
}
