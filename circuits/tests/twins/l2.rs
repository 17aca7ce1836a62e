//! Twins of the L2-slot rules: unknown type bytes, dirty Noop slots, a
//! Withdraw naming a receiver, indices with bits above the tree's depth
//! (which would alias a leaf), paths that do not prove the debited or the
//! credited leaf (a transfer to an empty leaf among them), and the balance,
//! nonce, token and fee rules.
//!
//! Where a twin edits a signed field, it re-signs the slot over the message
//! the circuit reads (`sign_as`), as a key holder colluding with the
//! operator would, so only the targeted rule can catch it.

use crate::common::*;
use crate::Twin;
use zkroll_circuits::Fr;
use zkroll_state::batch::BatchWitness;
use zkroll_state::float::{DecimalFloat, Float40};
use zkroll_state::{Account, OpType, PublicKey};

pub const TWINS: &[Twin] = &[
    Twin {
        rule: "l2_type_known",
        name: "L2 type bytes 1, 2, 3, 6, 7, 8, 0x84, 0xff",
        build: unknown_type,
    },
    Twin {
        rule: "l2_noop_slot_is_zero",
        name: "a Noop slot with one non-zero byte",
        build: dirty_noop,
    },
    Twin {
        rule: "l2_noop_slot_is_zero",
        name: "a transfer relabelled Noop that still moves funds",
        build: noop_that_moves_funds,
    },
    Twin {
        rule: "l2_withdraw_to_is_zero",
        name: "a Withdraw naming a receiver (re-signed)",
        build: withdraw_to,
    },
    Twin {
        rule: "l2_index_in_tree",
        name: "from / to with bits above 2 * depth (re-signed)",
        build: index_beyond_tree,
    },
    Twin {
        rule: "l2_fee_on_foreign_token",
        name: "a fee paid by a token-1 account",
        build: fee_on_foreign_token,
    },
    Twin {
        rule: "l2_nonce_range",
        name: "a sender at nonce 2^32 - 1",
        build: nonce_exhausted,
    },
    Twin {
        rule: "l2_balance_covers_amount_and_fee",
        name: "transfer and withdrawal above the balance (re-signed)",
        build: insufficient_balance,
    },
    Twin {
        rule: "l2_from_path_proves_leaf",
        name: "tampered sibling; tampered leaf; another account's leaf",
        build: from_path,
    },
    Twin {
        rule: "l2_token_mismatch",
        name: "a token-0 account credits a token-1 account",
        build: token_mismatch,
    },
    Twin {
        rule: "l2_to_balance_overflow",
        name: "a credit to 2^128 or more (re-signed)",
        build: to_balance_overflow,
    },
    Twin {
        rule: "l2_to_path_proves_leaf",
        name: "tampered sibling in the to path",
        build: to_path_tampered,
    },
    Twin {
        rule: "l2_to_path_proves_leaf",
        name: "a transfer to an empty leaf (claimed empty, or claimed an account)",
        build: transfer_to_empty_leaf,
    },
    Twin {
        rule: "l2_intermediate_root",
        name: "root after a slot off by one",
        build: intermediate_root,
    },
];

/// Batch 2 of a funded rollup: one transfer 1 -> 2 in L2 slot 0, slot 1 Noop.
fn one_transfer() -> BatchWitness {
    let cfg = config(2, 2, 2);
    let (mut r, k) = funded(&cfg);
    r.apply_batch(&cfg, &[], &[k.transfer(1, 2, 7, 0, 0).unwrap()])
        .unwrap()
}

fn unknown_type() -> Vec<BatchWitness> {
    let mixed = mixed_batch();
    let tail = one_transfer();
    let mut out = Vec::new();
    for ty in [1, 2, 3, 6, 7, 8, 0x84, 0xff] {
        let mut w = mixed.clone();
        let o = l2_at(&w, 0);
        set_byte(&mut w, o, ty);
        out.push(w);
    }
    let mut w = tail.clone();
    set_byte(&mut w, l2_at(&tail, 1), 1);
    out.push(w);
    out
}

fn dirty_noop() -> Vec<BatchWitness> {
    let base = one_transfer();
    let o = l2_at(&base, 1);
    // from (typed), then the low bytes of from, to, amount, fee
    let mut typed = base.clone();
    typed.l2[1].slot.from = 1;
    reseal(&mut typed);
    let mut out = vec![typed];
    for at in [4, 8, 13, 15] {
        let mut w = base.clone();
        set_byte(&mut w, o + at, 1);
        out.push(w);
    }
    out
}

fn noop_that_moves_funds() -> Vec<BatchWitness> {
    let mut w = one_transfer();
    let o = l2_at(&w, 0);
    set_byte(&mut w, o, 0);
    vec![w]
}

fn withdraw_to() -> Vec<BatchWitness> {
    let k = keys();
    [1u32, 2, 1 << 24]
        .into_iter()
        .map(|to| {
            let mut w = mixed_batch();
            let o = l2_at(&w, 1);
            w.pubdata[o + 5..o + 9].copy_from_slice(&to.to_be_bytes());
            republish(&mut w);
            sign_as(&mut w, 1, k.key(2).unwrap());
            w
        })
        .collect()
}

