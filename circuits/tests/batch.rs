//! The batch circuit: real batches satisfy it, and each rule has a failing
//! twin (a witness that breaks exactly that rule) whose first unsatisfied
//! constraint is named after the rule.

mod common;

use common::*;
use zkroll_circuits::BatchCircuit;
use zkroll_state::batch::BatchWitness;
use zkroll_state::pubdata::header;
use zkroll_state::{L1Op, QueuedL1Op};

/// Batch 2 of a funded rollup: a ForcedExit and a failed Deposit in the L1
/// slots; a transfer and a withdrawal in the L2 slots.
fn mixed_batch() -> BatchWitness {
    let cfg = config(2, 2, 2);
    let (mut r, w) = funded(&cfg);
    let l1 = [
        QueuedL1Op {
            serial: 4,
            op: L1Op::ForcedExit { idx: 3, token: 1 },
        },
        QueuedL1Op {
            serial: 5,
            op: L1Op::Deposit {
                idx: 2,
                token: 1,
                amount: 5,
            },
        },
    ];
    let l2 = [
        w.transfer(1, 2, 250_000, 3, 0).unwrap(),
        w.withdraw(2, 1_000, 1, 0).unwrap(),
    ];
    r.apply_batch(&cfg, &l1, &l2).unwrap()
}

#[test]
fn real_batches_satisfy_the_circuit() {
    let w = mixed_batch();
    assert!(
        w.l1[1].failure.is_some(),
        "the Deposit of a foreign token fails"
    );
    assert_eq!(first_unsatisfied(BatchCircuit::new(w)), None);

    // The first batches too: DepositNew into empty leaves, Noop L2 slots.
    let cfg = config(2, 2, 2);
    let mut wl = zkroll_state::sim::Workload::new(3, CHAIN);
    let mut r = zkroll_state::Rollup::open(zkroll_state::MemStore::new(), 2, false).unwrap();
    let w1 = r
        .apply_batch(&cfg, &[wl.deposit_new(0, 0), wl.deposit_new(0, 9)], &[])
        .unwrap();
    assert_eq!(first_unsatisfied(BatchCircuit::new(w1)), None);
}

/// Re-signs L2 slot `slot` of `w` after its pubdata fields were edited, as a
/// malicious key holder would, so only the targeted rule breaks.
fn resign(w: &mut BatchWitness, slot: usize, keys: &zkroll_state::sim::Workload) {
    use zkroll_state::float::{DecimalFloat, Float16, Float40};
    let s = &w.l2[slot];
    let amount = Float40::decode(s.slot.amount_packed).unwrap();
    let fee = Float16::decode(s.slot.fee_packed).unwrap();
    let nonce = s.from_before.as_ref().map_or(0, |a| a.nonce);
    let op = match s.slot.op_type {
        zkroll_state::OpType::Transfer => zkroll_state::L2Op::Transfer(zkroll_state::Transfer {
            from: s.slot.from,
            to: s.slot.to,
            amount,
            fee,
            nonce,
        }),
        _ => zkroll_state::L2Op::Withdraw(zkroll_state::Withdraw {
            from: s.slot.from,
            amount,
            fee,
            nonce,
        }),
    };
    let key = keys.key(s.slot.from).expect("our key");
    w.l2[slot].signature = Some(op.sign(key, &w.config.domain).signature);
}

fn keys() -> zkroll_state::sim::Workload {
    let cfg = config(2, 2, 2);
    funded(&cfg).1
}

fn assert_breaks(w: BatchWitness, rule: &str) {
    match first_unsatisfied(BatchCircuit::new(w)) {
        None => panic!("twin for {rule} satisfies the circuit"),
        Some(name) => assert!(
            name.contains(rule),
            "twin for {rule} broke another constraint first: {name}"
        ),
    }
}

#[test]
fn twin_bad_signature() {
    let mut w = mixed_batch();
    let other = w.l2[1].signature;
    w.l2[0].signature = other;
    assert_breaks(w, "eddsa_signature_equation");
}

#[test]
fn twin_amount_changed_after_signing() {
    let mut w = mixed_batch();
    w.l2[0].slot.amount_packed += 1;
    reseal(&mut w);
    assert_breaks(w, "eddsa_signature_equation");
}

