//! Container, section and hash-chain helpers of the ptau writer.

use super::blake2b::{blake2b512, Blake2b512};
use super::encode::{self, G1_SIZE, G2_SIZE};
use super::hash_to_g2::hash_to_g2;
use ark_bn254::{Fq, Fr, G1Affine, G2Affine};
use ark_ec::scalar_mul::{BatchMulPreprocessing, ScalarMul};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{One, PrimeField};
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::{self, Write};

/// Points per batch multiplication / per write.
const CHUNK: usize = 1 << 14;

/// Sections 1-7 and 12-15.
const N_SECTIONS: u32 = 11;

/// binfileutils section header: u32 type, u64 payload size (both LE).
pub(super) fn write_section_start<W: Write>(out: &mut W, ty: u32, size: u64) -> io::Result<()> {
    out.write_all(&ty.to_le_bytes())?;
    out.write_all(&size.to_le_bytes())
}

/// Magic, version 1, section count, then section 1 (`writePTauHeader`): n8q, q (LE),
/// power, ceremonyPower (= power).
pub(super) fn write_file_header<W: Write>(out: &mut W, power: u32) -> io::Result<()> {
    out.write_all(b"ptau")?;
    out.write_all(&1u32.to_le_bytes())?;
    out.write_all(&N_SECTIONS.to_le_bytes())?;
    write_section_start(out, 1, 44)?;
    out.write_all(&32u32.to_le_bytes())?;
    for limb in Fq::MODULUS.0 {
        out.write_all(&limb.to_le_bytes())?;
    }
    out.write_all(&power.to_le_bytes())?;
    out.write_all(&power.to_le_bytes())
}

fn update_repeated(h: &mut Blake2b512, item: &[u8], count: usize) {
    const BATCH: usize = 256;
    let buf = item.repeat(BATCH);
    let mut left = count;
    while left > 0 {
        let k = left.min(BATCH);
        h.update(&buf[..k * item.len()]);
        left -= k;
    }
}

/// `calculateFirstChallengeHash`: the hash of the all-generators accumulator,
/// BLAKE2b(BLAKE2b("") ‖ U(G1)×(2N−1) ‖ U(G2)×N ‖ U(G1)×N ‖ U(G1)×N ‖ U(G2)).
pub(super) fn first_challenge(power: u32) -> [u8; 64] {
    let n = 1usize << power;
    let g1 = encode::g1_u_vec(&G1Affine::generator());
    let g2 = encode::g2_u_vec(&G2Affine::generator());
    let mut h = Blake2b512::new();
    h.update(&blake2b512(&[]));
    update_repeated(&mut h, &g1, 2 * n - 1);
    update_repeated(&mut h, &g2, n);
    update_repeated(&mut h, &g1, n);
    update_repeated(&mut h, &g1, n);
    h.update(&g2);
    h.finalize()
}

fn encode_chunk<P: Sync>(points: &[P], size: usize, enc: fn(&P, &mut [u8]), buf: &mut Vec<u8>) {
    buf.resize(points.len() * size, 0);
    buf.par_chunks_mut(size)
        .zip(points.par_iter())
        .for_each(|(b, p)| enc(p, b));
}

/// Absorbs `enc(p)` for every point.
pub(super) fn hash_points<P: Sync>(
    h: &mut Blake2b512,
    points: &[P],
    size: usize,
    enc: fn(&P, &mut [u8]),
) {
    let mut buf = Vec::new();
    for chunk in points.chunks(CHUNK) {
        encode_chunk(chunk, size, enc, &mut buf);
        h.update(&buf);
    }
}

/// Writes section `ty` holding `lem(p)` for every point, and absorbs `u(p)` into `h`.
fn write_points_hashed<W: Write, P: Sync>(
    out: &mut W,
    ty: u32,
    points: &[P],
    size: usize,
    lem: fn(&P, &mut [u8]),
    u: fn(&P, &mut [u8]),
    h: &mut Blake2b512,
) -> io::Result<()> {
    write_section_start(out, ty, (points.len() * size) as u64)?;
    let mut buf = Vec::new();
    for chunk in points.chunks(CHUNK) {
        encode_chunk(chunk, size, lem, &mut buf);
        out.write_all(&buf)?;
        encode_chunk(chunk, size, u, &mut buf);
        h.update(&buf);
    }
    Ok(())
}

