//! circomlib's EdDSA-Poseidon on Baby Jubjub: key derivation (`prv2pub`),
//! `signPoseidon` and `verifyPoseidon`, bit for bit as circomlibjs 0.1.7.
//!
//! A private key is 32 bytes. `h = BLAKE-512(key)`; the scalar `s` is
//! `h[0..32]` little-endian, pruned (low 3 bits cleared, bit 255 cleared,
//! bit 254 set); the public key is `A = (s >> 3) * Base8`. A signature of a
//! field element `m` is `(R8, S)` with `r = BLAKE-512(h[32..64] || m_le) mod l`,
//! `R8 = r * Base8`, `S = r + Poseidon(R8.x, R8.y, A.x, A.y, m) * s mod l`.
//! It verifies when `S < l`, `R8` and `A` are on the curve and not of small
//! order, and `S * Base8 == R8 + 8 * hm * A` (hm taken as an integer). The
//! circuit's `EdDsaVar` checks the same equation.

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::PrimeField;
use blake_hash::{Blake512, Digest};
use num_bigint::BigUint;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::babyjubjub::{
    base8, compress, decompress, is_small_order, mul_biguint, point_from_coords, suborder, Fs,
    Point, PointError,
};
use crate::field::{fr_from_str, fr_to_decimal, Fr};
use crate::poseidon::Poseidon;

/// Why a signature does not verify, one variant per check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// S must be below the subgroup order (else the signature is malleable).
    #[error("signature S is not below the subgroup order")]
    SNotReduced,
    /// The public key has order dividing 8.
    #[error("public key is a small-order point")]
    SmallOrderKey,
    /// R8 has order dividing 8.
    #[error("signature R8 is a small-order point")]
    SmallOrderR,
    /// `S * Base8 != R8 + 8 * hm * A`.
    #[error("signature equation does not hold")]
    Mismatch,
    /// A point is malformed or off the curve.
    #[error("signature point: {0}")]
    Point(#[from] PointError),
}

/// A 32-byte private key.
#[derive(Clone, PartialEq, Eq)]
pub struct PrivateKey([u8; 32]);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(..)")
    }
}

/// A public key: a Baby Jubjub point known to be on the curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PublicKey(Point);

/// A signature `(R8, S)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The commitment point R8 = r * Base8.
    pub r8: Point,
    /// The response S, below the subgroup order by construction.
    pub s: Fs,
}

fn blake512(data: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    out.copy_from_slice(&Blake512::digest(data));
    out
}

impl PrivateKey {
    /// Wraps 32 bytes (any value is a valid key).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Draws a fresh key.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        Self(b)
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// BLAKE-512 of the key, split into the pruned scalar `s` and the nonce prefix.
    fn expand(&self) -> (BigUint, [u8; 32]) {
        let h = blake512(&self.0);
        let mut s = [0u8; 32];
        s.copy_from_slice(&h[..32]);
        s[0] &= 0xf8;
        s[31] &= 0x7f;
        s[31] |= 0x40;
        let mut prefix = [0u8; 32];
        prefix.copy_from_slice(&h[32..]);
        (BigUint::from_bytes_le(&s), prefix)
    }

    /// circomlibjs `prv2pub`.
    pub fn public(&self) -> PublicKey {
        let (s, _) = self.expand();
        PublicKey(mul_biguint(&base8(), &(s >> 3u32)).into_affine())
    }

    /// circomlibjs `signPoseidon`.
    pub fn sign(&self, msg: Fr) -> Signature {
        let (s, prefix) = self.expand();
        let a = PublicKey(mul_biguint(&base8(), &(s.clone() >> 3u32)).into_affine());
        let mut compose = [0u8; 64];
        compose[..32].copy_from_slice(&prefix);
        compose[32..].copy_from_slice(&msg_le(&msg));
        let r = BigUint::from_bytes_le(&blake512(&compose)) % suborder();
        let r8 = mul_biguint(&base8(), &r).into_affine();
        let hm: BigUint = challenge(&r8, &a, msg).into();
        let s_resp = (r + hm * s) % suborder();
        Signature {
            r8,
            s: Fs::from(s_resp),
        }
    }
}

