//! `PublicKeyVar::verify`: circomlib EdDSA-Poseidon verification in R1CS,
//! the same checks as the native [`zkroll_state::eddsa::PublicKey::verify`]:
//! `S < l` (S is witnessed as 251 bits compared with l - 1), R8 on the curve,
//! neither A nor R8 of small order, `hm = Poseidon(R8, A, msg)` decomposed
//! into its canonical 254 bits, and `S * Base8 == R8 + hm * (8 A)`.
//!
//! Verification can be switched off per slot (`enabled`, for Noop slots):
//! the key is then replaced by Base8 so the structural checks still hold
//! for a dummy witness, and only the final equation is conditional.

use ark_ec::AffineRepr;
use ark_r1cs_std::alloc::{AllocVar, AllocationMode};
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::groups::CurveVar;
use ark_r1cs_std::select::CondSelectGadget;
use num_bigint::BigUint;
use zkroll_state::babyjubjub::{base8, suborder, PointProjective};
use zkroll_state::eddsa::Signature;

use crate::babyjubjub::{enforce_not_small_order, enforce_on_curve, PointVar};
use crate::poseidon::PoseidonVar;
use crate::{Bool, ConstraintSystemRef, Fr, FrVar, SynthesisError};

/// Bits of S: the subgroup order l is below 2^251.
pub const S_BITS: usize = 251;

/// A public key as two coordinates (as stored in an account leaf).
#[derive(Clone)]
pub struct PublicKeyVar {
    /// x coordinate.
    pub x: FrVar,
    /// y coordinate.
    pub y: FrVar,
}

/// A signature: R8 as a point, S as little-endian bits.
#[derive(Clone)]
pub struct SignatureVar {
    /// The commitment point.
    pub r8: PointVar,
    /// S, 251 bits, little-endian, enforced `< l`.
    pub s_bits: Vec<Bool>,
}

impl SignatureVar {
    /// Allocates a signature as witnesses; `None` allocates the dummy
    /// `(Base8, 0)` used by disabled slots.
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        sig: Option<&Signature>,
    ) -> Result<Self, SynthesisError> {
        let (r8, s) = match sig {
            Some(sig) => (sig.r8, BigUint::from(sig.s)),
            None => (base8(), BigUint::from(0u8)),
        };
        let r8 = {
            // The allocation enforces the curve equation.
            crate::rule!("eddsa_r8_on_curve");
            PointVar::new_variable_omit_prime_order_check(
                cs.clone(),
                || Ok(r8.into_group()),
                AllocationMode::Witness,
            )?
        };
        let s_bits = (0..S_BITS)
            .map(|i| Bool::new_witness(cs.clone(), || Ok(s.bit(i as u64))))
            .collect::<Result<Vec<_>, _>>()?;
        crate::range::enforce_le_const(&s_bits, &(suborder() - 1u32))?;
        Ok(Self { r8, s_bits })
    }
}

/// `2^i * Base8` for i < 251, the fixed-base table of `S * Base8`.
fn base8_powers() -> Vec<PointProjective> {
    let mut p = base8().into_group();
    (0..S_BITS)
        .map(|_| {
            let cur = p;
            p = p + p;
            cur
        })
        .collect()
}

impl PublicKeyVar {
    /// Enforces that `sig` signs `msg` under this key when `enabled`.
    pub fn verify(
        &self,
        msg: &FrVar,
        sig: &SignatureVar,
        enabled: &Bool,
    ) -> Result<(), SynthesisError> {
        let b8 = base8();
        let x = FrVar::conditionally_select(enabled, &self.x, &FrVar::constant(b8.x))?;
        let y = FrVar::conditionally_select(enabled, &self.y, &FrVar::constant(b8.y))?;
        {
            crate::rule!("eddsa_key_on_curve");
            enforce_on_curve(&x, &y, &Bool::TRUE)?;
        }
        let a = PointVar::new(x.clone(), y.clone());
        {
            crate::rule!("eddsa_key_not_small_order");
            enforce_not_small_order(&a)?;
        }
        {
            crate::rule!("eddsa_r8_not_small_order");
            enforce_not_small_order(&sig.r8)?;
        }
        let hm = PoseidonVar::hash(&[sig.r8.x.clone(), sig.r8.y.clone(), x, y, msg.clone()])?;
        // The canonical (strict) bits, as circomlib's Num2Bits_strict: with
        // non-unique bits the prover could also use hm + r (when < 2^254), a
        // different multiple of the order-l point 8A, which the native
        // verifier would refuse.
        let hm_bits = crate::range::to_bits_le_strict(&hm)?;
        let a8 = a.double()?.double()?.double()?;
        let right = sig.r8.clone() + a8.scalar_mul_le(hm_bits.iter())?;
        let mut left = PointVar::zero();
        let table = base8_powers();
        left.precomputed_base_scalar_mul_le(sig.s_bits.iter().zip(table.iter()))?;
        crate::rule!("eddsa_signature_equation");
        left.conditional_enforce_equal(&right, enabled)
    }
}

impl PublicKeyVar {
    /// A key from a native point, allocated as witnesses.
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        pk: &zkroll_state::PublicKey,
    ) -> Result<Self, SynthesisError> {
        Ok(Self {
            x: FrVar::new_witness(cs.clone(), || Ok(pk.x()))?,
            y: FrVar::new_witness(cs, || Ok(pk.y()))?,
        })
    }
}
