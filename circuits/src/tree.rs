//! `MerklePathVar`: the 4-ary membership path of [`zkroll_state::tree`] in
//! R1CS. [`MerklePathVar::roots`] hashes an old and a new leaf up the same
//! siblings, so one path both proves the pre-state and yields the post-state
//! root. The position selection is shared between the two: per level one
//! AND for the position flags, two products shared by both leaves, and four
//! per leaf, next to the two Poseidon (t = 5) hashes.

use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::prelude::Boolean;
use zkroll_state::tree::MerklePath;

use crate::poseidon::PoseidonVar;
use crate::{Bool, ConstraintSystemRef, Fr, FrVar, SynthesisError};

/// A membership path: three siblings per level, leaves first.
#[derive(Clone)]
pub struct MerklePathVar {
    /// `siblings[l]`, in position order with the path's own child removed.
    pub siblings: Vec<[FrVar; 3]>,
}

impl MerklePathVar {
    /// Allocates a path as witnesses.
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        path: &MerklePath,
    ) -> Result<Self, SynthesisError> {
        let siblings = path
            .siblings
            .iter()
            .map(|s| {
                Ok([
                    FrVar::new_witness(cs.clone(), || Ok(s[0]))?,
                    FrVar::new_witness(cs.clone(), || Ok(s[1]))?,
                    FrVar::new_witness(cs.clone(), || Ok(s[2]))?,
                ])
            })
            .collect::<Result<Vec<_>, SynthesisError>>()?;
        Ok(Self { siblings })
    }

    /// The root of `leaf` at the index whose little-endian bits are `idx_bits`
    /// (two per level), as [`MerklePath::root`].
    pub fn root(&self, idx_bits: &[Bool], leaf: &FrVar) -> Result<FrVar, SynthesisError> {
        Ok(self.roots(idx_bits, leaf, None)?.0)
    }

    /// The roots of `old` and (if given) `new` at the same index and siblings.
    pub fn roots(
        &self,
        idx_bits: &[Bool],
        old: &FrVar,
        new: Option<&FrVar>,
    ) -> Result<(FrVar, Option<FrVar>), SynthesisError> {
        if idx_bits.len() < 2 * self.siblings.len() {
            return Err(SynthesisError::Unsatisfiable);
        }
        let mut cur_old = old.clone();
        let mut cur_new = new.cloned();
        for (l, [s0, s1, s2]) in self.siblings.iter().enumerate() {
            let (b0, b1) = (&idx_bits[2 * l], &idx_bits[2 * l + 1]);
            let e3b: Boolean<Fr> = b0 & b1;
            let (fb0, fb1, e3) = (
                FrVar::from(b0.clone()),
                FrVar::from(b1.clone()),
                FrVar::from(e3b),
            );
            let e1 = &fb0 - &e3;
            let e2 = &fb1 - &e3;
            let e0 = FrVar::one() - &fb0 - &fb1 + &e3;
            let t01 = &e0 * (s0 - s1);
            let not_b1 = FrVar::one() - &fb1;
            let t12 = &not_b1 * (s1 - s2);
            let hash = |cur: &FrVar| -> Result<FrVar, SynthesisError> {
                let c0 = s0 + &e0 * (cur - s0);
                let c1 = s1 + &t01 + &e1 * (cur - s1);
                let c2 = s2 + &t12 + &e2 * (cur - s2);
                let c3 = s2 + &e3 * (cur - s2);
                PoseidonVar::hash(&[c0, c1, c2, c3])
            };
            cur_old = hash(&cur_old)?;
            if let Some(n) = cur_new.as_mut() {
                *n = hash(n)?;
            }
        }
        Ok((cur_old, cur_new))
    }
}
