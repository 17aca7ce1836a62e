//! Rollup operations: L1 (queued by the contract) and L2 (signed by users),
//! and the message an L2 operation's key signs.
//!
//! The signed message is one Poseidon over
//! `(separator, from, to, amount, fee, nonce)`, the separator binding the
//! deployment (L1 chain id and Rollup.sol address) and the operation type
//! ([`crate::domain`]). A Withdraw signs `to = 0`. See docs/PROTOCOL.md.

use serde::{Deserialize, Serialize};

use crate::account::{AccountId, Balance, Nonce, TokenId};
use crate::domain::Domain;
use crate::eddsa::{PrivateKey, PublicKey, Signature, SignatureError};
use crate::field::Fr;
use crate::poseidon::Poseidon;

/// Operation type codes, as written in pubdata.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum OpType {
    /// Padding: changes nothing.
    Noop = 0,
    /// L1: create an account at an L1-assigned index and credit it.
    DepositNew = 1,
    /// L1: credit an existing account.
    Deposit = 2,
    /// L1: withdraw an account's whole balance to its L1 owner.
    ForcedExit = 3,
    /// L2: move funds between two accounts of one token.
    Transfer = 4,
    /// L2: debit an account; its L1 owner is credited on settlement.
    Withdraw = 5,
}

impl OpType {
    /// The type for a pubdata byte.
    pub fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0 => Self::Noop,
            1 => Self::DepositNew,
            2 => Self::Deposit,
            3 => Self::ForcedExit,
            4 => Self::Transfer,
            5 => Self::Withdraw,
            _ => return None,
        })
    }
}

/// A compressed public key as queued on L1 (32 bytes, circomlibjs
/// `packPoint`). It may not decompress: L1 cannot afford to check, so a
/// DepositNew with a bad key fails in its slot instead of being refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PackedPubkey(pub [u8; 32]);

impl From<&PublicKey> for PackedPubkey {
    fn from(pk: &PublicKey) -> Self {
        Self(pk.compress())
    }
}

impl Serialize for PackedPubkey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&format!("0x{}", hex::encode(self.0)))
        } else {
            s.serialize_bytes(&self.0)
        }
    }
}

impl<'de> Deserialize<'de> for PackedPubkey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let bytes = if d.is_human_readable() {
            let s = String::deserialize(d)?;
            hex::decode(s.strip_prefix("0x").unwrap_or(&s))
                .map_err(|e| D::Error::custom(format!("packed public key: {e}")))?
        } else {
            crate::field::deserialize_byte_vec(d)?
        };
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| D::Error::custom("packed public key: expected 32 bytes"))?;
        Ok(Self(arr))
    }
}

/// An operation from the L1 queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum L1Op {
    /// Create account `idx` (assigned by L1) holding `amount` of `token`.
    DepositNew {
        /// Index assigned by the contract.
        idx: AccountId,
        /// Owner's L2 key, compressed.
        pubkey: PackedPubkey,
        /// Token of the new account.
        token: TokenId,
        /// Amount deposited.
        #[serde(with = "serde_u128")]
        amount: Balance,
    },
    /// Credit `amount` of `token` to existing account `idx`.
    Deposit {
        /// Account credited.
        idx: AccountId,
        /// Token deposited (the contract's record of the account's token).
        token: TokenId,
        /// Amount deposited.
        #[serde(with = "serde_u128")]
        amount: Balance,
    },
    /// Exit the whole balance of `idx` to its L1 owner.
    ForcedExit {
        /// Account exited.
        idx: AccountId,
        /// The account's token, as the contract recorded it.
        token: TokenId,
    },
}

impl L1Op {
    /// The operation's type code.
    pub fn op_type(&self) -> OpType {
        match self {
            Self::DepositNew { .. } => OpType::DepositNew,
            Self::Deposit { .. } => OpType::Deposit,
            Self::ForcedExit { .. } => OpType::ForcedExit,
        }
    }

