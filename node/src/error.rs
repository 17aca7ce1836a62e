//! Why the node refused something: a configuration ([`ConfigError`]), a
//! submitted operation ([`SubmitError`], each variant one HTTP reason), its
//! own store ([`NodeStoreError`]) or a pipeline step ([`NodeError`]).

use std::path::PathBuf;

use zkroll_state::{AccountId, Balance, L2OpError, Nonce, OpType};

/// The settings are incomplete or invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or names an unknown field.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (line, column, field).
        #[source]
        source: Box<toml::de::Error>,
    },
    /// A required setting is missing.
    #[error("missing setting `{field}` (in node.toml or as a flag)")]
    Missing {
        /// The setting.
        field: &'static str,
    },
    /// Both a key directory and dev keys were asked for.
    #[error("`keys` and `dev_keys = true` are both set: choose one")]
    KeysTwice,
    /// The rollup address is not 0x + 40 hex digits.
    #[error("`rollup` = {value:?} is not an address (0x + 40 hex digits)")]
    BadAddress {
        /// What was given.
        value: String,
    },
    /// A setting that must be positive is 0.
    #[error("`{field}` must be at least 1")]
    Zero {
        /// The setting.
        field: &'static str,
    },
}

/// Why a submitted L2 operation was refused; nothing was stored. Each
/// variant is one reason the API names (its [`SubmitError::code`]).
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The operation breaks a rule of the protocol (the same reasons a
    /// batch refuses it for: bad signature, insufficient balance, token
    /// mismatch, not representable, unknown account...).
    #[error("{0}")]
    Rule(#[from] L2OpError),
    /// The nonce was used by a settled or applied operation already.
    #[error("nonce {got} is already used: account {from} is at nonce {current}")]
    NonceUsed {
        /// The account.
        from: AccountId,
        /// Its next nonce.
        current: Nonce,
        /// The operation's nonce.
        got: Nonce,
    },
    /// The same signed operation is pending already.
    #[error("duplicate: this operation is pending already as operation {id}")]
    Duplicate {
        /// The pending operation's id.
        id: u64,
    },
    /// Another operation with this nonce is pending.
    #[error("nonce {nonce} of account {from} is taken by pending operation {id}")]
    NonceTaken {
        /// The account.
        from: AccountId,
        /// The nonce.
        nonce: Nonce,
        /// The pending operation holding it.
        id: u64,
    },
    /// The nonce is further ahead than the account may queue.
    #[error("nonce {got} is beyond the pending limit: account {from} is at nonce {current} and may queue {limit} operations")]
    NonceBeyondLimit {
        /// The account.
        from: AccountId,
        /// Its next nonce.
        current: Nonce,
        /// The operation's nonce.
        got: Nonce,
        /// The per-account limit.
        limit: u32,
    },
    /// The balance does not cover the operation after the account's
    /// pending ones.
    #[error("insufficient balance after pending operations: balance {balance}, pending {pending}, this operation {needed}")]
    InsufficientAfterPending {
        /// The applied balance.
        balance: Balance,
        /// What the pending operations debit.
        pending: Balance,
        /// amount + fee of this one.
        needed: Balance,
    },
    /// The fee is below the operator's policy.
    #[error("fee {fee} is below the minimum {minimum} for a {op:?}")]
    FeeTooLow {
        /// The operation type.
        op: OpType,
        /// The fee paid.
        fee: Balance,
        /// The policy's minimum.
        minimum: Balance,
    },
    /// The mempool is full.
    #[error("the mempool is full ({capacity} pending operations); try again later")]
    MempoolFull {
        /// Its capacity.
        capacity: usize,
    },
    /// The store could not persist the operation (shared: one failed
    /// durable write refuses every operation of its group).
    #[error("the operation could not be stored: {0}")]
    Store(#[source] std::sync::Arc<NodeStoreError>),
    /// The node is shutting down.
    #[error("the node is shutting down")]
    ShuttingDown,
}

impl From<NodeStoreError> for SubmitError {
    fn from(e: NodeStoreError) -> Self {
        Self::Store(std::sync::Arc::new(e))
    }
}

impl SubmitError {
    /// A stable machine-readable name of the reason.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Rule(r) => match r {
                L2OpError::UnknownAccount { .. } => "unknown_account",
                L2OpError::BadSignature(_) => "bad_signature",
                L2OpError::WrongNonce { .. } => "wrong_nonce",
                L2OpError::NonceExhausted => "nonce_exhausted",
                L2OpError::InsufficientBalance { .. } => "insufficient_balance",
                L2OpError::BalanceOverflow { .. } => "balance_overflow",
                L2OpError::TokenMismatch { .. } => "token_mismatch",
                L2OpError::AmountNotRepresentable { .. } => "amount_not_representable",
                L2OpError::FeeNotRepresentable { .. } => "fee_not_representable",
                L2OpError::FeeOnForeignToken { .. } => "fee_on_foreign_token",
            },
            Self::NonceUsed { .. } => "nonce_used",
            Self::Duplicate { .. } => "duplicate",
            Self::NonceTaken { .. } => "nonce_taken",
            Self::NonceBeyondLimit { .. } => "nonce_beyond_limit",
            Self::InsufficientAfterPending { .. } => "insufficient_balance",
            Self::FeeTooLow { .. } => "fee_too_low",
            Self::MempoolFull { .. } => "mempool_full",
            Self::Store(_) => "store_failed",
            Self::ShuttingDown => "shutting_down",
        }
    }

    /// Whether the client is at fault (4xx) rather than the node (5xx).
    pub fn is_client_error(&self) -> bool {
        !matches!(self, Self::Store(_) | Self::ShuttingDown)
    }
}

