//! What the API and the pipeline share: the rollup state, the mempool, the
//! node's store, the last view of L1, and the metrics. Locks are taken in
//! one order — state, then mempool, then view — and held briefly.

use std::collections::VecDeque;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use zkroll_l1::RollupStatus;
use zkroll_state::{CircuitShape, Domain, QueuedL1Op, RedbStore, Rollup};

use crate::config::NodeConfig;
use crate::mempool::Mempool;
use crate::metrics::Metrics;
use crate::store::NodeStore;

/// How many recent prove times the view keeps.
pub const RECENT_PROOFS: usize = 16;

/// A confirmed L1 operation waiting in Rollup.sol's queue.
#[derive(Clone, Copy, Debug)]
pub struct SeenL1Op {
    /// The operation.
    pub op: QueuedL1Op,
    /// When the node first saw it confirmed, ms since the Unix epoch.
    pub seen_ms: u64,
    /// The L1 block it was queued in, when known.
    pub block: Option<u64>,
}

/// The node's last look at L1 and at its prover.
#[derive(Clone, Debug, Default)]
pub struct ChainView {
    /// Rollup.sol's state at the last look.
    pub status: Option<RollupStatus>,
    /// Confirmed L1 operations no batch has taken.
    pub queue: Vec<SeenL1Op>,
    /// The batch being applied (its plan stored, the state being written).
    pub applying: Option<u64>,
    /// The batch being proved.
    pub proving: Option<u64>,
    /// The batch being settled: its transaction sent, or being waited for.
    pub settling: Option<u64>,
    /// The prover: loading its key, ready, or failed (why).
    pub prover: String,
    /// Recent proofs: (batch, ms).
    pub prove_times: VecDeque<(u64, u64)>,
    /// The last error a pipeline round met (cleared by a round without).
    pub last_error: Option<String>,
}

/// The shared node.
pub struct Shared {
    /// The settings.
    pub config: NodeConfig,
    /// The deployment's shape.
    pub shape: CircuitShape,
    /// The deployment's signing domain.
    pub domain: Domain,
    /// The rollup state (applied batches).
    pub state: RwLock<Rollup<RedbStore>>,
    /// The mempool.
    pub pool: Mutex<Mempool>,
    /// Operations' and batches' records.
    pub store: Arc<NodeStore>,
    /// L1 and prover view.
    pub view: RwLock<ChainView>,
    /// Metrics.
    pub metrics: Metrics,
    /// Set to stop the pipeline.
    pub stop: AtomicBool,
}

/// A poisoned lock means a thread panicked while holding it; the data it
/// guards (redb-backed, written atomically) is still consistent, so the
/// node goes on with it.
fn unpoison<G>(r: Result<G, std::sync::PoisonError<G>>) -> G {
    r.unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    /// The state, for reading.
    pub fn state(&self) -> RwLockReadGuard<'_, Rollup<RedbStore>> {
        unpoison(self.state.read())
    }

    /// The state, for writing.
    pub fn state_mut(&self) -> RwLockWriteGuard<'_, Rollup<RedbStore>> {
        unpoison(self.state.write())
    }

    /// The mempool.
    pub fn pool(&self) -> MutexGuard<'_, Mempool> {
        unpoison(self.pool.lock())
    }

    /// The view, for reading.
    pub fn view(&self) -> RwLockReadGuard<'_, ChainView> {
        unpoison(self.view.read())
    }

    /// The view, for writing.
    pub fn view_mut(&self) -> RwLockWriteGuard<'_, ChainView> {
        unpoison(self.view.write())
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
