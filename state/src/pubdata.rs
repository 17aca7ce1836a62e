//! Pubdata: the bytes a batch publishes on L1, and the single public input
//! `SHA-256(pubdata)` with its top three bits cleared.
//!
//! This module is the one place that defines the byte layout (docs/PROTOCOL.md
//! mirrors it; the circuit and Rollup.sol follow it). Big-endian throughout,
//! except the circomlib-packed public key, which is little-endian by its own
//! definition.
//!
//! ```text
//! header (108 B): chain_id u64 | rollup 20 | batch_number u64 | old_root 32
//!                 | new_root 32 | fee_account u32 | l1_count u32
//! L1 slot (58 B): type u8 | status u8 | idx u32 | token u32 | amount u128 | pubkey 32
//! L2 slot (16 B): type u8 | from u32 | to u32 | amount float40 (5) | fee float16 (2)
//! pubdata = header || L1 slots || L2 slots        (Noop slots are all zero)
//! ```

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::account::{AccountId, Balance, TokenId};
use crate::domain::Domain;
use crate::field::{fr_from_be_bytes, fr_to_be_bytes, FieldError, Fr};
use crate::float::{DecimalFloat, Float16, Float40};
use crate::ops::{OpType, PackedPubkey};

/// Header size in bytes.
pub const HEADER_BYTES: usize = header::END;

/// Byte offsets of the header fields (each field runs to the next offset).
pub mod header {
    /// L1 chain id, u64: the start of the [`crate::Domain`].
    pub const CHAIN_ID: usize = 0;
    /// Rollup.sol's address, 20 bytes.
    pub const ROLLUP: usize = 8;
    /// Batch number, u64.
    pub const BATCH_NUMBER: usize = 28;
    /// Root before the batch, 32 bytes.
    pub const OLD_ROOT: usize = 36;
    /// Root after the batch, 32 bytes.
    pub const NEW_ROOT: usize = 68;
    /// Fee account, u32.
    pub const FEE_ACCOUNT: usize = 100;
    /// L1 queue entries consumed, u32.
    pub const L1_COUNT: usize = 104;
    /// One past the last header byte.
    pub const END: usize = 108;
}
/// L1 slot size in bytes.
pub const L1_SLOT_BYTES: usize = 58;
/// L2 slot size in bytes.
pub const L2_SLOT_BYTES: usize = 16;

/// The shape that fixes a circuit: tree depth and slot counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CircuitShape {
    /// Tree depth (levels of the 4-ary tree).
    pub depth: u8,
    /// L1 slots per batch.
    pub l1_slots: usize,
    /// L2 slots per batch.
    pub l2_slots: usize,
}

impl CircuitShape {
    /// Total pubdata length for this shape.
    pub fn pubdata_len(&self) -> usize {
        HEADER_BYTES + self.l1_slots * L1_SLOT_BYTES + self.l2_slots * L2_SLOT_BYTES
    }
}

