//! zkroll-verifier: native Groth16 verification of zkroll proofs over BN254
//! and the snarkjs JSON formats (`verification_key.json`, `proof.json`,
//! `public.json`), and the Solidity verifier of a key with the calldata of
//! its `verifyProof` (`solidity`). A light client embeds this crate alone: it
//! depends on neither the prover nor the circuits.

pub mod error;
pub mod snarkjs;
pub mod solidity;
pub mod verifier;

pub use ark_bn254::{Bn254, Fr};
pub use ark_groth16::{Proof, VerifyingKey};
pub use error::VerifyError;
pub use verifier::{verify, verify_files};
