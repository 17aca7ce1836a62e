//! The MSM against ark-ec's on random and adversarial inputs.

use super::*;
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{Field, One, PrimeField, UniformRand};
use rand::{rngs::StdRng, Rng, SeedableRng};

fn check_g1(bases: &[G1Affine], scalars: &[Fr]) {
    let ours = msm(bases, Scalars::new(scalars).all());
    let reference = G1Projective::msm(bases, scalars).unwrap();
    assert_eq!(ours.into_affine(), reference.into_affine());
}

fn random_bases(rng: &mut StdRng, n: usize) -> Vec<G1Affine> {
    let g = G1Projective::rand(rng);
    let pts: Vec<G1Projective> = (0..n)
        .map(|i| g * Fr::from(i as u64 + 1) + G1Projective::rand(rng))
        .collect();
    G1Projective::normalize_batch(&pts)
}

/// A mix like a witness: zeros, ones, bits, bytes, words, negatives,
/// full-size values.
fn witness_like(rng: &mut StdRng, n: usize) -> Vec<Fr> {
    (0..n)
        .map(|_| match rng.gen_range(0..8) {
            0 => Fr::zero(),
            1 => Fr::one(),
            2 => -Fr::one(),
            3 => Fr::from(rng.gen::<u8>()),
            4 => Fr::from(rng.gen::<u32>()),
            5 => -Fr::from(rng.gen::<u64>()),
            6 => Fr::from(rng.gen::<u128>()),
            _ => Fr::rand(rng),
        })
        .collect()
}

#[test]
fn norm_inverses_match_ark_ff() {
    use ark_bn254::{Fq, Fq2};
    let mut rng = StdRng::seed_from_u64(8);
    let mut cases: Vec<Fq2> = (0..200).map(|_| Fq2::rand(&mut rng)).collect();
    cases.push(Fq2::new(Fq::zero(), Fq::rand(&mut rng)));
    cases.push(Fq2::new(Fq::rand(&mut rng), Fq::zero()));
    cases.push(Fq2::new(-Fq::one(), Fq::one()));
    cases.push(Fq2::one());
    for d in cases {
        let n = d.norm();
        assert!(!n.is_zero());
        let inv = d.inverse_from_norm(&n.inverse().unwrap());
        assert_eq!(Some(inv), d.inverse());
    }
    assert!(Fq2::zero().norm().is_zero());
    let x = Fq::rand(&mut rng);
    assert_eq!(
        x.inverse_from_norm(&x.norm().inverse().unwrap()),
        x.inverse().unwrap()
    );
}

#[test]
fn booth_digits_recompose() {
    let mut rng = StdRng::seed_from_u64(1);
    for c in 4..=20 {
        for _ in 0..50 {
            let k: Fr = Fr::rand(&mut rng);
            let big = k.into_bigint();
            let mut limbs = [0u64; 4];
            limbs.copy_from_slice(big.as_ref());
            let windows = 254 / c + 1;
            let mut acc = Fr::zero();
            let two_c = Fr::from(1u64 << c);
            for w in (0..windows).rev() {
                acc *= two_c;
                let d = booth(&limbs, w, c);
                assert!(d.unsigned_abs() <= 1 << (c - 1));
                acc += if d < 0 {
                    -Fr::from(d.unsigned_abs())
                } else {
                    Fr::from(d as u64)
                };
            }
            assert_eq!(acc, k, "c = {c}");
        }
    }
}

#[test]
fn random_scalars_match_ark_ec() {
    let mut rng = StdRng::seed_from_u64(2);
    for n in [0, 1, 2, 3, 31, 100, 1000, 5000] {
        let bases = random_bases(&mut rng, n);
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        check_g1(&bases, &scalars);
    }
}

#[test]
fn witness_like_scalars_match_ark_ec() {
    let mut rng = StdRng::seed_from_u64(3);
    for n in [10, 1000, 20_000] {
        let bases = random_bases(&mut rng, n);
        check_g1(&bases, &witness_like(&mut rng, n));
    }
}

