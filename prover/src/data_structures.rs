//! The prover's keys: [`CircuitKey`] (a Groth16 proving key, the R1CS it
//! proves and the QAP reduction its H query was made for: all the generic
//! prover needs) and [`ProverKey`] (a batch circuit's key with its
//! recorded parameters), and a key directory's files:
//!
//! ```text
//! KEYDIR/params.json             shape, constraint count, label, reduction, file hashes, ceremony
//! KEYDIR/proving_key.bin         label line, then the ark-serialize proving key (uncompressed: compressed points cost a square root each to load)
//! KEYDIR/matrices.bin            the R1CS (`R1cs::to_bytes`): no synthesis on load
//! KEYDIR/verification_key.json   snarkjs format (with a zkroll_setup note)
//! ```
//! Loading checks each file's SHA-256 against params.json and validates
//! the points that must be valid: those of the verifying key (on the
//! curve, in the subgroup), where an invalid point would be an attack
//! surface. The proving key's own points (A, B, H, L queries) are read
//! without the per-point curve and subgroup checks, which cost ~95% of a
//! load (G2 subgroup checks above all): an invalid one can only make
//! proofs that the verifying key rejects, and every proof zkroll hands out
//! is checked against that key first (the node before submitting, `zkroll
//! prove` before writing its files). Field elements are still refused when
//! not below the modulus.

use std::path::Path;

use ark_bn254::Bn254;
use ark_groth16::ProvingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zkroll_state::CircuitShape;
use zkroll_verifier::snarkjs::VerificationKeyJson;

use crate::error::ProverError;
use crate::r1cs::R1cs;
use crate::reduction::Reduction;

/// The label of keys from [`crate::setup`]: their toxic waste came from this
/// machine's RNG, so whoever ran the setup can forge proofs.
pub const DEV_SETUP_LABEL: &str = "INSECURE-DEV-SETUP";
const DEV_WARNING: &str =
    "development only: the setup's randomness was known to the machine that ran it, \
so its operator can forge proofs; a deployment must import keys from a multi-party ceremony";

/// One phase-2 contribution a ceremony key holds (from the zkey's
/// contributions section).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionRecord {
    /// The contributor's name, if given.
    pub name: String,
    /// `contribution` or `beacon`.
    pub kind: String,
    /// The contribution hash snarkjs prints (blake2b-512, hex).
    pub hash: String,
}

/// Where a ceremony key came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeremonyRecord {
    /// SHA-256 of the imported `.zkey`.
    pub zkey_sha256: String,
    /// The circuit hash the zkey's contributions chain from (hex).
    pub circuit_hash: String,
    /// Its contributions, oldest first.
    pub contributions: Vec<ContributionRecord>,
}

/// What params.json records about a key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyParams {
    /// Where the key comes from ([`DEV_SETUP_LABEL`] for the local setup).
    pub label: String,
    /// Why that matters.
    pub warning: String,
    /// The circuit shape the key proves.
    pub shape: CircuitShape,
    /// Number of R1CS constraints.
    pub constraints: usize,
    /// Number of public inputs.
    pub public_inputs: usize,
    /// SHA-256 of proving_key.bin.
    pub proving_key_sha256: String,
    /// SHA-256 of verification_key.json.
    pub verification_key_sha256: String,
    /// SHA-256 of matrices.bin.
    pub matrices_sha256: String,
    /// The QAP reduction the H query was made for.
    #[serde(default)]
    pub reduction: Reduction,
    /// For a key imported from a ceremony's zkey: where it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceremony: Option<CeremonyRecord>,
}

impl KeyParams {
    /// Reads `dir/params.json` alone: the shape and provenance of a key
    /// directory, without the cost of loading the key.
    pub fn load(dir: &Path) -> Result<Self, ProverError> {
        let pp = dir.join("params.json");
        serde_json::from_slice(&std::fs::read(&pp).map_err(io(&pp))?).map_err(|e| {
            ProverError::Decode {
                what: pp.display().to_string(),
                reason: e.to_string(),
            }
        })
    }
}

