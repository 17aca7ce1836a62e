//! Rollup.sol in revm with real proofs (depth 2, 2 L1 + 2 L2 slots):
//! deposits -> batches with transfers, a withdrawal and a forced exit ->
//! withdraw() pays the right owner; every refusal leaves the contract's
//! state unchanged; exodus mode pays owners from Merkle proofs.

#[path = "support/world.rs"]
mod world;

use std::sync::OnceLock;

use ark_bn254::Bn254;
use ark_groth16::Proof;
use world::*;
use zkroll_l1::rollup::{batch_parts, proof_words, reenter};
use zkroll_l1::U256;
use zkroll_state::ops::PackedPubkey;
use zkroll_state::pubdata::header;
use zkroll_state::{AccountTree, BatchWitness, L1Op};

#[test]
fn deposits_batches_withdrawals_and_gas() {
    let mut world = World::new();
    let l1 = world.next_l1(2);
    let (b1, p1) = world.batch(&l1, &[]);
    let g1 = world.submit(&b1, &p1);
    assert_eq!(world.l1.snapshot().unwrap().1, 1);

    // Batch 2: bob's DepositNew, alice pays bob 1000 (+1 fee), bob withdraws 500.
    let l1 = world.next_l1(1);
    let t = world.w.transfer(1, 2, 1000, 1, 0).unwrap();
    let x = world.w.withdraw(2, 500, 0, 0).unwrap();
    let (b2, p2) = world.batch(&l1, &[t, x]);
    let g2 = world.submit(&b2, &p2);
    assert_eq!(world.l1.pending(user(3), 0).unwrap(), U256::from(500));
    assert_eq!(world.l1.pending(user(2), 0).unwrap(), U256::ZERO);

    // Batch 3: two transfers; batch 4: one transfer (both change the root,
    // so both pay the same storage writes). Their difference is the
    // marginal cost of an L2 transfer slot: execution plus the slot's 16
    // calldata bytes, which replace 16 bytes of ABI zero padding.
    let t1 = world.w.transfer(1, 2, 10, 0, 1).unwrap();
    let t2 = world.w.transfer(2, 1, 10, 0, 1).unwrap();
    let (b3, p3) = world.batch(&[], &[t1, t2]);
    let o3 = world.l1.submit_batch(&b3, &p3).unwrap();
    let t3 = world.w.transfer(1, 2, 10, 0, 2).unwrap();
    let (b4, p4) = world.batch(&[], &[t3]);
    let o4 = world.l1.submit_batch(&b4, &p4).unwrap();
    let slot = &batch_parts(&b3).2[16..32];
    let slot_calldata: u64 = slot
        .iter()
        .map(|&b| if b == 0 { 4 } else { 16 })
        .sum::<u64>()
        - 16 * 4;
    let marginal = o3.execution_gas() - o4.execution_gas() + slot_calldata;
    let fixed = o4.gas_used - marginal;

    // Batch 5: bob forces his exit; the batch publishes his whole balance.
    world.l1.request_forced_exit(user(3), 2).unwrap();
    world
        .queued
        .push(world.w.queue(L1Op::ForcedExit { idx: 2, token: 0 }));
    let l1 = world.next_l1(1);
    let (b5, p5) = world.batch(&l1, &[]);
    world.submit(&b5, &p5);
    let exited = b5.l1[0].slot.amount;
    assert_eq!(exited, 3000 + 1000 - 500 - 10 + 10 + 10);
    assert_eq!(
        world.l1.pending(user(3), 0).unwrap(),
        U256::from(500 + exited)
    );

    // withdraw() pays the right owner the right amount, once.
    let before = world.l1.evm.balance(user(3));
    let out = world.l1.withdraw(user(3), 0).unwrap();
    assert_eq!(
        world.l1.evm.balance(user(3)) - before,
        U256::from(500 + exited)
    );
    let e = world.l1.withdraw(user(3), 0).unwrap_err();
    assert_eq!(revert_name(e), "NothingToWithdraw");
    assert_eq!(
        world.l1.state_root().unwrap(),
        zkroll_state::field::fr_to_be_bytes(&world.state.root())
    );

    println!(
        "gas submitBatch: b1 (2 DepositNew) {g1}, b2 (1 DepositNew + transfer + withdrawal) {g2}"
    );
    println!(
        "gas submitBatch: 2 transfers {} (execution {}), 1 transfer {} (execution {}); \
         marginal per L2 transfer slot {marginal}, fixed (incl. 21,000 base) {fixed}",
        o3.gas_used,
        o3.execution_gas(),
        o4.gas_used,
        o4.execution_gas()
    );
    assert!(
        marginal <= 300,
        "marginal gas per transfer {marginal} > 300"
    );
    assert!(fixed <= 260_000 + 21_000, "fixed gas {fixed} > 281,000");
    println!("gas withdraw: {}", out.gas_used);
}

