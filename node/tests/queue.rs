//! The proving queue against a real PostgreSQL: the server at
//! `$ZKROLL_TEST_DATABASE_URL` (default: 127.0.0.1:5432, user postgres,
//! which `scripts/test.sh` starts in a temporary cluster when none
//! answers). Each test works in a database of its own, dropped at the end.
//! Without a server the test prints a skip; with `CI=true` it fails.

use std::time::Duration;

use zkroll_node::queue::{Completion, Failure, JobState, NewJob, Outcome, PgQueue, QueueError};

const DEFAULT_URL: &str = "host=127.0.0.1 port=5432 user=postgres dbname=postgres";

/// A database of the test's own, dropped when this is.
struct TestDb {
    admin_url: String,
    name: String,
}

impl TestDb {
    /// `None` (after printing a skip) when no server answers and none is
    /// required.
    async fn new(test: &str) -> Option<Self> {
        let admin_url =
            std::env::var("ZKROLL_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.into());
        let admin = match admin_client(&admin_url).await {
            Ok(c) => c,
            Err(e) => {
                let required = std::env::var("CI").is_ok_and(|v| v == "true")
                    || std::env::var("ZKROLL_REQUIRE_POSTGRES").is_ok();
                assert!(
                    !required,
                    "{test}: PostgreSQL at {admin_url} does not answer ({e}); it is required here"
                );
                eprintln!(
                    "SKIP {test}: no PostgreSQL at {admin_url} ({e}); scripts/test.sh starts one"
                );
                return None;
            }
        };
        let name = format!("zkroll_queue_{}_{test}", std::process::id());
        // One statement each: several in one query are one transaction,
        // which DROP and CREATE DATABASE refuse.
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin.batch_execute(&sql).await.unwrap();
        }
        Some(Self { admin_url, name })
    }

    /// The URL of the test's database.
    fn url(&self) -> String {
        let mut c: tokio_postgres::Config = self.admin_url.parse().unwrap();
        c.dbname(&self.name);
        // tokio-postgres's Config has no to-string: rebuild key=value form.
        let host = match &c.get_hosts()[0] {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        };
        let port = c.get_ports().first().copied().unwrap_or(5432);
        let user = c.get_user().unwrap_or("postgres");
        let mut url = format!("host={host} port={port} user={user} dbname={}", self.name);
        if let Some(pw) = c.get_password() {
            url.push_str(&format!(" password={}", String::from_utf8_lossy(pw)));
        }
        url
    }

