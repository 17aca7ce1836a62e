//! zkroll-l1: the L1 side in tests and tools. [`compile`] runs solc-js
//! (`contracts/scripts/compile.mjs`, pinned by `contracts/package-lock.json`)
//! on Solidity sources; [`Evm`] is an in-process chain (revm, mainnet rules)
//! to deploy and call the compiled contracts, with reverts as typed errors.
//!
//! ```no_run
//! # fn main() -> Result<(), zkroll_l1::L1Error> {
//! use zkroll_l1::{compile, Address, Evm, U256};
//! let artifacts = compile(&["Verifier.sol"])?;
//! let mut evm = Evm::new();
//! let verifier = evm.deploy_contract(artifacts.get("Groth16Verifier")?, &[])?;
//! # let calldata = vec![];
//! let outcome = evm.call(Address::repeat_byte(1), verifier, &calldata, U256::ZERO)?;
//! println!("execution gas {}", outcome.execution_gas());
//! # Ok(()) }
//! ```
//!
//! Node.js and `npm ci --prefix contracts` are prerequisites; without them
//! [`compile`] fails with [`L1Error::ToolMissing`], never silently.

pub mod compile;
pub mod error;
pub mod evm;
pub mod rollup;

pub use compile::{compile, compile_in, repo_root, Artifacts, Contract};
pub use error::{DecodedError, L1Error, Revert};
pub use evm::{floor_gas, intrinsic_gas, selector, CallOutcome, Evm};
pub use revm;
pub use revm::primitives::hardfork::SpecId;
pub use revm::primitives::{Address, Log, U256};
