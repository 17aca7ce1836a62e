//! `node.redb`: what the node keeps beside the rollup state — every
//! accepted operation and its fate, and every batch's plan and progress.
//! One write transaction per change, so a crash leaves either the change
//! or nothing:
//!
//! - an operation is stored `Pending` before the API answers with its id
//!   (nothing accepted is lost);
//! - a batch's plan (its L1 serials and L2 operation ids) is stored, and
//!   its operations marked `InBatch`, *before* the batch is applied to the
//!   state; on restart a plan the state never applied is discarded and its
//!   operations are pending again, and a plan it did apply is re-applied
//!   from the same inputs (batch execution is deterministic), so the same
//!   batch is proved and settled again, or found settled on L1.

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use zkroll_state::ops::serde_u128;
use zkroll_state::{Balance, SignedL2Op};

use crate::error::NodeStoreError;

const OPS: TableDefinition<u64, &[u8]> = TableDefinition::new("ops");
const BATCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("batches");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const NEXT_ID: &str = "next_op_id";

/// Where an accepted operation is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpState {
    /// In the mempool.
    Pending,
    /// In batch N (which may since be proved or settled: see its record).
    InBatch(u64),
    /// Dropped: it became invalid before a batch took it.
    Dropped {
        /// The reason's code ([`crate::SubmitError::code`]'s names).
        code: String,
        /// What was wrong.
        reason: String,
    },
}

/// An accepted operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpRecord {
    /// Its id (accept order).
    pub id: u64,
    /// The operation as signed.
    pub signed: SignedL2Op,
    /// When it was accepted, ms since the Unix epoch.
    pub received_ms: u64,
    /// Where it is.
    pub state: OpState,
}

/// How far a batch has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeStage {
    /// Applied to the state; being proved.
    Applied,
    /// Proved (and the proof verified); being submitted.
    Proved,
    /// Its `submitBatch` transaction is mined.
    Settled,
}

impl NodeStage {
    /// Its lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Proved => "proved",
            Self::Settled => "settled",
        }
    }
}

/// A batch: its plan and its progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchInfo {
    /// Its number.
    pub number: u64,
    /// The first L1 queue serial it consumes.
    pub l1_from: u64,
    /// How many L1 operations it consumes.
    pub l1_count: u64,
    /// Its L2 operations, by id, in slot order.
    pub ops: Vec<u64>,
    /// Root before (big-endian bytes; zero until applied).
    pub old_root: [u8; 32],
    /// Root after (zero until applied).
    pub new_root: [u8; 32],
    /// Fees it credits to the fee account.
    #[serde(with = "serde_u128")]
    pub fees: Balance,
    /// How far it got.
    pub stage: NodeStage,
    /// When it was planned, ms since the Unix epoch.
    pub created_ms: u64,
    /// Proving time, ms.
    pub prove_ms: Option<u64>,
    /// When it settled, ms since the Unix epoch.
    pub settled_ms: Option<u64>,
    /// The settling transaction's hash.
    pub tx: Option<[u8; 32]>,
    /// Its block.
    pub l1_block: Option<u64>,
    /// Its gas.
    pub gas: Option<u64>,
}

/// The node's store.
pub struct NodeStore {
    db: Database,
}

fn backend<E: Into<redb::Error>>(op: &'static str) -> impl FnOnce(E) -> NodeStoreError {
    move |e| NodeStoreError::Backend {
        op,
        source: Box::new(e.into()),
    }
}

fn encode<T: Serialize>(what: &'static str, v: &T) -> Result<Vec<u8>, NodeStoreError> {
    bincode::serde::encode_to_vec(v, bincode::config::standard()).map_err(|e| {
        NodeStoreError::Codec {
            what,
            reason: e.to_string(),
        }
    })
}

/// Operation records hold a [`SignedL2Op`], whose serde form is an
/// internally tagged enum that bincode cannot read back: they are stored
/// as JSON.
fn encode_op(r: &OpRecord) -> Result<Vec<u8>, NodeStoreError> {
    serde_json::to_vec(r).map_err(|e| NodeStoreError::Codec {
        what: "operation",
        reason: e.to_string(),
    })
}

fn decode_op(b: &[u8]) -> Result<OpRecord, NodeStoreError> {
    serde_json::from_slice(b).map_err(|e| NodeStoreError::Codec {
        what: "operation",
        reason: e.to_string(),
    })
}

fn decode<T: DeserializeOwned>(what: &'static str, b: &[u8]) -> Result<T, NodeStoreError> {
    bincode::serde::decode_from_slice(b, bincode::config::standard())
        .map(|(v, _)| v)
        .map_err(|e| NodeStoreError::Codec {
            what,
            reason: e.to_string(),
        })
}

impl NodeStore {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, NodeStoreError> {
        let db = Database::create(path).map_err(backend("open"))?;
        let txn = db.begin_write().map_err(backend("open"))?;
        {
            txn.open_table(OPS).map_err(backend("open"))?;
            txn.open_table(BATCHES).map_err(backend("open"))?;
            txn.open_table(META).map_err(backend("open"))?;
        }
        txn.commit().map_err(backend("open"))?;
        Ok(Self { db })
    }

