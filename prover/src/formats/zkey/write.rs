//! Writing a zkey: the reader's inverse, for TEST-ONLY keys
//! (`zkroll groth16 setup-testing`).

use ark_bn254::{Fq, Fr, G1Affine, G2Affine};
use ark_ff::PrimeField;

use super::{COEFF_BYTES, G1_BYTES, G2_BYTES, GROTH16, HASH_BYTES, MAGIC};
use crate::data_structures::CircuitKey;
use crate::formats::binfile::{put_prime, BinWriter};
use crate::reduction::Reduction;

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
/// [`super::read`]): the layout of the module doc, sections 1 to 10 in order, the
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
