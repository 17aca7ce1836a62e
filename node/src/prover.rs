//! The prover behind the pipeline: a trait, so that provers on other
//! machines (a job queue) can take its place without touching the
//! pipeline, and [`InProcessProver`], the default, proving on all cores of
//! this machine with zkroll's prover.

use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use rand::rngs::OsRng;
use zkroll_prover::{prove_pipelined, ProofOutput, ProverError, ProverKey};
use zkroll_state::{BatchWitness, CircuitShape};

/// Proves batches.
pub trait BatchProver: Send + Sync {
    /// The shape the key proves.
    fn shape(&self) -> CircuitShape;
    /// The verifying key (the node checks each proof before submitting).
    fn vk(&self) -> &VerifyingKey<Bn254>;
    /// Where the key comes from (its label: dev setup or ceremony).
    fn label(&self) -> &str;
    /// Proves `witnesses` in order; one result each. Several at once let an
    /// implementation overlap them (witness k+1 built while k proves).
    fn prove_all(&self, witnesses: &[BatchWitness]) -> Vec<Result<ProofOutput, ProverError>>;
}

/// Proves in this process with a loaded key.
pub struct InProcessProver {
    key: ProverKey,
}

impl InProcessProver {
    /// A prover over `key`.
    pub fn new(key: ProverKey) -> Self {
        Self { key }
    }
}

impl BatchProver for InProcessProver {
    fn shape(&self) -> CircuitShape {
        self.key.params.shape
    }

    fn vk(&self) -> &VerifyingKey<Bn254> {
        &self.key.pk.vk
    }

    fn label(&self) -> &str {
        &self.key.params.label
    }

    fn prove_all(&self, witnesses: &[BatchWitness]) -> Vec<Result<ProofOutput, ProverError>> {
        prove_pipelined(&self.key, witnesses, &mut OsRng)
    }
}
