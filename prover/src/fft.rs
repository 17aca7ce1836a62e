//! Radix-2 NTTs over an FFT-friendly field without bit-reversal passes: a
//! decimation-in-frequency transform (natural order in, bit-reversed out) and
//! a decimation-in-time one (bit-reversed in, natural out), with twiddles and
//! coset factors computed once per [`Domain`].
//!
//! Large transforms do their first (DIF) or last (DIT) stages over the whole
//! vector, each stage split across rayon's threads, and every stage below
//! [`Domain::block_len`] elements on one cache-resident block per task. The
//! QAP's "subgroup evaluations to coset evaluations" map
//! ([`Domain::coset_evals_in_place`]) runs the inverse DIF, the coset shift
//! and the forward DIT back to back on each block, so the in-cache stages of
//! both transforms and the shift cost one pass over memory.

use ark_ff::FftField;
use rayon::prelude::*;

/// log2 of the default block length: 2^13 elements of 32 bytes (256 KiB) sit
/// in a 1 MiB L2 with room for the twiddles.
const BLOCK_LOG: u32 = 13;

/// Butterflies per rayon task in the stages over more than one block.
const PAR_CHUNK: usize = 1 << 10;

/// Which way a transform goes: with the domain's generator `ω` (evaluation)
/// or with `ω^{-1}` (interpolation, without the `1/n` scaling).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `X_k = Σ x_i ω^{ik}`.
    Forward,
    /// `X_k = Σ x_i ω^{-ik}` (`n` times the inverse transform).
    Inverse,
}

/// `x`'s lowest `bits` bits reversed.
#[inline]
pub fn bitrev(x: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        x.reverse_bits() >> (usize::BITS - bits)
    }
}

/// A copy of `x` (length a power of two) in bit-reversed order.
pub fn bit_reversed<T: Copy + Send + Sync>(x: &[T]) -> Vec<T> {
    let bits = x.len().trailing_zeros();
    (0..x.len())
        .into_par_iter()
        .with_min_len(1 << 12)
        .map(|i| x[bitrev(i, bits)])
        .collect()
}

/// Per-position factors `base^{bitrev(p)} * scale` for a vector in
/// bit-reversed order, as two small tables: with `p = hi * B + lo`,
/// `bitrev(p) = bitrev_b(lo) * n/B + bitrev(hi)`.
#[derive(Clone, Debug)]
struct BitrevPowers<F> {
    /// `(base^{n/B})^{bitrev_b(lo)} * scale` for `lo < B`.
    lo: Vec<F>,
    /// `base^{bitrev(hi)}` for `hi < n/B`.
    hi: Vec<F>,
}

impl<F: FftField> BitrevPowers<F> {
    fn new(base: F, scale: F, log_n: u32, block_log: u32) -> Self {
        let hi_log = log_n - block_log;
        let step = base.pow([1u64 << hi_log]);
        let lo_pows = powers(step, 1 << block_log);
        let lo = (0..1usize << block_log)
            .map(|i| lo_pows[bitrev(i, block_log)] * scale)
            .collect();
        let hi_pows = powers(base, 1 << hi_log);
        let hi = (0..1usize << hi_log)
            .map(|i| hi_pows[bitrev(i, hi_log)])
            .collect();
        Self { lo, hi }
    }

    /// Multiplies block number `block` (of `B` elements) by its factors
    /// times `scale`.
    #[inline]
    fn apply(&self, x: &mut [F], block: usize, scale: F) {
        let h = self.hi[block] * scale;
        for (x, l) in x.iter_mut().zip(&self.lo) {
            *x *= *l * h;
        }
    }
}

/// `[1, g, g^2, ..., g^{len-1}]`, in parallel chunks.
fn powers<F: FftField>(g: F, len: usize) -> Vec<F> {
    const CHUNK: usize = 1 << 10;
    let mut out = vec![F::one(); len];
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            let mut acc = g.pow([(c * CHUNK) as u64]);
            for x in chunk {
                *x = acc;
                acc *= g;
            }
        });
    out
}

