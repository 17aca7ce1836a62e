//! Proving a batch: synthesise the witness only (the matrices come from the
//! key), check it on the A·z, B·z, C·z rows inside the QAP witness map, and
//! run ark-groth16's prover on all cores.

use std::time::{Duration, Instant};

use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_groth16::{Groth16, Proof};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisError, SynthesisMode,
};
use rand::{CryptoRng, RngCore};
use zkroll_circuits::BatchCircuit;
use zkroll_state::BatchWitness;

use crate::data_structures::ProverKey;
use crate::error::ProverError;
use crate::reduction::{take_first_unsatisfied, CheckedReduction};

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
pub fn prove<R: RngCore + CryptoRng>(
    key: &ProverKey,
    witness: &BatchWitness,
    rng: &mut R,
) -> Result<ProofOutput, ProverError> {
    if witness.config.shape != key.params.shape {
        return Err(ProverError::ShapeMismatch {
            key: key.params.shape,
            witness: witness.config.shape,
        });
    }
    let t0 = Instant::now();
    let full = assignment(key, witness)?;
    let instance = &full[..key.num_instance];
    let witness_time = t0.elapsed();

    let t1 = Instant::now();
    let (r, s) = (Fr::rand(rng), Fr::rand(rng));
    let _ = take_first_unsatisfied();
    let proof = match Groth16::<Bn254, CheckedReduction>::create_proof_with_reduction_and_matrices(
        &key.pk,
        r,
        s,
        &key.matrices,
        key.num_instance,
        key.num_constraints,
        &full,
    ) {
        Ok(p) => p,
        Err(SynthesisError::Unsatisfiable) => {
            let index = take_first_unsatisfied().unwrap_or(usize::MAX);
            return Err(ProverError::Unsatisfied {
                index,
                name: name_unsatisfied(witness),
            });
        }
        Err(e) => return Err(e.into()),
    };
    Ok(ProofOutput {
        proof,
        public_inputs: instance[1..].to_vec(),
        witness_time,
        prove_time: t1.elapsed(),
    })
}
