//! What went wrong on the L1 side: a missing tool, a compile error, a
//! transaction that reverted (with its revert data, decoded when the error
//! is known) or halted, or a live node that could not be used (unreachable,
//! another chain, no rollup at the address, an unfunded key, a transaction
//! never mined).

use std::collections::HashMap;
use std::sync::Arc;

use revm::primitives::U256;

use crate::compile::abi_error_signatures;

/// A failure on the L1 side: compiling, deploying, calling, or talking to
/// a node.
#[derive(Debug, Clone, thiserror::Error)]
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
    /// A JSON-RPC request failed: the node is unreachable, dropped the
    /// connection, or answered with an error.
    #[error("L1 node {url}: {call} failed: {source}")]
    Rpc {
        /// The node's URL.
        url: String,
        /// What was asked (`eth_getLogs`, `send transaction`, ...).
        call: &'static str,
        /// The transport's error.
        source: Arc<alloy::transports::TransportError>,
    },
    /// The RPC URL does not parse.
    #[error("RPC URL {url:?}: {reason}")]
    BadUrl {
        /// The URL given.
        url: String,
        /// Why it is refused.
        reason: String,
    },
    /// A private key does not parse (the key itself is never printed).
    #[error("{what}: not a 32-byte hex private key")]
    BadKey {
        /// Which key (`--operator-key`, ...).
        what: String,
    },
    /// The node serves another chain than the one expected.
    #[error("the L1 node is on chain id {got}, expected {expected}")]
    WrongChainId {
        /// Expected chain id.
        expected: u64,
        /// The node's chain id.
        got: u64,
    },
    /// There is no zkroll rollup at the address (no code, or not Rollup.sol's).
    #[error("no zkroll Rollup contract at {address}: {reason}")]
    NotARollup {
        /// The address given.
        address: String,
        /// What was found.
        reason: String,
    },
    /// The rollup's shape is not the one the caller's keys or state are for.
    #[error("the rollup at {address} checks {on_chain}, not {expected}")]
    ShapeMismatch {
        /// The rollup's address.
        address: String,
        /// The on-chain shape.
        on_chain: String,
        /// The caller's shape.
        expected: String,
    },
    /// An account cannot pay for a transaction.
    #[error("{address} holds {balance} wei, not enough for this transaction (at least {needed} wei with its gas): fund it")]
    InsufficientFunds {
        /// The sender.
        address: String,
        /// Its balance.
        balance: U256,
        /// Gas limit times max fee, plus value.
        needed: U256,
    },
    /// The node has no key for the sender (register it with the client).
    #[error("no signing key for {address}")]
    NoSigner {
        /// The sender asked for.
        address: String,
    },
    /// A transaction was not mined after every fee bump.
    #[error("transaction {tx_hash} (nonce {nonce}) not mined after {attempts} attempts over {waited_secs} s")]
    NotMined {
        /// The last hash sent.
        tx_hash: String,
        /// Its nonce.
        nonce: u64,
        /// How many times it was sent (with bumped fees).
        attempts: u32,
        /// Seconds waited in all.
        waited_secs: u64,
    },
    /// L1 holds another batch under this number than the one being settled.
    #[error("batch {batch} is settled on L1 with new root {on_chain}, not ours ({ours})")]
    Diverged {
        /// The batch number.
        batch: u64,
        /// The root on L1.
        on_chain: String,
        /// The local root.
        ours: String,
    },
    /// A settled batch's data on L1 cannot be read back.
    #[error("settled batch {batch}: {reason}")]
    BadCalldata {
        /// The batch number.
        batch: u64,
        /// What is wrong.
        reason: String,
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

/// Known error signatures by selector: decodes revert data into
/// [`DecodedError`]s. `Error(string)` and `Panic(uint256)` are always known.
#[derive(Clone, Debug)]
pub struct ErrorRegistry {
    errors: HashMap<[u8; 4], String>,
}

impl Default for ErrorRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl ErrorRegistry {
    /// A registry of the built-in errors.
    pub fn new() -> Self {
        let mut r = Self {
            errors: HashMap::new(),
        };
        r.register("Error(string)");
        r.register("Panic(uint256)");
        r
    }

    /// How many signatures are known.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Never true: the built-ins are always there.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Makes reverts with this error decodable, e.g. `ProofInvalid()` or
    /// `InputNotInField(uint256)` (canonical types, no names or spaces).
    pub fn register(&mut self, signature: &str) {
        self.errors
            .insert(crate::evm::selector(signature), signature.to_string());
    }

    /// Registers every custom error of a contract's ABI.
    pub fn register_abi(&mut self, abi: &serde_json::Value) {
        for sig in abi_error_signatures(abi) {
            self.register(&sig);
        }
    }

    /// Decodes revert data by its selector, if known.
    pub fn decode(&self, data: &[u8]) -> Option<DecodedError> {
        let sel: [u8; 4] = data.get(..4)?.try_into().ok()?;
        let signature = self.errors.get(&sel)?.clone();
        let name = signature.split('(').next().unwrap_or_default().to_string();
        let words: Vec<U256> = data[4..]
            .chunks_exact(32)
            .map(U256::from_be_slice)
            .collect();
        let message = (signature == "Error(string)")
            .then(|| {
                let offset = usize::try_from(*words.first()?).ok()?;
                let body = data.get(4 + offset..)?;
                let len = usize::try_from(U256::from_be_slice(body.get(..32)?)).ok()?;
                let bytes = body.get(32..32usize.checked_add(len)?)?;
                Some(String::from_utf8_lossy(bytes).into_owned())
            })
            .flatten();
        Some(DecodedError {
            name,
            signature,
            words,
            message,
        })
    }
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
