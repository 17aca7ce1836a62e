//! The mempool: accepted L2 operations not yet in a batch, indexed by
//! account and nonce, persisted in [`NodeStore`] before they are
//! acknowledged.
//!
//! An operation is admitted against the state *plus the account's pending
//! operations*: its nonce must be unused (not below the account's, not held
//! by another pending operation) and at most `pending_limit` ahead; the
//! balance must cover it after what the pending operations already debit
//! (pending credits are not counted: the operation that credits may still
//! be dropped). A nonce past a gap is accepted and waits for the gap to
//! fill ([`Readiness::Waiting`]). Batches take ready operations in accept
//! order, each account's in nonce order.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use zkroll_state::{AccountId, Balance, L2Op, L2OpError, Nonce, RedbStore, Rollup, SignedL2Op};

use crate::config::NodeConfig;
use crate::error::{NodeStoreError, SubmitError};
use crate::shared::now_ms;
use crate::store::{NodeStore, OpRecord, OpState};

/// Whether a pending operation can go into the next batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// Its nonce is the account's next one (after the pending ones before it).
    Ready,
    /// An earlier nonce is missing: it waits for that one.
    Waiting {
        /// The missing nonce.
        for_nonce: Nonce,
    },
}

/// The pending operations.
pub struct Mempool {
    store: Arc<NodeStore>,
    pending: BTreeMap<u64, OpRecord>,
    by_account: HashMap<AccountId, BTreeMap<Nonce, u64>>,
    debits: HashMap<AccountId, Balance>,
    next_id: u64,
    pending_limit: u32,
    capacity: usize,
}

/// What an operation debits its account: amount + fee (saturating: a sum
/// past 2^128 is refused as insufficient anyway).
fn debit(op: &L2Op) -> Balance {
    op.amount().saturating_add(op.fee())
}

impl Mempool {
    /// The mempool over `store`, its pending operations loaded.
    pub fn load(store: Arc<NodeStore>, config: &NodeConfig) -> Result<Self, NodeStoreError> {
        let mut pool = Self {
            next_id: store.next_id()?,
            pending: BTreeMap::new(),
            by_account: HashMap::new(),
            debits: HashMap::new(),
            pending_limit: config.pending_limit,
            capacity: config.mempool_capacity,
            store,
        };
        for rec in pool.store.pending_ops()? {
            pool.index(rec);
        }
        Ok(pool)
    }

    fn index(&mut self, rec: OpRecord) {
        let op = rec.signed.op;
        self.by_account
            .entry(op.from())
            .or_default()
            .insert(op.nonce(), rec.id);
        *self.debits.entry(op.from()).or_default() += debit(&op);
        self.pending.insert(rec.id, rec);
    }

    fn unindex(&mut self, id: u64) -> Option<OpRecord> {
        let rec = self.pending.remove(&id)?;
        let op = rec.signed.op;
        if let Some(m) = self.by_account.get_mut(&op.from()) {
            m.remove(&op.nonce());
            if m.is_empty() {
                self.by_account.remove(&op.from());
            }
        }
        if let Some(d) = self.debits.get_mut(&op.from()) {
            *d = d.saturating_sub(debit(&op));
            if *d == 0 {
                self.debits.remove(&op.from());
            }
        }
        Some(rec)
    }

    /// How many operations are pending.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// A pending operation.
    pub fn get(&self, id: u64) -> Option<&OpRecord> {
        self.pending.get(&id)
    }

    /// What `idx`'s pending operations debit.
    pub fn pending_debit(&self, idx: AccountId) -> Balance {
        self.debits.get(&idx).copied().unwrap_or(0)
    }

    /// `idx`'s pending operations, by nonce.
    pub fn account_ops(&self, idx: AccountId) -> Vec<&OpRecord> {
        self.by_account
            .get(&idx)
            .map(|m| m.values().filter_map(|id| self.pending.get(id)).collect())
            .unwrap_or_default()
    }

    /// The nonce after `idx`'s contiguous pending operations, starting from
    /// its applied nonce `current`: what its next operation should carry.
    pub fn next_nonce(&self, idx: AccountId, current: Nonce) -> Nonce {
        let mut n = current;
        if let Some(m) = self.by_account.get(&idx) {
            while m.contains_key(&n) {
                n += 1;
            }
        }
        n
    }

    /// Whether pending operation `rec` is ready, for an account whose
    /// applied nonce is `current`.
    pub fn readiness(&self, rec: &OpRecord, current: Nonce) -> Readiness {
        let from = rec.signed.op.from();
        let next = self.next_nonce(from, current);
        if rec.signed.op.nonce() < next {
            Readiness::Ready
        } else {
            Readiness::Waiting { for_nonce: next }
        }
    }

    /// The age of the oldest ready operation, ms (None: none is ready).
    pub fn oldest_ready_ms(&self, state: &Rollup<RedbStore>) -> Option<u64> {
        self.pending
            .values()
            .find(|r| {
                let current = state.account(r.signed.op.from()).map_or(0, |a| a.nonce);
                self.readiness(r, current) == Readiness::Ready
            })
            .map(|r| now_ms().saturating_sub(r.received_ms))
    }

