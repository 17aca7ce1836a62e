//! Side-by-side timing of zkroll's prover against stock ark-groth16 on the
//! same key and the same filled circuit (`zkroll bench`). Both are timed
//! from the batch witness to a finished proof, alternating runs so that
//! machine noise hits both; peak RSS is reset before each run.

use std::time::{Duration, Instant};

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use rand::{CryptoRng, RngCore};
use zkroll_circuits::BatchCircuit;
use zkroll_state::BatchWitness;

use crate::batch::prove;
use crate::data_structures::ProverKey;
use crate::error::ProverError;
use crate::msm::RepeatCounts;
use crate::prover::ProvePhases;

pub mod ark_circom;

/// One prover's figures.
#[derive(Clone, Debug)]
pub struct Timing {
    /// Every run's wall time.
    pub runs: Vec<Duration>,
    /// Peak RSS of the first run, in bytes (0 where unavailable): the
    /// process holds the loaded key; zkroll's first run comes before any
    /// arkworks run, whose freed small allocations glibc keeps and would
    /// count against every later run.
    pub peak_rss: u64,
}

impl Timing {
    /// The median run.
    pub fn median(&self) -> Duration {
        let mut v = self.runs.clone();
        v.sort();
        v.get(v.len() / 2).copied().unwrap_or_default()
    }
}

/// The comparison.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Constraints of the circuit.
    pub constraints: usize,
    /// zkroll's prover.
    pub zkroll: Timing,
    /// `ark_groth16::Groth16::create_random_proof_with_reduction` (what
    /// `Groth16::prove` runs): synthesises the circuit with matrices and proves.
    pub arkworks: Timing,
    /// Where zkroll's time goes: the phases of its median run.
    pub phases: ProvePhases,
    /// How many of the witness's values zkroll's MSMs summed once.
    pub repeats: RepeatCounts,
}

impl Comparison {
    /// arkworks median / zkroll median.
    pub fn speedup(&self) -> f64 {
        self.arkworks.median().as_secs_f64() / self.zkroll.median().as_secs_f64().max(1e-9)
    }
}

/// Resets the kernel's peak-RSS counter for this process (Linux), after
/// returning the heap's free pages (so one prover's garbage does not count
/// against the other).
fn reset_peak_rss() {
    crate::data_structures::release_free_memory();
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// This process's peak RSS since the last reset, in bytes (Linux; 0 elsewhere).
pub fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<u64>().ok())
            })
        })
        .map_or(0, |kb| kb * 1024)
}

/// Proves `witness` `runs` times with each prover, alternating. Every proof
/// is verified, so a fast wrong prover cannot win.
pub fn compare<R: RngCore + CryptoRng>(
    key: &ProverKey,
    witness: &BatchWitness,
    runs: usize,
    rng: &mut R,
) -> Result<Comparison, ProverError> {
    let vk = &key.pk.vk;
    let mut z = Timing {
        runs: vec![],
        peak_rss: 0,
    };
    let mut a = z.clone();
    let mut phase_runs = Vec::new();
    let mut repeats = RepeatCounts::default();
    for run in 0..runs.max(1) {
        reset_peak_rss();
        let t = Instant::now();
        let out = prove(key, witness, rng)?;
        z.runs.push(t.elapsed());
        phase_runs.push((out.prove_time + out.witness_time, out.phases));
        repeats = out.repeats;
        if run == 0 {
            z.peak_rss = peak_rss();
        }
        zkroll_verifier::verify(vk, &out.public_inputs, &out.proof)
            .map_err(|e| ProverError::Synthesis(format!("zkroll proof does not verify: {e}")))?;

        reset_peak_rss();
        let t = Instant::now();
        let proof = Groth16::<Bn254>::create_random_proof_with_reduction(
            BatchCircuit::new(witness.clone()),
            &key.pk,
            rng,
        )?;
        a.runs.push(t.elapsed());
        if run == 0 {
            a.peak_rss = peak_rss();
        }
        zkroll_verifier::verify(vk, &[witness.public_input], &proof)
            .map_err(|e| ProverError::Synthesis(format!("arkworks proof does not verify: {e}")))?;
    }
    Ok(Comparison {
        constraints: key.r1cs.num_constraints,
        zkroll: z,
        arkworks: a,
        phases: {
            phase_runs.sort_by_key(|p| p.0);
            phase_runs[phase_runs.len() / 2].1
        },
        repeats,
    })
}

/// The parts of one proof by each prover, timed separately on the same
/// witness: what bounds the speedup (`zkroll bench --breakdown`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Breakdown {
    /// arkworks' synthesis with matrices (`generate_constraints`,
    /// `finalize`, `to_matrices`), which zkroll does once per key.
    pub ark_synthesis: Duration,
    /// ark-groth16's QAP map (`LibsnarkReduction`, ark-poly's FFTs).
    pub ark_qap: Duration,
    /// ark-ec's MSMs of the H, A, B (G1) and L queries.
    pub ark_msm_g1: Duration,
    /// ark-ec's MSM of the B query in G2.
    pub ark_msm_g2: Duration,
    /// zkroll's witness-only synthesis.
    pub zkroll_witness: Duration,
    /// zkroll's QAP map.
    pub zkroll_qap: Duration,
    /// zkroll's G1 MSMs: L and H as one, and A (its proofs need no B query
    /// in G1), with the grouping of repeated witness values.
    pub zkroll_msm_g1: Duration,
    /// zkroll's MSM of the B query in G2.
    pub zkroll_msm_g2: Duration,
}

