//! `PoseidonVar`: circomlib's Poseidon in R1CS, step for step the native
//! [`zkroll_state::poseidon`] permutation over the same [`PoseidonParams`]:
//! state `[0, in..]`, add round constants, x^5 on all elements in full rounds
//! and on `state[0]` in partial rounds, MDS; output `state[0]`. Each x^5 costs
//! 3 constraints; additions and the MDS are linear and free, so t inputs + 1
//! cost `3 (8 t + partial_rounds)` (t = 5: 300).
//!
//! [`PoseidonParams`]: zkroll_state::poseidon::PoseidonParams

use ark_r1cs_std::fields::FieldVar;
use zkroll_state::poseidon::Poseidon;

use crate::{FrVar, SynthesisError};

/// The Poseidon gadget.
pub struct PoseidonVar;

fn pow5(x: &FrVar) -> Result<FrVar, SynthesisError> {
    let x2 = x.square()?;
    let x4 = x2.square()?;
    Ok(x4 * x)
}

impl PoseidonVar {
    /// Hashes 1 to 6 field variables exactly as [`Poseidon::hash`].
    pub fn hash(inputs: &[FrVar]) -> Result<FrVar, SynthesisError> {
        let p = Poseidon::params(inputs.len()).map_err(|_| SynthesisError::Unsatisfiable)?;
        let t = p.t;
        let half_full = p.full_rounds / 2;
        let mut state: Vec<FrVar> = std::iter::once(FrVar::zero())
            .chain(inputs.iter().cloned())
            .collect();
        for r in 0..p.full_rounds + p.partial_rounds {
            for (s, c) in state.iter_mut().zip(&p.round_constants[r * t..(r + 1) * t]) {
                *s += *c;
            }
            if r < half_full || r >= half_full + p.partial_rounds {
                for s in state.iter_mut() {
                    *s = pow5(s)?;
                }
            } else {
                state[0] = pow5(&state[0])?;
            }
            state = p
                .mds
                .iter()
                .map(|row| {
                    row.iter()
                        .zip(&state)
                        .fold(FrVar::zero(), |acc, (m, s)| acc + s * *m)
                })
                .collect();
        }
        Ok(state.swap_remove(0))
    }
}
