//! BLAKE2b-512 (RFC 7693, unkeyed, 64-byte output) whose running state can be
//! exported in the 216-byte `partialHash` layout of snarkjs (`misc.toPartialHash`).
//!
//! The buffering follows @noble/hashes, which snarkjs uses: a full 128-byte block is
//! only compressed once more input arrives, because the last block gets the final flag.
//! So after `M > 0` bytes the buffer holds `((M - 1) mod 128) + 1` bytes. The digests are
//! plain BLAKE2b-512 (the tests compare them with the `blake2` crate).

const IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

const SIGMA: [[usize; 16]; 12] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
];

const BLOCK: usize = 128;

/// Size of the serialized state (`partialHash` in a ptau contribution record).
pub(crate) const PARTIAL_HASH_SIZE: usize = 216;

#[derive(Clone)]
pub(crate) struct Blake2b512 {
    h: [u64; 8],
    buf: [u8; BLOCK],
    /// Bytes in `buf` (noble's `pos`), 0..=128.
    pos: usize,
    /// Bytes already compressed (noble's `length - pos`).
    compressed: u128,
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn g(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

/// The compression function F; `block` is exactly 128 bytes, `t` counts all bytes
/// hashed up to and including this block.
fn compress(h: &mut [u64; 8], block: &[u8], t: u128, last: bool) {
    let mut m = [0u64; 16];
    for (w, chunk) in m.iter_mut().zip(block.chunks_exact(8)) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        *w = u64::from_le_bytes(bytes);
    }
    let mut v = [0u64; 16];
    v[..8].copy_from_slice(h);
    v[8..].copy_from_slice(&IV);
    v[12] ^= t as u64;
    v[13] ^= (t >> 64) as u64;
    if last {
        v[14] = !v[14];
    }
    for s in &SIGMA {
        g(&mut v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
        g(&mut v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
        g(&mut v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
        g(&mut v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
        g(&mut v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
        g(&mut v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
        g(&mut v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
        g(&mut v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for i in 0..8 {
        h[i] ^= v[i] ^ v[i + 8];
    }
}

impl Blake2b512 {
    pub(crate) fn new() -> Self {
        let mut h = IV;
        // Parameter block: digest length 64, key length 0, fanout 1, depth 1.
        h[0] ^= 0x0101_0040;
        Self {
            h,
            buf: [0; BLOCK],
            pos: 0,
            compressed: 0,
        }
    }

    pub(crate) fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.pos == BLOCK {
                self.compressed += BLOCK as u128;
                compress(&mut self.h, &self.buf, self.compressed, false);
                self.pos = 0;
            }
            if self.pos == 0 {
                // Compress whole blocks straight from the input, keeping at least one byte
                // back so that the final block stays in the buffer.
                while data.len() > BLOCK {
                    self.compressed += BLOCK as u128;
                    compress(&mut self.h, &data[..BLOCK], self.compressed, false);
                    data = &data[BLOCK..];
                }
            }
            let take = (BLOCK - self.pos).min(data.len());
            self.buf[self.pos..self.pos + take].copy_from_slice(&data[..take]);
            self.pos += take;
            data = &data[take..];
        }
    }

    pub(crate) fn finalize(mut self) -> [u8; 64] {
        self.compressed += self.pos as u128;
        self.buf[self.pos..].fill(0);
        compress(&mut self.h, &self.buf, self.compressed, true);
        let mut out = [0u8; 64];
        for (chunk, w) in out.chunks_exact_mut(8).zip(self.h.iter()) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// The state in snarkjs's `partialHash` layout: `[0,128)` the block buffer (only the
    /// first `pos` bytes are meaningful; the rest is written as zeros), `[128,192)` h[0..8]
    /// as u64 LE, `[192,200)` u64 LE bytes compressed so far (noble `length - pos`),
    /// `[200,208)` u64 LE `pos`, `[208,216)` zero. `misc.fromPartialHash` reads it back.
    pub(crate) fn partial_state(&self) -> [u8; PARTIAL_HASH_SIZE] {
        let mut out = [0u8; PARTIAL_HASH_SIZE];
        out[..self.pos].copy_from_slice(&self.buf[..self.pos]);
        for (chunk, w) in out[128..192].chunks_exact_mut(8).zip(self.h.iter()) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        // A ptau hashes far less than 2^64 bytes; the cast keeps the low 64 bits.
        out[192..200].copy_from_slice(&(self.compressed as u64).to_le_bytes());
        out[200..208].copy_from_slice(&(self.pos as u64).to_le_bytes());
        out
    }
}

#[cfg(test)]
impl Blake2b512 {
    /// What snarkjs's `misc.fromPartialHash` does: rebuild a hasher from the 216 bytes.
    pub(crate) fn from_partial_state(s: &[u8; PARTIAL_HASH_SIZE]) -> Self {
        let rd = |o: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&s[o..o + 8]);
            u64::from_le_bytes(b)
        };
        let mut h = [0u64; 8];
        for (i, w) in h.iter_mut().enumerate() {
            *w = rd(128 + 8 * i);
        }
        let mut buf = [0u8; BLOCK];
        buf.copy_from_slice(&s[..BLOCK]);
        Self {
            h,
            buf,
            pos: rd(200) as usize,
            compressed: u128::from(rd(192)),
        }
    }
}

/// BLAKE2b-512 of the concatenation of `parts`.
pub(crate) fn blake2b512(parts: &[&[u8]]) -> [u8; 64] {
    let mut h = Blake2b512::new();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use blake2::Digest;

    fn reference(data: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(&blake2::Blake2b512::digest(data));
        out
    }

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + 3) as u8).collect()
    }

    #[test]
    fn matches_blake2_crate() {
        for len in [0, 1, 63, 64, 127, 128, 129, 255, 256, 257, 1000, 4096] {
            let d = data(len);
            assert_eq!(blake2b512(&[&d]), reference(&d), "len {len}");
        }
    }

    #[test]
    fn matches_blake2_crate_in_pieces() {
        let d = data(1000);
        for split in [0, 1, 127, 128, 129, 256, 999, 1000] {
            let (a, b) = d.split_at(split);
            assert_eq!(blake2b512(&[a, b]), reference(&d), "split {split}");
        }
        let mut h = Blake2b512::new();
        for chunk in d.chunks(13) {
            h.update(chunk);
        }
        assert_eq!(h.finalize(), reference(&d));
    }

    #[test]
    fn empty_digest_known_answer() {
        // BLAKE2b-512("") from RFC 7693 / the reference implementation.
        assert_eq!(
            blake2b512(&[])[..8],
            [0x78, 0x6a, 0x02, 0xf7, 0x42, 0x01, 0x59, 0x03]
        );
    }

    #[test]
    fn partial_state_resumes() {
        for (len, tail) in [
            (0usize, 768usize),
            (96, 768),
            (128, 5),
            (129, 0),
            (49248, 768),
        ] {
            let d = data(len + tail);
            let mut h = Blake2b512::new();
            h.update(&d[..len]);
            let mut resumed = Blake2b512::from_partial_state(&h.partial_state());
            resumed.update(&d[len..]);
            assert_eq!(resumed.finalize(), reference(&d), "len {len} tail {tail}");
        }
    }

    /// noble-style buffering: the state after M bytes keeps ((M-1) mod 128)+1 bytes.
    #[test]
    fn partial_state_layout() {
        for (len, pos) in [
            (0usize, 0usize),
            (1, 1),
            (128, 128),
            (129, 1),
            (256, 128),
            (300, 44),
        ] {
            let d = data(len);
            let mut h = Blake2b512::new();
            h.update(&d);
            let s = h.partial_state();
            let rd = |o: usize| {
                let mut b = [0u8; 8];
                b.copy_from_slice(&s[o..o + 8]);
                u64::from_le_bytes(b) as usize
            };
            assert_eq!(rd(200), pos, "pos for len {len}");
            assert_eq!(rd(192), len - pos, "compressed for len {len}");
            assert_eq!(&s[..pos], &d[len - pos..]);
        }
    }
}
