//! Persistence behind a small trait: [`RedbStore`] (durable, crash-safe) and
//! [`MemStore`] (tests). A store holds the tree's leaves and nodes, one
//! [`BatchRecord`] and one [`TreeDelta`] per batch (so batches can be undone
//! down to the last L1-verified one), the [`BatchStage`] each batch has
//! reached, and a [`Meta`] row. Each batch is one write transaction with a
//! durable commit: after a crash the store holds either all of a batch or
//! none of it.
//!
//! Files: this one holds the types and the [`Storage`] trait; `mem.rs`
//! the [`MemStore`], `redb_store.rs` the [`RedbStore`].

use std::path::PathBuf;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::account::Account;
use crate::batch::BatchConfig;
use crate::field::Fr;
use crate::tree::{NodeKey, TreeDelta};

mod mem;
mod redb_store;

pub use mem::MemStore;
pub use redb_store::RedbStore;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database engine failed (I/O, corruption detected by redb, ...).
    #[error("store {op}: {source}")]
    Backend {
        /// What the store was doing.
        op: &'static str,
        /// The engine's error.
        #[source]
        source: Box<redb::Error>,
    },
    /// A stored value does not decode.
    #[error("store: cannot decode {what}: {detail}")]
    Decode {
        /// Which value.
        what: &'static str,
        /// The decoder's message.
        detail: String,
    },
    /// An existing store was asked for and `path` does not exist.
    #[error("{path}: no such state store (create one with `zkroll init`)")]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// The file is empty: no store was ever written there.
    #[error("{path}: the file is empty (0 bytes), not a state store; nothing was written")]
    Empty {
        /// The path.
        path: PathBuf,
    },
    /// The file is not a database this store can read (truncated or foreign).
    #[error("{path}: not a zkroll state store (truncated or another kind of file): {source}")]
    Foreign {
        /// The path.
        path: PathBuf,
        /// Why the engine refused it.
        #[source]
        source: Box<redb::Error>,
    },
    /// A database, but not one `zkroll init` made (no meta row).
    #[error("{path}: a database without zkroll's state (no meta row); nothing was written")]
    NotInitialised {
        /// The path.
        path: PathBuf,
    },
    /// A stage was recorded for a batch the store holds no record of.
    #[error("store: no record of batch {batch} to record a stage for")]
    NoRecord {
        /// The batch.
        batch: u64,
    },
    /// A value could not be encoded.
    #[error("store: cannot encode {what}: {detail}")]
    Encode {
        /// Which value.
        what: &'static str,
        /// The encoder's message.
        detail: String,
    },
}

/// State-wide facts kept next to the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// Tree depth.
    pub depth: u8,
    /// Number of the last applied batch (0 = genesis).
    pub last_batch: u64,
    /// Serial of the next L1 queue entry to consume.
    pub l1_next: u64,
    /// Root after the last batch.
    #[serde(with = "crate::field::serde_fr")]
    pub root: Fr,
}

/// What the store keeps of each applied batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecord {
    /// Batch number.
    pub number: u64,
    /// The configuration it was built with.
    pub config: BatchConfig,
    /// Root before.
    #[serde(with = "crate::field::serde_fr")]
    pub old_root: Fr,
    /// Root after.
    #[serde(with = "crate::field::serde_fr")]
    pub new_root: Fr,
    /// L1 queue serial before the batch.
    pub l1_next_before: u64,
    /// L1 queue serial after the batch.
    pub l1_next_after: u64,
    /// The published bytes.
    pub pubdata: Vec<u8>,
}

/// How far an applied batch has got on its way out of the operator: a
/// batch is committed `Applied`, then `Proved`, then `Written` once its
/// proof and pubdata files exist. A batch left before `Written` (the process
/// was killed, the disk filled) never left the machine, so the next batch
/// job reverts it and applies its operations again (see
/// `zkroll::batch_job`). A batch rebuilt from L1's pubdata is `Written`:
/// it is published there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum BatchStage {
    /// Applied to the state and committed; not proved yet.
    Applied,
    /// Proved; its files not written yet.
    Proved,
    /// Its proof, public input and pubdata are written (or, for a replayed
    /// batch, published on L1).
    Written,
}

impl BatchStage {
    /// The stage's byte in the store.
    pub const fn to_byte(self) -> u8 {
        match self {
            BatchStage::Applied => 1,
            BatchStage::Proved => 2,
            BatchStage::Written => 3,
        }
    }

    /// The stage a stored byte names.
    pub const fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(BatchStage::Applied),
            2 => Some(BatchStage::Proved),
            3 => Some(BatchStage::Written),
            _ => None,
        }
    }

    /// The stage's name, as `zkroll status` prints it.
    pub const fn name(self) -> &'static str {
        match self {
            BatchStage::Applied => "applied",
            BatchStage::Proved => "proved",
            BatchStage::Written => "written",
        }
    }
}

