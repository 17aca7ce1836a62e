//! The pubdata amount and fee floats (`zkroll_state::float`: float40,
//! float16): packed bytes and `u128` amounts.
//!
//! Input: 5 bytes float40 | 2 bytes float16 | up to 16 bytes of a u128
//! (big-endian; shorter inputs are zero-padded).
//!
//! Oracle: never a panic; bytes -> packed -> bytes is the identity; a
//! packing that decodes re-encodes (with the smallest exponent) to a
//! packing of the same value; an amount that encodes decodes back to
//! itself, and one that does not is not a mantissa times a power of ten
//! the format holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkroll_state::float::{DecimalFloat, Float16, Float40};

fn check<F: DecimalFloat>(bytes: &[u8], value: u128) {
    let packed = F::from_bytes(bytes);
    assert_eq!(F::to_bytes(packed), bytes, "bytes -> packed -> bytes");
    if let Some(v) = F::decode(packed) {
        let p2 = F::encode(v).expect("a decoded value encodes");
        assert_eq!(F::decode(p2), Some(v));
        assert!(
            p2 >> F::MANT_BITS <= packed >> F::MANT_BITS,
            "encode is not minimal"
        );
    }
    match F::encode(value) {
        Some(p) => {
            assert!(p >> (F::EXP_BITS + F::MANT_BITS) == 0, "packing too wide");
            assert_eq!(F::decode(p), Some(value), "encode -> decode");
            assert_eq!(F::from_bytes(&F::to_bytes(p)), p);
        }
        None => {
            // No exponent e <= max with value = m * 10^e, m < 2^MANT_BITS.
            let max_m = (1u128 << F::MANT_BITS) - 1;
            let mut v = value;
            for _ in 0..(1u32 << F::EXP_BITS) {
                assert!(v > max_m, "{value} is representable but did not encode");
                if v % 10 != 0 {
                    break;
                }
                v /= 10;
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 7 {
        return;
    }
    let mut v = [0u8; 16];
    let tail = &data[7..data.len().min(23)];
    v[16 - tail.len()..].copy_from_slice(tail);
    let value = u128::from_be_bytes(v);
    check::<Float40>(&data[..5], value);
    check::<Float16>(&data[5..7], value);
    // Any length: a caller with the wrong slice gets a value, not a panic.
    let _ = Float40::from_bytes(data);
});