/// A radix-2 domain of size `n = 2^k` with generator `ω` and a coset offset
/// `g`: the twiddles `ω^e` (`e < n/2`, `n/2` elements) and the coset factors
/// in bit-reversed order, made once and reused by every transform.
#[derive(Clone, Debug)]
pub struct Domain<F: FftField> {
    log_n: u32,
    block_log: u32,
    /// `ω^e` for `e < n/2`; `ω^{-e} = -ω^{n/2-e}` serves the inverse.
    roots: Vec<F>,
    /// `g^i / n` at bit-reversed position of coefficient `i`.
    shift: BitrevPowers<F>,
    /// `g^{-i} / n` at bit-reversed position of coefficient `i`.
    unshift: BitrevPowers<F>,
}

impl<F: FftField> Domain<F> {
    /// The domain of size `n` (a power of two up to `2^TWO_ADICITY`) with
    /// generator `F::get_root_of_unity(n)` (as ark-poly's radix-2 domain) and
    /// coset offset `F::GENERATOR` (as `get_coset(F::GENERATOR)`).
    pub fn new(n: usize) -> Option<Self> {
        Self::with_generator(n, F::get_root_of_unity(n as u64)?, F::GENERATOR)
    }

    /// The domain of size `n` with generator `omega` and coset offset
    /// `offset`; `None` unless `n` is a power of two, `omega` a primitive
    /// `n`-th root of unity and `offset` nonzero.
    pub fn with_generator(n: usize, omega: F, offset: F) -> Option<Self> {
        Self::with_block_log(n, omega, offset, BLOCK_LOG)
    }

    fn with_block_log(n: usize, omega: F, offset: F, block_log: u32) -> Option<Self> {
        if !n.is_power_of_two() {
            return None;
        }
        let log_n = n.trailing_zeros();
        if log_n > F::TWO_ADICITY {
            return None;
        }
        // Primitive: ω^n = 1 and, for n > 1, ω^{n/2} = -1.
        let half = omega.pow([(n / 2) as u64]);
        if omega.pow([n as u64]) != F::one() || (n > 1 && half != -F::one()) {
            return None;
        }
        let block_log = block_log.min(log_n);
        let n_inv = F::from(n as u64).inverse()?;
        let offset_inv = offset.inverse()?;
        Some(Self {
            log_n,
            block_log,
            roots: powers(omega, n / 2),
            shift: BitrevPowers::new(offset, n_inv, log_n, block_log),
            unshift: BitrevPowers::new(offset_inv, n_inv, log_n, block_log),
        })
    }

    /// The domain's size `n`.
    pub fn size(&self) -> usize {
        1 << self.log_n
    }

    /// Elements per cache-resident block: the transforms' stages below this
    /// length run on one block per task.
    pub fn block_len(&self) -> usize {
        1 << self.block_log
    }

    /// Decimation-in-frequency transform in place: `x` in natural order, out
    /// the transform in bit-reversed order (unscaled). `x.len()` must be
    /// [`Self::size`]; anything else is left unchanged and `false` returned.
    #[must_use]
    pub fn dif_in_place(&self, x: &mut [F], dir: Direction) -> bool {
        if x.len() != self.size() {
            return false;
        }
        match dir {
            Direction::Forward => self.dif_rec::<false>(x),
            Direction::Inverse => self.dif_rec::<true>(x),
        }
        true
    }

    /// Decimation-in-time transform in place: `x` in bit-reversed order, out
    /// the transform in natural order (unscaled). `x.len()` must be
    /// [`Self::size`]; anything else is left unchanged and `false` returned.
    #[must_use]
    pub fn dit_in_place(&self, x: &mut [F], dir: Direction) -> bool {
        if x.len() != self.size() {
            return false;
        }
        match dir {
            Direction::Forward => self.dit_rec::<false>(x),
            Direction::Inverse => self.dit_rec::<true>(x),
        }
        true
    }

    /// Evaluations on the subgroup (natural order) to evaluations on the
    /// coset `g·<ω>` (natural order): ark-poly's `ifft` then the coset's
    /// `fft`, as inverse DIF, shift by `g^i / n` in bit-reversed order and
    /// forward DIT. Returns `false` (and leaves `x`) if its length is not
    /// [`Self::size`].
    #[must_use]
    pub fn coset_evals_in_place(&self, x: &mut [F]) -> bool {
        if x.len() != self.size() {
            return false;
        }
        self.coset_rec(x, 0);
        true
    }

