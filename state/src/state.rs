//! The operator's rollup state: the account tree kept in memory over a
//! [`Storage`], advanced one atomic batch at a time, revertible to any
//! earlier batch, and rebuildable from published pubdata alone.

use crate::account::{Account, AccountId};
use crate::batch::{self, BatchConfig, BatchError, BatchWitness, ReplayError};
use crate::field::Fr;
use crate::ops::{QueuedL1Op, SignedL2Op};
use crate::pubdata::CircuitShape;
use crate::store::{BatchRecord, BatchStage, Meta, Storage, StoreError};
use crate::tree::{AccountTree, TreeDelta, TreeError};

/// Why a state operation failed. The in-memory and stored state are
/// unchanged after any of these.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The batch was refused.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// Pubdata could not be replayed.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The tree refused (bad depth).
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// The store was created with another depth.
    #[error("store holds a depth-{stored} tree, depth {requested} was requested")]
    DepthMismatch {
        /// Depth in the store.
        stored: u8,
        /// Depth asked for.
        requested: u8,
    },
    /// `revert_to` a batch that is not behind the current one.
    #[error("cannot revert to batch {target}: the state is at batch {current}")]
    RevertAhead {
        /// Requested batch.
        target: u64,
        /// Current batch.
        current: u64,
    },
    /// The store lacks a batch's record or delta.
    #[error("store has no {what} for batch {batch}")]
    MissingBatch {
        /// Which part.
        what: &'static str,
        /// The batch.
        batch: u64,
    },
    /// A stage was recorded for a batch the state does not hold.
    #[error("no batch {batch} to record a stage for: the state is at batch {last}")]
    NoSuchBatch {
        /// The batch asked for.
        batch: u64,
        /// The last applied batch.
        last: u64,
    },
    /// The stored nodes do not hash up from the stored leaves.
    #[error("stored tree is inconsistent: its nodes do not match its leaves")]
    Inconsistent,
}

/// The rollup state over a store.
pub struct Rollup<S: Storage> {
    tree: AccountTree,
    store: S,
    meta: Meta,
}

impl<S: Storage> Rollup<S> {
    /// Opens the state in `store`, creating an empty depth-`depth` tree if the
    /// store is fresh. Set `check` to recompute every node from the leaves.
    pub fn open(mut store: S, depth: u8, check: bool) -> Result<Self, StateError> {
        let snap = store.load()?;
        let (tree, meta) = match snap.meta {
            None => {
                let tree = AccountTree::new(depth)?;
                let meta = Meta {
                    depth,
                    last_batch: 0,
                    l1_next: 0,
                    root: tree.root(),
                };
                store.init(&meta)?;
                (tree, meta)
            }
            Some(meta) => {
                if meta.depth != depth {
                    return Err(StateError::DepthMismatch {
                        stored: meta.depth,
                        requested: depth,
                    });
                }
                let tree = AccountTree::from_parts(depth, snap.leaves, snap.nodes)?;
                if tree.root() != meta.root || (check && !tree.check_integrity()) {
                    return Err(StateError::Inconsistent);
                }
                (tree, meta)
            }
        };
        Ok(Self { tree, store, meta })
    }

    /// The account tree.
    pub fn tree(&self) -> &AccountTree {
        &self.tree
    }

    /// The current root.
    pub fn root(&self) -> Fr {
        self.tree.root()
    }

    /// The account at `idx`.
    pub fn account(&self, idx: AccountId) -> Option<&Account> {
        self.tree.get(idx)
    }

    /// Number of the last applied batch (0 before the first).
    pub fn last_batch(&self) -> u64 {
        self.meta.last_batch
    }

