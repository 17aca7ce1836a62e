//! Criterion benchmarks of proving (`cargo bench --bench prover`): zkroll's
//! MSM against ark-ec's at 2^16 and 2^20 bases (G1) and 2^16 (G2), witness generation, setup, and proving per shape.
//! Proving keys come from the development setup (made once, outside timing).

use std::time::Duration;

use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use criterion::{criterion_main, BatchSize, Criterion, Throughput};
use rand::SeedableRng;
use zkroll::circuits::BatchCircuit;
use zkroll::prover::msm::{msm, Scalars};
use zkroll::prover::{prove, setup};
use zkroll::state::sim::Workload;
use zkroll::state::{BatchConfig, BatchWitness, CircuitShape, MemStore, Rollup};

fn rng() -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(1)
}

/// A full batch for `shape`: every L2 slot a transfer.
fn full_batch(shape: CircuitShape) -> BatchWitness {
    let config = BatchConfig {
        shape,
        fee_account: 0,
        chain_id: 1,
    };
    let mut w = Workload::new(3, 1);
    let mut state = Rollup::open(MemStore::new(), shape.depth, false).expect("state");
    let mut ops: Vec<_> = (0..2 * shape.l2_slots)
        .map(|_| w.deposit_new(0, 1_000_000))
        .collect();
    while !ops.is_empty() {
        let n = ops.len().min(shape.l1_slots);
        let chunk: Vec<_> = ops.drain(..n).collect();
        state.apply_batch(&config, &chunk, &[]).expect("deposits");
    }
    let l2 = w.random_transfers(state.tree(), shape.l2_slots, 0, 0);
    state.apply_batch(&config, &[], &l2).expect("transfers")
}

/// `n` distinct bases: consecutive multiples of a random point (cheap to
/// make), normalised.
fn bases<G: CurveGroup<ScalarField = Fr>>(n: usize, r: &mut rand::rngs::StdRng) -> Vec<G::Affine> {
    let p = G::generator() * Fr::rand(r);
    let mut acc = p;
    let proj: Vec<G> = (0..n)
        .map(|_| {
            acc += p;
            acc
        })
        .collect();
    G::normalize_batch(&proj)
}

/// zkroll's MSM against ark-ec's on the same bases and random scalars (the
/// H query's case; witness scalars are cheaper for both).
fn bench_msm(c: &mut Criterion) {
    let mut g = c.benchmark_group("msm");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    let mut r = rng();
    for log in [16u32, 20] {
        let n = 1usize << log;
        let bases = bases::<G1Projective>(n, &mut r);
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut r)).collect();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("g1_2^{log}/zkroll"), |b| {
            b.iter(|| msm(&bases, Scalars::new(&scalars).all()))
        });
        g.bench_function(format!("g1_2^{log}/ark-ec"), |b| {
            b.iter(|| G1Projective::msm(&bases, &scalars).expect("lengths match"))
        });
    }
    let n = 1usize << 16;
    let bases = bases::<G2Projective>(n, &mut r);
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut r)).collect();
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("g2_2^16/zkroll", |b| {
        b.iter(|| msm(&bases, Scalars::new(&scalars).all()))
    });
    g.bench_function("g2_2^16/ark-ec", |b| {
        b.iter(|| G2Projective::msm(&bases, &scalars).expect("lengths match"))
    });
    g.finish();
}

fn bench_witness_and_prove(c: &mut Criterion) {
    let mut g = c.benchmark_group("prove");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    for l2_slots in [1usize, 4, 8] {
        let shape = CircuitShape {
            depth: 16,
            l1_slots: 1,
            l2_slots,
        };
        let wit = full_batch(shape);
        let key = setup(shape, &mut rng()).expect("setup");
        g.bench_function(format!("witness_d16_l1_1_l2_{l2_slots}"), |b| {
            b.iter(|| {
                let cs = ConstraintSystem::<Fr>::new_ref();
                cs.set_optimization_goal(OptimizationGoal::Constraints);
                cs.set_mode(SynthesisMode::Prove {
                    construct_matrices: false,
                    generate_lc_assignments: false,
                });
                BatchCircuit::new(wit.clone())
                    .generate_constraints(cs)
                    .expect("synthesis")
            })
        });
        g.bench_function(format!("prove_d16_l1_1_l2_{l2_slots}"), |b| {
            b.iter_batched(
                rng,
                |mut r| prove(&key, &wit, &mut r).expect("prove"),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn bench_setup(c: &mut Criterion) {
    let mut g = c.benchmark_group("setup");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    let shape = CircuitShape {
        depth: 2,
        l1_slots: 1,
        l2_slots: 1,
    };
    g.bench_function("d2_l1_1_l2_1", |b| {
        b.iter(|| setup(shape, &mut rng()).expect("setup"))
    });
    g.finish();
}

/// Every group, configured from the command line. Written out rather than
/// with `criterion_group!`, whose generated `pub fn` has no doc comment.
fn benches() {
    let mut c = Criterion::default().configure_from_args();
    bench_msm(&mut c);
    bench_witness_and_prove(&mut c);
    bench_setup(&mut c);
}

criterion_main!(benches);
