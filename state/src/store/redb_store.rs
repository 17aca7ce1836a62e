//! [`RedbStore`]: the durable [`Storage`], one redb file, one write
//! transaction per batch.

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::de::DeserializeOwned;

use super::{
    decode, encode, stage_of, stage_row, BatchRecord, BatchStage, Meta, Snapshot, Storage,
    StoreError,
};
use crate::tree::TreeDelta;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const LEAVES: TableDefinition<u64, &[u8]> = TableDefinition::new("leaves");
const NODES: TableDefinition<(u8, u64), &[u8]> = TableDefinition::new("nodes");
const BATCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("batches");
const DELTAS: TableDefinition<u64, &[u8]> = TableDefinition::new("deltas");
/// Batch number → stage row ([`BatchStage::to_byte`], then the batch's new
/// root). Absent in stores written before stages were recorded (every batch
/// in them is treated as unknown).
const STAGES: TableDefinition<u64, &[u8]> = TableDefinition::new("stages");

/// The durable store: one redb file.
pub struct RedbStore {
    db: Database,
}

fn backend<E: Into<redb::Error>>(op: &'static str) -> impl FnOnce(E) -> StoreError {
    move |e| StoreError::Backend {
        op,
        source: Box::new(e.into()),
    }
}

impl RedbStore {
    /// Opens the existing store at `path`, refusing (and writing nothing to)
    /// a missing, empty, truncated or foreign file, or a database that holds
    /// no zkroll state. New stores come from [`RedbStore::open`].
    pub fn open_existing(path: &Path) -> Result<Self, StoreError> {
        let owned = || path.to_path_buf();
        match std::fs::metadata(path) {
            Err(_) => return Err(StoreError::Missing { path: owned() }),
            Ok(m) if m.len() == 0 => return Err(StoreError::Empty { path: owned() }),
            Ok(_) => {}
        }
        let db = Database::open(path).map_err(|e| StoreError::Foreign {
            path: owned(),
            source: Box::new(e.into()),
        })?;
        let initialised = {
            let txn = db.begin_read().map_err(backend("open"))?;
            match txn.open_table(META) {
                Ok(t) => t.get("meta").map_err(backend("open"))?.is_some(),
                Err(redb::TableError::TableDoesNotExist(_)) => false,
                Err(e) => return Err(backend("open")(e)),
            }
        };
        if !initialised {
            return Err(StoreError::NotInitialised { path: owned() });
        }
        Ok(Self { db })
    }

    /// Opens (or creates) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(backend("open"))?;
        let txn = db.begin_write().map_err(backend("open"))?;
        {
            // Create every table so readers never meet a missing one.
            txn.open_table(META).map_err(backend("open"))?;
            txn.open_table(LEAVES).map_err(backend("open"))?;
            txn.open_table(NODES).map_err(backend("open"))?;
            txn.open_table(BATCHES).map_err(backend("open"))?;
            txn.open_table(DELTAS).map_err(backend("open"))?;
            txn.open_table(STAGES).map_err(backend("open"))?;
        }
        txn.commit().map_err(backend("open"))?;
        Ok(Self { db })
    }

    fn write_after(txn: &redb::WriteTransaction, d: &TreeDelta) -> Result<(), StoreError> {
        let mut leaves = txn.open_table(LEAVES).map_err(backend("write leaves"))?;
        for (i, (_, a)) in &d.leaves {
            match a {
                Some(acc) => {
                    leaves
                        .insert(*i, encode("account", acc)?.as_slice())
                        .map_err(backend("write leaf"))?;
                }
                None => {
                    leaves.remove(*i).map_err(backend("remove leaf"))?;
                }
            }
        }
        let mut nodes = txn.open_table(NODES).map_err(backend("write nodes"))?;
        for (k, (_, a)) in &d.nodes {
            match a {
                Some(v) => {
                    nodes
                        .insert(*k, crate::field::fr_to_be_bytes(v).as_slice())
                        .map_err(backend("write node"))?;
                }
                None => {
                    nodes.remove(*k).map_err(backend("remove node"))?;
                }
            }
        }
        Ok(())
    }

    fn write_meta(txn: &redb::WriteTransaction, meta: &Meta) -> Result<(), StoreError> {
        let mut t = txn.open_table(META).map_err(backend("write meta"))?;
        t.insert("meta", encode("meta", meta)?.as_slice())
            .map_err(backend("write meta"))?;
        Ok(())
    }

    fn get<K: redb::Key + 'static, T: DeserializeOwned>(
        &self,
        table: TableDefinition<K, &[u8]>,
        key: K::SelfType<'_>,
        what: &'static str,
    ) -> Result<Option<T>, StoreError> {
        let txn = self.db.begin_read().map_err(backend("read"))?;
        let t = txn.open_table(table).map_err(backend("read"))?;
        match t.get(key).map_err(backend("read"))? {
            Some(v) => decode(what, v.value()).map(Some),
            None => Ok(None),
        }
    }
}

