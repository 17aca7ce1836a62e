//! snarkjs's Groth16 `.zkey` (zkey_new.js, zkey_utils.js): read into a
//! [`CircuitKey`] with circom's QAP reduction, plus the ceremony's record.
//!
//! ```text
//! 1 header       u32 protocol (1 = Groth16)
//! 2 groth16      n8q, q, n8r, r, nVars, nPublic, domainSize (u32); alpha1, beta1, beta2, gamma2, delta1, delta2
//! 3 IC           nPublic + 1 G1
//! 4 coefficients u32 n; n x (u32 matrix 0=A 1=B, u32 row, u32 signal, coefficient as c R^2 mod r)
//!                (A and B only; then rows nConstraints + s, s = 0..=nPublic: A[.][s] = 1)
//! 5 A, 6 B1, 7 B2 nVars points each (G1, G1, G2)
//! 8 C            nVars - nPublic - 1 G1 (the private wires: arkworks' L query)
//! 9 H            domainSize G1 (odd Lagrange bases of the 2n domain, over delta)
//! 10 MPC         csHash (64), u32 n, per contribution: deltaAfter, g1_s, g1_sx (G1), g2_spx (G2),
//!                transcript (64), u32 type (0 contribution, 1 beacon), u32 len, TLV params (1 name)
//! ```
//! Points are affine, little-endian Montgomery, the identity all zeros.
//!
//! Validation: every coordinate below q, every field element below r,
//! every point on its curve (G1's cofactor is 1, so that is its subgroup).
//! G2 points are also checked in the prime-order subgroup when
//! [`Checks::All`] (`zkroll import zkey`, once per ceremony key); with
//! [`Checks::VerifyingKey`] only the verifying key's G2 points are
//! (`zkroll groth16 prove`, every run): an off-subgroup point in the B
//! query can only yield a proof the verifying key rejects, and every proof
//! is verified before it is written, while the verifying key's points are
//! what a verifier trusts.

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_relations::gr1cs::Matrix;
use blake2::{Blake2b512, Digest};
use rayon::prelude::*;

use super::binfile::{put_prime, BinFile, BinWriter, Cursor, Encoding};
use super::error::{FileKind, FormatError};
use crate::data_structures::CircuitKey;
use crate::r1cs::{R1cs, SparseMatrix};
use crate::reduction::Reduction;

const MAGIC: &[u8; 4] = b"zkey";
/// Versions snarkjs's prover reads.
const MAX_VERSION: u32 = 2;
const GROTH16: u32 = 1;
const G1_BYTES: usize = 64;
const G2_BYTES: usize = 128;
const COEFF_BYTES: usize = 12 + 32;
const HASH_BYTES: usize = 64;
/// The TLV tag of a contribution's name.
const PARAM_NAME: u8 = 1;

/// Which points get the G2 subgroup check (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checks {
    /// Every G2 point (import).
    All,
    /// The verifying key's G2 points only (proving straight from a zkey).
    VerifyingKey,
}

/// One phase-2 contribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contribution {
    /// delta1 after it.
    pub delta_after: G1Affine,
    /// Its proof of knowledge: `g1_s`, `g1_sx`, `g2_spx`.
    pub g1_s: G1Affine,
    /// `x g1_s`.
    pub g1_sx: G1Affine,
    /// `x g2_sp`.
    pub g2_spx: G2Affine,
    /// The transcript hash it signed.
    pub transcript: [u8; HASH_BYTES],
    /// A beacon (type 1) rather than a contribution.
    pub beacon: bool,
    /// The contributor's name, if given.
    pub name: String,
    /// The hash snarkjs prints for it: BLAKE2b-512 of its points
    /// (uncompressed, big-endian) and transcript.
    pub hash: [u8; HASH_BYTES],
}

/// A zkey, decoded.
pub struct Zkey {
    /// The proving key, its R1CS (A and B; no C) and circom's reduction.
    pub key: CircuitKey,
    /// The evaluation domain's size.
    pub domain_size: usize,
    /// The circuit hash the contributions chain from.
    pub cs_hash: [u8; HASH_BYTES],
    /// Its contributions, oldest first.
    pub contributions: Vec<Contribution>,
}

