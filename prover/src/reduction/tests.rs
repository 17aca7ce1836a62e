//! Each reduction against its reference on random satisfied systems:
//! libsnark's against ark-poly's transforms (the implementation this
//! module had before [`crate::fft`]) and ark-groth16's
//! `LibsnarkReduction`, circom's against ark-circom's algorithm
//! ([`crate::bench::ark_circom::CircomReduction`]).

use super::*;
use ark_bn254::Fr;
use ark_ff::{FftField, Field, UniformRand, Zero};
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain, Radix2EvaluationDomain};
use ark_relations::gr1cs::Matrix;
use rand::{Rng, SeedableRng};

use crate::bench::ark_circom::CircomReduction;

/// A random R1CS with `rows` constraints over `[1, inputs, witness]`
/// (`vars` variables) and an assignment satisfying it: A and B rows of
/// 1-3 random terms, each C row one term making `a_i * b_i = c_i`.
fn random_r1cs(
    rows: usize,
    vars: usize,
    r: &mut rand::rngs::StdRng,
) -> ([Matrix<Fr>; 3], [SparseMatrix<Fr>; 3], Vec<Fr>) {
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
    ([a, b, c], m, z)
}

fn view<'a>(
    m: &'a [SparseMatrix<Fr>; 3],
    inputs: usize,
    rows: usize,
    with_c: bool,
) -> Matrices<'a, Fr> {
    Matrices {
        a: &m[0],
        b: &m[1],
        c: with_c.then_some(&m[2]),
        num_inputs: inputs,
        num_constraints: rows,
    }
}

/// libsnark's map on ark-poly's transforms, checking the rows first.
fn quotient_ark<D: EvaluationDomain<Fr>>(
    m: &Matrices<'_, Fr>,
    full: &[Fr],
) -> Result<Vec<Fr>, QuotientError> {
    let domain = D::new(m.num_constraints + m.num_inputs).ok_or(QuotientError::Domain)?;
    let (mut a, mut b, mut c) = evaluate_rows(m, full, domain.size())?;
    domain.ifft_in_place(&mut a);
    domain.ifft_in_place(&mut b);
    let coset = domain
        .get_coset(Fr::GENERATOR)
        .ok_or(QuotientError::Domain)?;
    coset.fft_in_place(&mut a);
    coset.fft_in_place(&mut b);
    let mut ab = domain.mul_polynomials_in_evaluation_domain(&a, &b);
    domain.ifft_in_place(&mut c);
    coset.fft_in_place(&mut c);
    let vanishing_inv = domain
        .evaluate_vanishing_polynomial(Fr::GENERATOR)
        .inverse()
        .ok_or(QuotientError::Domain)?;
    ab.iter_mut().zip(c).for_each(|(ab_i, c_i)| {
        *ab_i -= &c_i;
        *ab_i *= &vanishing_inv;
    });
    coset.ifft_in_place(&mut ab);
    Ok(ab)
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
fn libsnark_matches_ark_poly_and_ark_groth16() {
    let mut r = rng();
    for (rows, inputs) in SHAPES {
        let (raw, m, z) = random_r1cs(rows, inputs + 20, &mut r);
        let old = quotient_ark::<GeneralEvaluationDomain<Fr>>(&view(&m, inputs, rows, true), &z);
        assert!(old.is_ok(), "{rows} rows");
        for with_c in [true, false] {
            let v = view(&m, inputs, rows, with_c);
            let new = quotient::<Fr, GeneralEvaluationDomain<Fr>>(Reduction::Libsnark, &v, &z);
            assert_eq!(new, old, "{rows} rows, {inputs} inputs, C known: {with_c}");
            let radix2 = quotient::<Fr, Radix2EvaluationDomain<Fr>>(Reduction::Libsnark, &v, &z);
            assert_eq!(radix2, old, "radix-2 domain, {rows} rows");
        }
        let ark = LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
            &raw, inputs, rows, &z,
        )
        .unwrap();
        assert_eq!(old.unwrap(), ark, "ark-groth16, {rows} rows");
    }
}

#[test]
fn circom_matches_ark_circom() {
    let mut r = rng();
    for (rows, inputs) in SHAPES {
        let (raw, m, z) = random_r1cs(rows, inputs + 20, &mut r);
        let want = CircomReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
            &raw, inputs, rows, &z,
        )
        .unwrap();
        for with_c in [true, false] {
            let got = quotient::<Fr, GeneralEvaluationDomain<Fr>>(
                Reduction::Circom,
                &view(&m, inputs, rows, with_c),
                &z,
            );
            assert_eq!(got.as_ref(), Ok(&want), "{rows} rows, C known: {with_c}");
        }
    }
}

#[test]
fn first_unsatisfied_row_is_reported_by_both() {
    let mut r = rng();
    let (rows, inputs) = (3000, 3);
    let (_, m, mut z) = random_r1cs(rows, 50, &mut r);
    let v = view(&m, inputs, rows, true);
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
    for red in [Reduction::Libsnark, Reduction::Circom] {
        assert_eq!(
            quotient::<Fr, GeneralEvaluationDomain<Fr>>(red, &v, &z),
            Err(QuotientError::Unsatisfied(bad[0])),
            "{red}"
        );
    }
}

#[test]
fn too_large_or_mixed_radix_domain_is_refused() {
    let e = SparseMatrix::<Fr>::from_matrix(&Vec::new()).unwrap();
    let z = vec![Fr::zero(); 1];
    // 2^28 + 1 inputs: past BN254's two-adicity, so no radix-2 domain; the
    // general domain goes mixed-radix, refused too (before allocating).
    let v = Matrices {
        a: &e,
        b: &e,
        c: None,
        num_inputs: (1 << 28) + 1,
        num_constraints: 0,
    };
    for red in [Reduction::Libsnark, Reduction::Circom] {
        let res = quotient::<Fr, Radix2EvaluationDomain<Fr>>(red, &v, &z);
        assert_eq!(res, Err(QuotientError::Domain));
        let res = quotient::<Fr, GeneralEvaluationDomain<Fr>>(red, &v, &z);
        assert_eq!(res, Err(QuotientError::Domain));
    }
}