/// Batches 1 (serials 0, 1) and 2 (serials 2, 3 and a withdrawal of 100
/// from account 1), proved once and shared: every world built by
/// [`World::with_fourth_deposit`] queues the same operations.
fn proved() -> &'static [(BatchWitness, Proof<Bn254>); 2] {
    static P: OnceLock<[(BatchWitness, Proof<Bn254>); 2]> = OnceLock::new();
    P.get_or_init(|| {
        let mut world = World::with_fourth_deposit();
        let l1 = world.next_l1(2);
        let b1 = world.batch(&l1, &[]);
        let l1 = world.next_l1(2);
        let x = world.w.withdraw(1, 100, 0, 0).unwrap();
        let b2 = world.batch(&l1, &[x]);
        [b1, b2]
    })
}

impl World {
    /// [`World::new`] plus a fourth deposit (user 4, 700 wei, serial 3).
    fn with_fourth_deposit() -> Self {
        let mut world = Self::new();
        world.deposit_new(user(4), 700);
        world
    }

    /// A world where batch 1 is settled; returns batch 2's parts and proof words.
    fn at_batch_2() -> (Self, Vec<u8>, Vec<u8>, Vec<u8>, [U256; 8]) {
        let mut world = Self::with_fourth_deposit();
        let [(b1, p1), (b2, p2)] = proved();
        world.l1.submit_batch(b1, p1).expect("batch 1");
        let (header, l1b, l2b) = batch_parts(b2);
        (world, header, l1b, l2b, proof_words(p2))
    }
}

#[test]
fn refuses_a_replayed_batch() {
    let (mut world, ..) = World::at_batch_2();
    let (b1, p1) = &proved()[0];
    refused(&mut world, "WrongBatchNumber", |l| l.submit_batch(b1, p1));
}

#[test]
fn refuses_a_tampered_proof() {
    let (mut world, header, l1b, l2b, proof) = World::at_batch_2();
    let mut bad = proof;
    bad[6] ^= U256::from(1);
    refused(&mut world, "ProofInvalid", |l| {
        l.submit_raw(&header, &l1b, &l2b, bad)
    });
    // The genuine batch still lands afterwards.
    world.l1.submit_raw(&header, &l1b, &l2b, proof).unwrap();
    assert_eq!(world.l1.pending(user(2), 0).unwrap(), U256::from(100));
}

#[test]
fn refuses_a_wrong_old_root() {
    let (mut world, header, l1b, l2b, proof) = World::at_batch_2();
    let mut h = header.clone();
    h[40] ^= 1;
    refused(&mut world, "WrongOldRoot", |l| {
        l.submit_raw(&h, &l1b, &l2b, proof)
    });
}

#[test]
fn refuses_a_skipped_l1_op() {
    let (mut world, header, l1b, l2b, proof) = World::at_batch_2();
    let mut h = header.clone();
    h[header::END - 1] = 1; // claim one L1 op and publish only the second
    refused(&mut world, "L1OpMismatch", |l| {
        l.submit_raw(&h, &l1b[58..], &l2b, proof)
    });
}

#[test]
fn refuses_reordered_l1_ops() {
    let (mut world, header, l1b, l2b, proof) = World::at_batch_2();
    let swapped = [&l1b[58..], &l1b[..58]].concat();
    refused(&mut world, "L1OpMismatch", |l| {
        l.submit_raw(&header, &swapped, &l2b, proof)
    });
}

