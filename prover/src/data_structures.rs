//! The prover key (Groth16 proving key plus the constraint matrices built
//! once at setup) and its files:
//!
//! ```text
//! KEYDIR/params.json             shape, constraint count, setup label, file hashes
//! KEYDIR/proving_key.bin         label line, then the ark-serialize proving key (uncompressed: compressed points cost a square root each to load)
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

use std::collections::HashMap;
use std::path::Path;

use ark_bn254::{Bn254, Fr};
use ark_ff::PrimeField;
use ark_groth16::ProvingKey;
use ark_relations::gr1cs::Matrix;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zkroll_state::CircuitShape;
use zkroll_verifier::snarkjs::VerificationKeyJson;

use crate::error::ProverError;

/// The label of keys from [`crate::setup`]: their toxic waste came from this
/// machine's RNG, so whoever ran the setup can forge proofs.
pub const DEV_SETUP_LABEL: &str = "INSECURE-DEV-SETUP";
const DEV_WARNING: &str =
    "development only: the setup's randomness was known to the machine that ran it, \
so its operator can forge proofs; a deployment must import keys from a multi-party ceremony";

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

/// One R1CS matrix in compressed sparse rows, 8 bytes an entry (ark-relations'
/// `Matrix` spends 40 plus a vector per row): a variable index and an index
/// into a table of the distinct coefficients, where 0 stands for 1 and 1
/// for -1 (the common cases, added without a multiplication).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SparseMatrix<F: PrimeField> {
    row_start: Vec<u32>,
    vars: Vec<u32>,
    coeff_ids: Vec<u32>,
    coeffs: Vec<F>,
}

impl<F: PrimeField> SparseMatrix<F> {
    /// Converts ark-relations' row-of-pairs matrix; indices are stored as
    /// `u32`, so a matrix with 2^32 or more entries or variables is refused.
    pub fn from_matrix(m: &Matrix<F>) -> Result<Self, ProverError> {
        let too_big = |what: &str| ProverError::Synthesis(format!("R1CS has 2^32 or more {what}"));
        let mut table: HashMap<F, u32> = HashMap::new();
        let mut coeffs = vec![F::one(), -F::one()];
        table.insert(F::one(), 0);
        table.insert(-F::one(), 1);
        let nnz: usize = m.iter().map(Vec::len).sum();
        let mut out = SparseMatrix {
            row_start: Vec::with_capacity(m.len() + 1),
            vars: Vec::with_capacity(nnz),
            coeff_ids: Vec::with_capacity(nnz),
            coeffs: Vec::new(),
        };
        out.row_start.push(0);
        for row in m {
            for (c, v) in row {
                let id = *table.entry(*c).or_insert_with(|| {
                    coeffs.push(*c);
                    (coeffs.len() - 1) as u32
                });
                out.vars
                    .push(u32::try_from(*v).expect("variable index fits u32"));
                out.coeff_ids.push(id);
            }
            out.row_start
                .push(u32::try_from(out.vars.len()).map_err(|_| too_big("entries"))?);
        }
        out.coeffs = coeffs;
        Ok(out)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.row_start.len() - 1
    }

    /// Number of non-zero entries.
    pub fn nnz(&self) -> usize {
        self.vars.len()
    }

    /// Row `i` dotted with the assignment `z`.
    #[inline]
    pub fn row_dot(&self, i: usize, z: &[F]) -> F {
        let (s, e) = (self.row_start[i] as usize, self.row_start[i + 1] as usize);
        let mut acc = F::zero();
        for k in s..e {
            let v = z[self.vars[k] as usize];
            match self.coeff_ids[k] {
                0 => acc += v,
                1 => acc -= v,
                id => acc += self.coeffs[id as usize] * v,
            }
        }
        acc
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        4 * (self.row_start.len() + self.vars.len() + self.coeff_ids.len())
            + self.coeffs.len() * std::mem::size_of::<F>()
    }
}

/// A proving key ready to prove: the Groth16 key and the constraint matrices.
pub struct ProverKey {
    /// The Groth16 proving key (contains the verifying key).
    pub pk: ProvingKey<Bn254>,
    /// A, B, C of the circuit's R1CS (synthesised once per process, never per proof).
    pub matrices: [SparseMatrix<Fr>; 3],
    /// Instance variables including the constant 1.
    pub num_instance: usize,
    /// Witness variables.
    pub num_witness: usize,
    /// Constraints.
    pub num_constraints: usize,
    /// The recorded parameters.
    pub params: KeyParams,
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

fn label_line(label: &str) -> String {
    format!("zkroll proving key {label}: {DEV_WARNING}\n")
}

impl ProverKey {
    /// The setup note written into verification_key.json.
    pub fn setup_note(&self) -> String {
        format!("{}: {}", self.params.label, self.params.warning)
    }

