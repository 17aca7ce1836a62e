//! An account leaf: `Poseidon(token, nonce, balance, pk_x, pk_y)`; an empty leaf is 0.

use serde::{Deserialize, Serialize};

use crate::eddsa::PublicKey;
use crate::field::Fr;
use crate::poseidon::Poseidon;

/// Index of an account in the tree (at depth 16 every u32 is an index).
pub type AccountId = u32;
/// Token identifier, assigned by the L1 contract.
pub type TokenId = u32;
/// Per-account counter of signed operations.
pub type Nonce = u32;

/// Balances are below 2^128: `u128` holds every legal balance and no other.
pub type Balance = u128;

/// One account: a single-token balance owned by an EdDSA-Poseidon key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The only token this account holds.
    pub token: TokenId,
    /// Number of signed operations applied so far.
    pub nonce: Nonce,
    /// Balance in the token's smallest unit.
    #[serde(with = "crate::ops::serde_u128")]
    pub balance: Balance,
    /// Key that signs this account's L2 operations.
    pub pubkey: PublicKey,
}

impl Account {
    /// A new account with nonce 0.
    pub fn new(token: TokenId, balance: Balance, pubkey: PublicKey) -> Self {
        Self {
            token,
            nonce: 0,
            balance,
            pubkey,
        }
    }

    /// The leaf hash `Poseidon(token, nonce, balance, pk_x, pk_y)`.
    pub fn hash(&self) -> Fr {
        Poseidon::hash_n([
            Fr::from(self.token),
            Fr::from(self.nonce),
            Fr::from(self.balance),
            self.pubkey.x(),
            self.pubkey.y(),
        ])
    }
}

/// The hash of a leaf slot: the account's hash, or 0 when empty.
pub fn leaf_hash(account: Option<&Account>) -> Fr {
    account.map_or(Fr::from(0u64), Account::hash)
}