#[test]
fn refuses_a_forged_withdrawal() {
    use zkroll_state::float::{DecimalFloat, Float40};
    let (mut world, header, l1b, l2b, proof) = World::at_batch_2();
    // The proof covers a withdrawal of 100: publish 10,000 instead.
    let mut forged = l2b.clone();
    forged[9..14].copy_from_slice(&Float40::to_bytes(Float40::encode(10_000).unwrap()));
    refused(&mut world, "ProofInvalid", |l| {
        l.submit_raw(&header, &l1b, &forged, proof)
    });
    // An extra withdrawal slot appended after the proved ones.
    let mut extra = l2b.clone();
    extra.extend_from_slice(&forged[..16]);
    refused(&mut world, "ProofInvalid", |l| {
        l.submit_raw(&header, &l1b, &extra, proof)
    });
    assert_eq!(world.l1.pending(user(2), 0).unwrap(), U256::ZERO);
}

#[test]
fn refuses_a_batch_from_anyone_but_the_operator() {
    let (mut world, ..) = World::at_batch_2();
    let (b2, p2) = &proved()[1];
    let data = zkroll_l1::rollup::submit_batch_calldata(b2, p2);
    let rollup = world.l1.rollup;
    refused(&mut world, "NotOperator", |l| {
        l.evm.call(user(1), rollup, &data, U256::ZERO)
    });
}

#[test]
fn erc20_deposit_and_withdrawal() {
    let mut world = World::new();
    let (token_addr, token) = world.l1.deploy_test_token().unwrap();
    assert_eq!(token, 1);
    world
        .l1
        .mint_and_approve(token_addr, user(4), 10_000)
        .unwrap();
    // User 4 opens account 3 holding 6,000 of the token.
    let q = world.w.deposit_new(token, 6_000);
    let L1Op::DepositNew { idx, pubkey, .. } = q.op else {
        unreachable!()
    };
    let (got, _) = world
        .l1
        .deposit_new(user(4), &pubkey, token, 6_000)
        .unwrap();
    assert_eq!(got, idx);
    world.queued.push(q);
    assert_eq!(
        world.l1.token_balance(token_addr, user(4)).unwrap(),
        U256::from(4_000)
    );
    let l1 = world.next_l1(2);
    let (b1, p1) = world.batch(&l1, &[]);
    world.submit(&b1, &p1);
    let l1 = world.next_l1(2);
    // Token-1 accounts pay no fee (the fee account holds token 0).
    let x = world.w.withdraw(3, 2_500, 0, 0).unwrap();
    let (b2, p2) = world.batch(&l1, &[x]);
    world.submit(&b2, &p2);
    assert_eq!(world.l1.pending(user(4), token).unwrap(), U256::from(2_500));
    world.l1.withdraw(user(4), token).unwrap();
    assert_eq!(
        world.l1.token_balance(token_addr, user(4)).unwrap(),
        U256::from(6_500)
    );
    let e = world.l1.withdraw(user(4), token).unwrap_err();
    assert_eq!(revert_name(e), "NothingToWithdraw");
}

#[test]
fn reentrant_withdraw_pays_once() {
    let mut world = World::new();
    let attacker = world.l1.deploy_reenter().unwrap();
    world.l1.evm.fund(attacker, U256::from(1));
    // The attacker contract opens account 3 with a workload key.
    let q = world.w.deposit_new(0, 900);
    let L1Op::DepositNew { pubkey, .. } = q.op else {
        unreachable!()
    };
    world
        .l1
        .evm
        .call(
            user(4),
            attacker,
            &reenter::open(&pubkey, 900),
            U256::from(900 + FEE),
        )
        .expect("open");
    world.queued.push(q);
    let l1 = world.next_l1(2);
    let (b1, p1) = world.batch(&l1, &[]);
    world.submit(&b1, &p1);
    let l1 = world.next_l1(2);
    let x = world.w.withdraw(3, 400, 0, 0).unwrap();
    let (b2, p2) = world.batch(&l1, &[x]);
    world.submit(&b2, &p2);
    assert_eq!(world.l1.pending(attacker, 0).unwrap(), U256::from(400));
    world
        .l1
        .evm
        .call(user(4), attacker, &reenter::cash_out(), U256::ZERO)
        .expect("cash out");
    let received = world
        .l1
        .evm
        .view(user(4), attacker, &reenter::received())
        .unwrap()
        .output;
    assert_eq!(
        U256::from_be_slice(&received),
        U256::from(400),
        "paid exactly once"
    );
    let failed = world
        .l1
        .evm
        .view(user(4), attacker, &reenter::reentry_failed())
        .unwrap()
        .output;
    assert_eq!(
        U256::from_be_slice(&failed),
        U256::from(1),
        "the re-entry reverted"
    );
    assert_eq!(world.l1.pending(attacker, 0).unwrap(), U256::ZERO);
}

