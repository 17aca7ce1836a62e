//! Proving circom circuits: a snarkjs `.zkey` and a `.wtns` in, a proof
//! snarkjs accepts out (`zkroll groth16 prove`, rapidsnark's arguments).
//! With the circuit's `.r1cs` the witness is checked row by row before
//! proving and a failure names the constraint; without it (a zkey holds
//! no C) the proof is verified against the zkey's own verifying key
//! before it is returned, so a bad witness is an error, never a bad proof.

use std::io::{Read, Seek};

use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use rand::{CryptoRng, RngCore};

use crate::ceremony::{check_circuit, ImportError};
use crate::error::ProverError;
use crate::formats::zkey::{self, Checks};
use crate::formats::{r1cs_file, wtns, FormatError};
use crate::prover::{prove_r1cs, ProofOutput};

/// Why a circom proof was not made.
#[derive(Debug, thiserror::Error)]
pub enum CircomProveError {
    /// The zkey does not decode or holds an invalid point.
    #[error("zkey")]
    Zkey(#[source] FormatError),
    /// The witness file does not decode.
    #[error("wtns")]
    Wtns(#[source] FormatError),
    /// The r1cs file does not decode.
    #[error("r1cs")]
    R1cs(#[source] FormatError),
    /// The r1cs is not the zkey's circuit.
    #[error("the r1cs is not the zkey's circuit")]
    Mismatch(#[source] ImportError),
    /// The witness has another number of wires than the zkey.
    #[error("the witness has {found} values, the zkey's circuit {expected} wires")]
    WitnessSize {
        /// The zkey's variables.
        expected: usize,
        /// The witness's values.
        found: usize,
    },
    /// The witness does not satisfy the r1cs.
    #[error("the witness does not satisfy constraint {index} of the r1cs")]
    Unsatisfied {
        /// The first failing constraint.
        index: usize,
    },
    /// Proving failed.
    #[error(transparent)]
    Prover(#[from] ProverError),
    /// Without an r1cs: the proof does not verify, so the witness does not
    /// satisfy the circuit (or the zkey's proving key is corrupt).
    #[error("the proof does not verify against the zkey's verifying key ({0}): the witness does not satisfy the circuit; pass --r1cs to find the constraint")]
    Rejected(String),
}

/// A circom proof and the key that checks it.
pub struct CircomProof {
    /// The proof, its public inputs and timings.
    pub output: ProofOutput,
    /// The zkey's verifying key.
    pub vk: VerifyingKey<Bn254>,
    /// The circuit's constraints.
    pub constraints: usize,
}

/// Proves the witness in `wtns` with the key in `zkey`, optionally
/// checking it against the circuit in `r1cs` (see the module doc). The
/// files are read section by section (files or any seekable source), so
/// no file is held whole beside what it decodes to; the zkey's B query
/// in G1, which zkroll's prover does not use, is not read.
pub fn prove<R: RngCore + CryptoRng, F: Read + Seek>(
    zkey: F,
    wtns: F,
    r1cs: Option<F>,
    rng: &mut R,
) -> Result<CircomProof, CircomProveError> {
    let full = wtns::read_from(wtns).map_err(CircomProveError::Wtns)?;
    let mut zk = zkey::read_from(zkey, Checks::Prover).map_err(CircomProveError::Zkey)?;
    let nv = zk.key.r1cs.num_variables();
    if full.len() != nv {
        return Err(CircomProveError::WitnessSize {
            expected: nv,
            found: full.len(),
        });
    }
    if let Some(file) = r1cs {
        let circ = r1cs_file::read_from(file).map_err(CircomProveError::R1cs)?;
        check_circuit(&zk, &circ.r1cs).map_err(CircomProveError::Mismatch)?;
        zk.key.r1cs.c = circ.r1cs.c;
    }
    let output = match prove_r1cs(&zk.key, &full, rng) {
        Err(ProverError::UnsatisfiedConstraint { index }) => {
            return Err(CircomProveError::Unsatisfied { index })
        }
        other => other?,
    };
    let vk = zk.key.pk.vk.clone();
    zkroll_verifier::verify(&vk, &output.public_inputs, &output.proof)
        .map_err(|e| CircomProveError::Rejected(e.to_string()))?;
    Ok(CircomProof {
        output,
        vk,
        constraints: zk.key.r1cs.num_constraints,
    })
}
