//! What went wrong on the L1 side: a missing tool, a compile error, or a
//! transaction that reverted (with its revert data, decoded when the error
//! is known) or halted.

use revm::primitives::U256;

/// A failure of the L1 harness: compiling, deploying or calling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum L1Error {
    /// Node or solc-js is not installed.
    #[error("{what} is missing: run `npm ci --prefix contracts` (scripts/test.sh does it)")]
    ToolMissing {
        /// What was looked for, and where.
        what: String,
    },
    /// solc refused the sources (its messages, as printed).
    #[error("solc failed:\n{message}")]
    Compile {
        /// The compiler's (or the script's) output.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// The compiler's JSON output is not what `contracts/scripts/compile.mjs`
    /// promises.
    #[error("malformed compiler output: {reason}")]
    Artifact {
        /// What was wrong.
        reason: String,
    },
    /// No compiled contract has this name.
    #[error("no contract {name} in the artifacts (have: {available})")]
    NoContract {
        /// The name asked for.
        name: String,
        /// The names there are, comma-separated.
        available: String,
    },
    /// The embedded verifier takes keys with one public input; this key
    /// has another number (render its own with `zkroll export solidity`).
    #[error("the embedded verifier takes keys with 1 public input, this key has {n_public}")]
    UnsupportedKey {
        /// The key's number of public inputs.
        n_public: usize,
    },
    /// The transaction reverted (`REVERT`): its data, decoded when known.
    #[error("{0}")]
    Reverted(Box<Revert>),
    /// The transaction halted (out of gas, invalid opcode, ...), using all
    /// its gas.
    #[error("halted: {reason} (gas used {gas_used})")]
    Halted {
        /// revm's halt reason.
        reason: String,
        /// Gas used by the transaction.
        gas_used: u64,
    },
    /// The EVM refused the transaction itself (invalid transaction, header
    /// or database error); nothing was executed.
    #[error("transaction not executed: {0}")]
    Evm(String),
}

/// A `REVERT`: the raw revert data and, when its selector is known, the
/// decoded error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revert {
    /// The revert data (selector and ABI-encoded arguments).
    pub data: Vec<u8>,
    /// The error, if the selector is one the EVM knows (see
    /// [`crate::Evm::register_abi`]), `Error(string)` or `Panic(uint256)`.
    pub error: Option<DecodedError>,
    /// Gas used by the transaction.
    pub gas_used: u64,
}

/// A custom (or built-in) Solidity error recognised by its selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedError {
    /// The error's name, e.g. `InputNotInField`.
    pub name: String,
    /// Its canonical signature, e.g. `InputNotInField(uint256)`.
    pub signature: String,
    /// The 32-byte words after the selector (the arguments when they are
    /// all static types).
    pub words: Vec<U256>,
    /// The message of an `Error(string)`.
    pub message: Option<String>,
}

impl Revert {
    /// The name of the decoded error, if any.
    pub fn name(&self) -> Option<&str> {
        self.error.as_ref().map(|e| e.name.as_str())
    }

    /// The 4-byte selector, if the data has one.
    pub fn selector(&self) -> Option<[u8; 4]> {
        self.data.get(..4).map(|s| [s[0], s[1], s[2], s[3]])
    }
}

impl std::fmt::Display for Revert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.error {
            Some(DecodedError {
                message: Some(m), ..
            }) => write!(f, "reverted: Error({m:?})")?,
            Some(e) => {
                write!(f, "reverted: {}(", e.name)?;
                for (i, w) in e.words.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{w}")?;
                }
                write!(f, ")")?;
            }
            None if self.data.is_empty() => write!(f, "reverted without data")?,
            None => write!(
                f,
                "reverted with unknown data 0x{}",
                hex::encode(&self.data)
            )?,
        }
        write!(f, " (gas used {})", self.gas_used)
    }
}

impl L1Error {
    /// The revert, if this is one.
    pub fn revert(&self) -> Option<&Revert> {
        match self {
            L1Error::Reverted(r) => Some(r),
            _ => None,
        }
    }
}