impl Storage for RedbStore {
    fn load(&self) -> Result<Snapshot, StoreError> {
        let txn = self.db.begin_read().map_err(backend("load"))?;
        let meta = {
            let t = txn.open_table(META).map_err(backend("load meta"))?;
            match t.get("meta").map_err(backend("load meta"))? {
                Some(v) => Some(decode("meta", v.value())?),
                None => None,
            }
        };
        let mut leaves = Vec::new();
        let t = txn.open_table(LEAVES).map_err(backend("load leaves"))?;
        for row in t.iter().map_err(backend("load leaves"))? {
            let (k, v) = row.map_err(backend("load leaves"))?;
            leaves.push((k.value(), decode("account", v.value())?));
        }
        let mut nodes = Vec::new();
        let t = txn.open_table(NODES).map_err(backend("load nodes"))?;
        for row in t.iter().map_err(backend("load nodes"))? {
            let (k, v) = row.map_err(backend("load nodes"))?;
            let f = crate::field::fr_from_be_bytes(v.value()).map_err(|e| StoreError::Decode {
                what: "node",
                detail: e.to_string(),
            })?;
            nodes.push((k.value(), f));
        }
        Ok(Snapshot {
            meta,
            leaves,
            nodes,
        })
    }

    fn init(&mut self, meta: &Meta) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(backend("init"))?;
        Self::write_meta(&txn, meta)?;
        txn.commit().map_err(backend("init commit"))
    }

    fn commit_batch(
        &mut self,
        record: &BatchRecord,
        delta: &TreeDelta,
        meta: &Meta,
        stage: BatchStage,
    ) -> Result<(), StoreError> {
        // Default durability is Immediate: commit() returns after fsync.
        let txn = self.db.begin_write().map_err(backend("begin batch"))?;
        Self::write_after(&txn, delta)?;
        {
            let mut b = txn.open_table(BATCHES).map_err(backend("write record"))?;
            b.insert(record.number, encode("batch record", record)?.as_slice())
                .map_err(backend("write record"))?;
            let mut d = txn.open_table(DELTAS).map_err(backend("write delta"))?;
            d.insert(record.number, encode("delta", delta)?.as_slice())
                .map_err(backend("write delta"))?;
            let mut st = txn.open_table(STAGES).map_err(backend("write stage"))?;
            st.insert(record.number, stage_row(stage, &record.new_root).as_slice())
                .map_err(backend("write stage"))?;
        }
        Self::write_meta(&txn, meta)?;
        txn.commit().map_err(backend("commit batch"))
    }

    fn revert(&mut self, to_batch: u64, undo: &TreeDelta, meta: &Meta) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(backend("begin revert"))?;
        Self::write_after(&txn, undo)?;
        {
            let mut b = txn.open_table(BATCHES).map_err(backend("revert records"))?;
            b.retain(|n, _| n <= to_batch)
                .map_err(backend("revert records"))?;
            let mut d = txn.open_table(DELTAS).map_err(backend("revert deltas"))?;
            d.retain(|n, _| n <= to_batch)
                .map_err(backend("revert deltas"))?;
            let mut st = txn.open_table(STAGES).map_err(backend("revert stages"))?;
            st.retain(|n, _| n <= to_batch)
                .map_err(backend("revert stages"))?;
        }
        Self::write_meta(&txn, meta)?;
        txn.commit().map_err(backend("commit revert"))
    }

    fn batch_record(&self, number: u64) -> Result<Option<BatchRecord>, StoreError> {
        self.get(BATCHES, number, "batch record")
    }

    fn batch_delta(&self, number: u64) -> Result<Option<TreeDelta>, StoreError> {
        self.get(DELTAS, number, "delta")
    }

    fn set_stage(&mut self, number: u64, stage: BatchStage) -> Result<(), StoreError> {
        let record: BatchRecord = self
            .get(BATCHES, number, "batch record")?
            .ok_or(StoreError::NoRecord { batch: number })?;
        let txn = self.db.begin_write().map_err(backend("begin stage"))?;
        {
            let mut st = txn.open_table(STAGES).map_err(backend("write stage"))?;
            st.insert(number, stage_row(stage, &record.new_root).as_slice())
                .map_err(backend("write stage"))?;
        }
        txn.commit().map_err(backend("commit stage"))
    }

    fn stage(&self, number: u64) -> Result<Option<BatchStage>, StoreError> {
        let Some(record) = self.get::<u64, BatchRecord>(BATCHES, number, "batch record")? else {
            return Ok(None);
        };
        let txn = self.db.begin_read().map_err(backend("read stage"))?;
        let t = match txn.open_table(STAGES) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(backend("read stage")(e)),
        };
        match t.get(number).map_err(backend("read stage"))? {
            None => Ok(None),
            Some(row) => stage_of(row.value(), &record.new_root),
        }
    }
}
