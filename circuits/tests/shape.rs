//! Shape independence: the R1CS of the batch circuit depends only on the
//! shape (depth, L1 slots, L2 slots), never on the witness. For several
//! shapes, the A, B, C matrices (ark-relations' `to_matrices`, after
//! `finalize`, as the prover's key generation builds them) of
//! `BatchCircuit::blank` synthesised in setup mode equal those of real
//! batches of the same shape synthesised in prove mode, as do the numbers of
//! instance and witness variables and of constraints. A witness-dependent
//! branch in the circuit would make a real proof fail against the key.

mod common;

use std::collections::BTreeMap;

use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisMode,
};
use common::*;
use zkroll_circuits::{BatchCircuit, Fr};
use zkroll_state::batch::BatchWitness;
use zkroll_state::L1Op;

/// What a synthesis fixes: the matrices per predicate and the sizes.
#[derive(PartialEq)]
struct R1cs {
    matrices: BTreeMap<String, Vec<Matrix<Fr>>>,
    num_instance: usize,
    num_witness: usize,
    num_constraints: usize,
}

fn synthesize(c: BatchCircuit, mode: SynthesisMode) -> R1cs {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(mode);
    c.generate_constraints(cs.clone()).expect("synthesis");
    cs.finalize();
    if mode != SynthesisMode::Setup {
        assert!(cs.is_satisfied().unwrap(), "the real batch satisfies");
    }
    R1cs {
        matrices: cs
            .to_matrices()
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        num_instance: cs.num_instance_variables(),
        num_witness: cs.num_witness_variables(),
        num_constraints: cs.num_constraints(),
    }
}

/// A readable description of the first difference.
fn diff(a: &R1cs, b: &R1cs) -> String {
    let sizes = |r: &R1cs| (r.num_instance, r.num_witness, r.num_constraints);
    if sizes(a) != sizes(b) {
        return format!(
            "(instance, witness, constraints) {:?} vs {:?}",
            sizes(a),
            sizes(b)
        );
    }
    if a.matrices.keys().ne(b.matrices.keys()) {
        let keys = |r: &R1cs| r.matrices.keys().cloned().collect::<Vec<_>>();
        return format!("predicates {:?} vs {:?}", keys(a), keys(b));
    }
    for (label, ma) in &a.matrices {
        let mb = &b.matrices[label];
        if ma.len() != mb.len() {
            return format!("{label}: {} vs {} matrices", ma.len(), mb.len());
        }
        for (m, (x, y)) in ma.iter().zip(mb).enumerate() {
            if x.len() != y.len() {
                return format!("{label} matrix {m}: {} vs {} rows", x.len(), y.len());
            }
            if let Some(row) = (0..x.len()).find(|&i| x[i] != y[i]) {
                return format!("{label} matrix {m} row {row} differs");
            }
        }
    }
    "no difference".into()
}

/// Real batches of a shape: one filling every slot (Deposits, transfers
/// with fees), one with no operations at all.
fn real_batches(depth: u8, l1_slots: usize, l2_slots: usize) -> Vec<BatchWitness> {
    let cfg = config(depth, l1_slots, l2_slots);
    let (mut r, mut k) = funded(&cfg);
    let l1: Vec<_> = (0..l1_slots)
        .map(|i| {
            k.queue(L1Op::Deposit {
                idx: 1 + i as u32 % 3,
                token: 0,
                amount: 7,
            })
        })
        .collect();
    let l2: Vec<_> = (0..l2_slots as u32)
        .map(|j| k.transfer(1, 2, 10 + u128::from(j), 1, j).unwrap())
        .collect();
    let full = r.apply_batch(&cfg, &l1, &l2).unwrap();
    let empty = r.apply_batch(&cfg, &[], &[]).unwrap();
    vec![full, empty]
}

#[test]
fn setup_and_prove_synthesise_the_same_r1cs() {
    let prove = SynthesisMode::Prove {
        construct_matrices: true,
        generate_lc_assignments: false,
    };
    let mut failures = Vec::new();
    for (depth, l1, l2) in [(2u8, 1usize, 1usize), (2, 2, 2), (2, 1, 3), (4, 2, 1)] {
        let setup = synthesize(
            BatchCircuit::blank(&config(depth, l1, l2)),
            SynthesisMode::Setup,
        );
        assert!(setup.num_constraints > 0);
        for (i, w) in real_batches(depth, l1, l2).into_iter().enumerate() {
            let real = synthesize(BatchCircuit::new(w), prove);
            if real != setup {
                let d = diff(&setup, &real);
                failures.push(format!("shape ({depth}, {l1}, {l2}) batch {i}: {d}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Different shapes do give different systems (the comparison can fail).
#[test]
fn different_shapes_differ() {
    let a = synthesize(BatchCircuit::blank(&config(2, 1, 1)), SynthesisMode::Setup);
    let b = synthesize(BatchCircuit::blank(&config(2, 1, 2)), SynthesisMode::Setup);
    assert!(a != b, "{}", diff(&a, &b));
    assert_ne!(diff(&a, &b), "no difference");
}