    /// The account the operation targets.
    pub fn idx(&self) -> AccountId {
        match self {
            Self::DepositNew { idx, .. }
            | Self::Deposit { idx, .. }
            | Self::ForcedExit { idx, .. } => *idx,
        }
    }
}

/// An L1 operation with its position in the contract's queue. In JSON one
/// flat object, `{"serial", "type", ...the operation's fields}`; an unknown
/// field is refused by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "QueuedL1OpJson", into = "QueuedL1OpJson")]
pub struct QueuedL1Op {
    /// Position in the L1 queue (0, 1, 2, ...); batches consume it in order.
    pub serial: u64,
    /// The operation.
    pub op: L1Op,
}

/// [`QueuedL1Op`]'s serde form (serde's `flatten` cannot refuse unknown fields).
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
enum QueuedL1OpJson {
    DepositNew {
        serial: u64,
        idx: AccountId,
        pubkey: PackedPubkey,
        token: TokenId,
        #[serde(with = "serde_u128")]
        amount: Balance,
    },
    Deposit {
        serial: u64,
        idx: AccountId,
        token: TokenId,
        #[serde(with = "serde_u128")]
        amount: Balance,
    },
    ForcedExit {
        serial: u64,
        idx: AccountId,
        token: TokenId,
    },
}

impl From<QueuedL1OpJson> for QueuedL1Op {
    fn from(j: QueuedL1OpJson) -> Self {
        match j {
            QueuedL1OpJson::DepositNew {
                serial,
                idx,
                pubkey,
                token,
                amount,
            } => Self {
                serial,
                op: L1Op::DepositNew {
                    idx,
                    pubkey,
                    token,
                    amount,
                },
            },
            QueuedL1OpJson::Deposit {
                serial,
                idx,
                token,
                amount,
            } => Self {
                serial,
                op: L1Op::Deposit { idx, token, amount },
            },
            QueuedL1OpJson::ForcedExit { serial, idx, token } => Self {
                serial,
                op: L1Op::ForcedExit { idx, token },
            },
        }
    }
}

impl From<QueuedL1Op> for QueuedL1OpJson {
    fn from(q: QueuedL1Op) -> Self {
        let serial = q.serial;
        match q.op {
            L1Op::DepositNew {
                idx,
                pubkey,
                token,
                amount,
            } => Self::DepositNew {
                serial,
                idx,
                pubkey,
                token,
                amount,
            },
            L1Op::Deposit { idx, token, amount } => Self::Deposit {
                serial,
                idx,
                token,
                amount,
            },
            L1Op::ForcedExit { idx, token } => Self::ForcedExit { serial, idx, token },
        }
    }
}

/// Move `amount` from `from` to `to` (same token), paying `fee`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// Debited account (signs).
    pub from: AccountId,
    /// Credited account (must exist, same token).
    pub to: AccountId,
    /// Amount moved; must be exactly representable as float40.
    #[serde(with = "serde_u128")]
    pub amount: Balance,
    /// Fee to the batch's fee account; float16; 0 unless same token.
    #[serde(with = "serde_u128")]
    pub fee: Balance,
    /// `from`'s current nonce.
    pub nonce: Nonce,
}

/// Debit `amount` + `fee` from `from`; its L1 owner is paid `amount`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdraw {
    /// Debited account (signs).
    pub from: AccountId,
    /// Amount withdrawn; float40.
    #[serde(with = "serde_u128")]
    pub amount: Balance,
    /// Fee; float16.
    #[serde(with = "serde_u128")]
    pub fee: Balance,
    /// `from`'s current nonce.
    pub nonce: Nonce,
}

/// An operation signed on L2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum L2Op {
    /// A transfer.
    Transfer(Transfer),
    /// A withdrawal.
    Withdraw(Withdraw),
}

impl L2Op {
    /// The operation's type code.
    pub fn op_type(&self) -> OpType {
        match self {
            Self::Transfer(_) => OpType::Transfer,
            Self::Withdraw(_) => OpType::Withdraw,
        }
    }

