//! Structural checks of a small written file, mirroring what `snarkjs powersoftau verify`
//! checks (pairing ratios, the key proofs, the hash chain, the Lagrange blocks). The real
//! `snarkjs powersoftau verify` runs on a written file in `tests/ceremony.rs`.

use super::blake2b::{blake2b512, Blake2b512, PARTIAL_HASH_SIZE};
use super::encode::{g1_c, g1_u, g2_c, g2_u, G1_C_SIZE, G2_C_SIZE};
use super::hash_to_g2::hash_to_g2;
use super::*;
use ark_bn254::{Bn254, Fq, Fq2};
use ark_ec::pairing::Pairing;
use ark_ff::{BigInt, FftField, PrimeField};
use rand::SeedableRng;
use std::collections::HashMap;

fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}

fn fq(b: &[u8]) -> Fq {
    let mut limbs = [0u64; 4];
    for (l, c) in limbs.iter_mut().zip(b.chunks_exact(8)) {
        let mut a = [0u8; 8];
        a.copy_from_slice(c);
        *l = u64::from_le_bytes(a);
    }
    assert!(BigInt(limbs) < Fq::MODULUS, "LEM limb out of range");
    Fq::new_unchecked(BigInt(limbs))
}

fn g1(b: &[u8]) -> G1Affine {
    if b[..64].iter().all(|x| *x == 0) {
        return G1Affine::zero();
    }
    let p = G1Affine::new_unchecked(fq(&b[..32]), fq(&b[32..64]));
    assert!(p.is_on_curve());
    p
}

fn g2(b: &[u8]) -> G2Affine {
    if b[..128].iter().all(|x| *x == 0) {
        return G2Affine::zero();
    }
    let x = Fq2::new(fq(&b[..32]), fq(&b[32..64]));
    let y = Fq2::new(fq(&b[64..96]), fq(&b[96..128]));
    let p = G2Affine::new_unchecked(x, y);
    assert!(p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve());
    p
}

fn g1s(b: &[u8]) -> Vec<G1Affine> {
    b.chunks_exact(64).map(g1).collect()
}

fn g2s(b: &[u8]) -> Vec<G2Affine> {
    b.chunks_exact(128).map(g2).collect()
}

/// snarkjs `misc.sameRatio`: false on any zero input, else e(a1, b2) == e(b1, a2).
fn same_ratio(a1: G1Affine, b1: G1Affine, a2: G2Affine, b2: G2Affine) -> bool {
    if a1.is_zero() || b1.is_zero() || a2.is_zero() || b2.is_zero() {
        return false;
    }
    Bn254::pairing(a1, b2) == Bn254::pairing(b1, a2)
}

struct File {
    order: Vec<u32>,
    sections: HashMap<u32, Vec<u8>>,
}

fn parse(bytes: &[u8]) -> File {
    assert_eq!(&bytes[..4], b"ptau");
    assert_eq!(u32_at(bytes, 4), 1);
    let n_sect = u32_at(bytes, 8) as usize;
    let mut pos = 12;
    let mut order = Vec::new();
    let mut sections = HashMap::new();
    for _ in 0..n_sect {
        let ty = u32_at(bytes, pos);
        let mut s = [0u8; 8];
        s.copy_from_slice(&bytes[pos + 4..pos + 12]);
        let size = u64::from_le_bytes(s) as usize;
        pos += 12;
        order.push(ty);
        assert!(sections
            .insert(ty, bytes[pos..pos + size].to_vec())
            .is_none());
        pos += size;
    }
    assert_eq!(pos, bytes.len(), "trailing bytes");
    File { order, sections }
}

fn write_small(power: u32, name: &str) -> (Vec<u8>, PtauSummary) {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(u64::from(power) + 7);
    let mut out = Vec::new();
    let summary = write_testing_ptau(&mut out, power, name, &mut rng)
        .unwrap_or_else(|e| panic!("writing to a Vec failed: {e}"));
    (out, summary)
}