    /// Admits `ops` (signatures already checked against their accounts'
    /// keys) against `state` and the pending operations, stores the
    /// admitted ones in one durable transaction, and returns each one's id
    /// or why it was refused, in order.
    pub fn admit(
        &mut self,
        state: &Rollup<RedbStore>,
        ops: Vec<SignedL2Op>,
    ) -> Vec<Result<u64, SubmitError>> {
        let mut results = Vec::with_capacity(ops.len());
        let mut fresh = Vec::new();
        for signed in ops {
            let r = self.check(state, &signed).map(|()| {
                let rec = OpRecord {
                    id: self.next_id,
                    signed,
                    received_ms: now_ms(),
                    state: OpState::Pending,
                };
                self.next_id += 1;
                fresh.push(rec.clone());
                self.index(rec);
                self.next_id - 1
            });
            results.push(r);
        }
        if let Err(e) = self.store.insert_ops(&fresh) {
            // Nothing was stored: nothing is acknowledged.
            for rec in &fresh {
                self.unindex(rec.id);
            }
            self.next_id -= fresh.len() as u64;
            let e = Arc::new(e);
            for r in &mut results {
                if r.is_ok() {
                    *r = Err(SubmitError::Store(e.clone()));
                }
            }
        }
        results
    }

    fn check(&self, state: &Rollup<RedbStore>, signed: &SignedL2Op) -> Result<(), SubmitError> {
        if self.pending.len() >= self.capacity {
            return Err(SubmitError::MempoolFull {
                capacity: self.capacity,
            });
        }
        let op = &signed.op;
        let from = op.from();
        let acc = state
            .account(from)
            .ok_or(L2OpError::UnknownAccount { idx: from })?;
        let got = op.nonce();
        if got < acc.nonce {
            return Err(SubmitError::NonceUsed {
                from,
                current: acc.nonce,
                got,
            });
        }
        if let Some(id) = self.by_account.get(&from).and_then(|m| m.get(&got)) {
            let held = &self.pending[id];
            return Err(if held.signed == *signed {
                SubmitError::Duplicate { id: *id }
            } else {
                SubmitError::NonceTaken {
                    from,
                    nonce: got,
                    id: *id,
                }
            });
        }
        if u64::from(got) >= u64::from(acc.nonce) + u64::from(self.pending_limit) {
            return Err(SubmitError::NonceBeyondLimit {
                from,
                current: acc.nonce,
                got,
                limit: self.pending_limit,
            });
        }
        let pending = self.pending_debit(from);
        let needed = debit(op);
        if acc.balance.saturating_sub(pending) < needed
            || op.amount().checked_add(op.fee()).is_none()
        {
            return Err(SubmitError::InsufficientAfterPending {
                balance: acc.balance,
                pending,
                needed,
            });
        }
        Ok(())
    }

    /// Up to `max` ready operations for the next batch: accept order, each
    /// account's in nonce order from its applied nonce.
    pub fn select(&self, state: &Rollup<RedbStore>, max: usize) -> Vec<OpRecord> {
        let mut expected: HashMap<AccountId, Nonce> = HashMap::new();
        let mut taken = Vec::new();
        let mut chosen = std::collections::HashSet::new();
        // Passes until no progress: an operation accepted before the one
        // that fills its gap becomes ready in a later pass.
        loop {
            let before = taken.len();
            for rec in self.pending.values() {
                if taken.len() >= max {
                    return taken;
                }
                if chosen.contains(&rec.id) {
                    continue;
                }
                let from = rec.signed.op.from();
                let next = expected
                    .entry(from)
                    .or_insert_with(|| state.account(from).map_or(0, |a| a.nonce));
                if rec.signed.op.nonce() == *next {
                    *next += 1;
                    chosen.insert(rec.id);
                    taken.push(rec.clone());
                }
            }
            if taken.len() == before {
                return taken;
            }
        }
    }

    /// Removes operations a batch took (their records say `InBatch`).
    pub fn take(&mut self, ids: &[u64]) {
        for id in ids {
            self.unindex(*id);
        }
    }

    /// Puts operations back (a batch that was discarded), loaded from the store.
    pub fn requeue(&mut self, ids: &[u64]) -> Result<(), NodeStoreError> {
        for id in ids {
            if let Some(rec) = self.store.op(*id)? {
                if rec.state == OpState::Pending && !self.pending.contains_key(id) {
                    self.index(rec);
                }
            }
        }
        Ok(())
    }

    /// Drops pending operations with their reasons (stored first).
    pub fn drop_ops(&mut self, drops: &[(u64, OpState)]) -> Result<(), NodeStoreError> {
        self.store.set_op_states(drops)?;
        for (id, _) in drops {
            self.unindex(*id);
        }
        Ok(())
    }

    /// Pending operations that can no longer apply because their account
    /// moved past their nonce (an operation with that nonce was applied):
    /// they are dropped by [`Mempool::drop_ops`].
    pub fn stale(&self, state: &Rollup<RedbStore>) -> Vec<(u64, OpState)> {
        self.pending
            .values()
            .filter(|r| {
                state
                    .account(r.signed.op.from())
                    .is_some_and(|a| r.signed.op.nonce() < a.nonce)
            })
            .map(|r| {
                (
                    r.id,
                    OpState::Dropped {
                        code: "nonce_used".into(),
                        reason: format!(
                            "nonce {} was used by another operation",
                            r.signed.op.nonce()
                        ),
                    },
                )
            })
            .collect()
    }
}
