//! The generic Groth16 prover: any R1CS's full assignment and a
//! [`CircuitKey`] in, a proof out ([`prove_r1cs`]). It checks the
//! assignment on the A·z, B·z, C·z rows inside the QAP witness map and
//! assembles the proof from zkroll's MSMs ([`crate::msm`]) on all cores:
//! ark-groth16's A, B, C formulas with `r = 0`, then re-randomised, which
//! needs no MSM of the B query in G1 (the argument is in `assemble`'s
//! documentation). The batch circuit's layer (witness synthesis, shape
//! checks, naming a failed rule) is [`crate::batch`].

use std::time::{Duration, Instant};

use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::CurveGroup;
use ark_ff::{Field, One, UniformRand, Zero};
use ark_groth16::{Proof, ProvingKey};
use ark_poly::GeneralEvaluationDomain;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use rand::{CryptoRng, RngCore};

use crate::data_structures::CircuitKey;
use crate::error::ProverError;
use crate::msm::{msm, RepeatCounts, Scalars};
use crate::r1cs::R1cs;
use crate::reduction::{quotient, Matrices, QuotientError};

/// Where a proof's time went.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProvePhases {
    /// Witness-only synthesis.
    pub witness: Duration,
    /// The QAP witness map: A·z, B·z, C·z, the row check and 6 FFTs.
    pub qap: Duration,
    /// Preparing the witness's scalars and grouping its repeated values
    /// ([`crate::msm::Repeats`]).
    pub repeats: Duration,
    /// C's MSM: the L query (with the witness) and the H query (with the
    /// quotient's coefficients) as one MSM, since C needs only their sum.
    pub msm_lh: Duration,
    /// MSM of the A query with the witness.
    pub msm_a: Duration,
    /// MSM of the B query in G2 with the witness (the B query in G1 is not
    /// needed: see the prover's proof assembly).
    pub msm_b: Duration,
}

/// A proof with its public inputs and where the time went.
#[derive(Clone, Debug)]
pub struct ProofOutput {
    /// The proof.
    pub proof: Proof<Bn254>,
    /// The public inputs (for a batch, one: the pubdata commitment).
    pub public_inputs: Vec<Fr>,
    /// Witness synthesis time.
    pub witness_time: Duration,
    /// Groth16 time (QAP witness map, MSMs).
    pub prove_time: Duration,
    /// Time by phase.
    pub phases: ProvePhases,
    /// How many of the witness's values the MSMs summed once.
    pub repeats: RepeatCounts,
}

/// The full assignment `[1, public inputs, witness]` of any circuit: a
/// witness-only synthesis (no matrices).
pub fn synthesize_assignment<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
) -> Result<(Vec<Fr>, Vec<Fr>), ProverError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    });
    circuit.generate_constraints(cs.clone())?;
    let b = cs
        .borrow()
        .ok_or_else(|| ProverError::Synthesis("constraint system gone".into()))?;
    Ok((
        b.instance_assignment()?.to_vec(),
        b.witness_assignment()?.to_vec(),
    ))
}

/// [`synthesize_assignment`] checked against `r1cs`'s sizes.
pub fn assignment<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
    r1cs: &R1cs,
) -> Result<Vec<Fr>, ProverError> {
    let (instance, wit) = synthesize_assignment(circuit)?;
    if instance.len() != r1cs.num_instance || wit.len() != r1cs.num_witness {
        return Err(ProverError::Synthesis(format!(
            "witness has {}+{} variables, key expects {}+{}",
            instance.len(),
            wit.len(),
            r1cs.num_instance,
            r1cs.num_witness
        )));
    }
    Ok([instance, wit].concat())
}