/// Reads and validates a Groth16 zkey.
pub fn read(bytes: &[u8], checks: Checks) -> Result<Zkey, FormatError> {
    let f = BinFile::parse(FileKind::Zkey, MAGIC, bytes)?;
    if f.version == 0 || f.version > MAX_VERSION {
        return Err(FormatError::UnsupportedVersion {
            kind: FileKind::Zkey,
            found: f.version,
            supported: 1,
        });
    }
    let mut s1 = f.section(1, "header")?;
    let at = s1.here();
    if s1.u32()? != GROTH16 {
        return Err(FormatError::Unsupported {
            at,
            what: "not a Groth16 zkey (PLONK or FFLONK)",
        });
    }
    s1.finish()?;
    let mut h = f.section(2, "Groth16 header")?;
    h.prime::<Fq>("the base field")?;
    h.prime::<Fr>("the scalar field")?;
    let at = h.here();
    let (n_vars, n_public, domain_size) = (h.u32()? as usize, h.u32()? as usize, h.u32()? as usize);
    if n_public >= n_vars || !domain_size.is_power_of_two() || domain_size <= n_public {
        return Err(FormatError::Unsupported {
            at,
            what: "counts: nPublic must be below nVars, domainSize a power of two above nPublic",
        });
    }
    let alpha_g1 = h.g1()?;
    let beta_g1 = h.g1()?;
    let beta_g2 = h.g2(true)?;
    let gamma_g2 = h.g2(true)?;
    let delta_g1 = h.g1()?;
    let delta_g2 = h.g2(true)?;
    h.finish()?;
    for (p, what) in [
        (alpha_g1, "alpha1"),
        (beta_g1, "beta1"),
        (delta_g1, "delta1"),
    ] {
        if p.is_zero() {
            return Err(FormatError::Identity { at, what });
        }
    }
    for (p, what) in [
        (beta_g2, "beta2"),
        (gamma_g2, "gamma2"),
        (delta_g2, "delta2"),
    ] {
        if p.is_zero() {
            return Err(FormatError::Identity { at, what });
        }
    }
    // delta in G1 and G2 must be the same scalar: e(delta1, g2) = e(g1, delta2).
    if Bn254::pairing(delta_g1, G2Affine::generator())
        != Bn254::pairing(G1Affine::generator(), delta_g2)
    {
        return Err(FormatError::Unsupported {
            at,
            what: "delta1 and delta2 are not the same scalar",
        });
    }

    let g2_all = checks == Checks::All;
    let ic = g1_points(&mut f.section(3, "IC")?, n_public + 1)?;
    let a_query = g1_points(&mut f.section(5, "A")?, n_vars)?;
    let b_g1_query = g1_points(&mut f.section(6, "B1")?, n_vars)?;
    let b_g2_query = g2_points(&mut f.section(7, "B2")?, n_vars, g2_all)?;
    let l_query = g1_points(&mut f.section(8, "C")?, n_vars - n_public - 1)?;
    let h_query = g1_points(&mut f.section(9, "H")?, domain_size)?;
    let (a, b, num_constraints) =
        coefficients(&mut f.section(4, "coefficients")?, n_vars, n_public)?;
    if (num_constraints + n_public + 1).next_power_of_two() != domain_size {
        return Err(FormatError::Mismatch {
            at,
            what: "domainSize for the coefficient section's constraints",
            expected: (num_constraints + n_public + 1).next_power_of_two() as u64,
            found: domain_size as u64,
        });
    }
    let (cs_hash, contributions) = mpc_params(&mut f.section(10, "contributions")?)?;
    if let Some(last) = contributions.last() {
        if last.delta_after != delta_g1 {
            return Err(FormatError::Unsupported {
                at,
                what: "delta1 is not the last contribution's delta",
            });
        }
    }
    let pk = ProvingKey {
        vk: VerifyingKey {
            alpha_g1,
            beta_g2,
            gamma_g2,
            delta_g2,
            gamma_abc_g1: ic,
        },
        beta_g1,
        delta_g1,
        a_query,
        b_g1_query,
        b_g2_query,
        h_query,
        l_query,
    };
    Ok(Zkey {
        key: CircuitKey {
            pk,
            r1cs: R1cs {
                a,
                b,
                c: None,
                num_instance: n_public + 1,
                num_witness: n_vars - n_public - 1,
                num_constraints,
            },
            reduction: Reduction::Circom,
        },
        domain_size,
        cs_hash,
        contributions,
    })
}

fn g1_points(c: &mut Cursor<'_>, n: usize) -> Result<Vec<G1Affine>, FormatError> {
    c.expect_len((n * G1_BYTES) as u64)?;
    let chunks = c.chunks(n, G1_BYTES)?;
    chunks.into_par_iter().map(|mut p| p.g1()).collect()
}

fn g2_points(c: &mut Cursor<'_>, n: usize, subgroup: bool) -> Result<Vec<G2Affine>, FormatError> {
    c.expect_len((n * G2_BYTES) as u64)?;
    let chunks = c.chunks(n, G2_BYTES)?;
    chunks.into_par_iter().map(|mut p| p.g2(subgroup)).collect()
}

