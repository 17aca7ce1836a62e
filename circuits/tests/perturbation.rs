//! Witness perturbation: every witness variable of a real batch matters.
//!
//! Three real depth-2 batches (2 L1 + 2 L2 slots) are synthesised in prove
//! mode: `mixed` (a ForcedExit and a failed Deposit in the L1 slots, a
//! transfer and a withdrawal in the L2 slots, as `mixed_batch` in
//! tests/batch.rs), `first` (two DepositNews into empty leaves, so key
//! decompression runs on real keys, and two Noop L2 slots, so signature
//! verification is switched off) and `failed key` (a DepositNew whose key
//! does not decompress, so the non-residue branch runs, a Noop L1 slot, a
//! transfer and a Noop L2 slot). From the finalised R1CS matrices A, B, C
//! and the full assignment z = (1, instance, witness), every variable but
//! the constant is changed alone, by +1 and by a random nonzero field
//! element, and the system must become unsatisfied. This is incremental:
//! A·z, B·z, C·z are computed once and, per variable, only the rows of its
//! column are re-evaluated with the delta, so a sweep costs a few passes
//! over the nonzeros (about 1.4M), not constraints x variables.
//!
//! Survivors (variables whose change keeps every row satisfied) are named
//! by the `gr1cs` span path of the rows they occur in and their structural
//! role there ([`perturbation::system::System::signature`]); the multiset
//! of survivor signatures must equal the batch's allow-list, where each
//! entry says why it is harmless. Then 10,000 sampled pairs of distinct
//! witness variables sharing a row (allow-listed ones excluded) are changed
//! together: with two random deltas, and with the second delta solved so
//! that the shared row stays satisfied (a root of the row's equation in it);
//! every pair must still break some row.
//!
//! Result: of 150,478 variables per batch, the only survivors are
//! `is_neq` multipliers whose operands are equal (5 in `mixed`, 4 in
//! `first`, 5 in `failed key`: the L1 slots' index-range, token-equality
//! and, for a non-DepositNew slot's zero key, small-order tests), free
//! hints by construction; no pair survives.
//! What a single or pair change cannot show: a whole gadget output that is
//! disabled (e.g. the Withdraw's credit update, selected away by
//! `transfer = 0`) is still pinned by its own defining rows, so it does not
//! survive here even though consistent changes of all of it would; such
//! disabled branches are covered by the rule twins instead.

mod common;
mod perturbation {
    pub mod system;
}

use std::collections::BTreeMap;

use ark_ff::{One, Zero};
use ark_std::UniformRand;
use perturbation::system::{Delta, System};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zkroll_circuits::{BatchCircuit, Fr};
use zkroll_state::batch::BatchWitness;
use zkroll_state::L1Op;

use common::{config, funded, mixed_batch, CHAIN};

/// The first batch of a fresh rollup: two DepositNews into empty leaves
/// (so the key decompression runs on real keys) and two Noop L2 slots (so
/// signature verification is switched off).
fn first_batch() -> BatchWitness {
    let cfg = config(2, 2, 2);
    let mut wl = zkroll_state::sim::Workload::new(3, CHAIN);
    let mut r = zkroll_state::Rollup::open(zkroll_state::MemStore::new(), 2, false).unwrap();
    r.apply_batch(&cfg, &[wl.deposit_new(0, 0), wl.deposit_new(0, 9)], &[])
        .unwrap()
}

/// Batch 2 of a funded rollup: a DepositNew of a key that does not
/// decompress (failed; the circuit's non-residue branch of decompression
/// runs) and a Noop in the L1 slots, a transfer and a Noop in the L2 slots.
fn failed_key_batch() -> BatchWitness {
    let cfg = config(2, 2, 2);
    let (mut r, mut w) = funded(&cfg);
    let l1 = [w.queue(L1Op::DepositNew {
        idx: 5,
        pubkey: zkroll_state::sim::undecompressible_key(),
        token: 0,
        amount: 5,
    })];
    let l2 = [w.transfer(1, 2, 7, 1, 0).unwrap()];
    r.apply_batch(&cfg, &l1, &l2).unwrap()
}

/// A known harmless survivor: its signature (see [`System::signature`]),
/// how many variables of the batch have it, and why changing it is harmless.
struct Allowed {
    signature: &'static str,
    count: usize,
    reason: &'static str,
}

/// arkworks' `FpVar::is_neq(a, b)` (and `is_eq`, and `is_zero` = `is_eq(0)`)
/// allocates the bit `ne` and a multiplier `m`, with the rows
/// `(a - b) * m = ne` and `(a - b) * (1 - ne) = 0`. `m` occurs in the first
/// row only. When `a == b` that row reads `0 * m = ne`, which forces `ne = 0`
/// whatever `m` is: `m` is a free hint no other row reads, and nothing the
/// circuit computes depends on it.
const IS_NEQ_EQUAL: &str = "multiplier m of FpVar::is_neq with equal operands: its only row \
     is (a - b) * m = ne with a - b = 0, which forces ne = 0 for every m; no other row reads m";