fn index_beyond_tree() -> Vec<BatchWitness> {
    let k = keys();
    let mut out = Vec::new();
    for (from, to) in [(1 + 16, 2), (1 | 1 << 31, 2), (1, 2 + 16), (1, 2 | 1 << 24)] {
        let mut w = mixed_batch();
        w.l2[0].slot.from = from;
        w.l2[0].slot.to = to;
        reseal(&mut w);
        sign_as(&mut w, 0, k.key(1).unwrap());
        out.push(w);
    }
    out
}

fn fee_on_foreign_token() -> Vec<BatchWitness> {
    let mut w = mixed_batch();
    // Account 3 holds token 1 (its balance was exited by L1 slot 0).
    let acct3 = w.l1[0].before.map(|mut a| {
        a.balance = 0;
        a
    });
    w.l2[0].slot.from = 3;
    w.l2[0].slot.to = 3;
    w.l2[0].slot.amount_packed = 0;
    w.l2[0].slot.fee_packed = 1;
    w.l2[0].from_before = acct3;
    reseal(&mut w);
    resign(&mut w, 0, &keys());
    vec![w]
}

fn nonce_exhausted() -> Vec<BatchWitness> {
    let mut w = mixed_batch();
    if let Some(a) = w.l2[0].from_before.as_mut() {
        a.nonce = u32::MAX;
    }
    resign(&mut w, 0, &keys());
    vec![w]
}

fn insufficient_balance() -> Vec<BatchWitness> {
    let k = keys();
    let mut a = mixed_batch();
    a.l2[0].slot.amount_packed = Float40::encode(1_000_001).unwrap();
    reseal(&mut a);
    resign(&mut a, 0, &k);
    let mut b = mixed_batch();
    b.l2[1].slot.amount_packed = Float40::encode(10_000_000).unwrap();
    reseal(&mut b);
    resign(&mut b, 1, &k);
    // Amount within the balance, but not amount + fee.
    let mut c = mixed_batch();
    c.l2[0].slot.amount_packed = Float40::encode(1_000_000).unwrap();
    reseal(&mut c);
    resign(&mut c, 0, &k);
    vec![a, b, c]
}

fn from_path() -> Vec<BatchWitness> {
    let mut a = mixed_batch();
    a.l2[0].from_path.siblings[1][2] += Fr::from(1u64);
    let mut b = mixed_batch();
    if let Some(acc) = b.l2[0].from_before.as_mut() {
        acc.balance += 1_000;
    }
    // Account 2's leaf debited at index 1, signed by account 2.
    let mut c = mixed_batch();
    c.l2[0].from_before = c.l2[0].to_before;
    sign_as(&mut c, 0, keys().key(2).unwrap());
    vec![a, b, c]
}

fn token_mismatch() -> Vec<BatchWitness> {
    let mut w = mixed_batch();
    // Credit account 3 (token 1) from account 1 (token 0).
    w.l2[0].slot.to = 3;
    w.l2[0].to_before = w.l1[0].before.map(|mut a| {
        a.balance = 0;
        a
    });
    reseal(&mut w);
    resign(&mut w, 0, &keys());
    vec![w]
}

fn to_balance_overflow() -> Vec<BatchWitness> {
    let cfg = config(2, 2, 1);
    let mut k = zkroll_state::sim::Workload::new(5, CHAIN);
    let mut r = zkroll_state::Rollup::open(zkroll_state::MemStore::new(), 2, false).unwrap();
    let d = [k.deposit_new(0, 100), k.deposit_new(0, u128::MAX - 5)];
    r.apply_batch(&cfg, &d, &[]).unwrap();
    let mut w = r
        .apply_batch(&cfg, &[], &[k.transfer(0, 1, 5, 0, 0).unwrap()])
        .unwrap();
    w.l2[0].slot.amount_packed = Float40::encode(10).unwrap();
    reseal(&mut w);
    resign(&mut w, 0, &k);
    vec![w]
}

fn to_path_tampered() -> Vec<BatchWitness> {
    let mut w = mixed_batch();
    w.l2[0].to_path.siblings[0][0] += Fr::from(1u64);
    vec![w]
}

fn transfer_to_empty_leaf() -> Vec<BatchWitness> {
    // Natively refused (UnknownAccount); forged with a valid signature.
    let cfg = config(2, 2, 2);
    let (mut r, k) = funded(&cfg);
    let slot = l2_slot(OpType::Transfer, 1, 5, 1_000, 0);
    let sig = k.key(1).unwrap().sign(message(&slot, 0, &CHAIN));
    let op = k.transfer(1, 5, 1_000, 0, 0).unwrap();
    assert!(r.apply_batch(&cfg, &[], &[op]).is_err(), "native refuses");
    let (n, l1_next) = (r.last_batch() + 1, r.l1_next());
    let claimed_empty = forge(r.tree(), &cfg, n, l1_next, &[(slot, Some(sig))]);
    assert_eq!(claimed_empty.l2[0].to_before, None);
    let mut claimed_account = claimed_empty.clone();
    let key = PublicKey::from_point(zkroll_state::babyjubjub::base8());
    claimed_account.l2[0].to_before = Some(Account::new(0, 0, key));
    vec![claimed_empty, claimed_account]
}

fn intermediate_root() -> Vec<BatchWitness> {
    (0..2)
        .map(|slot| {
            let mut w = mixed_batch();
            w.l2[slot].root_after += Fr::from(1u64);
            w
        })
        .collect()
}
