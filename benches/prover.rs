//! Criterion benchmarks of proving (`cargo bench --bench prover`): zkroll's
//! MSM against ark-ec's at 2^16 and 2^20 bases (G1) and 2^16 (G2), the
//! quotient's transforms and the whole quotient against ark-poly's at 2^18,
//! witness generation, setup, and proving per shape (over a state of 65,536
//! accounts, as `zkroll bench`).
//! Proving keys come from the development setup (made once, outside timing).

use std::time::Duration;

use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{FftField, Field, UniformRand};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisMode,
};
use criterion::{criterion_main, BatchSize, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use zkroll::circuits::BatchCircuit;
use zkroll::prover::fft::{Direction, Domain};
use zkroll::prover::msm::{msm, Scalars};
use zkroll::prover::r1cs::SparseMatrix;
use zkroll::prover::reduction::{quotient, Matrices, QuotientError, Reduction};
use zkroll::prover::{prove, setup};
use zkroll::state::sim::Workload;
use zkroll::state::{BatchConfig, BatchWitness, CircuitShape, MemStore, Rollup};

fn rng() -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(1)
}

/// Accounts in the benches' state, as `zkroll bench`'s default: the witness
/// repeats fewer values in a larger state, and zkroll's MSMs sum repeated
/// values once, so a tiny state would flatter proving times.
const ACCOUNTS: usize = 65_536;

/// A state of [`ACCOUNTS`] accounts at depth 16 (built natively by
/// `Workload::populate`) and the workload that signs for them.
/// The deployment the benchmark's batches are signed for (none is deployed).
const BENCH_DOMAIN: zkroll_state::Domain = zkroll_state::Domain::new(1, [0x5a; 20]);

struct BenchState {
    state: Rollup<MemStore>,
    workload: Workload,
}

impl BenchState {
    fn new() -> Self {
        let mut workload = Workload::new(3, BENCH_DOMAIN);
        let mut state = Rollup::open(MemStore::new(), 16, false).expect("state");
        workload.populate(&mut state, ACCOUNTS).expect("deposits");
        Self { state, workload }
    }

