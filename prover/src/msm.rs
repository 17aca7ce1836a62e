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

use ark_ec::short_weierstrass::{Affine, Bucket, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, PrimeField, Zero};
use rayon::prelude::*;

/// Additions per shared inversion.
pub const BATCH: usize = 1024;

/// How far ahead [`Accumulator::flush`] loads the buckets it will update.
const AHEAD: usize = 8;

/// Additions whose buckets are loaded together ([`Accumulator::touch`]).
const CHUNK: usize = 128;

/// How the kernel inverts a batch of denominators of its base field: by
/// Montgomery's trick over their norms in the prime field below it, so
/// that an extension field pays prime-field multiplications for the trick
/// (G2's Fq2: `1/d = conj(d) / N(d)` with `N(d) = d0^2 + d1^2` in Fq, as
/// u^2 = -1; 6.5 Fq multiplications a denominator instead of three Fq2
/// ones, 9).
pub trait BatchInverse: Field {
    /// The field the norms live in.
    type Norm: Field;
    /// The norm: non-zero exactly when `self` is.
    fn norm(&self) -> Self::Norm;
    /// `1 / self`, given `1 / self.norm()`.
    fn inverse_from_norm(&self, norm_inv: &Self::Norm) -> Self;
}

impl BatchInverse for ark_bn254::Fq {
    type Norm = Self;

    #[inline(always)]
    fn norm(&self) -> Self {
        *self
    }

    #[inline(always)]
    fn inverse_from_norm(&self, norm_inv: &Self) -> Self {
        *norm_inv
    }
}

impl BatchInverse for ark_bn254::Fq2 {
    type Norm = ark_bn254::Fq;

    #[inline(always)]
    fn norm(&self) -> ark_bn254::Fq {
        // BN254's Fq2 is Fq[u] / (u^2 + 1): N(c0 + c1 u) = c0^2 + c1^2,
        // zero only at 0 since -1 is not a square mod p (p = 3 mod 4).
        ark_bn254::Fq::sum_of_products(&[self.c0, self.c1], &[self.c0, self.c1])
    }

    #[inline(always)]
    fn inverse_from_norm(&self, norm_inv: &ark_bn254::Fq) -> Self {
        Self::new(self.c0 * norm_inv, -(self.c1 * norm_inv))
    }
}

/// Scalars prepared for [`msm`]: sign, magnitude `min(k, r - k)` and its bit
/// length, computed once per proof.
pub struct Scalars {
    mag: Vec<[u64; 4]>,
    neg: Vec<bool>,
    bits: Vec<u16>,
}

impl Scalars {
    /// Prepares `scalars` (any prime field of at most 256 bits).
    pub fn new<F: PrimeField>(scalars: &[F]) -> Self {
        let modulus = F::MODULUS;
        let (mag, (neg, bits)) = scalars
            .par_iter()
            .map(|s| {
                let k = s.into_bigint();
                let mut neg_k = modulus;
                neg_k.sub_with_borrow(&k);
                let (m, neg) = if !k.is_zero() && neg_k.num_bits() < k.num_bits() {
                    (neg_k, true)
                } else {
                    (k, false)
                };
                let mut limbs = [0u64; 4];
                for (l, v) in limbs.iter_mut().zip(m.as_ref()) {
                    *l = *v;
                }
                (limbs, (neg, m.num_bits() as u16))
            })
            .unzip();
        Scalars { mag, neg, bits }
    }

    /// Number of scalars.
    pub fn len(&self) -> usize {
        self.mag.len()
    }

    /// True when there are no scalars.
    pub fn is_empty(&self) -> bool {
        self.mag.is_empty()
    }

    /// The scalars `range` as a view for [`msm`].
    pub fn slice(&self, range: std::ops::Range<usize>) -> ScalarsRef<'_> {
        self.all().slice(range)
    }

    /// All scalars as a view for [`msm`].
    pub fn all(&self) -> ScalarsRef<'_> {
        ScalarsRef {
            mag: &self.mag,
            neg: &self.neg,
            bits: &self.bits,
        }
    }
}

/// A view of prepared scalars.
#[derive(Clone, Copy)]
pub struct ScalarsRef<'a> {
    mag: &'a [[u64; 4]],
    neg: &'a [bool],
    bits: &'a [u16],
}

