//! The workers the queue has seen, and the jobs they hold: what the
//! node's API and metrics show (queued, in progress with its worker,
//! attempts and age; workers seen).

use std::time::{Duration, SystemTime};

use super::{PgQueue, QueueError};

/// A worker as the queue last saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerInfo {
    /// Its name (`--id`).
    pub name: String,
    /// The key ids it holds.
    pub key_ids: Vec<String>,
    /// When it first registered.
    pub first_seen: SystemTime,
    /// When it last registered, claimed or reported.
    pub last_seen: SystemTime,
    /// Jobs it proved (proofs that won).
    pub jobs_proved: u64,
    /// Jobs it failed.
    pub jobs_failed: u64,
}

/// A job held by a worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InProgress {
    /// The job.
    pub id: i64,
    /// Its batch.
    pub batch_number: u64,
    /// The worker holding it.
    pub worker: String,
    /// The attempt.
    pub attempts: i32,
    /// Since its claim.
    pub age: Duration,
    /// Since its last heartbeat.
    pub since_heartbeat: Duration,
}

/// What a worker's report was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A proof that won.
    Proved,
    /// A failure.
    Failed,
}

fn secs(d: f64) -> Duration {
    Duration::try_from_secs_f64(d.max(0.0)).unwrap_or_default()
}

impl PgQueue {
    /// Registers `name` holding `key_ids` (or refreshes it).
    pub async fn register_worker(&self, name: &str, key_ids: &[String]) -> Result<(), QueueError> {
        self.client
            .execute(
                "INSERT INTO prover_workers (name, key_ids) VALUES ($1, $2)
                 ON CONFLICT (name) DO UPDATE SET key_ids = EXCLUDED.key_ids, last_seen = now()",
                &[&name, &key_ids],
            )
            .await
            .map_err(QueueError::query("registering a worker"))?;
        Ok(())
    }

    /// Counts a worker's report.
    pub async fn record_outcome(&self, name: &str, outcome: Outcome) -> Result<(), QueueError> {
        let sql = match outcome {
            Outcome::Proved => {
                "UPDATE prover_workers SET jobs_proved = jobs_proved + 1, last_seen = now() WHERE name = $1"
            }
            Outcome::Failed => {
                "UPDATE prover_workers SET jobs_failed = jobs_failed + 1, last_seen = now() WHERE name = $1"
            }
        };
        self.client
            .execute(sql, &[&name])
            .await
            .map_err(QueueError::query("counting a worker's report"))?;
        Ok(())
    }

    /// Every worker seen, by name.
    pub async fn workers(&self) -> Result<Vec<WorkerInfo>, QueueError> {
        let rows = self
            .client
            .query(
                "SELECT name, key_ids, first_seen, last_seen, jobs_proved, jobs_failed
                 FROM prover_workers ORDER BY name",
                &[],
            )
            .await
            .map_err(QueueError::query("listing workers"))?;
        Ok(rows
            .iter()
            .map(|r| WorkerInfo {
                name: r.get(0),
                key_ids: r.get(1),
                first_seen: r.get(2),
                last_seen: r.get(3),
                jobs_proved: r.get::<_, i64>(4).max(0) as u64,
                jobs_failed: r.get::<_, i64>(5).max(0) as u64,
            })
            .collect())
    }

    /// The jobs workers hold, oldest batch first.
    pub async fn in_progress(&self) -> Result<Vec<InProgress>, QueueError> {
        let rows = self
            .client
            .query(
                "SELECT id, batch_number, picked_by, attempts,
                        EXTRACT(EPOCH FROM now() - processing_started_at)::float8,
                        EXTRACT(EPOCH FROM now() - heartbeat_at)::float8
                 FROM prover_jobs WHERE status = 'in_progress' ORDER BY batch_number",
                &[],
            )
            .await
            .map_err(QueueError::query("listing jobs in progress"))?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.get(0);
                let corrupt = |what| QueueError::Corrupt { job: id, what };
                Ok(InProgress {
                    id,
                    batch_number: u64::try_from(r.get::<_, i64>(1))
                        .map_err(|_| corrupt("a negative batch number"))?,
                    worker: r
                        .get::<_, Option<String>>(2)
                        .ok_or_else(|| corrupt("no worker while in progress"))?,
                    attempts: r.get(3),
                    age: secs(r.get::<_, Option<f64>>(4).unwrap_or(0.0)),
                    since_heartbeat: secs(r.get::<_, Option<f64>>(5).unwrap_or(0.0)),
                })
            })
            .collect()
    }
}
