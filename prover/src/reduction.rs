//! The R1CS-to-QAP witness map (libsnark's, as ark-groth16's
//! `LibsnarkReduction`) with the satisfiability check folded in: the prover
//! evaluates `A·z`, `B·z` and `C·z` anyway, so it compares them row by row
//! (`a_i * b_i == c_i`) before the FFTs, instead of a second pass over the
//! constraint system. On failure [`quotient`] returns the first failing row,
//! so no proof of a false statement is made. It takes six transforms, not
//! libsnark's seven: with the rows checked, C's evaluations are `a∘b`, and
//! the quotient is the upper half of `A·B` (the argument is in
//! [`quotient`]). The transforms are [`crate::fft`]'s: no bit-reversal
//! passes but the last one, twiddles made once per call.

use ark_ff::PrimeField;
use ark_poly::EvaluationDomain;
use rayon::prelude::*;

use crate::data_structures::SparseMatrix;
use crate::fft::{bit_reversed, Direction, Domain};

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
///
/// `D` picks the domain's size and generator, as in ark-groth16; the
/// transforms are [`crate::fft`]'s, so only radix-2 domains are accepted
/// (BN254's up to 2^28 constraints; a mixed-radix domain gives
/// [`QuotientError::Domain`]). The result
/// equals ark-poly's `ifft`, coset `fft` and coset `ifft` over `D` element
/// for element.
pub fn quotient<F: PrimeField, D: EvaluationDomain<F>>(
    matrices: &[SparseMatrix<F>; 3],
    num_inputs: usize,
    num_constraints: usize,
    full_assignment: &[F],
) -> Result<Vec<F>, QuotientError> {
    let domain = D::new(num_constraints + num_inputs).ok_or(QuotientError::Domain)?;
    let domain_size = domain.size();
    // Beyond 2^28 BN254's `GeneralEvaluationDomain` goes mixed-radix (3^k
    // 2^28), which `fft::Domain` does not do: refuse before allocating.
    if !domain_size.is_power_of_two() {
        return Err(QuotientError::Domain);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;
    use ark_ff::{UniformRand, Zero};
    use ark_poly::{GeneralEvaluationDomain, Radix2EvaluationDomain};
    use ark_relations::gr1cs::Matrix;
    use rand::{Rng, SeedableRng};

    /// The ark-poly implementation this module had before [`crate::fft`]:
    /// the reference the new one must match bit for bit.
    fn quotient_ark<F: PrimeField, D: EvaluationDomain<F>>(
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

    /// A random R1CS with `rows` constraints over `[1, inputs, witness]`
    /// (`vars` variables) and an assignment satisfying it: A and B rows of
    /// 1-3 random terms, each C row one term making `a_i * b_i = c_i`.
    fn random_r1cs(
        rows: usize,
        vars: usize,
        r: &mut rand::rngs::StdRng,
    ) -> ([SparseMatrix<Fr>; 3], Vec<Fr>) {
        let mut z: Vec<Fr> = (0..vars).map(|_| Fr::rand(r)).collect();
        z[0] = Fr::from(1u64);
        let term_row = |r: &mut rand::rngs::StdRng| -> Vec<(Fr, usize)> {
            let k = r.gen_range(1..=3);
            (0..k)
                .map(|_| {
                    // Mostly ±1 (the matrices' cheap coefficients), some random.
                    let c = match r.gen_range(0..3) {
                        0 => Fr::from(1u64),
                        1 => -Fr::from(1u64),
                        _ => Fr::rand(r),
                    };
                    (c, r.gen_range(0..vars))
                })
                .collect()
        };
        let a: Matrix<Fr> = (0..rows).map(|_| term_row(r)).collect();
        let b: Matrix<Fr> = (0..rows).map(|_| term_row(r)).collect();
        let dot = |row: &[(Fr, usize)]| row.iter().map(|(c, v)| *c * z[*v]).sum::<Fr>();
        let c: Matrix<Fr> = a
            .iter()
            .zip(&b)
            .map(|(ra, rb)| {
                let k = r.gen_range(0..vars);
                vec![(dot(ra) * dot(rb) / z[k], k)]
            })
            .collect();
        let m = [&a, &b, &c].map(|m| SparseMatrix::from_matrix(m).unwrap());
        (m, z)
    }

    fn rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(3)
    }

    /// (constraints, inputs including the constant): domains from 2^0 to
    /// 2^16, the largest through the transforms' parallel stages.
    const SHAPES: [(usize, usize); 8] = [
        (0, 1),
        (1, 1),
        (2, 2),
        (7, 2),
        (100, 3),
        (1000, 24),
        (5000, 2),
        (40_000, 3),
    ];

    #[test]
    fn matches_ark_poly_on_satisfied_r1cs() {
        let mut r = rng();
        for (rows, inputs) in SHAPES {
            let (m, z) = random_r1cs(rows, inputs + 20, &mut r);
            let old = quotient_ark::<Fr, GeneralEvaluationDomain<Fr>>(&m, inputs, rows, &z);
            let new = quotient::<Fr, GeneralEvaluationDomain<Fr>>(&m, inputs, rows, &z);
            assert!(old.is_ok(), "{rows} rows");
            assert_eq!(new, old, "{rows} rows, {inputs} inputs");
            let radix2 = quotient::<Fr, Radix2EvaluationDomain<Fr>>(&m, inputs, rows, &z);
            assert_eq!(radix2, old, "radix-2 domain, {rows} rows");
            // A satisfied R1CS has a degree < n - 1 quotient... except that
            // libsnark's input rows are not checked: just nonzero somewhere.
            assert_eq!(new.unwrap().len(), (rows + inputs).next_power_of_two());
        }
    }

    #[test]
    fn first_unsatisfied_row_is_reported() {
        let mut r = rng();
        let (rows, inputs) = (3000, 3);
        let (m, mut z) = random_r1cs(rows, 50, &mut r);
        assert!(quotient::<Fr, GeneralEvaluationDomain<Fr>>(&m, inputs, rows, &z).is_ok());
        // Change a variable: the rows using it fail, the first one reported.
        let var = 17;
        z[var] += Fr::from(1u64);
        let bad: Vec<usize> = (0..rows)
            .filter(|&i| {
                let [a, b, c] = [0, 1, 2].map(|k| m[k].row_dot(i, &z));
                a * b != c
            })
            .collect();
        assert!(!bad.is_empty());
        let want = Err(QuotientError::Unsatisfied(bad[0]));
        assert_eq!(
            quotient::<Fr, GeneralEvaluationDomain<Fr>>(&m, inputs, rows, &z),
            want
        );
        assert_eq!(
            quotient_ark::<Fr, GeneralEvaluationDomain<Fr>>(&m, inputs, rows, &z),
            want
        );
    }

    #[test]
    fn too_large_or_mixed_radix_domain_is_refused() {
        let m = [(); 3].map(|_| SparseMatrix::<Fr>::from_matrix(&Vec::new()).unwrap());
        let z = vec![Fr::zero(); 1];
        // 2^28 + 1 rows: past BN254's two-adicity, so no radix-2 domain; the
        // general domain goes mixed-radix, refused too (before allocating).
        let rows = (1 << 28) + 1;
        let res = quotient::<Fr, Radix2EvaluationDomain<Fr>>(&m, rows, 0, &z);
        assert_eq!(res, Err(QuotientError::Domain));
        let res = quotient::<Fr, GeneralEvaluationDomain<Fr>>(&m, rows, 0, &z);
        assert_eq!(res, Err(QuotientError::Domain));
    }
}
