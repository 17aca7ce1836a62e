//! ark-circom's `CircomReduction` on stock ark-groth16 0.6: the baseline
//! `zkroll bench circom` runs ("what ark-circom runs"), and the reference
//! zkroll's [`crate::reduction::circom`] is tested against.
//!
//! The ark-circom crate itself is not a dependency: its releases pin
//! arkworks 0.4/0.5 (this workspace is on 0.6) and pull in wasmer for
//! witness generation, which zkroll does not need (witnesses come as
//! `.wtns`). This is its algorithm, line for line, on ark-poly's FFTs.

use ark_ff::PrimeField;
use ark_groth16::r1cs_to_qap::{evaluate_constraint, LibsnarkReduction, R1CSToQAP};
use ark_poly::EvaluationDomain;
use ark_relations::gr1cs::{ConstraintSystemRef, Matrix, SynthesisError};
use rayon::prelude::*;

/// snarkjs's QAP reduction as ark-circom implements it for ark-groth16.
#[derive(Clone, Copy, Debug)]
pub struct CircomReduction;

impl R1CSToQAP for CircomReduction {
    #[allow(clippy::type_complexity)]
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        cs: ConstraintSystemRef<F>,
        t: &F,
    ) -> Result<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize), SynthesisError> {
        LibsnarkReduction::instance_map_with_evaluation::<F, D>(cs, t)
    }

    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &[Matrix<F>],
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> Result<Vec<F>, SynthesisError> {
        let zero = F::zero();
        let domain =
            D::new(num_constraints + num_inputs).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let domain_size = domain.size();
        let mut a = vec![zero; domain_size];
        let mut b = vec![zero; domain_size];
        a[..num_constraints]
            .par_iter_mut()
            .zip(&mut b[..num_constraints])
            .zip(&matrices[0])
            .zip(&matrices[1])
            .for_each(|(((a, b), at_i), bt_i)| {
                *a = evaluate_constraint(at_i, full_assignment);
                *b = evaluate_constraint(bt_i, full_assignment);
            });
        a[num_constraints..num_constraints + num_inputs]
            .clone_from_slice(&full_assignment[..num_inputs]);
        let mut c = vec![zero; domain_size];
        c[..num_constraints]
            .par_iter_mut()
            .zip(&a)
            .zip(&b)
            .for_each(|((c, a), b)| *c = *a * b);
        domain.ifft_in_place(&mut a);
        domain.ifft_in_place(&mut b);
        let root_of_unity = D::new(2 * domain_size)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?
            .element(1);
        D::distribute_powers_and_mul_by_const(&mut a, root_of_unity, F::one());
        D::distribute_powers_and_mul_by_const(&mut b, root_of_unity, F::one());
        domain.fft_in_place(&mut a);
        domain.fft_in_place(&mut b);
        let mut ab = domain.mul_polynomials_in_evaluation_domain(&a, &b);
        drop((a, b));
        domain.ifft_in_place(&mut c);
        D::distribute_powers_and_mul_by_const(&mut c, root_of_unity, F::one());
        domain.fft_in_place(&mut c);
        ab.par_iter_mut().zip(c).for_each(|(ab, c)| *ab -= c);
        Ok(ab)
    }

    /// The H query's exponents for this map (ark-circom's): the odd
    /// Lagrange bases of the `2n` domain at `t`, over `delta`.
    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        max_power: usize,
        t: F,
        _zt: F,
        delta_inverse: F,
    ) -> Result<Vec<F>, SynthesisError> {
        let mut scalars: Vec<F> = (0..2 * max_power + 1)
            .into_par_iter()
            .map(|i| delta_inverse * t.pow([i as u64]))
            .collect();
        let domain = D::new(scalars.len()).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        domain.ifft_in_place(&mut scalars);
        Ok(scalars.into_iter().skip(1).step_by(2).collect())
    }
}

/// An ark-circom proof: the proof, its public inputs, the zkey's verifying key.
pub type ArkCircomProof = (
    ark_groth16::Proof<ark_bn254::Bn254>,
    Vec<ark_bn254::Fr>,
    ark_groth16::VerifyingKey<ark_bn254::Bn254>,
);

/// What ark-circom's users run on a zkey and a witness: the zkey's proving
/// key and its A and B as ark-relations matrices (ark-circom's
/// `read_zkey`), then ark-groth16's `create_proof_with_reduction_and_matrices`
/// with [`CircomReduction`]. The zkey is read by zkroll's reader with the
/// verifying key's checks and the B query in G1 (which ark-groth16 uses),
/// from files read section by section as `zkroll groth16 prove` reads
/// them. Returns the
/// proof, its public inputs and the zkey's verifying key (`zkroll bench
/// circom` verifies every proof).
pub fn prove_zkey<R: rand::RngCore + rand::CryptoRng>(
    zkey_file: impl std::io::Read + std::io::Seek,
    wtns_file: impl std::io::Read + std::io::Seek,
    rng: &mut R,
) -> Result<ArkCircomProof, crate::circom::CircomProveError> {
    use crate::circom::CircomProveError;
    use crate::formats::{wtns, zkey};
    use ark_bn254::{Bn254, Fr};
    use ark_ff::UniformRand;

    let full = wtns::read_from(wtns_file).map_err(CircomProveError::Wtns)?;
    let zk =
        zkey::read_from(zkey_file, zkey::Checks::VerifyingKey).map_err(CircomProveError::Zkey)?;
    let r1cs = &zk.key.r1cs;
    if full.len() != r1cs.num_variables() {
        return Err(CircomProveError::WitnessSize {
            expected: r1cs.num_variables(),
            found: full.len(),
        });
    }
    let matrix = |m: &crate::r1cs::SparseMatrix<Fr>| -> Matrix<Fr> {
        (0..m.rows())
            .map(|i| m.row(i).map(|(v, c)| (c, v)).collect())
            .collect()
    };
    let matrices = [matrix(&r1cs.a), matrix(&r1cs.b)];
    let (r, s) = (Fr::rand(rng), Fr::rand(rng));
    let proof =
        ark_groth16::Groth16::<Bn254, CircomReduction>::create_proof_with_reduction_and_matrices(
            &zk.key.pk,
            r,
            s,
            &matrices,
            r1cs.num_instance,
            r1cs.num_constraints,
            &full,
        )
        .map_err(|e| CircomProveError::Prover(e.into()))?;
    let public = full[1..r1cs.num_instance].to_vec();
    Ok((proof, public, zk.key.pk.vk))
}
