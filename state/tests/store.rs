//! The state over its stores: replay from pubdata (and what it refuses),
//! revert, persistence in redb, and each batch's recorded stage (applied,
//! proved, written).

mod common;

use common::*;
use zkroll_state::batch::{replay_pubdata, ReplayError};
use zkroll_state::float::{DecimalFloat, Float40};
use zkroll_state::pubdata::{header, Pubdata, PubdataError, HEADER_BYTES, L1_SLOT_BYTES};
use zkroll_state::sim::Workload;
use zkroll_state::tree::AccountTree;
use zkroll_state::{
    BatchConfig, BatchStage, CircuitShape, L1Op, L2OpError, MemStore, QueuedL1Op, RedbStore,
    Rollup, StateError, Storage,
};

#[test]
fn replay_rebuilds_and_refuses_inconsistent_pubdata() {
    let (mut r, w) = setup();
    let wit = r
        .apply_batch(&CONFIG, &[], &[w.transfer(1, 2, 7, 1, 0).unwrap()])
        .unwrap();
    let mut fresh = Rollup::open(MemStore::new(), SHAPE.depth, false).unwrap();
    let first = r.batch_record(1).unwrap().unwrap().pubdata;
    fresh.replay(&SHAPE, &first).unwrap();
    let snapshot = fresh.tree().clone();

    let mut tampered = wit.pubdata.clone();
    let amount_at = HEADER_BYTES + SHAPE.l1_slots * L1_SLOT_BYTES + 9;
    tampered[amount_at + 4] ^= 1; // change the amount
    assert!(matches!(
        fresh.replay(&SHAPE, &tampered),
        Err(StateError::Replay(ReplayError::NewRoot { batch: 2 }))
    ));
    assert_eq!(*fresh.tree(), snapshot);
    assert!(matches!(
        fresh.replay(&SHAPE, &first),
        Err(StateError::Replay(ReplayError::OldRoot { batch: 1 }))
    ));
    assert!(matches!(
        fresh.replay(&SHAPE, &wit.pubdata[1..]),
        Err(StateError::Replay(ReplayError::Pubdata(
            PubdataError::Length { .. }
        )))
    ));
    let mut bad_status = first.clone();
    bad_status[HEADER_BYTES + 1] = 1; // mark an applied DepositNew as failed
    let mut fresh2 = Rollup::open(MemStore::new(), SHAPE.depth, false).unwrap();
    assert!(matches!(
        fresh2.replay(&SHAPE, &bad_status),
        Err(StateError::Replay(ReplayError::L1Outcome {
            batch: 1,
            slot: 0
        }))
    ));
    let mut overdraw = wit.pubdata.clone();
    let packed = Float40::to_bytes(Float40::encode(5000).unwrap());
    overdraw[amount_at..amount_at + 5].copy_from_slice(&packed);
    assert!(matches!(
        fresh.replay(&SHAPE, &overdraw),
        Err(StateError::Replay(ReplayError::L2 {
            slot: 0,
            reason: L2OpError::InsufficientBalance { .. },
            ..
        }))
    ));
    let mut no_fee_acct = wit.pubdata.clone();
    no_fee_acct[header::L1_COUNT - 1] = 40; // fee_account = 40
    assert!(matches!(
        fresh.replay(&SHAPE, &no_fee_acct),
        Err(StateError::Replay(ReplayError::Fee { .. }))
    ));
    assert_eq!(*fresh.tree(), snapshot);
    fresh.replay(&SHAPE, &wit.pubdata).unwrap();
    assert_eq!(fresh.root(), r.root());
    // replay_pubdata on a bare tree gives the same result.
    let mut t = AccountTree::new(SHAPE.depth).unwrap();
    replay_pubdata(&mut t, &SHAPE, &first).unwrap();
    replay_pubdata(&mut t, &SHAPE, &wit.pubdata).unwrap();
    assert_eq!(t.root(), r.root());
}

