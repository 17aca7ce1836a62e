//! Twins of the L1-slot rules: unknown type and status bytes, dirty Noop
//! slots (including one that would change state), stray key bytes (the
//! encodings of k * r among them), paths that do not prove the old leaf, and
//! published outcomes that differ from what the native code would record.

use crate::common::*;
use crate::Twin;
use num_bigint::BigUint;
use zkroll_circuits::{BatchCircuit, Fr};
use zkroll_state::batch::BatchWitness;
use zkroll_state::ops::PackedPubkey;
use zkroll_state::pubdata::{header, L1Slot, L1Status};
use zkroll_state::{Account, L1Failure, L1Op, PrivateKey, PublicKey};

pub const TWINS: &[Twin] = &[
    Twin {
        rule: "l1_type_known",
        name: "L1 type bytes 4..=255 (L2 types, high bits)",
        build: unknown_type,
    },
    Twin {
        rule: "l1_noop_slot_is_zero",
        name: "a Noop slot with one non-zero byte",
        build: dirty_noop,
    },
    Twin {
        rule: "l1_noop_slot_is_zero",
        name: "a Deposit relabelled Noop that still changes state",
        build: noop_that_changes_state,
    },
    Twin {
        rule: "l1_ops_are_a_prefix",
        name: "a Noop slot before an operation",
        build: gap,
    },
    Twin {
        rule: "l1_status_is_a_bit",
        name: "status bytes 2, 3, 0x80, 0xff",
        build: status_not_a_bit,
    },
    Twin {
        rule: "l1_key_only_for_deposit_new",
        name: "key bytes (k * r for k = 1..=5, a real key, one bit) in Deposit/ForcedExit",
        build: stray_key,
    },
    Twin {
        rule: "l1_status_matches_outcome",
        name: "applied published as failed and failed as applied",
        build: status_lie,
    },
    Twin {
        rule: "l1_status_matches_outcome",
        name: "DepositNew outcomes misreported",
        build: deposit_new_outcomes,
    },
    Twin {
        rule: "l1_status_matches_outcome",
        name: "a Deposit to an index beyond the tree published as applied",
        build: out_of_range_applied,
    },
    Twin {
        rule: "l1_forced_exit_amount",
        name: "ForcedExit publishes more than the balance",
        build: forced_exit_amount_lie,
    },
    Twin {
        rule: "l1_path_proves_old_leaf",
        name: "a tampered sibling at each level",
        build: path_tampered,
    },
    Twin {
        rule: "l1_path_proves_old_leaf",
        name: "DepositNew over an existing account claimed empty",
        build: deposit_new_over_existing,
    },
    Twin {
        rule: "l1_path_proves_old_leaf",
        name: "a Deposit to an empty leaf claimed to hold an account",
        build: deposit_to_empty,
    },
    Twin {
        rule: "l1_intermediate_root",
        name: "root after a slot off by one",
        build: intermediate_root,
    },
];

/// Batch 2 of a funded rollup with one Deposit (account 1, 7 units) in L1
/// slot 0 and L1 slot 1 Noop.
fn noop_tail() -> BatchWitness {
    let cfg = config(2, 2, 2);
    let (mut r, mut k) = funded(&cfg);
    let d = k.queue(L1Op::Deposit {
        idx: 1,
        token: 0,
        amount: 7,
    });
    let t = k.transfer(1, 2, 100, 1, 0).unwrap();
    r.apply_batch(&cfg, &[d], &[t]).unwrap()
}

fn unknown_type() -> Vec<BatchWitness> {
    let mixed = mixed_batch();
    let tail = noop_tail();
    let mut out = Vec::new();
    for (base, slot, ty) in [
        (&mixed, 0, 4),
        (&mixed, 0, 5),
        (&mixed, 0, 7),
        (&mixed, 0, 0x83),
        (&mixed, 1, 6),
        (&mixed, 1, 0x80),
        (&mixed, 1, 0xff),
        (&tail, 1, 4),
        (&tail, 1, 0x40),
    ] {
        let mut w = base.clone();
        set_byte(&mut w, l1_at(slot), ty);
        out.push(w);
    }
    out
}