    /// The id the next accepted operation gets.
    pub fn next_id(&self) -> Result<u64, NodeStoreError> {
        let txn = self.db.begin_read().map_err(backend("read meta"))?;
        let t = txn.open_table(META).map_err(backend("read meta"))?;
        Ok(t.get(NEXT_ID)
            .map_err(backend("read meta"))?
            .map_or(0, |v| v.value()))
    }

    /// Every operation in `state` `Pending`, in id order.
    pub fn pending_ops(&self) -> Result<Vec<OpRecord>, NodeStoreError> {
        let txn = self.db.begin_read().map_err(backend("read ops"))?;
        let t = txn.open_table(OPS).map_err(backend("read ops"))?;
        let mut out = Vec::new();
        for row in t.iter().map_err(backend("read ops"))? {
            let (_, v) = row.map_err(backend("read ops"))?;
            let rec = decode_op(v.value())?;
            if rec.state == OpState::Pending {
                out.push(rec);
            }
        }
        Ok(out)
    }

    /// One operation.
    pub fn op(&self, id: u64) -> Result<Option<OpRecord>, NodeStoreError> {
        let txn = self.db.begin_read().map_err(backend("read op"))?;
        let t = txn.open_table(OPS).map_err(backend("read op"))?;
        t.get(id)
            .map_err(backend("read op"))?
            .map(|v| decode_op(v.value()))
            .transpose()
    }

    /// Stores newly accepted operations (ids from [`NodeStore::next_id`]
    /// on, consecutive) in one durable transaction.
    pub fn insert_ops(&self, ops: &[OpRecord]) -> Result<(), NodeStoreError> {
        let Some(last) = ops.last() else {
            return Ok(());
        };
        let txn = self.db.begin_write().map_err(backend("insert ops"))?;
        {
            let mut t = txn.open_table(OPS).map_err(backend("insert ops"))?;
            for r in ops {
                t.insert(r.id, encode_op(r)?.as_slice())
                    .map_err(backend("insert ops"))?;
            }
            let mut m = txn.open_table(META).map_err(backend("insert ops"))?;
            m.insert(NEXT_ID, last.id + 1)
                .map_err(backend("insert ops"))?;
        }
        txn.commit().map_err(backend("insert ops"))
    }

    fn set_states(
        txn: &redb::WriteTransaction,
        changes: &[(u64, OpState)],
    ) -> Result<(), NodeStoreError> {
        let mut t = txn.open_table(OPS).map_err(backend("update ops"))?;
        for (id, state) in changes {
            let Some(mut rec) = t
                .get(*id)
                .map_err(backend("update ops"))?
                .map(|v| decode_op(v.value()))
                .transpose()?
            else {
                continue;
            };
            rec.state = state.clone();
            t.insert(*id, encode_op(&rec)?.as_slice())
                .map_err(backend("update ops"))?;
        }
        Ok(())
    }

    /// Sets operations' states in one transaction (drops, re-queues).
    pub fn set_op_states(&self, changes: &[(u64, OpState)]) -> Result<(), NodeStoreError> {
        let txn = self.db.begin_write().map_err(backend("update ops"))?;
        Self::set_states(&txn, changes)?;
        txn.commit().map_err(backend("update ops"))
    }

    /// Records a batch's plan and marks its operations `InBatch`, in one
    /// transaction (before the batch is applied to the state).
    pub fn plan_batch(&self, info: &BatchInfo) -> Result<(), NodeStoreError> {
        let txn = self.db.begin_write().map_err(backend("plan batch"))?;
        {
            let mut b = txn.open_table(BATCHES).map_err(backend("plan batch"))?;
            b.insert(info.number, encode("batch", info)?.as_slice())
                .map_err(backend("plan batch"))?;
        }
        let marks: Vec<_> = info
            .ops
            .iter()
            .map(|id| (*id, OpState::InBatch(info.number)))
            .collect();
        Self::set_states(&txn, &marks)?;
        txn.commit().map_err(backend("plan batch"))
    }

    /// Updates a batch's record.
    pub fn put_batch(&self, info: &BatchInfo) -> Result<(), NodeStoreError> {
        let txn = self.db.begin_write().map_err(backend("update batch"))?;
        {
            let mut b = txn.open_table(BATCHES).map_err(backend("update batch"))?;
            b.insert(info.number, encode("batch", info)?.as_slice())
                .map_err(backend("update batch"))?;
        }
        txn.commit().map_err(backend("update batch"))
    }

