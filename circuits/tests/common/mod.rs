//! Shared helpers: synthesis with constraint names, and small batches.

#![allow(dead_code)]

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, OptimizationGoal};
use zkroll_circuits::Fr;
use zkroll_state::batch::BatchWitness;
use zkroll_state::sim::Workload;
use zkroll_state::{BatchConfig, CircuitShape, MemStore, Rollup};

pub const CHAIN: zkroll_state::Domain = zkroll_state::Domain::new(7, [0x5a; 20]);

/// Synthesises `c` and returns `None` if satisfied, else the name (span
/// path) of the first unsatisfied constraint.
pub fn first_unsatisfied<C: ConstraintSynthesizer<Fr>>(c: C) -> Option<String> {
    match zkroll_circuits::first_unsatisfied(c) {
        Ok(name) => name,
        Err(e) => Some(format!("synthesis error: {e}")),
    }
}

/// Number of constraints of `c` (setup mode: no witness values needed).
pub fn count<C: ConstraintSynthesizer<Fr>>(c: C) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(ark_relations::gr1cs::SynthesisMode::Setup);
    c.generate_constraints(cs.clone()).expect("synthesis");
    cs.finalize();
    cs.num_constraints()
}

pub fn config(depth: u8, l1_slots: usize, l2_slots: usize) -> BatchConfig {
    BatchConfig {
        shape: CircuitShape {
            depth,
            l1_slots,
            l2_slots,
        },
        fee_account: 0,
        domain: CHAIN,
    }
}

/// A rollup after one batch creating accounts 0 (fee), 1, 2 (token 0) and
/// 3 (token 1), with the generator holding their keys.
pub fn funded(cfg: &BatchConfig) -> (Rollup<MemStore>, Workload) {
    let mut w = Workload::new(11, CHAIN);
    let mut r = Rollup::open(MemStore::new(), cfg.shape.depth, false).unwrap();
    let ops = [
        w.deposit_new(0, 0),
        w.deposit_new(0, 1_000_000),
        w.deposit_new(0, 2_000_000),
        w.deposit_new(1, 500_000),
    ];
    for chunk in ops.chunks(cfg.shape.l1_slots) {
        r.apply_batch(cfg, chunk, &[]).unwrap();
    }
    (r, w)
}

/// Recomputes the pubdata-derived fields of a hand-edited witness.
pub fn reseal(w: &mut BatchWitness) {
    let mut pd = zkroll_state::pubdata::Pubdata {
        header: w.header(),
        l1: w.l1.iter().map(|s| s.slot).collect(),
        l2: w.l2.iter().map(|s| s.slot).collect(),
    };
    pd.header.new_root = w.new_root;
    w.pubdata = pd.to_bytes();
    w.public_input = zkroll_state::pubdata::public_input(&w.pubdata);
}
