//! Batch execution: applies L1 and L2 operations to the account tree,
//! producing the [`BatchWitness`] the circuit proves, the pubdata and the
//! public input.
//!
//! Order inside a batch: the L1 slots (queued operations, in queue order,
//! then Noop padding), then the L2 slots (signed operations, then Noop
//! padding), then one update crediting the summed fees to the fee account.
//! The root after each slot is recorded; the circuit chains the same roots.
//!
//! An L1 operation is never refused (the queue must always drain): one that
//! cannot apply is recorded as failed and changes nothing. An L2 operation
//! that breaks a rule refuses the whole batch with a [`BatchError`] naming
//! the slot, and the tree is left exactly as it was.

mod error;
mod replay;

pub use error::{BatchError, L1Failure, L2OpError};
pub use replay::{replay_pubdata, ReplayError};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::account::{Account, AccountId, Balance, Nonce, TokenId};
use crate::domain::Domain;
use crate::eddsa::{PublicKey, Signature, SignatureError};
use crate::field::Fr;
use crate::float::{DecimalFloat, Float16, Float40};
use crate::ops::{L1Op, L2Op, OpType, PackedPubkey, QueuedL1Op, SignedL2Op};
use crate::pubdata::{BatchHeader, CircuitShape, L1Slot, L1Status, L2Slot, Pubdata};
use crate::tree::{AccountTree, MerklePath};

/// What a batch is built for: the circuit shape plus the operator's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchConfig {
    /// Depth and slot counts (fixes the circuit).
    pub shape: CircuitShape,
    /// Account credited with the batch's fees; must exist.
    pub fee_account: AccountId,
    /// The deployment (L1 chain id and Rollup.sol address), in the header
    /// and bound into every signed message.
    pub domain: Domain,
}

/// One L1 slot of the witness.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct L1SlotWitness {
    /// The slot as published (status and, for ForcedExit, the exited amount filled in).
    pub slot: L1Slot,
    /// DepositNew's key decompressed; `None` for other types or a key that does not decompress.
    pub pubkey: Option<PublicKey>,
    /// Why the operation failed, if it did (the circuit only sees the status bit).
    pub failure: Option<L1Failure>,
    /// The target leaf before the slot (`None` = empty).
    pub before: Option<Account>,
    /// Path of the target leaf (of `idx mod 4^depth`; of leaf 0 for Noop).
    pub path: MerklePath,
    /// Root after the slot.
    #[serde(with = "crate::field::serde_fr")]
    pub root_after: Fr,
}

/// One L2 slot of the witness. Transfer: debit `from`, then credit `to`.
/// Withdraw and Noop: the credit step is an identity update at `from`
/// (Noop: `from = 0`), so every slot has the same two-update shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2SlotWitness {
    /// The slot as published.
    pub slot: L2Slot,
    /// Decoded amount.
    #[serde(with = "crate::ops::serde_u128")]
    pub amount: Balance,
    /// Decoded fee.
    #[serde(with = "crate::ops::serde_u128")]
    pub fee: Balance,
    /// The signed nonce.
    pub nonce: Nonce,
    /// The signature (`None` for Noop).
    pub signature: Option<Signature>,
    /// `from` before the debit.
    pub from_before: Option<Account>,
    /// Path of `from` before the debit.
    pub from_path: MerklePath,
    /// The credited leaf after the debit, before the credit.
    pub to_before: Option<Account>,
    /// Its path after the debit.
    pub to_path: MerklePath,
    /// Root after the slot.
    #[serde(with = "crate::field::serde_fr")]
    pub root_after: Fr,
}

impl L2SlotWitness {
    /// A Noop slot over `tree`: both updates at leaf 0, nothing changed.
    pub fn noop(tree: &AccountTree) -> Self {
        let before = account_at(tree, 0);
        let path = tree.path(0).expect("leaf 0 is in every tree");
        Self {
            slot: L2Slot::NOOP,
            amount: 0,
            fee: 0,
            nonce: 0,
            signature: None,
            from_before: before,
            from_path: path.clone(),
            to_before: before,
            to_path: path,
            root_after: tree.root(),
        }
    }
}

/// The final fee credit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeWitness {
    /// The fee account after the L2 slots, before the credit.
    pub before: Account,
    /// Its path.
    pub path: MerklePath,
    /// Sum of the batch's fees.
    #[serde(with = "crate::ops::serde_u128")]
    pub total: Balance,
}

