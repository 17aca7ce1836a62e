//! Why a batch operation failed: an L1 operation's recorded failure, an L2
//! operation's refusal, and a refused batch.

use serde::{Deserialize, Serialize};

use crate::account::{AccountId, Balance, Nonce, TokenId};
use crate::eddsa::SignatureError;

/// Why an L1 operation was recorded as failed (status byte 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum L1Failure {
    /// DepositNew to an index that already holds an account.
    #[error("account index already occupied")]
    AccountExists,
    /// Deposit or ForcedExit to an empty index.
    #[error("no account at this index")]
    UnknownAccount,
    /// The queued token differs from the account's.
    #[error("token differs from the account's token")]
    TokenMismatch,
    /// The credit would take the balance to 2^128 or more.
    #[error("balance would reach 2^128")]
    BalanceOverflow,
    /// DepositNew's compressed key is not a curve point.
    #[error("public key does not decompress to a Baby Jubjub point")]
    InvalidPubkey,
    /// DepositNew's key is of small order (8·A has x = 0): anyone could
    /// sign for it, so no L2 operation from it is accepted; the deposit is
    /// refunded instead of stranded.
    #[error("public key is of small order (no operation from it would be accepted)")]
    SmallOrderPubkey,
    /// The index does not fit the tree's depth.
    #[error("index does not fit the tree")]
    IndexOutOfRange,
}

/// Why an L2 operation was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum L2OpError {
    /// No account at this index.
    #[error("unknown account {idx}")]
    UnknownAccount {
        /// The index.
        idx: AccountId,
    },
    /// The signature does not verify against the `from` account's key.
    #[error("bad signature: {0}")]
    BadSignature(SignatureError),
    /// The nonce is not the account's current nonce.
    #[error("wrong nonce: account is at {expected}, operation has {got}")]
    WrongNonce {
        /// The account's nonce.
        expected: Nonce,
        /// The operation's nonce.
        got: Nonce,
    },
    /// The account has used every nonce (2^32 - 1).
    #[error("nonce exhausted")]
    NonceExhausted,
    /// balance < amount + fee.
    #[error("insufficient balance: {balance} < amount {amount} + fee {fee}")]
    InsufficientBalance {
        /// The account's balance.
        balance: Balance,
        /// The amount.
        amount: Balance,
        /// The fee.
        fee: Balance,
    },
    /// The credit would take the balance to 2^128 or more.
    #[error("balance of account {idx} would reach 2^128")]
    BalanceOverflow {
        /// The credited account.
        idx: AccountId,
    },
    /// A transfer between accounts of different tokens.
    #[error("token mismatch: from holds {from_token}, to holds {to_token}")]
    TokenMismatch {
        /// Token of the debited account.
        from_token: TokenId,
        /// Token of the credited account.
        to_token: TokenId,
    },
    /// The amount has no exact float40 packing.
    #[error("amount {amount} is not representable as float40")]
    AmountNotRepresentable {
        /// The amount.
        amount: Balance,
    },
    /// The fee has no exact float16 packing.
    #[error("fee {fee} is not representable as float16")]
    FeeNotRepresentable {
        /// The fee.
        fee: Balance,
    },
    /// A non-zero fee in a token other than the fee account's.
    #[error("fee on a foreign token: account holds {token}, fee account holds {fee_token}")]
    FeeOnForeignToken {
        /// Token of the paying account.
        token: TokenId,
        /// Token of the fee account.
        fee_token: TokenId,
    },
}

/// Why a batch was refused. The tree is unchanged after any of these.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// More L1 operations than L1 slots.
    #[error("{got} L1 operations for {slots} L1 slots")]
    TooManyL1Ops {
        /// Operations given.
        got: usize,
        /// Slots available.
        slots: usize,
    },
    /// More L2 operations than L2 slots.
    #[error("{got} L2 operations for {slots} L2 slots")]
    TooManyL2Ops {
        /// Operations given.
        got: usize,
        /// Slots available.
        slots: usize,
    },
    /// L1 operations must be the next queued ones, in order.
    #[error("L1 slot {slot}: queue serial {got}, expected {expected}")]
    L1OutOfOrder {
        /// The slot.
        slot: usize,
        /// The next serial in the queue.
        expected: u64,
        /// The operation's serial.
        got: u64,
    },
    /// An L2 operation broke a rule.
    #[error("L2 slot {slot}: {reason}")]
    L2 {
        /// The slot.
        slot: usize,
        /// Why.
        reason: L2OpError,
    },
    /// The fee account does not exist.
    #[error("fee account {idx} does not exist")]
    UnknownFeeAccount {
        /// The configured fee account.
        idx: AccountId,
    },
    /// Crediting the fees would take the fee account to 2^128 or more.
    #[error("fee account {idx}: collected fees would take its balance to 2^128")]
    FeeOverflow {
        /// The fee account.
        idx: AccountId,
    },
    /// The tree's depth differs from the shape's.
    #[error("tree depth {tree} differs from the batch shape's depth {shape}")]
    DepthMismatch {
        /// Tree depth.
        tree: u8,
        /// Shape depth.
        shape: u8,
    },
}
