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
        permute_fast(&all_fast()[inputs.len() - MIN_INPUTS], state);
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

use ark_ff::{Field, Zero};

/// The textbook permutation (the specification; the tests compare the fast
/// one against it).
#[cfg_attr(not(test), allow(dead_code))]
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

// ---- The same permutation with sparse partial rounds ----------------------
//
// In a partial round only state[0] goes through the S-box, so the linear
// layer can be refactored (the Poseidon paper's Appendix B; circomlibjs's
// poseidon_opt does the same):
// 1. Constants: round k's constant c_k (k >= 1) equals M (y + d) - M y with
//    d = M^-1 c_k; d's tail is added before round k-1's S-box (it does not
//    touch state[0]), d[0] right after it. Going backwards, only the first
//    partial round keeps a full constant vector; the others add one scalar
//    to state[0] after the S-box.
// 2. Matrices: a matrix X factors as X = B A with A = diag(1, X^) (X^ its
//    lower-right block), which commutes with the state[0]-only S-box, and
//    B = [[x00, x0^T X^^-1], [x_col, I]], which is sparse (2t - 1 products).
//    Going backwards, each A moves into the previous round's matrix; the
//    last one merges into the final full round before the partial rounds
//    and into the first partial round's constant.
// Partial rounds then cost 2t - 1 multiplications instead of t^2.

struct FastParams {
    t: usize,
    full_rounds: usize,
    /// Round constants of the full rounds (both halves), round-major.
    full_constants: Vec<Fr>,
    mds: Vec<Vec<Fr>>,
    /// The last first-half full round's matrix (A_0 M).
    pre_partial: Vec<Vec<Fr>>,
    /// The constant added before the first partial round (A_0 c'_0).
    first_partial_constant: Vec<Fr>,
    /// Per partial round: the scalar added to state[0] after the S-box.
    post_sbox: Vec<Fr>,
    /// Per partial round: the sparse matrix's first row and first column (below the diagonal).
    sparse: Vec<(Vec<Fr>, Vec<Fr>)>,
}

fn mat_vec(m: &[Vec<Fr>], v: &[Fr]) -> Vec<Fr> {
    m.iter()
        .map(|row| {
            row.iter()
                .zip(v)
                .fold(Fr::from(0u64), |a, (x, y)| a + *x * y)
        })
        .collect()
}

fn mat_mul(a: &[Vec<Fr>], b: &[Vec<Fr>]) -> Vec<Vec<Fr>> {
    let n = b[0].len();
    a.iter()
        .map(|row| {
            (0..n)
                .map(|j| {
                    row.iter()
                        .zip(b)
                        .fold(Fr::from(0u64), |acc, (x, r)| acc + *x * r[j])
                })
                .collect()
        })
        .collect()
}

/// Gauss-Jordan inverse; the MDS matrices and their minors are invertible.
fn mat_inv(m: &[Vec<Fr>]) -> Vec<Vec<Fr>> {
    let n = m.len();
    let mut a: Vec<Vec<Fr>> = m
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| Fr::from((i == j) as u64)));
            r
        })
        .collect();
    for col in 0..n {
        let piv = (col..n)
            .find(|&r| !a[r][col].is_zero())
            .expect("MDS matrix minors are invertible");
        a.swap(col, piv);
        let inv = a[col][col].inverse().expect("pivot is non-zero");
        a[col].iter_mut().for_each(|x| *x *= inv);
        for r in 0..n {
            if r != col && !a[r][col].is_zero() {
                let f = a[r][col];
                let pivot_row = a[col].clone();
                a[r].iter_mut()
                    .zip(&pivot_row)
                    .for_each(|(x, p)| *x -= f * p);
            }
        }
    }
    a.into_iter().map(|r| r[n..].to_vec()).collect()
}