impl ScalarsRef<'_> {
    /// The scalars `range` of this view.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Self {
        ScalarsRef {
            mag: &self.mag[range.clone()],
            neg: &self.neg[range.clone()],
            bits: &self.bits[range],
        }
    }

    /// Number of scalars.
    pub fn len(&self) -> usize {
        self.mag.len()
    }

    /// True when there are no scalars.
    pub fn is_empty(&self) -> bool {
        self.mag.is_empty()
    }
}

/// Scalars of at least [`REPEAT_MIN_BITS`] bits: repeating one costs about
/// `bits / c` bucket additions, merging its base into its group's costs one.
pub const REPEAT_MIN_BITS: u16 = 64;

/// How many of a vector's scalars [`Repeats`] groups.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RepeatCounts {
    /// Entries of at least [`REPEAT_MIN_BITS`] bits, repeated or not.
    pub candidates: usize,
    /// Entries whose value an earlier entry has.
    pub repeated: usize,
    /// Distinct values met more than once.
    pub groups: usize,
}

/// The repeated values among a vector of prepared scalars, for MSMs that
/// sum each value's bases first: `sum_i z_i P_i = sum_v v (sum_{z_i = v}
/// P_i)`, so a value met k times costs one MSM point and k - 1 additions
/// instead of k points of about `bits / c` additions each.
///
/// A batch witness repeats many full-size values: a Noop slot hashes the
/// same leaf up both sides of its path, a transfer's credit recomputes the
/// nodes above where its path meets the debit's (as does the next slot's
/// debit), and every path carries the empty-subtree siblings. At 234k
/// constraints about a third of the witness's full-size values repeat in a
/// state of 65,536 accounts (BENCHMARKS.md gives the figures).
pub struct Repeats<'a> {
    /// The scalars the groups are of.
    scalars: &'a Scalars,
    /// The scalars' bit lengths with every repeated value's entries set to 0,
    /// so an MSM over [`Repeats::rest`] skips them.
    bits: Vec<u16>,
    /// The repeated entries' indices, group after group.
    members: Vec<u32>,
    /// Group `g` is `members[starts[g]..starts[g + 1]]`.
    starts: Vec<u32>,
    /// One value per group.
    values: Scalars,
    /// Entries of at least [`REPEAT_MIN_BITS`] bits, repeated or not.
    candidates: usize,
}

impl Scalars {
    /// Groups the entries of at least [`REPEAT_MIN_BITS`] bits that share
    /// their value with another entry.
    pub fn repeats(&self) -> Repeats<'_> {
        // Equal values have equal (magnitude, sign). Sort (low limb, index)
        // pairs, 16 bytes each, so that equal values end up adjacent; the
        // rare different values sharing a low limb are ordered exactly below.
        let mut keyed: Vec<(u64, u32)> = (0..self.len() as u32)
            .filter(|&i| self.bits[i as usize] >= REPEAT_MIN_BITS)
            .map(|i| (self.mag[i as usize][0], i))
            .collect();
        keyed.par_sort_unstable();
        let exact = |&a: &u32, &b: &u32| {
            let (a, b) = (a as usize, b as usize);
            self.mag[a]
                .cmp(&self.mag[b])
                .then(self.neg[a].cmp(&self.neg[b]))
                .then(a.cmp(&b))
        };
        let mut idx: Vec<u32> = keyed.iter().map(|&(_, i)| i).collect();
        let mut k = 0;
        while k < keyed.len() {
            let mut e = k + 1;
            while e < keyed.len() && keyed[e].0 == keyed[k].0 {
                e += 1;
            }
            if e - k > 1 {
                idx[k..e].sort_unstable_by(exact);
            }
            k = e;
        }
        drop(keyed);
        let same = |a: u32, b: u32| {
            let (a, b) = (a as usize, b as usize);
            self.mag[a] == self.mag[b] && self.neg[a] == self.neg[b]
        };
        let mut bits = self.bits.clone();
        let (mut members, mut starts) = (Vec::new(), vec![0u32]);
        let (mut mag, mut neg, mut vbits) = (Vec::new(), Vec::new(), Vec::new());
        let mut k = 0;
        while k < idx.len() {
            let mut e = k + 1;
            while e < idx.len() && same(idx[k], idx[e]) {
                e += 1;
            }
            if e - k > 1 {
                let first = idx[k] as usize;
                mag.push(self.mag[first]);
                neg.push(self.neg[first]);
                vbits.push(self.bits[first]);
                for &i in &idx[k..e] {
                    bits[i as usize] = 0;
                    members.push(i);
                }
                starts.push(members.len() as u32);
            }
            k = e;
        }
        let candidates = idx.len();
        Repeats {
            scalars: self,
            candidates,
            bits,
            members,
            starts,
            values: Scalars {
                mag,
                neg,
                bits: vbits,
            },
        }
    }
}

