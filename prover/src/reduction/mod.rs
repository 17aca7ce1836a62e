//! R1CS-to-QAP witness maps: the vector the prover pairs with the key's H
//! query. Two reductions, behind [`quotient`]:
//! - [`Reduction::Libsnark`] ([`libsnark`]): ark-groth16's default, what
//!   zkroll's development setup makes keys for; the quotient's
//!   coefficients.
//! - [`Reduction::Circom`] ([`circom`]): snarkjs's (and rapidsnark's,
//!   ark-circom's `CircomReduction`), what every `.zkey` from a snarkjs
//!   ceremony is made for; `A·B - C` on the odd coset of the `2n`-th roots.
//!
//! Both start from the rows `A·z` and `B·z` ([`evaluate_rows`]). When C is
//! known the rows are checked (`a_i * b_i == c_i`) before any transform,
//! instead of a second pass over the constraint system: the first failing
//! row is reported and no proof of a false statement is made. Either way
//! C's evaluations are then `a∘b`, so C's own row products are never
//! formed.

use ark_ff::PrimeField;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::r1cs::SparseMatrix;

pub mod circom;
pub mod libsnark;
#[cfg(test)]
mod tests;

/// Which QAP reduction a key's H query was made for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reduction {
    /// libsnark's / ark-groth16's (`zkroll setup`).
    #[default]
    Libsnark,
    /// snarkjs's / circom's (keys from a `.zkey`).
    Circom,
}

impl std::fmt::Display for Reduction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Libsnark => "libsnark",
            Self::Circom => "circom",
        })
    }
}

/// Why the quotient could not be computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotientError {
    /// Row `0` has `a_i * b_i != c_i`: the witness does not satisfy the circuit.
    Unsatisfied(usize),
    /// No evaluation domain of the needed size.
    Domain,
}

/// The matrices a witness map reads, and the sizes of the system.
#[derive(Clone, Copy, Debug)]
pub struct Matrices<'a, F: PrimeField> {
    /// A.
    pub a: &'a SparseMatrix<F>,
    /// B.
    pub b: &'a SparseMatrix<F>,
    /// C: when present every row is checked before any transform; when
    /// absent (a zkey alone) the witness is assumed to satisfy the system,
    /// and a proof of one that does not fails verification.
    pub c: Option<&'a SparseMatrix<F>>,
    /// Instance variables including the constant 1.
    pub num_inputs: usize,
    /// Constraints (rows of A, B, C).
    pub num_constraints: usize,
}

/// The witness map of `reduction` over a radix-2 domain of size at least
/// `num_constraints + num_inputs` (see each module).
pub fn quotient<F: PrimeField, D: ark_poly::EvaluationDomain<F>>(
    reduction: Reduction,
    m: &Matrices<'_, F>,
    full_assignment: &[F],
) -> Result<Vec<F>, QuotientError> {
    match reduction {
        Reduction::Libsnark => libsnark::quotient::<F, D>(m, full_assignment),
        Reduction::Circom => circom::quotient::<F, D>(m, full_assignment),
    }
}

/// The row evaluations `(a, b, c)` a witness map transforms.
pub(crate) type Rows<F> = (Vec<F>, Vec<F>, Vec<F>);

/// `(a, b, c)` over a domain of `domain_size`: `a_i = A_i·z`, `b_i = B_i·z`
/// for the constraint rows, then the inputs' rows `a = z_i, b = 0` (both
/// reductions add them: they make the instance's columns independent), and
/// `c = a∘b`. With C, each constraint row is checked first.
pub(crate) fn evaluate_rows<F: PrimeField>(
    m: &Matrices<'_, F>,
    full: &[F],
    domain_size: usize,
) -> Result<Rows<F>, QuotientError> {
    let (nc, ni) = (m.num_constraints, m.num_inputs);
    if nc + ni > domain_size || ni > full.len() || m.a.rows() < nc || m.b.rows() < nc {
        return Err(QuotientError::Domain);
    }
    let zero = F::zero();
    let mut a = vec![zero; domain_size];
    let mut b = vec![zero; domain_size];
    a[..nc]
        .par_iter_mut()
        .zip(&mut b[..nc])
        .enumerate()
        .for_each(|(i, (a, b))| {
            *a = m.a.row_dot(i, full);
            *b = m.b.row_dot(i, full);
        });
    if let Some(c) = m.c {
        let first_bad = (0..nc)
            .into_par_iter()
            .find_first(|&i| a[i] * b[i] != c.row_dot(i, full));
        if let Some(i) = first_bad {
            return Err(QuotientError::Unsatisfied(i));
        }
    }
    let c: Vec<F> = a.par_iter().zip(&b).map(|(a, b)| *a * b).collect();
    a[nc..nc + ni].clone_from_slice(&full[..ni]);
    Ok((a, b, c))
}
