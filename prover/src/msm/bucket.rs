//! The batch-affine bucket accumulator: buckets kept as affine points, a
//! batch of additions into distinct buckets sharing one inversion
//! (Montgomery's trick through [`BatchInverse`]), the buckets a batch will
//! update loaded a few steps ahead.

use ark_ec::short_weierstrass::{Affine, Bucket, SWCurveConfig};
use ark_ec::AdditiveGroup;
use ark_ff::{Field, Zero};

use super::{batch_size, IDX_MASK, SEG_SHIFT};

/// How far ahead [`Accumulator::flush`] loads the buckets it will update.
pub(super) const AHEAD: usize = 8;

/// Additions whose buckets are loaded together ([`Accumulator::touch`]).
pub(super) const CHUNK: usize = 128;

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

/// An entry's sign, in its top bit (below it: segment and index).
pub(super) const NEG: u32 = 1 << 31;

/// A bucket's coordinates, one cache line for G1 (the identity is kept in
/// [`Accumulator::state`], not in the point, so the slot stays 64 bytes).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(super) struct Slot<F> {
    pub(super) x: F,
    pub(super) y: F,
}

/// [`Accumulator::state`]: the bucket holds a point.
pub(super) const FULL: u8 = 1;
/// [`Accumulator::state`]: the bucket has an addition queued.
pub(super) const BUSY: u8 = 2;

/// An addition waiting for the batch inversion: bucket `b` += `(px, py)`.
pub(super) struct Pending<F> {
    pub(super) b: u32,
    pub(super) dbl: bool,
    pub(super) px: F,
    pub(super) py: F,
}

/// Batch-affine accumulation into buckets: additions are queued with a copy
/// of the point, each batch of distinct buckets shares one inversion; an
/// addition into a bucket already in the batch waits for the next pass, and
/// after a few passes the stragglers go into `overflow` with projective
/// additions.
pub(super) struct Accumulator<'a, P: SWCurveConfig>
where
    P::BaseField: BatchInverse,
{
    pub(super) bases: &'a [&'a [Affine<P>]],
    pub(super) slots: Vec<Slot<P::BaseField>>,
    pub(super) state: Vec<u8>,
    pub(super) overflow: Option<Vec<Bucket<P>>>,
    pub(super) queue: Vec<Pending<P::BaseField>>,
    pub(super) denom: Vec<P::BaseField>,
    pub(super) norms: Vec<<P::BaseField as BatchInverse>::Norm>,
    pub(super) prefix: Vec<<P::BaseField as BatchInverse>::Norm>,
    pub(super) deferred: Vec<(u32, u32)>,
    pub(super) batch: usize,
}

impl<'a, P: SWCurveConfig> Accumulator<'a, P>
where
    P::BaseField: BatchInverse,
{
    pub(super) fn new(bases: &'a [&'a [Affine<P>]], n: usize) -> Self {
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
    pub(super) fn point(&self, e: u32) -> Affine<P> {
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
    pub(super) fn touch(&self, entries: &[(u32, u32)]) -> u64 {
        let mut t = 0u64;
        for &(b, _) in entries {
            let q = &self.slots[b as usize];
            t += u64::from(q.x.is_zero()) + u64::from(q.y.is_zero());
        }
        t
    }

    /// Adds base `e` (index, sign bit; not at infinity) to bucket `b`.
    #[inline]
    pub(super) fn add(&mut self, b: u32, e: u32) {
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
    pub(super) fn flush(&mut self) {
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
    pub(super) fn finish(&mut self) {
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
    pub(super) fn bucket(&self, b: usize) -> Affine<P> {
        if self.state[b] == 0 {
            Affine::identity()
        } else {
            Affine::new_unchecked(self.slots[b].x, self.slots[b].y)
        }
    }

    /// `sum_b (b + 1) * (sum of bucket b's lanes)`, by running sums, where
    /// bucket `b`'s lanes are the slots `b * lanes .. (b + 1) * lanes`.
    pub(super) fn weighted_sum(&self, lanes: usize) -> Bucket<P> {
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
    pub(super) fn plain_sum(&self) -> Bucket<P> {
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
