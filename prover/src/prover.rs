//! Proving a batch: synthesise the witness only (the matrices come from the
//! key), check it on the A·z, B·z, C·z rows inside the QAP witness map, and
//! assemble the Groth16 proof from zkroll's MSMs ([`crate::msm`]) on all
//! cores (the same A, B, C formulas as ark-groth16's prover).

use std::time::{Duration, Instant};

use ark_bn254::{Bn254, Fr};
use ark_ec::CurveGroup;
use ark_ff::UniformRand;
use ark_groth16::Proof;
use ark_poly::GeneralEvaluationDomain;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use rand::{CryptoRng, RngCore};
use zkroll_circuits::BatchCircuit;
use zkroll_state::BatchWitness;

use crate::data_structures::ProverKey;
use crate::error::ProverError;
use crate::msm::{msm, Scalars};
use crate::reduction::{quotient, QuotientError};

/// Where a proof's time went.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProvePhases {
    /// Witness-only synthesis.
    pub witness: Duration,
    /// The QAP witness map: A·z, B·z, C·z, the row check and 7 FFTs.
    pub qap: Duration,
    /// MSM of the H query with the quotient's coefficients.
    pub msm_h: Duration,
    /// MSMs of the A, B (G1) and L queries with the witness.
    pub msm_g1: Duration,
    /// MSM of the B query in G2 with the witness.
    pub msm_g2: Duration,
}

/// A proof with its public inputs and where the time went.
#[derive(Clone, Debug)]
pub struct ProofOutput {
    /// The proof.
    pub proof: Proof<Bn254>,
    /// The public inputs (one: the pubdata commitment).
    pub public_inputs: Vec<Fr>,
    /// Witness synthesis time.
    pub witness_time: Duration,
    /// Groth16 time (QAP witness map, MSMs).
    pub prove_time: Duration,
    /// Time by phase.
    pub phases: ProvePhases,
}

/// The name of the first unsatisfied constraint, by re-synthesising with
/// constraint tracing on (the slow path, taken only when proving failed).
pub fn name_unsatisfied(witness: &BatchWitness) -> String {
    match zkroll_circuits::first_unsatisfied(BatchCircuit::new(witness.clone())) {
        Ok(Some(name)) => name.trim().replace('\n', " "),
        Ok(None) => "unknown".into(),
        Err(e) => format!("synthesis failed: {e}"),
    }
}

/// The full assignment `[1, public inputs, witness]` of `witness`: a
/// witness-only synthesis (no matrices), checked against the key's sizes.
pub fn assignment(key: &ProverKey, witness: &BatchWitness) -> Result<Vec<Fr>, ProverError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    });
    BatchCircuit::new(witness.clone()).generate_constraints(cs.clone())?;
    let b = cs
        .borrow()
        .ok_or_else(|| ProverError::Synthesis("constraint system gone".into()))?;
    let instance = b.instance_assignment().map_err(ProverError::from)?;
    let wit = b.witness_assignment().map_err(ProverError::from)?;
    if instance.len() != key.num_instance || wit.len() != key.num_witness {
        return Err(ProverError::Synthesis(format!(
            "witness has {}+{} variables, key expects {}+{}",
            instance.len(),
            wit.len(),
            key.num_instance,
            key.num_witness
        )));
    }
    Ok([instance, wit].concat())
}

/// Proves `witness` with `key`. A witness that does not satisfy the circuit
/// yields [`ProverError::Unsatisfied`] naming the failing constraint.
///
/// The phases run one after another, each on all cores: witness synthesis,
/// the quotient (its vectors freed before any MSM starts), the H MSM, then
/// the four MSMs over the witness. Running the quotient alongside the
/// witness MSMs was measured slower on 2 cores (2.96 s against 2.88 s at
/// 234k constraints) and holds both phases' memory at once.
pub fn prove<R: RngCore + CryptoRng>(
    key: &ProverKey,
    witness: &BatchWitness,
    rng: &mut R,
) -> Result<ProofOutput, ProverError> {
    check_shape(key, witness)?;
    let t0 = Instant::now();
    let full = assignment(key, witness)?;
    prove_assignment(key, witness, full, t0.elapsed(), rng)
}

