//! Crash-safety test for the redb-backed rollup state.
//!
//! The binary re-executes itself as a child (`--child <db> <seed> <n>`) that
//! opens a [`RedbStore`] and applies deterministic batches until batch `n`.
//! The parent computes the expected root of every batch on a [`MemStore`],
//! then repeatedly spawns the child on one redb file, SIGKILLs it after a
//! random delay, reopens the store with a full integrity check and checks
//! that it holds exactly one of the expected states, never going backwards
//! and never losing a batch whose commit had returned.
//!
//! Batch `k`'s content is a function of `k` alone: the child rebuilds its
//! generator by replaying batches `1..=last_batch` on a shadow [`MemStore`]
//! state (checking each against the stored record) before resuming.
//!
//! Batch 1's first L1 slot creates the fee account (index 0).
//!
//! The last line printed is `crash: N passed, 0 failed`; any failed check
//! panics (non-zero exit) before it.

#[cfg(not(unix))]
fn main() {
    println!("crash: skipped (needs Unix signals)");
}

#[cfg(unix)]
fn main() {
    imp::main();
}

#[cfg(unix)]
mod imp {
    use std::io::{BufRead, BufReader, Read};
    use std::os::unix::process::ExitStatusExt;
    use std::path::Path;
    use std::process::{Child, Command, ExitStatus, Stdio};
    use std::sync::mpsc;
    use std::thread;
    use std::time::{Duration, Instant};

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use zkroll_state::account::{Account, Balance, TokenId};
    use zkroll_state::sim::Workload;
    use zkroll_state::store::Storage;
    use zkroll_state::{
        AccountTree, BatchConfig, CircuitShape, Fr, L1Op, MemStore, QueuedL1Op, RedbStore, Rollup,
        SignedL2Op, StateError,
    };

    /// Tree depth (256 leaves).
    const DEPTH: u8 = 4;
    const L1_SLOTS: usize = 4;
    const L2_SLOTS: usize = 8;
    const CHAIN_ID: zkroll_state::Domain = zkroll_state::Domain::new(7, [0x5a; 20]);
    /// The fee account: the first account the generator creates.
    const FEE_ACCOUNT: u32 = 0;
    const FEE_TOKEN: TokenId = 0;
    const OTHER_TOKEN: TokenId = 1;
    /// No new accounts once this many exist (capacity is 4^DEPTH = 256).
    const MAX_ACCOUNTS: u32 = 160;
    /// Batches the child applies before exiting 0.
    const N: u64 = 64;
    /// Kill rounds at most.
    const ROUNDS: usize = 40;
    /// Seed of the workload (the child gets it on its command line).
    const WORKLOAD_SEED: u64 = 0x5eed_c0de;
    /// Default seed of the parent's kill schedule (`ZKROLL_CRASH_SEED` overrides).
    const SCHEDULE_SEED: u64 = 20_240_611;
    /// How long the parent waits for the child to report it is ready.
    const READY_TIMEOUT: Duration = Duration::from_secs(60);
    /// How long the uninterrupted final run may take.
    const FINISH_TIMEOUT: Duration = Duration::from_secs(300);

    fn config() -> BatchConfig {
        BatchConfig {
            shape: CircuitShape {
                depth: DEPTH,
                l1_slots: L1_SLOTS,
                l2_slots: L2_SLOTS,
            },
            fee_account: FEE_ACCOUNT,
            domain: CHAIN_ID,
        }
    }

    /// One batch's content.
    struct Batch {
        l1: Vec<QueuedL1Op>,
        l2: Vec<SignedL2Op>,
    }

    /// Deterministic batch generator. `next(k, tree)` must be called for
    /// k = 1, 2, ... in order, each with the tree as it was before batch k.
    struct Gen {
        seed: u64,
        work: Workload,
        next_number: u64,
    }

    impl Gen {
        fn new(seed: u64) -> Self {
            Self {
                seed,
                work: Workload::new(seed, CHAIN_ID),
                next_number: 1,
            }
        }