/// A world with batches 1 and 2 settled, then a forced exit and a deposit
/// that no batch processes, and exodus activated after the expiry.
fn exodus_world() -> World {
    let (mut world, header, l1b, l2b, proof) = World::at_batch_2();
    world.l1.submit_raw(&header, &l1b, &l2b, proof).unwrap();
    world.l1.request_forced_exit(user(2), 1).unwrap();
    let pk = PackedPubkey::from(&zkroll_state::PrivateKey::from_bytes([7; 32]).public());
    world.l1.deposit_new(user(4), &pk, 0, 250).unwrap();
    let e = world.l1.activate_exodus(user(4)).unwrap_err();
    assert_eq!(revert_name(e), "NotExpired");
    world.l1.evm.set_block(EXPIRY + 10, 1_000_000);
    world.l1.activate_exodus(user(4)).unwrap();
    world
}

/// The tree of the last verified batch (batch 2), rebuilt natively.
fn verified_tree() -> AccountTree {
    let mut t = AccountTree::new(SHAPE.depth).unwrap();
    for (w, _) in proved() {
        zkroll_state::batch::replay_pubdata(&mut t, &SHAPE, &w.pubdata).unwrap();
    }
    t
}

#[test]
fn refuses_batches_after_exodus() {
    let mut world = exodus_world();
    let (b2, p2) = &proved()[1];
    refused(&mut world, "ExodusActive", |l| l.submit_batch(b2, p2));
    let e = world.l1.deposit(user(2), 1, 5).unwrap_err();
    assert_eq!(revert_name(e), "ExodusActive");
}

#[test]
fn exodus_exit_pays_once_and_needs_a_true_proof() {
    let mut world = exodus_world();
    let tree = verified_tree();
    let alice = *tree.get(1).unwrap();
    let path = tree.path(1).unwrap();
    // A wrong balance does not prove.
    let mut rich = alice;
    rich.balance += 1;
    let e = world.l1.exodus_exit(user(9), 1, &rich, &path).unwrap_err();
    assert_eq!(revert_name(e), "BadMerkleProof");
    // Alice already has 100 pending from batch 2's withdrawal.
    let owed = U256::from(100 + alice.balance);
    let out = world.l1.exodus_exit(user(9), 1, &alice, &path).unwrap();
    println!("gas exodusExit (depth {}): {}", SHAPE.depth, out.gas_used);
    assert_eq!(world.l1.pending(user(2), 0).unwrap(), owed);
    let e = world.l1.exodus_exit(user(9), 1, &alice, &path).unwrap_err();
    assert_eq!(revert_name(e), "AlreadyExited");
    let before = world.l1.evm.balance(user(2));
    world.l1.withdraw(user(2), 0).unwrap();
    assert_eq!(world.l1.evm.balance(user(2)) - before, owed);
}

#[test]
fn exodus_returns_unprocessed_deposits_once() {
    let mut world = exodus_world();
    // Serials 0..=3 were processed; 4 is the forced exit, 5 the deposit.
    let e = world.l1.reclaim_deposit(user(9), 1).unwrap_err();
    assert_eq!(revert_name(e), "NotReclaimable");
    let e = world.l1.reclaim_deposit(user(9), 4).unwrap_err();
    assert_eq!(
        revert_name(e),
        "NotReclaimable",
        "a forced exit carries no deposit"
    );
    world.l1.reclaim_deposit(user(9), 5).unwrap();
    assert_eq!(world.l1.pending(user(4), 0).unwrap(), U256::from(250));
    let e = world.l1.reclaim_deposit(user(9), 5).unwrap_err();
    assert_eq!(revert_name(e), "NotReclaimable");
}
