//! zkroll-prover: Groth16 on BN254 for any R1CS, on all cores, one file
//! per phase (as ark-groth16): `generator` (development setup of any
//! circuit), `prover` (the generic prover: a key and a full assignment in,
//! a proof out), `reduction` (the two R1CS-to-QAP witness maps, libsnark's
//! and circom's, with the satisfiability check), `data_structures` (keys
//! and their files), `r1cs` (the constraint matrices), `fft` (the
//! quotient's NTTs), `msm` (batch-affine Pippenger over the key's bases),
//! `formats` (circom's and snarkjs's `.r1cs`, `.wtns`, `.zkey`), `error`.
//! `batch` is the batch circuit's thin layer on top; `bench` times the
//! prover against stock ark-groth16.

pub mod batch;
pub mod bench;
pub mod ceremony;
pub mod circom;
pub mod data_structures;
pub mod error;
pub mod fft;
pub mod formats;
pub mod generator;
pub mod msm;
pub mod prover;
pub mod ptau;
pub mod r1cs;
pub mod reduction;

pub use batch::{prove, prove_pipelined};
pub use data_structures::{CircuitKey, KeyParams, ProverKey, DEV_SETUP_LABEL};
pub use error::ProverError;
pub use generator::{setup, setup_circuit};
pub use prover::{prove_r1cs, ProofOutput, ProvePhases};
pub use r1cs::R1cs;
pub use reduction::Reduction;
