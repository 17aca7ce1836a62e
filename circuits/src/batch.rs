//! `BatchCircuit`: proves that a [`BatchWitness`] is a valid execution of
//! [`zkroll_state::batch::apply_batch`] from the header's old root to its new
//! root, exposing one public input: the pubdata commitment.
//!
//! Every operation field is read from the witnessed pubdata bytes, the same
//! bytes the commitment hashes, so nothing the circuit checks can differ from
//! what L1 sees. The circuit's shape depends only on the [`BatchConfig`]'s
//! shape; [`BatchCircuit::blank`] builds it for setup.
//!
//! Per L1 slot: type flags (Noop / DepositNew / Deposit / ForcedExit), the
//! failure bit the native code would set (index out of range, occupied,
//! key does not decompress, empty account, token mismatch, overflow), which
//! must equal the published status, the new leaf, and one Merkle update
//! that is always checked (a failed or Noop slot writes the old leaf back).
//!
//! Per L2 slot: type flags (Noop / Transfer / Withdraw), float decoding,
//! the signature over `Poseidon(separator, from, to, amount, fee, nonce)` with
//! the leaf's nonce, the fee rule, the 128-bit range of both new balances
//! (which is the insufficient-balance and overflow check: a debit below
//! zero wraps to >= r - 2^140), the nonce range, token equality, then the
//! debit update of `from` and, for a Transfer, the credit update of `to`.
//!
//! Finally the summed fees are credited to the fee account, the root must
//! equal the header's new root, L1 slots must be a prefix of `l1_count`
//! operations, both header roots must be canonical encodings, and the
//! commitment must equal the public input.

use ark_ff::{Field, Zero};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::select::CondSelectGadget;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef};
use zkroll_state::babyjubjub::base8;
use zkroll_state::batch::{BatchConfig, BatchWitness, FeeWitness, L1SlotWitness, L2SlotWitness};
use zkroll_state::domain::{ADDRESS_BITS, OP_TYPE_BITS};
use zkroll_state::float::{Float16, Float40};
use zkroll_state::pubdata::{header, L1Slot, L2Slot, HEADER_BYTES, L1_SLOT_BYTES, L2_SLOT_BYTES};
use zkroll_state::tree::MerklePath;
use zkroll_state::{Account, PublicKey};

use crate::account::AccountVar;
use crate::babyjubjub::decompress;
use crate::eddsa::{PublicKeyVar, SignatureVar};
use crate::float::decode;
use crate::poseidon::PoseidonVar;
use crate::pubdata::{IntVar, PubdataVar};
use crate::range::{enforce_bits, enforce_le_const, from_bits_le};
use crate::tree::MerklePathVar;
use crate::{rule, Bool, Fr, FrVar, SynthesisError};

/// The batch circuit for one witness.
#[derive(Clone)]
pub struct BatchCircuit {
    /// The witness (or [`BatchCircuit::blank`]'s placeholder).
    pub witness: BatchWitness,
}

impl BatchCircuit {
    /// The circuit proving `witness`.
    pub fn new(witness: BatchWitness) -> Self {
        Self { witness }
    }

    /// A placeholder witness of the right shape, for setup: all slots Noop,
    /// zero paths. It need not satisfy the circuit.
    pub fn blank(config: &BatchConfig) -> Self {
        let depth = config.shape.depth as usize;
        let path = MerklePath {
            siblings: vec![[Fr::zero(); 3]; depth],
        };
        let dummy = Account::new(0, 0, PublicKey::from_point(base8()));
        let witness = BatchWitness {
            config: *config,
            batch_number: 0,
            old_root: Fr::zero(),
            l1: vec![
                L1SlotWitness {
                    slot: L1Slot::NOOP,
                    pubkey: None,
                    failure: None,
                    before: None,
                    path: path.clone(),
                    root_after: Fr::zero(),
                };
                config.shape.l1_slots
            ],
            l2: vec![
                L2SlotWitness {
                    slot: L2Slot::NOOP,
                    amount: 0,
                    fee: 0,
                    nonce: 0,
                    signature: None,
                    from_before: None,
                    from_path: path.clone(),
                    to_before: None,
                    to_path: path.clone(),
                    root_after: Fr::zero(),
                };
                config.shape.l2_slots
            ],
            fee: FeeWitness {
                before: dummy,
                path,
                total: 0,
            },
            new_root: Fr::zero(),
            l1_next: 0,
            pubdata: vec![0u8; config.shape.pubdata_len()],
            public_input: Fr::zero(),
        };
        Self { witness }
    }

