//! The wallet API under load: `cargo bench -p zkroll-node --bench load`.
//!
//! The node's API (axum, its admitting thread, the redb-backed mempool)
//! is served alone on a loopback port, over a state of [`ACCOUNTS`]
//! accounts (`Workload::populate`, depth [`DEPTH`]); no pipeline runs, so
//! everything accepted stays pending. A load generator in the same process
//! (it shares the machine's cores with the node) sends signed transfers
//! from every account, [`CONCURRENCY`] requests in flight, and prints:
//!
//! - accepted operations per second and p50/p99 submit latency over the
//!   first [`MEASURED_OPS`] submissions (each one parsed, its signature
//!   checked, admitted against the state plus the account's pending
//!   operations, and stored durably before its 202);
//! - the process's resident memory with [`PENDING_TARGET`] operations
//!   pending, beside its memory before any was sent (the generator's own
//!   request bodies dropped first).
//!
//! Bounded in count ([`PENDING_TARGET`]) and in time ([`TIME_LIMIT`]); all
//! traffic goes to 127.0.0.1.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use zkroll_node::{FeePolicy, KeySource, NodeConfig};
use zkroll_state::sim::Workload;
use zkroll_state::{CircuitShape, Domain};

/// The state's tree depth (the demo's).
const DEPTH: u8 = 16;
/// Accounts sending.
const ACCOUNTS: usize = 2_000;
/// Operations per account: `PENDING_TARGET / ACCOUNTS`, under the pending limit.
const PER_ACCOUNT: u32 = 50;
/// Operations pending at the end.
const PENDING_TARGET: usize = ACCOUNTS * PER_ACCOUNT as usize;
/// Submissions the rate and latencies are measured over.
const MEASURED_OPS: usize = 20_000;
/// Requests in flight at once.
const CONCURRENCY: usize = 64;
/// The whole load's bound.
const TIME_LIMIT: Duration = Duration::from_secs(600);
/// The deployment the operations are signed for (none is deployed).
const DOMAIN: Domain = Domain::new(1, [0x5a; 20]);

/// This process's resident memory now, in bytes (Linux; 0 elsewhere).
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Sends `bodies[range]` to `url`, `CONCURRENCY` at a time: each
/// request's latency, in send order. Every one must be accepted.
async fn send_all(
    client: &reqwest::Client,
    url: &str,
    bodies: Arc<Vec<String>>,
    range: std::ops::Range<usize>,
    deadline: Instant,
) -> Vec<Duration> {
    let next = Arc::new(AtomicUsize::new(range.start));
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (client, url, bodies, next) = (
            client.clone(),
            url.to_string(),
            bodies.clone(),
            next.clone(),
        );
        let end = range.end;
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= end {
                    return lat;
                }
                assert!(Instant::now() < deadline, "the load passed its time limit");
                let t = Instant::now();
                let r = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(bodies[i].clone())
                    .send()
                    .await
                    .expect("POST /ops");
                let status = r.status();
                if status.as_u16() != 202 {
                    let text = r.text().await.unwrap_or_default();
                    panic!("operation {i} refused ({status}): {text}");
                }
                let _ = r.bytes().await;
                lat.push(t.elapsed());
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("a load task"));
    }
    all
}

fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let shape = CircuitShape {
        depth: DEPTH,
        l1_slots: 2,
        l2_slots: 4,
    };
    let config = NodeConfig {
        listen: "127.0.0.1:0".parse().expect("an address"),
        data_dir: dir.path().to_path_buf(),
        rpc: "unused: no pipeline runs".into(),
        rollup: DOMAIN.rollup.0.into(),
        keys: KeySource::Dev,
        confirmations: 1,
        fee_account: 0,
        batch_wait: Duration::from_secs(2),
        poll: Duration::from_millis(200),
        pending_limit: zkroll_node::config::DEFAULT_PENDING_LIMIT,
        mempool_capacity: zkroll_node::config::DEFAULT_MEMPOOL_CAPACITY,
        body_limit: zkroll_node::config::DEFAULT_BODY_LIMIT,
        max_in_flight: 2,
        fees: FeePolicy::default(),
    };
    let shared = zkroll_node::open_shared(config, shape, DOMAIN).expect("the node's stores");
    let mut w = Workload::new(11, DOMAIN);
    let t = Instant::now();
    w.populate(&mut shared.state_mut(), ACCOUNTS)
        .expect("deposits");
    eprintln!(
        "load: state of {ACCOUNTS} accounts (depth {DEPTH}) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let rss_before = rss();

    // Nonce-major order: each account's nonces go out in order, far apart.
    let t = Instant::now();
    let ops: Vec<(u32, u32)> = (0..PER_ACCOUNT)
        .flat_map(|nonce| (0..ACCOUNTS as u32).map(move |a| (a, nonce)))
        .collect();
    let bodies: Vec<String> = ops
        .par_iter()
        .map(|&(a, nonce)| {
            let to = (a + 1) % ACCOUNTS as u32;
            let signed = w.transfer(a, to, 1, 0, nonce).expect("our account");
            serde_json::to_string(&signed).expect("JSON")
        })
        .collect();
    eprintln!(
        "load: {} transfers signed in {:.1} s",
        bodies.len(),
        t.elapsed().as_secs_f64()
    );
    let bodies = Arc::new(bodies);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (rate, p50, p99, rest_rate) = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let url = format!("http://{}/ops", listener.local_addr().expect("bound"));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = zkroll_node::serve_api(shared.clone(), listener, async {
            let _ = stop_rx.await;
        })
        .expect("the API serves");
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(CONCURRENCY)
            .build()
            .expect("a client");
        let deadline = Instant::now() + TIME_LIMIT;
        let t = Instant::now();
        let mut lat = send_all(&client, &url, bodies.clone(), 0..MEASURED_OPS, deadline).await;
        let took = t.elapsed();
        lat.sort();
        let t = Instant::now();
        send_all(
            &client,
            &url,
            bodies.clone(),
            MEASURED_OPS..PENDING_TARGET,
            deadline,
        )
        .await;
        let rest = t.elapsed();
        let _ = stop_tx.send(());
        let _ = server.await;
        (
            MEASURED_OPS as f64 / took.as_secs_f64(),
            percentile(&lat, 0.50),
            percentile(&lat, 0.99),
            (PENDING_TARGET - MEASURED_OPS) as f64 / rest.as_secs_f64(),
        )
    });
    let pending = shared.pool().len();
    assert_eq!(
        pending, PENDING_TARGET,
        "every accepted operation is pending"
    );
    drop(bodies);
    zkroll_prover::data_structures::release_free_memory();
    let rss_after = rss();
    let store_bytes =
        std::fs::metadata(dir.path().join(zkroll_node::NODE_FILE)).map_or(0, |m| m.len());
    println!(
        "zkroll node API load, {CONCURRENCY} requests in flight, loopback, generator in-process"
    );
    println!(
        "accepted: {rate:.0} ops/s over the first {MEASURED_OPS} (p50 {:.2} ms, p99 {:.2} ms); {rest_rate:.0} ops/s for the next {}",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        PENDING_TARGET - MEASURED_OPS
    );
    println!(
        "memory: {:.0} MiB resident with {pending} pending ({:.0} MiB before any was sent); node.redb {:.0} MiB",
        mib(rss_after),
        mib(rss_before),
        mib(store_bytes)
    );
}