fn msg_le(m: &Fr) -> [u8; 32] {
    let mut be = crate::field::fr_to_be_bytes(m);
    be.reverse();
    be
}

/// `hm = Poseidon(R8.x, R8.y, A.x, A.y, msg)`.
pub fn challenge(r8: &Point, a: &PublicKey, msg: Fr) -> Fr {
    Poseidon::hash_n([r8.x, r8.y, a.0.x, a.0.y, msg])
}

impl PublicKey {
    /// A key from coordinates, checked to be on the curve.
    pub fn from_coords(x: Fr, y: Fr) -> Result<Self, PointError> {
        point_from_coords(x, y).map(Self)
    }

    /// A key from a point.
    pub fn from_point(p: Point) -> Self {
        Self(p)
    }

    /// The point.
    pub fn point(&self) -> &Point {
        &self.0
    }

    /// x coordinate.
    pub fn x(&self) -> Fr {
        self.0.x
    }

    /// y coordinate.
    pub fn y(&self) -> Fr {
        self.0.y
    }

    /// circomlibjs `packPoint` of the key.
    pub fn compress(&self) -> [u8; 32] {
        compress(&self.0)
    }

    /// circomlibjs `unpackPoint`.
    pub fn decompress(bytes: &[u8; 32]) -> Result<Self, PointError> {
        decompress(bytes).map(Self)
    }

    /// circomlibjs `verifyPoseidon`, with small-order points also refused.
    pub fn verify(&self, msg: Fr, sig: &Signature) -> Result<(), SignatureError> {
        // S < l holds by the type; R8 and A were checked on the curve when built.
        if is_small_order(&self.0) {
            return Err(SignatureError::SmallOrderKey);
        }
        if is_small_order(&sig.r8) {
            return Err(SignatureError::SmallOrderR);
        }
        let hm: BigUint = challenge(&sig.r8, self, msg).into();
        let left = mul_biguint(&base8(), &sig.s.into());
        let right = sig.r8.into_group() + mul_biguint(&self.0.mul_by_cofactor(), &hm);
        if left == right {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }
}

impl Signature {
    /// Builds a signature from its parts, refusing S >= l and points off the curve.
    pub fn from_parts(r8x: Fr, r8y: Fr, s: &BigUint) -> Result<Self, SignatureError> {
        if *s >= suborder() {
            return Err(SignatureError::SNotReduced);
        }
        Ok(Self {
            r8: point_from_coords(r8x, r8y)?,
            s: Fs::from(s.clone()),
        })
    }

    /// circomlibjs `packSignature`: compressed R8 || S little-endian (64 bytes).
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&compress(&self.r8));
        let s = ark_ff::BigInteger::to_bytes_le(&self.s.into_bigint());
        out[32..32 + s.len()].copy_from_slice(&s);
        out
    }

    /// circomlibjs `unpackSignature`, with the checks of [`Signature::from_parts`].
    pub fn from_bytes(bytes: &[u8; 64]) -> Result<Self, SignatureError> {
        let mut r = [0u8; 32];
        r.copy_from_slice(&bytes[..32]);
        let r8 = decompress(&r)?;
        Self::from_parts(r8.x, r8.y, &BigUint::from_bytes_le(&bytes[32..]))
    }
}

/// JSON form of a public key: `[x, y]` as decimal strings, as circomlibjs prints it.
#[derive(Serialize, Deserialize)]
struct PublicKeyJson([String; 2]);

/// JSON form of a signature: `{"r8": [x, y], "s": "..."}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureJson {
    r8: [String; 2],
    s: String,
}