    /// Serial of the next L1 queue entry a batch must consume.
    pub fn l1_next(&self) -> u64 {
        self.meta.l1_next
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The record of an applied batch.
    pub fn batch_record(&self, number: u64) -> Result<Option<BatchRecord>, StateError> {
        Ok(self.store.batch_record(number)?)
    }

    /// The [`BatchStage`] batch `number` reached (`None`: no such batch, or
    /// a store written before stages were recorded).
    pub fn batch_stage(&self, number: u64) -> Result<Option<BatchStage>, StateError> {
        if number == 0 || number > self.meta.last_batch {
            return Ok(None);
        }
        Ok(self.store.stage(number)?)
    }

    /// Records, durably, that batch `number` reached `stage`.
    pub fn set_batch_stage(&mut self, number: u64, stage: BatchStage) -> Result<(), StateError> {
        if number == 0 || number > self.meta.last_batch {
            return Err(StateError::NoSuchBatch {
                batch: number,
                last: self.meta.last_batch,
            });
        }
        Ok(self.store.set_stage(number, stage)?)
    }

    /// The last batch and its stage when it stopped before
    /// [`BatchStage::Written`] (its files were never written, so it never
    /// left the machine); `None` when it is written, or at genesis.
    pub fn unfinished_batch(&self) -> Result<Option<(u64, BatchStage)>, StateError> {
        let last = self.meta.last_batch;
        Ok(match self.batch_stage(last)? {
            Some(stage) if stage < BatchStage::Written => Some((last, stage)),
            _ => None,
        })
    }

    fn commit(
        &mut self,
        config: BatchConfig,
        old_root: Fr,
        l1_next_after: u64,
        pubdata: Vec<u8>,
        stage: BatchStage,
    ) -> Result<(), StateError> {
        let delta = self.tree.take_delta();
        let number = self.meta.last_batch + 1;
        let record = BatchRecord {
            number,
            config,
            old_root,
            new_root: self.tree.root(),
            l1_next_before: self.meta.l1_next,
            l1_next_after,
            pubdata,
        };
        let meta = Meta {
            depth: self.meta.depth,
            last_batch: number,
            l1_next: l1_next_after,
            root: self.tree.root(),
        };
        if let Err(e) = self.store.commit_batch(&record, &delta, &meta, stage) {
            self.tree.apply_values(&delta, true);
            return Err(e.into());
        }
        self.meta = meta;
        Ok(())
    }

    /// Applies and durably commits the next batch (at
    /// [`BatchStage::Applied`]): `l1_ops` must start at [`Rollup::l1_next`].
    /// On any error nothing changes, in memory or on disk.
    pub fn apply_batch(
        &mut self,
        config: &BatchConfig,
        l1_ops: &[QueuedL1Op],
        l2_ops: &[SignedL2Op],
    ) -> Result<BatchWitness, StateError> {
        let w = batch::apply_batch(
            &mut self.tree,
            config,
            self.meta.last_batch + 1,
            self.meta.l1_next,
            l1_ops,
            l2_ops,
        )?;
        self.commit(
            *config,
            w.old_root,
            w.l1_next,
            w.pubdata.clone(),
            BatchStage::Applied,
        )?;
        Ok(w)
    }

    /// Re-applies one published batch from its pubdata and commits it.
    pub fn replay(&mut self, shape: &CircuitShape, pubdata: &[u8]) -> Result<(), StateError> {
        let old_root = self.tree.root();
        let pd = batch::replay_pubdata(&mut self.tree, shape, pubdata)?;
        let config = BatchConfig {
            shape: *shape,
            fee_account: pd.header.fee_account,
            domain: pd.header.domain,
        };
        let l1_next = self.meta.l1_next + pd.header.l1_count as u64;
        // Published on L1 already: nothing is left to prove or write.
        self.commit(
            config,
            old_root,
            l1_next,
            pubdata.to_vec(),
            BatchStage::Written,
        )
    }

    /// Undoes every batch after `batch` (e.g. back to the last one verified
    /// on L1), atomically in memory and in the store.
    pub fn revert_to(&mut self, batch: u64) -> Result<(), StateError> {
        let current = self.meta.last_batch;
        if batch > current {
            return Err(StateError::RevertAhead {
                target: batch,
                current,
            });
        }
        let mut undo = TreeDelta::default();
        for n in (batch + 1..=current).rev() {
            let d = self.store.batch_delta(n)?.ok_or(StateError::MissingBatch {
                what: "delta",
                batch: n,
            })?;
            undo = undo.merge(d.inverse());
        }
        let (root, l1_next) = if batch == 0 {
            (AccountTree::new(self.meta.depth)?.root(), 0)
        } else {
            let r = self
                .store
                .batch_record(batch)?
                .ok_or(StateError::MissingBatch {
                    what: "record",
                    batch,
                })?;
            (r.new_root, r.l1_next_after)
        };
        let meta = Meta {
            depth: self.meta.depth,
            last_batch: batch,
            l1_next,
            root,
        };
        self.store.revert(batch, &undo, &meta)?;
        self.tree.apply_values(&undo, false);
        self.meta = meta;
        debug_assert_eq!(self.tree.root(), root);
        Ok(())
    }
}