/// Proves the full assignment `full = [1, public inputs, witness]` of any
/// R1CS with `key` (gnark's `Prove(r1cs, pk, witness)`): the QAP witness
/// map of the key's reduction (checking every row when the key knows C),
/// then the MSMs and the proof's assembly. The returned phases have no
/// witness time (the caller made the assignment). The proof is not
/// verified here: callers that hand it out verify it first.
pub fn prove_r1cs<R: RngCore + CryptoRng>(
    key: &CircuitKey,
    full: &[Fr],
    rng: &mut R,
) -> Result<ProofOutput, ProverError> {
    let r1cs = &key.r1cs;
    if full.len() != r1cs.num_variables() {
        return Err(ProverError::AssignmentSize {
            expected: r1cs.num_variables(),
            found: full.len(),
        });
    }
    if !full[0].is_one() {
        return Err(ProverError::ConstantNotOne);
    }
    let mut phases = ProvePhases::default();
    let t1 = Instant::now();
    let pk = &key.pk;

    let t = Instant::now();
    let m = Matrices {
        a: &r1cs.a,
        b: &r1cs.b,
        c: r1cs.c.as_ref(),
        num_inputs: r1cs.num_instance,
        num_constraints: r1cs.num_constraints,
    };
    let h =
        quotient::<Fr, GeneralEvaluationDomain<Fr>>(key.reduction, &m, full).map_err(
            |e| match e {
                QuotientError::Unsatisfied(index) => ProverError::UnsatisfiedConstraint { index },
                QuotientError::Domain => {
                    ProverError::Synthesis("no FFT domain of the circuit's size".into())
                }
            },
        )?;
    // libsnark's H query has n - 1 points (h has degree n - 2, its last
    // coefficient is 0), circom's n: any other length is another circuit.
    if pk.h_query.len() > h.len() || pk.h_query.len() + 1 < h.len() {
        return Err(ProverError::HQuerySize {
            query: pk.h_query.len(),
            domain: h.len(),
        });
    }
    phases.qap = t.elapsed();

    // The witness as MSM scalars, its repeated values grouped once for the
    // three MSMs over it (each sums a group's bases, then takes the value once).
    let t = Instant::now();
    let ni = r1cs.num_instance;
    let z = Scalars::new(full);
    let reps = z.repeats();
    let repeats = reps.counts();
    phases.repeats = t.elapsed();

    let t = Instant::now();
    let h_scalars = Scalars::new(&h);
    drop(h);
    let lh_acc = reps.msm(&pk.l_query, ni, &[(&pk.h_query, h_scalars.all())]);
    drop(h_scalars);
    phases.msm_lh = t.elapsed();

    let t = Instant::now();
    let a_acc = reps.msm(&pk.a_query, 0, &[]);
    phases.msm_a = t.elapsed();

    let t = Instant::now();
    let b2_acc = reps.msm(&pk.b_g2_query, 0, &[]);
    phases.msm_b = t.elapsed();

    let sums = Sums {
        a: a_acc,
        b_g2: b2_acc,
        lh: lh_acc,
    };
    let proof = assemble(pk, &sums, || msm(&pk.b_g1_query, z.all()), rng);
    Ok(ProofOutput {
        proof,
        public_inputs: full[1..ni].to_vec(),
        witness_time: Duration::ZERO,
        prove_time: t1.elapsed(),
        phases,
        repeats,
    })
}

/// The MSM sums a proof is assembled from: `sum_i z_i a_i(x)` (G1), `sum_i
/// z_i b_i(x)` (G2), and `sum_{witness} z_i l_i(x) + h(x) t(x) / delta`
/// (G1: the L and H queries' sums, which C only ever adds).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sums {
    pub(crate) a: G1Projective,
    pub(crate) b_g2: G2Projective,
    pub(crate) lh: G1Projective,
}

