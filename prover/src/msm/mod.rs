//! Multi-scalar multiplication over the proving key's bases: Pippenger with
//! signed (Booth) windows and batch-affine bucket accumulation.
//!
//! What differs from ark-ec's `VariableBaseMSM::msm`:
//! - **Batch-affine buckets.** Buckets are affine points; a batch of up to
//!   [`BATCH`] additions into distinct buckets shares one field inversion
//!   (Montgomery's trick), so an addition costs about 6 multiplications
//!   instead of the 10 of an extended-Jacobian mixed addition. A bucket is
//!   one 64-byte line (its emptiness is kept apart), a queued addition
//!   carries a copy of its point, and the buckets a batch will update are
//!   loaded a few steps ahead (the cache misses on buckets were the largest
//!   cost after the multiplications).
//! - **Short scalars touch only their low windows.** A scalar `k` is taken as
//!   `±min(k, r - k)`, so small negatives are short too; window `w` visits only
//!   the scalars whose magnitude reaches it. Zero scalars and points at
//!   infinity are skipped; `±1` scalars are summed once, without windows.
//! - **The window width follows the scalars**: it minimises an estimate of
//!   bucket additions plus bucket reductions from the histogram of magnitudes.
//! - **Scalars are prepared once** ([`Scalars`]) and shared by the four MSMs
//!   over the witness (A, B in G1, B in G2, L).
//!
//! Windows run in parallel on rayon's pool. Exceptional additions (the bucket
//! holds the same point, or its negation) are detected and done exactly, so
//! repeated or opposite bases give the same result as the reference; the
//! property tests compare with ark-ec on random and adversarial inputs.
//!
//! Files: [`scalars`] prepares the scalars (signs, magnitudes, Booth
//! digits, repeated-scalar detection); [`bucket`] is the batch-affine
//! bucket accumulator; this file picks the window width and runs the
//! windows.

