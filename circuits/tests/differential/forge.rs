//! Forcing a refused L2 operation into a witness: the slot is filled as the
//! circuit computes it (debit and credit in the field, so a balance below
//! zero wraps), over a raw 16-leaf copy of the tree whose paths and roots
//! follow; later L2 slots are Noop, then the fee credit and the pubdata.
//! Applied to an operation native accepts, the result is exactly native's
//! witness, which the differential test checks on every accepted batch.

use num_bigint::BigUint;
use zkroll_circuits::Fr;
use zkroll_state::batch::{BatchWitness, FeeWitness, L2SlotWitness};
use zkroll_state::float::{DecimalFloat, Float16, Float40};
use zkroll_state::pubdata::L2Slot;
use zkroll_state::{Account, AccountTree, Balance, MerklePath, OpType, Poseidon, PublicKey};

use super::gen::LEAVES;

/// Leaf fields as the circuit sees them: token, nonce, balance, x, y.
type Fields = [Fr; 5];

fn fields(a: &Account) -> Fields {
    [
        Fr::from(a.token),
        Fr::from(a.nonce),
        Fr::from(a.balance),
        a.pubkey.x(),
        a.pubkey.y(),
    ]
}

/// The account with these fields, if they fit the native types; an
/// all-zero leaf is `None`. Otherwise `fallback` (the witness then cannot
/// say what the circuit computed, and a later row breaks).
fn account(f: &Fields, fallback: Option<Account>) -> Option<Account> {
    if f.iter().all(|x| *x == Fr::from(0u64)) {
        return None;
    }
    let int = |x: Fr| u128::try_from(BigUint::from(x)).ok();
    let small = |x: Fr| int(x).and_then(|v| u32::try_from(v).ok());
    let exact = || -> Option<Account> {
        Some(Account {
            token: small(f[0])?,
            nonce: small(f[1])?,
            balance: int(f[2])?,
            pubkey: PublicKey::from_coords(f[3], f[4]).ok()?,
        })
    };
    exact().or(fallback)
}

/// A depth-2 tree over raw leaf fields.
struct Raw {
    leaves: Vec<Option<Fields>>,
}

impl Raw {
    fn of(tree: &AccountTree) -> Self {
        Self {
            leaves: (0..LEAVES).map(|i| tree.get(i).map(fields)).collect(),
        }
    }

    fn leaf(&self, i: usize) -> Fr {
        self.leaves[i].map_or(Fr::from(0u64), Poseidon::hash_n)
    }

    fn node(&self, g: usize) -> Fr {
        Poseidon::hash_n([0, 1, 2, 3].map(|p| self.leaf(4 * g + p)))
    }

    fn root(&self) -> Fr {
        Poseidon::hash_n([0, 1, 2, 3].map(|g| self.node(g)))
    }

    fn path(&self, i: usize) -> MerklePath {
        let others = |all: [Fr; 4], own: usize| {
            let v: Vec<Fr> = (0..4).filter(|p| *p != own).map(|p| all[p]).collect();
            [v[0], v[1], v[2]]
        };
        let (g, p) = (i / 4, i % 4);
        MerklePath {
            siblings: vec![
                others([0, 1, 2, 3].map(|q| self.leaf(4 * g + q)), p),
                others([0, 1, 2, 3].map(|h| self.node(h)), g),
            ],
        }
    }

    fn get(&self, i: usize) -> Fields {
        self.leaves[i].unwrap_or([Fr::from(0u64); 5])
    }
}

fn noop_slot(t: &Raw) -> L2SlotWitness {
    let acc = account(&t.get(0), None);
    L2SlotWitness {
        slot: L2Slot::NOOP,
        amount: 0,
        fee: 0,
        nonce: 0,
        signature: None,
        from_before: acc,
        from_path: t.path(0),
        to_before: acc,
        to_path: t.path(0),
        root_after: t.root(),
    }
}

/// `prefix` is native's witness for the batch cut before slot `k` (slots
/// `k..` Noop) and `pre` the tree before slot `k`; returns the witness with
/// `op` (signed with `signer`) forced into slot `k`, or `None` when its
/// amount or fee has no float packing (no pubdata can carry it).
///
/// An empty `from` or `to` leaf is replaced by the account a forger would
/// claim: `signer`'s key, `op`'s nonce and token, and enough balance, so
/// that only the leaf's membership fails.
pub fn force(
    prefix: &BatchWitness,
    pre: &AccountTree,
    k: usize,
    op: &zkroll_state::SignedL2Op,
    signer: &PublicKey,
) -> Option<BatchWitness> {
    let (amount, fee) = (op.op.amount(), op.op.fee());
    let slot = L2Slot {
        op_type: op.op.op_type(),
        from: op.op.from(),
        to: op.op.to(),
        amount_packed: Float40::encode(amount)?,
        fee_packed: Float16::encode(fee)?,
    };
    let mut t = Raw::of(pre);
    assert_eq!(t.root(), pre.root(), "raw tree matches the native tree");
    assert_eq!(
        t.root(),
        prefix.l2[k].root_after,
        "pre is the state before slot k"
    );
    let cap = LEAVES as usize;
    let fi = slot.from as usize % cap;
    let claimed = Account {
        nonce: op.op.nonce(),
        ..Account::new(0, amount.saturating_add(fee), *signer)
    };
    let from_before = t.leaves[fi].map_or(Some(claimed), |f| account(&f, None));
    let from_acc = fields(&from_before.expect("an account"));
    let from_path = t.path(fi);
    let mut debited = from_acc;
    debited[1] += Fr::from(1u64);
    debited[2] -= Fr::from(amount) + Fr::from(fee);
    t.leaves[fi] = Some(debited);
    let (ti, to_fields) = if slot.op_type == OpType::Transfer {
        let ti = slot.to as usize % cap;
        let claimed = Account::new(from_before.map_or(0, |a| a.token), 0, *signer);
        (ti, t.leaves[ti].unwrap_or(fields(&claimed)))
    } else {
        (fi, debited)
    };
    let to_path = t.path(ti);
    if slot.op_type == OpType::Transfer {
        let mut credited = to_fields;
        credited[2] += Fr::from(amount);
        t.leaves[ti] = Some(credited);
    }
    let forced = L2SlotWitness {
        slot,
        amount,
        fee,
        nonce: op.op.nonce(),
        signature: Some(op.signature),
        from_before,
        from_path,
        to_before: account(&to_fields, from_before),
        to_path,
        root_after: t.root(),
    };
    let mut w = prefix.clone();
    w.l2[k] = forced;
    for j in k + 1..w.l2.len() {
        w.l2[j] = noop_slot(&t);
    }
    // The fee credit: the sum of the published fees, in the field.
    let fees: Balance = w.l2.iter().map(|s| s.fee).fold(0, u128::saturating_add);
    let fee_fields = t.get(0);
    let before = account(&fee_fields, pre.get(0).copied()).expect("the fee account exists");
    let path = t.path(0);
    let mut credited = fee_fields;
    credited[2] += w.l2.iter().map(|s| Fr::from(s.fee)).sum::<Fr>();
    t.leaves[0] = Some(credited);
    w.fee = FeeWitness {
        before,
        path,
        total: fees,
    };
    w.new_root = t.root();
    crate::common::reseal(&mut w);
    Some(w)
}