#[test]
fn revert_and_state_errors() {
    let (mut r, w) = setup();
    let root1 = r.root();
    r.apply_batch(&CONFIG, &[], &[w.transfer(1, 2, 7, 1, 0).unwrap()])
        .unwrap();
    r.apply_batch(&CONFIG, &[], &[w.transfer(2, 1, 3, 0, 0).unwrap()])
        .unwrap();
    assert!(matches!(
        r.revert_to(9),
        Err(StateError::RevertAhead {
            target: 9,
            current: 3
        })
    ));
    r.revert_to(1).unwrap();
    assert_eq!((r.root(), r.last_batch(), r.l1_next()), (root1, 1, 4));
    assert!(r.tree().check_integrity());
    r.revert_to(0).unwrap();
    assert_eq!(r.root(), AccountTree::new(3).unwrap().root());
    assert!(r.tree().is_empty());
    assert!(matches!(
        Rollup::open(MemStore::new(), 0, false),
        Err(StateError::Tree(_))
    ));
}

#[test]
fn redb_store_persists_batches_and_reverts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let (mut mem, w) = setup();
    let t = w.transfer(1, 2, 9, 2, 0).unwrap();
    let roots = {
        let mut r = Rollup::open(zkroll_state::RedbStore::open(&path).unwrap(), 3, false).unwrap();
        let batch1 = mem.batch_record(1).unwrap().unwrap();
        r.replay(&SHAPE, &batch1.pubdata).unwrap();
        mem.apply_batch(&CONFIG, &[], &[t]).unwrap();
        r.apply_batch(&CONFIG, &[], &[t]).unwrap();
        assert_eq!(r.root(), mem.root());
        (batch1.new_root, r.root())
    };
    let mut r = Rollup::open(zkroll_state::RedbStore::open(&path).unwrap(), 3, true).unwrap();
    assert_eq!((r.root(), r.last_batch(), r.l1_next()), (roots.1, 2, 4));
    r.revert_to(1).unwrap();
    drop(r);
    let r = Rollup::open(zkroll_state::RedbStore::open(&path).unwrap(), 3, true).unwrap();
    assert_eq!((r.root(), r.last_batch()), (roots.0, 1));
    assert!(r.batch_record(2).unwrap().is_none());
    drop(r);
    assert!(matches!(
        Rollup::open(zkroll_state::RedbStore::open(&path).unwrap(), 4, false),
        Err(StateError::DepthMismatch {
            stored: 3,
            requested: 4
        })
    ));
}

#[test]
fn populate_creates_accounts_in_wide_batches() {
    let mut w = Workload::new(5, CHAIN);
    let mut r = Rollup::open(MemStore::new(), 5, false).unwrap();
    let n = Workload::POPULATE_BATCH + 88;
    w.populate(&mut r, n).unwrap();
    assert_eq!(r.last_batch(), 2, "two batches of at most POPULATE_BATCH");
    assert_eq!(r.l1_next(), n as u64);
    for k in [0, 1, n - 1] {
        let a = r.account(k as u32).expect("created");
        assert_eq!((a.token, a.nonce, a.balance), (0, 0, 1_000_000 + k as u128));
    }
    assert!(r.account(n as u32).is_none());
    // The workload signs for them: a full batch of transfers applies.
    let l2 = w.random_transfers(r.tree(), 4, 0, 0);
    assert_eq!(l2.len(), 4);
    r.apply_batch(&CONFIG_D5, &[], &l2).unwrap();
}

const CONFIG_D5: BatchConfig = BatchConfig {
    shape: CircuitShape {
        depth: 5,
        l1_slots: 1,
        l2_slots: 4,
    },
    fee_account: 0,
    domain: CHAIN,
};

