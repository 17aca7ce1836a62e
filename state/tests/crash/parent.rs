//! The parent: spawns, kills and restarts the child, checking the store
//! after each kill.

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use zkroll_state::account::Account;
use zkroll_state::{AccountTree, RedbStore, Rollup};

use super::child::*;
use super::workload::*;

#[derive(Default, Debug)]
pub(crate) struct Seen {
    ready: Option<u64>,
    begun: Option<u64>,
    committed: Option<u64>,
    done: Option<u64>,
    /// When each `committed` line arrived.
    commit_times: Vec<Instant>,
}

impl Seen {
    pub(crate) fn note(&mut self, (at, line): &(Instant, String)) {
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

pub(crate) enum Outcome {
    /// We killed it (SIGKILL).
    Killed,
    /// It exited 0 by itself.
    Finished,
}

/// The state found in the store after a round.
pub(crate) struct Found {
    batch: u64,
}

/// Reopens the store with a full check and verifies it against the
/// expected states. Drops the handle before returning.
pub(crate) fn check_store(path: &Path, exp: &Expected) -> Result<Found, String> {
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
    let fresh = AccountTree::from_leaves(DEPTH, leaves).map_err(|e| format!("from_leaves: {e}"))?;
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

pub(crate) fn spawn_child(path: &Path, n: u64) -> Child {
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
pub(crate) fn stop(child: &mut Child) -> Result<(Outcome, ExitStatus), String> {
    // kill() on an exited (unreaped) child is harmless; the status says
    // whether our SIGKILL ended it.
    let _ = child.kill();
    let status = child.wait().map_err(|e| format!("wait child: {e}"))?;
    classify(status).map(|o| (o, status))
}

pub(crate) fn classify(status: ExitStatus) -> Result<Outcome, String> {
    if status.signal() == Some(9) {
        Ok(Outcome::Killed)
    } else if status.success() {
        Ok(Outcome::Finished)
    } else {
        Err(format!("child failed on its own: {status}"))
    }
}

#[derive(Default)]
pub(crate) struct Stats {
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
    pub(crate) fn batch_time(&self, prior: Duration) -> Duration {
        if self.intervals.len() < 5 {
            return prior;
        }
        let mut v = self.intervals.clone();
        v.sort_unstable();
        v[v.len() / 2]
    }
}

/// One round: spawn, maybe wait for ready, sleep, kill, check.
pub(crate) fn round(
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
            let in_flight = matches!((seen.begun, seen.committed), (Some(b), c) if c != Some(b));
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

pub(crate) fn parent() {
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
pub(crate) fn finish(
    path: &Path,
    exp: &Expected,
    prev: u64,
    stats: &mut Stats,
) -> Result<(), String> {
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

pub(crate) fn fail(round: usize, why: &str) -> ! {
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