fn check_shape(key: &ProverKey, witness: &BatchWitness) -> Result<(), ProverError> {
    if witness.config.shape != key.params.shape {
        return Err(ProverError::ShapeMismatch {
            key: key.params.shape,
            witness: witness.config.shape,
        });
    }
    Ok(())
}

/// Proves batches in order with one key, synthesising batch k+1's witness
/// on its own thread while batch k's quotient and MSMs run: witness
/// synthesis is single-threaded, so on its own it leaves a core idle.
/// Results come back in order, one per witness; a batch that cannot be
/// proved does not stop the others.
pub fn prove_pipelined<R: RngCore + CryptoRng>(
    key: &ProverKey,
    witnesses: &[BatchWitness],
    rng: &mut R,
) -> Vec<Result<ProofOutput, ProverError>> {
    std::thread::scope(|scope| {
        // One assignment buffered, one being made: at most two ahead.
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        scope.spawn(move || {
            for w in witnesses {
                let t = Instant::now();
                let full = check_shape(key, w).and_then(|()| assignment(key, w));
                if tx.send((full, t.elapsed())).is_err() {
                    break;
                }
            }
        });
        witnesses
            .iter()
            .zip(rx)
            .map(|(w, (full, witness_time))| {
                full.and_then(|full| prove_assignment(key, w, full, witness_time, rng))
            })
            .collect()
    })
}

/// The Groth16 proof of `witness` from its synthesised assignment `full`.
fn prove_assignment<R: RngCore + CryptoRng>(
    key: &ProverKey,
    witness: &BatchWitness,
    full: Vec<Fr>,
    witness_time: Duration,
    rng: &mut R,
) -> Result<ProofOutput, ProverError> {
    let mut phases = ProvePhases {
        witness: witness_time,
        ..Default::default()
    };
    let t1 = Instant::now();
    let (r, s) = (Fr::rand(rng), Fr::rand(rng));
    let pk = &key.pk;

    let t = Instant::now();
    let h = quotient::<Fr, GeneralEvaluationDomain<Fr>>(
        &key.matrices,
        key.num_instance,
        key.num_constraints,
        &full,
    )
    .map_err(|e| unsatisfied(e, witness))?;
    phases.qap = t.elapsed();

    let t = Instant::now();
    let h_scalars = Scalars::new(&h);
    drop(h);
    let h_acc = msm(&pk.h_query, h_scalars.all());
    drop(h_scalars);
    phases.msm_h = t.elapsed();

    let t = Instant::now();
    let z = Scalars::new(&full);
    let a_acc = msm(&pk.a_query, z.all());
    let b1_acc = msm(&pk.b_g1_query, z.all());
    let l_acc = msm(&pk.l_query, z.slice(key.num_instance..z.len()));
    phases.msm_g1 = t.elapsed();
    let t = Instant::now();
    let b2_acc = msm(&pk.b_g2_query, z.all());
    phases.msm_g2 = t.elapsed();

    // A = alpha + sum z_i a_i + r delta; B = beta + sum z_i b_i + s delta;
    // C = sum_{witness} z_i l_i + h(x) t(x)/delta + s A + r B - r s delta.
    let g_a = a_acc + pk.vk.alpha_g1 + pk.delta_g1 * r;
    let g1_b = b1_acc + pk.beta_g1 + pk.delta_g1 * s;
    let g2_b = b2_acc + pk.vk.beta_g2 + pk.vk.delta_g2 * s;
    let g_c = l_acc + h_acc + g_a * s + g1_b * r - pk.delta_g1 * (r * s);
    let proof = Proof {
        a: g_a.into_affine(),
        b: g2_b.into_affine(),
        c: g_c.into_affine(),
    };
    Ok(ProofOutput {
        proof,
        public_inputs: full[1..key.num_instance].to_vec(),
        witness_time: phases.witness,
        prove_time: t1.elapsed(),
        phases,
    })
}

pub(crate) fn unsatisfied(e: QuotientError, witness: &BatchWitness) -> ProverError {
    match e {
        QuotientError::Unsatisfied(index) => ProverError::Unsatisfied {
            index,
            name: name_unsatisfied(witness),
        },
        QuotientError::Domain => {
            ProverError::Synthesis("no FFT domain of the circuit's size".into())
        }
    }
}