/// Why bytes are not valid pubdata.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PubdataError {
    /// The byte string has the wrong length for the shape.
    #[error("pubdata is {got} bytes, shape needs {expected}")]
    Length {
        /// Bytes expected.
        expected: usize,
        /// Bytes given.
        got: usize,
    },
    /// A root in the header is not a canonical field element.
    #[error("header {field}: {source}")]
    Root {
        /// Which root.
        field: &'static str,
        /// Why.
        source: FieldError,
    },
    /// An unknown or misplaced type byte.
    #[error("{region} slot {slot}: type byte {byte} is not allowed there")]
    OpType {
        /// "L1" or "L2".
        region: &'static str,
        /// Slot index within the region.
        slot: usize,
        /// The byte.
        byte: u8,
    },
    /// A status byte other than 0 (applied) or 1 (failed).
    #[error("L1 slot {slot}: status byte {byte} is neither 0 nor 1")]
    Status {
        /// Slot index.
        slot: usize,
        /// The byte.
        byte: u8,
    },
    /// A float that decodes to more than u128 can hold.
    #[error("L2 slot {slot}: packed {field} does not decode to a u128")]
    Float {
        /// Slot index.
        slot: usize,
        /// "amount" or "fee".
        field: &'static str,
    },
    /// A Deposit or ForcedExit L1 slot carries a key (only DepositNew has one).
    #[error("L1 slot {slot}: only a DepositNew carries a key, this slot's key bytes are not zero")]
    StrayKey {
        /// Slot index.
        slot: usize,
    },
    /// A Withdraw L2 slot names a receiver (it must be 0).
    #[error("L2 slot {slot}: a Withdraw has to = 0, this one has to = {to}")]
    WithdrawTo {
        /// Slot index.
        slot: usize,
        /// The published receiver.
        to: u32,
    },
    /// A Noop slot with non-zero bytes.
    #[error("{region} slot {slot}: Noop slot has non-zero bytes")]
    DirtyNoop {
        /// "L1" or "L2".
        region: &'static str,
        /// Slot index.
        slot: usize,
    },
    /// `submitBatch`'s parts do not fit the shape (see [`pubdata_from_parts`]).
    #[error("submitBatch {part} is {got} bytes: {expected}")]
    PartLength {
        /// "header", "l1Ops" or "l2Data".
        part: &'static str,
        /// What the shape allows.
        expected: String,
        /// Bytes given.
        got: usize,
    },
    /// An L1 queue entry (an `L1OpQueued` event's op) that is not a queued
    /// deposit or forced exit with status 0.
    #[error("L1 queue entry {serial}: {reason}")]
    QueueEntry {
        /// Its serial.
        serial: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// L1 ops must fill a prefix of the L1 slots, `l1_count` of them.
    #[error("header l1_count {count} does not match the {filled} leading non-Noop L1 slots")]
    L1Count {
        /// Header value.
        count: u32,
        /// Slots actually filled.
        filled: usize,
    },
}

/// The batch header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchHeader {
    /// The deployment (L1 chain id and Rollup.sol address), also in every
    /// signed message's separator.
    pub domain: Domain,
    /// Batch number, from 1.
    pub batch_number: u64,
    /// Root before the batch.
    pub old_root: Fr,
    /// Root after the batch.
    pub new_root: Fr,
    /// Account credited with the batch's fees.
    pub fee_account: AccountId,
    /// L1 queue entries the batch consumes.
    pub l1_count: u32,
}

impl BatchHeader {
    /// The header encoding ([`header`] gives the offsets).
    pub fn to_bytes(&self) -> [u8; HEADER_BYTES] {
        use header::*;
        let mut b = [0u8; HEADER_BYTES];
        b[CHAIN_ID..BATCH_NUMBER].copy_from_slice(&self.domain.to_bytes());
        b[BATCH_NUMBER..OLD_ROOT].copy_from_slice(&self.batch_number.to_be_bytes());
        b[OLD_ROOT..NEW_ROOT].copy_from_slice(&fr_to_be_bytes(&self.old_root));
        b[NEW_ROOT..FEE_ACCOUNT].copy_from_slice(&fr_to_be_bytes(&self.new_root));
        b[FEE_ACCOUNT..L1_COUNT].copy_from_slice(&self.fee_account.to_be_bytes());
        b[L1_COUNT..END].copy_from_slice(&self.l1_count.to_be_bytes());
        b
    }

    /// Reads a header.
    pub fn from_bytes(b: &[u8; HEADER_BYTES]) -> Result<Self, PubdataError> {
        use header::*;
        Ok(Self {
            domain: Domain::from_bytes(&arr(&b[CHAIN_ID..BATCH_NUMBER])),
            batch_number: u64::from_be_bytes(arr(&b[BATCH_NUMBER..OLD_ROOT])),
            old_root: fr_from_be_bytes(&b[OLD_ROOT..NEW_ROOT]).map_err(|source| {
                PubdataError::Root {
                    field: "old_root",
                    source,
                }
            })?,
            new_root: fr_from_be_bytes(&b[NEW_ROOT..FEE_ACCOUNT]).map_err(|source| {
                PubdataError::Root {
                    field: "new_root",
                    source,
                }
            })?,
            fee_account: u32::from_be_bytes(arr(&b[FEE_ACCOUNT..L1_COUNT])),
            l1_count: u32::from_be_bytes(arr(&b[L1_COUNT..END])),
        })
    }
}