    /// Removes the plans of batches `from` and later and makes their
    /// operations pending again, except those in `dropped`, which are
    /// dropped with their reasons; one transaction.
    pub fn discard_batches(
        &self,
        from: u64,
        dropped: &[(u64, OpState)],
    ) -> Result<Vec<u64>, NodeStoreError> {
        let txn = self.db.begin_write().map_err(backend("discard batches"))?;
        let mut requeued = Vec::new();
        {
            let mut b = txn
                .open_table(BATCHES)
                .map_err(backend("discard batches"))?;
            let mut gone = Vec::new();
            for row in b.range(from..).map_err(backend("discard batches"))? {
                let (k, v) = row.map_err(backend("discard batches"))?;
                let info: BatchInfo = decode("batch", v.value())?;
                gone.push(k.value());
                requeued.extend(info.ops);
            }
            for k in gone {
                b.remove(k).map_err(backend("discard batches"))?;
            }
        }
        requeued.retain(|id| !dropped.iter().any(|(d, _)| d == id));
        let mut changes: Vec<_> = requeued.iter().map(|id| (*id, OpState::Pending)).collect();
        changes.extend_from_slice(dropped);
        Self::set_states(&txn, &changes)?;
        txn.commit().map_err(backend("discard batches"))?;
        Ok(requeued)
    }

    /// One batch's record.
    pub fn batch(&self, number: u64) -> Result<Option<BatchInfo>, NodeStoreError> {
        let txn = self.db.begin_read().map_err(backend("read batch"))?;
        let t = txn.open_table(BATCHES).map_err(backend("read batch"))?;
        t.get(number)
            .map_err(backend("read batch"))?
            .map(|v| decode("batch", v.value()))
            .transpose()
    }

    /// The records of batches `from` and later, in order.
    pub fn batches_from(&self, from: u64) -> Result<Vec<BatchInfo>, NodeStoreError> {
        let txn = self.db.begin_read().map_err(backend("read batches"))?;
        let t = txn.open_table(BATCHES).map_err(backend("read batches"))?;
        let mut out = Vec::new();
        for row in t.range(from..).map_err(backend("read batches"))? {
            let (_, v) = row.map_err(backend("read batches"))?;
            out.push(decode("batch", v.value())?);
        }
        Ok(out)
    }

    /// The last `n` batch records, newest first.
    pub fn recent_batches(&self, n: usize) -> Result<Vec<BatchInfo>, NodeStoreError> {
        let txn = self.db.begin_read().map_err(backend("read batches"))?;
        let t = txn.open_table(BATCHES).map_err(backend("read batches"))?;
        let mut out = Vec::new();
        for row in t.iter().map_err(backend("read batches"))?.rev().take(n) {
            let (_, v) = row.map_err(backend("read batches"))?;
            out.push(decode("batch", v.value())?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkroll_state::{Domain, L2Op, PrivateKey, Transfer, Withdraw};

    fn record(id: u64, op: L2Op) -> OpRecord {
        OpRecord {
            id,
            signed: op.sign(&PrivateKey::from_bytes([3; 32]), &Domain::new(1, [7; 20])),
            received_ms: 5,
            state: OpState::Pending,
        }
    }

    /// Operations, plans and their states survive the store, and a
    /// discarded plan's operations are pending again (the dropped one not).
    #[test]
    fn records_round_trip_and_discarded_plans_requeue() {
        let dir = tempfile::tempdir().unwrap();
        let store = NodeStore::open(&dir.path().join("node.redb")).unwrap();
        let t = record(
            0,
            L2Op::Transfer(Transfer {
                from: 1,
                to: 2,
                amount: 10,
                fee: 1,
                nonce: 0,
            }),
        );
        let w = record(
            1,
            L2Op::Withdraw(Withdraw {
                from: 1,
                amount: 3,
                fee: 0,
                nonce: 1,
            }),
        );
        store.insert_ops(&[t.clone(), w.clone()]).unwrap();
        assert_eq!(store.next_id().unwrap(), 2);
        assert_eq!(store.pending_ops().unwrap(), vec![t.clone(), w.clone()]);
        let plan = BatchInfo {
            number: 1,
            l1_from: 0,
            l1_count: 0,
            ops: vec![0, 1],
            old_root: [0; 32],
            new_root: [1; 32],
            fees: u128::MAX,
            stage: NodeStage::Applied,
            created_ms: 9,
            prove_ms: None,
            settled_ms: None,
            tx: None,
            l1_block: None,
            gas: None,
        };
        store.plan_batch(&plan).unwrap();
        assert!(store.pending_ops().unwrap().is_empty());
        assert_eq!(store.op(1).unwrap().unwrap().state, OpState::InBatch(1));
        assert_eq!(store.batch(1).unwrap(), Some(plan));
        let dropped = OpState::Dropped {
            code: "x".into(),
            reason: "y".into(),
        };
        let requeued = store.discard_batches(1, &[(0, dropped.clone())]).unwrap();
        assert_eq!(requeued, vec![1]);
        assert_eq!(store.op(0).unwrap().unwrap().state, dropped);
        assert_eq!(store.pending_ops().unwrap(), vec![w]);
        assert_eq!(store.batch(1).unwrap(), None);
    }
}
