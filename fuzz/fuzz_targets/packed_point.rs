//! circomlibjs packed points and signatures (`zkroll_state::babyjubjub`
//! `decompress` / `decompress_reduced`, `PublicKey::decompress`,
//! `Signature::from_bytes`).
//!
//! Input: 32 bytes (a packed point) or 64 (a packed signature; its first
//! 32 are also read as a point).
//!
//! Oracle: never a panic; a point that decompresses is on the curve and
//! compresses back to the input bytes (to their reduction mod r for
//! `decompress_reduced`); a signature that unpacks packs back to the input.
#![no_main]

use ark_ff::{BigInteger, PrimeField};
use libfuzzer_sys::fuzz_target;
use num_bigint::BigUint;
use zkroll_state::babyjubjub::{compress, decompress, decompress_reduced};
use zkroll_state::field::Fr;
use zkroll_state::{PublicKey, Signature};

/// The bytes with y (low 255 bits, little-endian) reduced mod r.
fn reduced(b: &[u8; 32]) -> [u8; 32] {
    let mut y = *b;
    y[31] &= 0x7f;
    let f = Fr::from(BigUint::from_bytes_le(&y));
    let mut out = [0u8; 32];
    let le = f.into_bigint().to_bytes_le();
    out[..le.len()].copy_from_slice(&le);
    out[31] |= b[31] & 0x80;
    out
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 32 {
        return;
    }
    let mut b = [0u8; 32];
    b.copy_from_slice(&data[..32]);

    if let Ok(p) = decompress(&b) {
        assert!(p.is_on_curve());
        assert_eq!(
            compress(&p),
            b,
            "decompress -> compress is not the identity"
        );
    }
    if let Ok(p) = decompress_reduced(&b) {
        assert!(p.is_on_curve());
        assert_eq!(compress(&p), reduced(&b), "reduced decompress -> compress");
        assert_eq!(decompress(&compress(&p)), Ok(p));
    }
    if let Ok(k) = PublicKey::decompress(&b) {
        assert_eq!(k.compress(), b);
    }
    if data.len() >= 64 {
        let mut s = [0u8; 64];
        s.copy_from_slice(&data[..64]);
        if let Ok(sig) = Signature::from_bytes(&s) {
            assert_eq!(sig.to_bytes(), s, "unpack -> pack is not the identity");
        }
    }
});
