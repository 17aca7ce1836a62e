//! Circuit-specific development setup. The toxic waste comes from the RNG
//! given here, so the resulting keys are labelled [`DEV_SETUP_LABEL`] and
//! are for development only.
//!
//! [`DEV_SETUP_LABEL`]: crate::DEV_SETUP_LABEL

use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};
use rand::{CryptoRng, RngCore};
use zkroll_circuits::BatchCircuit;
use zkroll_state::{BatchConfig, CircuitShape};

use crate::data_structures::{ProverKey, SparseMatrix};
use crate::error::ProverError;

fn blank(shape: CircuitShape) -> BatchCircuit {
    BatchCircuit::blank(&BatchConfig {
        shape,
        fee_account: 0,
        domain: zkroll_state::Domain::new(0, [0x5a; 20]),
    })
}

/// A circuit's R1CS: its matrices and sizes.
pub struct R1cs {
    /// A, B, C.
    pub matrices: [SparseMatrix<Fr>; 3],
    /// Instance variables, including the constant 1.
    pub num_instance: usize,
    /// Witness variables.
    pub num_witness: usize,
    /// Constraints.
    pub num_constraints: usize,
}

/// The R1CS of the shape's circuit: one setup-mode synthesis.
pub fn synthesize_matrices(shape: CircuitShape) -> Result<R1cs, ProverError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    blank(shape).generate_constraints(cs.clone())?;
    cs.finalize();
    let mut m = cs.to_matrices()?;
    let abc: Vec<Matrix<Fr>> = m
        .remove(R1CS_PREDICATE_LABEL)
        .ok_or_else(|| ProverError::Synthesis("no R1CS predicate".into()))?;
    drop(m);
    if abc.len() != 3 {
        return Err(ProverError::Synthesis(format!(
            "R1CS predicate has {} matrices, not 3",
            abc.len()
        )));
    }
    let [a, b, c] = [0, 1, 2].map(|i| SparseMatrix::from_matrix(&abc[i]));
    Ok(R1cs {
        matrices: [a?, b?, c?],
        num_instance: cs.num_instance_variables(),
        num_witness: cs.num_witness_variables(),
        num_constraints: cs.num_constraints(),
    })
}

/// Runs the development setup for `shape`. The keys are INSECURE: the RNG's
/// output is the toxic waste.
pub fn setup<R: RngCore + CryptoRng>(
    shape: CircuitShape,
    rng: &mut R,
) -> Result<ProverKey, ProverError> {
    tracing::warn!(
        "{}: keys from a local setup are for development only",
        crate::DEV_SETUP_LABEL
    );
    // The H query is libsnark's (ark-groth16's default reduction), the map
    // `reduction::quotient` computes.
    let pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(blank(shape), rng)?;
    let r1cs = synthesize_matrices(shape)?;
    let params = ProverKey::dev_params(shape, r1cs.num_constraints, r1cs.num_instance - 1);
    Ok(ProverKey::from_parts(pk, r1cs, params))
}
