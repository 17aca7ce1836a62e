//! float40 / float16 decoding in R1CS, mirroring [`zkroll_state::float`]:
//! `value = m * 10^e` with the exponent's five bits selecting powers
//! `10^(2^i)` (4 products) and one product with the mantissa.

use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;
use zkroll_state::float::DecimalFloat;

use crate::range::from_bits_le;
use crate::{Bool, Fr, FrVar, SynthesisError};

/// Decodes a packing given as its little-endian bits (`F::EXP_BITS +
/// F::MANT_BITS` of them). The value is below 2^35 * 10^31 < 2^139; callers
/// range-check what they do with it.
pub fn decode<F: DecimalFloat>(bits_le: &[Bool]) -> Result<FrVar, SynthesisError> {
    let m_bits = F::MANT_BITS as usize;
    if bits_le.len() != m_bits + F::EXP_BITS as usize {
        return Err(SynthesisError::Unsatisfiable);
    }
    let m = from_bits_le(&bits_le[..m_bits]);
    let mut pow = FrVar::one();
    let mut ten = Fr::from(10u64);
    for b in &bits_le[m_bits..] {
        // factor = b ? 10^(2^i) : 1, linear in b.
        let factor = FrVar::one() + FrVar::from(b.clone()) * (ten - Fr::from(1u64));
        pow = if pow.is_constant() {
            factor
        } else {
            &pow * &factor
        };
        ten = ten * ten;
    }
    Ok(&m * &pow)
}
