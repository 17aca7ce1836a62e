//! Why setup, key loading or proving failed: one variant per reason.

use zkroll_state::CircuitShape;

/// A prover failure.
#[derive(Debug, thiserror::Error)]
pub enum ProverError {
    /// The witness does not satisfy the circuit: no proof is produced.
    #[error("witness does not satisfy the circuit: constraint {index} ({name}) fails")]
    Unsatisfied {
        /// Index of the first failing constraint.
        index: usize,
        /// Its name (the rule's span path), when it could be recovered.
        name: String,
    },
    /// The assignment does not satisfy constraint `index` (the generic
    /// prover, which has no rule names; the batch layer turns it into
    /// [`Self::Unsatisfied`]).
    #[error("the assignment does not satisfy constraint {index}")]
    UnsatisfiedConstraint {
        /// Index of the first failing constraint.
        index: usize,
    },
    /// An assignment of the wrong length for the key.
    #[error("the assignment has {found} values, the key's circuit {expected}")]
    AssignmentSize {
        /// Variables the key's circuit has.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// The key's H query does not fit the circuit's domain.
    #[error("the key's H query has {query} points, the circuit's domain {domain}: key and circuit differ")]
    HQuerySize {
        /// Points in the H query.
        query: usize,
        /// The domain's size.
        domain: usize,
    },
    /// An assignment whose first value (the constant wire) is not 1.
    #[error("the assignment's first value (the constant wire) is not 1")]
    ConstantNotOne,
    /// A setup from matrices was given an R1CS without C (a zkey's: the
    /// generator needs every matrix).
    #[error(
        "the R1CS has no C matrix (a zkey holds A and B only): set up from the circuit's .r1cs"
    )]
    NoCMatrix,
    /// Constraint synthesis failed.
    #[error("constraint synthesis: {0}")]
    Synthesis(String),
    /// The witness was built for another shape than the key.
    #[error("key is for {key:?}, witness for {witness:?}")]
    ShapeMismatch {
        /// The key's shape.
        key: CircuitShape,
        /// The witness's shape.
        witness: CircuitShape,
    },
    /// A key file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// A key file does not decode or fails validation.
    #[error("{what}: {reason}")]
    Decode {
        /// Which file or object.
        what: String,
        /// Why.
        reason: String,
    },
    /// A circom/snarkjs file (or matrices.bin) does not decode.
    #[error("{file}: {source}")]
    Format {
        /// The file.
        file: String,
        /// Why, and where in it.
        #[source]
        source: crate::formats::FormatError,
    },
    /// A key file's hash differs from the one in params.json.
    #[error("{file}: SHA-256 does not match params.json (file corrupt or from another setup)")]
    HashMismatch {
        /// The file.
        file: String,
    },
    /// A proof does not verify against the key's own verifying key (the
    /// proving key holds an invalid point: see `data_structures`).
    #[error("the proof does not verify against the key's verifying key ({reason}): the proving key is corrupt")]
    ProofRejected {
        /// The verifier's reason.
        reason: String,
    },
}

impl From<ark_relations::gr1cs::SynthesisError> for ProverError {
    fn from(e: ark_relations::gr1cs::SynthesisError) -> Self {
        Self::Synthesis(e.to_string())
    }
}