/// Everything the batch circuit needs, plus what the batch publishes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchWitness {
    /// The configuration the batch was built for.
    pub config: BatchConfig,
    /// Batch number.
    pub batch_number: u64,
    /// Root before the batch.
    #[serde(with = "crate::field::serde_fr")]
    pub old_root: Fr,
    /// One entry per L1 slot.
    pub l1: Vec<L1SlotWitness>,
    /// One entry per L2 slot.
    pub l2: Vec<L2SlotWitness>,
    /// The fee credit.
    pub fee: FeeWitness,
    /// Root after the batch.
    #[serde(with = "crate::field::serde_fr")]
    pub new_root: Fr,
    /// L1 queue serial after the batch.
    pub l1_next: u64,
    /// The published bytes.
    pub pubdata: Vec<u8>,
    /// `SHA-256(pubdata)` with the top three bits cleared.
    #[serde(with = "crate::field::serde_fr")]
    pub public_input: Fr,
}

impl BatchWitness {
    /// The header of this batch.
    pub fn header(&self) -> BatchHeader {
        BatchHeader {
            domain: self.config.domain,
            batch_number: self.batch_number,
            old_root: self.old_root,
            new_root: self.new_root,
            fee_account: self.config.fee_account,
            l1_count: self
                .l1
                .iter()
                .filter(|s| s.slot.op_type != OpType::Noop)
                .count() as u32,
        }
    }
}

fn account_at(tree: &AccountTree, idx: AccountId) -> Option<Account> {
    tree.get(idx).copied()
}

/// Applies one L1 operation (never refused) and returns its slot witness.
fn apply_l1(tree: &mut AccountTree, op: Option<&L1Op>) -> L1SlotWitness {
    let cap = tree.capacity();
    let (op_type, idx, token, amount, pubkey_bytes) = match op {
        None => (OpType::Noop, 0, 0, 0, PackedPubkey([0; 32])),
        Some(L1Op::DepositNew {
            idx,
            pubkey,
            token,
            amount,
        }) => (OpType::DepositNew, *idx, *token, *amount, *pubkey),
        Some(L1Op::Deposit { idx, token, amount }) => (
            OpType::Deposit,
            *idx,
            *token,
            *amount,
            PackedPubkey([0; 32]),
        ),
        Some(L1Op::ForcedExit { idx, token }) => {
            (OpType::ForcedExit, *idx, *token, 0, PackedPubkey([0; 32]))
        }
    };
    // The circuit reads only the low 2*depth bits of idx for the path and
    // marks the op failed if any higher bit is set.
    let leaf_idx = ((idx as u64) & (cap - 1)) as AccountId;
    let before = account_at(tree, leaf_idx);
    let point = match op_type {
        OpType::DepositNew => crate::babyjubjub::decompress_reduced(&pubkey_bytes.0).ok(),
        _ => None,
    };
    let small_order = point
        .as_ref()
        .is_some_and(crate::babyjubjub::is_small_order);
    let pubkey = point.map(PublicKey::from_point);
    let mut out_amount = amount;
    let outcome: Result<Option<Account>, L1Failure> = (|| {
        if (idx as u64) >= cap {
            return Err(L1Failure::IndexOutOfRange);
        }
        match op_type {
            OpType::Noop => Ok(before),
            OpType::DepositNew => {
                if before.is_some() {
                    return Err(L1Failure::AccountExists);
                }
                let pk = pubkey.ok_or(L1Failure::InvalidPubkey)?;
                if small_order {
                    return Err(L1Failure::SmallOrderPubkey);
                }
                Ok(Some(Account::new(token, amount, pk)))
            }
            OpType::Deposit => {
                let mut a = before.ok_or(L1Failure::UnknownAccount)?;
                if a.token != token {
                    return Err(L1Failure::TokenMismatch);
                }
                a.balance = a
                    .balance
                    .checked_add(amount)
                    .ok_or(L1Failure::BalanceOverflow)?;
                Ok(Some(a))
            }
            OpType::ForcedExit => {
                let mut a = before.ok_or(L1Failure::UnknownAccount)?;
                if a.token != token {
                    return Err(L1Failure::TokenMismatch);
                }
                out_amount = a.balance;
                a.balance = 0;
                Ok(Some(a))
            }
            OpType::Transfer | OpType::Withdraw => unreachable!("not an L1 type"),
        }
    })();
    let (after, failure) = match outcome {
        Ok(a) => (a, None),
        Err(f) => {
            if op_type == OpType::ForcedExit {
                out_amount = 0;
            }
            (before, Some(f))
        }
    };
    let (path, root_after) = if after != before {
        tree.set(leaf_idx, after).expect("leaf_idx < capacity")
    } else {
        (
            tree.path(leaf_idx).expect("leaf_idx < capacity"),
            tree.root(),
        )
    };
    L1SlotWitness {
        slot: L1Slot {
            op_type,
            status: if failure.is_some() {
                L1Status::Failed
            } else {
                L1Status::Applied
            },
            idx,
            token,
            amount: out_amount,
            pubkey: pubkey_bytes,
        },
        pubkey,
        failure,
        before,
        path,
        root_after,
    }
}