#[test]
fn twin_wrong_nonce() {
    // Signed for nonce 1 while the account is at 0: the circuit signs-checks
    // against the leaf's nonce, so the signature does not verify.
    let mut w = mixed_batch();
    let k = keys();
    let op = zkroll_state::L2Op::Transfer(zkroll_state::Transfer {
        from: 1,
        to: 2,
        amount: 250_000,
        fee: 3,
        nonce: 1,
    });
    w.l2[0].signature = Some(op.sign(k.key(1).unwrap(), &CHAIN).signature);
    assert_breaks(w, "eddsa_signature_equation");
}

#[test]
fn twin_insufficient_balance() {
    use zkroll_state::float::{DecimalFloat, Float40};
    let mut w = mixed_batch();
    w.l2[0].slot.amount_packed = Float40::encode(1_000_001).unwrap();
    reseal(&mut w);
    resign(&mut w, 0, &keys());
    assert_breaks(w, "l2_balance_covers_amount_and_fee");
}

#[test]
fn twin_withdraw_more_than_balance() {
    use zkroll_state::float::{DecimalFloat, Float40};
    let mut w = mixed_batch();
    w.l2[1].slot.amount_packed = Float40::encode(10_000_000).unwrap();
    reseal(&mut w);
    resign(&mut w, 1, &keys());
    assert_breaks(w, "l2_balance_covers_amount_and_fee");
}

#[test]
fn twin_balance_overflow() {
    use zkroll_state::float::{DecimalFloat, Float40};
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
    assert_breaks(w, "l2_to_balance_overflow");
}

#[test]
fn twin_nonce_exhausted() {
    let mut w = mixed_batch();
    if let Some(a) = w.l2[0].from_before.as_mut() {
        a.nonce = u32::MAX;
    }
    resign(&mut w, 0, &keys());
    assert_breaks(w, "l2_nonce_range");
}

#[test]
fn twin_token_mismatch() {
    let mut w = mixed_batch();
    // Credit account 3 (token 1) from account 1 (token 0).
    w.l2[0].slot.to = 3;
    w.l2[0].to_before = w.l1[0].before.map(|mut a| {
        a.balance = 0;
        a
    });
    reseal(&mut w);
    resign(&mut w, 0, &keys());
    assert_breaks(w, "l2_token_mismatch");
}

#[test]
fn twin_fee_on_foreign_token() {
    let mut w = mixed_batch();
    // Account 3 holds token 1 (its balance was exited by slot 0): pays a fee.
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
    assert_breaks(w, "l2_fee_on_foreign_token");
}

#[test]
fn twin_tampered_path() {
    let mut w = mixed_batch();
    w.l2[0].from_path.siblings[1][2] += zkroll_circuits::Fr::from(1u64);
    assert_breaks(w, "l2_from_path_proves_leaf");
}

#[test]
fn twin_tampered_leaf() {
    let mut w = mixed_batch();
    if let Some(a) = w.l2[0].from_before.as_mut() {
        a.balance += 1_000;
    }
    assert_breaks(w, "l2_from_path_proves_leaf");
}

#[test]
fn twin_tampered_intermediate_root() {
    let mut w = mixed_batch();
    w.l2[0].root_after += zkroll_circuits::Fr::from(1u64);
    assert_breaks(w, "l2_intermediate_root");
    let mut w = mixed_batch();
    w.l1[1].root_after += zkroll_circuits::Fr::from(1u64);
    assert_breaks(w, "l1_intermediate_root");
}

#[test]
fn twin_tampered_public_input() {
    let mut w = mixed_batch();
    w.public_input += zkroll_circuits::Fr::from(1u64);
    assert_breaks(w, "public_input_is_pubdata_commitment");
}

#[test]
fn twin_tampered_new_root() {
    let mut w = mixed_batch();
    w.new_root += zkroll_circuits::Fr::from(1u64);
    reseal(&mut w);
    assert_breaks(w, "header_new_root");
}

