//! zkroll-l1: the L1 side. [`artifacts`] holds the compiled contracts,
//! embedded (the binary needs neither solc nor Node); [`Evm`] is an
//! in-process chain (revm, mainnet rules) to deploy and call them, with
//! reverts as typed errors; [`rollup`] deploys and drives Rollup.sol.
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

pub mod artifacts;
pub mod compile;
pub mod error;
pub mod evm;
pub mod rollup;

pub use compile::{compile_in, Artifacts, Contract};
pub use error::{DecodedError, L1Error, Revert};
pub use evm::{floor_gas, intrinsic_gas, selector, CallOutcome, Evm};
pub use revm;
pub use revm::primitives::hardfork::SpecId;
pub use revm::primitives::{Address, Log, U256};