/// Applies one L2 operation after its checks; `check_sig` verifies the
/// signature against the `from` key (replay from pubdata skips it).
fn apply_l2(
    tree: &mut AccountTree,
    op: Option<&L2Op>,
    fee_token: TokenId,
    check_sig: impl FnOnce(&PublicKey) -> Result<(), SignatureError>,
) -> Result<L2SlotWitness, L2OpError> {
    let Some(op) = op else {
        return Ok(L2SlotWitness::noop(tree));
    };
    let (from, amount, fee) = (op.from(), op.amount(), op.fee());
    let unknown = |idx| L2OpError::UnknownAccount { idx };
    let from_acc = account_at(tree, from).ok_or(unknown(from))?;
    let amount_packed =
        Float40::encode(amount).ok_or(L2OpError::AmountNotRepresentable { amount })?;
    let fee_packed = Float16::encode(fee).ok_or(L2OpError::FeeNotRepresentable { fee })?;
    check_sig(&from_acc.pubkey).map_err(L2OpError::BadSignature)?;
    if op.nonce() != from_acc.nonce {
        return Err(L2OpError::WrongNonce {
            expected: from_acc.nonce,
            got: op.nonce(),
        });
    }
    let next_nonce = from_acc
        .nonce
        .checked_add(1)
        .ok_or(L2OpError::NonceExhausted)?;
    if fee != 0 && from_acc.token != fee_token {
        return Err(L2OpError::FeeOnForeignToken {
            token: from_acc.token,
            fee_token,
        });
    }
    let insufficient = L2OpError::InsufficientBalance {
        balance: from_acc.balance,
        amount,
        fee,
    };
    let needed = amount.checked_add(fee).ok_or(insufficient.clone())?;
    let new_balance = from_acc.balance.checked_sub(needed).ok_or(insufficient)?;
    let to = match op {
        L2Op::Transfer(t) => {
            let to_acc = account_at(tree, t.to).ok_or(unknown(t.to))?;
            if to_acc.token != from_acc.token {
                return Err(L2OpError::TokenMismatch {
                    from_token: from_acc.token,
                    to_token: to_acc.token,
                });
            }
            t.to
        }
        L2Op::Withdraw(_) => from,
    };
    let debited = Account {
        nonce: next_nonce,
        balance: new_balance,
        ..from_acc
    };
    let (from_path, _) = tree.set(from, Some(debited)).expect("from exists");
    let to_before = account_at(tree, to).expect("to exists");
    let credited = match op {
        L2Op::Transfer(_) => Account {
            balance: to_before
                .balance
                .checked_add(amount)
                .ok_or(L2OpError::BalanceOverflow { idx: to })?,
            ..to_before
        },
        L2Op::Withdraw(_) => to_before,
    };
    let (to_path, root_after) = tree.set(to, Some(credited)).expect("to exists");
    Ok(L2SlotWitness {
        slot: L2Slot {
            op_type: op.op_type(),
            from,
            to: op.to(),
            amount_packed,
            fee_packed,
        },
        amount,
        fee,
        nonce: op.nonce(),
        signature: None,
        from_before: Some(from_acc),
        from_path,
        to_before: Some(to_before),
        to_path,
        root_after,
    })
}

fn credit_fees(
    tree: &mut AccountTree,
    fee_account: AccountId,
    total: Balance,
) -> Result<FeeWitness, BatchError> {
    let before =
        account_at(tree, fee_account).ok_or(BatchError::UnknownFeeAccount { idx: fee_account })?;
    let after = Account {
        balance: before
            .balance
            .checked_add(total)
            .ok_or(BatchError::FeeOverflow { idx: fee_account })?,
        ..before
    };
    let (path, _) = tree
        .set(fee_account, Some(after))
        .expect("fee account exists");
    Ok(FeeWitness {
        before,
        path,
        total,
    })
}

