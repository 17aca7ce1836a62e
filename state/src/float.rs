//! Decimal floating-point packings of amounts in L2 pubdata: float40 for
//! amounts and float16 for fees.
//!
//! A packed value is `e << M | m` (exponent in the high bits), meaning
//! `m * 10^e`. float40: 5-bit exponent, 35-bit mantissa, 5 bytes big-endian.
//! float16: 5-bit exponent, 11-bit mantissa, 2 bytes big-endian. An amount
//! is accepted only if it is represented exactly; the encoder picks the
//! smallest exponent, but the circuit decodes any packing (the signature
//! covers the value, not its packing). A decoded value can exceed 2^128, so
//! every consumer range-checks the value it decodes.

/// A decimal float format: `EXP_BITS`-bit exponent over a `MANT_BITS`-bit mantissa.
pub trait DecimalFloat {
    /// Exponent bits.
    const EXP_BITS: u32;
    /// Mantissa bits.
    const MANT_BITS: u32;
    /// Packed size in bytes.
    const BYTES: usize = ((Self::EXP_BITS + Self::MANT_BITS) / 8) as usize;

    /// The packing of `value` with the smallest exponent, or `None` when no
    /// packing equals it exactly.
    fn encode(value: u128) -> Option<u64> {
        let max_m = (1u128 << Self::MANT_BITS) - 1;
        let max_e = (1u32 << Self::EXP_BITS) - 1;
        let mut m = value;
        let mut e = 0u32;
        while m > max_m {
            if !m.is_multiple_of(10) || e == max_e {
                return None;
            }
            m /= 10;
            e += 1;
        }
        Some(((e as u64) << Self::MANT_BITS) | m as u64)
    }

    /// The value of a packing, or `None` if it is wider than the format or
    /// its value does not fit in u128 (such a value can never be a balance
    /// change: balances are below 2^128).
    fn decode(packed: u64) -> Option<u128> {
        if packed >> (Self::EXP_BITS + Self::MANT_BITS) != 0 {
            return None;
        }
        let m = (packed & ((1u64 << Self::MANT_BITS) - 1)) as u128;
        let e = (packed >> Self::MANT_BITS) as u32;
        10u128.checked_pow(e)?.checked_mul(m)
    }

    /// The packing as big-endian bytes (`BYTES` long).
    fn to_bytes(packed: u64) -> Vec<u8> {
        packed.to_be_bytes()[8 - Self::BYTES..].to_vec()
    }

    /// Reads a big-endian packing of `BYTES` bytes.
    fn from_bytes(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64)
    }
}

/// 40-bit amount packing: 5-bit exponent, 35-bit mantissa.
pub struct Float40;
impl DecimalFloat for Float40 {
    const EXP_BITS: u32 = 5;
    const MANT_BITS: u32 = 35;
}

/// 16-bit fee packing: 5-bit exponent, 11-bit mantissa.
pub struct Float16;
impl DecimalFloat for Float16 {
    const EXP_BITS: u32 = 5;
    const MANT_BITS: u32 = 11;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_values_round_trip() {
        for v in [
            0u128,
            1,
            34_359_738_367,
            34_359_738_367 * 1000,
            10u128.pow(30),
            123_000_000_000_000_000_000,
        ] {
            let p = Float40::encode(v).unwrap();
            assert_eq!(Float40::decode(p), Some(v));
            assert_eq!(Float40::from_bytes(&Float40::to_bytes(p)), p);
        }
        assert_eq!(Float16::encode(2047), Some(2047));
        assert_eq!(Float16::encode(2048), None);
        assert_eq!(
            Float16::decode(Float16::encode(20470).unwrap()),
            Some(20470)
        );
    }

    #[test]
    fn inexact_values_are_refused() {
        assert_eq!(Float40::encode(34_359_738_369), None);
        assert_eq!(Float40::encode(u128::MAX), None);
        assert_eq!(Float16::encode(2049), None);
        assert_eq!(Float40::decode(1 << 40), None);
        // 35-bit mantissa * 10^31 overflows u128: decode says so.
        assert_eq!(Float40::decode((31u64 << 35) | ((1 << 35) - 1)), None);
    }
}
