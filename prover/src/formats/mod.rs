//! circom's and snarkjs's files, read and written by zkroll's own parsers
//! (no maintained Rust crate reads them on arkworks 0.6 without pulling in
//! a wasm runtime: ark-circom pins arkworks 0.4/0.5 and wasmer):
//! [`r1cs_file`] (iden3 `.r1cs` v1), [`wtns`] (`.wtns` v2), [`zkey`]
//! (snarkjs Groth16 `.zkey`), all in iden3's container ([`binfile`]).
//! Every malformed file is a [`FormatError`] naming the section and
//! offset; every point is validated.

pub mod binfile;
pub mod cursor;
pub mod error;
pub mod r1cs_file;
pub mod wtns;
pub mod zkey;

pub use error::{At, FileKind, FormatError};
