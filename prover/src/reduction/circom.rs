//! snarkjs's R1CS-to-QAP witness map (groth16_prove.js; ark-circom's
//! `CircomReduction`): `A·B - C` evaluated on the odd coset `ω_2n·<ω>`
//! of the `2n`-th roots of unity, where the snarkjs setup put the H
//! query's points (the odd Lagrange bases of the `2n` domain, so `Z` is the
//! constant `-2` there and no division is needed). Three transforms pairs
//! (interpolate, shift, evaluate), each one [`crate::fft::Domain::coset_evals_in_place`]
//! pass: the same count as ark-circom's six, on zkroll's cache-blocked NTTs.

use ark_ff::PrimeField;
use ark_poly::EvaluationDomain;
use rayon::prelude::*;

use super::{evaluate_rows, Matrices, QuotientError};
use crate::fft::Domain;

/// `A(x)B(x) - C(x)` at `x = ω_2n ω^i` for `i < n`, natural order, over
/// the domain `D::new(num_constraints + num_inputs)` of size `n` (radix-2
/// only, as [`super::libsnark::quotient`]). Equals ark-circom's
/// `CircomReduction::witness_map_from_matrices` element for element.
pub fn quotient<F: PrimeField, D: EvaluationDomain<F>>(
    m: &Matrices<'_, F>,
    full_assignment: &[F],
) -> Result<Vec<F>, QuotientError> {
    let domain = D::new(m.num_constraints + m.num_inputs).ok_or(QuotientError::Domain)?;
    let n = domain.size();
    if !n.is_power_of_two() {
        return Err(QuotientError::Domain);
    }
    // ω_2n: a primitive 2n-th root, whose square is the domain's generator
    // (ark-circom: `D::new(2n).element(1)`).
    let double = D::new(2 * n).ok_or(QuotientError::Domain)?;
    let shift = double.group_gen();
    let (mut a, mut b, mut c) = evaluate_rows(m, full_assignment, n)?;
    let fft = Domain::with_generator(n, domain.group_gen(), shift).ok_or(QuotientError::Domain)?;
    for v in [&mut a, &mut b, &mut c] {
        if !fft.coset_evals_in_place(v) {
            return Err(QuotientError::Domain);
        }
    }
    a.par_iter_mut()
        .zip(&b)
        .zip(&c)
        .for_each(|((a, b), c)| *a = *a * b - c);
    Ok(a)
}
