//! Why a proof, key or input was refused: one variant per reason.

/// Verification failure or malformed input. Never a panic, never a bare bool.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The proof does not verify (the pairing equation fails).
    #[error("proof does not verify against this key and public input")]
    Invalid,
    /// The number of public inputs differs from the key's.
    #[error("expected {expected} public inputs, got {got}")]
    InputCount {
        /// Inputs the key takes.
        expected: usize,
        /// Inputs given.
        got: usize,
    },
    /// A public input is not a canonical scalar (>= r) or not an integer.
    #[error("public input {index}: {reason}")]
    Input {
        /// Position in the input list.
        index: usize,
        /// What was wrong.
        reason: String,
    },
    /// A coordinate is not a canonical base-field element.
    #[error("{what}: coordinate {reason}")]
    Coordinate {
        /// Which point ("pi_a", "vk_beta_2", ...).
        what: String,
        /// What was wrong.
        reason: String,
    },
    /// A point is not on the curve.
    #[error("{what}: point is not on the curve")]
    NotOnCurve {
        /// Which point.
        what: String,
    },
    /// A point is on the curve but not in the prime-order subgroup.
    #[error("{what}: point is not in the prime-order subgroup")]
    NotInSubgroup {
        /// Which point.
        what: String,
    },
    /// The JSON does not have the expected shape.
    #[error("{file}: malformed JSON: {reason}")]
    Json {
        /// Which document.
        file: String,
        /// The parser's message.
        reason: String,
    },
    /// A binary encoding does not decode (or fails validation).
    #[error("{what}: malformed bytes: {reason}")]
    Bytes {
        /// Which object.
        what: String,
        /// The decoder's message.
        reason: String,
    },
    /// A file could not be read.
    #[error("{path}: {reason}")]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        reason: String,
    },
}
