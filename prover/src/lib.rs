//! zkroll-prover: circuit-specific development setup, proving keys on disk,
//! and Groth16 proving of batches on all cores, one file per phase
//! (as ark-groth16): `generator` (setup), `prover`, `reduction` (the
//! R1CS-to-QAP witness map with its satisfiability check), `data_structures`
//! (keys and their files), `fft` (the
//! quotient's NTTs), `msm` (batch-affine Pippenger over the key's
//! bases), `error`; `bench` times it against stock
//! ark-groth16.

pub mod bench;
pub mod data_structures;
pub mod error;
pub mod fft;
pub mod generator;
pub mod msm;
pub mod prover;
pub mod reduction;

pub use data_structures::{KeyParams, ProverKey, DEV_SETUP_LABEL};
pub use error::ProverError;
pub use generator::setup;
pub use prover::{prove, prove_pipelined, ProofOutput, ProvePhases};
