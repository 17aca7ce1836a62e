//! Writer for a **prepared** snarkjs Powers of Tau file (`.ptau`, bn128), for tests only.
//!
//! # What it writes
//!
//! The file `snarkjs powersoftau new` + one `contribute` + `prepare phase2` would give,
//! but computed directly from a τ, α, β that this code draws itself: magic `ptau`,
//! version 1, eleven sections in snarkjs's order 1-7, 12-15 (N = 2^power):
//!
//! | sec | content | points |
//! |---|---|---|
//! | 1 | header: n8q = 32, q, power, ceremonyPower = power | |
//! | 2 | τ^i·G1 | 2N-1 |
//! | 3 | τ^i·G2 | N |
//! | 4 / 5 | α·τ^i·G1 / β·τ^i·G1 | N each |
//! | 6 | β·G2 | 1 |
//! | 7 | one contribution record (type 0) with its public key, the `partialHash` of its response hash and the next challenge | |
//! | 12 | Lagrange blocks of τ (G1), k = 0..=power+1 (the last one truncated as snarkjs does) | 4N-1 |
//! | 13 / 14 / 15 | Lagrange blocks of τ (G2) / ατ (G1) / βτ (G1), k = 0..=power | 2N-1 each |
//!
//! `snarkjs powersoftau verify` accepts it ("Powers of Tau Ok!"), and `snarkjs zkey new`
//! accepts circuits whose domain needs at most 2^power (cirPower <= power). The contribution
//! is honest in form: its proofs of knowledge are real, the hash chain (first challenge →
//! response → next challenge) is computed as snarkjs does, and the Lagrange sections are the
//! closed form `L_j(τ) = (ω^j/n)(τ^n-1)/(τ-ω^j)` times the generators, which is what
//! `prepare phase2` computes with point FFTs.
//!
//! # Testing only
//!
//! The writer knew τ, α and β (the toxic waste); they are dropped, not destroyed in any
//! verifiable way. Anyone who trusts a proving key built on this file trusts this machine and
//! this process completely: whoever had τ can forge Groth16 proofs. It exists so that tests
//! can get a phase-2 ready ptau of power 16-17 in about a minute instead of the hours snarkjs
//! needs (`prepare phase2` does point FFTs in JavaScript). Never use it for a deployment.
//!
//! # Why the primitives are hand-written
//!
//! - BLAKE2b: the contribution record stores the response hasher's internal state
//!   (`partialHash`, 216 bytes in @noble/hashes' layout) from just before the public key is
//!   absorbed; snarkjs's verifier resumes from it. RustCrypto's `blake2` does not expose its
//!   state, so [`blake2b`] is our own, also used for every other hash here.
//! - ChaCha / hashToG2: the verifier recomputes each key's G2 point from a hash with
//!   ffjavascript's own ChaCha20 word order, limb order, 254-bit masking, Montgomery
//!   interpretation of raw bytes, sign rule and explicit cofactor multiplication. Only a
//!   byte-exact port gives the same point, and that is what `hash_to_g2` is.
//!
//! Format reference: snarkjs 0.7.6 (`powersoftau_*.js`, `misc.js`), ffjavascript 0.3.1.

mod blake2b;
mod chacha;
pub(crate) mod encode;
mod hash_to_g2;
mod lagrange;
mod sections;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{scalar_mul::BatchMulPreprocessing, AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{Field, One, UniformRand, Zero};
use blake2b::Blake2b512;
use encode::{g1_lem_vec, g1_u_vec, g2_lem_vec, g2_u_vec, G1_SIZE, G2_SIZE};
use sections::{
    first_challenge, hash_points, write_g1_hashed, write_g2_hashed, write_mul_section, Key,
};
use std::io::{self, Write};

/// Largest supported power: the extra block of section 12 needs a 2^(power+1)-th root of
/// unity, and Fr has 2-adicity 28.
pub const MAX_POWER: u32 = 27;

/// What [`write_testing_ptau`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PtauSummary {
    /// The power written (2^power points).
    pub power: u32,
    /// The contribution's response hash: what snarkjs prints as "Contribution Response Hash"
    /// on `contribute` and as the first "Response Hash:" of contribution #1 on `verify`.
    pub contribution_hash: [u8; 64],
    /// The next challenge hash stored in the record ("Next challenge hash" on `verify`).
    pub next_challenge: [u8; 64],
}