fn fast_params(p: &PoseidonParams) -> FastParams {
    let t = p.t;
    let half = p.full_rounds / 2;
    let parts = p.partial_rounds;
    let rc = |r: usize| p.round_constants[r * t..(r + 1) * t].to_vec();
    let m = &p.mds;
    let m_inv = mat_inv(m);
    // 1. Constants, backwards over the partial rounds.
    let mut c: Vec<Vec<Fr>> = (0..parts).map(|k| rc(half + k)).collect();
    let mut post = vec![Fr::from(0u64); parts];
    for k in (1..parts).rev() {
        let d = mat_vec(&m_inv, &c[k]);
        for j in 1..t {
            c[k - 1][j] += d[j];
        }
        post[k - 1] = d[0];
        c[k] = vec![Fr::from(0u64); t];
    }
    // 2. Matrices, backwards: X_k = B_k A_k; X_{k-1} = A_k M.
    let mut sparse = vec![(vec![], vec![]); parts];
    let mut x = m.clone();
    let mut a_first = Vec::new();
    for k in (0..parts).rev() {
        let hat: Vec<Vec<Fr>> = x[1..].iter().map(|r| r[1..].to_vec()).collect();
        let hat_inv = mat_inv(&hat);
        let row0: Vec<Fr> = std::iter::once(x[0][0])
            .chain((0..t - 1).map(|j| {
                (0..t - 1).fold(Fr::from(0u64), |acc, i| acc + x[0][i + 1] * hat_inv[i][j])
            }))
            .collect();
        let col0: Vec<Fr> = x[1..].iter().map(|r| r[0]).collect();
        sparse[k] = (row0, col0);
        let mut a = vec![vec![Fr::from(0u64); t]; t];
        a[0][0] = Fr::from(1u64);
        for i in 1..t {
            a[i][1..].copy_from_slice(&hat[i - 1]);
        }
        if k == 0 {
            a_first = a;
        } else {
            x = mat_mul(&a, m);
        }
    }
    let mut full_constants = Vec::with_capacity(p.full_rounds * t);
    for r in (0..half).chain(half + parts..p.full_rounds + parts) {
        full_constants.extend(rc(r));
    }
    FastParams {
        t,
        full_rounds: p.full_rounds,
        full_constants,
        mds: m.clone(),
        pre_partial: mat_mul(&a_first, m),
        first_partial_constant: mat_vec(&a_first, &c[0]),
        post_sbox: post,
        sparse,
    }
}

fn all_fast() -> &'static [FastParams] {
    static FAST: OnceLock<Vec<FastParams>> = OnceLock::new();
    FAST.get_or_init(|| all_params().iter().map(fast_params).collect())
}

fn permute_fast(p: &FastParams, state: &mut [Fr]) {
    let t = p.t;
    let half = p.full_rounds / 2;
    let mut tmp = [Fr::from(0u64); MAX_INPUTS + 1];
    let mut mix = |m: &[Vec<Fr>], state: &mut [Fr]| {
        for (i, row) in m.iter().enumerate() {
            let mut acc = Fr::from(0u64);
            for (x, s) in row.iter().zip(state.iter()) {
                acc += *x * s;
            }
            tmp[i] = acc;
        }
        state.copy_from_slice(&tmp[..t]);
    };
    for r in 0..p.full_rounds {
        for (s, c) in state.iter_mut().zip(&p.full_constants[r * t..(r + 1) * t]) {
            *s += c;
        }
        state.iter_mut().for_each(pow5);
        if r + 1 == half {
            mix(&p.pre_partial, state);
            for (s, c) in state.iter_mut().zip(&p.first_partial_constant) {
                *s += c;
            }
            for ((row0, col0), e) in p.sparse.iter().zip(&p.post_sbox) {
                pow5(&mut state[0]);
                state[0] += e;
                let s0 = state[0];
                let mut acc = row0[0] * s0;
                for (w, s) in row0[1..].iter().zip(&state[1..]) {
                    acc += *w * s;
                }
                for (v, s) in col0.iter().zip(state[1..].iter_mut()) {
                    *s += *v * s0;
                }
                state[0] = acc;
            }
        } else {
            mix(&p.mds, state);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_permutation_equals_the_specification() {
        use ark_std::UniformRand;
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for n in MIN_INPUTS..=MAX_INPUTS {
            let p = Poseidon::params(n).unwrap();
            let f = &all_fast()[n - MIN_INPUTS];
            for _ in 0..20 {
                let input: Vec<Fr> = (0..p.t).map(|_| Fr::rand(&mut rng)).collect();
                let (mut a, mut b) = (input.clone(), input);
                permute(p, &mut a);
                permute_fast(f, &mut b);
                assert_eq!(a, b, "t = {}", p.t);
            }
        }
    }

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
