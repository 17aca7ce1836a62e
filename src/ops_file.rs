//! The `OPS.json` file `zkroll prove` reads: one batch's operations and the
//! operator's settings for it.
//!
//! ```json
//! { "domain": {"chain_id": 31337, "rollup": "0x5fbdb2315678afecb367f032d93f642f64180aa3"},
//!   "fee_account": 0,
//!   "l1": [ {"serial": 0, "type": "DepositNew", "idx": 0, "pubkey": "0x…", "token": 0, "amount": "1000"} ],
//!   "l2": [ {"op": {"type": "Transfer", "from": 1, "to": 2, "amount": "5", "fee": "0", "nonce": 0},
//!            "signature": {"r8": ["…", "…"], "s": "…"}} ] }
//! ```

use serde::{Deserialize, Serialize};
use zkroll_state::{AccountId, Domain, QueuedL1Op, SignedL2Op};

/// One batch's operations. Unknown fields are refused (a misspelt `"L2"`
/// must not prove an empty batch).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpsFile {
    /// The deployment (L1 chain id and Rollup.sol address) the batch is for:
    /// its header names it and every signature covers it.
    pub domain: Domain,
    /// Account credited with the fees.
    pub fee_account: AccountId,
    /// Queued L1 operations, in queue order.
    #[serde(default)]
    pub l1: Vec<QueuedL1Op>,
    /// Signed L2 operations.
    #[serde(default)]
    pub l2: Vec<SignedL2Op>,
}