/// A and B from the coefficient section, without the input rows zkey new
/// appends (checked to be exactly `A[nC + s][s] = 1`); returns nC.
fn coefficients(
    c: &mut Cursor<'_>,
    n_vars: usize,
    n_public: usize,
) -> Result<(SparseMatrix<Fr>, SparseMatrix<Fr>, usize), FormatError> {
    let at = c.here();
    let n = c.u32()? as usize;
    c.expect_len((n * COEFF_BYTES) as u64)?;
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        let m = c.index("matrix (0 = A, 1 = B)", 2)?;
        let row = c.u32()? as usize;
        let sig = c.index("signal", n_vars as u64)? as usize;
        entries.push((m, row, sig, c.fr(Encoding::Montgomery2)?));
    }
    let max_row = entries.iter().map(|e| e.1).max().unwrap_or(0);
    let Some(nc) = max_row.checked_sub(n_public) else {
        return Err(FormatError::Unsupported {
            at,
            what: "no input rows (A[nConstraints + s][s] = 1) in the coefficient section",
        });
    };
    let mut a: Matrix<Fr> = vec![Vec::new(); nc];
    let mut b: Matrix<Fr> = vec![Vec::new(); nc];
    let mut input_rows = vec![false; n_public + 1];
    for (m, row, sig, v) in entries {
        if row >= nc {
            let s = row - nc;
            if m != 0 || sig != s || v != Fr::from(1u64) || input_rows[s] {
                return Err(FormatError::Unsupported {
                    at,
                    what: "an input row is not A[nConstraints + s][s] = 1",
                });
            }
            input_rows[s] = true;
        } else if m == 0 {
            a[row].push((v, sig));
        } else {
            b[row].push((v, sig));
        }
    }
    if input_rows.iter().any(|&x| !x) {
        return Err(FormatError::Unsupported {
            at,
            what: "an input row A[nConstraints + s][s] = 1 is missing",
        });
    }
    let sparse = |m: &Matrix<Fr>| {
        SparseMatrix::from_matrix(m).map_err(|_| FormatError::Unsupported {
            at,
            what: "2^32 or more matrix entries",
        })
    };
    Ok((sparse(&a)?, sparse(&b)?, nc))
}

fn mpc_params(c: &mut Cursor<'_>) -> Result<([u8; HASH_BYTES], Vec<Contribution>), FormatError> {
    let hash = |c: &mut Cursor<'_>| -> Result<[u8; HASH_BYTES], FormatError> {
        let mut h = [0u8; HASH_BYTES];
        h.copy_from_slice(c.bytes(HASH_BYTES)?);
        Ok(h)
    };
    let cs_hash = hash(c)?;
    let n = c.u32()?;
    // Each contribution takes at least 392 bytes: bound the loop by the section.
    if n as usize > c.remaining() / 392 {
        return Err(FormatError::Truncated {
            at: c.here(),
            needed: u64::from(n) * 392,
            left: c.remaining() as u64,
        });
    }
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let delta_after = c.g1()?;
        let g1_s = c.g1()?;
        let g1_sx = c.g1()?;
        let g2_spx = c.g2(true)?;
        let transcript = hash(c)?;
        let at = c.here();
        let ty = c.u32()?;
        if ty > 1 {
            return Err(FormatError::OutOfRange {
                at,
                what: "contribution type",
                value: ty.into(),
                bound: 2,
            });
        }
        let len = c.u32()? as usize;
        let mut p = c.split(len)?;
        let mut name = String::new();
        while p.remaining() > 0 {
            let tag = p.bytes(1)?[0];
            match tag {
                PARAM_NAME | 3 => {
                    let l = p.bytes(1)?[0] as usize;
                    let v = p.bytes(l)?;
                    if tag == PARAM_NAME {
                        name = String::from_utf8_lossy(v).into_owned();
                    }
                }
                2 => {
                    p.bytes(1)?;
                }
                _ => {
                    return Err(FormatError::OutOfRange {
                        at: p.here(),
                        what: "contribution parameter tag",
                        value: tag.into(),
                        bound: 4,
                    })
                }
            }
        }
        let mut hasher = Blake2b512::new();
        for p in [delta_after, g1_s, g1_sx] {
            hasher.update(g1_uncompressed(&p));
        }
        hasher.update(g2_uncompressed(&g2_spx));
        hasher.update(transcript);
        let mut h = [0u8; HASH_BYTES];
        h.copy_from_slice(&hasher.finalize());
        out.push(Contribution {
            delta_after,
            g1_s,
            g1_sx,
            g2_spx,
            transcript,
            beacon: ty == 1,
            name,
            hash: h,
        });
    }
    c.finish()?;
    Ok((cs_hash, out))
}

