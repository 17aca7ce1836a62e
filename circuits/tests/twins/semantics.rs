//! What the circuit must allow, and the minting twins. The native
//! `apply_batch` allows a self-transfer and the fee account as sender and as
//! receiver; the circuit must agree (satisfied), and balances are conserved:
//! per token, the sum over all accounts changes exactly by the applied
//! deposits minus the forced exits and withdrawals (fees move inside the
//! token). A witness that mints (a credit larger than the debit, a withdrawal
//! that debits nothing, a fee credit above the fees, a self-transfer credited
//! on the pre-debit leaf) breaks the root rule that recomputes the update.

use std::collections::BTreeMap;

use crate::common::*;
use crate::Twin;
use zkroll_circuits::BatchCircuit;
use zkroll_state::batch::BatchWitness;
use zkroll_state::pubdata::L1Status;
use zkroll_state::{Account, AccountTree, OpType, TokenId};

pub const TWINS: &[Twin] = &[
    Twin {
        rule: "l2_intermediate_root",
        name: "mint: credit above the amount; withdrawal without debit",
        build: mint_in_slot,
    },
    Twin {
        rule: "header_new_root",
        name: "mint: fee account credited above the batch's fees",
        build: mint_fee_credit,
    },
    Twin {
        rule: "l2_to_path_proves_leaf",
        name: "self-transfer credited on the pre-debit leaf",
        build: self_transfer_on_stale_leaf,
    },
    Twin {
        rule: "fee_path_proves_leaf",
        name: "fee credit on the fee account's leaf from before the L2 slots",
        build: fee_credit_on_stale_leaf,
    },
];

/// Sum of balances per token.
fn sums(tree: &AccountTree) -> BTreeMap<TokenId, u128> {
    let mut out = BTreeMap::new();
    for (_, a) in tree.leaves() {
        *out.entry(a.token).or_default() += a.balance;
    }
    out
}

/// Checks conservation of `w` between the trees before and after it.
fn assert_conserved(before: &AccountTree, after: &AccountTree, w: &BatchWitness) {
    let mut expect = sums(before);
    for s in &w.l1 {
        if s.slot.status != L1Status::Applied {
            continue;
        }
        let e = expect.entry(s.slot.token).or_default();
        match s.slot.op_type {
            OpType::DepositNew | OpType::Deposit => *e += s.slot.amount,
            OpType::ForcedExit => *e -= s.slot.amount,
            _ => {}
        }
    }
    for s in &w.l2 {
        if s.slot.op_type == OpType::Withdraw {
            *expect.entry(s.from_before.unwrap().token).or_default() -= s.amount;
        }
    }
    let got = sums(after);
    expect.retain(|t, v| *v != 0 || got.contains_key(t));
    assert_eq!(got, expect, "balances not conserved");
}

/// Applies a batch to a funded rollup; checks the circuit accepts it and
/// that balances are conserved. Returns the witness and the tree after.
fn apply_checked(
    l1: impl FnOnce(&mut zkroll_state::sim::Workload) -> Vec<zkroll_state::QueuedL1Op>,
    l2: impl FnOnce(&zkroll_state::sim::Workload) -> Vec<zkroll_state::SignedL2Op>,
) -> (BatchWitness, AccountTree) {
    let cfg = config(2, 2, 2);
    let (mut r, mut k) = funded(&cfg);
    let before = r.tree().clone();
    let l1 = l1(&mut k);
    let w = r.apply_batch(&cfg, &l1, &l2(&k)).expect("native allows it");
    assert_eq!(first_unsatisfied(BatchCircuit::new(w.clone())), None);
    assert_conserved(&before, r.tree(), &w);
    (w, r.tree().clone())
}

#[test]
fn mixed_batch_conserves_balances() {
    let (w, _) = apply_checked(|k| mixed_ops(k).0.to_vec(), |k| mixed_ops(k).1.to_vec());
    assert_eq!(w, mixed_batch());
    assert!(w.l1[1].failure.is_some(), "the foreign-token Deposit fails");
    assert_eq!(w.l1[0].slot.amount, 500_000, "account 3 exited");
}