/// A Groth16 proving key with the R1CS it proves and the reduction its H
/// query was made for: what [`crate::prover::prove_r1cs`] takes, for any
/// circuit.
pub struct CircuitKey {
    /// The Groth16 proving key (contains the verifying key).
    pub pk: ProvingKey<Bn254>,
    /// The circuit's R1CS (from the key, never synthesised per proof).
    pub r1cs: R1cs,
    /// The QAP reduction of the H query.
    pub reduction: Reduction,
}

/// A batch circuit's key ready to prove: the circuit key and its recorded
/// parameters (shape, provenance).
pub struct ProverKey {
    /// The key the generic prover uses.
    pub circuit: CircuitKey,
    /// The recorded parameters.
    pub params: KeyParams,
}

impl std::ops::Deref for ProverKey {
    type Target = CircuitKey;
    fn deref(&self) -> &CircuitKey {
        &self.circuit
    }
}

// One loaded key serves every proof and thread of an operator.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<ProverKey>();
};

fn io(path: &Path) -> impl Fn(std::io::Error) -> ProverError + '_ {
    move |e| ProverError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Hands the heap's free pages back to the OS. Synthesising the matrices
/// makes millions of small allocations; glibc keeps their pages after they
/// are freed, which would count against every later proof's peak RSS.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn label_line(params: &KeyParams) -> String {
    format!("zkroll proving key {}: {}\n", params.label, params.warning)
}

fn decode(what: &Path) -> impl Fn(String) -> ProverError + '_ {
    move |reason| ProverError::Decode {
        what: what.display().to_string(),
        reason,
    }
}

impl ProverKey {
    /// The setup note written into verification_key.json.
    pub fn setup_note(&self) -> String {
        format!("{}: {}", self.params.label, self.params.warning)
    }

    /// A batch key from a circuit key and its params.
    pub fn from_parts(circuit: CircuitKey, params: KeyParams) -> Self {
        Self { circuit, params }
    }

    /// The parameters of a development key (labelled [`DEV_SETUP_LABEL`]).
    pub fn dev_params(shape: CircuitShape, r1cs: &R1cs, reduction: Reduction) -> KeyParams {
        KeyParams {
            label: DEV_SETUP_LABEL.into(),
            warning: DEV_WARNING.into(),
            shape,
            constraints: r1cs.num_constraints,
            public_inputs: r1cs.num_instance - 1,
            proving_key_sha256: String::new(),
            verification_key_sha256: String::new(),
            matrices_sha256: String::new(),
            reduction,
            ceremony: None,
        }
    }

