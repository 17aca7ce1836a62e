//! The compiled contracts, embedded in the binary: nothing at run time reads
//! the source tree, runs Node or needs solc.
//!
//! - `l1/artifacts/contracts.json` is `contracts/scripts/compile.mjs`'s output
//!   for [`SOURCES`] (the pinned solc, optimizer on, 200 runs, evmVersion
//!   prague): Rollup.sol, the deployable verifier
//!   ([`zkroll_verifier::solidity::IMMUTABLE_CONTRACT_NAME`], one compiled
//!   contract for every key with one public input, the key passed to its
//!   constructor) and the test contracts (an ERC-20, a re-entrancy probe).
//! - `l1/artifacts/Rollup.abi.json`, `Groth16ImmutableVerifier.abi.json`:
//!   the ABIs alone, which the `sol!` bindings of [`crate::abi`] read.
//! - `l1/artifacts/poseidon.json` is circomlibjs's Poseidon creation code for
//!   4 and 5 inputs (`contracts/scripts/poseidon.mjs`).
//!
//! Both are golden files: `l1/tests/artifacts.rs` recompiles the sources
//! and regenerates the Poseidon code, fails when either drifts, and prints
//! the command that rewrites them ([`BLESS`]).

use std::sync::OnceLock;

use crate::compile::{parse_output, Artifacts};
use crate::error::L1Error;

/// The sources compiled into `l1/artifacts/contracts.json`, relative to the
/// repository root (they name the sources in the artifacts).
pub const SOURCES: &[&str] = &[
    "contracts/Rollup.sol",
    "contracts/Groth16ImmutableVerifier.sol",
    "contracts/test/Reenter.sol",
    "contracts/test/TestToken.sol",
];

/// The contracts whose ABI is also committed alone, as
/// `l1/artifacts/NAME.abi.json`: the `sol!` bindings ([`crate::abi`]) are
/// generated from them at compile time.
pub const ABI_FILES: &[&str] = &["Rollup", "Groth16ImmutableVerifier"];

/// The command that regenerates the committed artifacts.
pub const BLESS: &str = "ZKROLL_BLESS=1 cargo test --release -p zkroll-l1 --test artifacts";

/// `contracts/scripts/compile.mjs`'s output for [`SOURCES`], as committed.
pub const CONTRACTS_JSON: &str = include_str!("../artifacts/contracts.json");

/// circomlibjs's Poseidon creation code, `{"4": "0x…", "5": "0x…"}`, as
/// committed.
pub const POSEIDON_JSON: &str = include_str!("../artifacts/poseidon.json");

/// The embedded contracts, parsed once per process.
pub fn contracts() -> Result<&'static Artifacts, L1Error> {
    static ART: OnceLock<Result<Artifacts, L1Error>> = OnceLock::new();
    ART.get_or_init(|| parse_output(CONTRACTS_JSON.as_bytes(), String::new()))
        .as_ref()
        .map_err(Clone::clone)
}

/// circomlib's Poseidon as EVM creation code, for 4 inputs (tree nodes)
/// and 5 (account leaves).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoseidonCode {
    /// `poseidon(uint256[4])`.
    pub t5: Vec<u8>,
    /// `poseidon(uint256[5])`.
    pub t6: Vec<u8>,
}

/// Parses `poseidon.mjs`'s output (`{"4": "0x…", "5": "0x…"}`).
pub fn parse_poseidon(json: &str) -> Result<PoseidonCode, L1Error> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| L1Error::Artifact {
        reason: format!("poseidon code: {e}"),
    })?;
    let code = |n: &str| -> Result<Vec<u8>, L1Error> {
        let s = v[n].as_str().ok_or_else(|| L1Error::Artifact {
            reason: format!("poseidon code: no entry {n:?}"),
        })?;
        hex::decode(s.trim_start_matches("0x")).map_err(|e| L1Error::Artifact {
            reason: format!("poseidon code {n}: {e}"),
        })
    };
    Ok(PoseidonCode {
        t5: code("4")?,
        t6: code("5")?,
    })
}

/// The embedded Poseidon creation code.
pub fn poseidon() -> Result<PoseidonCode, L1Error> {
    parse_poseidon(POSEIDON_JSON)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_artifacts_parse_and_hold_the_deployed_contracts() {
        let art = contracts().unwrap();
        for name in [
            "Rollup",
            zkroll_verifier::solidity::IMMUTABLE_CONTRACT_NAME,
            "TestToken",
            "Reenter",
        ] {
            let c = art.get(name).unwrap();
            assert!(!c.bytecode.is_empty() && !c.deployed_bytecode.is_empty());
        }
        let p = poseidon().unwrap();
        assert!(!p.t5.is_empty() && !p.t6.is_empty());
    }

    #[test]
    fn malformed_poseidon_code_is_an_artifact_error() {
        for bad in ["", "{}", r#"{"4": "0xzz", "5": "0x00"}"#, r#"{"4": 1}"#] {
            assert!(
                matches!(parse_poseidon(bad), Err(L1Error::Artifact { .. })),
                "{bad}"
            );
        }
    }
}