/// Times each prover's parts on `witness` (one run of each part).
pub fn breakdown(key: &ProverKey, witness: &BatchWitness) -> Result<Breakdown, ProverError> {
    use ark_bn254::{Fr, G1Projective, G2Projective};
    use ark_ec::VariableBaseMSM;
    use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
    use ark_poly::GeneralEvaluationDomain;
    use ark_relations::gr1cs::{
        ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
    };

    use crate::msm::Scalars;

    let mut b = Breakdown::default();
    let pk = &key.pk;
    let ni = key.r1cs.num_instance;
    let timed = |d: &mut Duration, t: Instant| *d = t.elapsed();

    let t = Instant::now();
    let full = crate::batch::assignment(key, witness)?;
    timed(&mut b.zkroll_witness, t);
    let t = Instant::now();
    let r1cs = &key.r1cs;
    let m = crate::reduction::Matrices {
        a: &r1cs.a,
        b: &r1cs.b,
        c: r1cs.c.as_ref(),
        num_inputs: ni,
        num_constraints: r1cs.num_constraints,
    };
    let h = crate::reduction::quotient::<Fr, GeneralEvaluationDomain<Fr>>(key.reduction, &m, &full)
        .map_err(|e| match e {
            crate::reduction::QuotientError::Unsatisfied(index) => ProverError::Unsatisfied {
                index,
                name: crate::batch::name_unsatisfied(witness),
            },
            crate::reduction::QuotientError::Domain => {
                ProverError::Synthesis("no FFT domain of the circuit's size".into())
            }
        })?;
    timed(&mut b.zkroll_qap, t);

    let t = Instant::now();
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: true,
        generate_lc_assignments: false,
    });
    BatchCircuit::new(witness.clone()).generate_constraints(cs.clone())?;
    cs.finalize();
    let matrices = cs.to_matrices().and_then(|mut m| {
        m.remove(ark_relations::gr1cs::R1CS_PREDICATE_LABEL)
            .ok_or(ark_relations::gr1cs::SynthesisError::MissingCS)
    })?;
    timed(&mut b.ark_synthesis, t);
    drop(cs);
    let t = Instant::now();
    let _ = std::hint::black_box(LibsnarkReduction::witness_map_from_matrices::<
        Fr,
        GeneralEvaluationDomain<Fr>,
    >(&matrices, ni, r1cs.num_constraints, &full)?);
    timed(&mut b.ark_qap, t);
    drop(matrices);
    crate::data_structures::release_free_memory();

    let t = Instant::now();
    let z = Scalars::new(&full);
    let reps = z.repeats();
    let h_scalars = Scalars::new(&h);
    let _ = std::hint::black_box(reps.msm(&pk.l_query, ni, &[(&pk.h_query, h_scalars.all())]));
    let _ = std::hint::black_box(reps.msm(&pk.a_query, 0, &[]));
    timed(&mut b.zkroll_msm_g1, t);
    let t = Instant::now();
    let _ = std::hint::black_box(G1Projective::msm_unchecked(&pk.h_query, &h));
    let _ = std::hint::black_box(G1Projective::msm_unchecked(&pk.a_query, &full));
    let _ = std::hint::black_box(G1Projective::msm_unchecked(&pk.b_g1_query, &full));
    let _ = std::hint::black_box(G1Projective::msm_unchecked(&pk.l_query, &full[ni..]));
    timed(&mut b.ark_msm_g1, t);

    let t = Instant::now();
    let _ = std::hint::black_box(reps.msm(&pk.b_g2_query, 0, &[]));
    timed(&mut b.zkroll_msm_g2, t);
    let t = Instant::now();
    let _ = std::hint::black_box(G2Projective::msm_unchecked(&pk.b_g2_query, &full));
    timed(&mut b.ark_msm_g2, t);
    Ok(b)
}

/// What loading a key directory costs, against what it cost when the
/// matrices were re-synthesised on every load.
#[derive(Clone, Debug)]
pub struct KeyLoad {
    /// `ProverKey::load` runs (hashes, verifying-key checks, matrices.bin).
    pub load: Timing,
    /// One synthesis of the shape's matrices: what each load added before
    /// the key stored them.
    pub resynthesis: Duration,
}

/// Times `runs` loads of the key in `dir` and one re-synthesis of its
/// shape's matrices.
pub fn key_load(dir: &std::path::Path, runs: usize) -> Result<KeyLoad, ProverError> {
    let mut load = Timing {
        runs: Vec::with_capacity(runs),
        peak_rss: 0,
    };
    for i in 0..runs.max(1) {
        reset_peak_rss();
        let t = Instant::now();
        let key = ProverKey::load(dir)?;
        load.runs.push(t.elapsed());
        if i == 0 {
            load.peak_rss = peak_rss();
        }
        drop(key);
    }
    let shape = crate::data_structures::KeyParams::load(dir)?.shape;
    let t = Instant::now();
    let r1cs = crate::generator::synthesize_matrices(shape)?;
    let resynthesis = t.elapsed();
    drop(r1cs);
    crate::data_structures::release_free_memory();
    Ok(KeyLoad { load, resynthesis })
}
