//! The queue's operations, one statement each (so each is atomic without
//! an explicit transaction): the node enqueues and requeues, workers
//! claim, heartbeat, complete and fail, both read the counts.

use std::time::{Duration, SystemTime};

use tokio_postgres::Row;

use super::{PgQueue, QueueError};

/// A job to enqueue: one planned batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJob {
    /// The batch's number.
    pub batch_number: u64,
    /// The plan's new root (32 bytes, the state's encoding).
    pub new_root: [u8; 32],
    /// The proving key it needs.
    pub key_id: String,
    /// The serialised witness input.
    pub witness: Vec<u8>,
}

/// A job a worker holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedJob {
    /// The job's id.
    pub id: i64,
    /// The batch.
    pub batch_number: u64,
    /// The plan's new root.
    pub new_root: [u8; 32],
    /// The key it needs.
    pub key_id: String,
    /// The serialised witness input.
    pub witness: Vec<u8>,
    /// This claim's attempt number (1 for the first).
    pub attempts: i32,
    /// The lease this claim holds: heartbeats, completion and failure name it.
    pub lease: i64,
}

/// What became of a completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    /// The proof is the job's.
    Won,
    /// The lease was lost (the job was requeued, and perhaps proved
    /// elsewhere): the proof is discarded.
    Discarded,
}

/// How a worker's failure counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The job cannot succeed anywhere (a corrupt witness, an unknown key
    /// id): it fails now.
    Permanent,
    /// This attempt failed: the job is queued again unless it has used
    /// its attempts.
    Retry {
        /// The most attempts a job gets.
        max_attempts: i32,
    },
}

/// A job's state as the node reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// Held by `worker` (attempt `attempts`), last heard from `heartbeat`.
    InProgress {
        /// The worker's name.
        worker: String,
        /// The attempt.
        attempts: i32,
        /// Its last heartbeat.
        heartbeat: SystemTime,
    },
    /// Proved: the proof's bytes and the worker's proving time.
    Proved {
        /// The proof (ark-serialize compressed).
        proof: Vec<u8>,
        /// Proving time.
        prove_time: Duration,
    },
    /// Failed for good: the last error.
    Failed {
        /// Why.
        error: String,
    },
}

/// A job the requeuer returned to the queue or failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requeued {
    /// The job.
    pub id: i64,
    /// Its batch.
    pub batch_number: u64,
    /// Whether it used its attempts and failed instead.
    pub failed: bool,
}

/// Jobs by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// Waiting.
    pub queued: u64,
    /// Held by a worker.
    pub in_progress: u64,
    /// Proved.
    pub proved: u64,
    /// Failed.
    pub failed: u64,
}

fn to_i64(what: &'static str, v: u64) -> Result<i64, QueueError> {
    i64::try_from(v).map_err(|_| QueueError::OutOfRange { what, value: v })
}

fn root(job: i64, bytes: &[u8]) -> Result<[u8; 32], QueueError> {
    bytes.try_into().map_err(|_| QueueError::Corrupt {
        job,
        what: "a new root that is not 32 bytes",
    })
}

fn batch(job: i64, n: i64) -> Result<u64, QueueError> {
    u64::try_from(n).map_err(|_| QueueError::Corrupt {
        job,
        what: "a negative batch number",
    })
}

fn claimed(row: &Row) -> Result<ClaimedJob, QueueError> {
    let id: i64 = row.get("id");
    Ok(ClaimedJob {
        id,
        batch_number: batch(id, row.get("batch_number"))?,
        new_root: root(id, row.get("new_root"))?,
        key_id: row.get("key_id"),
        witness: row.get("witness"),
        attempts: row.get("attempts"),
        lease: row.get("lease"),
    })
}