    /// The public inputs a proof of this circuit is verified against.
    pub fn public_inputs(&self) -> Vec<Fr> {
        vec![self.witness.public_input]
    }
}

/// Reads a header root: 32 big-endian bytes that must encode a canonical
/// field element (top two bits zero, value < r), so L1 stores the one
/// encoding an exodus Merkle proof will hash to.
fn canonical_root(pd: &PubdataVar, offset: usize) -> Result<FrVar, SynthesisError> {
    let bits = pd.bits_be_int(offset, 32)?;
    rule!("header_root_canonical");
    from_bits_le(&bits[254..]).enforce_equal(&FrVar::zero())?;
    enforce_le_const(&bits[..254], &(zkroll_state::field::modulus() - 1u32))?;
    Ok(from_bits_le(&bits[..254]))
}

/// Splits index bits into the path bits (2 * depth) and the sum of the rest.
fn index_bits(idx: &IntVar, depth: usize) -> (Vec<Bool>, FrVar) {
    let (low, high) = idx.bits_le.split_at(2 * depth);
    (low.to_vec(), from_bits_le(high))
}

struct Ctx<'a> {
    cs: ConstraintSystemRef<Fr>,
    pd: &'a PubdataVar,
    depth: usize,
}

impl Ctx<'_> {
    fn not(b: &Bool) -> Bool {
        !b.clone()
    }

    /// One L1 slot; returns (root after, non-Noop flag).
    fn l1_slot(
        &self,
        i: usize,
        s: &L1SlotWitness,
        root: &FrVar,
        next_noop: Option<&Bool>,
    ) -> Result<(FrVar, Bool, Bool), SynthesisError> {
        let _span = tracing::info_span!(target: "gr1cs", "l1_slot", slot = i).entered();
        let cs = self.cs.clone();
        let o = HEADER_BYTES + i * L1_SLOT_BYTES;
        let pd = self.pd;
        let ty = pd.int(o, 1)?;
        let status = pd.int(o + 1, 1)?;
        let idx = pd.int(o + 2, 4)?;
        let token = pd.int(o + 6, 4)?;
        let amount = pd.int(o + 10, 16)?;
        let key_bits = pd.bits_le_int(o + 26, 32)?;

        // Type: 0..=3, flags from the two low bits.
        let (b0, b1) = (ty.bits_le[0].clone(), ty.bits_le[1].clone());
        {
            rule!("l1_type_known");
            from_bits_le(&ty.bits_le[2..]).enforce_equal(&FrVar::zero())?;
        }
        let fe = &b0 & &b1;
        let dn = &b0 & &Self::not(&b1);
        let dep = &Self::not(&b0) & &b1;
        let nonnoop = &b0 | &b1;
        {
            rule!("l1_noop_slot_is_zero");
            let sum = pd.byte_sum(o, L1_SLOT_BYTES)?;
            sum.conditional_enforce_equal(&FrVar::zero(), &Self::not(&nonnoop))?;
        }
        if let Some(next) = next_noop {
            rule!("l1_ops_are_a_prefix");
            // A Noop slot is never followed by an operation.
            (&Self::not(&nonnoop) & &Self::not(next)).enforce_equal(&Bool::FALSE)?;
        }
        {
            rule!("l1_status_is_a_bit");
            from_bits_le(&status.bits_le[1..]).enforce_equal(&FrVar::zero())?;
        }

        let (path_bits, high) = index_bits(&idx, self.depth);
        let out_of_range = Self::not(&high.is_zero()?);
        let empty = Bool::new_witness(cs.clone(), || Ok(s.before.is_none()))?;
        let old = AccountVar::new_witness(cs.clone(), s.before.as_ref())?;
        let old_leaf = old.leaf(&empty)?;
        let token_eq = token.value.is_eq(&old.token)?;
        let sum = &old.balance + &amount.value;
        let sum_bits = crate::range::bits_le(cs.clone(), &sum, 129)?;
        let overflow = sum_bits[128].clone();

        // DepositNew's key: y from the low 255 bits (mod r), sign from bit 255.
        let y = from_bits_le(&key_bits[..255]);
        let (x, key_ok) = decompress(cs.clone(), &y, &key_bits[255])?;
        {
            // Byte-wise: the sum of 32 bytes is at most 32 * 255, far below r,
            // so it is zero only when every byte is (packing the 256 bits into
            // one element would let the encodings of k * r pass).
            rule!("l1_key_only_for_deposit_new");
            let key_sum = pd.byte_sum(o + 26, 32)?;
            key_sum.conditional_enforce_equal(&FrVar::zero(), &Self::not(&dn))?;
        }

        // A small-order key could be signed for by anyone (and no L2
        // operation from it is accepted), so DepositNew fails on one and L1
        // refunds the deposit. Off the curve, Base8 stands in for the check.
        let small_key = {
            let b8 = base8();
            let px = FrVar::conditionally_select(&key_ok, &x, &FrVar::constant(b8.x))?;
            let py = FrVar::conditionally_select(&key_ok, &y, &FrVar::constant(b8.y))?;
            crate::babyjubjub::is_small_order(&crate::babyjubjub::PointVar::new(px, py))?
        };
        let fail_dn = &dn & &(&(&Self::not(&empty) | &Self::not(&key_ok)) | &small_key);
        let bad_account = &empty | &Self::not(&token_eq);
        let fail_dep = &dep & &(&bad_account | &overflow);
        let fail_fe = &fe & &bad_account;
        let failed = &(&(&nonnoop & &out_of_range) | &fail_dn) | &(&fail_dep | &fail_fe);
        {
            rule!("l1_status_matches_outcome");
            failed.enforce_equal(&status.bits_le[0])?;
        }
        let success = &nonnoop & &Self::not(&failed);

        // The exited amount is published: the balance, or 0 if failed.
        {
            rule!("l1_forced_exit_amount");
            let exited = FrVar::conditionally_select(&success, &old.balance, &FrVar::zero())?;
            amount.value.conditional_enforce_equal(&exited, &fe)?;
        }
        let new_balance = FrVar::conditionally_select(
            &dn,
            &amount.value,
            &FrVar::conditionally_select(
                &dep,
                &sum,
                &FrVar::conditionally_select(&fe, &FrVar::zero(), &old.balance)?,
            )?,
        )?;
        let new = AccountVar {
            token: FrVar::conditionally_select(&dn, &token.value, &old.token)?,
            nonce: FrVar::conditionally_select(&dn, &FrVar::zero(), &old.nonce)?,
            balance: new_balance,
            pk_x: FrVar::conditionally_select(&dn, &x, &old.pk_x)?,
            pk_y: FrVar::conditionally_select(&dn, &y, &old.pk_y)?,
        };
        let new_leaf = FrVar::conditionally_select(&success, &new.hash()?, &old_leaf)?;
        let path = MerklePathVar::new_witness(cs.clone(), &s.path)?;
        let (old_root, new_root) = path.roots(&path_bits, &old_leaf, Some(&new_leaf))?;
        {
            rule!("l1_path_proves_old_leaf");
            old_root.enforce_equal(root)?;
        }
        let new_root = new_root.ok_or(SynthesisError::Unsatisfiable)?;
        {
            rule!("l1_intermediate_root");
            FrVar::new_witness(cs, || Ok(s.root_after))?.enforce_equal(&new_root)?;
        }
        Ok((new_root, nonnoop.clone(), Self::not(&nonnoop)))
    }

    /// One L2 slot; returns (root after, fee).
    fn l2_slot(
        &self,
        j: usize,
        o: usize,
        s: &L2SlotWitness,
        root: &FrVar,
        domain: &FrVar,
        fee_token: &FrVar,
    ) -> Result<(FrVar, FrVar), SynthesisError> {
        let _span = tracing::info_span!(target: "gr1cs", "l2_slot", slot = j).entered();
        let cs = self.cs.clone();
        let pd = self.pd;
        let ty = pd.int(o, 1)?;
        let from = pd.int(o + 1, 4)?;
        let to = pd.int(o + 5, 4)?;
        let amount_packed = pd.int(o + 9, 5)?;
        let fee_packed = pd.int(o + 14, 2)?;

        // Type: 0 (Noop), 4 (Transfer) or 5 (Withdraw): bits 1 and 3..8 zero,
        // bit 0 only with bit 2.
        let (b0, b2) = (ty.bits_le[0].clone(), ty.bits_le[2].clone());
        {
            rule!("l2_type_known");
            (from_bits_le(&ty.bits_le[3..]) + FrVar::from(ty.bits_le[1].clone()))
                .enforce_equal(&FrVar::zero())?;
            (&b0 & &Self::not(&b2)).enforce_equal(&Bool::FALSE)?;
        }
        let enabled = b2.clone();
        let withdraw = b0.clone();
        let transfer = &b2 & &Self::not(&b0);
        {
            rule!("l2_noop_slot_is_zero");
            let sum = pd.byte_sum(o, L2_SLOT_BYTES)?;
            sum.conditional_enforce_equal(&FrVar::zero(), &Self::not(&enabled))?;
        }
        {
            rule!("l2_withdraw_to_is_zero");
            to.value
                .conditional_enforce_equal(&FrVar::zero(), &withdraw)?;
        }
        let (from_bits, from_high) = index_bits(&from, self.depth);
        let (to_bits, to_high) = index_bits(&to, self.depth);
        {
            rule!("l2_index_in_tree");
            from_high.enforce_equal(&FrVar::zero())?;
            to_high.enforce_equal(&FrVar::zero())?;
        }
        let amount = decode::<Float40>(&amount_packed.bits_le)?;
        let fee = decode::<Float16>(&fee_packed.bits_le)?;

        let from_acc = AccountVar::new_witness(cs.clone(), s.from_before.as_ref())?;
        let from_leaf = from_acc.hash()?;

        // Signature over the message with the account's current nonce; the
        // separator is the header's domain (shifted) plus the op type.
        let separator = domain + &ty.value;
        let msg = PoseidonVar::hash(&[
            separator,
            from.value.clone(),
            to.value.clone(),
            amount.clone(),
            fee.clone(),
            from_acc.nonce.clone(),
        ])?;
        let sig = SignatureVar::new_witness(cs.clone(), s.signature.as_ref())?;
        let pk = PublicKeyVar {
            x: from_acc.pk_x.clone(),
            y: from_acc.pk_y.clone(),
        };
        {
            let _s = tracing::info_span!(target: "gr1cs", "l2_signature").entered();
            pk.verify(&msg, &sig, &enabled)?;
        }
        {
            rule!("l2_fee_on_foreign_token");
            (&fee * (&from_acc.token - fee_token)).enforce_equal(&FrVar::zero())?;
        }
        let new_nonce = &from_acc.nonce + FrVar::from(enabled.clone());
        {
            rule!("l2_nonce_range");
            enforce_bits(cs.clone(), &new_nonce, 32)?;
        }
        let from_balance = &from_acc.balance - &amount - &fee;
        {
            rule!("l2_balance_covers_amount_and_fee");
            enforce_bits(cs.clone(), &from_balance, 128)?;
        }
        let debited = AccountVar {
            nonce: new_nonce,
            balance: from_balance,
            ..from_acc.clone()
        };
        let from_path = MerklePathVar::new_witness(cs.clone(), &s.from_path)?;
        let (old1, new1) = from_path.roots(&from_bits, &from_leaf, Some(&debited.hash()?))?;
        {
            rule!("l2_from_path_proves_leaf");
            old1.conditional_enforce_equal(root, &enabled)?;
        }
        let new1 = new1.ok_or(SynthesisError::Unsatisfiable)?;
        let root1 = FrVar::conditionally_select(&enabled, &new1, root)?;

        let to_acc = AccountVar::new_witness(cs.clone(), s.to_before.as_ref())?;
        {
            rule!("l2_token_mismatch");
            (&from_acc.token - &to_acc.token)
                .conditional_enforce_equal(&FrVar::zero(), &transfer)?;
        }
        let to_balance = &to_acc.balance + &amount;
        {
            rule!("l2_to_balance_overflow");
            let checked = FrVar::conditionally_select(&transfer, &to_balance, &FrVar::zero())?;
            enforce_bits(cs.clone(), &checked, 128)?;
        }
        let credited = AccountVar {
            balance: to_balance,
            ..to_acc.clone()
        };
        let to_path = MerklePathVar::new_witness(cs.clone(), &s.to_path)?;
        let (old2, new2) = to_path.roots(&to_bits, &to_acc.hash()?, Some(&credited.hash()?))?;
        {
            rule!("l2_to_path_proves_leaf");
            old2.conditional_enforce_equal(&root1, &transfer)?;
        }
        let new2 = new2.ok_or(SynthesisError::Unsatisfiable)?;
        let root2 = FrVar::conditionally_select(&transfer, &new2, &root1)?;
        {
            rule!("l2_intermediate_root");
            FrVar::new_witness(cs, || Ok(s.root_after))?.enforce_equal(&root2)?;
        }
        Ok((root2, fee))
    }
}

