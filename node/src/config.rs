//! The node's settings: `node.toml`, every field named (unknown ones are
//! refused), flags of `zkroll node` overriding the file.
//!
//! ```toml
//! listen = "127.0.0.1:8545"
//! data_dir = "/var/lib/zkroll"
//! rpc = "http://127.0.0.1:8545"
//! rollup = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
//! keys = "/etc/zkroll/keys"        # a key directory; or dev_keys = true
//! confirmations = 3
//! fee_account = 0
//! batch_wait_ms = 2000
//! [fees]
//! transfer = "10"
//! withdraw = "100"
//! ```
//! The operator's L1 key is never in the file: `$ZKROLL_OPERATOR_KEY`
//! (or `--operator-key`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use zkroll_state::ops::serde_u128;
use zkroll_state::{AccountId, Balance, OpType};

use crate::error::ConfigError;

/// Default pending operations one account may have queued.
pub const DEFAULT_PENDING_LIMIT: u32 = 64;
/// Default largest request body, in bytes (a signed operation is ~600).
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024;
/// Default longest a ready operation waits before a batch closes anyway.
pub const DEFAULT_BATCH_WAIT_MS: u64 = 2_000;
/// Default pause between pipeline rounds when there is nothing to do.
pub const DEFAULT_POLL_MS: u64 = 200;
/// Default batches applied ahead of the last settled one.
pub const DEFAULT_MAX_IN_FLIGHT: u64 = 2;
/// Default most pending operations the whole mempool holds.
pub const DEFAULT_MEMPOOL_CAPACITY: usize = 1_000_000;

/// The operator's fee policy: the least fee each L2 operation type must
/// pay, in the fee account's token. Accounts of other tokens cannot pay a
/// fee (the protocol credits fees to one account), so they pay none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeePolicy {
    /// Least fee of a transfer.
    #[serde(with = "serde_u128", default)]
    pub transfer: Balance,
    /// Least fee of a withdrawal.
    #[serde(with = "serde_u128", default)]
    pub withdraw: Balance,
}

impl FeePolicy {
    /// The least fee for `op`.
    pub fn minimum(&self, op: OpType) -> Balance {
        match op {
            OpType::Withdraw => self.withdraw,
            _ => self.transfer,
        }
    }
}

/// Where the node finds its proving key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A key directory (`zkroll setup`, or an imported ceremony key).
    Dir(PathBuf),
    /// Development keys for the deployment's shape, made once and cached
    /// (INSECURE: whoever ran the setup can forge proofs).
    Dev,
}

/// `node.toml` as written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Address the API listens on.
    pub listen: Option<SocketAddr>,
    /// Directory of the node's stores (`state.redb`, `node.redb`).
    pub data_dir: Option<PathBuf>,
    /// The L1 node's JSON-RPC URL.
    pub rpc: Option<String>,
    /// Rollup.sol's address.
    pub rollup: Option<String>,
    /// Key directory.
    pub keys: Option<PathBuf>,
    /// Use cached development keys instead of `keys`.
    pub dev_keys: Option<bool>,
    /// Confirmations an L1 operation needs before a batch takes it.
    pub confirmations: Option<u64>,
    /// The account batches credit their fees to.
    pub fee_account: Option<AccountId>,
    /// Longest a ready operation waits for its batch to fill, in ms.
    pub batch_wait_ms: Option<u64>,
    /// Pause between pipeline rounds when idle, in ms.
    pub poll_ms: Option<u64>,
    /// Pending operations per account.
    pub pending_limit: Option<u32>,
    /// Pending operations in the whole mempool.
    pub mempool_capacity: Option<usize>,
    /// Largest request body, in bytes.
    pub body_limit: Option<usize>,
    /// Batches applied ahead of the last settled one.
    pub max_in_flight: Option<u64>,
    /// The fee policy.
    pub fees: Option<FeePolicy>,
}

