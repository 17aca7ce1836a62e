//! The state-store commands of the CLI (`init`, `prove`, `status`,
//! `revert`): parsing and printing around `zkroll::batch_job` and
//! `zkroll::state`.

use std::path::Path;

use anyhow::{bail, Context, Result};
use zkroll::state::field::fr_to_decimal;
use zkroll::state::{RedbStore, Rollup, Storage};

pub fn init(state: &Path, depth: u8) -> Result<()> {
    if state.exists() {
        bail!("{} already exists", state.display());
    }
    let store = RedbStore::open(state).with_context(|| format!("creating {}", state.display()))?;
    let r = Rollup::open(store, depth, false)?;
    println!(
        "initialised {} (depth {depth}, empty root {})",
        state.display(),
        fr_to_decimal(&r.root())
    );
    Ok(())
}

pub fn prove_cmd(
    keys: &Path,
    state: &Path,
    ops: &Path,
    out: &Path,
    wtns_out: Option<&Path>,
    json: bool,
) -> Result<()> {
    let pb = std::cell::RefCell::new(None);
    let res = zkroll::batch_job::prove_ops_file(keys, state, ops, out, || {
        *pb.borrow_mut() = Some(crate::spinner("loading keys and proving"));
    });
    if let Some(pb) = pb.into_inner() {
        pb.finish_and_clear();
    }
    let done = res?;
    let (w, p) = (&done.witness, &done.proof);
    if let Some(dir) = wtns_out {
        let path = zkroll::batch_job::write_witness(dir, w)?;
        eprintln!("wrote the batch's witness to {}", path.display());
    }
    if let Some((batch, stage)) = done.replaced {
        eprintln!(
            "batch {batch} had stopped at stage {stage} (its files were never written): \
             reverted it, and applied {} as batch {}",
            ops.display(),
            w.batch_number
        );
    }
    if json {
        println!(
            "{}",
            serde_json::json!({
                "batch": w.batch_number,
                "constraints": done.constraints,
                "witness_ms": p.witness_time.as_secs_f64() * 1e3,
                "prove_ms": p.prove_time.as_secs_f64() * 1e3,
                "public_input": fr_to_decimal(&w.public_input),
                "new_root": fr_to_decimal(&w.new_root),
                "out": out.display().to_string(),
                "replaced_unfinished": done.replaced.map(|(batch, _)| batch),
            })
        );
    } else {
        println!(
            "batch {} proved: {} constraints, witness {:.2} s, prove {:.2} s; wrote {}/proof.json, public.json, pubdata.hex",
            w.batch_number,
            done.constraints,
            p.witness_time.as_secs_f64(),
            p.prove_time.as_secs_f64(),
            out.display()
        );
    }
    Ok(())
}

fn open(state: &Path) -> Result<Rollup<RedbStore>> {
    let store = RedbStore::open_existing(state)?;
    let depth = store
        .load()?
        .meta
        .context("the store holds no state")?
        .depth;
    Ok(Rollup::open(store, depth, false)?)
}

pub fn status_cmd(state: &Path, json: bool) -> Result<()> {
    let rollup = open(state)?;
    let last = rollup.last_batch();
    let stage = rollup.batch_stage(last)?;
    let unfinished = rollup.unfinished_batch()?.is_some();
    if json {
        println!(
            "{}",
            serde_json::json!({
                "last_batch": last,
                "stage": stage.map(|s| s.name()),
                "unfinished": unfinished,
                "root": fr_to_decimal(&rollup.root()),
                "l1_next": rollup.l1_next(),
            })
        );
    } else {
        let stage = match (last, stage) {
            (0, _) => "genesis".to_string(),
            (_, Some(s)) => s.to_string(),
            (_, None) => "not recorded".to_string(),
        };
        println!(
            "{}: batch {last} ({stage}), root {}, next L1 serial {}",
            state.display(),
            fr_to_decimal(&rollup.root()),
            rollup.l1_next()
        );
        if unfinished {
            println!(
                "batch {last} is unfinished: the next `zkroll prove` reverts it first \
                 (or run `zkroll revert --state {} --to {}`)",
                state.display(),
                last - 1
            );
        }
    }
    Ok(())
}

pub fn revert_cmd(state: &Path, to: u64) -> Result<()> {
    let mut rollup = open(state)?;
    let from = rollup.last_batch();
    rollup.revert_to(to)?;
    println!(
        "{}: reverted from batch {from} to batch {to} (root {})",
        state.display(),
        fr_to_decimal(&rollup.root())
    );
    Ok(())
}