/// A hash in snarkjs's `formatHash` layout: four lines of four 8-digit hex words, each line
/// starting with two tabs (without the title line).
pub fn format_hash(h: &[u8; 64]) -> String {
    let lines: Vec<String> = h
        .chunks_exact(16)
        .map(|line| {
            let words: Vec<String> = line
                .chunks_exact(4)
                .map(|w| w.iter().map(|b| format!("{b:02x}")).collect())
                .collect();
            format!("\t\t{}", words.join(" "))
        })
        .collect();
    lines.join("\n")
}

struct Secrets {
    tau: Fr,
    alpha: Fr,
    beta: Fr,
}

fn nonzero_fr<R: rand::RngCore + rand::CryptoRng>(rng: &mut R) -> Fr {
    loop {
        let x = Fr::rand(rng);
        if !x.is_zero() {
            return x;
        }
    }
}

impl Secrets {
    fn draw<R: rand::RngCore + rand::CryptoRng>(power: u32, rng: &mut R) -> Self {
        // τ must not be a 2^(power+1)-th root of unity (nor zero): the Lagrange closed form
        // divides by τ - ω^j for every block's ω, all of which are such roots.
        let tau = loop {
            let t = nonzero_fr(rng);
            if t.pow([1u64 << (power + 1)]) != Fr::one() {
                break t;
            }
        };
        Self {
            tau,
            alpha: nonzero_fr(rng),
            beta: nonzero_fr(rng),
        }
    }
}