/// Assembles the proof without the B query in G1.
///
/// ark-groth16 (and libsnark, snarkjs) compute, for random `r, s`:
/// `A = alpha + sum z_i a_i + r delta`, `B = beta + sum z_i b_i + s delta`
/// (in G1 and in G2), `C = L + H + s A + r B_g1 - r s delta`: the G1 copy of
/// B, a fifth MSM, is only ever multiplied by `r`. zkroll takes `r = 0`,
/// which is a valid proof (the formulas hold for every `r, s`) but leaves
/// `A_0 = alpha + sum z_i a_i` a function of the witness, and then
/// re-randomises it as Groth16 proofs allow: for a random `rho != 0`,
/// `(A_0 / rho, rho B, C)` verifies, since `e(A_0 / rho, rho B) = e(A_0, B)`.
///
/// Zero knowledge is kept: in a fresh proof `A` is uniform in G1 (through
/// `r`) and `B` uniform in G2 and independent of it (through `s`), and `C`
/// is fixed by them and the statement. Here `A_0 / rho` is uniform over
/// G1 minus the identity when `A_0 != 0`, and `rho B` is uniform over G2
/// whatever `rho` is (through `s`), so the two distributions differ only
/// on the event "A is the identity", of probability 1/r in a fresh proof.
/// `A_0 = 0` itself (probability 1/r over the setup's trapdoor for any
/// witness) is not left to chance: then the classic formula is used, with
/// the B query in G1 computed by `b_g1`.
pub(crate) fn assemble<R: RngCore + CryptoRng>(
    pk: &ProvingKey<Bn254>,
    sums: &Sums,
    b_g1: impl FnOnce() -> G1Projective,
    rng: &mut R,
) -> Proof<Bn254> {
    let s = Fr::rand(rng);
    let a0 = sums.a + pk.vk.alpha_g1;
    let rho = Fr::rand(rng);
    // rho = 0 (probability 1/r) has no inverse: the classic formula then.
    match (a0.is_zero(), rho.inverse()) {
        (false, Some(rho_inv)) => rerandomized(pk, sums, a0, s, rho, rho_inv),
        _ => classic(pk, sums, b_g1(), Fr::rand(rng), s),
    }
}

/// `r = 0`, then `(A_0 / rho, rho B, C)`; see [`assemble`].
fn rerandomized(
    pk: &ProvingKey<Bn254>,
    sums: &Sums,
    a0: G1Projective,
    s: Fr,
    rho: Fr,
    rho_inv: Fr,
) -> Proof<Bn254> {
    // B = beta + sum z_i b_i + s delta; C = L + H + s A_0 (r = 0).
    let b = sums.b_g2 + pk.vk.beta_g2 + pk.vk.delta_g2 * s;
    let c = sums.lh + a0 * s;
    Proof {
        a: (a0 * rho_inv).into_affine(),
        b: (b * rho).into_affine(),
        c: c.into_affine(),
    }
}

