//! SHA-256 in R1CS, about 26.2k constraints per 64-byte block (arkworks'
//! `Sha256Gadget`: ~40.9k). There is no native twin in zkroll-state: the
//! native side is the `sha2` crate, and `tests/gadgets.rs` checks this gadget
//! against it on random inputs of many lengths.
//!
//! The technique is bellman's (Zcash Sapling): words are 32 little-endian
//! [`Bool`]s; rotations and shifts only permute bits (a shift brings in
//! constant zeros, whose XORs are free); every modular addition of several
//! words is one field linear combination of their bits, decomposed once
//! into 32 result bits plus carry bits. What is cheaper than a gadget that
//! adds words pairwise:
//!
//! * Additions are deferred as in bellman: a round's new `a` is
//!   `h + Σ1 + Ch + K + W + Σ0 + Maj` and its new `e` is `h + Σ1 + Ch + K +
//!   W + d`, each decomposed once (into bits) where the next round needs
//!   bits; the chaining value's additions `H_k + x_k` are decomposed only
//!   when a later step needs the bits (the last block's digest, or the next
//!   block's `a, b, c, e, f, g`); `d` and `h` enter a compression only as
//!   values, so a chaining `H3`, `H7` is never decomposed. `W[62]`, `W[63]`
//!   are used only as values (in rounds 62 and 63), so they stay undecomposed
//!   sums of their four terms.
//! * `Ch` and `Maj` are only ever summed, so each output bit is a field
//!   value, not an allocated boolean: `Ch = e (f - g) + g` (1 constraint per
//!   bit) and `Maj = a (b + c - 2bc) + bc` (2).
//! * [`add`]'s top carry bit is the linear combination that makes the sum
//!   hold, constrained boolean by one product: no separate equality row.
//!
//! Soundness of [`add`]: the terms are integers with known bounds whose sum
//! `S` is below 2^36 (far below r), so the field sum is the integer sum.
//! With every result and carry bit boolean, `sum_i 2^i bits_i` is an integer
//! in [0, 2^(32+k)), and 2^(32+k) <= 2^36 < r; an equality of two such
//! integers mod r is an integer equality, so the 32 low bits are exactly
//! `S mod 2^32`. Every word entering a Σ, Ch or Maj is made of booleans
//! (pubdata bits, constants, or outputs of [`add`]), so those per-bit
//! formulas evaluate the boolean functions exactly; XOR is arkworks'
//! 1-constraint `2ab = a + b - c`.