impl Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            PublicKeyJson([fr_to_decimal(&self.0.x), fr_to_decimal(&self.0.y)]).serialize(s)
        } else {
            s.serialize_bytes(&self.compress())
        }
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if d.is_human_readable() {
            let PublicKeyJson([x, y]) = PublicKeyJson::deserialize(d)?;
            let x = fr_from_str(&x).map_err(D::Error::custom)?;
            let y = fr_from_str(&y).map_err(D::Error::custom)?;
            Self::from_coords(x, y).map_err(D::Error::custom)
        } else {
            let b = crate::field::deserialize_byte_vec(d)?;
            let arr: [u8; 32] = b
                .try_into()
                .map_err(|_| D::Error::custom("public key: expected 32 bytes"))?;
            Self::decompress(&arr).map_err(D::Error::custom)
        }
    }
}

impl Serialize for Signature {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            SignatureJson {
                r8: [fr_to_decimal(&self.r8.x), fr_to_decimal(&self.r8.y)],
                s: BigUint::from(self.s).to_string(),
            }
            .serialize(s)
        } else {
            s.serialize_bytes(&self.to_bytes())
        }
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if d.is_human_readable() {
            let j = SignatureJson::deserialize(d)?;
            let x = fr_from_str(&j.r8[0]).map_err(D::Error::custom)?;
            let y = fr_from_str(&j.r8[1]).map_err(D::Error::custom)?;
            let s = crate::field::biguint_from_digits(&j.s, 10)
                .ok_or_else(|| D::Error::custom("signature s: not a decimal integer"))?;
            Self::from_parts(x, y, &s).map_err(D::Error::custom)
        } else {
            let b = crate::field::deserialize_byte_vec(d)?;
            let arr: [u8; 64] = b
                .try_into()
                .map_err(|_| D::Error::custom("signature: expected 64 bytes"))?;
            Self::from_bytes(&arr).map_err(D::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn sign_verify_and_tamper() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let k = PrivateKey::generate(&mut rng);
        let a = k.public();
        let sig = k.sign(Fr::from(42u64));
        a.verify(Fr::from(42u64), &sig).unwrap();
        assert_eq!(
            a.verify(Fr::from(43u64), &sig),
            Err(SignatureError::Mismatch)
        );
        let other = PrivateKey::generate(&mut rng).public();
        assert_eq!(
            other.verify(Fr::from(42u64), &sig),
            Err(SignatureError::Mismatch)
        );
        let packed = sig.to_bytes();
        assert_eq!(Signature::from_bytes(&packed).unwrap(), sig);
    }

    #[test]
    fn small_order_and_unreduced_s_are_refused() {
        let k = PrivateKey::from_bytes([3u8; 32]);
        let sig = k.sign(Fr::from(1u64));
        // (0, 1) is the identity, a small-order point.
        let identity = PublicKey::from_coords(Fr::from(0u64), Fr::from(1u64)).unwrap();
        assert_eq!(
            identity.verify(Fr::from(1u64), &sig),
            Err(SignatureError::SmallOrderKey)
        );
        let bad_r = Signature {
            r8: Point::new_unchecked(Fr::from(0u64), -Fr::from(1u64)),
            s: sig.s,
        };
        assert_eq!(
            k.public().verify(Fr::from(1u64), &bad_r),
            Err(SignatureError::SmallOrderR)
        );
        assert_eq!(
            Signature::from_parts(sig.r8.x, sig.r8.y, &suborder()),
            Err(SignatureError::SNotReduced)
        );
        // S + l is the malleated twin of a valid S: refused, not accepted.
        let s_big: BigUint = BigUint::from(sig.s) + suborder();
        assert_eq!(
            Signature::from_parts(sig.r8.x, sig.r8.y, &s_big),
            Err(SignatureError::SNotReduced)
        );
        assert!(matches!(
            Signature::from_parts(Fr::from(1u64), Fr::from(1u64), &BigUint::from(1u8)),
            Err(SignatureError::Point(PointError::OffCurve { .. }))
        ));
    }
}