impl ConstraintSynthesizer<Fr> for BatchCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let w = &self.witness;
        let shape = w.config.shape;
        let depth = shape.depth as usize;
        if w.pubdata.len() != shape.pubdata_len()
            || w.l1.len() != shape.l1_slots
            || w.l2.len() != shape.l2_slots
            || w.l1.iter().any(|s| s.path.siblings.len() != depth)
            || w.l2
                .iter()
                .any(|s| s.from_path.siblings.len() != depth || s.to_path.siblings.len() != depth)
            || w.fee.path.siblings.len() != depth
        {
            return Err(SynthesisError::Unsatisfiable);
        }
        let public = FrVar::new_input(cs.clone(), || Ok(w.public_input))?;
        let pd = PubdataVar::new_witness(cs.clone(), &w.pubdata)?;
        let ctx = Ctx {
            cs: cs.clone(),
            pd: &pd,
            depth,
        };

        // The deployment's part of every separator (zkroll_state::domain):
        // chain_id * 2^168 + rollup * 2^8, read from the header.
        let chain_id = pd.int(header::CHAIN_ID, header::ROLLUP - header::CHAIN_ID)?;
        let rollup = pd.int(header::ROLLUP, header::BATCH_NUMBER - header::ROLLUP)?;
        let shift = |bits: u32| Fr::from(2u64).pow([u64::from(bits)]);
        let domain = &chain_id.value * shift(ADDRESS_BITS + OP_TYPE_BITS)
            + &rollup.value * shift(OP_TYPE_BITS);
        let old_root = canonical_root(&pd, header::OLD_ROOT)?;
        let new_root = canonical_root(&pd, header::NEW_ROOT)?;
        let fee_account = pd.int(header::FEE_ACCOUNT, header::L1_COUNT - header::FEE_ACCOUNT)?;
        let l1_count = pd.int(header::L1_COUNT, header::END - header::L1_COUNT)?;

        // The fee account's leaf as it is before the final credit; its token
        // is fixed since creation, so the fee rule can use it in every slot.
        let fee_acc = AccountVar::new_witness(cs.clone(), Some(&w.fee.before))?;

        let mut root = old_root;
        let mut count = FrVar::zero();
        // The prefix rule looks one slot ahead: read the next slot's type first.
        let next_noop: Vec<Option<Bool>> = (0..shape.l1_slots)
            .map(|i| {
                if i + 1 < shape.l1_slots {
                    let t = pd.int(HEADER_BYTES + (i + 1) * L1_SLOT_BYTES, 1)?;
                    Ok(Some(!(&t.bits_le[0] | &t.bits_le[1])))
                } else {
                    Ok(None)
                }
            })
            .collect::<Result<_, SynthesisError>>()?;
        for (i, s) in w.l1.iter().enumerate() {
            let (r, nonnoop, _) = ctx.l1_slot(i, s, &root, next_noop[i].as_ref())?;
            root = r;
            count += FrVar::from(nonnoop);
        }
        {
            rule!("header_l1_count");
            count.enforce_equal(&l1_count.value)?;
        }

        let mut fees = FrVar::zero();
        let l2_start = HEADER_BYTES + shape.l1_slots * L1_SLOT_BYTES;
        for (j, s) in w.l2.iter().enumerate() {
            let (r, fee) = ctx.l2_slot(
                j,
                l2_start + j * L2_SLOT_BYTES,
                s,
                &root,
                &domain,
                &fee_acc.token,
            )?;
            root = r;
            fees += fee;
        }

        {
            let _s = tracing::info_span!(target: "gr1cs", "fee_credit").entered();
            let (bits, high) = index_bits(&fee_account, depth);
            {
                rule!("fee_account_in_tree");
                high.enforce_equal(&FrVar::zero())?;
            }
            let balance = &fee_acc.balance + &fees;
            {
                rule!("fee_account_overflow");
                enforce_bits(cs.clone(), &balance, 128)?;
            }
            let credited = AccountVar {
                balance,
                ..fee_acc.clone()
            };
            let path = MerklePathVar::new_witness(cs.clone(), &w.fee.path)?;
            let (old, new) = path.roots(&bits, &fee_acc.hash()?, Some(&credited.hash()?))?;
            {
                rule!("fee_path_proves_leaf");
                old.enforce_equal(&root)?;
            }
            root = new.ok_or(SynthesisError::Unsatisfiable)?;
        }
        {
            rule!("header_new_root");
            root.enforce_equal(&new_root)?;
        }
        {
            rule!("public_input_is_pubdata_commitment");
            pd.commitment()?.enforce_equal(&public)?;
        }
        Ok(())
    }
}
