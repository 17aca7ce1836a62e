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

use std::io::{Read, Seek};

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::{ProvingKey, VerifyingKey};
use blake2::{Blake2b512, Digest};

use super::binfile::BinFile;
use super::cursor::Cursor;
use super::error::{FileKind, FormatError};
use crate::data_structures::CircuitKey;
use crate::r1cs::R1cs;
use crate::reduction::Reduction;
use coefficients::coefficients;
pub use write::{write, ZkeyWriteError};

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

/// Which points are read and get the G2 subgroup check (see the module
/// doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checks {
    /// Every G2 point (import).
    All,
    /// The verifying key's G2 points only (proving straight from a zkey
    /// with a prover that needs every query, like ark-groth16's).
    VerifyingKey,
    /// As [`Checks::VerifyingKey`], and the B query in G1 (section 6) is
    /// not read: zkroll's prover does not use it (see
    /// [`crate::prover`]), so `pk.b_g1_query` is left empty, saving its
    /// decoding and 7% of the memory. Such a key is for [`crate::prove_r1cs`]
    /// only.
    Prover,
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

/// Reads and validates a Groth16 zkey held in memory (see [`read_from`]).
pub fn read(bytes: &[u8], checks: Checks) -> Result<Zkey, FormatError> {
    read_from(std::io::Cursor::new(bytes), checks)
}

/// Reads and validates a Groth16 zkey from a file or any seekable source,
/// one section at a time, each freed once decoded (so the peak is the
/// decoded key plus its largest section, not plus the whole file).
pub fn read_from<R: Read + Seek>(source: R, checks: Checks) -> Result<Zkey, FormatError> {
    let mut f = BinFile::parse(FileKind::Zkey, MAGIC, source)?;
    if f.version == 0 || f.version > MAX_VERSION {
        return Err(FormatError::UnsupportedVersion {
            kind: FileKind::Zkey,
            found: f.version,
            supported: 1,
        });
    }
    let header = f.section(1, "header")?;
    let mut s1 = header.cursor();
    let at = s1.here();
    if s1.u32()? != GROTH16 {
        return Err(FormatError::Unsupported {
            at,
            what: "not a Groth16 zkey (PLONK or FFLONK)",
        });
    }
    s1.finish()?;
    let groth16 = f.section(2, "Groth16 header")?;
    let mut h = groth16.cursor();
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
    let ic = g1_points(&mut f.section(3, "IC")?.cursor(), n_public + 1)?;
    let a_query = g1_points(&mut f.section(5, "A")?.cursor(), n_vars)?;
    let b_g1_query = match checks {
        Checks::Prover => Vec::new(),
        Checks::All | Checks::VerifyingKey => g1_points(&mut f.section(6, "B1")?.cursor(), n_vars)?,
    };
    let b_g2_query = g2_points(&mut f.section(7, "B2")?.cursor(), n_vars, g2_all)?;
    let l_query = g1_points(&mut f.section(8, "C")?.cursor(), n_vars - n_public - 1)?;
    let h_query = g1_points(&mut f.section(9, "H")?.cursor(), domain_size)?;
    let (a, b, num_constraints) = coefficients(
        &mut f.section(4, "coefficients")?.cursor(),
        n_vars,
        n_public,
        domain_size,
    )?;
    if (num_constraints + n_public + 1).next_power_of_two() != domain_size {
        return Err(FormatError::Mismatch {
            at,
            what: "domainSize for the coefficient section's constraints",
            expected: (num_constraints + n_public + 1).next_power_of_two() as u64,
            found: domain_size as u64,
        });
    }
    let (cs_hash, contributions) = mpc_params(&mut f.section(10, "contributions")?.cursor())?;
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
    c.par_decode(n, G1_BYTES, Cursor::g1)
}

fn g2_points(c: &mut Cursor<'_>, n: usize, subgroup: bool) -> Result<Vec<G2Affine>, FormatError> {
    c.expect_len((n * G2_BYTES) as u64)?;
    c.par_decode(n, G2_BYTES, |p| p.g2(subgroup))
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

mod coefficients;
mod write;

#[cfg(test)]
mod tests;
