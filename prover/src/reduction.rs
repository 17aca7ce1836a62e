//! The R1CS-to-QAP witness map (libsnark's, as ark-groth16's
//! `LibsnarkReduction`) with the satisfiability check folded in: the prover
//! evaluates `A·z`, `B·z` and `C·z` anyway, so it compares them row by row
//! (`a_i * b_i == c_i`) before the FFTs, instead of a second pass over the
//! constraint system. On failure [`quotient`] returns the first failing row,
//! so no proof of a false statement is made.

use ark_ff::PrimeField;
use ark_poly::EvaluationDomain;
use rayon::prelude::*;

use crate::data_structures::SparseMatrix;

/// Why the quotient could not be computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotientError {
    /// Row `0` has `a_i * b_i != c_i`: the witness does not satisfy the circuit.
    Unsatisfied(usize),
    /// No evaluation domain of the needed size.
    Domain,
}

/// The coefficients of `h = (A·B - C) / Z` over the constraint domain, from
/// the R1CS matrices and the full assignment `[1, inputs, witness]` (the
/// libsnark map: the inputs' rows `x_i * 1 = 0` extend A).
pub fn quotient<F: PrimeField, D: EvaluationDomain<F>>(
    matrices: &[SparseMatrix<F>; 3],
    num_inputs: usize,
    num_constraints: usize,
    full_assignment: &[F],
) -> Result<Vec<F>, QuotientError> {
    let domain = D::new(num_constraints + num_inputs).ok_or(QuotientError::Domain)?;
    let domain_size = domain.size();
    let zero = F::zero();
    let mut a = vec![zero; domain_size];
    let mut b = vec![zero; domain_size];
    let mut c = vec![zero; domain_size];
    a[..num_constraints]
        .par_iter_mut()
        .zip(&mut b[..num_constraints])
        .zip(&mut c[..num_constraints])
        .enumerate()
        .for_each(|(i, ((a, b), c))| {
            *a = matrices[0].row_dot(i, full_assignment);
            *b = matrices[1].row_dot(i, full_assignment);
            *c = matrices[2].row_dot(i, full_assignment);
        });
    let first_bad = (0..num_constraints)
        .into_par_iter()
        .find_first(|&i| a[i] * b[i] != c[i]);
    if let Some(i) = first_bad {
        return Err(QuotientError::Unsatisfied(i));
    }
    a[num_constraints..num_constraints + num_inputs]
        .clone_from_slice(&full_assignment[..num_inputs]);

    domain.ifft_in_place(&mut a);
    domain.ifft_in_place(&mut b);
    let coset = domain
        .get_coset(F::GENERATOR)
        .ok_or(QuotientError::Domain)?;
    coset.fft_in_place(&mut a);
    coset.fft_in_place(&mut b);
    let mut ab = domain.mul_polynomials_in_evaluation_domain(&a, &b);
    drop(a);
    drop(b);
    domain.ifft_in_place(&mut c);
    coset.fft_in_place(&mut c);
    let vanishing_inv = domain
        .evaluate_vanishing_polynomial(F::GENERATOR)
        .inverse()
        .ok_or(QuotientError::Domain)?;
    ab.par_iter_mut().zip(c).for_each(|(ab_i, c_i)| {
        *ab_i -= &c_i;
        *ab_i *= &vanishing_inv;
    });
    coset.ifft_in_place(&mut ab);
    Ok(ab)
}
