//! Prometheus metrics (`/metrics`, the text exposition format), kept with
//! prometheus-client: queue depths, batch latency, prove time, gas spent.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The node's metrics.
pub struct Metrics {
    registry: Registry,
    /// Operations pending in the mempool.
    pub mempool_pending: Gauge,
    /// Confirmed L1 operations no batch has taken yet.
    pub l1_queue_depth: Gauge,
    /// The last batch applied to the state.
    pub last_batch_applied: Gauge,
    /// The last batch settled on L1.
    pub last_batch_settled: Gauge,
    /// Operations accepted.
    pub ops_accepted: Counter,
    /// Operations refused at submission.
    pub ops_refused: Counter,
    /// Operations dropped after acceptance.
    pub ops_dropped: Counter,
    /// Gas spent settling batches.
    pub gas_spent: Counter,
    /// Seconds proving a batch.
    pub prove_seconds: Histogram,
    /// Seconds from a batch's plan to its settlement.
    pub batch_latency_seconds: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("zkroll");
        let m = Metrics {
            mempool_pending: Gauge::default(),
            l1_queue_depth: Gauge::default(),
            last_batch_applied: Gauge::default(),
            last_batch_settled: Gauge::default(),
            ops_accepted: Counter::default(),
            ops_refused: Counter::default(),
            ops_dropped: Counter::default(),
            gas_spent: Counter::default(),
            prove_seconds: Histogram::new(exponential_buckets(0.05, 2.0, 14)),
            batch_latency_seconds: Histogram::new(exponential_buckets(0.1, 2.0, 14)),
            registry: Registry::default(),
        };
        registry.register(
            "mempool_pending",
            "Operations pending in the mempool",
            m.mempool_pending.clone(),
        );
        registry.register(
            "l1_queue_depth",
            "Confirmed L1 operations not yet in a batch",
            m.l1_queue_depth.clone(),
        );
        registry.register(
            "last_batch_applied",
            "The last batch applied to the state",
            m.last_batch_applied.clone(),
        );
        registry.register(
            "last_batch_settled",
            "The last batch settled on L1",
            m.last_batch_settled.clone(),
        );
        registry.register(
            "ops_accepted",
            "L2 operations accepted",
            m.ops_accepted.clone(),
        );
        registry.register(
            "ops_refused",
            "L2 operations refused at submission",
            m.ops_refused.clone(),
        );
        registry.register(
            "ops_dropped",
            "Accepted L2 operations dropped before a batch",
            m.ops_dropped.clone(),
        );
        registry.register(
            "l1_gas_spent",
            "Gas spent settling batches on L1",
            m.gas_spent.clone(),
        );
        registry.register(
            "prove_seconds",
            "Time to prove one batch",
            m.prove_seconds.clone(),
        );
        registry.register(
            "batch_latency_seconds",
            "Time from a batch's plan to its settlement",
            m.batch_latency_seconds.clone(),
        );
        Metrics { registry, ..m }
    }
}

impl Metrics {
    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