const ALLOWED_MIXED: &[Allowed] = &[
    // small_key = is_small_order(key) tests (8·P).x.is_zero(). A ForcedExit
    // and a Deposit carry zero key bytes: y = 0 decompresses to (x, 0), a
    // point of order 4, so 8·P is the identity and x(8·P) = 0 (and the
    // result only matters under `dn`, which is 0 here).
    Allowed {
        signature: "l1_slot/is_eq/is_eq/is_neq: B·m with A·z = 0 (A has 1 terms)",
        count: 2,
        reason: IS_NEQ_EQUAL,
    },
    // out_of_range = !high.is_zero(), high = the 28 index bits above the
    // 2 * depth path bits: both L1 indices (3 and 2) fit depth 2.
    Allowed {
        signature: "l1_slot/is_eq/is_eq/is_neq: B·m with A·z = 0 (A has 28 terms)",
        count: 2,
        reason: IS_NEQ_EQUAL,
    },
    // token_eq = token.is_eq(old.token), a - b = 32 token bits - old.token:
    // the ForcedExit's token 1 equals account 3's. (The Deposit's token 1
    // differs from account 2's token 0: that multiplier is an inverse, bound.)
    Allowed {
        signature: "l1_slot/is_eq/is_eq/is_neq: B·m with A·z = 0 (A has 33 terms)",
        count: 1,
        reason: IS_NEQ_EQUAL,
    },
];

const ALLOWED_FIRST: &[Allowed] = &[
    // Both DepositNew indices (0 and 1) fit depth 2.
    Allowed {
        signature: "l1_slot/is_eq/is_eq/is_neq: B·m with A·z = 0 (A has 28 terms)",
        count: 2,
        reason: IS_NEQ_EQUAL,
    },
    // Both deposit token 0 into an empty leaf, whose token reads as 0.
    Allowed {
        signature: "l1_slot/is_eq/is_eq/is_neq: B·m with A·z = 0 (A has 33 terms)",
        count: 2,
        reason: IS_NEQ_EQUAL,
    },
];

const ALLOWED_FAILED_KEY: &[Allowed] = &[
    // The Noop slot's zero key bytes: (x, 0) has order 4 (as in `mixed`).
    // The DepositNew's key does not decompress, so Base8 stands in: bound.
    Allowed {
        signature: "l1_slot/is_eq/is_eq/is_neq: B·m with A·z = 0 (A has 1 terms)",
        count: 1,
        reason: IS_NEQ_EQUAL,
    },
    // Indices 5 and 0 (the Noop's) fit depth 2.
    Allowed {
        signature: "l1_slot/is_eq/is_eq/is_neq: B·m with A·z = 0 (A has 28 terms)",
        count: 2,
        reason: IS_NEQ_EQUAL,
    },
    // Token 0 against the empty leaf 5 (reads 0) and against account 0.
    Allowed {
        signature: "l1_slot/is_eq/is_eq/is_neq: B·m with A·z = 0 (A has 33 terms)",
        count: 2,
        reason: IS_NEQ_EQUAL,
    },
];

/// Sampled pairs per batch.
const PAIRS: usize = 10_000;

/// Every single-variable change (instance variables too, but not the
/// constant 1); returns the survivors' indices and the number of changes.
fn single_survivors(sys: &System, rng: &mut StdRng) -> (Vec<usize>, usize) {
    let mut survivors = Vec::new();
    let mut tried = 0;
    for j in 1..sys.z.len() {
        let plus_one = sys.still_satisfied(&[Delta {
            var: j,
            by: Fr::one(),
        }]);
        let random = sys.still_satisfied(&[Delta {
            var: j,
            by: nonzero(rng),
        }]);
        tried += 2;
        assert_eq!(
            plus_one,
            random,
            "variable {j} survives one change but not the other: {}",
            sys.signature(j)
        );
        if plus_one {
            survivors.push(j);
        }
    }
    (survivors, tried)
}

fn nonzero(rng: &mut StdRng) -> Fr {
    loop {
        let f = Fr::rand(rng);
        if !f.is_zero() {
            return f;
        }
    }
}

