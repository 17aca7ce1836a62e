//! Replay: re-applying a published batch from its pubdata alone, as a node
//! rebuilding the state from L1 calldata does.

use super::{apply_l1, apply_l2, atomically, credit_fees, BatchError, L2OpError};
use crate::account::Balance;
use crate::ops::{L1Op, L2Op, OpType, Transfer, Withdraw};
use crate::pubdata::{CircuitShape, Pubdata, PubdataError};
use crate::tree::AccountTree;

/// Why pubdata could not be replayed onto a tree.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The bytes do not decode.
    #[error("pubdata: {0}")]
    Pubdata(#[from] PubdataError),
    /// The header's old root is not the tree's root.
    #[error("batch {batch}: header old_root does not match the tree's root")]
    OldRoot {
        /// Batch number.
        batch: u64,
    },
    /// An L1 slot's published outcome differs from re-execution.
    #[error("batch {batch}, L1 slot {slot}: published status/amount differ from re-execution")]
    L1Outcome {
        /// Batch number.
        batch: u64,
        /// The slot.
        slot: usize,
    },
    /// An L2 slot cannot be re-executed.
    #[error("batch {batch}, L2 slot {slot}: {reason}")]
    L2 {
        /// Batch number.
        batch: u64,
        /// The slot.
        slot: usize,
        /// Why.
        reason: L2OpError,
    },
    /// Fee account missing or overflowing.
    #[error("batch {batch}: {source}")]
    Fee {
        /// Batch number.
        batch: u64,
        /// Why.
        source: BatchError,
    },
    /// Re-execution ends at a different root than the header's.
    #[error("batch {batch}: re-execution ends at a different root than the header's new_root")]
    NewRoot {
        /// Batch number.
        batch: u64,
    },
}

/// Re-applies a published batch from its pubdata alone (no signatures: the
/// proof vouched for them), as a node rebuilding state from L1 calldata does.
/// On any error the tree is unchanged.
pub fn replay_pubdata(
    tree: &mut AccountTree,
    shape: &CircuitShape,
    bytes: &[u8],
) -> Result<Pubdata, ReplayError> {
    let pd = Pubdata::from_bytes(bytes, shape)?;
    let batch = pd.header.batch_number;
    if tree.root() != pd.header.old_root {
        return Err(ReplayError::OldRoot { batch });
    }
    atomically(tree, |tree| {
        for (slot, s) in pd.l1.iter().enumerate() {
            let op = match s.op_type {
                OpType::Noop => None,
                OpType::DepositNew => Some(L1Op::DepositNew {
                    idx: s.idx,
                    pubkey: s.pubkey,
                    token: s.token,
                    amount: s.amount,
                }),
                OpType::Deposit => Some(L1Op::Deposit {
                    idx: s.idx,
                    token: s.token,
                    amount: s.amount,
                }),
                OpType::ForcedExit => Some(L1Op::ForcedExit {
                    idx: s.idx,
                    token: s.token,
                }),
                OpType::Transfer | OpType::Withdraw => {
                    return Err(ReplayError::L1Outcome { batch, slot })
                }
            };
            if apply_l1(tree, op.as_ref()).slot != *s {
                return Err(ReplayError::L1Outcome { batch, slot });
            }
        }
        let fee_token = tree
            .get(pd.header.fee_account)
            .ok_or(ReplayError::Fee {
                batch,
                source: BatchError::UnknownFeeAccount {
                    idx: pd.header.fee_account,
                },
            })?
            .token;
        let mut total: Balance = 0;
        for (slot, s) in pd.l2.iter().enumerate() {
            let l2err = |reason| ReplayError::L2 {
                batch,
                slot,
                reason,
            };
            let op = match s.op_type {
                OpType::Noop => None,
                t => {
                    let nonce = tree
                        .get(s.from)
                        .ok_or(l2err(L2OpError::UnknownAccount { idx: s.from }))?
                        .nonce;
                    // from_bytes checked that both floats decode.
                    let (amount, fee) = (s.amount().unwrap_or(0), s.fee().unwrap_or(0));
                    Some(if t == OpType::Transfer {
                        L2Op::Transfer(Transfer {
                            from: s.from,
                            to: s.to,
                            amount,
                            fee,
                            nonce,
                        })
                    } else {
                        L2Op::Withdraw(Withdraw {
                            from: s.from,
                            amount,
                            fee,
                            nonce,
                        })
                    })
                }
            };
            let w = apply_l2(tree, op.as_ref(), fee_token, |_| Ok(())).map_err(l2err)?;
            total = total.checked_add(w.fee).ok_or(ReplayError::Fee {
                batch,
                source: BatchError::FeeOverflow {
                    idx: pd.header.fee_account,
                },
            })?;
        }
        credit_fees(tree, pd.header.fee_account, total)
            .map_err(|source| ReplayError::Fee { batch, source })?;
        if tree.root() != pd.header.new_root {
            return Err(ReplayError::NewRoot { batch });
        }
        Ok(())
    })?;
    Ok(pd)
}
