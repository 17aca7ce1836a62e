//! The batch circuit's layer over the generic prover: witness synthesis of
//! a [`BatchWitness`] (the matrices come from the key), the shape check,
//! and naming the rule of an unsatisfied row. Everything Groth16 is
//! [`crate::prover::prove_r1cs`].

use std::time::{Duration, Instant};

use ark_bn254::Fr;
use rand::{CryptoRng, RngCore};
use zkroll_circuits::BatchCircuit;
use zkroll_state::BatchWitness;

use crate::data_structures::ProverKey;
use crate::error::ProverError;
use crate::prover::{prove_r1cs, ProofOutput};

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
    crate::prover::assignment(BatchCircuit::new(witness.clone()), &key.r1cs)
}

/// The full assignment `[1, public inputs, witness]` of `witness` without
/// a key (what `zkroll prove --wtns-out` writes as a circom `.wtns`).
pub fn full_assignment(witness: &BatchWitness) -> Result<Vec<Fr>, ProverError> {
    let (instance, wit) = crate::prover::synthesize_assignment(BatchCircuit::new(witness.clone()))?;
    Ok([instance, wit].concat())
}

/// Proves `witness` with `key`. A witness that does not satisfy the circuit
/// yields [`ProverError::Unsatisfied`] naming the failing constraint.
///
/// The phases run one after another, each on all cores: witness synthesis,
/// the quotient (its vectors freed before any MSM starts), the grouping of
/// the witness's repeated values, then three MSMs: L and H together, A, and
/// B in G2. Running the quotient alongside the witness MSMs was measured
/// slower on 2 cores (2.96 s against 2.88 s at 234k constraints) and holds
/// both phases' memory at once.
pub fn prove<R: RngCore + CryptoRng>(
    key: &ProverKey,
    witness: &BatchWitness,
    rng: &mut R,
) -> Result<ProofOutput, ProverError> {
    check_shape(key, witness)?;
    let t0 = Instant::now();
    let full = assignment(key, witness)?;
    prove_assignment(key, witness, &full, t0.elapsed(), rng)
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
                full.and_then(|full| prove_assignment(key, w, &full, witness_time, rng))
            })
            .collect()
    })
}

/// The generic prover on a batch's assignment, an unsatisfied row named
/// by its rule.
fn prove_assignment<R: RngCore + CryptoRng>(
    key: &ProverKey,
    witness: &BatchWitness,
    full: &[Fr],
    witness_time: Duration,
    rng: &mut R,
) -> Result<ProofOutput, ProverError> {
    let mut out = prove_r1cs(key, full, rng).map_err(|e| match e {
        ProverError::UnsatisfiedConstraint { index } => ProverError::Unsatisfied {
            index,
            name: name_unsatisfied(witness),
        },
        other => other,
    })?;
    out.witness_time = witness_time;
    out.phases.witness = witness_time;
    Ok(out)
}