        fn next(&mut self, number: u64, tree: &AccountTree) -> Result<Batch, String> {
            if number != self.next_number {
                return Err(format!(
                    "generator asked for batch {number}, expected {}",
                    self.next_number
                ));
            }
            self.next_number += 1;
            // Structural choices come from a per-batch RNG; keys and
            // transfers from the workload, whose RNG state depends on every
            // earlier batch (hence the replay on resume).
            let mut r =
                StdRng::seed_from_u64(self.seed ^ number.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let l1_first = self.work.next_serial();
            let mut l1 = Vec::new();
            let accounts = self.work.accounts();
            if number == 1 {
                // The fee account, created by the batch that first uses it.
                let q = self.work.deposit_new(FEE_TOKEN, 1_000_000);
                if q.op.idx() != FEE_ACCOUNT || !tree.is_empty() {
                    return Err(format!("genesis: fee account at {}", q.op.idx()));
                }
                l1.push(q);
            }
            let n_new = if (accounts.len() as u32) < MAX_ACCOUNTS {
                r.gen_range(1..=2)
            } else {
                0
            };
            for _ in 0..n_new {
                let token = if r.gen_bool(0.7) {
                    FEE_TOKEN
                } else {
                    OTHER_TOKEN
                };
                let amount: Balance = r.gen_range(1_000..1_000_000);
                l1.push(self.work.deposit_new(token, amount));
            }
            while l1.len() < L1_SLOTS && r.gen_bool(0.5) {
                let pick = r.gen_range(0..accounts.len() + 1);
                let op = match accounts.get(pick) {
                    // A deposit to an existing account (with its token, so it
                    // applies) or, rarely, a forced exit.
                    Some(&idx) => {
                        let token = tree.get(idx).map_or(FEE_TOKEN, |a| a.token);
                        if r.gen_bool(0.1) && idx != FEE_ACCOUNT {
                            L1Op::ForcedExit { idx, token }
                        } else {
                            L1Op::Deposit {
                                idx,
                                token,
                                amount: r.gen_range(1..100_000),
                            }
                        }
                    }
                    // A deposit to an empty index: recorded as failed.
                    None => L1Op::Deposit {
                        idx: 250,
                        token: FEE_TOKEN,
                        amount: 5,
                    },
                };
                l1.push(self.work.queue(op));
            }
            // The L2 slots run after the L1 slots: draw transfers against
            // the tree as the L1 slots leave it.
            let mut post = tree.clone();
            zkroll_state::apply_batch(&mut post, &config(), number, l1_first, &l1, &[])
                .map_err(|e| format!("batch {number}: L1 slots refused: {e}"))?;
            // L2: transfers in the fee token (with fees) and in the other
            // token (without). The other token's accounts are disjoint from
            // the fee token's, so the two lists' nonces do not interact.
            let n_fee = r.gen_range(0..=5);
            let mut l2 = self
                .work
                .random_transfers(&post, n_fee, FEE_TOKEN, FEE_TOKEN);
            let n_other = L2_SLOTS - l2.len();
            let n_other = r.gen_range(0..=n_other.min(3));
            l2.extend(
                self.work
                    .random_transfers(&post, n_other, OTHER_TOKEN, FEE_TOKEN),
            );
            Ok(Batch { l1, l2 })
        }
    }

    fn apply<S: Storage>(rollup: &mut Rollup<S>, batch: &Batch) -> Result<(), StateError> {
        rollup
            .apply_batch(&config(), &batch.l1, &batch.l2)
            .map(|_| ())
    }

    /// The state after each batch 0..=n, computed on a MemStore.
    struct Expected {
        roots: Vec<Fr>,
        l1_next: Vec<u64>,
        accounts: usize,
        l1_ops: u64,
        l2_ops: usize,
        /// Mean time per batch on the MemStore (no I/O).
        batch_time: Duration,
    }

    fn expected(seed: u64, n: u64) -> Expected {
        let t0 = Instant::now();
        let mut rollup = Rollup::open(MemStore::new(), DEPTH, false).expect("open MemStore");
        let mut gen = Gen::new(seed);
        let mut roots = vec![rollup.root()];
        let mut l1_next = vec![rollup.l1_next()];
        let mut l2_ops = 0;
        for k in 1..=n {
            let batch = gen.next(k, rollup.tree()).expect("generate batch");
            l2_ops += batch.l2.len();
            if let Err(e) = apply(&mut rollup, &batch) {
                panic!("expected run: batch {k} refused: {e}");
            }
            assert_eq!(rollup.last_batch(), k);
            roots.push(rollup.root());
            l1_next.push(rollup.l1_next());
        }
        assert!(
            rollup
                .account(FEE_ACCOUNT)
                .is_some_and(|a| a.token == FEE_TOKEN),
            "expected run: no fee account"
        );
        assert!(l2_ops > 0, "expected run: no L2 operations generated");
        for (i, r) in roots.iter().enumerate() {
            if let Some(j) = roots[..i].iter().position(|q| q == r) {
                panic!("expected roots of batches {j} and {i} coincide: the check would be weak");
            }
        }
        Expected {
            roots,
            l1_next,
            accounts: rollup.tree().len(),
            l1_ops: rollup.l1_next(),
            l2_ops,
            batch_time: t0.elapsed() / n.max(1) as u32,
        }
    }

