//! The child: applies batches on the redb store until it is killed.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use zkroll_state::{MemStore, RedbStore, Rollup};

use super::workload::*;

pub(crate) fn child(path: &Path, seed: u64, n: u64) -> Result<(), String> {
    let store = RedbStore::open(path).map_err(|e| format!("open store: {e}"))?;
    let mut rollup = Rollup::open(store, DEPTH, false).map_err(|e| format!("open rollup: {e}"))?;
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

pub(crate) fn child_main(args: &[String]) -> ! {
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
pub(crate) fn spawn_reader(
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
