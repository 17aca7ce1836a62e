//! The proving queue in PostgreSQL (issue 16): the node enqueues one job
//! per planned batch, stateless `zkroll prover-worker`s on any number of
//! machines claim them, and the node collects the proofs in batch order.
//! It is zkSync Era's `prover_jobs` pattern, not a new protocol:
//!
//! - a claim is `UPDATE ... WHERE id = (SELECT ... WHERE status = 'queued'
//!   ORDER BY batch_number LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING ...`,
//!   so concurrent workers never take the same job and never wait on each
//!   other's locks;
//! - every claim bumps the job's `lease`; a heartbeat, completion or failure
//!   names the lease it claimed under and touches nothing once the job was
//!   requeued (the duplicate-completion race: one proof wins);
//! - the node's requeuer returns a job whose heartbeat is older than a
//!   timeout, up to a maximum of attempts, after which it fails with the
//!   last error and the node re-plans the batch;
//! - at most one live job per batch (a partial unique index), so a batch
//!   is proved once.
//!
//! The schema lives in versioned migrations (`node/migrations/`, applied
//! by [`migrate::migrate`] under an advisory lock, so a node and its
//! workers may all start at once). Without a database the node proves in
//! process ([`crate::prover::InProcessProver`]): one machine needs no
//! PostgreSQL.
//!
//! tokio-postgres rather than sqlx: the queries are few and fixed, and
//! tokio-postgres needs no compile-time database or macros.

pub mod error;
pub mod jobs;
pub mod migrate;
pub mod workers;

use std::time::Duration;

pub use error::QueueError;
pub use jobs::{ClaimedJob, Completion, Failure, JobCounts, JobState, NewJob, Requeued};
pub use workers::{InProgress, Outcome, WorkerInfo};

/// A connection to the queue's database.
pub struct PgQueue {
    client: tokio_postgres::Client,
    connection: tokio::task::JoinHandle<()>,
}

/// How long a connection attempt may take before it is an error.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl PgQueue {
    /// Connects to `url` (a libpq URL or key=value string) and applies the
    /// migrations this build knows.
    pub async fn connect(url: &str) -> Result<Self, QueueError> {
        let mut config: tokio_postgres::Config =
            url.parse().map_err(|source| QueueError::Url { source })?;
        config.connect_timeout(CONNECT_TIMEOUT);
        let (client, conn) = config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|source| QueueError::Connect { source })?;
        let connection = tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::warn!("proving queue connection closed: {e}");
            }
        });
        let mut q = Self { client, connection };
        migrate::migrate(&mut q.client).await?;
        Ok(q)
    }

    /// Whether the connection is gone (the server restarted or closed it):
    /// callers reconnect.
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

impl Drop for PgQueue {
    fn drop(&mut self) {
        self.connection.abort();
    }
}
