//! Batch execution: the happy path with its witness, and every rejection
//! and L1 failure reason, each leaving the state exactly as it was.

mod common;

use common::*;
use zkroll_state::batch::{apply_batch, L1Failure};
use zkroll_state::field::Fr;
use zkroll_state::ops::PackedPubkey;
use zkroll_state::pubdata::{public_input, L1Status, Pubdata};
use zkroll_state::sim::Workload;
use zkroll_state::tree::AccountTree;
use zkroll_state::{
    Account, BatchConfig, BatchError, CircuitShape, L1Op, L2OpError, OpType, PrivateKey,
    QueuedL1Op, SignatureError, SignedL2Op, StateError,
};

#[test]
fn happy_batch_witness_chains_roots_and_commits_pubdata() {
    let (mut r, w) = setup();
    let old_root = r.root();
    let l1 = vec![QueuedL1Op {
        serial: 4,
        op: L1Op::ForcedExit { idx: 3, token: 1 },
    }];
    let l2 = vec![
        w.transfer(1, 2, 300, 2, 0).unwrap(),
        w.withdraw(2, 100, 1, 0).unwrap(),
        w.transfer(1, 1, 5, 0, 1).unwrap(),
    ];
    let wit = r.apply_batch(&CONFIG, &l1, &l2).unwrap();
    // Balances: 1 paid 300 + 2; 2 got 300, withdrew 100 + 1; fees 3 to 0; 3 exited.
    assert_eq!(r.account(1).unwrap().balance, 698);
    assert_eq!(r.account(1).unwrap().nonce, 2);
    assert_eq!(r.account(2).unwrap().balance, 1199);
    assert_eq!(r.account(0).unwrap().balance, 3);
    assert_eq!(r.account(3).unwrap().balance, 0);
    assert_eq!(
        wit.l1[0].slot.amount, 500,
        "ForcedExit publishes the exited balance"
    );
    assert_eq!(wit.l1[0].slot.status, L1Status::Applied);
    assert_eq!(wit.fee.total, 3);

    // Roots chain slot by slot, and every path proves its pre-state leaf.
    let mut root = old_root;
    for s in &wit.l1 {
        let idx = s.slot.idx as u64;
        let leaf = s.before.as_ref().map_or(Fr::from(0u64), Account::hash);
        assert!(s.path.verify(root, idx, leaf));
        root = s.root_after;
    }
    for s in &wit.l2 {
        let from = s.slot.from as u64;
        let leaf = s.from_before.as_ref().map_or(Fr::from(0u64), Account::hash);
        assert!(s.from_path.verify(root, from, leaf));
        root = s.root_after;
    }
    let fee_leaf = wit.fee.before.hash();
    assert!(wit.fee.path.verify(root, 0, fee_leaf));
    assert_eq!(wit.new_root, r.root());
    assert_eq!(wit.l2[3].slot.op_type, OpType::Noop);

    // Pubdata decodes back to the same header and slots; the public input commits to it.
    let pd = Pubdata::from_bytes(&wit.pubdata, &SHAPE).unwrap();
    assert_eq!(pd.header, wit.header());
    assert_eq!(pd.header.l1_count, 1);
    assert_eq!(public_input(&wit.pubdata), wit.public_input);
    assert_eq!(pd.l2[1].op_type, OpType::Withdraw);
    assert_eq!(pd.l2[1].amount(), Some(100));
    assert_eq!(wit.pubdata.len(), SHAPE.pubdata_len());
}

#[test]
fn every_l1_failure_is_recorded_and_changes_nothing() {
    let (mut r, mut w) = setup();
    let before = r.root();
    let bad_key = zkroll_state::sim::undecompressible_key();
    let fresh_key = PackedPubkey::from(&PrivateKey::from_bytes([5; 32]).public());
    let l1 = vec![
        w.queue(L1Op::DepositNew {
            idx: 1,
            pubkey: fresh_key,
            token: 0,
            amount: 5,
        }),
        w.queue(L1Op::Deposit {
            idx: 5,
            token: 0,
            amount: 5,
        }),
        w.queue(L1Op::Deposit {
            idx: 3,
            token: 0,
            amount: 5,
        }),
        w.queue(L1Op::DepositNew {
            idx: 6,
            pubkey: bad_key,
            token: 0,
            amount: 5,
        }),
    ];
    let wit = r.apply_batch(&CONFIG, &l1, &[]).unwrap();
    let reasons: Vec<_> = wit.l1.iter().map(|s| s.failure).collect();
    assert_eq!(
        reasons,
        vec![
            Some(L1Failure::AccountExists),
            Some(L1Failure::UnknownAccount),
            Some(L1Failure::TokenMismatch),
            Some(L1Failure::InvalidPubkey),
        ]
    );
    assert!(wit.l1.iter().all(|s| s.slot.status == L1Status::Failed));
    assert_eq!(r.root(), before, "failed L1 ops change nothing");
    assert_eq!(
        r.l1_next(),
        8,
        "failed ops are still consumed from the queue"
    );

    let l1 = vec![
        w.queue(L1Op::Deposit {
            idx: 1,
            token: 0,
            amount: u128::MAX,
        }),
        w.queue(L1Op::DepositNew {
            idx: 64, // 4^3: outside a depth-3 tree
            pubkey: fresh_key,
            token: 0,
            amount: 1,
        }),
        w.queue(L1Op::ForcedExit { idx: 9, token: 0 }),
    ];
    let wit = r.apply_batch(&CONFIG, &l1, &[]).unwrap();
    let reasons: Vec<_> = wit.l1.iter().map(|s| s.failure).collect();
    assert_eq!(
        reasons,
        vec![
            Some(L1Failure::BalanceOverflow),
            Some(L1Failure::IndexOutOfRange),
            Some(L1Failure::UnknownAccount),
            None
        ]
    );
    assert_eq!(
        wit.l1[2].slot.amount, 0,
        "a failed ForcedExit exits nothing"
    );
    assert_eq!(r.root(), before);
}