impl Repeats<'_> {
    /// The scalars without their repeated entries (as zeros).
    pub fn rest(&self) -> ScalarsRef<'_> {
        ScalarsRef {
            mag: &self.scalars.mag,
            neg: &self.scalars.neg,
            bits: &self.bits,
        }
    }

    /// One value per group, the scalars of [`Repeats::merged_bases`].
    pub fn values(&self) -> ScalarsRef<'_> {
        self.values.all()
    }

    /// Number of groups of repeated values.
    fn groups(&self) -> usize {
        self.starts.len() - 1
    }

    /// How many entries repeat, for reports.
    pub fn counts(&self) -> RepeatCounts {
        RepeatCounts {
            candidates: self.candidates,
            repeated: self.members.len() - self.groups(),
            groups: self.groups(),
        }
    }

    /// `sum_i z_i bases[i - offset]` over the scalars `z` the groups are
    /// of (from `offset` on, as the L query's MSM over the witness part),
    /// plus the MSM of each segment in `with`, as one [`msm_segments`]:
    /// the entries not repeated as they are, and one point per group with
    /// its [`Repeats::merged_bases`].
    pub fn msm<P: SWCurveConfig>(
        &self,
        bases: &[Affine<P>],
        offset: usize,
        with: &[(&[Affine<P>], ScalarsRef<'_>)],
    ) -> Projective<P>
    where
        P::BaseField: BatchInverse,
    {
        let len = self.scalars.len();
        let merged = self.merged_bases(bases, offset);
        let mut segments = vec![
            (bases, self.rest().slice(offset.min(len)..len)),
            (&merged[..], self.values()),
        ];
        segments.extend_from_slice(with);
        msm_segments(&segments)
    }

    /// For each group, the sum of its entries' bases, where entry `i` has
    /// base `bases[i - offset]` (entries below `offset` or beyond the bases
    /// have none: an MSM over a slice of the scalars, as the L query's over
    /// the witness part).
    pub fn merged_bases<P: SWCurveConfig>(
        &self,
        bases: &[Affine<P>],
        offset: usize,
    ) -> Vec<Affine<P>>
    where
        P::BaseField: BatchInverse,
    {
        let groups = self.groups();
        // Each group is a bucket of the batch-affine accumulator; members
        // are added round by round (every group's first, then every
        // group's second, ...), so a batch never meets a busy bucket. Two
        // halves of the groups on two threads.
        let base = |i: u32| {
            (i as usize)
                .checked_sub(offset)
                .filter(|&j| bases.get(j).is_some_and(|p| !p.is_zero()))
                .map(|j| j as u32)
        };
        let segs = [bases];
        let sum_groups = |range: std::ops::Range<usize>| -> Vec<Affine<P>> {
            if range.is_empty() {
                return Vec::new();
            }
            let mut acc = Accumulator::<P>::new(&segs, range.len());
            let mut round = 0usize;
            loop {
                let mut any = false;
                for (b, g) in range.clone().enumerate() {
                    let (s, e) = (self.starts[g] as usize, self.starts[g + 1] as usize);
                    if s + round < e {
                        any = true;
                        if let Some(j) = base(self.members[s + round]) {
                            acc.add(b as u32, j);
                        }
                    }
                }
                if !any {
                    break;
                }
                acc.flush();
                round += 1;
            }
            acc.finish();
            (0..range.len())
                .map(|b| match &acc.overflow {
                    Some(over) => {
                        let mut t = over[b];
                        t += &acc.bucket(b);
                        Projective::<P>::from(t).into_affine()
                    }
                    None => acc.bucket(b),
                })
                .collect()
        };
        let mid = groups / 2;
        let (mut lo, hi) = rayon::join(|| sum_groups(0..mid), || sum_groups(mid..groups));
        lo.extend(hi);
        lo
    }
}

/// The Booth digit of window `w` (width `c`): in `[-2^(c-1), 2^(c-1)]`, read
/// from bits `wc - 1 ..= wc + c - 1` of the magnitude, so that
/// `sum_w digit_w * 2^(wc) = mag`.
#[inline(always)]
fn booth(mag: &[u64; 4], w: usize, c: usize) -> i64 {
    let mask = (1u64 << (c + 1)) - 1;
    let x = if w == 0 {
        (mag[0] << 1) & mask
    } else {
        let start = w * c - 1;
        let (limb, off) = (start / 64, start % 64);
        if limb >= 4 {
            return 0;
        }
        let mut v = mag[limb] >> off;
        if off + c + 1 > 64 && limb + 1 < 4 {
            v |= mag[limb + 1] << (64 - off);
        }
        v & mask
    };
    ((x >> 1) + (x & 1)) as i64 - ((((x >> c) & 1) << c) as i64)
}

/// An entry's sign, in its top bit (below it: segment and index).
const NEG: u32 = 1 << 31;

/// A bucket's coordinates, one cache line for G1 (the identity is kept in
/// [`Accumulator::state`], not in the point, so the slot stays 64 bytes).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Slot<F> {
    x: F,
    y: F,
}