    /// Writes params.json, proving_key.bin, matrices.bin and
    /// verification_key.json into `dir` (params.json last, with the others'
    /// hashes: a directory without it is not a key).
    pub fn save(&mut self, dir: &Path) -> Result<(), ProverError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let mut pk_bytes = label_line(&self.params).into_bytes();
        self.pk
            .serialize_uncompressed(&mut pk_bytes)
            .map_err(|e| ProverError::Decode {
                what: "proving key".into(),
                reason: e.to_string(),
            })?;
        let vk_json = serde_json::to_string_pretty(&VerificationKeyJson::from_key(
            &self.pk.vk,
            Some(self.setup_note()),
        ))
        .map_err(|e| ProverError::Decode {
            what: "verification key".into(),
            reason: e.to_string(),
        })?;
        let matrices = self.r1cs.to_bytes();
        self.params.reduction = self.reduction;
        self.params.proving_key_sha256 = sha256_hex(&pk_bytes);
        self.params.verification_key_sha256 = sha256_hex(vk_json.as_bytes());
        self.params.matrices_sha256 = sha256_hex(&matrices);
        let params =
            serde_json::to_string_pretty(&self.params).map_err(|e| ProverError::Decode {
                what: "params".into(),
                reason: e.to_string(),
            })?;
        for (name, bytes) in [
            ("proving_key.bin", pk_bytes.as_slice()),
            ("matrices.bin", matrices.as_slice()),
            ("verification_key.json", vk_json.as_bytes()),
            ("params.json", params.as_bytes()),
        ] {
            let p = dir.join(name);
            std::fs::write(&p, bytes).map_err(io(&p))?;
        }
        Ok(())
    }

    /// Loads a key directory: each file's hash checked against params.json,
    /// the verifying key's points validated (see the module doc), the R1CS
    /// read from matrices.bin and checked against the key's sizes. The two
    /// files are read, hashed and decoded in parallel.
    pub fn load(dir: &Path) -> Result<Self, ProverError> {
        let params = KeyParams::load(dir)?;
        if params.matrices_sha256.is_empty() {
            return Err(ProverError::Decode {
                what: dir.join("params.json").display().to_string(),
                reason: "no matrices.bin recorded: the key directory is from an older zkroll; \
                         run `zkroll setup` (or `zkroll import zkey`) again"
                    .into(),
            });
        }
        let kp = dir.join("proving_key.bin");
        let mp = dir.join("matrices.bin");
        let (pk, r1cs) = rayon::join(
            || load_proving_key(&kp, &params.proving_key_sha256),
            || load_matrices(&mp, &params.matrices_sha256),
        );
        let (pk, r1cs) = (pk?, r1cs?);
        let sizes_match = r1cs.num_constraints == params.constraints
            && r1cs.num_instance == params.public_inputs + 1
            && pk.a_query.len() == r1cs.num_variables()
            && pk.b_g2_query.len() == r1cs.num_variables()
            && pk.vk.gamma_abc_g1.len() == r1cs.num_instance
            && pk.l_query.len() == r1cs.num_witness;
        if !sizes_match {
            return Err(ProverError::Decode {
                what: kp.display().to_string(),
                reason: format!(
                    "key is for {} variables, {} inputs; matrices.bin for {} constraints, {} variables, {} inputs; params.json {} constraints",
                    pk.a_query.len(),
                    pk.vk.gamma_abc_g1.len(),
                    r1cs.num_constraints,
                    r1cs.num_variables(),
                    r1cs.num_instance,
                    params.constraints
                ),
            });
        }
        let reduction = params.reduction;
        Ok(Self::from_parts(
            CircuitKey {
                pk,
                r1cs,
                reduction,
            },
            params,
        ))
    }
}

fn load_proving_key(kp: &Path, sha256: &str) -> Result<ProvingKey<Bn254>, ProverError> {
    let bytes = std::fs::read(kp).map_err(io(kp))?;
    let body = bytes
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| &bytes[i + 1..])
        .ok_or_else(|| decode(kp)("missing label line".into()))?;
    let (hash, pk) = rayon::join(
        || sha256_hex(&bytes),
        || ProvingKey::<Bn254>::deserialize_uncompressed_unchecked(body),
    );
    if hash != sha256 {
        return Err(ProverError::HashMismatch {
            file: kp.display().to_string(),
        });
    }
    let pk = pk.map_err(|e| {
        decode(kp)(match e {
            ark_serialize::SerializationError::IoError(io)
                if io.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                "the file ends before the key does (truncated)".into()
            }
            other => other.to_string(),
        })
    })?;
    // The verifying key's points: on the curve and in the subgroup.
    ark_serialize::Valid::check(&pk.vk).map_err(|e| ProverError::Decode {
        what: format!("{} (verifying key)", kp.display()),
        reason: e.to_string(),
    })?;
    Ok(pk)
}

fn load_matrices(mp: &Path, sha256: &str) -> Result<R1cs, ProverError> {
    let bytes = std::fs::read(mp).map_err(io(mp))?;
    let (hash, r1cs) = rayon::join(|| sha256_hex(&bytes), || R1cs::from_bytes(&bytes));
    if hash != sha256 {
        return Err(ProverError::HashMismatch {
            file: mp.display().to_string(),
        });
    }
    r1cs.map_err(|source| ProverError::Format {
        file: mp.display().to_string(),
        source,
    })
}