fn dirty_noop() -> Vec<BatchWitness> {
    let base = noop_tail();
    let o = l1_at(1);
    // status, idx, token, amount (low bytes), first and last key byte
    [(1, 1), (5, 1), (9, 1), (25, 5), (26, 1), (57, 0x80)]
        .into_iter()
        .map(|(at, byte)| {
            let mut w = base.clone();
            set_byte(&mut w, o + at, byte);
            w
        })
        .collect()
}

fn noop_that_changes_state() -> Vec<BatchWitness> {
    // Two valid Deposits; slot 1's type byte is then cleared (and l1_count
    // lowered), keeping its fields and the deposit in the roots.
    let cfg = config(2, 2, 2);
    let (mut r, mut k) = funded(&cfg);
    let d = [
        k.queue(L1Op::Deposit {
            idx: 1,
            token: 0,
            amount: 7,
        }),
        k.queue(L1Op::Deposit {
            idx: 2,
            token: 0,
            amount: 9,
        }),
    ];
    let mut w = r.apply_batch(&cfg, &d, &[]).unwrap();
    assert_ne!(w.l1[1].root_after, w.l1[0].root_after, "slot 1 credits");
    w.pubdata[l1_at(1)] = 0;
    w.pubdata[header::END - 1] = 1;
    republish(&mut w);
    vec![w]
}

fn gap() -> Vec<BatchWitness> {
    let mut w = mixed_batch();
    w.l1[0].slot = L1Slot::NOOP;
    reseal(&mut w);
    vec![w]
}

fn status_not_a_bit() -> Vec<BatchWitness> {
    let base = mixed_batch();
    [(0, 2), (0, 3), (1, 0x80), (1, 0xff)]
        .into_iter()
        .map(|(slot, st)| {
            let mut w = base.clone();
            set_byte(&mut w, l1_at(slot) + 1, st);
            w
        })
        .collect()
}

fn stray_key() -> Vec<BatchWitness> {
    let base = mixed_batch();
    let r = zkroll_state::field::modulus();
    let mut keys: Vec<[u8; 32]> = (1u32..=5)
        .map(|k| {
            let le = (&r * k).to_bytes_le();
            assert!(le.len() <= 32, "{k} * r fits 256 bits");
            let mut b = [0u8; 32];
            b[..le.len()].copy_from_slice(&le);
            b
        })
        .collect();
    keys.push(base.l1[0].before.unwrap().pubkey.compress());
    let mut one = [0u8; 32];
    one[31] = 0x80;
    keys.push(one);
    let mut out = Vec::new();
    for key in keys {
        // Slot 0 is a ForcedExit, slot 1 a Deposit.
        for slot in 0..2 {
            let mut w = base.clone();
            let o = l1_at(slot) + 26;
            w.pubdata[o..o + 32].copy_from_slice(&key);
            republish(&mut w);
            out.push(w);
        }
    }
    // Sanity: k * r reduces to y = 0 (mod r) with the sign bit as bit 255.
    assert_eq!(
        BigUint::from_bytes_le(&out[0].pubdata[l1_at(0) + 26..][..32]),
        r
    );
    out
}

fn status_lie() -> Vec<BatchWitness> {
    // The failed Deposit published as applied, the ForcedExit as failed.
    let mut a = mixed_batch();
    a.l1[1].slot.status = L1Status::Applied;
    reseal(&mut a);
    let mut b = mixed_batch();
    b.l1[0].slot.status = L1Status::Failed;
    reseal(&mut b);
    vec![a, b]
}