    /// Evaluations on the coset `g·<ω>` (natural order) to coefficients
    /// (natural order), as the coset's `ifft`: inverse DIF, scaling by
    /// `g^{-i} / n` in bit-reversed order, then one bit-reversal into a new
    /// vector. `None` if `x.len()` is not [`Self::size`].
    pub fn coset_ifft(&self, x: Vec<F>) -> Option<Vec<F>> {
        self.coset_ifft_scaled(x, F::one())
    }

    /// [`Self::coset_ifft`] times `scale`, at no extra cost (the constant
    /// joins the per-block coset factor): the quotient's division by the
    /// vanishing polynomial, constant on the coset, rides along.
    pub fn coset_ifft_scaled(&self, mut x: Vec<F>, scale: F) -> Option<Vec<F>> {
        if x.len() != self.size() {
            return None;
        }
        self.coset_ifft_rec(&mut x, 0, scale);
        Some(bit_reversed(&x))
    }

    /// [`Self::coset_ifft_scaled`] in place and without the final
    /// bit-reversal: the coefficients come out in bit-reversed order, as a
    /// DIF transform's, for a caller that combines them with another DIF
    /// output before reordering once. Returns `false` (and leaves `x`) if
    /// its length is not [`Self::size`].
    #[must_use]
    pub fn coset_ifft_bitrev_scaled(&self, x: &mut [F], scale: F) -> bool {
        if x.len() != self.size() {
            return false;
        }
        self.coset_ifft_rec(x, 0, scale);
        true
    }

    fn half(&self) -> usize {
        self.size() / 2
    }

    fn dif_rec<const INV: bool>(&self, x: &mut [F]) {
        if x.len() <= self.block_len() {
            self.dif_serial::<INV>(x);
            return;
        }
        self.dif_stage_par::<INV>(x);
        let (l, r) = x.split_at_mut(x.len() / 2);
        rayon::join(|| self.dif_rec::<INV>(l), || self.dif_rec::<INV>(r));
    }

    fn dit_rec<const INV: bool>(&self, x: &mut [F]) {
        if x.len() <= self.block_len() {
            self.dit_serial::<INV>(x);
            return;
        }
        let (l, r) = x.split_at_mut(x.len() / 2);
        rayon::join(|| self.dit_rec::<INV>(l), || self.dit_rec::<INV>(r));
        self.dit_stage_par::<INV>(x);
    }

    /// `pos`: the position of `x[0]` in the whole vector.
    fn coset_rec(&self, x: &mut [F], pos: usize) {
        if x.len() <= self.block_len() {
            self.dif_serial::<true>(x);
            self.shift.apply(x, pos >> self.block_log, F::one());
            self.dit_serial::<false>(x);
            return;
        }
        self.dif_stage_par::<true>(x);
        let half = x.len() / 2;
        let (l, r) = x.split_at_mut(half);
        rayon::join(|| self.coset_rec(l, pos), || self.coset_rec(r, pos + half));
        self.dit_stage_par::<false>(x);
    }

    fn coset_ifft_rec(&self, x: &mut [F], pos: usize, scale: F) {
        if x.len() <= self.block_len() {
            self.dif_serial::<true>(x);
            self.unshift.apply(x, pos >> self.block_log, scale);
            return;
        }
        self.dif_stage_par::<true>(x);
        let half = x.len() / 2;
        let (l, r) = x.split_at_mut(half);
        rayon::join(
            || self.coset_ifft_rec(l, pos, scale),
            || self.coset_ifft_rec(r, pos + half, scale),
        );
    }

    /// All DIF stages of one block, serially.
    fn dif_serial<const INV: bool>(&self, x: &mut [F]) {
        let mut m = x.len() / 2;
        while m >= 1 {
            let stride = self.half() / m;
            for block in x.chunks_exact_mut(2 * m) {
                let (lo, hi) = block.split_at_mut(m);
                self.dif_butterflies::<INV>(lo, hi, stride, 0);
            }
            m /= 2;
        }
    }