#[test]
fn self_transfer_is_allowed_and_conserves() {
    let (w, after) = apply_checked(
        |_| vec![],
        |k| {
            vec![
                k.transfer(1, 1, 100, 2, 0).unwrap(),
                k.transfer(2, 1, 50, 0, 0).unwrap(),
            ]
        },
    );
    let a = after.get(1).unwrap();
    assert_eq!((a.balance, a.nonce), (1_000_000 - 2 + 50, 1));
    assert_eq!(
        after.get(0).unwrap().balance,
        2,
        "the fee reached the fee account"
    );
    assert_eq!(w.fee.total, 2);
}

#[test]
fn fee_account_may_send_and_receive() {
    // Account 0 is the fee account: it receives, then sends, in one batch.
    let (w, after) = apply_checked(
        |_| vec![],
        |k| {
            vec![
                k.transfer(1, 0, 1_000, 3, 0).unwrap(),
                k.transfer(0, 2, 500, 1, 0).unwrap(),
            ]
        },
    );
    let fee_acc = after.get(0).unwrap();
    assert_eq!((fee_acc.balance, fee_acc.nonce), (1_000 - 500 - 1 + 4, 1));
    assert_eq!(w.fee.before.balance, 499);
}

#[test]
fn forge_agrees_with_native() {
    let cfg = config(2, 2, 2);
    let (mut r, k) = funded(&cfg);
    let tree = r.tree().clone();
    let (n, l1_next) = (r.last_batch() + 1, r.l1_next());
    let op = k.transfer(1, 2, 100, 1, 0).unwrap();
    let native = r.apply_batch(&cfg, &[], &[op]).unwrap();
    let slot = native.l2[0].slot;
    let forged = forge(&tree, &cfg, n, l1_next, &[(slot, Some(op.signature))]);
    assert_eq!(forged, native);
}

fn mint_in_slot() -> Vec<BatchWitness> {
    // Slot 0 credits account 2 with 1_000 more than the amount.
    let mut a = mixed_batch();
    let s = &a.l2[0];
    let to = s.to_before.unwrap();
    let minted = Account {
        balance: to.balance + s.amount + 1_000,
        ..to
    };
    a.l2[0].root_after = s.to_path.root(2, minted.hash());
    // Slot 1 withdraws without debiting (only the nonce moves).
    let mut b = mixed_batch();
    let s = &b.l2[1];
    let from = s.from_before.unwrap();
    let kept = Account {
        nonce: from.nonce + 1,
        ..from
    };
    b.l2[1].root_after = s.from_path.root(2, kept.hash());
    vec![a, b]
}

fn mint_fee_credit() -> Vec<BatchWitness> {
    let mut w = mixed_batch();
    let f = &w.fee;
    let minted = Account {
        balance: f.before.balance + f.total + 1,
        ..f.before
    };
    w.new_root = f.path.root(0, minted.hash());
    reseal(&mut w);
    vec![w]
}

fn self_transfer_on_stale_leaf() -> Vec<BatchWitness> {
    let cfg = config(2, 2, 2);
    let (mut r, k) = funded(&cfg);
    let op = k.transfer(1, 1, 100, 2, 0).unwrap();
    let mut w = r.apply_batch(&cfg, &[], &[op]).unwrap();
    // Credit the leaf as it was before the debit: undoes debit and nonce.
    w.l2[0].to_before = w.l2[0].from_before;
    vec![w]
}

fn fee_credit_on_stale_leaf() -> Vec<BatchWitness> {
    let cfg = config(2, 2, 2);
    let (mut r, k) = funded(&cfg);
    let ops = [k.transfer(1, 0, 1_000, 3, 0).unwrap()];
    let mut w = r.apply_batch(&cfg, &[], &ops).unwrap();
    // The fee account's leaf before the transfer credited it.
    w.fee.before = w.l2[0].to_before.unwrap();
    vec![w]
}
