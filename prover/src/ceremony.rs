//! Keys from a snarkjs ceremony: a phase-2 `.zkey` checked against the
//! circuit zkroll builds and turned into a key directory that `zkroll
//! prove`, `zkroll verify`, `zkroll export solidity` and the L1 deployment
//! use like any other ([`import_zkey`]).
//!
//! A zkey belongs to the circuit when its sizes (variables, public
//! inputs, constraints, domain) and its A and B coefficient section equal
//! zkroll's matrices, row by row: `zkey new` copies them from the `.r1cs`
//! zkroll exported (C is not in a zkey; it is zkroll's own, and proving
//! checks every row against it). Every point is validated
//! ([`crate::formats::zkey::Checks::All`]), and a zkey without
//! contributions (one straight from `zkey new`, whose delta is the
//! generator: anyone can forge its proofs) is refused unless explicitly
//! allowed.

use ark_bn254::Fr;
use sha2::{Digest, Sha256};
use zkroll_state::CircuitShape;

use crate::data_structures::{CeremonyRecord, ContributionRecord, KeyParams, ProverKey};
use crate::formats::zkey::{self, Checks, Zkey};
use crate::formats::FormatError;
use crate::r1cs::{R1cs, SparseMatrix};

/// The label of keys imported from a ceremony's zkey.
pub const CEREMONY_LABEL: &str = "SNARKJS-CEREMONY";

/// Why a zkey was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file does not decode or a point is invalid.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// A size differs from the circuit's.
    #[error(
        "the zkey has {zkey} {what}, the circuit {circuit}: it is for another circuit or shape"
    )]
    Size {
        /// Which size.
        what: &'static str,
        /// The zkey's.
        zkey: usize,
        /// The circuit's.
        circuit: usize,
    },
    /// A row of A or B differs from the circuit's.
    #[error(
        "row {row} of matrix {matrix} differs from the circuit's: the zkey is for another circuit"
    )]
    Row {
        /// `A` or `B`.
        matrix: char,
        /// The row.
        row: usize,
    },
    /// No contributions: the setup's delta is public.
    #[error("the zkey has no phase-2 contribution (straight from `zkey new`): anyone can forge its proofs; pass --allow-no-contributions for a test")]
    NoContributions,
}

/// Row `i` with duplicate variables summed and zeros dropped, by variable.
fn canonical_row(m: &SparseMatrix<Fr>, i: usize) -> Vec<(usize, Fr)> {
    let mut r: Vec<(usize, Fr)> = m.row(i).collect();
    r.sort_by_key(|e| e.0);
    let mut out: Vec<(usize, Fr)> = Vec::with_capacity(r.len());
    for (v, c) in r {
        match out.last_mut() {
            Some(last) if last.0 == v => last.1 += c,
            _ => out.push((v, c)),
        }
    }
    out.retain(|e| e.1 != Fr::from(0u64));
    out
}

/// Checks `zk` against `circuit` (sizes, then A and B row by row).
pub fn check_circuit(zk: &Zkey, circuit: &R1cs) -> Result<(), ImportError> {
    let z = &zk.key.r1cs;
    for (what, zkey, circ) in [
        (
            "public inputs",
            z.num_instance - 1,
            circuit.num_instance - 1,
        ),
        ("variables", z.num_variables(), circuit.num_variables()),
        ("constraints", z.num_constraints, circuit.num_constraints),
    ] {
        if zkey != circ {
            return Err(ImportError::Size {
                what,
                zkey,
                circuit: circ,
            });
        }
    }
    for (name, zm, cm) in [('A', &z.a, &circuit.a), ('B', &z.b, &circuit.b)] {
        if let Some(row) =
            (0..circuit.num_constraints).find(|&i| canonical_row(zm, i) != canonical_row(cm, i))
        {
            return Err(ImportError::Row { matrix: name, row });
        }
    }
    Ok(())
}

/// Imports a ceremony zkey for the batch circuit of `shape`, whose R1CS
/// (with C) is `circuit`: every point validated, the circuit checked, the
/// contributions recorded. The key proves with circom's reduction and
/// zkroll's C (so every row is checked before proving).
pub fn import_zkey(
    bytes: &[u8],
    shape: CircuitShape,
    circuit: R1cs,
    allow_no_contributions: bool,
) -> Result<ProverKey, ImportError> {
    let zk = zkey::read(bytes, Checks::All)?;
    check_circuit(&zk, &circuit)?;
    if zk.contributions.is_empty() && !allow_no_contributions {
        return Err(ImportError::NoContributions);
    }
    let contributions: Vec<ContributionRecord> = zk
        .contributions
        .iter()
        .map(|c| ContributionRecord {
            name: c.name.clone(),
            kind: if c.beacon { "beacon" } else { "contribution" }.into(),
            hash: hex::encode(c.hash),
        })
        .collect();
    let warning = if contributions.is_empty() {
        "TEST ONLY: imported from a zkey with no phase-2 contribution; its delta is public, \
so anyone can forge proofs"
            .to_string()
    } else {
        format!(
            "phase 2 from a snarkjs ceremony ({} contributions, hashes in params.json): sound if \
one contributor and the Powers of Tau it was made from were honest",
            contributions.len()
        )
    };
    let params = KeyParams {
        label: CEREMONY_LABEL.into(),
        warning,
        shape,
        constraints: circuit.num_constraints,
        public_inputs: circuit.num_instance - 1,
        proving_key_sha256: String::new(),
        verification_key_sha256: String::new(),
        matrices_sha256: String::new(),
        reduction: zk.key.reduction,
        ceremony: Some(CeremonyRecord {
            zkey_sha256: hex::encode(Sha256::digest(bytes)),
            circuit_hash: hex::encode(zk.cs_hash),
            contributions,
        }),
    };
    let key = crate::data_structures::CircuitKey {
        pk: zk.key.pk,
        r1cs: circuit,
        reduction: zk.key.reduction,
    };
    Ok(ProverKey::from_parts(key, params))
}