fn deposit_new_outcomes() -> Vec<BatchWitness> {
    let cfg = config(2, 2, 1);
    let mut wl = zkroll_state::sim::Workload::new(8, CHAIN);
    let mut r = zkroll_state::Rollup::open(zkroll_state::MemStore::new(), 2, false).unwrap();
    let first = [wl.deposit_new(0, 0), wl.deposit_new(0, 10)];
    // A valid DepositNew published as failed.
    let w = r.apply_batch(&cfg, &first, &[]).unwrap();
    let mut lie = w.clone();
    lie.l1[1].slot.status = L1Status::Failed;
    reseal(&mut lie);
    let mut out = vec![lie];
    // A DepositNew into an occupied index, and one with a key that does not
    // decompress, published as applied.
    let pk = wl.deposit_new(0, 1).op;
    let L1Op::DepositNew { pubkey, .. } = pk else {
        unreachable!()
    };
    let ops = [
        wl.queue(L1Op::DepositNew {
            idx: 1,
            pubkey,
            token: 0,
            amount: 5,
        }),
        wl.queue(L1Op::DepositNew {
            idx: 3,
            pubkey: zkroll_state::sim::undecompressible_key(),
            token: 0,
            amount: 5,
        }),
    ];
    // Serial 2 was drawn for the key only; queue it first.
    let skip = zkroll_state::QueuedL1Op { serial: 2, op: pk };
    r.apply_batch(&cfg, &[skip], &[]).unwrap();
    let w = r.apply_batch(&cfg, &ops, &[]).unwrap();
    assert_eq!(w.l1[0].failure, Some(L1Failure::AccountExists));
    assert_eq!(w.l1[1].failure, Some(L1Failure::InvalidPubkey));
    assert_eq!(first_unsatisfied(BatchCircuit::new(w.clone())), None);
    for slot in 0..2 {
        let mut lie = w.clone();
        lie.l1[slot].slot.status = L1Status::Applied;
        reseal(&mut lie);
        out.push(lie);
    }
    out
}

fn out_of_range_applied() -> Vec<BatchWitness> {
    let cfg = config(2, 2, 2);
    let mut out = Vec::new();
    // 1 + 4^2 aliases leaf 1 in the path bits.
    for idx in [1 + 16, 1 | 1 << 31] {
        let (mut r, mut k) = funded(&cfg);
        let d = k.queue(L1Op::Deposit {
            idx,
            token: 0,
            amount: 5,
        });
        let mut w = r.apply_batch(&cfg, &[d], &[]).unwrap();
        assert_eq!(w.l1[0].failure, Some(L1Failure::IndexOutOfRange));
        w.l1[0].slot.status = L1Status::Applied;
        reseal(&mut w);
        out.push(w);
    }
    out
}

fn forced_exit_amount_lie() -> Vec<BatchWitness> {
    let mut w = mixed_batch();
    w.l1[0].slot.amount += 1;
    reseal(&mut w);
    vec![w]
}

fn path_tampered() -> Vec<BatchWitness> {
    let base = mixed_batch();
    [(0, 0, 1), (0, 1, 2), (1, 0, 0), (1, 1, 1)]
        .into_iter()
        .map(|(slot, level, k)| {
            let mut w = base.clone();
            w.l1[slot].path.siblings[level][k] += Fr::from(1u64);
            w
        })
        .collect()
}

fn deposit_new_over_existing() -> Vec<BatchWitness> {
    let cfg = config(2, 2, 2);
    let (mut r, mut k) = funded(&cfg);
    let key = PrivateKey::from_bytes([9; 32]).public();
    let d = k.queue(L1Op::DepositNew {
        idx: 1,
        pubkey: PackedPubkey::from(&key),
        token: 0,
        amount: 5,
    });
    let mut w = r.apply_batch(&cfg, &[d], &[]).unwrap();
    assert_eq!(w.l1[0].failure, Some(L1Failure::AccountExists));
    // Claim the leaf is empty (so the DepositNew "succeeds").
    w.l1[0].before = None;
    w.l1[0].slot.status = L1Status::Applied;
    reseal(&mut w);
    vec![w]
}

fn deposit_to_empty() -> Vec<BatchWitness> {
    let cfg = config(2, 2, 2);
    let (mut r, mut k) = funded(&cfg);
    let d = k.queue(L1Op::Deposit {
        idx: 5,
        token: 0,
        amount: 5,
    });
    let mut w = r.apply_batch(&cfg, &[d], &[]).unwrap();
    assert_eq!(w.l1[0].failure, Some(L1Failure::UnknownAccount));
    let fake = PublicKey::from_point(zkroll_state::babyjubjub::base8());
    w.l1[0].before = Some(Account::new(0, 0, fake));
    w.l1[0].slot.status = L1Status::Applied;
    reseal(&mut w);
    vec![w]
}

fn intermediate_root() -> Vec<BatchWitness> {
    (0..2)
        .map(|slot| {
            let mut w = mixed_batch();
            w.l1[slot].root_after += Fr::from(1u64);
            w
        })
        .collect()
}