    /// A full batch for `shape` (depth 16): every L2 slot a transfer.
    fn full_batch(&mut self, shape: CircuitShape) -> BatchWitness {
        let config = BatchConfig {
            shape,
            fee_account: 0,
            domain: BENCH_DOMAIN,
        };
        let l2 = self
            .workload
            .random_transfers(self.state.tree(), shape.l2_slots, 0, 0);
        self.state
            .apply_batch(&config, &[], &l2)
            .expect("transfers")
    }
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

/// The quotient's transforms at 2^18, zkroll's (`prover::fft`) against
/// ark-poly's: one inverse transform, the subgroup-to-coset pair (ifft then
/// coset fft; zkroll's fused) and the final coset ifft; plus the cost of
/// zkroll's twiddle and coset tables.
fn bench_fft(c: &mut Criterion) {
    let mut g = c.benchmark_group("fft");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let log = 18;
    let n = 1usize << log;
    let mut r = rng();
    let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut r)).collect();
    let ark = GeneralEvaluationDomain::<Fr>::new(n).expect("domain");
    let coset = ark.get_coset(Fr::GENERATOR).expect("coset");
    let ours = Domain::<Fr>::new(n).expect("domain");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(format!("domain_2^{log}/zkroll"), |b| {
        b.iter(|| Domain::<Fr>::new(n).expect("domain"))
    });
    g.bench_function(format!("ifft_2^{log}/ark-poly"), |b| {
        b.iter_batched_ref(
            || x.clone(),
            |y| ark.ifft_in_place(y),
            BatchSize::LargeInput,
        )
    });
    g.bench_function(format!("ifft_2^{log}/zkroll-dif"), |b| {
        b.iter_batched_ref(
            || x.clone(),
            |y| ours.dif_in_place(y, Direction::Inverse),
            BatchSize::LargeInput,
        )
    });
    g.bench_function(format!("ifft+coset_fft_2^{log}/ark-poly"), |b| {
        b.iter_batched_ref(
            || x.clone(),
            |y| {
                ark.ifft_in_place(y);
                coset.fft_in_place(y);
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function(format!("ifft+coset_fft_2^{log}/zkroll"), |b| {
        b.iter_batched_ref(
            || x.clone(),
            |y| ours.coset_evals_in_place(y),
            BatchSize::LargeInput,
        )
    });
    g.bench_function(format!("coset_ifft_2^{log}/ark-poly"), |b| {
        b.iter_batched_ref(
            || x.clone(),
            |y| coset.ifft_in_place(y),
            BatchSize::LargeInput,
        )
    });
    g.bench_function(format!("coset_ifft_2^{log}/zkroll"), |b| {
        b.iter_batched(|| x.clone(), |y| ours.coset_ifft(y), BatchSize::LargeInput)
    });
    g.finish();
}

/// A random satisfied R1CS of `rows` constraints over `vars` variables
/// (A, B rows of 1-3 terms, one C term each) and its assignment.
fn random_r1cs(
    rows: usize,
    vars: usize,
    r: &mut rand::rngs::StdRng,
) -> ([SparseMatrix<Fr>; 3], Vec<Fr>) {
    let mut z: Vec<Fr> = (0..vars).map(|_| Fr::rand(r)).collect();
    z[0] = Fr::from(1u64);
    let term_row = |r: &mut rand::rngs::StdRng| -> Vec<(Fr, usize)> {
        (0..r.gen_range(1..=3))
            .map(|_| (Fr::rand(r), r.gen_range(0..vars)))
            .collect()
    };
    let a: Matrix<Fr> = (0..rows).map(|_| term_row(r)).collect();
    let b: Matrix<Fr> = (0..rows).map(|_| term_row(r)).collect();
    let dot = |row: &[(Fr, usize)]| row.iter().map(|(c, v)| *c * z[*v]).sum::<Fr>();
    let c: Matrix<Fr> = a
        .iter()
        .zip(&b)
        .map(|(ra, rb)| {
            let k = r.gen_range(0..vars);
            vec![(dot(ra) * dot(rb) / z[k], k)]
        })
        .collect();
    let m = [&a, &b, &c].map(|m| SparseMatrix::from_matrix(m).expect("matrix"));
    (m, z)
}

/// The quotient as it was before `prover::fft` (ark-poly's transforms).
fn quotient_ark_poly(
    m: &[SparseMatrix<Fr>; 3],
    num_inputs: usize,
    num_constraints: usize,
    z: &[Fr],
) -> Result<Vec<Fr>, QuotientError> {
    let domain = GeneralEvaluationDomain::<Fr>::new(num_constraints + num_inputs)
        .ok_or(QuotientError::Domain)?;
    let n = domain.size();
    let (mut a, mut b, mut c) = (
        vec![Fr::from(0u64); n],
        vec![Fr::from(0u64); n],
        vec![Fr::from(0u64); n],
    );
    a[..num_constraints]
        .par_iter_mut()
        .zip(&mut b[..num_constraints])
        .zip(&mut c[..num_constraints])
        .enumerate()
        .for_each(|(i, ((a, b), c))| {
            *a = m[0].row_dot(i, z);
            *b = m[1].row_dot(i, z);
            *c = m[2].row_dot(i, z);
        });
    if let Some(i) = (0..num_constraints)
        .into_par_iter()
        .find_first(|&i| a[i] * b[i] != c[i])
    {
        return Err(QuotientError::Unsatisfied(i));
    }
    a[num_constraints..num_constraints + num_inputs].clone_from_slice(&z[..num_inputs]);
    domain.ifft_in_place(&mut a);
    domain.ifft_in_place(&mut b);
    let coset = domain
        .get_coset(Fr::GENERATOR)
        .ok_or(QuotientError::Domain)?;
    coset.fft_in_place(&mut a);
    coset.fft_in_place(&mut b);
    let mut ab = domain.mul_polynomials_in_evaluation_domain(&a, &b);
    drop((a, b));
    domain.ifft_in_place(&mut c);
    coset.fft_in_place(&mut c);
    let vanishing_inv = domain
        .evaluate_vanishing_polynomial(Fr::GENERATOR)
        .inverse()
        .ok_or(QuotientError::Domain)?;
    ab.par_iter_mut().zip(c).for_each(|(ab_i, c_i)| {
        *ab_i -= &c_i;
        *ab_i *= &vanishing_inv;
    });
    coset.ifft_in_place(&mut ab);
    Ok(ab)
}

/// The whole QAP witness map at 2^18 (a random R1CS of 2^18 - 3 rows),
/// zkroll's against the ark-poly one it replaced.
fn bench_quotient(c: &mut Criterion) {
    let mut g = c.benchmark_group("quotient");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    let log = 18;
    let (inputs, rows) = (3, (1usize << log) - 3);
    let (m, z) = random_r1cs(rows, 1 << 16, &mut rng());
    let view = Matrices {
        a: &m[0],
        b: &m[1],
        c: Some(&m[2]),
        num_inputs: inputs,
        num_constraints: rows,
    };
    g.bench_function(format!("2^{log}/zkroll"), |b| {
        b.iter(|| {
            quotient::<Fr, GeneralEvaluationDomain<Fr>>(Reduction::Libsnark, &view, &z)
                .expect("satisfied")
        })
    });
    g.bench_function(format!("2^{log}/ark-poly"), |b| {
        b.iter(|| quotient_ark_poly(&m, inputs, rows, &z).expect("satisfied"))
    });
    // circom's map (snarkjs zkeys), zkroll's against ark-circom's algorithm.
    g.bench_function(format!("2^{log}/zkroll-circom"), |b| {
        b.iter(|| {
            quotient::<Fr, GeneralEvaluationDomain<Fr>>(Reduction::Circom, &view, &z)
                .expect("satisfied")
        })
    });
    let raw: Vec<Matrix<Fr>> = m
        .iter()
        .map(|mm| {
            (0..mm.rows())
                .map(|i| mm.row(i).map(|(v, c)| (c, v)).collect())
                .collect()
        })
        .collect();
    g.bench_function(format!("2^{log}/ark-circom"), |b| {
        use ark_groth16::r1cs_to_qap::R1CSToQAP;
        b.iter(|| {
            zkroll::prover::bench::ark_circom::CircomReduction::witness_map_from_matrices::<
                Fr,
                GeneralEvaluationDomain<Fr>,
            >(&raw, inputs, rows, &z)
            .expect("satisfied")
        })
    });
    g.finish();
}

fn bench_witness_and_prove(c: &mut Criterion) {
    let mut g = c.benchmark_group("prove");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    let mut state = BenchState::new();
    for l2_slots in [1usize, 4, 8] {
        let shape = CircuitShape {
            depth: 16,
            l1_slots: 1,
            l2_slots,
        };
        let wit = state.full_batch(shape);
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
    bench_fft(&mut c);
    bench_quotient(&mut c);
    bench_witness_and_prove(&mut c);
    bench_setup(&mut c);
}

criterion_main!(benches);