/// Why a key cannot be written as a zkey.
#[derive(Debug, thiserror::Error)]
pub enum ZkeyWriteError {
    /// The key's H query is for libsnark's reduction (a zkey's is circom's).
    #[error("the key is for libsnark's QAP reduction; a zkey holds circom's")]
    NotCircom,
    /// The H query does not fit the circuit's domain.
    #[error("the H query has {found} points, the domain {expected}")]
    HQuerySize {
        /// The domain's size.
        expected: usize,
        /// Points in the H query.
        found: usize,
    },
    /// A count does not fit the format's `u32`.
    #[error("the circuit has 2^32 or more {what}")]
    TooLarge {
        /// What overflowed.
        what: &'static str,
    },
}

// ffjavascript's LEM encoding, as the ptau writer's (`ptau::encode`).
fn put_g1(out: &mut Vec<u8>, p: &G1Affine) {
    out.extend_from_slice(&crate::ptau::encode::g1_lem_vec(p));
}

fn put_g2(out: &mut Vec<u8>, p: &G2Affine) {
    out.extend_from_slice(&crate::ptau::encode::g2_lem_vec(p));
}

fn put_u32(out: &mut Vec<u8>, n: usize, what: &'static str) -> Result<(), ZkeyWriteError> {
    let n = u32::try_from(n).map_err(|_| ZkeyWriteError::TooLarge { what })?;
    out.extend_from_slice(&n.to_le_bytes());
    Ok(())
}

/// Writes `key` as a Groth16 zkey with no contributions (the inverse of
/// [`read`]): the layout of the module doc, sections 1 to 10 in order, the
/// coefficient section A's rows, B's, then the input rows
/// `A[nConstraints + s][s] = 1`. `cs_hash` goes in the contributions
/// section (snarkjs's `zkey verify` recomputes it from a ptau, so a key
/// that did not come from one fails that check; `groth16 prove` reads
/// sections 1 to 9 only).
pub fn write(key: &CircuitKey, cs_hash: &[u8; HASH_BYTES]) -> Result<Vec<u8>, ZkeyWriteError> {
    if key.reduction != Reduction::Circom {
        return Err(ZkeyWriteError::NotCircom);
    }
    let (pk, r) = (&key.pk, &key.r1cs);
    let n_public = r.num_instance - 1;
    let domain_size = (r.num_constraints + r.num_instance).next_power_of_two();
    if pk.h_query.len() != domain_size {
        return Err(ZkeyWriteError::HQuerySize {
            expected: domain_size,
            found: pk.h_query.len(),
        });
    }
    let mut w = BinWriter::new(MAGIC, 1, 10);
    let mut b = Vec::new();
    put_u32(&mut b, GROTH16 as usize, "protocol")?;
    w.section(1, &b);

    let mut b = Vec::new();
    put_prime::<Fq>(&mut b);
    put_prime::<Fr>(&mut b);
    put_u32(&mut b, r.num_variables(), "wires")?;
    put_u32(&mut b, n_public, "public inputs")?;
    put_u32(&mut b, domain_size, "domain points")?;
    put_g1(&mut b, &pk.vk.alpha_g1);
    put_g1(&mut b, &pk.beta_g1);
    put_g2(&mut b, &pk.vk.beta_g2);
    put_g2(&mut b, &pk.vk.gamma_g2);
    put_g1(&mut b, &pk.delta_g1);
    put_g2(&mut b, &pk.vk.delta_g2);
    w.section(2, &b);

    let g1s = |ps: &[G1Affine]| {
        let mut b = Vec::with_capacity(ps.len() * G1_BYTES);
        ps.iter().for_each(|p| put_g1(&mut b, p));
        b
    };
    w.section(3, &g1s(&pk.vk.gamma_abc_g1));

    let mut b = Vec::new();
    let n = r.a.nnz() + r.b.nnz() + r.num_instance;
    put_u32(&mut b, n, "coefficients")?;
    b.reserve(n * COEFF_BYTES);
    let entry = |b: &mut Vec<u8>, m: usize, row: usize, sig: usize, v: Fr| {
        put_u32(b, m, "matrices")?;
        put_u32(b, row, "constraints")?;
        put_u32(b, sig, "wires")?;
        // c R^2 mod r: the Montgomery form of the Montgomery form.
        let twice = Fr::from_bigint(v.0).unwrap_or_default();
        for l in twice.0 .0 {
            b.extend_from_slice(&l.to_le_bytes());
        }
        Ok::<(), ZkeyWriteError>(())
    };
    for (m, matrix) in [(0, &r.a), (1, &r.b)] {
        for row in 0..r.num_constraints {
            for (sig, v) in matrix.row(row) {
                entry(&mut b, m, row, sig, v)?;
            }
        }
    }
    for s in 0..r.num_instance {
        entry(&mut b, 0, r.num_constraints + s, s, Fr::from(1u64))?;
    }
    w.section(4, &b);

    w.section(5, &g1s(&pk.a_query));
    w.section(6, &g1s(&pk.b_g1_query));
    let mut b = Vec::with_capacity(pk.b_g2_query.len() * G2_BYTES);
    pk.b_g2_query.iter().for_each(|p| put_g2(&mut b, p));
    w.section(7, &b);
    w.section(8, &g1s(&pk.l_query));
    w.section(9, &g1s(&pk.h_query));
    let mut b = cs_hash.to_vec();
    put_u32(&mut b, 0, "contributions")?;
    w.section(10, &b);
    Ok(w.finish())
}