/// From the logs of `snarkjs powersoftau new bn128 10` / `12` ("First Contribution Hash").
#[test]
fn first_challenge_matches_snarkjs() {
    assert_eq!(
        format_hash(&first_challenge(10)),
        "\t\t95f0b449 9e50f8da 383b0d74 c174c169\n\t\t8bdffe1b 35066754 005889a1 47849bbf\n\
         \t\t8d64ff6c 989bd89a 4736b569 a99a1c83\n\t\ta50dc181 e9fe1d4d 23d1888a 98b3157e"
    );
    assert_eq!(
        format_hash(&first_challenge(12)),
        "\t\t9e63a5f6 2b96538d aaed2372 481920d1\n\t\ta40b9195 9ea38ef9 f5f6a303 3b886516\n\
         \t\t0710d067 c09d0961 5f928ea5 17bcdf49\n\t\tad75abd2 c8340b40 0e3b18e9 68b4ffef"
    );
}

#[test]
fn rejects_bad_power() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    for p in [0, MAX_POWER + 1] {
        let err = write_testing_ptau(Vec::new(), p, "x", &mut rng).err();
        assert_eq!(err.map(|e| e.kind()), Some(io::ErrorKind::InvalidInput));
    }
}

#[test]
fn name_is_cut_like_js_substring() {
    let long = "é".repeat(70);
    assert_eq!(snarkjs_name(&long).chars().count(), 64);
    let astral = "😀".repeat(40); // 2 UTF-16 units each
    assert_eq!(snarkjs_name(&astral).chars().count(), 32);
    assert_eq!(snarkjs_name("abc"), "abc");
}