impl ConfigFile {
    /// Reads `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source: Box::new(source),
        })
    }

    /// `self` with every field `over` sets taken from `over` (flags over
    /// the file).
    pub fn overridden_by(self, over: ConfigFile) -> ConfigFile {
        ConfigFile {
            listen: over.listen.or(self.listen),
            data_dir: over.data_dir.or(self.data_dir),
            rpc: over.rpc.or(self.rpc),
            rollup: over.rollup.or(self.rollup),
            keys: over.keys.or(self.keys),
            dev_keys: over.dev_keys.or(self.dev_keys),
            confirmations: over.confirmations.or(self.confirmations),
            fee_account: over.fee_account.or(self.fee_account),
            batch_wait_ms: over.batch_wait_ms.or(self.batch_wait_ms),
            poll_ms: over.poll_ms.or(self.poll_ms),
            pending_limit: over.pending_limit.or(self.pending_limit),
            mempool_capacity: over.mempool_capacity.or(self.mempool_capacity),
            body_limit: over.body_limit.or(self.body_limit),
            max_in_flight: over.max_in_flight.or(self.max_in_flight),
            fees: over.fees.or(self.fees),
        }
    }

    /// The complete settings, or the first one missing or invalid.
    pub fn resolve(self) -> Result<NodeConfig, ConfigError> {
        let need = |field: &'static str| ConfigError::Missing { field };
        let keys = match (self.keys, self.dev_keys.unwrap_or(false)) {
            (Some(_), true) => return Err(ConfigError::KeysTwice),
            (Some(dir), false) => KeySource::Dir(dir),
            (None, true) => KeySource::Dev,
            (None, false) => return Err(need("keys (or dev_keys = true)")),
        };
        let rollup = self.rollup.ok_or_else(|| need("rollup"))?;
        let rollup = rollup
            .parse::<alloy::primitives::Address>()
            .map_err(|_| ConfigError::BadAddress { value: rollup })?;
        let pending_limit = self.pending_limit.unwrap_or(DEFAULT_PENDING_LIMIT);
        if pending_limit == 0 {
            return Err(ConfigError::Zero {
                field: "pending_limit",
            });
        }
        let max_in_flight = self.max_in_flight.unwrap_or(DEFAULT_MAX_IN_FLIGHT);
        if max_in_flight == 0 {
            return Err(ConfigError::Zero {
                field: "max_in_flight",
            });
        }
        Ok(NodeConfig {
            listen: self
                .listen
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))),
            data_dir: self.data_dir.ok_or_else(|| need("data_dir"))?,
            rpc: self.rpc.ok_or_else(|| need("rpc"))?,
            rollup,
            keys,
            confirmations: self
                .confirmations
                .unwrap_or(zkroll_l1::rpc::DEFAULT_CONFIRMATIONS),
            fee_account: self.fee_account.unwrap_or(0),
            batch_wait: Duration::from_millis(self.batch_wait_ms.unwrap_or(DEFAULT_BATCH_WAIT_MS)),
            poll: Duration::from_millis(self.poll_ms.unwrap_or(DEFAULT_POLL_MS)),
            pending_limit,
            mempool_capacity: self.mempool_capacity.unwrap_or(DEFAULT_MEMPOOL_CAPACITY),
            body_limit: self.body_limit.unwrap_or(DEFAULT_BODY_LIMIT),
            max_in_flight,
            fees: self.fees.unwrap_or_default(),
        })
    }
}

/// The node's complete settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeConfig {
    /// Address the API listens on (port 0: any free port, printed).
    pub listen: SocketAddr,
    /// Directory of `state.redb` and `node.redb`.
    pub data_dir: PathBuf,
    /// The L1 node's JSON-RPC URL.
    pub rpc: String,
    /// Rollup.sol's address.
    pub rollup: alloy::primitives::Address,
    /// The proving key.
    pub keys: KeySource,
    /// Confirmations an L1 operation needs.
    pub confirmations: u64,
    /// The fee account.
    pub fee_account: AccountId,
    /// Longest a ready operation waits for its batch to fill.
    pub batch_wait: Duration,
    /// Pause between idle pipeline rounds.
    pub poll: Duration,
    /// Pending operations per account (nonces from the account's current
    /// one up to this many ahead are accepted).
    pub pending_limit: u32,
    /// Pending operations in the whole mempool.
    pub mempool_capacity: usize,
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// Batches applied ahead of the last settled one.
    pub max_in_flight: u64,
    /// The fee policy.
    pub fees: FeePolicy,
}