fn fq_be(x: &Fq) -> Vec<u8> {
    x.into_bigint().to_bytes_be()
}

/// snarkjs's uncompressed encoding (hashes only): big-endian `x, y`; the
/// identity all zeros.
pub fn g1_uncompressed(p: &G1Affine) -> Vec<u8> {
    match p.xy() {
        None => vec![0; G1_BYTES],
        Some((x, y)) => [fq_be(&x), fq_be(&y)].concat(),
    }
}

/// The same for G2: `x.c1, x.c0, y.c1, y.c0`, big-endian.
pub fn g2_uncompressed(p: &G2Affine) -> Vec<u8> {
    let fq2 = |v: &Fq2| [fq_be(&v.c1), fq_be(&v.c0)].concat();
    match p.xy() {
        None => vec![0; G2_BYTES],
        Some((x, y)) => [fq2(&x), fq2(&y)].concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// `x * y = t`, `(t + x) * 1 = out` over `[1, out, x, y, t]`.
    fn tiny() -> (R1cs, Vec<Fr>) {
        let one = Fr::from(1u64);
        let a: Matrix<Fr> = vec![vec![(one, 2)], vec![(one, 4), (one, 2)]];
        let b: Matrix<Fr> = vec![vec![(one, 3)], vec![(one, 0)]];
        let c: Matrix<Fr> = vec![vec![(one, 4)], vec![(one, 1)]];
        let sm = |m: &Matrix<Fr>| SparseMatrix::from_matrix(m).unwrap();
        let r1cs = R1cs {
            a: sm(&a),
            b: sm(&b),
            c: Some(sm(&c)),
            num_instance: 2,
            num_witness: 3,
            num_constraints: 2,
        };
        let z = [1u64, 15, 3, 4, 12].map(Fr::from).to_vec();
        (r1cs, z)
    }

    #[test]
    fn written_zkey_reads_back_and_proves() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let (r1cs, z) = tiny();
        let key = crate::generator::setup_r1cs(&r1cs, &mut rng).unwrap();
        let bytes = write(&key, &[7; HASH_BYTES]).unwrap();
        let back = read(&bytes, Checks::All).unwrap();
        assert_eq!(back.key.pk, key.pk);
        assert_eq!((&back.key.r1cs.a, &back.key.r1cs.b), (&r1cs.a, &r1cs.b));
        assert_eq!(back.key.r1cs.num_constraints, 2);
        assert_eq!(back.cs_hash, [7; HASH_BYTES]);
        assert!(back.contributions.is_empty());
        let out = crate::prover::prove_r1cs(&back.key, &z, &mut rng).unwrap();
        zkroll_verifier::verify(&back.key.pk.vk, &out.public_inputs, &out.proof).unwrap();
        for cut in (0..bytes.len()).step_by(97) {
            assert!(read(&bytes[..cut], Checks::All).is_err(), "cut at {cut}");
        }
        // A libsnark-reduction key is not a zkey's.
        let mut lib = key;
        lib.reduction = Reduction::Libsnark;
        assert!(matches!(
            write(&lib, &[0; HASH_BYTES]),
            Err(ZkeyWriteError::NotCircom)
        ));
        // Nor is an R1CS without C set up.
        let mut no_c = r1cs;
        no_c.c = None;
        assert!(matches!(
            crate::generator::setup_r1cs(&no_c, &mut rng),
            Err(crate::error::ProverError::NoCMatrix)
        ));
    }
}