    /// All DIT stages of one block, serially.
    fn dit_serial<const INV: bool>(&self, x: &mut [F]) {
        let mut m = 1;
        while m < x.len() {
            let stride = self.half() / m;
            for block in x.chunks_exact_mut(2 * m) {
                let (lo, hi) = block.split_at_mut(m);
                self.dit_butterflies::<INV>(lo, hi, stride, 0);
            }
            m *= 2;
        }
    }

    /// The first DIF stage of `x` (halves `x[..m]`, `x[m..]`), in parallel.
    fn dif_stage_par<const INV: bool>(&self, x: &mut [F]) {
        let m = x.len() / 2;
        let stride = self.half() / m;
        let (lo, hi) = x.split_at_mut(m);
        lo.par_chunks_mut(PAR_CHUNK)
            .zip(hi.par_chunks_mut(PAR_CHUNK))
            .enumerate()
            .for_each(|(c, (lo, hi))| self.dif_butterflies::<INV>(lo, hi, stride, c * PAR_CHUNK));
    }

    /// The last DIT stage of `x` (halves `x[..m]`, `x[m..]`), in parallel.
    fn dit_stage_par<const INV: bool>(&self, x: &mut [F]) {
        let m = x.len() / 2;
        let stride = self.half() / m;
        let (lo, hi) = x.split_at_mut(m);
        lo.par_chunks_mut(PAR_CHUNK)
            .zip(hi.par_chunks_mut(PAR_CHUNK))
            .enumerate()
            .for_each(|(c, (lo, hi))| self.dit_butterflies::<INV>(lo, hi, stride, c * PAR_CHUNK));
    }

    /// Gentleman–Sande butterflies `(u, v) -> (u + v, (u - v) w_j)` for
    /// `j = j0, j0 + 1, ...`, `w_j = ω^{±j·stride}`.
    #[inline]
    fn dif_butterflies<const INV: bool>(
        &self,
        lo: &mut [F],
        hi: &mut [F],
        stride: usize,
        j0: usize,
    ) {
        let mut pairs = lo.iter_mut().zip(hi.iter_mut());
        let mut e = j0 * stride;
        if e == 0 {
            if let Some((u, v)) = pairs.next() {
                let t = *u - *v;
                *u += *v;
                *v = t;
            }
            e = stride;
        }
        let half = self.half();
        for (u, v) in pairs {
            if INV {
                // (u - v) ω^{-e} = (v - u) ω^{n/2 - e}.
                let t = *v - *u;
                *u += *v;
                *v = t * self.roots[half - e];
            } else {
                let t = *u - *v;
                *u += *v;
                *v = t * self.roots[e];
            }
            e += stride;
        }
    }

