//! zkroll-l1: the L1 side. [`artifacts`] holds the compiled contracts,
//! embedded (the binary needs neither solc nor Node), and [`abi`] their
//! `sol!` bindings. [`RollupChain`] is the one interface to a chain holding
//! a rollup, with two implementations: [`rollup::RollupL1`] on [`Evm`], an
//! in-process chain (revm, mainnet rules; the default for tests and the
//! demo), and [`RpcChain`], any Ethereum node over JSON-RPC (alloy).
//!
//! ```no_run
//! # fn main() -> Result<(), zkroll_l1::L1Error> {
//! use zkroll_l1::{artifacts, Address, Evm, U256};
//! # let key_words = vec![];
//! let verifier = artifacts::contracts()?.get("Groth16ImmutableVerifier")?;
//! let mut evm = Evm::new();
//! let at = evm.deploy_contract(verifier, &key_words)?;
//! # let calldata = vec![];
//! let outcome = evm.call(Address::repeat_byte(1), at, &calldata, U256::ZERO)?;
//! println!("execution gas {}", outcome.execution_gas());
//! # Ok(()) }
//! ```
//!
//! [`compile`] (solc-js through `contracts/scripts/compile.mjs`) is the
//! development tool behind the embedded artifacts and the tests; it needs
//! Node.js and `npm ci --prefix contracts`, and fails with
//! [`L1Error::ToolMissing`] without them, never silently.

pub mod abi;
pub mod anvil;
pub mod artifacts;
pub mod chain;
pub mod compile;
pub mod error;
pub mod evm;
pub mod rollup;
pub mod rpc;
pub mod sync;

pub use chain::{RollupChain, RollupStatus, SettledBatch, Settlement, TxOutcome};
pub use compile::{compile_in, Artifacts, Contract};
pub use error::{DecodedError, ErrorRegistry, L1Error, Revert};
pub use evm::{floor_gas, intrinsic_gas, selector, CallOutcome, Evm};
pub use revm;
pub use revm::primitives::hardfork::SpecId;
pub use revm::primitives::{Address, Log, U256};
pub use rollup::RollupParams;
pub use rpc::{RpcChain, RpcConfig};