/// The node's own store (`node.redb`) failed.
#[derive(Debug, thiserror::Error)]
pub enum NodeStoreError {
    /// redb failed.
    #[error("node store: {op}: {source}")]
    Backend {
        /// What was being done.
        op: &'static str,
        /// Why.
        #[source]
        source: Box<redb::Error>,
    },
    /// A record could not be encoded or decoded.
    #[error("node store: {what} record: {reason}")]
    Codec {
        /// Which record.
        what: &'static str,
        /// Why.
        reason: String,
    },
}

/// A step of the node failed.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The settings.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The node's store.
    #[error(transparent)]
    Store(#[from] NodeStoreError),
    /// The rollup state.
    #[error("state: {0}")]
    State(#[from] zkroll_state::StateError),
    /// The state store could not be opened.
    #[error("state store: {0}")]
    StateStore(#[from] zkroll_state::StoreError),
    /// L1.
    #[error("L1: {0}")]
    L1(#[from] zkroll_l1::L1Error),
    /// Syncing from L1.
    #[error("syncing from L1: {0}")]
    Sync(#[from] zkroll_l1::sync::SyncError),
    /// The key.
    #[error("proving key: {0}")]
    Key(#[source] zkroll_prover::ProverError),
    /// Proving a batch failed.
    #[error("proving batch {batch}: {source}")]
    Prove {
        /// The batch.
        batch: u64,
        /// Why.
        #[source]
        source: zkroll_prover::ProverError,
    },
    /// A proof did not verify against the key's verifying key.
    #[error("batch {batch}: the proof does not verify ({reason}); not submitted")]
    ProofInvalid {
        /// The batch.
        batch: u64,
        /// Why.
        reason: String,
    },
    /// The key was made for another shape than the deployment's verifier.
    #[error("the key is for {key:?}, the deployment's verifier for {deployment:?}")]
    ShapeMismatch {
        /// The key's shape.
        key: zkroll_state::CircuitShape,
        /// The deployment's shape.
        deployment: zkroll_state::CircuitShape,
    },
    /// The API's address could not be bound.
    #[error("listening on {addr}: {source}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file or directory of the node could not be used.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The state on L1 is not one this node's history leads to (another
    /// operator settled batches this node cannot replay).
    #[error("L1 diverged from the local state: {reason}")]
    Diverged {
        /// What differs.
        reason: String,
    },
    /// L1 says a batch settled, and its `BatchVerified` log cannot be found.
    #[error(
        "L1 settled batch {batch}, and its BatchVerified log was not found after {tries} tries"
    )]
    SettlementLogMissing {
        /// The batch.
        batch: u64,
        /// How many times the logs were read.
        tries: u32,
    },
    /// A pipeline thread stopped.
    #[error("the {what} thread stopped unexpectedly")]
    ThreadGone {
        /// Which.
        what: &'static str,
    },
}