/// The decoder refuses what the circuit refuses: a Withdraw naming a
/// receiver (`l2_withdraw_to_is_zero`) and a key in a Deposit slot
/// (`l1_key_only_for_deposit_new`), including the bytes of k * r, which a
/// packed-field check would take for zero.
#[test]
fn replay_refuses_a_withdraw_with_a_receiver_and_a_deposit_with_a_key() {
    let (mut r, w) = setup();
    let wit = r
        .apply_batch(&CONFIG, &[], &[w.withdraw(1, 7, 0, 0).unwrap()])
        .unwrap();
    let mut fresh = Rollup::open(MemStore::new(), SHAPE.depth, false).unwrap();
    fresh
        .replay(&SHAPE, &r.batch_record(1).unwrap().unwrap().pubdata)
        .unwrap();
    let to_at = HEADER_BYTES + SHAPE.l1_slots * L1_SLOT_BYTES + 5;
    let mut with_to = wit.pubdata.clone();
    with_to[to_at + 3] = 2;
    assert!(matches!(
        fresh.replay(&SHAPE, &with_to),
        Err(StateError::Replay(ReplayError::Pubdata(
            PubdataError::WithdrawTo { slot: 0, to: 2 }
        )))
    ));
    fresh.replay(&SHAPE, &wit.pubdata).unwrap();

    let dep = r
        .apply_batch(
            &CONFIG,
            &[QueuedL1Op {
                serial: r.l1_next(),
                op: L1Op::Deposit {
                    idx: 1,
                    token: 0,
                    amount: 5,
                },
            }],
            &[],
        )
        .unwrap();
    for k in 1u32..=5 {
        let kr = zkroll_state::field::modulus() * k;
        let mut le = kr.to_bytes_le();
        le.resize(32, 0);
        let mut keyed = dep.pubdata.clone();
        keyed[HEADER_BYTES + 26..HEADER_BYTES + 58].copy_from_slice(&le);
        assert!(matches!(
            Pubdata::from_bytes(&keyed, &SHAPE),
            Err(PubdataError::StrayKey { slot: 0 })
        ));
    }
}

/// Walks a batch through its stages on `r` (at batch 1 after `setup`).
fn stages_round_trip<S: Storage>(r: &mut Rollup<S>, w: &Workload) {
    assert_eq!(r.batch_stage(0).unwrap(), None, "genesis has no stage");
    assert_eq!(r.batch_stage(1).unwrap(), Some(BatchStage::Applied));
    assert_eq!(
        r.unfinished_batch().unwrap(),
        Some((1, BatchStage::Applied))
    );
    r.set_batch_stage(1, BatchStage::Proved).unwrap();
    assert_eq!(r.unfinished_batch().unwrap(), Some((1, BatchStage::Proved)));
    r.set_batch_stage(1, BatchStage::Written).unwrap();
    assert_eq!(r.unfinished_batch().unwrap(), None);
    for bad in [0, 2, 9] {
        assert!(matches!(
            r.set_batch_stage(bad, BatchStage::Written),
            Err(StateError::NoSuchBatch { batch, last: 1 }) if batch == bad
        ));
    }
    r.apply_batch(&CONFIG, &[], &[w.transfer(1, 2, 7, 1, 0).unwrap()])
        .unwrap();
    assert_eq!(
        r.unfinished_batch().unwrap(),
        Some((2, BatchStage::Applied))
    );
    assert_eq!(r.batch_stage(1).unwrap(), Some(BatchStage::Written));
    r.revert_to(1).unwrap();
    assert_eq!(r.batch_stage(2).unwrap(), None, "reverted with its batch");
    assert_eq!(r.unfinished_batch().unwrap(), None);
}

#[test]
fn every_batch_records_its_stage_in_both_stores() {
    let (mut mem, w) = setup();
    stages_round_trip(&mut mem, &w);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    {
        let (mut r, w) = setup_on(RedbStore::open(&path).unwrap());
        stages_round_trip(&mut r, &w);
        r.apply_batch(&CONFIG, &[], &[w.transfer(1, 2, 7, 1, 0).unwrap()])
            .unwrap();
        r.set_batch_stage(2, BatchStage::Proved).unwrap();
    }
    // Stages are durable: a reopened store still knows batch 2 is unfinished.
    let r = Rollup::open(RedbStore::open_existing(&path).unwrap(), SHAPE.depth, true).unwrap();
    assert_eq!(r.unfinished_batch().unwrap(), Some((2, BatchStage::Proved)));
    assert_eq!(r.batch_stage(1).unwrap(), Some(BatchStage::Written));
}

#[test]
fn a_replayed_batch_is_written() {
    let (src, _) = setup();
    let mut fresh = Rollup::open(MemStore::new(), SHAPE.depth, false).unwrap();
    fresh
        .replay(&SHAPE, &src.batch_record(1).unwrap().unwrap().pubdata)
        .unwrap();
    assert_eq!(fresh.batch_stage(1).unwrap(), Some(BatchStage::Written));
    assert_eq!(fresh.unfinished_batch().unwrap(), None);
}
