//! zkroll-state: the native rollup state machine. Field and hashes, Baby
//! Jubjub EdDSA, the 4-ary account tree, operations, batch execution,
//! pubdata and the crash-safe store. No R1CS here: the circuits crate
//! mirrors these modules as gadgets.

pub mod account;
pub mod babyjubjub;
pub mod batch;
pub mod domain;
pub mod eddsa;
pub mod field;
pub mod float;
pub mod ops;
pub mod poseidon;
pub mod pubdata;
pub mod sim;
pub mod state;
pub mod store;
pub mod tree;

pub use account::{Account, AccountId, Balance, Nonce, TokenId};
pub use batch::{apply_batch, BatchConfig, BatchError, BatchWitness, L1Failure, L2OpError};
pub use domain::{Address20, Domain};
pub use eddsa::{PrivateKey, PublicKey, Signature, SignatureError};
pub use field::Fr;
pub use ops::{L1Op, L2Op, OpType, QueuedL1Op, SignedL2Op, Transfer, Withdraw};
pub use poseidon::Poseidon;
pub use pubdata::CircuitShape;
pub use state::{Rollup, StateError};
pub use store::{BatchStage, MemStore, RedbStore, Storage, StoreError};
pub use tree::{AccountTree, MerklePath};
