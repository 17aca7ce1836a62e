//! The signing domain: which deployment an L2 signature is for.
//!
//! A signature must be good for one rollup only: the Rollup.sol contract at
//! one address on one L1 chain. The domain is that pair, the L1 chain id
//! (EIP-155, below 2^64) and the contract's 20-byte address, and every
//! signed message starts with its separator
//!
//! ```text
//! separator = chain_id * 2^168 + address * 2^8 + op_type
//! ```
//!
//! The encoding is injective (8 + 160 + 64 = 232 bits, below the 254-bit
//! field), so two deployments never share a separator: no collision to
//! find, where EIP-712's keccak domain separator offers 128 bits against
//! one. The message hash is Poseidon (t = 7) over the separator and the
//! operation fields; circomlibjs computes the same value.
//!
//! The pubdata header carries the domain (its first 28 bytes); Rollup.sol
//! refuses a header naming another chain or another contract, and the
//! circuit reads the separator from the header, so a proof can only settle
//! operations signed for the contract that verifies it.

use std::fmt;
use std::str::FromStr;

use ark_ff::{Field, PrimeField};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::field::Fr;
use crate::ops::OpType;

/// Bytes of the encoded domain: chain id (8) and address (20).
pub const DOMAIN_BYTES: usize = 28;
/// Bits the op type occupies at the bottom of the separator.
pub const OP_TYPE_BITS: u32 = 8;
/// Bits of an L1 address.
pub const ADDRESS_BITS: u32 = 160;

/// One deployment: the L1 chain id and the Rollup contract's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// The L1 chain id (EIP-155), as `block.chainid` returns it.
    pub chain_id: u64,
    /// The Rollup.sol contract's address.
    pub rollup: Address20,
}

impl Domain {
    /// The domain of the contract at `rollup` on chain `chain_id`.
    pub const fn new(chain_id: u64, rollup: [u8; 20]) -> Self {
        Self {
            chain_id,
            rollup: Address20(rollup),
        }
    }

    /// The separator of `op_type` in this domain (see the module doc).
    pub fn separator(&self, op_type: OpType) -> Fr {
        let shift = |bits: u32| Fr::from(2u64).pow([u64::from(bits)]);
        Fr::from(self.chain_id) * shift(ADDRESS_BITS + OP_TYPE_BITS)
            + Fr::from_be_bytes_mod_order(&self.rollup.0) * shift(OP_TYPE_BITS)
            + Fr::from(op_type as u64)
    }

    /// The header encoding: chain id (8 bytes, big-endian), then the address.
    pub fn to_bytes(&self) -> [u8; DOMAIN_BYTES] {
        let mut b = [0u8; DOMAIN_BYTES];
        b[..8].copy_from_slice(&self.chain_id.to_be_bytes());
        b[8..].copy_from_slice(&self.rollup.0);
        b
    }

    /// Reads the header encoding.
    pub fn from_bytes(b: &[u8; DOMAIN_BYTES]) -> Self {
        let mut chain = [0u8; 8];
        chain.copy_from_slice(&b[..8]);
        let mut rollup = [0u8; 20];
        rollup.copy_from_slice(&b[8..]);
        Self::new(u64::from_be_bytes(chain), rollup)
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on chain {}", self.rollup, self.chain_id)
    }
}

/// A 20-byte L1 address; in JSON a `0x`-prefixed hex string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Address20(pub [u8; 20]);

/// Why a string is not an address.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Not `0x` followed by 40 hex digits.
    #[error("an address is 0x followed by 40 hex digits, got {0:?}")]
    Malformed(String),
}

impl FromStr for Address20 {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || AddressError::Malformed(s.to_string());
        let hex_part = s.strip_prefix("0x").ok_or_else(bad)?;
        if hex_part.len() != 40 {
            return Err(bad());
        }
        let mut a = [0u8; 20];
        hex::decode_to_slice(hex_part, &mut a).map_err(|_| bad())?;
        Ok(Self(a))
    }
}

impl fmt::Display for Address20 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl Serialize for Address20 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&self.to_string())
        } else {
            self.0.serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Address20 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            s.parse().map_err(serde::de::Error::custom)
        } else {
            Ok(Self(<[u8; 20]>::deserialize(d)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separator_is_the_documented_integer() {
        let mut rollup = [0u8; 20];
        rollup[19] = 0x0b;
        rollup[0] = 0xa0;
        let d = Domain::new(31337, rollup);
        let expected: num_bigint::BigUint = (num_bigint::BigUint::from(31337u64) << 168)
            + (num_bigint::BigUint::from_bytes_be(&rollup) << 8)
            + 4u32;
        assert_eq!(
            crate::field::fr_to_decimal(&d.separator(OpType::Transfer)),
            expected.to_string()
        );
    }

    #[test]
    fn separators_differ_by_chain_address_and_type() {
        let a = Domain::new(1, [1; 20]);
        let b = Domain::new(2, [1; 20]);
        let c = Domain::new(1, [2; 20]);
        let t = OpType::Transfer;
        assert_ne!(a.separator(t), b.separator(t));
        assert_ne!(a.separator(t), c.separator(t));
        assert_ne!(a.separator(t), a.separator(OpType::Withdraw));
        // The largest values stay below the field (no wrap-around).
        let max = Domain::new(u64::MAX, [0xff; 20]);
        assert_ne!(max.separator(t), Domain::new(0, [0; 20]).separator(t));
    }

    #[test]
    fn bytes_and_json_round_trip() {
        let d = Domain::new(0x0102030405060708, [0xab; 20]);
        assert_eq!(Domain::from_bytes(&d.to_bytes()), d);
        let j = serde_json::to_string(&d).unwrap();
        assert_eq!(
            j,
            r#"{"chain_id":72623859790382856,"rollup":"0xabababababababababababababababababababab"}"#
        );
        assert_eq!(serde_json::from_str::<Domain>(&j).unwrap(), d);
        assert!(serde_json::from_str::<Domain>(r#"{"chain_id":1,"rollup":"0xab"}"#).is_err());
        assert!(
            serde_json::from_str::<Domain>(r#"{"chain_id":1,"rollup":"0x00","extra":1}"#).is_err()
        );
    }
}
