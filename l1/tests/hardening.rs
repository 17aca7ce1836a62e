//! Rollup.sol's trust and liveness rules (issue 13), in revm with real
//! proofs: the genesis must be the empty tree; an L1 flood at any rate
//! cannot open exodus while the operator keeps its declared batch
//! interval; a batch names its deployment (chain and contract) and no other
//! deployment accepts it; a settled proof, re-randomised, settles nothing
//! again, and a proof of batch N does not settle batch N + 1; `sync` records
//! the batches L1 settled as written.

#[path = "support/world.rs"]
mod world;

use alloy_sol_types::SolCall;
use ark_groth16::Groth16;
use rand::SeedableRng;
use world::*;
use zkroll_l1::rollup::{batch_parts, proof_words, RollupL1};
use zkroll_l1::{Evm, RollupParams, U256};
use zkroll_state::{Account, AccountTree, L1Op, PrivateKey, PublicKey, QueuedL1Op};

#[test]
fn a_funded_genesis_is_refused() {
    // A deployer seeds leaf 0 with a balance under its own key.
    let mut tree = AccountTree::new(SHAPE.depth).unwrap();
    let pk: PublicKey = PrivateKey::from_bytes([9; 32]).public();
    tree.set(0, Some(Account::new(0, 1_000_000, pk))).unwrap();
    let funded = tree.root();
    let err = RollupL1::deploy(&key().pk.vk, SHAPE, PARAMS, funded)
        .err()
        .expect("a funded genesis must not deploy");
    assert_eq!(revert_name(err), "BadGenesis");
    // The empty tree of the depth deploys (World::new does exactly that);
    // the empty tree of another depth does not.
    let other_depth = AccountTree::new(SHAPE.depth + 1).unwrap().root();
    let err = RollupL1::deploy(&key().pk.vk, SHAPE, PARAMS, other_depth)
        .err()
        .expect("another depth's empty root must not deploy");
    assert_eq!(revert_name(err), "BadGenesis");
    let _ = World::new();
}

#[test]
fn queue_bounds_are_checked_at_deployment() {
    let genesis = AccountTree::new(SHAPE.depth).unwrap().root();
    for bad in [
        RollupParams {
            batch_interval_blocks: 0,
            ..PARAMS
        },
        RollupParams {
            expiry_blocks: PARAMS.batch_interval_blocks - 1,
            ..PARAMS
        },
    ] {
        let err = RollupL1::deploy(&key().pk.vk, SHAPE, bad, genesis)
            .err()
            .expect("a queue bound that cannot be honoured must not deploy");
        assert_eq!(revert_name(err), "BadQueueBound", "{bad:?}");
    }
}

/// Floods the queue every block with 1-wei deposits (as many as the
/// contract takes) while the operator settles a batch of the next L1 slots
/// every `interval` blocks, for `blocks` blocks. Returns the first block at
/// which `activateExodus` succeeded, if any, and how many floods were refused
/// with `QueueFull`.
fn flood(params: RollupParams, interval: u64, blocks: u64) -> (Option<u64>, usize) {
    let mut world = World::deploy(params);
    let attacker = user(4);
    let mut full = 0;
    for b in 1..=blocks {
        world.l1.evm.set_block(b, 1_000 + 12 * b);
        // The flood: each accepted deposit is mirrored in the operator's queue.
        for _ in 0..2 * SHAPE.l1_slots * 10 {
            match world.l1.deposit(attacker, 1, 1) {
                Ok(_) => {
                    let serial = world.queued.len() as u64;
                    world.queued.push(QueuedL1Op {
                        serial,
                        op: L1Op::Deposit {
                            idx: 1,
                            token: 0,
                            amount: 1,
                        },
                    });
                }
                Err(e) => {
                    assert_eq!(revert_name(e), "QueueFull");
                    full += 1;
                    break;
                }
            }
        }
        if b % interval == 0 {
            let l1 = world.next_l1(SHAPE.l1_slots);
            let (w, p) = world.batch(&l1, &[]);
            world.submit(&w, &p);
        }
        match world.l1.activate_exodus(attacker) {
            Ok(_) => return (Some(b), full),
            Err(e) => assert_eq!(revert_name(e), "NotExpired"),
        }
    }
    // Every queued operation paid the operator.
    let queued = world.queued.len() as u128;
    assert_eq!(
        world.l1.pending(world.l1.operator, 0).unwrap(),
        U256::from(queued * params.l1_op_fee)
    );
    (None, full)
}