/// [`Accumulator::state`]: the bucket holds a point.
const FULL: u8 = 1;
/// [`Accumulator::state`]: the bucket has an addition queued.
const BUSY: u8 = 2;

/// An addition waiting for the batch inversion: bucket `b` += `(px, py)`.
struct Pending<F> {
    b: u32,
    dbl: bool,
    px: F,
    py: F,
}

/// Batch-affine accumulation into buckets: additions are queued with a copy
/// of the point, each batch of distinct buckets shares one inversion; an
/// addition into a bucket already in the batch waits for the next pass, and
/// after a few passes the stragglers go into `overflow` with projective
/// additions.
struct Accumulator<'a, P: SWCurveConfig>
where
    P::BaseField: BatchInverse,
{
    bases: &'a [&'a [Affine<P>]],
    slots: Vec<Slot<P::BaseField>>,
    state: Vec<u8>,
    overflow: Option<Vec<Bucket<P>>>,
    queue: Vec<Pending<P::BaseField>>,
    denom: Vec<P::BaseField>,
    norms: Vec<<P::BaseField as BatchInverse>::Norm>,
    prefix: Vec<<P::BaseField as BatchInverse>::Norm>,
    deferred: Vec<(u32, u32)>,
    batch: usize,
}

impl<'a, P: SWCurveConfig> Accumulator<'a, P>
where
    P::BaseField: BatchInverse,
{
    fn new(bases: &'a [&'a [Affine<P>]], n: usize) -> Self {
        let zero = P::BaseField::ZERO;
        let batch = batch_size(n);
        Accumulator {
            bases,
            slots: vec![Slot { x: zero, y: zero }; n],
            state: vec![0; n],
            overflow: None,
            queue: Vec::with_capacity(batch),
            denom: Vec::with_capacity(batch),
            norms: Vec::with_capacity(batch),
            prefix: Vec::with_capacity(batch),
            deferred: Vec::new(),
            batch,
        }
    }

    /// The base `e` (sign bit, segment, index) as a point.
    #[inline(always)]
    fn point(&self, e: u32) -> Affine<P> {
        let p = &self.bases[((e & !NEG) >> SEG_SHIFT) as usize][(e & IDX_MASK) as usize];
        if e & NEG != 0 {
            Affine::new_unchecked(p.x, -p.y)
        } else {
            *p
        }
    }

    /// Loads the buckets of the coming additions, so that their cache misses
    /// overlap instead of stalling one by one.
    #[inline(always)]
    fn touch(&self, entries: &[(u32, u32)]) -> u64 {
        let mut t = 0u64;
        for &(b, _) in entries {
            let q = &self.slots[b as usize];
            t += u64::from(q.x.is_zero()) + u64::from(q.y.is_zero());
        }
        t
    }

    /// Adds base `e` (index, sign bit; not at infinity) to bucket `b`.
    #[inline]
    fn add(&mut self, b: u32, e: u32) {
        let bi = b as usize;
        let st = self.state[bi];
        if st & BUSY != 0 {
            self.deferred.push((b, e));
            return;
        }
        let p = self.point(e);
        if st == 0 {
            self.slots[bi] = Slot { x: p.x, y: p.y };
            self.state[bi] = FULL;
            return;
        }
        let q = &self.slots[bi];
        let (d, dbl) = if q.x == p.x {
            if q.y == p.y && !q.y.is_zero() {
                (q.y.double(), true)
            } else {
                // p = -q (a point with y = 0 is its own negation): the
                // bucket empties. So every queued denominator is non-zero.
                self.state[bi] = 0;
                return;
            }
        } else {
            (p.x - q.x, false)
        };
        self.state[bi] = FULL | BUSY;
        self.queue.push(Pending {
            b,
            dbl,
            px: p.x,
            py: p.y,
        });
        self.denom.push(d);
        if self.queue.len() == self.batch {
            self.flush();
        }
    }

    /// Applies the queued additions with one inversion.
    fn flush(&mut self) {
        let n = self.queue.len();
        if n == 0 {
            return;
        }
        // Montgomery's trick: prefix products, one inversion, walk back.
        self.prefix.clear();
        self.norms.clear();
        let mut acc = <P::BaseField as BatchInverse>::Norm::ONE;
        for d in &self.denom {
            let nd = d.norm();
            self.prefix.push(acc);
            self.norms.push(nd);
            acc *= nd;
        }
        let mut inv = acc.inverse().expect("denominators are non-zero");
        let mut touched = 0u64;
        for e in self.queue[n.saturating_sub(AHEAD)..].iter() {
            touched += u64::from(self.slots[e.b as usize].x.is_zero());
        }
        for i in (0..n).rev() {
            if i >= AHEAD {
                touched += u64::from(self.slots[self.queue[i - AHEAD].b as usize].x.is_zero());
            }
            let d_inv = self.denom[i].inverse_from_norm(&(inv * self.prefix[i]));
            inv *= self.norms[i];
            let e = &self.queue[i];
            let bi = e.b as usize;
            let q = self.slots[bi];
            let lambda = if e.dbl {
                let x2 = q.x.square();
                (x2.double() + x2 + P::COEFF_A) * d_inv
            } else {
                (e.py - q.y) * d_inv
            };
            let x3 = lambda.square() - q.x - e.px;
            let y3 = lambda * (q.x - x3) - q.y;
            self.slots[bi] = Slot { x: x3, y: y3 };
            self.state[bi] = FULL;
        }
        std::hint::black_box(touched);
        self.queue.clear();
        self.denom.clear();
    }

    /// Flushes and drains the deferred additions.
    fn finish(&mut self) {
        self.flush();
        let mut pass = 0;
        while !self.deferred.is_empty() {
            let work = std::mem::take(&mut self.deferred);
            pass += 1;
            if pass > 3 || work.len() < 64 {
                let nb = self.slots.len();
                let points: Vec<(u32, Affine<P>)> =
                    work.iter().map(|&(b, e)| (b, self.point(e))).collect();
                let over = self
                    .overflow
                    .get_or_insert_with(|| vec![Bucket::<P>::ZERO; nb]);
                for (b, p) in points {
                    over[b as usize] += &p;
                }
                break;
            }
            for (b, e) in work {
                self.add(b, e);
            }
            self.flush();
        }
    }

    /// Bucket `b` as an affine point.
    #[inline(always)]
    fn bucket(&self, b: usize) -> Affine<P> {
        if self.state[b] == 0 {
            Affine::identity()
        } else {
            Affine::new_unchecked(self.slots[b].x, self.slots[b].y)
        }
    }

    /// `sum_b (b + 1) * (sum of bucket b's lanes)`, by running sums, where
    /// bucket `b`'s lanes are the slots `b * lanes .. (b + 1) * lanes`.
    fn weighted_sum(&self, lanes: usize) -> Bucket<P> {
        let mut running = Bucket::<P>::ZERO;
        let mut sum = Bucket::<P>::ZERO;
        for b in (0..self.slots.len() / lanes).rev() {
            for s in b * lanes..(b + 1) * lanes {
                running += &self.bucket(s);
                if let Some(over) = &self.overflow {
                    running += &over[s];
                }
            }
            sum += &running;
        }
        sum
    }

    /// `sum_b bucket_b`.
    fn plain_sum(&self) -> Bucket<P> {
        let mut sum = Bucket::<P>::ZERO;
        for b in 0..self.slots.len() {
            sum += &self.bucket(b);
            if let Some(over) = &self.overflow {
                sum += &over[b];
            }
        }
        sum
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_ff::{One, UniformRand};
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
            let bases: Vec<Vec<G1Affine>> =
                sizes.iter().map(|&n| random_bases(&mut rng, n)).collect();
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
    fn by_repeats<P: SWCurveConfig>(
        bases: &[Affine<P>],
        z: &Scalars,
        offset: usize,
    ) -> Projective<P>
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
}