/// Writes G1 points as LEM and absorbs them as U.
pub(super) fn write_g1_hashed<W: Write>(
    out: &mut W,
    ty: u32,
    points: &[G1Affine],
    h: &mut Blake2b512,
) -> io::Result<()> {
    write_points_hashed(out, ty, points, G1_SIZE, encode::g1_lem, encode::g1_u, h)
}

/// Writes G2 points as LEM and absorbs them as U.
pub(super) fn write_g2_hashed<W: Write>(
    out: &mut W,
    ty: u32,
    points: &[G2Affine],
    h: &mut Blake2b512,
) -> io::Result<()> {
    write_points_hashed(out, ty, points, G2_SIZE, encode::g2_lem, encode::g2_u, h)
}

/// Writes section `ty` holding `(factor·s)·base` for each scalar s (LEM), computed chunk by
/// chunk with the fixed-base table so the section is never held in memory.
pub(super) fn write_mul_section<W: Write, G: ScalarMul<ScalarField = Fr>>(
    out: &mut W,
    ty: u32,
    table: &BatchMulPreprocessing<G>,
    scalars: &[Fr],
    factor: Fr,
    size: usize,
    lem: fn(&G::MulBase, &mut [u8]),
) -> io::Result<()> {
    write_section_start(out, ty, (scalars.len() * size) as u64)?;
    let mut buf = Vec::new();
    for chunk in scalars.chunks(CHUNK) {
        let chunk: Cow<[Fr]> = if factor.is_one() {
            Cow::Borrowed(chunk)
        } else {
            Cow::Owned(chunk.par_iter().map(|s| *s * factor).collect())
        };
        let points = table.batch_mul(&chunk);
        encode_chunk(&points, size, lem, &mut buf);
        out.write_all(&buf)?;
    }
    Ok(())
}

/// One secret's public key (`keypair.createPTauKey`): g1_s, g1_sx = x·g1_s and
/// g2_spx = x·g2_sp, where g2_sp = hashToG2(BLAKE2b(pers ‖ challenge ‖ U(g1_s) ‖ U(g1_sx))).
pub(super) struct Key {
    g1_s: G1Affine,
    g1_sx: G1Affine,
    g2_spx: G2Affine,
}

impl Key {
    /// `pers` is 0 for τ, 1 for α, 2 for β; `s` is any nonzero blinding scalar.
    pub(super) fn new(x: Fr, pers: u8, challenge: &[u8; 64], s: Fr) -> Self {
        let g1_s = (G1Affine::generator() * s).into_affine();
        let g1_sx = (g1_s * x).into_affine();
        let e = blake2b512(&[
            &[pers],
            challenge,
            &encode::g1_u_vec(&g1_s),
            &encode::g1_u_vec(&g1_sx),
        ]);
        let g2_spx = (hash_to_g2(&e) * x).into_affine();
        Self {
            g1_s,
            g1_sx,
            g2_spx,
        }
    }

    /// The 768-byte public key in snarkjs order (`toPtauPubKeyRpr`): τ, α, β g1_s/g1_sx
    /// pairs, then the three g2_spx, in the given encoding.
    pub(super) fn pubkey_bytes(
        keys: &[Key; 3],
        e1: fn(&G1Affine) -> [u8; G1_SIZE],
        e2: fn(&G2Affine) -> [u8; G2_SIZE],
    ) -> Vec<u8> {
        let mut v = Vec::with_capacity(6 * G1_SIZE + 3 * G2_SIZE);
        for k in keys {
            v.extend_from_slice(&e1(&k.g1_s));
            v.extend_from_slice(&e1(&k.g1_sx));
        }
        for k in keys {
            v.extend_from_slice(&e2(&k.g2_spx));
        }
        v
    }
}
