//! Scalars prepared once per proof for every MSM over them: sign and
//! magnitude `min(k, r - k)`, bit lengths, Booth window digits, and the
//! repeated scalars summed once.

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use rayon::prelude::*;

use super::bucket::Accumulator;
use super::{msm_segments, BatchInverse};

/// Scalars prepared for [`msm`]: sign, magnitude `min(k, r - k)` and its bit
/// length, computed once per proof.
pub struct Scalars {
    pub(super) mag: Vec<[u64; 4]>,
    pub(super) neg: Vec<bool>,
    pub(super) bits: Vec<u16>,
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
    pub(super) mag: &'a [[u64; 4]],
    pub(super) neg: &'a [bool],
    pub(super) bits: &'a [u16],
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
    pub(super) scalars: &'a Scalars,
    /// The scalars' bit lengths with every repeated value's entries set to 0,
    /// so an MSM over [`Repeats::rest`] skips them.
    pub(super) bits: Vec<u16>,
    /// The repeated entries' indices, group after group.
    pub(super) members: Vec<u32>,
    /// Group `g` is `members[starts[g]..starts[g + 1]]`.
    pub(super) starts: Vec<u32>,
    /// One value per group.
    pub(super) values: Scalars,
    /// Entries of at least [`REPEAT_MIN_BITS`] bits, repeated or not.
    pub(super) candidates: usize,
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
pub(super) fn booth(mag: &[u64; 4], w: usize, c: usize) -> i64 {
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
