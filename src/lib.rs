//! zkroll: a zk-rollup toolkit for BN254. This facade re-exports the
//! workspace crates; the `zkroll` binary (src/main.rs) is glue over them.

pub use zkroll_state as state;