/// A DepositNew of a small-order key (it decompresses, 8·A is the
/// identity) fails: no L2 operation from it could ever be accepted, so the
/// deposit is refunded rather than stranded.
#[test]
fn a_small_order_key_fails_its_deposit_new() {
    let (mut r, mut w) = setup();
    let before = r.root();
    let key = zkroll_state::sim::small_order_key();
    let point = zkroll_state::babyjubjub::decompress_reduced(&key.0).expect("decompresses");
    assert!(zkroll_state::babyjubjub::is_small_order(&point));
    let op = w.queue(L1Op::DepositNew {
        idx: 6,
        pubkey: key,
        token: 0,
        amount: 5,
    });
    let wit = r.apply_batch(&CONFIG, &[op], &[]).unwrap();
    assert_eq!(wit.l1[0].failure, Some(L1Failure::SmallOrderPubkey));
    assert_eq!(wit.l1[0].slot.status, L1Status::Failed);
    assert_eq!(r.root(), before);
    assert!(r.account(6).is_none());
}

#[test]
fn every_l2_rejection_names_its_slot_and_changes_nothing() {
    let (mut r, w) = setup();
    let ok = w.transfer(1, 2, 10, 0, 0).unwrap();

    let cases: Vec<(Vec<SignedL2Op>, usize, L2OpError)> = vec![
        (
            vec![ok, w.transfer(1, 9, 10, 0, 1).unwrap()],
            1,
            L2OpError::UnknownAccount { idx: 9 },
        ),
        (
            vec![w.transfer(1, 2, 10, 0, 5).unwrap()],
            0,
            L2OpError::WrongNonce {
                expected: 0,
                got: 5,
            },
        ),
        (
            vec![w.transfer(1, 2, 990, 11, 0).unwrap()],
            0,
            L2OpError::InsufficientBalance {
                balance: 1000,
                amount: 990,
                fee: 11,
            },
        ),
        (
            vec![w.transfer(1, 3, 10, 0, 0).unwrap()],
            0,
            L2OpError::TokenMismatch {
                from_token: 0,
                to_token: 1,
            },
        ),
        (
            vec![w.transfer(1, 2, 34_359_738_369, 0, 0).unwrap()],
            0,
            L2OpError::AmountNotRepresentable {
                amount: 34_359_738_369,
            },
        ),
        (
            vec![w.transfer(1, 2, 10, 2049, 0).unwrap()],
            0,
            L2OpError::FeeNotRepresentable { fee: 2049 },
        ),
        (
            vec![w.transfer(3, 3, 10, 1, 0).unwrap()],
            0,
            L2OpError::FeeOnForeignToken {
                token: 1,
                fee_token: 0,
            },
        ),
        (
            // amount + fee overflows u128 itself: still just insufficient.
            vec![w
                .transfer(1, 2, 34_028 * 10u128.pow(34), 2047 * 10u128.pow(31), 0)
                .unwrap()],
            0,
            L2OpError::InsufficientBalance {
                balance: 1000,
                amount: 34_028 * 10u128.pow(34),
                fee: 2047 * 10u128.pow(31),
            },
        ),
    ];
    for (ops, slot, reason) in cases {
        let got = l2_reason(refused(&mut r, &[], &ops));
        assert_eq!(got, (slot, reason));
    }

    // Signed by the wrong key / for another chain / tampered after signing.
    let mut forged = w.transfer(2, 1, 10, 0, 0).unwrap();
    forged.op = w.transfer(1, 2, 10, 0, 0).unwrap().op;
    assert_eq!(
        l2_reason(refused(&mut r, &[], &[forged])),
        (0, L2OpError::BadSignature(SignatureError::Mismatch))
    );
    // Same keys (same seed, same deposits), signing for another deployment:
    // the same contract address on another L1 chain, and another contract
    // on the same chain.
    let mut other_address = CHAIN.rollup.0;
    other_address[19] ^= 1;
    for domain in [
        zkroll_state::Domain::new(CHAIN.chain_id + 1, CHAIN.rollup.0),
        zkroll_state::Domain::new(CHAIN.chain_id, other_address),
    ] {
        let mut other_chain = Workload::new(1, domain);
        for _ in 0..4 {
            other_chain.deposit_new(0, 0);
        }
        let other = other_chain.transfer(1, 2, 10, 0, 0);
        assert_eq!(
            l2_reason(refused(&mut r, &[], &[other.unwrap()])),
            (0, L2OpError::BadSignature(SignatureError::Mismatch)),
            "signed for {domain}"
        );
    }
}