#[test]
fn adversarial_inputs_match_ark_ec() {
    let mut rng = StdRng::seed_from_u64(4);
    let p = G1Projective::rand(&mut rng).into_affine();
    let q = G1Projective::rand(&mut rng).into_affine();
    // The same base many times with the same scalar: every addition
    // collides in one bucket (doublings, deferred passes, overflow).
    let same = vec![p; 3000];
    check_g1(&same, &vec![Fr::from(5u64); 3000]);
    check_g1(&same, &vec![Fr::one(); 3000]);
    check_g1(&same, &vec![-Fr::one(); 3000]);
    // P and -P alternating: buckets empty out and refill.
    let alt: Vec<G1Affine> = (0..2000).map(|i| if i % 2 == 0 { p } else { -p }).collect();
    check_g1(&alt, &vec![Fr::from(7u64); 2000]);
    check_g1(&alt, &witness_like(&mut rng, 2000));
    // Points at infinity among the bases, zero scalars, r - 1, 2^k.
    let mut mixed = random_bases(&mut rng, 1500);
    for i in (0..1500).step_by(3) {
        mixed[i] = G1Affine::identity();
    }
    mixed[1] = q;
    mixed[2] = q;
    let mut scalars = witness_like(&mut rng, 1500);
    scalars[4] = -Fr::one();
    scalars[5] = Fr::from(2u64).pow([253u64]);
    scalars[7] = Fr::zero();
    check_g1(&mixed, &scalars);
    // All zero; all bases at infinity.
    check_g1(&mixed, &vec![Fr::zero(); 1500]);
    check_g1(
        &vec![G1Affine::identity(); 100],
        &witness_like(&mut rng, 100),
    );
    // Mismatched lengths take the shorter, as ark-ec does.
    let ours = msm(&mixed[..10], Scalars::new(&scalars).all());
    let reference = G1Projective::msm_unchecked(&mixed[..10], &scalars[..10]);
    assert_eq!(ours, reference);
}

/// Twelve bases for the property tests: five points, their negations
/// and the identity twice.
fn small_pool() -> Vec<G1Affine> {
    let mut rng = StdRng::seed_from_u64(7);
    let mut pool = random_bases(&mut rng, 5);
    let negs: Vec<G1Affine> = pool.iter().map(|p| -*p).collect();
    pool.extend(negs);
    pool.push(G1Affine::identity());
    pool.push(G1Affine::identity());
    pool
}