    async fn queue(&self) -> PgQueue {
        PgQueue::connect(&self.url()).await.unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime: drop the database from a
        // thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(c) = admin_client(&url).await {
                    let _ = c
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

async fn admin_client(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let mut c: tokio_postgres::Config = url.parse()?;
    c.connect_timeout(Duration::from_secs(3));
    let (client, conn) = c.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

fn job(batch: u64, root_byte: u8) -> NewJob {
    NewJob {
        batch_number: batch,
        new_root: [root_byte; 32],
        key_id: "key-a".into(),
        witness: vec![batch as u8; 100],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_apply_once_even_from_concurrent_starts() {
    let Some(db) = TestDb::new("migrations").await else {
        return;
    };
    let url = db.url();
    // Eight connections starting at once: the advisory lock lets one apply.
    let starts: Vec<_> = (0..8)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PgQueue::connect(&url).await.map(|_| ()) })
        })
        .collect();
    for s in starts {
        s.await.unwrap().unwrap();
    }
    let admin = admin_client(&url).await.unwrap();
    let versions: Vec<i32> = admin
        .query(
            "SELECT version FROM zkroll_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, vec![1]);
    // A database from a newer build is refused, not downgraded.
    admin
        .execute(
            "INSERT INTO zkroll_migrations (version, name) VALUES (99, 'future')",
            &[],
        )
        .await
        .unwrap();
    assert!(matches!(
        PgQueue::connect(&url).await,
        Err(QueueError::SchemaTooNew {
            found: 99,
            known: 1
        })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enqueue_is_idempotent_per_plan_and_claims_are_distinct_and_ordered() {
    let Some(db) = TestDb::new("claims").await else {
        return;
    };
    let q = db.queue().await;
    // Enqueued out of order; the same plan twice is one job.
    let mut ids = Vec::new();
    for b in [3u64, 1, 2, 0, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14] {
        ids.push(q.enqueue(&job(b, 1)).await.unwrap());
    }
    assert_eq!(q.enqueue(&job(3, 1)).await.unwrap(), ids[0]);
    // Another plan of a live batch is refused.
    assert!(matches!(
        q.enqueue(&job(3, 2)).await,
        Err(QueueError::BatchConflict { batch: 3, .. })
    ));
    assert_eq!(q.counts().await.unwrap().queued, 16);

    // Four claimers on their own connections race for the 16 jobs.
    let claimers: Vec<_> = (0..4)
        .map(|w| {
            let url = db.url();
            tokio::spawn(async move {
                let q = PgQueue::connect(&url).await.unwrap();
                let mut got = Vec::new();
                while let Some(j) = q.claim(&format!("w{w}")).await.unwrap() {
                    assert_eq!(j.attempts, 1);
                    assert_eq!(j.witness, vec![j.batch_number as u8; 100]);
                    got.push(j.batch_number);
                }
                got
            })
        })
        .collect();
    let mut all = Vec::new();
    for c in claimers {
        let got = c.await.unwrap();
        // Each claimer's jobs come oldest batch first.
        assert!(got.windows(2).all(|w| w[0] < w[1]), "{got:?}");
        all.extend(got);
    }
    all.sort();
    assert_eq!(
        all,
        (0..16).collect::<Vec<u64>>(),
        "every job claimed exactly once"
    );
    let c = q.counts().await.unwrap();
    assert_eq!((c.queued, c.in_progress), (0, 16));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_lease_is_requeued_and_only_the_current_holders_proof_wins() {
    let Some(db) = TestDb::new("leases").await else {
        return;
    };
    let q = db.queue().await;
    let id = q.enqueue(&job(0, 1)).await.unwrap();
    let a = q.claim("a").await.unwrap().unwrap();
    assert!(q.heartbeat(id, a.lease).await.unwrap());
    assert!(
        matches!(q.state(id).await.unwrap(), JobState::InProgress { ref worker, attempts: 1, .. } if worker == "a")
    );
    // A fresh heartbeat is not stale.
    assert!(q
        .requeue_stale(Duration::from_secs(60), 3)
        .await
        .unwrap()
        .is_empty());
    // Worker a goes silent past the timeout: the requeuer returns the job.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = q
        .requeue_stale(Duration::from_millis(100), 3)
        .await
        .unwrap();
    assert_eq!(r.len(), 1);
    assert!(!r[0].failed);
    assert_eq!(q.state(id).await.unwrap(), JobState::Queued);
    // b claims it under a new lease; a's heartbeat now says stop.
    let b = q.claim("b").await.unwrap().unwrap();
    assert_eq!((b.id, b.attempts), (id, 2));
    assert_ne!(a.lease, b.lease);
    assert!(!q.heartbeat(id, a.lease).await.unwrap());
    // Both finish: a's proof (stale lease) is discarded, b's wins, and a
    // late repeat of b's changes nothing.
    assert_eq!(
        q.complete(id, a.lease, b"proof-a", Duration::from_secs(1))
            .await
            .unwrap(),
        Completion::Discarded
    );
    assert_eq!(
        q.complete(id, b.lease, b"proof-b", Duration::from_secs(2))
            .await
            .unwrap(),
        Completion::Won
    );
    assert_eq!(
        q.complete(id, b.lease, b"proof-b2", Duration::from_secs(2))
            .await
            .unwrap(),
        Completion::Discarded
    );
    assert_eq!(
        q.state(id).await.unwrap(),
        JobState::Proved {
            proof: b"proof-b".to_vec(),
            prove_time: Duration::from_secs(2)
        }
    );
    // A stale failure report cannot undo the proof either.
    assert_eq!(
        q.fail(id, a.lease, "late", Failure::Permanent)
            .await
            .unwrap(),
        None
    );
    // The batch is proved: no second job for it.
    assert_eq!(q.enqueue(&job(0, 1)).await.unwrap(), id);
    assert!(q.claim("c").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempts_run_out_and_bad_jobs_fail_with_their_reason() {
    let Some(db) = TestDb::new("failures").await else {
        return;
    };
    let q = db.queue().await;
    let max = 2;
    // A job whose worker fails it twice (retryable) fails on the second.
    let id = q.enqueue(&job(0, 1)).await.unwrap();
    let j = q.claim("w").await.unwrap().unwrap();
    assert_eq!(
        q.fail(
            id,
            j.lease,
            "out of memory",
            Failure::Retry { max_attempts: max }
        )
        .await
        .unwrap(),
        Some(JobState::Queued)
    );
    let j = q.claim("w").await.unwrap().unwrap();
    assert_eq!(j.attempts, 2);
    assert_eq!(
        q.fail(
            id,
            j.lease,
            "out of memory again",
            Failure::Retry { max_attempts: max }
        )
        .await
        .unwrap(),
        Some(JobState::Failed {
            error: "out of memory again".into()
        })
    );
    // Silence counts as an attempt too: claimed twice, silent twice.
    let id2 = q.enqueue(&job(1, 1)).await.unwrap();
    for attempt in 1..=max {
        let j = q.claim("silent").await.unwrap().unwrap();
        assert_eq!((j.id, j.attempts), (id2, attempt));
        tokio::time::sleep(Duration::from_millis(250)).await;
        let r = q
            .requeue_stale(Duration::from_millis(100), max)
            .await
            .unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].failed, attempt == max);
    }
    match q.state(id2).await.unwrap() {
        JobState::Failed { error } => {
            assert!(
                error.contains("no heartbeat") && error.contains("silent"),
                "{error}"
            )
        }
        s => panic!("expected failed, got {s:?}"),
    }
    // A corrupt witness or an unknown key fails at once, whatever the
    // attempts left.
    let id3 = q.enqueue(&job(2, 1)).await.unwrap();
    let j = q.claim("w").await.unwrap().unwrap();
    let reason = "key id key-a is not among this worker's keys (key-b)";
    assert_eq!(
        q.fail(id3, j.lease, reason, Failure::Permanent)
            .await
            .unwrap(),
        Some(JobState::Failed {
            error: reason.into()
        })
    );
    // A failed batch is re-planned: a new job for it (another plan) is
    // accepted, and proved normally.
    let id4 = q.enqueue(&job(0, 9)).await.unwrap();
    assert_ne!(id4, id);
    let j = q.claim("w").await.unwrap().unwrap();
    assert_eq!((j.id, j.new_root, j.attempts), (id4, [9; 32], 1));
    assert_eq!(
        q.complete(id4, j.lease, b"p", Duration::ZERO)
            .await
            .unwrap(),
        Completion::Won
    );
    let c = q.counts().await.unwrap();
    assert_eq!((c.queued, c.in_progress, c.proved, c.failed), (0, 0, 1, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_and_the_jobs_they_hold_are_listed() {
    let Some(db) = TestDb::new("workers").await else {
        return;
    };
    let q = db.queue().await;
    let keys = vec!["key-a".to_string()];
    q.register_worker("w1", &keys).await.unwrap();
    q.register_worker("w2", &["key-a".into(), "key-b".into()])
        .await
        .unwrap();
    // Registering again refreshes, it does not duplicate.
    q.register_worker("w1", &keys).await.unwrap();
    for b in 0..3 {
        q.enqueue(&job(b, 1)).await.unwrap();
    }
    let j0 = q.claim("w1").await.unwrap().unwrap();
    let j1 = q.claim("w2").await.unwrap().unwrap();
    let held = q.in_progress().await.unwrap();
    assert_eq!(
        held.iter()
            .map(|h| (h.batch_number, h.worker.as_str(), h.attempts))
            .collect::<Vec<_>>(),
        vec![(0, "w1", 1), (1, "w2", 1)]
    );
    assert!(held.iter().all(|h| h.age < Duration::from_secs(60)));
    assert_eq!(
        q.complete(j0.id, j0.lease, b"p", Duration::ZERO)
            .await
            .unwrap(),
        Completion::Won
    );
    q.record_outcome("w1", Outcome::Proved).await.unwrap();
    q.fail(j1.id, j1.lease, "boom", Failure::Permanent)
        .await
        .unwrap();
    q.record_outcome("w2", Outcome::Failed).await.unwrap();
    let w = q.workers().await.unwrap();
    assert_eq!(
        w.iter()
            .map(|w| (
                w.name.as_str(),
                w.key_ids.len(),
                w.jobs_proved,
                w.jobs_failed
            ))
            .collect::<Vec<_>>(),
        vec![("w1", 1, 1, 0), ("w2", 2, 0, 1)]
    );
    assert!(w.iter().all(|w| w.first_seen <= w.last_seen));
    assert!(q.in_progress().await.unwrap().is_empty());
    assert_eq!(q.counts().await.unwrap().queued, 1);
}