#[test]
fn twin_non_canonical_root_encoding() {
    // old_root + r encodes the same element: refused so L1 stores one encoding.
    let mut w = mixed_batch();
    let r = zkroll_state::field::modulus() + num_bigint::BigUint::from(w.old_root);
    let bytes = r.to_bytes_be();
    assert_eq!(bytes.len(), 32);
    w.pubdata[header::OLD_ROOT..header::NEW_ROOT].copy_from_slice(&bytes);
    w.public_input = zkroll_state::pubdata::public_input(&w.pubdata);
    assert_breaks(w, "header_root_canonical");
}

#[test]
fn twin_l1_status_lie() {
    // The failed Deposit published as applied.
    let mut w = mixed_batch();
    w.l1[1].slot.status = zkroll_state::pubdata::L1Status::Applied;
    reseal(&mut w);
    assert_breaks(w, "l1_status_matches_outcome");
    // The ForcedExit published as failed.
    let mut w = mixed_batch();
    w.l1[0].slot.status = zkroll_state::pubdata::L1Status::Failed;
    reseal(&mut w);
    assert_breaks(w, "l1_status_matches_outcome");
}

#[test]
fn twin_forced_exit_amount_lie() {
    let mut w = mixed_batch();
    w.l1[0].slot.amount += 1;
    reseal(&mut w);
    assert_breaks(w, "l1_forced_exit_amount");
}

#[test]
fn twin_l1_gap() {
    let mut w = mixed_batch();
    w.l1[0].slot = zkroll_state::pubdata::L1Slot::NOOP;
    reseal(&mut w);
    assert_breaks(w, "l1_ops_are_a_prefix");
}

#[test]
fn twin_l1_count_lie() {
    let mut w = mixed_batch();
    w.pubdata[header::END - 1] = 1;
    w.public_input = zkroll_state::pubdata::public_input(&w.pubdata);
    assert_breaks(w, "header_l1_count");
}

#[test]
fn twin_fee_account_overflow() {
    let mut w = mixed_batch();
    w.fee.before.balance = u128::MAX;
    assert_breaks(w, "fee_account_overflow");
}

#[test]
fn twin_dirty_noop_slot() {
    let cfg = config(2, 2, 2);
    let (mut r, w0) = funded(&cfg);
    let mut w = r
        .apply_batch(&cfg, &[], &[w0.transfer(1, 2, 7, 0, 0).unwrap()])
        .unwrap();
    assert_eq!(first_unsatisfied(BatchCircuit::new(w.clone())), None);
    w.l2[1].slot.from = 1;
    reseal(&mut w);
    assert_breaks(w, "l2_noop_slot_is_zero");
}

#[test]
fn twin_deposit_new_outcomes() {
    let cfg = config(2, 2, 1);
    let mut wl = zkroll_state::sim::Workload::new(8, CHAIN);
    let mut r = zkroll_state::Rollup::open(zkroll_state::MemStore::new(), 2, false).unwrap();
    let first = [wl.deposit_new(0, 0), wl.deposit_new(0, 10)];
    // A valid DepositNew published as failed.
    let w = r.apply_batch(&cfg, &first, &[]).unwrap();
    let mut lie = w.clone();
    lie.l1[1].slot.status = zkroll_state::pubdata::L1Status::Failed;
    reseal(&mut lie);
    assert_breaks(lie, "l1_status_matches_outcome");
    // A DepositNew into an occupied index (and one with a key that does not
    // decompress) published as applied.
    let bad_key = zkroll_state::sim::undecompressible_key();
    let pk = wl.deposit_new(0, 1).op; // a fresh key, packed
    let zkroll_state::L1Op::DepositNew { pubkey, .. } = pk else {
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
            pubkey: bad_key,
            token: 0,
            amount: 5,
        }),
    ];
    // Serial 2 was drawn for the key only; queue it first.
    let skip = zkroll_state::QueuedL1Op { serial: 2, op: pk };
    r.apply_batch(&cfg, &[skip], &[]).unwrap();
    let w = r.apply_batch(&cfg, &ops, &[]).unwrap();
    assert!(w.l1.iter().all(|s| s.failure.is_some()));
    assert_eq!(first_unsatisfied(BatchCircuit::new(w.clone())), None);
    for slot in 0..2 {
        let mut lie = w.clone();
        lie.l1[slot].slot.status = zkroll_state::pubdata::L1Status::Applied;
        reseal(&mut lie);
        assert_breaks(lie, "l1_status_matches_outcome");
    }
}