impl std::fmt::Display for BatchStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A stage row: the stage byte, then the new root of the batch it was
/// recorded for (big-endian), so a row left by another batch of the same
/// number is recognised as stale.
const STAGE_ROW_BYTES: usize = 33;

fn stage_row(stage: BatchStage, root: &Fr) -> [u8; STAGE_ROW_BYTES] {
    let mut row = [0u8; STAGE_ROW_BYTES];
    row[0] = stage.to_byte();
    row[1..].copy_from_slice(&crate::field::fr_to_be_bytes(root));
    row
}

/// The stage a row names, if it was recorded for a batch with `root`.
fn stage_of(row: &[u8], root: &Fr) -> Result<Option<BatchStage>, StoreError> {
    let bad = |detail: String| StoreError::Decode {
        what: "batch stage",
        detail,
    };
    if row.len() != STAGE_ROW_BYTES {
        return Err(bad(format!(
            "{} bytes, expected {STAGE_ROW_BYTES}",
            row.len()
        )));
    }
    let stage = BatchStage::from_byte(row[0])
        .ok_or_else(|| bad(format!("byte {} names no stage", row[0])))?;
    let for_root = crate::field::fr_from_be_bytes(&row[1..]).map_err(|e| bad(e.to_string()))?;
    Ok((for_root == *root).then_some(stage))
}

/// Everything a store holds, read at open.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Meta row (`None` for a fresh store).
    pub meta: Option<Meta>,
    /// Non-empty leaves.
    pub leaves: Vec<(u64, Account)>,
    /// Non-empty nodes.
    pub nodes: Vec<(NodeKey, Fr)>,
}

/// A rollup state store. Every mutating call is atomic.
pub trait Storage {
    /// Reads everything (leaves, nodes, meta).
    fn load(&self) -> Result<Snapshot, StoreError>;
    /// Writes the meta row of a fresh store.
    fn init(&mut self, meta: &Meta) -> Result<(), StoreError>;
    /// Persists one batch: the delta's `after` values, the record, the delta
    /// itself (for undo), its stage and the new meta, in one durable
    /// transaction.
    fn commit_batch(
        &mut self,
        record: &BatchRecord,
        delta: &TreeDelta,
        meta: &Meta,
        stage: BatchStage,
    ) -> Result<(), StoreError>;
    /// Undoes every batch after `to_batch`: writes `undo`'s `after` values,
    /// deletes those batches' records, deltas and stages, writes `meta`; one
    /// transaction.
    fn revert(&mut self, to_batch: u64, undo: &TreeDelta, meta: &Meta) -> Result<(), StoreError>;
    /// Records that batch `number` reached `stage` (durably).
    fn set_stage(&mut self, number: u64, stage: BatchStage) -> Result<(), StoreError>;
    /// The stage batch `number` reached: `None` when there is no such batch,
    /// no stage recorded for it (a store written before stages were), or a
    /// stage recorded for another batch of that number (its new root is not
    /// the record's: the row outlived a revert made by a binary that did
    /// not know stages).
    fn stage(&self, number: u64) -> Result<Option<BatchStage>, StoreError>;
    /// The record of batch `number`.
    fn batch_record(&self, number: u64) -> Result<Option<BatchRecord>, StoreError>;
    /// The delta of batch `number`.
    fn batch_delta(&self, number: u64) -> Result<Option<TreeDelta>, StoreError>;
}

fn encode<T: Serialize>(what: &'static str, v: &T) -> Result<Vec<u8>, StoreError> {
    bincode::serde::encode_to_vec(v, bincode::config::standard()).map_err(|e| StoreError::Encode {
        what,
        detail: e.to_string(),
    })
}

fn decode<T: DeserializeOwned>(what: &'static str, b: &[u8]) -> Result<T, StoreError> {
    match bincode::serde::decode_from_slice(b, bincode::config::standard()) {
        Ok((v, n)) if n == b.len() => Ok(v),
        Ok((_, n)) => Err(StoreError::Decode {
            what,
            detail: format!("{} trailing bytes", b.len() - n),
        }),
        Err(e) => Err(StoreError::Decode {
            what,
            detail: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_row_names_only_the_batch_it_was_recorded_for() {
        let (a, b) = (Fr::from(7u64), Fr::from(8u64));
        let row = stage_row(BatchStage::Proved, &a);
        assert_eq!(stage_of(&row, &a).unwrap(), Some(BatchStage::Proved));
        // Another batch of the same number (a revert by a binary that did
        // not know stages, then a new batch): the row is stale.
        assert_eq!(stage_of(&row, &b).unwrap(), None);
        let mut bad = row;
        bad[0] = 9;
        assert!(matches!(stage_of(&bad, &a), Err(StoreError::Decode { .. })));
        assert!(matches!(
            stage_of(&row[..5], &a),
            Err(StoreError::Decode { .. })
        ));
    }
}
