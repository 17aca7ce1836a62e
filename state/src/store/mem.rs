//! [`MemStore`]: the [`Storage`] semantics in memory, for tests.

use std::collections::BTreeMap;

use super::{
    stage_of, stage_row, BatchRecord, BatchStage, Meta, Snapshot, Storage, StoreError,
    STAGE_ROW_BYTES,
};
use crate::account::Account;
use crate::field::Fr;
use crate::tree::{NodeKey, TreeDelta};

/// An in-memory store for tests: same semantics, no durability.
#[derive(Clone, Debug, Default)]
pub struct MemStore {
    meta: Option<Meta>,
    leaves: BTreeMap<u64, Account>,
    nodes: BTreeMap<NodeKey, Fr>,
    records: BTreeMap<u64, BatchRecord>,
    deltas: BTreeMap<u64, TreeDelta>,
    stages: BTreeMap<u64, [u8; STAGE_ROW_BYTES]>,
}

impl MemStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn write_after(&mut self, d: &TreeDelta) {
        for (i, (_, a)) in &d.leaves {
            match a {
                Some(acc) => self.leaves.insert(*i, *acc),
                None => self.leaves.remove(i),
            };
        }
        for (k, (_, a)) in &d.nodes {
            match a {
                Some(v) => self.nodes.insert(*k, *v),
                None => self.nodes.remove(k),
            };
        }
    }
}

impl Storage for MemStore {
    fn load(&self) -> Result<Snapshot, StoreError> {
        Ok(Snapshot {
            meta: self.meta,
            leaves: self.leaves.iter().map(|(i, a)| (*i, *a)).collect(),
            nodes: self.nodes.iter().map(|(k, v)| (*k, *v)).collect(),
        })
    }

    fn init(&mut self, meta: &Meta) -> Result<(), StoreError> {
        self.meta = Some(*meta);
        Ok(())
    }

    fn commit_batch(
        &mut self,
        record: &BatchRecord,
        delta: &TreeDelta,
        meta: &Meta,
        stage: BatchStage,
    ) -> Result<(), StoreError> {
        self.write_after(delta);
        self.records.insert(record.number, record.clone());
        self.deltas.insert(record.number, delta.clone());
        self.stages
            .insert(record.number, stage_row(stage, &record.new_root));
        self.meta = Some(*meta);
        Ok(())
    }

    fn revert(&mut self, to_batch: u64, undo: &TreeDelta, meta: &Meta) -> Result<(), StoreError> {
        self.write_after(undo);
        self.records.retain(|n, _| *n <= to_batch);
        self.deltas.retain(|n, _| *n <= to_batch);
        self.stages.retain(|n, _| *n <= to_batch);
        self.meta = Some(*meta);
        Ok(())
    }

    fn set_stage(&mut self, number: u64, stage: BatchStage) -> Result<(), StoreError> {
        let root = self
            .records
            .get(&number)
            .ok_or(StoreError::NoRecord { batch: number })?
            .new_root;
        self.stages.insert(number, stage_row(stage, &root));
        Ok(())
    }

    fn stage(&self, number: u64) -> Result<Option<BatchStage>, StoreError> {
        match (self.records.get(&number), self.stages.get(&number)) {
            (Some(record), Some(row)) => stage_of(row, &record.new_root),
            _ => Ok(None),
        }
    }

    fn batch_record(&self, number: u64) -> Result<Option<BatchRecord>, StoreError> {
        Ok(self.records.get(&number).cloned())
    }

    fn batch_delta(&self, number: u64) -> Result<Option<TreeDelta>, StoreError> {
        Ok(self.deltas.get(&number).cloned())
    }
}