/// A scalar of one of the classes a witness or an adversary produces.
fn scalar_strategy() -> impl proptest::strategy::Strategy<Value = Fr> {
    use proptest::prelude::*;
    prop_oneof![
        Just(Fr::zero()),
        Just(Fr::one()),
        Just(-Fr::one()),
        any::<u8>().prop_map(Fr::from),
        any::<u64>().prop_map(|v| -Fr::from(v)),
        any::<u128>().prop_map(Fr::from),
        any::<[u64; 4]>().prop_map(|l| Fr::from_le_bytes_mod_order(
            &l.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<_>>()
        )),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Any mix of scalars over bases drawn from a small pool (so bases
    /// repeat, meet their negations and include infinity) equals ark-ec.
    #[test]
    fn any_mix_matches_ark_ec(
        picks in proptest::collection::vec((0usize..12, scalar_strategy()), 0..400)
    ) {
        let pool = small_pool();
        let bases: Vec<G1Affine> = picks.iter().map(|(i, _)| pool[*i]).collect();
        let scalars: Vec<Fr> = picks.iter().map(|(_, s)| *s).collect();
        let ours = msm(&bases, Scalars::new(&scalars).all());
        let reference = G1Projective::msm(&bases, &scalars).unwrap();
        proptest::prop_assert_eq!(ours.into_affine(), reference.into_affine());
    }
}

#[test]
fn segments_match_the_concatenation() {
    let mut rng = StdRng::seed_from_u64(9);
    for sizes in [
        vec![0usize],
        vec![700],
        vec![300, 0, 1200],
        vec![5, 2000, 17, 900],
        vec![100, 200, 300, 400, 500, 600],
    ] {
        let bases: Vec<Vec<G1Affine>> = sizes.iter().map(|&n| random_bases(&mut rng, n)).collect();
        let scalars: Vec<Vec<Fr>> = sizes.iter().map(|&n| witness_like(&mut rng, n)).collect();
        let prepared: Vec<Scalars> = scalars.iter().map(|s| Scalars::new(s)).collect();
        let segs: Vec<(&[G1Affine], ScalarsRef<'_>)> = bases
            .iter()
            .zip(&prepared)
            .map(|(b, s)| (b.as_slice(), s.all()))
            .collect();
        let ours = msm_segments(&segs);
        let reference = G1Projective::msm(&bases.concat(), &scalars.concat()).unwrap();
        assert_eq!(
            ours.into_affine(),
            reference.into_affine(),
            "sizes {sizes:?}"
        );
    }
}

/// `msm(bases, z)` computed the [`Repeats`] way, over `bases` standing
/// for the scalars from `offset` on.
fn by_repeats<P: SWCurveConfig>(bases: &[Affine<P>], z: &Scalars, offset: usize) -> Projective<P>
where
    P::BaseField: BatchInverse,
{
    z.repeats().msm(bases, offset, &[])
}

#[test]
fn repeats_give_the_same_sum() {
    let mut rng = StdRng::seed_from_u64(10);
    let n = 4000;
    let mut bases = random_bases(&mut rng, n);
    // Values from a small pool (many repeats, some negated, some short),
    // mixed with zeros and units; some bases at infinity, one group all
    // at infinity, one base repeated with its own value.
    let pool: Vec<Fr> = (0..300)
        .map(|k| {
            if k % 7 == 0 {
                Fr::from(rng.gen::<u64>())
            } else {
                Fr::rand(&mut rng)
            }
        })
        .collect();
    let mut z: Vec<Fr> = (0..n)
        .map(|_| match rng.gen_range(0..6) {
            0 => Fr::zero(),
            1 => Fr::one(),
            2 => -pool[rng.gen_range(0..pool.len())],
            _ => pool[rng.gen_range(0..pool.len())],
        })
        .collect();
    for i in (0..n).step_by(11) {
        bases[i] = G1Affine::identity();
    }
    let lonely = Fr::rand(&mut rng);
    for i in [13, 26, 39] {
        z[i] = lonely;
        bases[i] = G1Affine::identity();
    }
    bases[100] = bases[101];
    z[100] = z[101];
    let prepared = Scalars::new(&z);
    let reps = prepared.repeats();
    let counts = reps.counts();
    assert!(counts.groups > 100 && counts.repeated > counts.groups);
    let reference = G1Projective::msm(&bases, &z).unwrap();
    assert_eq!(
        by_repeats(&bases, &prepared, 0).into_affine(),
        reference.into_affine()
    );
    // An offset view, as the L query over the witness part.
    let off = 37;
    let reference = G1Projective::msm(&bases[..n - off], &z[off..]).unwrap();
    assert_eq!(
        by_repeats(&bases[..n - off], &prepared, off).into_affine(),
        reference.into_affine()
    );
    // G2.
    let g = G2Projective::rand(&mut rng);
    let b2: Vec<G2Projective> = (0..n).map(|i| g * Fr::from(i as u64 % 97 + 1)).collect();
    let b2 = G2Projective::normalize_batch(&b2);
    let reference = G2Projective::msm(&b2, &z).unwrap();
    assert_eq!(
        by_repeats(&b2, &prepared, 0).into_affine(),
        reference.into_affine()
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Scalars drawn from a pool of six values (so most repeat) over
    /// bases that repeat, meet their negations or are at infinity: the
    /// repeats' way gives ark-ec's sum, whole and from an offset.
    #[test]
    fn repeats_match_ark_ec(
        picks in proptest::collection::vec((0usize..12, 0usize..6), 0..300),
        pool in proptest::collection::vec(scalar_strategy(), 6),
        off in 0usize..5,
    ) {
        let bases_pool = small_pool();
        let bases: Vec<G1Affine> = picks.iter().map(|(i, _)| bases_pool[*i]).collect();
        let z: Vec<Fr> = picks.iter().map(|(_, k)| pool[*k]).collect();
        let prepared = Scalars::new(&z);
        let whole = G1Projective::msm(&bases, &z).unwrap();
        proptest::prop_assert_eq!(by_repeats(&bases, &prepared, 0).into_affine(), whole.into_affine());
        let off = off.min(z.len());
        let part = G1Projective::msm_unchecked(&bases[..z.len() - off], &z[off..]);
        proptest::prop_assert_eq!(
            by_repeats(&bases[..z.len() - off], &prepared, off).into_affine(),
            part.into_affine()
        );
    }
}

#[test]
fn g2_matches_ark_ec() {
    let mut rng = StdRng::seed_from_u64(5);
    let g = G2Projective::rand(&mut rng);
    let pts: Vec<G2Projective> = (0..2000).map(|i| g * Fr::from(i as u64 % 50 + 1)).collect();
    let bases: Vec<G2Affine> = G2Projective::normalize_batch(&pts);
    let scalars = witness_like(&mut rng, 2000);
    let ours = msm(&bases, Scalars::new(&scalars).all());
    let reference = G2Projective::msm(&bases, &scalars).unwrap();
    assert_eq!(ours.into_affine(), reference.into_affine());
}

#[test]
fn slices_are_offset_views() {
    let mut rng = StdRng::seed_from_u64(6);
    let bases = random_bases(&mut rng, 500);
    let scalars = witness_like(&mut rng, 800);
    let prepared = Scalars::new(&scalars);
    let ours = msm(&bases, prepared.slice(300..800));
    let reference = G1Projective::msm(&bases, &scalars[300..800]).unwrap();
    assert_eq!(ours, reference);
}