#[test]
fn a_flood_cannot_open_exodus_while_the_operator_keeps_its_interval() {
    // expiry 40, interval 10: the queue holds 2 * 4 = 8 operations, drained
    // within 4 batches = 40 blocks.
    let params = RollupParams {
        expiry_blocks: 40,
        batch_interval_blocks: 10,
        l1_op_fee: FEE,
    };
    assert_eq!(params.max_queued(SHAPE.l1_slots), 8);
    let (exodus, full) = flood(params, params.batch_interval_blocks, 60);
    assert_eq!(exodus, None, "the flood opened exodus");
    assert!(full > 0, "the flood never met the queue bound");

    // The twin: the same operator and flood against a deployment that
    // declared a 1-block interval (a queue of 80) it does not keep. The bound
    // is what stops the flood.
    let loose = RollupParams {
        batch_interval_blocks: 1,
        ..params
    };
    let (exodus, _) = flood(loose, params.batch_interval_blocks, 60);
    assert!(
        exodus.is_some(),
        "an unbounded flood must outrun the operator"
    );
}

#[test]
fn l1_operations_pay_the_fee() {
    let mut world = World::new();
    // Without the fee, or with too much, nothing is queued.
    let pk = zkroll_state::ops::PackedPubkey::from(&PrivateKey::from_bytes([3; 32]).public());
    let data = zkroll_l1::abi::Rollup::depositNewCall {
        pubkey: pk.0.into(),
        token: 0,
        amount: 10,
    };
    let rollup = world.l1.rollup;
    for value in [10, 10 + FEE - 1, 10 + FEE + 1] {
        let e = world
            .l1
            .evm
            .call(user(1), rollup, &data.abi_encode(), U256::from(value))
            .unwrap_err();
        assert_eq!(revert_name(e), "BadAmount", "value {value}");
    }
    let fe = zkroll_l1::abi::Rollup::requestForcedExitCall { idx: 0 }.abi_encode();
    let e = world
        .l1
        .evm
        .call(user(1), rollup, &fe, U256::ZERO)
        .unwrap_err();
    assert_eq!(revert_name(e), "BadFee");
    world.l1.request_forced_exit(user(1), 0).unwrap();
    // Three deposits in World::new and the forced exit.
    assert_eq!(
        world.l1.pending(world.l1.operator, 0).unwrap(),
        U256::from(4 * FEE)
    );
}

#[test]
fn a_batch_settles_only_on_the_deployment_it_names() {
    let mut x = World::new();
    let l1 = x.next_l1(2);
    let (w, p) = x.batch(&l1, &[]);
    let (header, l1b, l2b) = batch_parts(&w);
    let words = proof_words(&p);

    // Deployment Y on the same chain: the deployer's nonce moved, so
    // Rollup.sol sits at another address. Same queue, same state.
    let mut evm = Evm::new();
    evm.deploy(&[0x00]).unwrap();
    let mut y = World::deploy_on(evm, PARAMS);
    assert_ne!(y.l1.rollup, x.l1.rollup);
    assert_eq!(y.l1.domain().chain_id, x.l1.domain().chain_id);
    refused(&mut y, "WrongRollup", |l| {
        l.submit_raw(&header, &l1b, &l2b, words)
    });

    // The same address on another chain.
    let mut evm = Evm::new();
    evm.set_chain_id(x.l1.domain().chain_id + 1);
    let mut z = World::deploy_on(evm, PARAMS);
    assert_eq!(z.l1.rollup, x.l1.rollup);
    refused(&mut z, "WrongChain", |l| {
        l.submit_raw(&header, &l1b, &l2b, words)
    });

    // Y's own header with X's batch: the proof is for X's pubdata.
    let mut h = header.clone();
    h[..zkroll_state::domain::DOMAIN_BYTES].copy_from_slice(&y.l1.domain().to_bytes());
    refused(&mut y, "ProofInvalid", |l| {
        l.submit_raw(&h, &l1b, &l2b, words)
    });

    // X takes it.
    x.submit(&w, &p);
}