    // ---------------------------------------------------------------- child

    fn child(path: &Path, seed: u64, n: u64) -> Result<(), String> {
        let store = RedbStore::open(path).map_err(|e| format!("open store: {e}"))?;
        let mut rollup =
            Rollup::open(store, DEPTH, false).map_err(|e| format!("open rollup: {e}"))?;
        let start = rollup.last_batch();
        if start > n {
            return Err(format!("store is at batch {start}, beyond {n}"));
        }
        // Rebuild the generator: replay batches 1..=start on a shadow state.
        let mut gen = Gen::new(seed);
        let mut shadow =
            Rollup::open(MemStore::new(), DEPTH, false).map_err(|e| format!("open shadow: {e}"))?;
        for k in 1..=start {
            let batch = gen.next(k, shadow.tree())?;
            apply(&mut shadow, &batch).map_err(|e| format!("shadow batch {k}: {e}"))?;
            let rec = rollup
                .batch_record(k)
                .map_err(|e| format!("read record {k}: {e}"))?
                .ok_or(format!("store has no record for batch {k}"))?;
            if rec.new_root != shadow.root() || rec.l1_next_after != shadow.l1_next() {
                return Err(format!("stored batch {k} differs from the regenerated one"));
            }
        }
        if shadow.root() != rollup.root() || shadow.l1_next() != rollup.l1_next() {
            return Err(format!(
                "state at batch {start} differs from the regenerated one"
            ));
        }
        drop(shadow);
        println!("ready {start}");
        while rollup.last_batch() < n {
            let k = rollup.last_batch() + 1;
            let batch = gen.next(k, rollup.tree())?;
            println!("begin {k}");
            apply(&mut rollup, &batch).map_err(|e| format!("batch {k}: {e}"))?;
            println!("committed {k}");
        }
        println!("done {}", rollup.last_batch());
        Ok(())
    }

    fn child_main(args: &[String]) -> ! {
        let parsed = match args {
            [path, seed, n] => seed
                .parse::<u64>()
                .ok()
                .zip(n.parse::<u64>().ok())
                .map(|(s, n)| (path, s, n)),
            _ => None,
        };
        let Some((path, seed, n)) = parsed else {
            eprintln!("child: usage: --child <db> <seed> <n>");
            std::process::exit(2);
        };
        match child(Path::new(path), seed, n) {
            Ok(()) => std::process::exit(0),
            Err(e) => {
                eprintln!("child error: {e}");
                std::process::exit(1);
            }
        }
    }

    // --------------------------------------------------------------- parent