fn arr<const N: usize>(s: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(s);
    a
}

/// Outcome of an L1 slot, as its status byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum L1Status {
    /// Applied (0).
    Applied,
    /// Could not apply; the state is unchanged and the deposit is reclaimable on L1 (1).
    Failed,
}

/// One L1 slot as published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct L1Slot {
    /// Operation type (Noop for an unused slot).
    pub op_type: OpType,
    /// Outcome.
    pub status: L1Status,
    /// Target account.
    pub idx: AccountId,
    /// Token.
    pub token: TokenId,
    /// Amount; for ForcedExit, the exited balance written by the batch.
    pub amount: Balance,
    /// DepositNew's key (zero otherwise).
    pub pubkey: PackedPubkey,
}

impl L1Slot {
    /// An unused slot.
    pub const NOOP: Self = Self {
        op_type: OpType::Noop,
        status: L1Status::Applied,
        idx: 0,
        token: 0,
        amount: 0,
        pubkey: PackedPubkey([0u8; 32]),
    };

    /// The 58-byte encoding.
    pub fn to_bytes(&self) -> [u8; L1_SLOT_BYTES] {
        let mut b = [0u8; L1_SLOT_BYTES];
        b[0] = self.op_type as u8;
        b[1] = match self.status {
            L1Status::Applied => 0,
            L1Status::Failed => 1,
        };
        b[2..6].copy_from_slice(&self.idx.to_be_bytes());
        b[6..10].copy_from_slice(&self.token.to_be_bytes());
        b[10..26].copy_from_slice(&self.amount.to_be_bytes());
        b[26..58].copy_from_slice(&self.pubkey.0);
        b
    }

    /// Reads slot `slot` of the L1 region.
    pub fn from_bytes(b: &[u8; L1_SLOT_BYTES], slot: usize) -> Result<Self, PubdataError> {
        let op_type = match OpType::from_byte(b[0]) {
            Some(
                t @ (OpType::Noop | OpType::DepositNew | OpType::Deposit | OpType::ForcedExit),
            ) => t,
            _ => {
                return Err(PubdataError::OpType {
                    region: "L1",
                    slot,
                    byte: b[0],
                })
            }
        };
        let status = match b[1] {
            0 => L1Status::Applied,
            1 => L1Status::Failed,
            byte => return Err(PubdataError::Status { slot, byte }),
        };
        let s = Self {
            op_type,
            status,
            idx: u32::from_be_bytes(arr(&b[2..6])),
            token: u32::from_be_bytes(arr(&b[6..10])),
            amount: u128::from_be_bytes(arr(&b[10..26])),
            pubkey: PackedPubkey(arr(&b[26..58])),
        };
        if op_type == OpType::Noop && s != Self::NOOP {
            return Err(PubdataError::DirtyNoop { region: "L1", slot });
        }
        // The circuit's rule `l1_key_only_for_deposit_new`.
        if matches!(op_type, OpType::Deposit | OpType::ForcedExit) && s.pubkey.0 != [0u8; 32] {
            return Err(PubdataError::StrayKey { slot });
        }
        Ok(s)
    }
}

/// One L2 slot as published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2Slot {
    /// Operation type (Noop for an unused slot).
    pub op_type: OpType,
    /// Debited account.
    pub from: AccountId,
    /// Credited account (0 for Withdraw).
    pub to: AccountId,
    /// float40 packing of the amount.
    pub amount_packed: u64,
    /// float16 packing of the fee.
    pub fee_packed: u64,
}

impl L2Slot {
    /// An unused slot.
    pub const NOOP: Self = Self {
        op_type: OpType::Noop,
        from: 0,
        to: 0,
        amount_packed: 0,
        fee_packed: 0,
    };

    /// The 16-byte encoding.
    pub fn to_bytes(&self) -> [u8; L2_SLOT_BYTES] {
        let mut b = [0u8; L2_SLOT_BYTES];
        b[0] = self.op_type as u8;
        b[1..5].copy_from_slice(&self.from.to_be_bytes());
        b[5..9].copy_from_slice(&self.to.to_be_bytes());
        b[9..14].copy_from_slice(&Float40::to_bytes(self.amount_packed));
        b[14..16].copy_from_slice(&Float16::to_bytes(self.fee_packed));
        b
    }

