//! Circuit-specific development setup, for any circuit ([`setup_circuit`])
//! and for a batch shape ([`setup`]). The toxic waste comes from the RNG
//! given here, so the resulting keys are labelled [`DEV_SETUP_LABEL`] and
//! are for development only; keys for a deployment come from a ceremony
//! (`zkroll import zkey`).
//!
//! [`DEV_SETUP_LABEL`]: crate::DEV_SETUP_LABEL

use ark_bn254::{Bn254, Fr};
use ark_groth16::r1cs_to_qap::LibsnarkReduction;
use ark_groth16::Groth16;
use ark_relations::gr1cs::ConstraintSynthesizer;
use rand::{CryptoRng, RngCore};
use zkroll_circuits::BatchCircuit;
use zkroll_state::{BatchConfig, CircuitShape};

use crate::bench::ark_circom::CircomReduction;
use crate::data_structures::{CircuitKey, ProverKey};
use crate::error::ProverError;
use crate::r1cs::R1cs;
use crate::reduction::Reduction;

/// The batch circuit of `shape` with no witness (setup mode).
pub fn blank(shape: CircuitShape) -> BatchCircuit {
    BatchCircuit::blank(&BatchConfig {
        shape,
        fee_account: 0,
        domain: zkroll_state::Domain::new(0, [0x5a; 20]),
    })
}

/// The R1CS of the shape's batch circuit: one setup-mode synthesis.
pub fn synthesize_matrices(shape: CircuitShape) -> Result<R1cs, ProverError> {
    R1cs::synthesize(blank(shape))
}

/// Development setup of any circuit, its H query made for `reduction`
/// (ark-groth16's generator; the circom reduction's H query is
/// ark-circom's, see [`CircomReduction`]). INSECURE: the RNG's output is
/// the toxic waste.
pub fn setup_circuit<C, R>(
    circuit: C,
    reduction: Reduction,
    rng: &mut R,
) -> Result<CircuitKey, ProverError>
where
    C: ConstraintSynthesizer<Fr> + Clone,
    R: RngCore + CryptoRng,
{
    let pk = match reduction {
        Reduction::Libsnark => {
            Groth16::<Bn254, LibsnarkReduction>::generate_random_parameters_with_reduction(
                circuit.clone(),
                rng,
            )?
        }
        Reduction::Circom => {
            Groth16::<Bn254, CircomReduction>::generate_random_parameters_with_reduction(
                circuit.clone(),
                rng,
            )?
        }
    };
    let r1cs = R1cs::synthesize(circuit)?;
    Ok(CircuitKey {
        pk,
        r1cs,
        reduction,
    })
}

/// Runs the development setup for `shape` (libsnark's reduction, the map
/// [`crate::reduction::libsnark`] computes). The keys are INSECURE: the
/// RNG's output is the toxic waste.
pub fn setup<R: RngCore + CryptoRng>(
    shape: CircuitShape,
    rng: &mut R,
) -> Result<ProverKey, ProverError> {
    tracing::warn!(
        "{}: keys from a local setup are for development only",
        crate::DEV_SETUP_LABEL
    );
    let key = setup_circuit(blank(shape), Reduction::Libsnark, rng)?;
    let params = ProverKey::dev_params(shape, &key.r1cs, key.reduction);
    Ok(ProverKey::from_parts(key, params))
}