/// Runs `f` on the tree as one unit: on error every change it made is rolled
/// back, and changes journalled before the call are kept either way.
fn atomically<T, E>(
    tree: &mut AccountTree,
    f: impl FnOnce(&mut AccountTree) -> Result<T, E>,
) -> Result<T, E> {
    let prior = tree.take_delta();
    let res = f(tree);
    if res.is_err() {
        tree.rollback();
    }
    let mine = tree.take_delta();
    tree.restore_journal(prior.merge(mine));
    res
}

/// Applies a batch to `tree`: the L1 operations into the L1 slots (their
/// serials must run from `l1_next` on), the signed L2 operations into the L2
/// slots, the rest padded with Noop, and the fees credited at the end.
/// Signatures are checked on all cores. On any error the tree is unchanged.
pub fn apply_batch(
    tree: &mut AccountTree,
    config: &BatchConfig,
    batch_number: u64,
    l1_next: u64,
    l1_ops: &[QueuedL1Op],
    l2_ops: &[SignedL2Op],
) -> Result<BatchWitness, BatchError> {
    let shape = config.shape;
    if tree.depth() != shape.depth {
        return Err(BatchError::DepthMismatch {
            tree: tree.depth(),
            shape: shape.depth,
        });
    }
    if l1_ops.len() > shape.l1_slots {
        return Err(BatchError::TooManyL1Ops {
            got: l1_ops.len(),
            slots: shape.l1_slots,
        });
    }
    if l2_ops.len() > shape.l2_slots {
        return Err(BatchError::TooManyL2Ops {
            got: l2_ops.len(),
            slots: shape.l2_slots,
        });
    }
    for (slot, q) in l1_ops.iter().enumerate() {
        let expected = l1_next + slot as u64;
        if q.serial != expected {
            return Err(BatchError::L1OutOfOrder {
                slot,
                expected,
                got: q.serial,
            });
        }
    }
    let old_root = tree.root();
    atomically(tree, |tree| {
        let l1: Vec<L1SlotWitness> = (0..shape.l1_slots)
            .map(|i| apply_l1(tree, l1_ops.get(i).map(|q| &q.op)))
            .collect();
        // The fee account may be created by this batch's L1 slots; its token
        // never changes afterwards.
        let fee_token = tree
            .get(config.fee_account)
            .ok_or(BatchError::UnknownFeeAccount {
                idx: config.fee_account,
            })?
            .token;
        // Keys never change once set, and L2 slots create no accounts, so
        // every signature can be checked up front against the post-L1 tree.
        let sig_checks: Vec<Option<Result<(), SignatureError>>> = {
            let t: &AccountTree = tree;
            l2_ops
                .par_iter()
                .map(|s| {
                    t.get(s.op.from())
                        .map(|a| s.verify(&a.pubkey, &config.domain))
                })
                .collect()
        };
        let mut total_fee: Balance = 0;
        let mut l2 = Vec::with_capacity(shape.l2_slots);
        for slot in 0..shape.l2_slots {
            let signed = l2_ops.get(slot);
            let check = sig_checks.get(slot).cloned().flatten();
            let mut w = apply_l2(tree, signed.map(|s| &s.op), fee_token, |_| {
                check.unwrap_or(Ok(()))
            })
            .map_err(|reason| BatchError::L2 { slot, reason })?;
            w.signature = signed.map(|s| s.signature);
            total_fee = total_fee
                .checked_add(w.fee)
                .ok_or(BatchError::FeeOverflow {
                    idx: config.fee_account,
                })?;
            l2.push(w);
        }
        let fee = credit_fees(tree, config.fee_account, total_fee)?;
        let new_root = tree.root();
        let pubdata = Pubdata {
            header: BatchHeader {
                domain: config.domain,
                batch_number,
                old_root,
                new_root,
                fee_account: config.fee_account,
                l1_count: l1_ops.len() as u32,
            },
            l1: l1.iter().map(|w| w.slot).collect(),
            l2: l2.iter().map(|w| w.slot).collect(),
        };
        let bytes = pubdata.to_bytes();
        Ok(BatchWitness {
            config: *config,
            batch_number,
            old_root,
            l1,
            l2,
            fee,
            new_root,
            l1_next: l1_next + l1_ops.len() as u64,
            public_input: crate::pubdata::public_input(&bytes),
            pubdata: bytes,
        })
    })
}
