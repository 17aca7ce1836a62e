//! circomlib's Poseidon hash over BN254 `Fr`, for 1 to 6 inputs (t = 2..7).
//!
//! The round constants and MDS matrices are circomlibjs 0.1.7's, embedded in
//! the binary from `data/poseidon_constants.json` (never fetched at run time).
//! The permutation is the textbook one circomlib's `Poseidon(n)` template
//! computes: `state = [0, in_1..in_n]`; each round adds the round constants,
//! applies x^5 to every element in the first and last 4 rounds and to
//! `state[0]` only in the partial rounds between, then multiplies by the MDS
//! matrix; the hash is `state[0]`. The circuit gadget (`PoseidonVar` in
//! zkroll-circuits) follows the same steps over the same [`PoseidonParams`].

use std::sync::OnceLock;

use serde::Deserialize;

use crate::field::{fr_from_str, Fr};

/// Fewest inputs a Poseidon instance takes.
pub const MIN_INPUTS: usize = 1;
/// Most inputs a Poseidon instance takes (t = 7).
pub const MAX_INPUTS: usize = 6;

/// Why a Poseidon hash could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoseidonError {
    /// circomlib defines Poseidon for 1..=6 inputs here.
    #[error("Poseidon takes {MIN_INPUTS}..={MAX_INPUTS} inputs, got {0}")]
    Arity(usize),
}

/// The parameters of one Poseidon instance (one width t).
#[derive(Debug, Clone)]
pub struct PoseidonParams {
    /// State width: inputs + 1.
    pub t: usize,
    /// Full rounds (4 at the start, 4 at the end).
    pub full_rounds: usize,
    /// Partial rounds in the middle.
    pub partial_rounds: usize,
    /// Round constants, `(full_rounds + partial_rounds) * t` of them, round-major.
    pub round_constants: Vec<Fr>,
    /// The t x t MDS matrix: `state'[i] = sum_j mds[i][j] * state[j]`.
    pub mds: Vec<Vec<Fr>>,
}

#[derive(Deserialize)]
struct ConstantsFile {
    params: Vec<RawParams>,
}

#[derive(Deserialize)]
struct RawParams {
    t: usize,
    full_rounds: usize,
    partial_rounds: usize,
    round_constants: Vec<String>,
    mds: Vec<Vec<String>>,
}

const CONSTANTS_JSON: &str = include_str!("../data/poseidon_constants.json");

fn all_params() -> &'static [PoseidonParams] {
    static PARAMS: OnceLock<Vec<PoseidonParams>> = OnceLock::new();
    PARAMS.get_or_init(|| {
        // The file is part of the binary and checked by the known-answer
        // tests; a parse failure here is a build defect, not bad user input.
        let file: ConstantsFile =
            serde_json::from_str(CONSTANTS_JSON).expect("embedded Poseidon constants parse");
        let fr = |s: &String| fr_from_str(s).expect("embedded Poseidon constant is canonical");
        let mut params: Vec<PoseidonParams> = file
            .params
            .iter()
            .map(|p| PoseidonParams {
                t: p.t,
                full_rounds: p.full_rounds,
                partial_rounds: p.partial_rounds,
                round_constants: p.round_constants.iter().map(fr).collect(),
                mds: p
                    .mds
                    .iter()
                    .map(|row| row.iter().map(fr).collect())
                    .collect(),
            })
            .collect();
        params.sort_by_key(|p| p.t);
        for (i, p) in params.iter().enumerate() {
            assert_eq!(
                p.t,
                i + MIN_INPUTS + 1,
                "embedded Poseidon widths are 2..=7"
            );
            assert_eq!(
                p.round_constants.len(),
                (p.full_rounds + p.partial_rounds) * p.t
            );
        }
        params
    })
}

/// circomlib's Poseidon hash.
pub struct Poseidon;

impl Poseidon {
    /// The parameters of the instance for `n_inputs` inputs.
    pub fn params(n_inputs: usize) -> Result<&'static PoseidonParams, PoseidonError> {
        if !(MIN_INPUTS..=MAX_INPUTS).contains(&n_inputs) {
            return Err(PoseidonError::Arity(n_inputs));
        }
        Ok(&all_params()[n_inputs - MIN_INPUTS])
    }

    /// Hashes 1 to 6 field elements exactly as circomlib's `Poseidon(n)`.
    pub fn hash(inputs: &[Fr]) -> Result<Fr, PoseidonError> {
        let p = Self::params(inputs.len())?;
        let mut buf = [Fr::from(0u64); MAX_INPUTS + 1];
        let state = &mut buf[..p.t];
        state[1..].copy_from_slice(inputs);
        permute(p, state);
        Ok(state[0])
    }

    /// Hashes a fixed number of inputs; the arity is checked at compile time.
    pub fn hash_n<const N: usize>(inputs: [Fr; N]) -> Fr {
        const { assert!(N >= MIN_INPUTS && N <= MAX_INPUTS) };
        match Self::hash(&inputs) {
            Ok(h) => h,
            Err(_) => unreachable!("arity checked at compile time"),
        }
    }
}

#[inline(always)]
fn pow5(x: &mut Fr) {
    let x2 = x.square();
    let x4 = x2.square();
    *x *= x4;
}

use ark_ff::Field;

fn permute(p: &PoseidonParams, state: &mut [Fr]) {
    let t = p.t;
    let half_full = p.full_rounds / 2;
    let rounds = p.full_rounds + p.partial_rounds;
    let mut tmp = [Fr::from(0u64); MAX_INPUTS + 1];
    for r in 0..rounds {
        let rc = &p.round_constants[r * t..(r + 1) * t];
        for (s, c) in state.iter_mut().zip(rc) {
            *s += c;
        }
        if r < half_full || r >= half_full + p.partial_rounds {
            state.iter_mut().for_each(pow5);
        } else {
            pow5(&mut state[0]);
        }
        for (i, row) in p.mds.iter().enumerate() {
            let mut acc = Fr::from(0u64);
            for (m, s) in row.iter().zip(state.iter()) {
                acc += *m * s;
            }
            tmp[i] = acc;
        }
        state.copy_from_slice(&tmp[..t]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arity_is_checked() {
        assert_eq!(Poseidon::hash(&[]), Err(PoseidonError::Arity(0)));
        assert_eq!(
            Poseidon::hash(&[Fr::from(1u64); 7]),
            Err(PoseidonError::Arity(7))
        );
    }

    #[test]
    fn params_shapes() {
        for n in MIN_INPUTS..=MAX_INPUTS {
            let p = Poseidon::params(n).unwrap();
            assert_eq!(p.t, n + 1);
            assert_eq!(p.full_rounds, 8);
            assert_eq!(p.mds.len(), p.t);
        }
    }
}