/// Pairs of distinct witness variables sharing a sampled row (none of them
/// in `skip`), changed together: once with two random deltas, once with
/// the second delta solved so the shared row stays satisfied. Returns the
/// two counts and the surviving pairs, described.
fn pair_survivors(
    sys: &System,
    skip: &[usize],
    rng: &mut StdRng,
    samples: usize,
) -> (usize, usize, Vec<String>) {
    let (mut random, mut solved) = (0, 0);
    let mut out = Vec::new();
    let rows = sys.num_rows();
    while random < samples {
        let r = rng.gen_range(0..rows);
        let vars: Vec<usize> = sys
            .row_vars(r)
            .into_iter()
            .filter(|v| *v >= sys.num_instance && !skip.contains(v))
            .collect();
        if vars.len() < 2 {
            continue;
        }
        let j = vars[rng.gen_range(0..vars.len())];
        let k = vars[rng.gen_range(0..vars.len())];
        if j == k {
            continue;
        }
        let d1 = nonzero(rng);
        let d2 = nonzero(rng);
        random += 1;
        if sys.still_satisfied(&[Delta { var: j, by: d1 }, Delta { var: k, by: d2 }]) {
            let (sj, sk) = (sys.signature(j), sys.signature(k));
            out.push(format!("random deltas, row {r}: {j} ({sj}) & {k} ({sk})"));
        }
        if let Some(d2) = sys.compensate(r, j, d1, k) {
            solved += 1;
            if sys.still_satisfied(&[Delta { var: j, by: d1 }, Delta { var: k, by: d2 }]) {
                let (sj, sk) = (sys.signature(j), sys.signature(k));
                out.push(format!("solved delta, row {r}: {j} ({sj}) & {k} ({sk})"));
            }
        }
    }
    (random, solved, out)
}

/// The whole check for one batch.
fn sweep(name: &str, w: BatchWitness, allowed: &[Allowed], seed: u64) {
    let t0 = std::time::Instant::now();
    let sys = System::synthesise(BatchCircuit::new(w));
    let synth = t0.elapsed();
    assert_eq!(
        sys.first_unsatisfied_row(),
        None,
        "{name} satisfies the circuit"
    );
    println!(
        "[{name}] {} constraints, {} instance + {} witness variables, {} nonzeros; \
         synthesis {synth:.2?}",
        sys.num_rows(),
        sys.num_instance,
        sys.z.len() - sys.num_instance,
        sys.nonzeros(),
    );

    let mut rng = StdRng::seed_from_u64(seed);
    let (survivors, tried) = single_survivors(&sys, &mut rng);
    let mut by_signature: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &j in &survivors {
        assert!(j >= sys.num_instance, "public input {j} can change");
        by_signature.entry(sys.signature(j)).or_default().push(j);
    }
    println!(
        "[{name}] single changes: {} variables, {tried} changes (+1 and random), {} survivors",
        sys.z.len() - 1,
        survivors.len()
    );
    for (sig, vars) in &by_signature {
        println!(
            "[{name}]   survivor x{}: {sig} (z indices {vars:?})",
            vars.len()
        );
    }
    for a in allowed {
        println!(
            "[{name}]   allowed x{}: {}: {}",
            a.count, a.signature, a.reason
        );
    }
    let expected: BTreeMap<String, usize> = allowed
        .iter()
        .map(|a| (a.signature.to_string(), a.count))
        .collect();
    let got: BTreeMap<String, usize> = by_signature
        .iter()
        .map(|(s, v)| (s.clone(), v.len()))
        .collect();
    assert_eq!(
        got, expected,
        "{name}: survivors differ from the allow-list"
    );

    let (random, solved, bad) = pair_survivors(&sys, &survivors, &mut rng, PAIRS);
    println!(
        "[{name}] pairs sharing a row: {random} with random deltas, {solved} with the second \
         delta solved for the shared row; {} survivors; total {:.2?}",
        bad.len(),
        t0.elapsed()
    );
    assert!(
        bad.is_empty(),
        "{name}: pairs of variables survive: {bad:#?}"
    );
    assert!(
        solved >= PAIRS / 2,
        "{name}: too few solvable pairs ({solved})"
    );
}

#[test]
fn every_witness_variable_of_a_mixed_batch_matters() {
    let w = mixed_batch();
    assert!(
        w.l1[1].failure.is_some(),
        "the Deposit of a foreign token fails"
    );
    sweep("mixed", w, ALLOWED_MIXED, 0x5eed_0013);
}

#[test]
fn every_witness_variable_of_a_failed_key_batch_matters() {
    let w = failed_key_batch();
    assert_eq!(
        w.l1[0].failure,
        Some(zkroll_state::L1Failure::InvalidPubkey)
    );
    sweep("failed key", w, ALLOWED_FAILED_KEY, 0x5eed_0015);
}

#[test]
fn every_witness_variable_of_a_first_batch_matters() {
    sweep("first", first_batch(), ALLOWED_FIRST, 0x5eed_0014);
}