#[test]
fn batch_level_rejections() {
    let (mut r, mut w) = setup();
    let t = w.transfer(1, 2, 1, 0, 0).unwrap();
    assert_eq!(
        refused(&mut r, &[], &[t; 5]),
        BatchError::TooManyL2Ops { got: 5, slots: 4 }
    );
    let q: Vec<QueuedL1Op> = (0..5).map(|_| w.deposit_new(0, 1)).collect();
    assert_eq!(
        refused(&mut r, &q, &[]),
        BatchError::TooManyL1Ops { got: 5, slots: 4 }
    );
    // Skipped (serial 5 before 4) and replayed (serial 3, already consumed) queue entries.
    assert_eq!(
        refused(&mut r, &q[1..2], &[]),
        BatchError::L1OutOfOrder {
            slot: 0,
            expected: 4,
            got: 5
        }
    );
    let replayed = QueuedL1Op { serial: 3, ..q[0] };
    assert_eq!(
        refused(&mut r, &[replayed], &[]),
        BatchError::L1OutOfOrder {
            slot: 0,
            expected: 4,
            got: 3
        }
    );
    assert_eq!(
        refused(&mut r, &[q[0], q[2]], &[]),
        BatchError::L1OutOfOrder {
            slot: 1,
            expected: 5,
            got: 6
        }
    );
    let cfg = BatchConfig {
        fee_account: 50,
        ..CONFIG
    };
    let before = r.tree().clone();
    assert!(matches!(
        r.apply_batch(&cfg, &[], &[]),
        Err(StateError::Batch(BatchError::UnknownFeeAccount { idx: 50 }))
    ));
    let cfg = BatchConfig {
        shape: CircuitShape { depth: 4, ..SHAPE },
        ..CONFIG
    };
    assert!(matches!(
        r.apply_batch(&cfg, &[], &[]),
        Err(StateError::Batch(BatchError::DepthMismatch {
            tree: 3,
            shape: 4
        }))
    ));
    assert_eq!(*r.tree(), before);
}

/// Rules that need extreme balances or nonces, set up directly in a tree.
#[test]
fn overflow_and_nonce_exhaustion() {
    let keys: Vec<PrivateKey> = (1..=3u8).map(|i| PrivateKey::from_bytes([i; 32])).collect();
    let acct = |k: &PrivateKey, balance, nonce| Account {
        token: 0,
        nonce,
        balance,
        pubkey: k.public(),
    };
    let mut tree = AccountTree::from_leaves(
        3,
        [
            (0, acct(&keys[0], u128::MAX - 1, 0)),
            (1, acct(&keys[1], 100, u32::MAX)),
            (2, acct(&keys[2], u128::MAX - 5, 0)),
        ],
    )
    .unwrap();
    let sign = |k: &PrivateKey, op: zkroll_state::L2Op| op.sign(k, &CHAIN);
    let transfer = |from, to, amount, fee, nonce| {
        zkroll_state::L2Op::Transfer(zkroll_state::Transfer {
            from,
            to,
            amount,
            fee,
            nonce,
        })
    };
    let snapshot = tree.clone();
    let mut run = |ops: &[SignedL2Op]| {
        let e = apply_batch(&mut tree, &CONFIG, 1, 0, &[], ops).unwrap_err();
        assert_eq!(tree, snapshot);
        e
    };
    assert_eq!(
        l2_reason(run(&[sign(&keys[1], transfer(1, 0, 1, 0, u32::MAX))])),
        (0, L2OpError::NonceExhausted)
    );
    assert_eq!(
        l2_reason(run(&[sign(&keys[0], transfer(0, 2, 10, 0, 0))])),
        (0, L2OpError::BalanceOverflow { idx: 2 })
    );
    // The fee account is at 2^128 - 2: two units of fees overflow it.
    assert_eq!(
        run(&[sign(&keys[2], transfer(2, 2, 0, 2, 0))]),
        BatchError::FeeOverflow { idx: 0 }
    );
}
