//! zkroll: a zk-rollup toolkit for BN254. This facade re-exports the
//! workspace crates; the `zkroll` binary (src/main.rs) is glue over them.

pub use zkroll_circuits as circuits;
pub use zkroll_l1 as l1;
pub use zkroll_prover as prover;
pub use zkroll_state as state;
pub use zkroll_verifier as verifier;

pub mod batch_job;
pub mod bench_circom;
pub mod demo;
pub mod ops_file;