impl PgQueue {
    /// Enqueues `job`, or returns the live job already there for the same
    /// plan (a node re-sending after a restart enqueues nothing twice).
    /// A live job for another plan of the batch is a
    /// [`QueueError::BatchConflict`].
    pub async fn enqueue(&self, job: &NewJob) -> Result<i64, QueueError> {
        let n = to_i64("batch number", job.batch_number)?;
        let inserted = self
            .client
            .query_opt(
                "INSERT INTO prover_jobs (batch_number, new_root, key_id, witness)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (batch_number) WHERE status <> 'failed' DO NOTHING
                 RETURNING id",
                &[&n, &job.new_root.as_slice(), &job.key_id, &job.witness],
            )
            .await
            .map_err(QueueError::query("enqueue"))?;
        if let Some(row) = inserted {
            return Ok(row.get(0));
        }
        let live = self
            .client
            .query_one(
                "SELECT id, new_root FROM prover_jobs WHERE batch_number = $1 AND status <> 'failed'",
                &[&n],
            )
            .await
            .map_err(QueueError::query("enqueue's look-up"))?;
        let id: i64 = live.get(0);
        if root(id, live.get(1))? == job.new_root {
            Ok(id)
        } else {
            Err(QueueError::BatchConflict {
                batch: job.batch_number,
                job: id,
            })
        }
    }