    /// A key from a Groth16 proving key, its circuit's R1CS and its params.
    pub(crate) fn from_parts(
        pk: ProvingKey<Bn254>,
        r1cs: crate::generator::R1cs,
        params: KeyParams,
    ) -> Self {
        Self {
            pk,
            matrices: r1cs.matrices,
            num_instance: r1cs.num_instance,
            num_witness: r1cs.num_witness,
            num_constraints: r1cs.num_constraints,
            params,
        }
    }

    pub(crate) fn dev_params(
        shape: CircuitShape,
        constraints: usize,
        public_inputs: usize,
    ) -> KeyParams {
        KeyParams {
            label: DEV_SETUP_LABEL.into(),
            warning: DEV_WARNING.into(),
            shape,
            constraints,
            public_inputs,
            proving_key_sha256: String::new(),
            verification_key_sha256: String::new(),
        }
    }

    /// Writes params.json, proving_key.bin and verification_key.json into `dir`.
    pub fn save(&mut self, dir: &Path) -> Result<(), ProverError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let mut pk_bytes = label_line(&self.params.label).into_bytes();
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
        self.params.proving_key_sha256 = sha256_hex(&pk_bytes);
        self.params.verification_key_sha256 = sha256_hex(vk_json.as_bytes());
        let params =
            serde_json::to_string_pretty(&self.params).map_err(|e| ProverError::Decode {
                what: "params".into(),
                reason: e.to_string(),
            })?;
        for (name, bytes) in [
            ("proving_key.bin", pk_bytes.as_slice()),
            ("verification_key.json", vk_json.as_bytes()),
            ("params.json", params.as_bytes()),
        ] {
            let p = dir.join(name);
            std::fs::write(&p, bytes).map_err(io(&p))?;
        }
        Ok(())
    }

    /// Loads a key directory: hashes checked, points validated, matrices
    /// re-synthesised from the shape and checked against the recorded count.
    pub fn load(dir: &Path) -> Result<Self, ProverError> {
        let params = KeyParams::load(dir)?;
        let kp = dir.join("proving_key.bin");
        let bytes = std::fs::read(&kp).map_err(io(&kp))?;
        if sha256_hex(&bytes) != params.proving_key_sha256 {
            return Err(ProverError::HashMismatch {
                file: kp.display().to_string(),
            });
        }
        let body = bytes
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| &bytes[i + 1..])
            .ok_or_else(|| ProverError::Decode {
                what: kp.display().to_string(),
                reason: "missing label line".into(),
            })?;
        let pk = ProvingKey::<Bn254>::deserialize_uncompressed_unchecked(body).map_err(|e| {
            ProverError::Decode {
                what: kp.display().to_string(),
                reason: match e {
                    ark_serialize::SerializationError::IoError(io)
                        if io.kind() == std::io::ErrorKind::UnexpectedEof =>
                    {
                        "the file ends before the key does (truncated)".into()
                    }
                    other => other.to_string(),
                },
            }
        })?;
        // The verifying key's points: on the curve and in the subgroup.
        ark_serialize::Valid::check(&pk.vk).map_err(|e| ProverError::Decode {
            what: format!("{} (verifying key)", kp.display()),
            reason: e.to_string(),
        })?;
        let r1cs = crate::generator::synthesize_matrices(params.shape)?;
        release_free_memory();
        let (num_instance, num_witness, num_constraints) =
            (r1cs.num_instance, r1cs.num_witness, r1cs.num_constraints);
        if num_constraints != params.constraints || pk.a_query.len() != num_instance + num_witness {
            return Err(ProverError::Decode {
                what: kp.display().to_string(),
                reason: format!(
                    "key is for {} constraints / {} variables; this build's circuit has {} / {}",
                    params.constraints,
                    pk.a_query.len(),
                    num_constraints,
                    num_instance + num_witness
                ),
            });
        }
        Ok(Self::from_parts(pk, r1cs, params))
    }
}