/// ark-groth16's formulas with random `r, s`, from the B query's G1 sum
/// `b1`; see [`assemble`].
fn classic(pk: &ProvingKey<Bn254>, sums: &Sums, b1: G1Projective, r: Fr, s: Fr) -> Proof<Bn254> {
    // A = alpha + sum z_i a_i + r delta; B = beta + sum z_i b_i + s delta;
    // C = sum_{witness} z_i l_i + h(x) t(x)/delta + s A + r B - r s delta.
    let g_a = sums.a + pk.vk.alpha_g1 + pk.delta_g1 * r;
    let g1_b = b1 + pk.beta_g1 + pk.delta_g1 * s;
    let g2_b = sums.b_g2 + pk.vk.beta_g2 + pk.vk.delta_g2 * s;
    let g_c = sums.lh + g_a * s + g1_b * r - pk.delta_g1 * (r * s);
    Proof {
        a: g_a.into_affine(),
        b: g2_b.into_affine(),
        c: g_c.into_affine(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, VariableBaseMSM};
    use ark_groth16::Groth16;
    use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};
    use rand::SeedableRng;

    /// `x^3 + x + 5 = y` with `y` public: a few constraints with both
    /// witness and instance variables in A, B and C.
    #[derive(Clone)]
    struct Cubic {
        x: Fr,
    }

    impl ConstraintSynthesizer<Fr> for Cubic {
        fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
            let x = self.x;
            let y = cs.new_input_variable(|| Ok(x * x * x + x + Fr::from(5u64)))?;
            let xv = cs.new_witness_variable(|| Ok(x))?;
            let x2 = cs.new_witness_variable(|| Ok(x * x))?;
            let x3 = cs.new_witness_variable(|| Ok(x * x * x))?;
            cs.enforce_r1cs_constraint(|| xv.into(), || xv.into(), || x2.into())?;
            cs.enforce_r1cs_constraint(|| x2.into(), || xv.into(), || x3.into())?;
            cs.enforce_r1cs_constraint(
                || LinearCombination::from(x3) + xv + (Fr::from(5u64), Variable::One),
                || Variable::One.into(),
                || y.into(),
            )?;
            Ok(())
        }
    }

    /// The sums [`assemble`] takes, from ark-ec's MSMs and ark-groth16's
    /// witness map, plus the B query's G1 sum and the public input.
    fn sums(pk: &ProvingKey<Bn254>, x: Fr) -> (Sums, G1Projective, Fr) {
        use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
        let cs = ConstraintSystem::<Fr>::new_ref();
        Cubic { x }.generate_constraints(cs.clone()).unwrap();
        cs.finalize();
        let m = cs.to_matrices().unwrap()[ark_relations::gr1cs::R1CS_PREDICATE_LABEL].clone();
        let b = cs.borrow().unwrap();
        let full = [
            b.instance_assignment().unwrap(),
            b.witness_assignment().unwrap(),
        ]
        .concat();
        let ni = cs.num_instance_variables();
        let h = LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
            &m,
            ni,
            cs.num_constraints(),
            &full,
        )
        .unwrap();
        let msm1 = |bases: &[ark_bn254::G1Affine], s: &[Fr]| G1Projective::msm_unchecked(bases, s);
        let sums = Sums {
            a: msm1(&pk.a_query, &full),
            b_g2: G2Projective::msm_unchecked(&pk.b_g2_query, &full),
            lh: msm1(&pk.l_query, &full[ni..]) + msm1(&pk.h_query, &h),
        };
        (sums, msm1(&pk.b_g1_query, &full), full[1])
    }

    /// A development key for [`Cubic`] and the RNG after it.
    fn cubic_key(seed: u64) -> (ProvingKey<Bn254>, rand::rngs::StdRng) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(
            Cubic { x: Fr::from(0u64) },
            &mut rng,
        )
        .unwrap();
        (pk, rng)
    }

    /// [`assemble`], and whether it asked for the B query's G1 sum `b1`.
    fn assemble_noting_b1(
        pk: &ProvingKey<Bn254>,
        sums: &Sums,
        b1: G1Projective,
        rng: &mut rand::rngs::StdRng,
    ) -> (Proof<Bn254>, bool) {
        let mut used = false;
        let proof = assemble(
            pk,
            sums,
            || {
                used = true;
                b1
            },
            rng,
        );
        (proof, used)
    }

    #[test]
    fn rerandomized_and_classic_assemblies_verify() {
        let (pk, mut rng) = cubic_key(11);
        let x = Fr::from(3u64);
        let (sums, b1, y) = sums(&pk, x);
        assert_eq!(y, Fr::from(35u64));

        let (p1, b1_used) = assemble_noting_b1(&pk, &sums, b1, &mut rng);
        assert!(!b1_used, "the B query in G1 is computed only when A_0 = 0");
        zkroll_verifier::verify(&pk.vk, &[y], &p1).unwrap();
        // Re-randomised: a second proof of the same witness shares no element.
        let p2 = assemble(&pk, &sums, || b1, &mut rng);
        zkroll_verifier::verify(&pk.vk, &[y], &p2).unwrap();
        assert!(p1.a != p2.a && p1.b != p2.b && p1.c != p2.c);
        // Neither is the r = 0 proof's A_0.
        assert_ne!(p1.a, (sums.a + pk.vk.alpha_g1).into_affine());

        // The classic formula (the fallback) verifies too, and a wrong
        // input is refused for both.
        let p3 = classic(&pk, &sums, b1, Fr::rand(&mut rng), Fr::rand(&mut rng));
        zkroll_verifier::verify(&pk.vk, &[y], &p3).unwrap();
        for p in [&p1, &p3] {
            assert!(zkroll_verifier::verify(&pk.vk, &[y + Fr::from(1u64)], p).is_err());
        }
    }

    #[test]
    fn a_zero_takes_the_classic_formula() {
        let (pk, mut rng) = cubic_key(12);
        let (mut sums, b1, _) = sums(&pk, Fr::from(3u64));
        // Force A_0 = alpha + sum z_i a_i to the identity.
        sums.a = -G1Projective::from(pk.vk.alpha_g1);
        let (p, b1_used) = assemble_noting_b1(&pk, &sums, b1, &mut rng);
        assert!(b1_used);
        // A = r delta with r random: not the identity.
        assert!(!p.a.is_zero());
    }
}