    /// Reads slot `slot` of the L2 region.
    pub fn from_bytes(b: &[u8; L2_SLOT_BYTES], slot: usize) -> Result<Self, PubdataError> {
        let op_type = match OpType::from_byte(b[0]) {
            Some(t @ (OpType::Noop | OpType::Transfer | OpType::Withdraw)) => t,
            _ => {
                return Err(PubdataError::OpType {
                    region: "L2",
                    slot,
                    byte: b[0],
                })
            }
        };
        let s = Self {
            op_type,
            from: u32::from_be_bytes(arr(&b[1..5])),
            to: u32::from_be_bytes(arr(&b[5..9])),
            amount_packed: Float40::from_bytes(&b[9..14]),
            fee_packed: Float16::from_bytes(&b[14..16]),
        };
        if op_type == OpType::Noop && s != Self::NOOP {
            return Err(PubdataError::DirtyNoop { region: "L2", slot });
        }
        // The circuit's rule `l2_withdraw_to_is_zero`.
        if op_type == OpType::Withdraw && s.to != 0 {
            return Err(PubdataError::WithdrawTo { slot, to: s.to });
        }
        if s.amount().is_none() {
            return Err(PubdataError::Float {
                slot,
                field: "amount",
            });
        }
        if s.fee().is_none() {
            return Err(PubdataError::Float { slot, field: "fee" });
        }
        Ok(s)
    }

    /// The decoded amount.
    pub fn amount(&self) -> Option<Balance> {
        Float40::decode(self.amount_packed)
    }

    /// The decoded fee.
    pub fn fee(&self) -> Option<Balance> {
        Float16::decode(self.fee_packed)
    }
}

/// A whole batch's pubdata, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pubdata {
    /// The header.
    pub header: BatchHeader,
    /// Every L1 slot (Noop-padded).
    pub l1: Vec<L1Slot>,
    /// Every L2 slot (Noop-padded).
    pub l2: Vec<L2Slot>,
}

