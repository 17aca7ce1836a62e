//! The API's JSON bodies (also what `zkroll wallet` and the tests read).
//! Balances and fees are decimal strings (JavaScript numbers lose
//! precision past 2^53); roots and hashes are 0x-prefixed hex.

use serde::{Deserialize, Serialize};
use zkroll_state::ops::serde_u128;
use zkroll_state::{AccountId, Balance, Nonce, QueuedL1Op, SignedL2Op, TokenId};

/// A refusal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable reason.
    pub error: String,
    /// What was wrong.
    pub reason: String,
}

/// `POST /ops` accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitted {
    /// The operation's id.
    pub id: u64,
    /// Its status now (`pending` or `waiting`).
    pub status: String,
}

/// `GET /ops/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpView {
    /// The id.
    pub id: u64,
    /// `pending`, `waiting`, `in_batch`, `proved`, `settled` or `dropped`.
    pub status: String,
    /// For `waiting`: the nonce it waits for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_for_nonce: Option<Nonce>,
    /// Its batch, once in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<u64>,
    /// For `settled`: the L1 transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l1_tx: Option<String>,
    /// For `dropped`: the reason's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// For `dropped`: what was wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The operation as signed.
    pub op: SignedL2Op,
    /// When it was accepted, ms since the Unix epoch.
    pub received_ms: u64,
}

/// An account's balance and nonce at one point of its history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    /// The balance.
    #[serde(with = "serde_u128")]
    pub balance: Balance,
    /// The next nonce.
    pub nonce: Nonce,
}

/// `GET /accounts/{idx}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// The index.
    pub index: AccountId,
    /// Its token.
    pub token: TokenId,
    /// Its compressed public key, 0x hex.
    pub pubkey: String,
    /// As of the last batch settled on L1 (None: not yet created there).
    pub settled: Option<Holding>,
    /// As of the last batch proved.
    pub proved: Option<Holding>,
    /// As of the last batch applied.
    pub applied: Holding,
    /// After its pending operations: the balance less what they debit,
    /// the nonce its next operation should carry.
    pub pending: Holding,
    /// Its pending operations' ids, by nonce.
    pub pending_ops: Vec<u64>,
    /// Confirmed L1 operations for it no batch has taken yet.
    pub l1_queued: Vec<QueuedL1Op>,
}

/// `GET /batches/{n}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchView {
    /// Its number.
    pub number: u64,
    /// `applied` (being proved), `proved` (being submitted) or `settled`.
    pub stage: String,
    /// Root before.
    pub old_root: String,
    /// Root after.
    pub new_root: String,
    /// The first L1 queue serial it consumes.
    pub l1_from: u64,
    /// How many L1 operations.
    pub l1_count: u64,
    /// Its L2 operations' ids.
    pub ops: Vec<u64>,
    /// Fees collected for the fee account.
    #[serde(with = "serde_u128")]
    pub fees: Balance,
    /// Proving time, ms.
    pub prove_ms: Option<u64>,
    /// The settling transaction.
    pub l1_tx: Option<String>,
    /// Its block.
    pub l1_block: Option<u64>,
    /// Its gas.
    pub gas: Option<u64>,
    /// Planned at, ms since the Unix epoch.
    pub created_ms: u64,
    /// Settled at.
    pub settled_ms: Option<u64>,
}

/// One L1 operation waiting in the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedView {
    /// The operation.
    pub op: QueuedL1Op,
    /// How long since the node first saw it confirmed, seconds.
    pub age_s: u64,
    /// The L1 block it was queued in (null: not known).
    pub queued_block: Option<u64>,
    /// Blocks since it was queued (null: not known).
    pub age_blocks: Option<u64>,
    /// After this block anyone may turn on exodus mode while it waits:
    /// `queued_block + expiry_blocks` (null: not known).
    pub expires_after_block: Option<u64>,
    /// Blocks until then (0: expired; null: not known).
    pub blocks_left: Option<u64>,
}

/// `GET /queue`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueView {
    /// The next serial a batch must consume.
    pub queue_head: u64,
    /// The next serial L1 assigns.
    pub queue_tail: u64,
    /// Exodus mode is on.
    pub exodus: bool,
    /// The L1 block of the last look.
    pub l1_block: u64,
    /// How many blocks a queued operation may wait (Rollup.sol's `expiryBlocks`).
    pub expiry_blocks: u64,
    /// The confirmed operations no batch has taken.
    pub confirmed: Vec<QueuedView>,
}

/// `GET /fees`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeesView {
    /// The account fees are credited to.
    pub fee_account: AccountId,
    /// Its token (None: it does not exist yet).
    pub fee_token: Option<TokenId>,
    /// Its balance.
    #[serde(with = "serde_u128")]
    pub fee_account_balance: Balance,
    /// Least fee of a transfer (accounts of the fee token; others pay none).
    #[serde(with = "serde_u128")]
    pub transfer: Balance,
    /// Least fee of a withdrawal.
    #[serde(with = "serde_u128")]
    pub withdraw: Balance,
}

/// The circuit shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShapeView {
    /// Tree depth.
    pub depth: u8,
    /// L1 slots per batch.
    pub l1_slots: usize,
    /// L2 slots per batch.
    pub l2_slots: usize,
}

/// `GET /info`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoView {
    /// The L1 chain id (signatures are bound to it).
    pub chain_id: u64,
    /// Rollup.sol's address (signatures are bound to it).
    pub rollup: String,
    /// The circuit shape.
    pub shape: ShapeView,
    /// The fee account.
    pub fee_account: AccountId,
    /// The prover: loading, ready (with the key's label), or failed.
    pub prover: String,
}

/// `GET /health`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthView {
    /// `ok`, or `degraded` when the last pipeline round failed.
    pub status: String,
    /// The last batch applied.
    pub last_batch: u64,
    /// The last batch L1 settled, at the last look.
    pub settled_batch: u64,
    /// Pending operations.
    pub mempool: usize,
    /// The prover.
    pub prover: String,
    /// The batch being applied, if one is.
    pub applying: Option<u64>,
    /// The batch being proved, if one is.
    pub proving: Option<u64>,
    /// The batch whose L1 transaction is being sent or waited for, if one is.
    pub settling: Option<u64>,
    /// The last round's error.
    pub last_error: Option<String>,
}