    /// Cooley–Tukey butterflies `(u, v) -> (u + v w_j, u - v w_j)` for
    /// `j = j0, j0 + 1, ...`, `w_j = ω^{±j·stride}`.
    #[inline]
    fn dit_butterflies<const INV: bool>(
        &self,
        lo: &mut [F],
        hi: &mut [F],
        stride: usize,
        j0: usize,
    ) {
        let mut pairs = lo.iter_mut().zip(hi.iter_mut());
        let mut e = j0 * stride;
        if e == 0 {
            if let Some((u, v)) = pairs.next() {
                let t = *u - *v;
                *u += *v;
                *v = t;
            }
            e = stride;
        }
        let half = self.half();
        for (u, v) in pairs {
            if INV {
                // v ω^{-e} = -(v ω^{n/2 - e}).
                let t = *v * self.roots[half - e];
                *v = *u + t;
                *u -= t;
            } else {
                let t = *v * self.roots[e];
                *v = *u - t;
                *u += t;
            }
            e += stride;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;
    use ark_ff::{Field, UniformRand};
    use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
    use rand::SeedableRng;

    fn rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(7)
    }

    fn random(n: usize, r: &mut rand::rngs::StdRng) -> Vec<Fr> {
        (0..n).map(|_| Fr::rand(r)).collect()
    }

    /// Every size 2^0..2^12 with the default block and with blocks of 4 (so
    /// the parallel stages and the recursion run at small sizes too), and
    /// 2^16 with the default block.
    fn domains() -> Vec<Domain<Fr>> {
        let mut out = Vec::new();
        for log in 0..=12u32 {
            let n = 1usize << log;
            let omega = Fr::get_root_of_unity(n as u64).unwrap();
            out.push(Domain::new(n).unwrap());
            out.push(Domain::with_block_log(n, omega, Fr::GENERATOR, 2).unwrap());
        }
        out.push(Domain::new(1 << 16).unwrap());
        out
    }

    #[test]
    fn transforms_match_ark_poly() {
        let mut r = rng();
        for d in domains() {
            let n = d.size();
            let ark = GeneralEvaluationDomain::<Fr>::new(n).unwrap();
            let coset = ark.get_coset(Fr::GENERATOR).unwrap();
            let n_fr = Fr::from(n as u64);
            let x = random(n, &mut r);
            let fft = ark.fft(&x);
            let ifft_n: Vec<Fr> = ark.ifft(&x).iter().map(|v| *v * n_fr).collect();

            let mut y = x.clone();
            assert!(d.dif_in_place(&mut y, Direction::Forward));
            assert_eq!(bit_reversed(&y), fft, "dif forward {n}");
            let mut y = x.clone();
            assert!(d.dif_in_place(&mut y, Direction::Inverse));
            assert_eq!(bit_reversed(&y), ifft_n, "dif inverse {n}");

            let mut y = bit_reversed(&x);
            assert!(d.dit_in_place(&mut y, Direction::Forward));
            assert_eq!(y, fft, "dit forward {n}");
            let mut y = bit_reversed(&x);
            assert!(d.dit_in_place(&mut y, Direction::Inverse));
            assert_eq!(y, ifft_n, "dit inverse {n}");

            let mut y = x.clone();
            assert!(d.coset_evals_in_place(&mut y));
            assert_eq!(y, coset.fft(&ark.ifft(&x)), "coset evals {n}");
            assert_eq!(
                d.coset_ifft(x.clone()).unwrap(),
                coset.ifft(&x),
                "coset ifft {n}"
            );
        }
    }

    #[test]
    fn round_trips() {
        let mut r = rng();
        for d in domains() {
            let n = d.size();
            let n_inv = Fr::from(n as u64).inverse().unwrap();
            let x = random(n, &mut r);
            // DIF forward then DIT inverse: n times the identity.
            let mut y = x.clone();
            assert!(d.dif_in_place(&mut y, Direction::Forward));
            assert!(d.dit_in_place(&mut y, Direction::Inverse));
            y.iter_mut().for_each(|v| *v *= n_inv);
            assert_eq!(y, x, "dif/dit {n}");
            // Subgroup evaluations to coset evaluations and back to
            // coefficients: the interpolating polynomial's coefficients.
            let mut y = x.clone();
            assert!(d.coset_evals_in_place(&mut y));
            let coeffs = d.coset_ifft(y).unwrap();
            let ark = GeneralEvaluationDomain::<Fr>::new(n).unwrap();
            assert_eq!(ark.fft(&coeffs), x, "coset round trip {n}");
        }
    }

    #[test]
    fn wrong_lengths_and_domains_are_refused() {
        let d = Domain::<Fr>::new(8).unwrap();
        let mut x = vec![Fr::from(1u64); 4];
        assert!(!d.dif_in_place(&mut x, Direction::Forward));
        assert!(!d.dit_in_place(&mut x, Direction::Forward));
        assert!(!d.coset_evals_in_place(&mut x));
        assert!(!d.coset_ifft_bitrev_scaled(&mut x, Fr::from(1u64)));
        assert!(d.coset_ifft(x.clone()).is_none());
        assert_eq!(x, vec![Fr::from(1u64); 4]);
        assert!(Domain::<Fr>::new(12).is_none());
        assert!(Domain::<Fr>::new(1 << 29).is_none());
        let w4 = Fr::get_root_of_unity(4).unwrap();
        // ω_4 has order 4, not 8; 1 is no generator of size 2.
        assert!(Domain::with_generator(8, w4, Fr::GENERATOR).is_none());
        assert!(Domain::with_generator(2, Fr::from(1u64), Fr::GENERATOR).is_none());
        assert!(Domain::with_generator(4, w4, Fr::from(0u64)).is_none());
    }
}