#[test]
fn small_file_is_consistent() {
    let power = 3u32;
    let n = 1usize << power;
    let name = "unit test";
    let (bytes, summary) = write_small(power, name);
    let f = parse(&bytes);
    assert_eq!(f.order, [1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]);
    let sec = |t: u32| f.sections[&t].as_slice();

    let h = sec(1);
    assert_eq!(h.len(), 44);
    assert_eq!(u32_at(h, 0), 32);
    assert_eq!(h[4..36], ark_ff::BigInteger::to_bytes_le(&Fq::MODULUS)[..]);
    assert_eq!((u32_at(h, 36), u32_at(h, 40)), (power, power));

    let (s2, s3, s4, s5) = (g1s(sec(2)), g2s(sec(3)), g1s(sec(4)), g1s(sec(5)));
    let s6 = g2s(sec(6));
    assert_eq!(
        (s2.len(), s3.len(), s4.len(), s5.len(), s6.len()),
        (2 * n - 1, n, n, n, 1)
    );
    let (gen1, gen2) = (G1Affine::generator(), G2Affine::generator());
    assert_eq!((s2[0], s3[0]), (gen1, gen2));
    for w in s2.windows(2).chain(s4.windows(2)).chain(s5.windows(2)) {
        assert!(same_ratio(w[0], w[1], gen2, s3[1]));
    }
    for w in s3.windows(2) {
        assert!(same_ratio(gen1, s2[1], w[0], w[1]));
    }
    assert!(same_ratio(gen1, s5[0], gen2, s6[0]));
    assert!(!same_ratio(gen1, s4[0], gen2, s6[0]), "alpha != beta");

    // Section 7.
    let c = sec(7);
    assert_eq!(u32_at(c, 0), 1);
    let r = &c[4..];
    assert_eq!(g1(&r[0..]), s2[1]);
    assert_eq!(g2(&r[64..]), s3[1]);
    assert_eq!(g1(&r[192..]), s4[0]);
    assert_eq!(g1(&r[256..]), s5[0]);
    assert_eq!(g2(&r[320..]), s6[0]);
    let pk = &r[448..448 + 768];
    let g1_s: Vec<G1Affine> = (0..6).map(|i| g1(&pk[64 * i..])).collect();
    let g2_spx: Vec<G2Affine> = (0..3).map(|i| g2(&pk[384 + 128 * i..])).collect();
    let c0 = first_challenge(power);
    let mut sp = Vec::new();
    for k in 0..3 {
        let (s, sx) = (g1_s[2 * k], g1_s[2 * k + 1]);
        let e = blake2b512(&[
            &[k as u8],
            &c0,
            &encode::g1_u_vec(&s),
            &encode::g1_u_vec(&sx),
        ]);
        sp.push(hash_to_g2(&e));
        assert!(same_ratio(s, sx, sp[k], g2_spx[k]), "key {k}");
    }
    assert!(same_ratio(gen1, s2[1], sp[0], g2_spx[0]));
    assert!(same_ratio(g1_s[0], g1_s[1], gen2, s3[1]));
    assert!(same_ratio(gen1, s4[0], sp[1], g2_spx[1]));
    assert!(same_ratio(gen1, s5[0], sp[2], g2_spx[2]));
    assert!(same_ratio(g1_s[4], g1_s[5], gen2, s6[0]));

    // Hash chain: partialHash = state after c0 ‖ C(points); + U(pubkey) = response hash.
    let mut partial = [0u8; PARTIAL_HASH_SIZE];
    partial.copy_from_slice(&r[1216..1216 + PARTIAL_HASH_SIZE]);
    let mut pk_u = Vec::new();
    let mut b = [0u8; 128];
    for p in &g1_s {
        g1_u(p, &mut b);
        pk_u.extend_from_slice(&b[..64]);
    }
    for p in &g2_spx {
        g2_u(p, &mut b);
        pk_u.extend_from_slice(&b);
    }
    let mut resumed = Blake2b512::from_partial_state(&partial);
    resumed.update(&pk_u);
    assert_eq!(resumed.finalize(), summary.contribution_hash);
    let mut direct = Blake2b512::new();
    direct.update(&c0);
    let mut cb = [0u8; 64];
    for p in &s2 {
        g1_c(p, &mut cb);
        direct.update(&cb[..G1_C_SIZE]);
    }
    for p in &s3 {
        g2_c(p, &mut cb);
        direct.update(&cb[..G2_C_SIZE]);
    }
    for p in s4.iter().chain(&s5) {
        g1_c(p, &mut cb);
        direct.update(&cb[..G1_C_SIZE]);
    }
    g2_c(&s6[0], &mut cb);
    direct.update(&cb[..G2_C_SIZE]);
    direct.update(&pk_u);
    assert_eq!(direct.finalize(), summary.contribution_hash);

    let mut next = Blake2b512::new();
    next.update(&summary.contribution_hash);
    for p in &s2 {
        next.update(&encode::g1_u_vec(p));
    }
    for p in &s3 {
        next.update(&encode::g2_u_vec(p));
    }
    for p in s4.iter().chain(&s5) {
        next.update(&encode::g1_u_vec(p));
    }
    next.update(&encode::g2_u_vec(&s6[0]));
    let next = next.finalize();
    assert_eq!(next, summary.next_challenge);
    assert_eq!(&r[1432..1496], &next[..]);
    assert_eq!(u32_at(r, 1496), 0, "type");
    assert_eq!(u32_at(r, 1500) as usize, 2 + name.len());
    assert_eq!(&r[1504..1506], &[1, name.len() as u8]);
    assert_eq!(&r[1506..], name.as_bytes());

    // Lagrange blocks: the FFT of block k gives back the first 2^k source points.
    let (s12, s13, s14, s15) = (g1s(sec(12)), g2s(sec(13)), g1s(sec(14)), g1s(sec(15)));
    assert_eq!((s12.len(), s13.len()), (4 * n - 1, 2 * n - 1));
    assert_eq!((s14.len(), s15.len()), (2 * n - 1, 2 * n - 1));
    check_blocks(&s12, &s2, power + 1);
    check_blocks(&s13, &s3, power);
    check_blocks(&s14, &s4, power);
    check_blocks(&s15, &s5, power);
}

/// For k = 0..=max_k: Σ_j ω_k^{ij}·lag[2^k - 1 + j] == src[i] (zero where src ends).
fn check_blocks<A: AffineRepr<ScalarField = Fr>>(lag: &[A], src: &[A], max_k: u32) {
    for k in 0..=max_k {
        let n = 1usize << k;
        let Some(omega) = Fr::get_root_of_unity(n as u64) else {
            panic!("no root of unity for k = {k}");
        };
        let block = &lag[n - 1..2 * n - 1];
        for i in 0..n {
            let mut acc = A::Group::zero();
            for (j, p) in block.iter().enumerate() {
                acc += *p * omega.pow([(i * j) as u64]);
            }
            let want = src.get(i).copied().unwrap_or_else(A::zero);
            assert_eq!(acc.into_affine(), want, "block {k} index {i}");
        }
    }
}
