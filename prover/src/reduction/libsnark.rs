//! libsnark's R1CS-to-QAP witness map (ark-groth16's `LibsnarkReduction`,
//! which zkroll's development setup uses): the coefficients of the quotient
//! `h = (A·B - C) / Z` over the constraint domain, in six transforms, not
//! libsnark's seven: with the rows checked (or assumed, see
//! [`super::Matrices::c`]), C's evaluations are `a∘b`, and the quotient is
//! the upper half of `A·B` (the argument is in [`quotient`]). The
//! transforms are [`crate::fft`]'s: no bit-reversal passes but the last
//! one, twiddles made once per call.

use ark_ff::PrimeField;
use ark_poly::EvaluationDomain;
use rayon::prelude::*;

use super::{evaluate_rows, Matrices, QuotientError};
use crate::fft::{bit_reversed, Direction, Domain};

/// The coefficients of `h = (A·B - C) / Z` over the constraint domain
/// `D::new(num_constraints + num_inputs)`, from the full assignment
/// `[1, inputs, witness]` (the libsnark map: the inputs' rows `x_i * 1 =
/// 0` extend A).
///
/// Only radix-2 domains are accepted (BN254's up to 2^28 constraints; a
/// mixed-radix domain gives [`QuotientError::Domain`]). The result equals
/// ark-poly's `ifft`, coset `fft` and coset `ifft` over `D` element for
/// element.
pub fn quotient<F: PrimeField, D: EvaluationDomain<F>>(
    m: &Matrices<'_, F>,
    full_assignment: &[F],
) -> Result<Vec<F>, QuotientError> {
    let domain = D::new(m.num_constraints + m.num_inputs).ok_or(QuotientError::Domain)?;
    let domain_size = domain.size();
    // Beyond 2^28 BN254's `GeneralEvaluationDomain` goes mixed-radix (3^k
    // 2^28), which `fft::Domain` does not do: refuse before allocating.
    if !domain_size.is_power_of_two() {
        return Err(QuotientError::Domain);
    }
    let (mut a, b, mut c) = evaluate_rows(m, full_assignment, domain_size)?;
    let mut b = b;

    // Twiddles and coset factors: made per call (see `fft::Domain`'s cost
    // in BENCHMARKS.md), after the row check so a bad witness skips them.
    let fft = Domain::with_generator(domain_size, domain.group_gen(), F::GENERATOR)
        .ok_or(QuotientError::Domain)?;
    let vanishing_inv = domain
        .evaluate_vanishing_polynomial(F::GENERATOR)
        .inverse()
        .ok_or(QuotientError::Domain)?;
    let n_inv = F::from(domain_size as u64)
        .inverse()
        .ok_or(QuotientError::Domain)?;
    // Six transforms instead of libsnark's seven. Write the product of the
    // interpolants as A·B = P_lo + X^n P_hi (degrees < n). C interpolates
    // c = a∘b on the subgroup (the rows just checked; the input rows and
    // the padding are 0 = a·0 there), so C = A·B mod (X^n - 1) = P_lo +
    // P_hi, A·B - C = (X^n - 1) P_hi, and h = P_hi. On the coset g<ω>,
    // X^n = g^n, so the coset interpolation of Â∘B̂ gives P_lo + g^n P_hi,
    // and the plain interpolation of c gives P_lo + P_hi: their difference
    // is (g^n - 1) P_hi = Z(g) h. C's two transforms to the coset become
    // one transform of c, and the final one stays.
    // The vectors are `fft`'s size by construction; a transform that
    // refused its input would leave it as it was, so a refusal is an error.
    if !(fft.coset_evals_in_place(&mut a) && fft.coset_evals_in_place(&mut b)) {
        return Err(QuotientError::Domain);
    }
    a.par_iter_mut().zip(&b).for_each(|(a, b)| *a *= b);
    drop(b);
    // Both DIF outputs in bit-reversed order: (P_lo + g^n P_hi) / Z(g),
    // and n (P_lo + P_hi).
    if !(fft.coset_ifft_bitrev_scaled(&mut a, vanishing_inv)
        && fft.dif_in_place(&mut c, Direction::Inverse))
    {
        return Err(QuotientError::Domain);
    }
    let k = vanishing_inv * n_inv;
    a.par_iter_mut().zip(&c).for_each(|(h, c)| *h -= *c * k);
    drop(c);
    Ok(bit_reversed(&a))
}