    /// What the child printed, read on a thread so the pipe never fills.
    fn spawn_reader(
        out: impl Read + Send + 'static,
    ) -> (mpsc::Receiver<(Instant, String)>, thread::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel();
        let h = thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send((Instant::now(), line)).is_err() {
                    break;
                }
            }
        });
        (rx, h)
    }

    #[derive(Default, Debug)]
    struct Seen {
        ready: Option<u64>,
        begun: Option<u64>,
        committed: Option<u64>,
        done: Option<u64>,
        /// When each `committed` line arrived.
        commit_times: Vec<Instant>,
    }

    impl Seen {
        fn note(&mut self, (at, line): &(Instant, String)) {
            let mut it = line.split_whitespace();
            let (Some(tag), Some(Ok(k))) = (it.next(), it.next().map(str::parse::<u64>)) else {
                return;
            };
            match tag {
                "ready" => self.ready = Some(k),
                "begin" => self.begun = Some(k),
                "committed" => {
                    self.committed = Some(k);
                    self.commit_times.push(*at);
                }
                "done" => self.done = Some(k),
                _ => {}
            }
        }
    }

    enum Outcome {
        /// We killed it (SIGKILL).
        Killed,
        /// It exited 0 by itself.
        Finished,
    }

    /// The state found in the store after a round.
    struct Found {
        batch: u64,
    }

    /// Reopens the store with a full check and verifies it against the
    /// expected states. Drops the handle before returning.
    fn check_store(path: &Path, exp: &Expected) -> Result<Found, String> {
        let store = RedbStore::open(path).map_err(|e| format!("reopen store: {e}"))?;
        let rollup = Rollup::open(store, DEPTH, true).map_err(|e| format!("reopen rollup: {e}"))?;
        let k = rollup.last_batch();
        let n = exp.roots.len() as u64 - 1;
        if k > n {
            return Err(format!("store at batch {k}, beyond the last batch {n}"));
        }
        if rollup.root() != exp.roots[k as usize] {
            return Err(format!(
                "store at batch {k} has a root other than batch {k}'s"
            ));
        }
        if rollup.l1_next() != exp.l1_next[k as usize] {
            return Err(format!(
                "store at batch {k}: l1_next {} (expected {})",
                rollup.l1_next(),
                exp.l1_next[k as usize]
            ));
        }
        let leaves: Vec<(u64, Account)> = rollup.tree().leaves().map(|(i, a)| (i, *a)).collect();
        let fresh =
            AccountTree::from_leaves(DEPTH, leaves).map_err(|e| format!("from_leaves: {e}"))?;
        if fresh.root() != rollup.root() {
            return Err(format!(
                "store at batch {k}: leaves do not hash to the root"
            ));
        }
        if !rollup.tree().check_integrity() {
            return Err(format!("store at batch {k}: nodes do not match the leaves"));
        }
        for j in 1..=k {
            let rec = rollup
                .batch_record(j)
                .map_err(|e| format!("read record {j}: {e}"))?
                .ok_or(format!("store at batch {k} lacks the record of batch {j}"))?;
            if rec.number != j
                || rec.old_root != exp.roots[j as usize - 1]
                || rec.new_root != exp.roots[j as usize]
            {
                return Err(format!("store at batch {k}: record {j} is wrong"));
            }
        }
        match rollup.batch_record(k + 1) {
            Ok(None) => {}
            Ok(Some(_)) => return Err(format!("store at batch {k} holds a record for {}", k + 1)),
            Err(e) => return Err(format!("read record {}: {e}", k + 1)),
        }
        Ok(Found { batch: k })
    }

    fn spawn_child(path: &Path, n: u64) -> Child {
        let exe = std::env::current_exe().expect("current_exe");
        Command::new(exe)
            .arg("--child")
            .arg(path)
            .arg(WORKLOAD_SEED.to_string())
            .arg(n.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn child")
    }

    /// Kills `child` unless it already exited; tells which happened.
    fn stop(child: &mut Child) -> Result<(Outcome, ExitStatus), String> {
        // kill() on an exited (unreaped) child is harmless; the status says
        // whether our SIGKILL ended it.
        let _ = child.kill();
        let status = child.wait().map_err(|e| format!("wait child: {e}"))?;
        classify(status).map(|o| (o, status))
    }

    fn classify(status: ExitStatus) -> Result<Outcome, String> {
        if status.signal() == Some(9) {
            Ok(Outcome::Killed)
        } else if status.success() {
            Ok(Outcome::Finished)
        } else {
            Err(format!("child failed on its own: {status}"))
        }
    }

    #[derive(Default)]
    struct Stats {
        rounds: usize,
        early_kills: usize,
        mid_run_kills: usize,
        in_flight_kills: usize,
        in_flight_persisted: usize,
        idle_kills: usize,
        finished: usize,
        resumed_at: Vec<u64>,
        /// Observed times between consecutive commits of one child.
        intervals: Vec<Duration>,
    }

    impl Stats {
        /// Median time per batch seen so far, or `prior` before enough data.
        fn batch_time(&self, prior: Duration) -> Duration {
            if self.intervals.len() < 5 {
                return prior;
            }
            let mut v = self.intervals.clone();
            v.sort_unstable();
            v[v.len() / 2]
        }
    }

    /// One round: spawn, maybe wait for ready, sleep, kill, check.
    fn round(
        i: usize,
        path: &Path,
        exp: &Expected,
        batch_time: Duration,
        rng: &mut StdRng,
        prev: u64,
        stats: &mut Stats,
    ) -> Result<u64, String> {
        let n = exp.roots.len() as u64 - 1;
        let mut child = spawn_child(path, n);
        let (rx, out_h) = spawn_reader(child.stdout.take().expect("piped stdout"));
        let mut err_pipe = child.stderr.take().expect("piped stderr");
        let err_h = thread::spawn(move || {
            let mut s = String::new();
            let _ = err_pipe.read_to_string(&mut s);
            s
        });
        let mut seen = Seen::default();
        // One round in six kills during startup (redb open/repair, replay);
        // the others wait until the child is applying batches.
        let early = rng.gen_ratio(1, 6);
        let mut timed_out = false;
        let delay = if early {
            Duration::from_micros(rng.gen_range(0..40_000))
        } else {
            let deadline = Instant::now() + READY_TIMEOUT;
            while seen.ready.is_none() {
                let left = deadline.saturating_duration_since(Instant::now());
                match rx.recv_timeout(left) {
                    Ok(line) => seen.note(&line),
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        timed_out = true;
                        break;
                    }
                    // The child exited: `stop` below tells how.
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            // In units of the observed batch time, so that the number of
            // rounds before batch N does not depend on the machine's speed:
            // mostly within the next two batches, sometimes longer runs.
            let batches = match rng.gen_range(0..20) {
                0..=9 => rng.gen_range(0.1..2.0),
                10..=16 => rng.gen_range(2.0..5.0),
                _ => rng.gen_range(5.0..10.0),
            };
            batch_time.mul_f64(batches)
        };
        thread::sleep(delay);
        let stopped = stop(&mut child);
        let _ = out_h.join();
        for line in rx.try_iter() {
            seen.note(&line);
        }
        stats.intervals.extend(
            seen.commit_times
                .windows(2)
                .map(|w| w[1].saturating_duration_since(w[0])),
        );
        let stderr = err_h.join().unwrap_or_default();
        let (outcome, status) = stopped.map_err(|e| format!("{e}; stderr: {stderr}"))?;
        if timed_out {
            return Err(format!(
                "child not ready after {READY_TIMEOUT:?}; stderr: {stderr}"
            ));
        }
        let found = check_store(path, exp).map_err(|e| format!("{e}; child stderr: {stderr}"))?;
        let k = found.batch;
        // Progress is monotone across rounds.
        if k < prev {
            return Err(format!("store went back from batch {prev} to {k}"));
        }
        // A batch whose commit returned is never lost.
        if let Some(c) = seen.committed {
            if k < c {
                return Err(format!("child committed batch {c} but the store is at {k}"));
            }
        }
        // No batch the child did not start.
        let started = seen.begun.or(seen.ready).unwrap_or(prev);
        if k > started.max(prev) {
            return Err(format!(
                "store at batch {k}, the child only began {started}"
            ));
        }
        if let Some(r) = seen.ready {
            if r != prev {
                return Err(format!("child resumed at {r}, the store was at {prev}"));
            }
            stats.resumed_at.push(r);
        }
        let what = match outcome {
            Outcome::Finished => {
                if seen.done != Some(n) || k != n {
                    return Err(format!(
                        "child exited 0 without finishing (done {:?}, store at {k}); stderr: {stderr}",
                        seen.done
                    ));
                }
                stats.finished += 1;
                "finished".to_string()
            }
            Outcome::Killed => {
                let in_flight =
                    matches!((seen.begun, seen.committed), (Some(b), c) if c != Some(b));
                if early && seen.ready.is_none() {
                    stats.early_kills += 1;
                }
                if k > prev && k < n {
                    stats.mid_run_kills += 1;
                }
                if in_flight {
                    stats.in_flight_kills += 1;
                    if seen.begun == Some(k) {
                        stats.in_flight_persisted += 1;
                    }
                } else {
                    stats.idle_kills += 1;
                }
                format!(
                    "killed{}{}",
                    if seen.ready.is_none() {
                        " before ready"
                    } else {
                        ""
                    },
                    if in_flight {
                        format!(" in batch {}", seen.begun.unwrap_or(0))
                    } else {
                        String::new()
                    }
                )
            }
        };
        println!(
            "round {i:2}: {:>6.1} ms{}, {status}, {what}; store {prev} -> {k} ok",
            delay.as_secs_f64() * 1e3,
            if early {
                " after spawn"
            } else {
                " after ready"
            },
        );
        stats.rounds += 1;
        Ok(k)
    }

    fn parent() {
        let t0 = Instant::now();
        let schedule_seed = std::env::var("ZKROLL_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(SCHEDULE_SEED);
        let exp = expected(WORKLOAD_SEED, N);
        println!(
            "expected: {N} batches, {} accounts, {} L1 ops, {} L2 ops ({:.2} s)",
            exp.accounts,
            exp.l1_ops,
            exp.l2_ops,
            t0.elapsed().as_secs_f64()
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("crash.redb");
        let mut rng = StdRng::seed_from_u64(schedule_seed);
        let mut stats = Stats::default();
        let mut at = 0;
        for i in 0..ROUNDS {
            let bt = stats.batch_time(exp.batch_time);
            match round(i, &path, &exp, bt, &mut rng, at, &mut stats) {
                Ok(k) => at = k,
                Err(e) => fail(i, &e),
            }
            if at == N {
                break;
            }
        }
        // If the kills left work undone, let one child finish uninterrupted.
        if at < N {
            let i = stats.rounds;
            if let Err(e) = finish(&path, &exp, at, &mut stats) {
                fail(i, &e);
            }
        }
        let checked = stats.rounds;
        println!(
            "summary: {checked} rounds checked in {:.1} s (schedule seed {schedule_seed}): \
             {} killed mid-run after progress, {} killed with a batch in flight \
             ({} of those had already persisted it), {} killed between batches, \
             {} killed during startup, {} ran to batch {N}; median batch time {:.1} ms; \
             resumed at {:?}",
            t0.elapsed().as_secs_f64(),
            stats.mid_run_kills,
            stats.in_flight_kills,
            stats.in_flight_persisted,
            stats.idle_kills,
            stats.early_kills,
            stats.finished,
            stats.batch_time(exp.batch_time).as_secs_f64() * 1e3,
            stats.resumed_at,
        );
        if stats.mid_run_kills < 3 {
            fail(
                checked,
                &format!(
                    "only {} rounds killed the child mid-run: the test exercised too little",
                    stats.mid_run_kills
                ),
            );
        }
        if stats.in_flight_kills == 0 {
            fail(checked, "no kill landed while a batch was in flight");
        }
        drop(dir);
        println!("crash: {checked} passed, 0 failed");
    }

    /// Runs the child to the end without killing it.
    fn finish(path: &Path, exp: &Expected, prev: u64, stats: &mut Stats) -> Result<(), String> {
        let n = exp.roots.len() as u64 - 1;
        let mut child = spawn_child(path, n);
        let (rx, out_h) = spawn_reader(child.stdout.take().expect("piped stdout"));
        let mut err_pipe = child.stderr.take().expect("piped stderr");
        let err_h = thread::spawn(move || {
            let mut s = String::new();
            let _ = err_pipe.read_to_string(&mut s);
            s
        });
        let deadline = Instant::now() + FINISH_TIMEOUT;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("final run still going after {FINISH_TIMEOUT:?}"));
                }
                Err(e) => return Err(format!("wait child: {e}")),
            }
        };
        let stderr = err_h.join().unwrap_or_default();
        let _ = out_h.join();
        let mut seen = Seen::default();
        for line in rx.try_iter() {
            seen.note(&line);
        }
        if !status.success() || seen.done != Some(n) || seen.ready != Some(prev) {
            return Err(format!(
                "final run: {status}, ready {:?}, done {:?}; stderr: {stderr}",
                seen.ready, seen.done
            ));
        }
        let found = check_store(path, exp)?;
        if found.batch != n {
            return Err(format!("final run ended at batch {}", found.batch));
        }
        println!("round {:2}: final run {prev} -> {n} ok", stats.rounds);
        stats.finished += 1;
        stats.rounds += 1;
        Ok(())
    }

    fn fail(round: usize, why: &str) -> ! {
        println!("round {round}: FAILED: {why}");
        eprintln!("crash: round {round} failed: {why}");
        std::process::exit(1);
    }

    pub fn main() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        if args.first().map(String::as_str) == Some("--child") {
            child_main(&args[1..]);
        }
        parent();
    }
}