use ark_ec::short_weierstrass::{Affine, Bucket, Projective, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::Zero;
use rayon::prelude::*;

mod bucket;
mod scalars;
#[cfg(test)]
mod tests;

pub use bucket::BatchInverse;
use bucket::{Accumulator, CHUNK, NEG};
use scalars::booth;
pub use scalars::{RepeatCounts, Repeats, Scalars, ScalarsRef, REPEAT_MIN_BITS};

/// Additions per shared inversion.
pub const BATCH: usize = 1024;

/// Additions per shared inversion for `n` buckets: at most [`BATCH`], and
/// small against `n` so that few additions meet a bucket already queued.
fn batch_size(n: usize) -> usize {
    (n / 8).clamp(16, BATCH)
}

/// The window width for a histogram of magnitude bit lengths: minimises
/// (bucket additions) + 4 * (bucket reduction additions), the reduction
/// costing two projective additions of about twice an affine one.
fn window_width(hist: &[usize; 257], max_bits: usize) -> usize {
    let mut best = (f64::MAX, 8);
    for c in 4..=20usize {
        let windows = max_bits / c + 1;
        let mut cost = 0f64;
        for w in 0..windows {
            let lo = if w == 0 { 2 } else { w * c };
            let n: usize = hist[lo.min(256)..].iter().sum();
            if n == 0 {
                continue;
            }
            cost += n as f64 + 4.0 * (1u64 << (c - 1)) as f64;
        }
        if cost < best.0 {
            best = (cost, c);
        }
    }
    best.1
}

/// `sum_i scalars_i * bases_i` over the shorter of the two.
pub fn msm<P: SWCurveConfig>(bases: &[Affine<P>], scalars: ScalarsRef<'_>) -> Projective<P>
where
    P::BaseField: BatchInverse,
{
    msm_segments(&[(bases, scalars)])
}

/// Segments an MSM takes at once ([`msm_segments`]): two bits of an entry.
const MAX_SEGMENTS: usize = 4;
/// Bases per segment: the low 29 bits of an entry.
const SEGMENT_LEN: usize = 1 << 29;
/// An entry's segment, above its index.
const SEG_SHIFT: u32 = 29;
const IDX_MASK: u32 = (1 << SEG_SHIFT) - 1;

/// `sum over segments (bases, scalars) of sum_i scalars_i * bases_i`, each
/// segment over the shorter of its two, as one MSM: one set of windows and
/// buckets for all the points, so that MSMs whose results are added (the
/// proof's C sums the L and H queries) share their bucket reductions and
/// get the wider windows their joint size affords.
///
/// More than four segments, or segments of 2^29 bases or more (whose
/// indices would reach an entry's segment bits), are summed in parts.
pub fn msm_segments<P: SWCurveConfig>(segments: &[(&[Affine<P>], ScalarsRef<'_>)]) -> Projective<P>
where
    P::BaseField: BatchInverse,
{
    if segments.len() > MAX_SEGMENTS {
        let (a, b) = segments.split_at(segments.len() / 2);
        return msm_segments(a) + msm_segments(b);
    }
    if let Some(k) = segments
        .iter()
        .position(|(b, s)| b.len().min(s.mag.len()) >= SEGMENT_LEN)
    {
        let (bases, scalars) = segments[k];
        let n = bases.len().min(scalars.mag.len());
        let half = n / 2;
        let mut first = segments.to_vec();
        first[k] = (&bases[..half], scalars.slice(0..half));
        return msm_segments(&first) + msm_segments(&[(&bases[half..n], scalars.slice(half..n))]);
    }
    let segs: Vec<(&[Affine<P>], ScalarsRef<'_>)> = segments
        .iter()
        .map(|(b, s)| {
            let n = b.len().min(s.mag.len());
            (&b[..n], s.slice(0..n))
        })
        .collect();
    let seg_bases: Vec<&[Affine<P>]> = segs.iter().map(|(b, _)| *b).collect();
    let mut hist = [0usize; 257];
    let mut max_bits = 0usize;
    for (bases, sc) in &segs {
        for (b, p) in sc.bits.iter().zip(bases.iter()) {
            if !p.is_zero() {
                hist[*b as usize] += 1;
                max_bits = max_bits.max(*b as usize);
            }
        }
    }
    if max_bits == 0 {
        return Projective::zero();
    }
    let c = window_width(&hist, max_bits);
    let windows = max_bits / c + 1;
    let buckets = 1usize << (c - 1);

    // Window sums (w = 0..windows) and the ±1 sum, all in parallel.
    let tasks: Vec<Option<usize>> = (0..windows).map(Some).chain([None]).collect();
    let sums: Vec<Bucket<P>> = tasks
        .into_par_iter()
        .map(|task| {
            // Entry: sign bit, segment, index.
            let entry = |k: usize, i: usize, neg: bool| {
                ((k as u32) << SEG_SHIFT) | (i as u32) | if neg { NEG } else { 0 }
            };
            let mut chunk: Vec<(u32, u32)> = Vec::with_capacity(CHUNK);
            match task {
                None => {
                    let units = hist[1];
                    if units == 0 {
                        return Bucket::ZERO;
                    }
                    let nb = units.clamp(1, 8 * BATCH);
                    let mut acc = Accumulator::<P>::new(&seg_bases, nb);
                    let mut slot = 0u32;
                    for (k, (bases, sc)) in segs.iter().enumerate() {
                        for i in 0..bases.len() {
                            if sc.bits[i] == 1 && !bases[i].is_zero() {
                                acc.add(slot, entry(k, i, sc.neg[i]));
                                slot = (slot + 1) % nb as u32;
                            }
                        }
                    }
                    acc.finish();
                    acc.plain_sum()
                }
                Some(w) => {
                    // The top window may hold fewer bits than c: its digits
                    // are at most 2^(max_bits - wc), so its few buckets are
                    // split into `lanes` slots each, filled in turn, or
                    // almost every addition would wait for its bucket.
                    let top = (1usize << (max_bits - w * c).min(c - 1)).min(buckets);
                    let lanes = buckets / top;
                    let mut acc = Accumulator::<P>::new(&seg_bases, top * lanes);
                    let lo = if w == 0 { 2 } else { (w * c) as u16 };
                    let mut touched = 0u64;
                    let mut lane = 0u32;
                    for (k, (bases, sc)) in segs.iter().enumerate() {
                        let n = bases.len();
                        let mut i = 0;
                        while i < n {
                            chunk.clear();
                            while i < n && chunk.len() < CHUNK {
                                if sc.bits[i] >= lo && !bases[i].is_zero() {
                                    let d = booth(&sc.mag[i], w, c);
                                    if d != 0 {
                                        let b = (d.unsigned_abs() - 1) as u32;
                                        chunk.push((
                                            b * lanes as u32 + lane,
                                            entry(k, i, sc.neg[i] ^ (d < 0)),
                                        ));
                                        lane = if lane + 1 == lanes as u32 {
                                            0
                                        } else {
                                            lane + 1
                                        };
                                    }
                                }
                                i += 1;
                            }
                            touched += acc.touch(&chunk);
                            for &(b, e) in &chunk {
                                acc.add(b, e);
                            }
                        }
                    }
                    std::hint::black_box(touched);
                    acc.finish();
                    acc.weighted_sum(lanes)
                }
            }
        })
        .collect();

    let mut total = Bucket::<P>::ZERO;
    for w in (0..windows).rev() {
        for _ in 0..c {
            total.double_in_place();
        }
        total += &sums[w];
    }
    total += &sums[windows];
    total.into()
}
