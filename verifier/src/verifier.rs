//! Groth16 verification: `Result<(), VerifyError>`, never a bare bool.

use std::path::Path;

use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, Proof, VerifyingKey};

use crate::error::VerifyError;
use crate::snarkjs::{public_from_json, read_json, ProofJson, VerificationKeyJson};

/// Verifies `proof` for `public` inputs under `vk`.
pub fn verify(
    vk: &VerifyingKey<Bn254>,
    public: &[Fr],
    proof: &Proof<Bn254>,
) -> Result<(), VerifyError> {
    let expected = vk.gamma_abc_g1.len().saturating_sub(1);
    if public.len() != expected {
        return Err(VerifyError::InputCount {
            expected,
            got: public.len(),
        });
    }
    let pvk = ark_groth16::prepare_verifying_key(vk);
    match Groth16::<Bn254>::verify_proof(&pvk, proof, public) {
        Ok(true) => Ok(()),
        _ => Err(VerifyError::Invalid),
    }
}

/// Verifies snarkjs-format files, as `snarkjs groth16 verify` does.
pub fn verify_files(vk: &Path, proof: &Path, public: &Path) -> Result<(), VerifyError> {
    let vk = read_json::<VerificationKeyJson>(vk)?.to_key()?;
    let proof = read_json::<ProofJson>(proof)?.to_proof()?;
    let public = public_from_json(&read_json::<Vec<String>>(public)?)?;
    verify(&vk, &public, &proof)
}
