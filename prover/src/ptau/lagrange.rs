//! Lagrange-basis scalars of the prepared sections 12-15 (snarkjs-formats.md §5).
//!
//! snarkjs's `prepare phase2` stores, for each block k, the IFFT of the first 2^k points
//! of sections 2-5, i.e. `L_j(τ)·P` with `L_j(τ) = (1/n)·Σ_{i<n} τ^i·ω^{-ij}`, n = 2^k,
//! ω = `Fr.w[k]`. In closed form `L_j(τ) = (ω^j/n)·(τ^n - 1)/(τ - ω^j)`.
//! The last block of section 12 (k = power+1) has only 2n-1 source points, so it is the
//! IFFT with τ^{n-1} replaced by zero: `L_j(τ) - τ^{n-1}·ω^j/n`.

use ark_bn254::Fr;
use ark_ff::{batch_inversion, FftField, Field, One, Zero};
use rayon::prelude::*;

const CHUNK: usize = 1 << 12;

/// ω_n^j for j < n, with ω_n = `Fr::get_root_of_unity(n)` (= snarkjs `Fr.w[log2 n]`).
fn roots(omega: Fr, n: usize) -> Vec<Fr> {
    let mut out = vec![Fr::zero(); n];
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            let mut w = omega.pow([(c * CHUNK) as u64]);
            for v in chunk {
                *v = w;
                w *= omega;
            }
        });
    out
}

/// The 2^k scalars of block k, evaluated at `tau`. `tau` must not be a 2^k-th root of
/// unity (the caller draws it so). With `truncated`, the IFFT omits τ^{n-1}.
pub(crate) fn lagrange_block(tau: Fr, k: u32, truncated: bool) -> Vec<Fr> {
    let n = 1usize << k;
    // k <= MAX_POWER + 1 = 28 = the 2-adicity of Fr, so the root exists.
    let omega = Fr::get_root_of_unity(n as u64).expect("k is at most the 2-adicity of Fr");
    // n is a power of two below r, hence nonzero in Fr.
    let n_inv = Fr::from(n as u64).inverse().expect("n is nonzero in Fr");
    let num = (tau.pow([n as u64]) - Fr::one()) * n_inv;
    let trunc = if truncated {
        tau.pow([(n - 1) as u64]) * n_inv
    } else {
        Fr::zero()
    };
    let w = roots(omega, n);
    let mut den: Vec<Fr> = w.par_iter().map(|wj| tau - wj).collect();
    batch_inversion(&mut den);
    w.par_iter()
        .zip(den.par_iter())
        .map(|(wj, d)| *wj * (num * d - trunc))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{PrimeField, UniformRand};
    use std::str::FromStr;

    /// snarkjs `Fr.w[28]` = 5^((r-1)/2^28) and `Fr.w[k] = w[28]^(2^(28-k))`.
    #[test]
    fn roots_match_snarkjs() {
        let w28 = Fr::from_str(
            "19103219067921713944291392827692070036145651957329286315305642004821462161904",
        );
        // e = (r - 1) / 2^28; r - 1 = 2^28·t with t odd, so the shifts are exact.
        let mut e = Fr::MODULUS;
        e.0[0] -= 1;
        for _ in 0..28 {
            ark_ff::BigInteger::div2(&mut e);
        }
        let w = Fr::from(5u64).pow(e);
        assert_eq!(Ok(w), w28);
        for k in 0..=28u32 {
            let want = w.pow([1u64 << (28 - k)]);
            assert_eq!(Fr::get_root_of_unity(1u64 << k), Some(want), "k = {k}");
        }
    }

    /// Closed form against the defining sum (1/n)·Σ τ^i ω^{-ij}.
    #[test]
    fn closed_form_equals_ifft_sum() {
        let mut rng = rand::thread_rng();
        let tau = Fr::rand(&mut rng);
        for k in 0..=4u32 {
            for truncated in [false, true] {
                let n = 1usize << k;
                let got = lagrange_block(tau, k, truncated);
                let omega_inv = Fr::get_root_of_unity(n as u64).and_then(|w| w.inverse());
                let Some(omega_inv) = omega_inv else {
                    panic!("no root for k = {k}");
                };
                let n_inv = Fr::from(n as u64).inverse().unwrap_or_default();
                for (j, g) in got.iter().enumerate() {
                    let mut acc = Fr::zero();
                    for i in 0..n {
                        if truncated && i == n - 1 {
                            continue;
                        }
                        acc += tau.pow([i as u64]) * omega_inv.pow([(i * j) as u64]);
                    }
                    assert_eq!(*g, acc * n_inv, "k {k} j {j} truncated {truncated}");
                }
            }
        }
    }
}