/// Writes a prepared `.ptau` of `power` (snarkjs `zkey new` accepts circuits with
/// cirPower <= power, i.e. nConstraints + nPublic < 2^power) with one contribution named
/// `name` (cut to 64 UTF-16 units as snarkjs does), using `rng` for τ, α, β and the key
/// blinders. Writes sequentially to `out` (nothing is seeked), which should be buffered:
/// sections 2-6 are held as points (they are hashed twice before the record that follows
/// them), sections 12-15 are computed and written in chunks. Measured on a busy 2-core
/// machine: power 16 ≈ 20 s (75 MB file), power 17 ≈ 38 s (151 MB file, ≈ 135 MB peak RSS).
/// Fails only on an error from `out`, or with `InvalidInput` if `power` is not in
/// `1..=MAX_POWER`.
pub fn write_testing_ptau<W: Write, R: rand::RngCore + rand::CryptoRng>(
    mut out: W,
    power: u32,
    name: &str,
    rng: &mut R,
) -> io::Result<PtauSummary> {
    if power == 0 || power > MAX_POWER {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("ptau power must be in 1..={MAX_POWER}, got {power}"),
        ));
    }
    let n = 1usize << power;
    let Secrets { tau, alpha, beta } = Secrets::draw(power, rng);

    // Fixed-base tables, sized for every multiplication they will serve.
    let g1_table = BatchMulPreprocessing::new(G1Projective::generator(), 12 * n);
    let g2_table = BatchMulPreprocessing::new(G2Projective::generator(), 3 * n);

    // Sections 2-6.
    let mut tau_powers = Vec::with_capacity(2 * n - 1);
    let mut t = Fr::one();
    for _ in 0..2 * n - 1 {
        tau_powers.push(t);
        t *= tau;
    }
    let scaled = |f: Fr| -> Vec<Fr> { tau_powers[..n].iter().map(|x| *x * f).collect() };
    let s2: Vec<G1Affine> = g1_table.batch_mul(&tau_powers);
    let s3: Vec<G2Affine> = g2_table.batch_mul(&tau_powers[..n]);
    let s4: Vec<G1Affine> = g1_table.batch_mul(&scaled(alpha));
    let s5: Vec<G1Affine> = g1_table.batch_mul(&scaled(beta));
    let beta_g2 = (G2Affine::generator() * beta).into_affine();
    drop(tau_powers);

    // The contribution: keys bound to the first challenge, then the response hash over the
    // compressed points, then the next challenge over the uncompressed ones.
    let c0 = first_challenge(power);
    let keys = [
        Key::new(tau, 0, &c0, nonzero_fr(rng)),
        Key::new(alpha, 1, &c0, nonzero_fr(rng)),
        Key::new(beta, 2, &c0, nonzero_fr(rng)),
    ];
    let mut response = Blake2b512::new();
    response.update(&c0);
    hash_points(&mut response, &s2, encode::G1_C_SIZE, encode::g1_c);
    hash_points(&mut response, &s3, encode::G2_C_SIZE, encode::g2_c);
    hash_points(&mut response, &s4, encode::G1_C_SIZE, encode::g1_c);
    hash_points(&mut response, &s5, encode::G1_C_SIZE, encode::g1_c);
    hash_points(&mut response, &[beta_g2], encode::G2_C_SIZE, encode::g2_c);
    let partial_hash = response.partial_state();
    response.update(&Key::pubkey_bytes(&keys, g1_u_vec, g2_u_vec));
    let contribution_hash = response.finalize();

    sections::write_file_header(&mut out, power)?;

    let mut next = Blake2b512::new();
    next.update(&contribution_hash);
    write_g1_hashed(&mut out, 2, &s2, &mut next)?;
    write_g2_hashed(&mut out, 3, &s3, &mut next)?;
    write_g1_hashed(&mut out, 4, &s4, &mut next)?;
    write_g1_hashed(&mut out, 5, &s5, &mut next)?;
    write_g2_hashed(&mut out, 6, &[beta_g2], &mut next)?;
    let next_challenge = next.finalize();

    // Section 7: one contribution record.
    let mut rec = Vec::with_capacity(2048);
    // s2 and s3 have at least 2 points, s4 and s5 at least 1, since power >= 1.
    rec.extend_from_slice(&g1_lem_vec(&s2[1]));
    rec.extend_from_slice(&g2_lem_vec(&s3[1]));
    rec.extend_from_slice(&g1_lem_vec(&s4[0]));
    rec.extend_from_slice(&g1_lem_vec(&s5[0]));
    rec.extend_from_slice(&g2_lem_vec(&beta_g2));
    rec.extend_from_slice(&Key::pubkey_bytes(&keys, g1_lem_vec, g2_lem_vec));
    rec.extend_from_slice(&partial_hash);
    rec.extend_from_slice(&next_challenge);
    rec.extend_from_slice(&0u32.to_le_bytes()); // type 0: contribution
    let name = snarkjs_name(name);
    if name.is_empty() {
        rec.extend_from_slice(&0u32.to_le_bytes());
    } else {
        // snarkjs_name keeps at most 64 UTF-16 units, i.e. at most 192 UTF-8 bytes.
        let len = name.len() as u8;
        rec.extend_from_slice(&(2 + u32::from(len)).to_le_bytes());
        rec.extend_from_slice(&[1, len]);
        rec.extend_from_slice(name.as_bytes());
    }
    sections::write_section_start(&mut out, 7, 4 + rec.len() as u64)?;
    out.write_all(&1u32.to_le_bytes())?;
    out.write_all(&rec)?;
    drop((s2, s3, s4, s5));

    // Sections 12-15.
    let mut lag: Vec<Fr> = Vec::with_capacity(4 * n - 1);
    for k in 0..=power + 1 {
        lag.extend(lagrange::lagrange_block(tau, k, k == power + 1));
    }
    let one = Fr::one();
    write_mul_section(&mut out, 12, &g1_table, &lag, one, G1_SIZE, encode::g1_lem)?;
    let lag = &lag[..2 * n - 1];
    write_mul_section(&mut out, 13, &g2_table, lag, one, G2_SIZE, encode::g2_lem)?;
    write_mul_section(&mut out, 14, &g1_table, lag, alpha, G1_SIZE, encode::g1_lem)?;
    write_mul_section(&mut out, 15, &g1_table, lag, beta, G1_SIZE, encode::g1_lem)?;
    out.flush()?;

    Ok(PtauSummary {
        power,
        contribution_hash,
        next_challenge,
    })
}

/// JS `name.substring(0, 64)`: at most 64 UTF-16 code units (never splitting a character).
fn snarkjs_name(name: &str) -> &str {
    let mut units = 0;
    for (i, c) in name.char_indices() {
        units += c.len_utf16();
        if units > 64 {
            return &name[..i];
        }
    }
    name
}

#[cfg(test)]
mod tests;
