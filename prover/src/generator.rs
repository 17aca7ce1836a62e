//! Circuit-specific development setup, for any circuit ([`setup_circuit`])
//! and for a batch shape ([`setup`]). The toxic waste comes from the RNG
//! given here, so the resulting keys are labelled [`DEV_SETUP_LABEL`] and
//! are for development only; keys for a deployment come from a ceremony
//! (`zkroll import zkey`).
//!
//! [`DEV_SETUP_LABEL`]: crate::DEV_SETUP_LABEL

use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::PrimeGroup;
use ark_ff::{UniformRand, Zero};
use ark_groth16::r1cs_to_qap::LibsnarkReduction;
use ark_groth16::Groth16;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystemRef, LinearCombination, SynthesisError, Variable,
};
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

/// An R1CS read from a file (a circom `.r1cs`) as a circuit ark-groth16's
/// generator can synthesise: its wires in order (the constant, the public
/// inputs, the rest) and one constraint per row. Setup mode only: it
/// carries no witness.
struct MatrixCircuit<'a>(&'a R1cs);

impl ConstraintSynthesizer<Fr> for MatrixCircuit<'_> {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let r = self.0;
        let c = r.c.as_ref().ok_or(SynthesisError::MissingCS)?;
        let mut vars = Vec::with_capacity(r.num_variables());
        vars.push(Variable::One);
        for _ in 1..r.num_instance {
            vars.push(cs.new_input_variable(|| Ok(Fr::zero()))?);
        }
        for _ in 0..r.num_witness {
            vars.push(cs.new_witness_variable(|| Ok(Fr::zero()))?);
        }
        let lc = |m: &crate::r1cs::SparseMatrix<Fr>, i: usize| {
            LinearCombination(m.row(i).map(|(v, k)| (k, vars[v])).collect())
        };
        for i in 0..r.num_constraints {
            cs.enforce_r1cs_constraint(|| lc(&r.a, i), || lc(&r.b, i), || lc(c, i))?;
        }
        Ok(())
    }
}

/// A TEST-ONLY setup of an R1CS read from a file, with circom's reduction
/// (what a snarkjs zkey holds), on the standard generators as snarkjs's
/// are: the toxic waste comes from `rng`, so whoever ran it can forge
/// proofs (`zkroll groth16 setup-testing` writes it as a zkey for tests and
/// benchmarks, where `snarkjs zkey new` would take an hour at 2^20). The
/// R1CS must include C.
pub fn setup_r1cs<R: RngCore + CryptoRng>(
    r1cs: &R1cs,
    rng: &mut R,
) -> Result<CircuitKey, ProverError> {
    if r1cs.c.is_none() {
        return Err(ProverError::NoCMatrix);
    }
    let pk = Groth16::<Bn254, CircomReduction>::generate_parameters_with_qap(
        MatrixCircuit(r1cs),
        Fr::rand(rng),
        Fr::rand(rng),
        Fr::rand(rng),
        Fr::rand(rng),
        G1Projective::generator(),
        G2Projective::generator(),
        rng,
    )?;
    Ok(CircuitKey {
        pk,
        r1cs: r1cs.clone(),
        reduction: Reduction::Circom,
    })
}
