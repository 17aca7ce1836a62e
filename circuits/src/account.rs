//! `AccountVar`: an account leaf in R1CS, hashed as the native
//! [`zkroll_state::Account::hash`]. Leaf fields are not range-checked when
//! read: every non-empty leaf was written by a batch circuit that checked
//! its ranges (token, nonce < 2^32, balance < 2^128), and the leaf hash
//! binds the fields exactly.

use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::select::CondSelectGadget;
use zkroll_state::Account;

use crate::poseidon::PoseidonVar;
use crate::{Bool, ConstraintSystemRef, Fr, FrVar, SynthesisError};

/// The five leaf fields.
#[derive(Clone)]
pub struct AccountVar {
    /// Token.
    pub token: FrVar,
    /// Nonce.
    pub nonce: FrVar,
    /// Balance.
    pub balance: FrVar,
    /// Key x.
    pub pk_x: FrVar,
    /// Key y.
    pub pk_y: FrVar,
}

impl AccountVar {
    /// Allocates an account's fields (zeros for an empty leaf).
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        a: Option<&Account>,
    ) -> Result<Self, SynthesisError> {
        let f = |v: Fr| FrVar::new_witness(cs.clone(), || Ok(v));
        let z = Fr::from(0u64);
        Ok(Self {
            token: f(a.map_or(z, |a| Fr::from(a.token)))?,
            nonce: f(a.map_or(z, |a| Fr::from(a.nonce)))?,
            balance: f(a.map_or(z, |a| Fr::from(a.balance)))?,
            pk_x: f(a.map_or(z, |a| a.pubkey.x()))?,
            pk_y: f(a.map_or(z, |a| a.pubkey.y()))?,
        })
    }

    /// `Poseidon(token, nonce, balance, pk_x, pk_y)`.
    pub fn hash(&self) -> Result<FrVar, SynthesisError> {
        PoseidonVar::hash(&[
            self.token.clone(),
            self.nonce.clone(),
            self.balance.clone(),
            self.pk_x.clone(),
            self.pk_y.clone(),
        ])
    }

    /// The leaf value: 0 when `empty`, else the hash (native `leaf_hash`).
    pub fn leaf(&self, empty: &Bool) -> Result<FrVar, SynthesisError> {
        FrVar::conditionally_select(empty, &FrVar::zero(), &self.hash()?)
    }
}