use ark_ff::{AdditiveGroup, Field, One, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::convert::ToBitsGadget;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;

use crate::range::from_bits_le;
use crate::{Bool, Fr, FrVar, SynthesisError, U8};

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// A 32-bit word as its bits, least significant first.
#[derive(Clone)]
struct Word(Vec<Bool>);

/// An integer in `[0, max]` as a field linear combination (no allocation).
#[derive(Clone)]
struct Term {
    value: FrVar,
    max: u64,
}

impl Term {
    /// A value that is a sum of 32 weighted bits: below 2^32, or exact if constant.
    fn of_bits(value: FrVar) -> Self {
        let max = match &value {
            FrVar::Constant(c) => c.into_bigint().as_ref()[0],
            _ => u64::from(u32::MAX),
        };
        Self { value, max }
    }

    fn constant(c: u32) -> Self {
        Self::of_bits(FrVar::constant(Fr::from(c)))
    }

    fn sum(terms: &[Term]) -> Self {
        Self {
            value: terms.iter().fold(FrVar::zero(), |acc, t| acc + &t.value),
            max: terms.iter().map(|t| t.max).sum(),
        }
    }
}

impl Word {
    fn constant(c: u32) -> Self {
        Word((0..32).map(|i| Bool::constant((c >> i) & 1 == 1)).collect())
    }

    fn term(&self) -> Term {
        Term::of_bits(from_bits_le(&self.0))
    }

    fn rotr(&self, n: usize) -> Self {
        Word((0..32).map(|i| self.0[(i + n) % 32].clone()).collect())
    }

    fn shr(&self, n: usize) -> Self {
        Word(
            (0..32)
                .map(|i| self.0.get(i + n).cloned().unwrap_or(Bool::FALSE))
                .collect(),
        )
    }

    fn xor(&self, other: &Self) -> Self {
        Word(self.0.iter().zip(&other.0).map(|(a, b)| a ^ b).collect())
    }

    /// Big-endian bytes, as SHA-256 serialises a word.
    fn from_be_bytes(bytes: &[U8]) -> Result<Self, SynthesisError> {
        let mut bits = Vec::with_capacity(32);
        for b in bytes.iter().rev() {
            bits.extend(b.to_bits_le()?);
        }
        Ok(Word(bits))
    }
}

/// A word that is either bits or a not yet decomposed sum.
#[derive(Clone)]
enum Lazy {
    Bits(Word),
    Sum(Term),
}

impl Lazy {
    fn term(&self) -> Term {
        match self {
            Lazy::Bits(w) => w.term(),
            Lazy::Sum(t) => t.clone(),
        }
    }

    /// The bits of the value mod 2^32. Callers decompose each sum once.
    fn bits(&self) -> Result<Word, SynthesisError> {
        match self {
            Lazy::Bits(w) => Ok(w.clone()),
            Lazy::Sum(t) => add(t),
        }
    }
}

fn u64_of(v: Fr) -> u64 {
    v.into_bigint().as_ref()[0]
}

/// The 32 bits of `t mod 2^32` (see the module's soundness argument):
/// 32 + k constraints for a sum below 2^(32+k).
fn add(t: &Term) -> Result<Word, SynthesisError> {
    assert!(t.max < 1 << 36, "sum too wide for the carry bound");
    if let FrVar::Constant(c) = &t.value {
        return Ok(Word::constant(u64_of(*c) as u32));
    }
    let cs = t.value.cs();
    let v = t.value.value().ok().map(u64_of);
    let bit = |i: usize| {
        Bool::new_witness(cs.clone(), || {
            v.map(|v| (v >> i) & 1 == 1)
                .ok_or(SynthesisError::AssignmentMissing)
        })
    };
    let low = (0..32).map(bit).collect::<Result<Vec<_>, _>>()?;
    let carry_bits = (64 - (t.max >> 32).leading_zeros()) as usize;
    let mut rest = &t.value - from_bits_le(&low);
    if carry_bits == 0 {
        rest.enforce_equal(&FrVar::zero())?;
        return Ok(Word(low));
    }
    for j in 0..carry_bits - 1 {
        rest -= FrVar::from(bit(32 + j)?) * Fr::from(1u64 << (32 + j));
    }
    // The top carry bit is what is left, scaled; it must be 0 or 1.
    let top_weight = Fr::from(1u64 << (32 + carry_bits - 1));
    let top = rest * top_weight.inverse().expect("nonzero");
    let top_minus_one = &top - Fr::one();
    top.mul_equals(&top_minus_one, &FrVar::zero())?;
    Ok(Word(low))
}

fn xor3(a: &Word, b: &Word, c: &Word) -> Word {
    a.xor(b).xor(c)
}

/// `sum_i 2^i f(x_i, y_i, z_i)` over the bits of three words, where `f` is a
/// boolean function written as field arithmetic on 0/1 values.
fn bitwise_sum(
    x: &Word,
    y: &Word,
    z: &Word,
    f: impl Fn(FrVar, FrVar, FrVar) -> Result<FrVar, SynthesisError>,
) -> Result<Term, SynthesisError> {
    let mut acc = FrVar::zero();
    let mut w = Fr::one();
    for ((x, y), z) in x.0.iter().zip(&y.0).zip(&z.0) {
        let bit = f(
            FrVar::from(x.clone()),
            FrVar::from(y.clone()),
            FrVar::from(z.clone()),
        )?;
        acc += bit * w;
        w.double_in_place();
    }
    Ok(Term::of_bits(acc))
}

/// `Ch(e, f, g) = e ? f : g` per bit, summed: 32 constraints (fewer with constants).
fn ch(e: &Word, f: &Word, g: &Word) -> Result<Term, SynthesisError> {
    bitwise_sum(e, f, g, |e, f, g| Ok(e * (f - &g) + g))
}

/// `Maj(a, b, c)` per bit, summed: 64 constraints (fewer with constants).
fn maj(a: &Word, b: &Word, c: &Word) -> Result<Term, SynthesisError> {
    bitwise_sum(a, b, c, |a, b, c| {
        let bc = &b * &c;
        Ok(a * (b + c - bc.double()?) + bc)
    })
}

/// One compression of a 64-byte block into the chaining state.
fn compress(state: &[Lazy; 8], block: &[U8]) -> Result<[Lazy; 8], SynthesisError> {
    let mut w: Vec<Lazy> = block
        .chunks(4)
        .map(|c| Word::from_be_bytes(c).map(Lazy::Bits))
        .collect::<Result<_, _>>()?;
    for i in 16..64 {
        let x = w[i - 15].bits()?;
        let s0 = xor3(&x.rotr(7), &x.rotr(18), &x.shr(3));
        let y = w[i - 2].bits()?;
        let s1 = xor3(&y.rotr(17), &y.rotr(19), &y.shr(10));
        let sum = Term::sum(&[w[i - 16].term(), s0.term(), w[i - 7].term(), s1.term()]);
        // W[62] and W[63] are never an input of σ0/σ1: keep them as sums.
        w.push(if i < 62 {
            Lazy::Bits(add(&sum)?)
        } else {
            Lazy::Sum(sum)
        });
    }

    // a, b, c, e, f, g enter a Σ, Ch or Maj: decompose them. d and h are
    // only added (in round 0 and to the output), so a chaining sum stays
    // undecomposed while it is below 4 words (its carry bits cost less than
    // 32 result bits); the additions are all mod 2^32 so a sum's excess
    // multiples of 2^32 do not matter.
    let mut init = state.clone();
    for (k, x) in init.iter_mut().enumerate() {
        let keep = matches!(x, Lazy::Sum(t) if (k == 3 || k == 7) && t.max < 1 << 34);
        if !keep {
            *x = Lazy::Bits(x.bits()?);
        }
    }
    let word = |x: &Lazy| match x {
        Lazy::Bits(w) => w.clone(),
        Lazy::Sum(_) => unreachable!("decomposed above"),
    };
    let mut a = init[0].clone();
    let mut b = word(&init[1]);
    let mut c = word(&init[2]);
    let mut d = init[3].clone();
    let mut e = init[4].clone();
    let mut f = word(&init[5]);
    let mut g = word(&init[6]);
    let mut h = init[7].clone();
    for (i, wi) in w.iter().enumerate() {
        // Each deferred sum is decomposed here, once.
        let e_bits = e.bits()?;
        let s1 = xor3(&e_bits.rotr(6), &e_bits.rotr(11), &e_bits.rotr(25));
        let temp1 = [
            h.term(),
            s1.term(),
            ch(&e_bits, &f, &g)?,
            Term::constant(K[i]),
            wi.term(),
        ];
        let a_bits = a.bits()?;
        let s0 = xor3(&a_bits.rotr(2), &a_bits.rotr(13), &a_bits.rotr(22));
        let maj = maj(&a_bits, &b, &c)?;
        let new_e: Vec<Term> = temp1.iter().cloned().chain([d.term()]).collect();
        let new_a: Vec<Term> = temp1.iter().cloned().chain([s0.term(), maj]).collect();
        h = Lazy::Bits(g);
        g = f;
        f = e_bits;
        e = Lazy::Sum(Term::sum(&new_e));
        d = Lazy::Bits(c);
        c = b;
        b = a_bits;
        a = Lazy::Sum(Term::sum(&new_a));
    }
    let out = [
        a,
        Lazy::Bits(b),
        Lazy::Bits(c),
        d,
        e,
        Lazy::Bits(f),
        Lazy::Bits(g),
        h,
    ];
    let mut next = init.clone();
    for (n, (x, prev)) in next.iter_mut().zip(out.iter().zip(&init)) {
        *n = Lazy::Sum(Term::sum(&[x.term(), prev.term()]));
    }
    Ok(next)
}

/// `SHA-256(bytes)`: the 32 digest bytes (the message length is fixed at
/// synthesis, so the padding is constant).
pub fn digest(bytes: &[U8]) -> Result<Vec<U8>, SynthesisError> {
    let mut msg = bytes.to_vec();
    let bit_len = 8 * bytes.len() as u64;
    msg.push(U8::constant(0x80));
    while msg.len() % 64 != 56 {
        msg.push(U8::constant(0));
    }
    msg.extend(bit_len.to_be_bytes().map(U8::constant));

    let mut state: [Lazy; 8] = IV.map(|c| Lazy::Bits(Word::constant(c)));
    for block in msg.chunks(64) {
        state = compress(&state, block)?;
    }
    let mut out = Vec::with_capacity(32);
    for word in &state {
        let bits = word.bits()?;
        for k in (0..4).rev() {
            out.push(U8::from_bits_le(&bits.0[8 * k..8 * k + 8]));
        }
    }
    Ok(out)
}