impl Pubdata {
    /// The full byte string (all slots, padding included).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            HEADER_BYTES + self.l1.len() * L1_SLOT_BYTES + self.l2.len() * L2_SLOT_BYTES,
        );
        out.extend_from_slice(&self.header.to_bytes());
        for s in &self.l1 {
            out.extend_from_slice(&s.to_bytes());
        }
        for s in &self.l2 {
            out.extend_from_slice(&s.to_bytes());
        }
        out
    }

    /// Decodes pubdata for `shape`, checking every field's range.
    pub fn from_bytes(bytes: &[u8], shape: &CircuitShape) -> Result<Self, PubdataError> {
        if bytes.len() != shape.pubdata_len() {
            return Err(PubdataError::Length {
                expected: shape.pubdata_len(),
                got: bytes.len(),
            });
        }
        let header = BatchHeader::from_bytes(&arr(&bytes[..HEADER_BYTES]))?;
        let l1_start = HEADER_BYTES;
        let l2_start = l1_start + shape.l1_slots * L1_SLOT_BYTES;
        let l1 = (0..shape.l1_slots)
            .map(|i| {
                let o = l1_start + i * L1_SLOT_BYTES;
                L1Slot::from_bytes(&arr(&bytes[o..o + L1_SLOT_BYTES]), i)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let l2 = (0..shape.l2_slots)
            .map(|i| {
                let o = l2_start + i * L2_SLOT_BYTES;
                L2Slot::from_bytes(&arr(&bytes[o..o + L2_SLOT_BYTES]), i)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let filled = l1.iter().take_while(|s| s.op_type != OpType::Noop).count();
        let all_filled = l1.iter().filter(|s| s.op_type != OpType::Noop).count();
        if filled != all_filled || filled as u64 != header.l1_count as u64 {
            return Err(PubdataError::L1Count {
                count: header.l1_count,
                filled: all_filled,
            });
        }
        Ok(Self { header, l1, l2 })
    }

    /// The public input committing to these bytes.
    pub fn public_input(&self) -> Fr {
        public_input(&self.to_bytes())
    }
}

/// The full pubdata of a batch from `submitBatch`'s three byte arguments
/// (the header, the consumed L1 slots, the L2 slots without trailing
/// Noops), padded with Noop slots to `shape`: what Rollup.sol commits to,
/// and what a node following L1 replays.
pub fn pubdata_from_parts(
    shape: &CircuitShape,
    header: &[u8],
    l1_ops: &[u8],
    l2_data: &[u8],
) -> Result<Vec<u8>, PubdataError> {
    if header.len() != HEADER_BYTES {
        return Err(PubdataError::PartLength {
            part: "header",
            expected: format!("{HEADER_BYTES}"),
            got: header.len(),
        });
    }
    let l1_max = shape.l1_slots * L1_SLOT_BYTES;
    if l1_ops.len() > l1_max || !l1_ops.len().is_multiple_of(L1_SLOT_BYTES) {
        return Err(PubdataError::PartLength {
            part: "l1Ops",
            expected: format!("a multiple of {L1_SLOT_BYTES} up to {l1_max}"),
            got: l1_ops.len(),
        });
    }
    let l2_max = shape.l2_slots * L2_SLOT_BYTES;
    if l2_data.len() > l2_max || !l2_data.len().is_multiple_of(L2_SLOT_BYTES) {
        return Err(PubdataError::PartLength {
            part: "l2Data",
            expected: format!("a multiple of {L2_SLOT_BYTES} up to {l2_max}"),
            got: l2_data.len(),
        });
    }
    let mut out = vec![0u8; shape.pubdata_len()];
    out[..HEADER_BYTES].copy_from_slice(header);
    out[HEADER_BYTES..HEADER_BYTES + l1_ops.len()].copy_from_slice(l1_ops);
    let l2_start = HEADER_BYTES + l1_max;
    out[l2_start..l2_start + l2_data.len()].copy_from_slice(l2_data);
    Ok(out)
}

/// The queued operation at `serial` from the 58 bytes Rollup.sol emits in
/// `L1OpQueued` (an L1 slot with status 0; a forced exit's amount is 0
/// until a batch writes it).
pub fn queued_op(serial: u64, bytes: &[u8]) -> Result<crate::ops::QueuedL1Op, PubdataError> {
    use crate::ops::{L1Op, QueuedL1Op};
    let bad = |reason| PubdataError::QueueEntry { serial, reason };
    let b: &[u8; L1_SLOT_BYTES] = bytes.try_into().map_err(|_| bad("not 58 bytes"))?;
    let s = L1Slot::from_bytes(b, 0).map_err(|_| bad("not an L1 slot"))?;
    if s.status != L1Status::Applied {
        return Err(bad("status byte is not 0"));
    }
    let op = match s.op_type {
        OpType::DepositNew => L1Op::DepositNew {
            idx: s.idx,
            pubkey: s.pubkey,
            token: s.token,
            amount: s.amount,
        },
        OpType::Deposit if s.pubkey.0 == [0; 32] => L1Op::Deposit {
            idx: s.idx,
            token: s.token,
            amount: s.amount,
        },
        OpType::ForcedExit if s.pubkey.0 == [0; 32] && s.amount == 0 => L1Op::ForcedExit {
            idx: s.idx,
            token: s.token,
        },
        OpType::Deposit | OpType::ForcedExit => return Err(bad("non-zero unused fields")),
        _ => return Err(bad("not a queued operation type")),
    };
    Ok(QueuedL1Op { serial, op })
}

/// `SHA-256(pubdata)` read big-endian with the top three bits cleared, so it
/// is below 2^253 < r: the Groth16 circuit's single public input.
pub fn public_input(pubdata: &[u8]) -> Fr {
    let mut d: [u8; 32] = Sha256::digest(pubdata).into();
    d[0] &= 0x1f;
    // < 2^253 < r: always canonical.
    Fr::from(num_bigint::BigUint::from_bytes_be(&d))
}

#[cfg(test)]
#[path = "pubdata_tests.rs"]
mod tests;