    /// Claims the oldest queued job for `worker`, if any, with `FOR UPDATE
    /// SKIP LOCKED`: concurrent claims take distinct jobs.
    pub async fn claim(&self, worker: &str) -> Result<Option<ClaimedJob>, QueueError> {
        let row = self
            .client
            .query_opt(
                "UPDATE prover_jobs SET status = 'in_progress', attempts = attempts + 1,
                     lease = lease + 1, picked_by = $1, processing_started_at = now(),
                     heartbeat_at = now(), updated_at = now()
                 WHERE id = (SELECT id FROM prover_jobs WHERE status = 'queued'
                             ORDER BY batch_number, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                 RETURNING id, batch_number, new_root, key_id, witness, attempts, lease",
                &[&worker],
            )
            .await
            .map_err(QueueError::query("claim"))?;
        row.as_ref().map(claimed).transpose()
    }

    /// Records that the holder of `lease` on job `id` is alive; false when
    /// the lease is lost (the worker should stop: its proof would be
    /// discarded).
    pub async fn heartbeat(&self, id: i64, lease: i64) -> Result<bool, QueueError> {
        let n = self
            .client
            .execute(
                "UPDATE prover_jobs SET heartbeat_at = now(), updated_at = now()
                 WHERE id = $1 AND lease = $2 AND status = 'in_progress'",
                &[&id, &lease],
            )
            .await
            .map_err(QueueError::query("heartbeat"))?;
        Ok(n == 1)
    }

    /// Stores the proof of job `id` if `lease` still holds it.
    pub async fn complete(
        &self,
        id: i64,
        lease: i64,
        proof: &[u8],
        prove_time: Duration,
    ) -> Result<Completion, QueueError> {
        let ms = to_i64("proving time (ms)", prove_time.as_millis() as u64)?;
        let n = self
            .client
            .execute(
                "UPDATE prover_jobs SET status = 'proved', proof = $3, prove_ms = $4,
                     error = NULL, updated_at = now()
                 WHERE id = $1 AND lease = $2 AND status = 'in_progress'",
                &[&id, &lease, &proof, &ms],
            )
            .await
            .map_err(QueueError::query("complete"))?;
        Ok(if n == 1 {
            Completion::Won
        } else {
            Completion::Discarded
        })
    }

    /// Records a failure of job `id` under `lease`; returns the job's new
    /// state (`None` if the lease was lost and nothing changed).
    pub async fn fail(
        &self,
        id: i64,
        lease: i64,
        error: &str,
        how: Failure,
    ) -> Result<Option<JobState>, QueueError> {
        let max = match how {
            Failure::Permanent => 0,
            Failure::Retry { max_attempts } => max_attempts,
        };
        let row = self
            .client
            .query_opt(
                "UPDATE prover_jobs SET
                     status = CASE WHEN attempts >= $3 THEN 'failed' ELSE 'queued' END,
                     error = $4, picked_by = NULL, heartbeat_at = NULL, updated_at = now()
                 WHERE id = $1 AND lease = $2 AND status = 'in_progress'
                 RETURNING status",
                &[&id, &lease, &max, &error],
            )
            .await
            .map_err(QueueError::query("fail"))?;
        Ok(row.map(|r| match r.get::<_, &str>(0) {
            "failed" => JobState::Failed {
                error: error.to_string(),
            },
            _ => JobState::Queued,
        }))
    }

    /// The requeuer: returns every job whose heartbeat is older than
    /// `timeout` to the queue, or fails it once it has used
    /// `max_attempts`.
    pub async fn requeue_stale(
        &self,
        timeout: Duration,
        max_attempts: i32,
    ) -> Result<Vec<Requeued>, QueueError> {
        let rows = self
            .client
            .query(
                "UPDATE prover_jobs SET
                     status = CASE WHEN attempts >= $2 THEN 'failed' ELSE 'queued' END,
                     error = 'no heartbeat for ' || $1::float8 || ' s from ' ||
                             COALESCE(picked_by, 'a worker') || ' (attempt ' || attempts || ')',
                     picked_by = NULL, heartbeat_at = NULL, updated_at = now()
                 WHERE status = 'in_progress'
                   AND heartbeat_at < now() - make_interval(secs => $1::float8)
                 RETURNING id, batch_number, status",
                &[&timeout.as_secs_f64(), &max_attempts],
            )
            .await
            .map_err(QueueError::query("requeue"))?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.get(0);
                Ok(Requeued {
                    id,
                    batch_number: batch(id, r.get(1))?,
                    failed: r.get::<_, &str>(2) == "failed",
                })
            })
            .collect()
    }

    /// Job `id`'s state.
    pub async fn state(&self, id: i64) -> Result<JobState, QueueError> {
        let r = self
            .client
            .query_one(
                "SELECT status, picked_by, attempts, heartbeat_at, proof, prove_ms, error
                 FROM prover_jobs WHERE id = $1",
                &[&id],
            )
            .await
            .map_err(QueueError::query("reading a job"))?;
        let corrupt = |what| QueueError::Corrupt { job: id, what };
        Ok(match r.get::<_, &str>(0) {
            "queued" => JobState::Queued,
            "in_progress" => JobState::InProgress {
                worker: r
                    .get::<_, Option<String>>(1)
                    .ok_or_else(|| corrupt("no worker while in progress"))?,
                attempts: r.get(2),
                heartbeat: r
                    .get::<_, Option<SystemTime>>(3)
                    .ok_or_else(|| corrupt("no heartbeat while in progress"))?,
            },
            "proved" => JobState::Proved {
                proof: r
                    .get::<_, Option<Vec<u8>>>(4)
                    .ok_or_else(|| corrupt("no proof while proved"))?,
                prove_time: Duration::from_millis(
                    r.get::<_, Option<i64>>(5).unwrap_or(0).max(0) as u64
                ),
            },
            "failed" => JobState::Failed {
                error: r.get::<_, Option<String>>(6).unwrap_or_default(),
            },
            _ => return Err(corrupt("an unknown status")),
        })
    }

    /// Jobs by status.
    pub async fn counts(&self) -> Result<JobCounts, QueueError> {
        let rows = self
            .client
            .query(
                "SELECT status, COUNT(*) FROM prover_jobs GROUP BY status",
                &[],
            )
            .await
            .map_err(QueueError::query("counting jobs"))?;
        let mut c = JobCounts::default();
        for r in rows {
            let n = r.get::<_, i64>(1).max(0) as u64;
            match r.get::<_, &str>(0) {
                "queued" => c.queued = n,
                "in_progress" => c.in_progress = n,
                "proved" => c.proved = n,
                _ => c.failed += n,
            }
        }
        Ok(c)
    }
}
