//! The ChaCha20 generator of ffjavascript (`chacha.js`), which snarkjs seeds from a hash
//! in `keypair.hashToG2`. It is the ChaCha20 keystream (20 rounds, nonce 0) read as
//! 32-bit words, with a 128-bit block counter in words 12..16.

/// Deterministic word generator with ffjavascript's `nextU32` / `nextU64` / `nextBool`.
pub(crate) struct SnarkjsChaCha {
    state: [u32; 16],
    block: [u32; 16],
    idx: usize,
}

#[inline(always)]
fn quarter_round(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

impl SnarkjsChaCha {
    pub(crate) fn new(seed: [u32; 8]) -> Self {
        let mut state = [0u32; 16];
        state[..4].copy_from_slice(&[0x6170_7865, 0x3320_646E, 0x7962_2D32, 0x6B20_6574]);
        state[4..12].copy_from_slice(&seed);
        Self {
            state,
            block: [0; 16],
            idx: 16,
        }
    }

    /// snarkjs's seeding from a hash: `seed[i]` = big-endian u32 of `hash[4i..4i+4]`,
    /// i < 8 (only the first 32 bytes are used).
    pub(crate) fn from_hash(hash: &[u8; 64]) -> Self {
        let mut seed = [0u32; 8];
        for (i, w) in seed.iter_mut().enumerate() {
            *w = u32::from_be_bytes([
                hash[4 * i],
                hash[4 * i + 1],
                hash[4 * i + 2],
                hash[4 * i + 3],
            ]);
        }
        Self::new(seed)
    }

    fn refill(&mut self) {
        let mut b = self.state;
        for _ in 0..10 {
            quarter_round(&mut b, 0, 4, 8, 12);
            quarter_round(&mut b, 1, 5, 9, 13);
            quarter_round(&mut b, 2, 6, 10, 14);
            quarter_round(&mut b, 3, 7, 11, 15);
            quarter_round(&mut b, 0, 5, 10, 15);
            quarter_round(&mut b, 1, 6, 11, 12);
            quarter_round(&mut b, 2, 7, 8, 13);
            quarter_round(&mut b, 3, 4, 9, 14);
        }
        for (o, s) in b.iter_mut().zip(self.state.iter()) {
            *o = o.wrapping_add(*s);
        }
        self.block = b;
        self.idx = 0;
        // Counter with carry through words 12..16.
        for w in &mut self.state[12..16] {
            *w = w.wrapping_add(1);
            if *w != 0 {
                break;
            }
        }
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        if self.idx == 16 {
            self.refill();
        }
        let v = self.block[self.idx];
        self.idx += 1;
        v
    }

    /// The first word drawn is the HIGH half.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        let lo = u64::from(self.next_u32());
        (hi << 32) | lo
    }

    pub(crate) fn next_bool(&mut self) -> bool {
        self.next_u32() & 1 == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_00_to_3f() -> [u8; 64] {
        let mut h = [0u8; 64];
        for (i, b) in h.iter_mut().enumerate() {
            *b = i as u8;
        }
        h
    }

    /// Vector from ffjavascript's ChaCha (snarkjs-formats.md §6.4).
    #[test]
    fn snarkjs_vector() {
        let mut c = SnarkjsChaCha::from_hash(&hash_00_to_3f());
        assert_eq!(c.state[4], 0x0001_0203);
        assert_eq!(c.state[11], 0x1c1d_1e1f);
        let words: Vec<u32> = (0..4).map(|_| c.next_u32()).collect();
        assert_eq!(words, [0x6c40_c0b5, 0x0805_8281, 0xe830_f92a, 0x102e_c0de]);
    }

    /// The stream equals ChaCha20 with key = the seed words serialized little-endian.
    #[test]
    fn equals_rand_chacha_stream() {
        use rand::{RngCore, SeedableRng};
        let hash = hash_00_to_3f();
        let mut key = [0u8; 32];
        for i in 0..8 {
            key[4 * i..4 * i + 4].copy_from_slice(
                &u32::from_be_bytes([
                    hash[4 * i],
                    hash[4 * i + 1],
                    hash[4 * i + 2],
                    hash[4 * i + 3],
                ])
                .to_le_bytes(),
            );
        }
        let mut a = SnarkjsChaCha::from_hash(&hash);
        let mut b = rand_chacha::ChaCha20Rng::from_seed(key);
        for _ in 0..100 {
            assert_eq!(a.next_u32(), b.next_u32());
        }
    }

    #[test]
    fn counter_carries() {
        let mut c = SnarkjsChaCha::new([0; 8]);
        c.state[12] = u32::MAX;
        c.refill();
        assert_eq!(&c.state[12..], &[0, 1, 0, 0]);
    }
}
