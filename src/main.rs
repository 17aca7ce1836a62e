//! The `zkroll` command line: glue over the library, no protocol logic.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use zkroll::state::pubdata::L1Status;
use zkroll::state::sim::Workload;
use zkroll::state::{BatchConfig, CircuitShape, OpType, RedbStore, Rollup};

#[derive(Parser)]
#[command(name = "zkroll", version, about = "zk-rollup toolkit on BN254")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run an operator end to end on a temporary state: deposits, transfers,
    /// a withdrawal, several batches; print per-batch figures.
    Demo {
        /// Write the last batch's pubdata.hex and witness.json here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Number of transfer batches after the deposits.
        #[arg(long, default_value_t = 4)]
        batches: usize,
        /// Machine-readable output (one JSON object per batch).
        #[arg(long)]
        json: bool,
    },
    /// Create an empty state store.
    Init {
        /// Path of the redb state file to create.
        #[arg(long)]
        state: PathBuf,
        /// Tree depth (4^depth accounts).
        #[arg(long, default_value_t = zkroll::state::tree::DEFAULT_DEPTH)]
        depth: u8,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Demo { out, batches, json } => demo(out, batches, json),
        Command::Init { state, depth } => {
            if state.exists() {
                anyhow::bail!("{} already exists", state.display());
            }
            let store =
                RedbStore::open(&state).with_context(|| format!("creating {}", state.display()))?;
            let r = Rollup::open(store, depth, false)?;
            println!(
                "initialised {} (depth {depth}, empty root {})",
                state.display(),
                zkroll::state::field::fr_to_decimal(&r.root())
            );
            Ok(())
        }
    }
}

fn demo(out: Option<PathBuf>, batches: usize, json: bool) -> Result<()> {
    const CHAIN: u32 = 1;
    let shape = CircuitShape {
        depth: 16,
        l1_slots: 4,
        l2_slots: 8,
    };
    let config = BatchConfig {
        shape,
        fee_account: 0,
        chain_id: CHAIN,
    };
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("state.redb");
    let mut rollup = Rollup::open(RedbStore::open(&path)?, shape.depth, false)?;
    let mut w = Workload::new(42, CHAIN);
    if !json {
        println!(
            "zkroll demo: depth {} ({} accounts), {} L1 + {} L2 slots, state in {}",
            shape.depth,
            1u64 << (2 * shape.depth as u32),
            shape.l1_slots,
            shape.l2_slots,
            path.display()
        );
        println!("(native state machine only: proving arrives with the circuit crate)");
    }
    let mut plan: Vec<(Vec<_>, Vec<_>)> = vec![
        (
            vec![
                w.deposit_new(0, 0),
                w.deposit_new(0, 1_000_000),
                w.deposit_new(0, 2_000_000),
                w.deposit_new(0, 500_000),
            ],
            vec![],
        ),
        (vec![w.deposit_new(0, 750_000)], vec![]),
    ];
    let mut last = None;
    for b in 0..plan.len() + batches + 1 {
        let (l1, l2) = if b < plan.len() {
            std::mem::take(&mut plan[b])
        } else if b < plan.len() + batches {
            let ops = w.random_transfers(rollup.tree(), shape.l2_slots, 0, 0);
            (vec![], ops)
        } else {
            let from = 2;
            let a = *rollup.account(from).context("account 2 exists")?;
            let op = w
                .withdraw(from, a.balance / 4, 1, a.nonce)
                .context("demo holds account 2's key")?;
            (vec![], vec![op])
        };
        let t = Instant::now();
        let wit = rollup.apply_batch(&config, &l1, &l2)?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let count = |k: OpType| wit.l2.iter().filter(|s| s.slot.op_type == k).count();
        let failed = wit
            .l1
            .iter()
            .filter(|s| s.slot.status == L1Status::Failed)
            .count();
        let root = zkroll::state::field::fr_to_decimal(&wit.new_root);
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "batch": wit.batch_number,
                    "l1_ops": l1.len(),
                    "l1_failed": failed,
                    "transfers": count(OpType::Transfer),
                    "withdrawals": count(OpType::Withdraw),
                    "apply_commit_ms": ms,
                    "new_root": root,
                    "public_input": zkroll::state::field::fr_to_decimal(&wit.public_input),
                })
            );
        } else {
            println!(
                "batch {:>2}: {} L1 ops ({} failed), {} transfers, {} withdrawals; applied + committed in {:.1} ms; root {}…",
                wit.batch_number,
                l1.len(),
                failed,
                count(OpType::Transfer),
                count(OpType::Withdraw),
                ms,
                &root[..16.min(root.len())]
            );
        }
        last = Some(wit);
    }
    // Data availability: a fresh node rebuilds the same root from pubdata alone.
    let mut node = Rollup::open(zkroll::state::MemStore::new(), shape.depth, false)?;
    for n in 1..=rollup.last_batch() {
        let rec = rollup
            .batch_record(n)?
            .with_context(|| format!("record of batch {n}"))?;
        node.replay(&shape, &rec.pubdata)?;
    }
    anyhow::ensure!(
        node.root() == rollup.root(),
        "rebuild from pubdata diverged"
    );
    if !json {
        println!(
            "rebuilt {} batches from pubdata alone: same root",
            rollup.last_batch()
        );
    }
    if let (Some(dir), Some(wit)) = (out, last) {
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("pubdata.hex"), hex::encode(&wit.pubdata))?;
        std::fs::write(
            dir.join("witness.json"),
            serde_json::to_string_pretty(&wit)?,
        )?;
        if !json {
            println!("wrote {}/pubdata.hex and witness.json", dir.display());
        }
    }
    Ok(())
}