    /// The signing account.
    pub fn from(&self) -> AccountId {
        match self {
            Self::Transfer(t) => t.from,
            Self::Withdraw(w) => w.from,
        }
    }

    /// The credited account (0 for a withdrawal, as signed).
    pub fn to(&self) -> AccountId {
        match self {
            Self::Transfer(t) => t.to,
            Self::Withdraw(_) => 0,
        }
    }

    /// The amount.
    pub fn amount(&self) -> Balance {
        match self {
            Self::Transfer(t) => t.amount,
            Self::Withdraw(w) => w.amount,
        }
    }

    /// The fee.
    pub fn fee(&self) -> Balance {
        match self {
            Self::Transfer(t) => t.fee,
            Self::Withdraw(w) => w.fee,
        }
    }

    /// The nonce.
    pub fn nonce(&self) -> Nonce {
        match self {
            Self::Transfer(t) => t.nonce,
            Self::Withdraw(w) => w.nonce,
        }
    }

    /// The signed message: `Poseidon(separator, from, to, amount, fee,
    /// nonce)`, the separator binding it to one deployment and op type
    /// ([`Domain::separator`]).
    pub fn message(&self, domain: &Domain) -> Fr {
        Poseidon::hash_n([
            domain.separator(self.op_type()),
            Fr::from(self.from()),
            Fr::from(self.to()),
            Fr::from(self.amount()),
            Fr::from(self.fee()),
            Fr::from(self.nonce()),
        ])
    }

    /// Signs the operation for the deployment `domain`.
    pub fn sign(self, key: &PrivateKey, domain: &Domain) -> SignedL2Op {
        SignedL2Op {
            signature: key.sign(self.message(domain)),
            op: self,
        }
    }
}

/// An L2 operation with its EdDSA-Poseidon signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedL2Op {
    /// The operation.
    pub op: L2Op,
    /// Signature by the `from` account's key over [`L2Op::message`].
    pub signature: Signature,
}

impl SignedL2Op {
    /// Checks the signature against `pubkey`.
    pub fn verify(&self, pubkey: &PublicKey, domain: &Domain) -> Result<(), SignatureError> {
        pubkey.verify(self.op.message(domain), &self.signature)
    }
}

/// serde for u128: a decimal string in JSON (JavaScript numbers lose
/// precision past 2^53), a plain u128 in binary formats.
pub mod serde_u128 {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    /// Serialises.
    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&v.to_string())
        } else {
            s.serialize_u128(*v)
        }
    }

    /// Deserialises; in JSON a decimal string or a whole number is
    /// accepted, and anything else is refused with what it was (a negative,
    /// fractional or too large amount, or text that is not a number).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        if d.is_human_readable() {
            d.deserialize_any(AmountVisitor)
        } else {
            u128::deserialize(d)
        }
    }

    struct AmountVisitor;

    impl serde::de::Visitor<'_> for AmountVisitor {
        type Value = u128;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a whole number from 0 to 2^128 - 1, as a decimal string or a JSON integer")
        }

        fn visit_u64<E: Error>(self, v: u64) -> Result<u128, E> {
            Ok(u128::from(v))
        }

        fn visit_u128<E: Error>(self, v: u128) -> Result<u128, E> {
            Ok(v)
        }

        fn visit_i64<E: Error>(self, v: i64) -> Result<u128, E> {
            u128::try_from(v)
                .map_err(|_| E::custom(format!("amount {v} is negative; amounts are 0 or more")))
        }

        fn visit_f64<E: Error>(self, v: f64) -> Result<u128, E> {
            Err(E::custom(format!(
                "amount {v} is not a whole number (write amounts in the token's smallest unit)"
            )))
        }

        fn visit_str<E: Error>(self, s: &str) -> Result<u128, E> {
            // Digits only: `str::parse` also takes a leading `+`.
            let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            digits
                .then(|| s.parse::<u128>().ok())
                .flatten()
                .ok_or_else(|| {
                    E::custom(format!(
                        "amount {s:?} is not a whole number from 0 to 2^128 - 1 in decimal digits"
                    ))
                })
        }
    }
}
