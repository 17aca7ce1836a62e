//! The `OPS.json` file `zkroll prove` reads: one batch's operations and the
//! operator's settings for it.
//!
//! ```json
//! { "chain_id": 1, "fee_account": 0,
//!   "l1": [ {"serial": 0, "type": "DepositNew", "idx": 0, "pubkey": "0x…", "token": 0, "amount": "1000"} ],
//!   "l2": [ {"op": {"type": "Transfer", "from": 1, "to": 2, "amount": "5", "fee": "0", "nonce": 0},
//!            "signature": {"r8": ["…", "…"], "s": "…"}} ] }
//! ```

use serde::{Deserialize, Serialize};
use zkroll_state::{AccountId, QueuedL1Op, SignedL2Op};

/// One batch's operations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsFile {
    /// Rollup instance id (bound into every signature).
    pub chain_id: u32,
    /// Account credited with the fees.
    pub fee_account: AccountId,
    /// Queued L1 operations, in queue order.
    #[serde(default)]
    pub l1: Vec<QueuedL1Op>,
    /// Signed L2 operations.
    #[serde(default)]
    pub l2: Vec<SignedL2Op>,
}