#[test]
fn a_settled_proof_settles_nothing_again() {
    let mut world = World::with_three_batches_queued();
    let l1 = world.next_l1(2);
    let (w1, p1) = world.batch(&l1, &[]);
    world.submit(&w1, &p1);
    let (h1, l1b1, l2b1) = batch_parts(&w1);

    // A re-randomised proof of batch 1 is a different valid proof ...
    let mut rng = rand::rngs::StdRng::seed_from_u64(77);
    let vk = &key().pk.vk;
    let rerand = Groth16::<ark_bn254::Bn254>::rerandomize_proof(vk, &p1, &mut rng);
    assert_ne!(rerand, p1);
    zkroll_verifier::verify(vk, &[w1.public_input], &rerand).expect("a valid proof");
    // ... and settles batch 1 no second time.
    refused(&mut world, "WrongBatchNumber", |l| {
        l.submit_raw(&h1, &l1b1, &l2b1, proof_words(&rerand))
    });

    // A proof of batch 1 does not settle batch 2.
    let l1 = world.next_l1(1);
    let (w2, p2) = world.batch(&l1, &[]);
    let (h2, l1b2, l2b2) = batch_parts(&w2);
    for proof in [&p1, &rerand] {
        refused(&mut world, "ProofInvalid", |l| {
            l.submit_raw(&h2, &l1b2, &l2b2, proof_words(proof))
        });
    }
    world.submit(&w2, &p2);
}

impl World {
    /// [`World::new`] plus a fourth deposit, so two batches have L1 work.
    fn with_three_batches_queued() -> Self {
        let mut world = Self::new();
        world.deposit_new(user(4), 700);
        world
    }
}

/// A batch the operator applied and L1 settled, but whose stage a killed
/// prover never moved to `Written`, is recorded `Written` by `sync`, so no
/// later `zkroll prove` reverts a settled batch; and a follower replaying
/// from L1 records every batch `Written`.
#[test]
fn sync_records_settled_batches_as_written() {
    use zkroll_state::{BatchStage, MemStore, Rollup};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut world = World::new();
    let l1 = world.next_l1(2);
    let (w1, p1) = world.batch(&l1, &[]);
    world.submit(&w1, &p1);
    assert_eq!(
        world.state.unfinished_batch().unwrap(),
        Some((1, BatchStage::Applied)),
        "the operator's state never recorded the files"
    );
    let report = rt
        .block_on(zkroll_l1::sync::sync(&mut world.l1, &mut world.state, None))
        .unwrap();
    assert!(report.matches_contract && report.to == 1, "{report:?}");
    assert_eq!(
        world.state.batch_stage(1).unwrap(),
        Some(BatchStage::Written)
    );

    // Batch 2 applied locally (unfinished), batch 1 settled: L1 builds on
    // nothing newer, so sync leaves batch 2 alone.
    let l1 = world.next_l1(1);
    let (w2, p2) = world.batch(&l1, &[]);
    let report = rt
        .block_on(zkroll_l1::sync::sync(&mut world.l1, &mut world.state, None))
        .unwrap();
    assert!(!report.matches_contract);
    assert_eq!(
        world.state.batch_stage(2).unwrap(),
        Some(BatchStage::Applied)
    );
    world.submit(&w2, &p2);

    let mut follower = Rollup::open(MemStore::new(), SHAPE.depth, false).unwrap();
    rt.block_on(zkroll_l1::sync::sync(&mut world.l1, &mut follower, None))
        .unwrap();
    for n in 1..=2 {
        assert_eq!(follower.batch_stage(n).unwrap(), Some(BatchStage::Written));
    }
}
