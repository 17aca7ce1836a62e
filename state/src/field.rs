//! The BN254 scalar field `Fr`: canonical parsing, byte encodings and serde.
//!
//! Every field element that enters zkroll from outside (JSON, bytes, pubdata)
//! goes through this module, which rejects values `>= r` instead of reducing
//! them: two encodings of one element would let a tampered input pass.

use ark_ff::{BigInteger, PrimeField};
use num_bigint::BigUint;
use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

pub use ark_bn254::Fr;

/// Why a field element could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The text is not a decimal (or `0x` hex) integer.
    #[error("not an integer: {0:?}")]
    NotAnInteger(String),
    /// The integer is not below the field modulus r.
    #[error("{0} is not a canonical field element (must be < r)")]
    NotCanonical(String),
    /// A byte encoding had the wrong length.
    #[error("expected {expected} bytes, got {got}")]
    BadLength {
        /// Bytes expected.
        expected: usize,
        /// Bytes given.
        got: usize,
    },
}

/// The modulus r of `Fr` as a big integer.
pub fn modulus() -> BigUint {
    Fr::MODULUS.into()
}

/// A non-empty string of base-`radix` digits and nothing else (num-bigint's
/// `parse_bytes` also takes `_` separators and a leading `+`).
pub fn biguint_from_digits(s: &str, radix: u32) -> Option<BigUint> {
    if s.is_empty() || !s.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    BigUint::parse_bytes(s.as_bytes(), radix)
}

/// Parses a decimal string, or hex with a `0x` prefix, rejecting values `>= r`.
/// Only digits are accepted (no sign, no `_` separators), so a number has
/// one spelling per base.
pub fn fr_from_str(s: &str) -> Result<Fr, FieldError> {
    let s = s.trim();
    let n = if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        biguint_from_digits(hex, 16)
    } else {
        biguint_from_digits(s, 10)
    }
    .ok_or_else(|| FieldError::NotAnInteger(s.to_string()))?;
    fr_from_biguint(&n)
}

/// Converts a big integer, rejecting values `>= r`.
pub fn fr_from_biguint(n: &BigUint) -> Result<Fr, FieldError> {
    if *n >= modulus() {
        return Err(FieldError::NotCanonical(n.to_string()));
    }
    Ok(Fr::from(n.clone()))
}

/// The decimal string of a field element (its canonical integer).
pub fn fr_to_decimal(f: &Fr) -> String {
    let n: BigUint = (*f).into();
    n.to_string()
}

/// The 32-byte big-endian encoding of a field element.
pub fn fr_to_be_bytes(f: &Fr) -> [u8; 32] {
    let v = f.into_bigint().to_bytes_be();
    let mut out = [0u8; 32];
    out[32 - v.len()..].copy_from_slice(&v);
    out
}

/// Reads a 32-byte big-endian field element, rejecting values `>= r`.
pub fn fr_from_be_bytes(bytes: &[u8]) -> Result<Fr, FieldError> {
    if bytes.len() != 32 {
        return Err(FieldError::BadLength {
            expected: 32,
            got: bytes.len(),
        });
    }
    fr_from_biguint(&BigUint::from_bytes_be(bytes))
}

/// serde for `Fr`: a decimal string in human-readable formats (JSON), 32
/// big-endian bytes otherwise (bincode). Deserialisation rejects `>= r`.
pub mod serde_fr {
    use super::*;

    /// Serialises one field element.
    pub fn serialize<S: Serializer>(f: &Fr, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&fr_to_decimal(f))
        } else {
            s.serialize_bytes(&fr_to_be_bytes(f))
        }
    }

    /// Deserialises one field element.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fr, D::Error> {
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            fr_from_str(&s).map_err(D::Error::custom)
        } else {
            let b = deserialize_byte_vec(d)?;
            fr_from_be_bytes(&b).map_err(D::Error::custom)
        }
    }
}

/// Reads a byte string from a binary serde format (bytes or a sequence of u8).
pub fn deserialize_byte_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Vec<u8>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a byte string")
        }
        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }
        fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Vec<u8>, A::Error> {
            let mut out = Vec::new();
            while let Some(b) = a.next_element::<u8>()? {
                out.push(b);
            }
            Ok(out)
        }
    }
    d.deserialize_bytes(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_canonical_and_garbage() {
        let r = modulus().to_string();
        assert!(matches!(fr_from_str(&r), Err(FieldError::NotCanonical(_))));
        assert!(matches!(
            fr_from_str("12a"),
            Err(FieldError::NotAnInteger(_))
        ));
        assert!(matches!(fr_from_str(""), Err(FieldError::NotAnInteger(_))));
        // One spelling per number: no sign, no separators, no empty hex.
        for bad in ["-1", "+1", "1_0", "0x_1", "0x", "0x+1", "1 0"] {
            assert!(
                matches!(fr_from_str(bad), Err(FieldError::NotAnInteger(_))),
                "{bad:?} accepted"
            );
        }
        assert_eq!(fr_from_str("0x0a").unwrap(), fr_from_str("10").unwrap());
        let r_bytes = modulus().to_bytes_be();
        assert!(matches!(
            fr_from_be_bytes(&r_bytes),
            Err(FieldError::NotCanonical(_))
        ));
        assert!(matches!(
            fr_from_be_bytes(&[1u8; 31]),
            Err(FieldError::BadLength { .. })
        ));
    }

    #[test]
    fn round_trips() {
        let x = fr_from_str("123456789012345678901234567890").unwrap();
        assert_eq!(fr_from_be_bytes(&fr_to_be_bytes(&x)).unwrap(), x);
        assert_eq!(fr_from_str(&fr_to_decimal(&x)).unwrap(), x);
        assert_eq!(fr_from_str("0x10").unwrap(), Fr::from(16u64));
    }
}
