//! Property tests over random operation sequences: balances are conserved
//! apart from deposits and exits, refused batches leave the state
//! byte-identical, revert then re-apply reproduces the roots, and replaying
//! the published pubdata rebuilds the same root.

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zkroll_state::pubdata::L1Status;
use zkroll_state::sim::Workload;
use zkroll_state::{
    BatchConfig, CircuitShape, L1Op, MemStore, OpType, QueuedL1Op, Rollup, SignedL2Op, StateError,
};

const CHAIN: zkroll_state::Domain = zkroll_state::Domain::new(3, [0x5a; 20]);

fn total(r: &Rollup<MemStore>) -> u128 {
    r.tree().leaves().map(|(_, a)| a.balance).sum()
}

/// One batch's worth of random operations: some valid, some likely invalid.
fn random_batch(
    rng: &mut StdRng,
    w: &mut Workload,
    r: &Rollup<MemStore>,
    shape: &CircuitShape,
) -> (Vec<QueuedL1Op>, Vec<SignedL2Op>) {
    let mut l1 = Vec::new();
    for _ in 0..rng.gen_range(0..=shape.l1_slots) {
        let accounts = w.accounts();
        let op = match rng.gen_range(0..4) {
            0 | 1 if (w.accounts().len() as u64) < 4u64.pow(shape.depth as u32) => {
                w.deposit_new(rng.gen_range(0..2), rng.gen_range(0..10_000))
            }
            2 if !accounts.is_empty() => {
                let idx = accounts[rng.gen_range(0..accounts.len())];
                w.queue(L1Op::Deposit {
                    idx,
                    token: rng.gen_range(0..2),
                    amount: rng.gen_range(0..10_000),
                })
            }
            3 if !accounts.is_empty() => {
                let idx = accounts[rng.gen_range(0..accounts.len())];
                w.queue(L1Op::ForcedExit {
                    idx,
                    token: rng.gen_range(0..2),
                })
            }
            _ => continue,
        };
        l1.push(op);
    }
    // Valid transfers against the state after this batch's L1 slots are
    // unknown here, so draw them from the current tree; the L1 slots only
    // add accounts or change balances, which may make some of them invalid.
    let token = if rng.gen_bool(0.8) { 0 } else { 1 };
    let mut l2 = w.random_transfers(r.tree(), rng.gen_range(1..=shape.l2_slots), token, 0);
    if rng.gen_bool(0.3) && !l2.is_empty() {
        // Tamper: a withdrawal of too much, or a reused nonce.
        let from = l2[0].op.from();
        let acct = r.account(from).copied();
        if let Some(a) = acct {
            let bad = if rng.gen_bool(0.5) {
                w.withdraw(from, a.balance + 1, 0, a.nonce)
            } else {
                w.withdraw(from, 1, 0, a.nonce.wrapping_sub(1))
            };
            if let Some(b) = bad {
                let at = rng.gen_range(0..=l2.len().min(shape.l2_slots - 1));
                l2.insert(at, b);
                l2.truncate(shape.l2_slots);
            }
        }
    } else if rng.gen_bool(0.3) {
        // A valid withdrawal from an account with a balance.
        if let Some((i, a)) = w
            .accounts()
            .into_iter()
            .filter_map(|i| r.account(i).map(|a| (i, *a)))
            .find(|(_, a)| a.balance > 0 && a.token == 0)
        {
            if l2.iter().all(|s| s.op.from() != i) && l2.len() < shape.l2_slots {
                l2.push(w.withdraw(i, a.balance / 2, 0, a.nonce).expect("our key"));
            }
        }
    }
    (l1, l2)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_keep_the_invariants(seed in any::<u64>(), batches in 1usize..7, l2_slots in 1usize..5) {
        let shape = CircuitShape { depth: 2, l1_slots: 3, l2_slots };
        let mut rng = StdRng::seed_from_u64(seed);
        let mut w = Workload::new(seed ^ 0x5eed, CHAIN);
        let mut r = Rollup::open(MemStore::new(), shape.depth, false).unwrap();
        let config = BatchConfig { shape, fee_account: 0, domain: CHAIN };
        // Batch 1 creates the fee account (token 0) and two funded accounts.
        let first = vec![w.deposit_new(0, 0), w.deposit_new(0, 50_000), w.deposit_new(0, 70_000)];
        r.apply_batch(&config, &first, &[]).unwrap();
        let mut roots = vec![r.root()];
        let mut applied: Vec<(Vec<QueuedL1Op>, Vec<SignedL2Op>)> = vec![(first, vec![])];

        for _ in 0..batches {
            let (l1, l2) = random_batch(&mut rng, &mut w, &r, &shape);
            let before_tree = r.tree().clone();
            let before_total = total(&r);
            match r.apply_batch(&config, &l1, &l2) {
                Ok(wit) => {
                    // Conservation: only applied deposits add, only exits remove.
                    let mut expected = before_total as i128;
                    for s in wit.l1.iter().filter(|s| s.slot.status == L1Status::Applied) {
                        match s.slot.op_type {
                            OpType::DepositNew | OpType::Deposit => expected += s.slot.amount as i128,
                            OpType::ForcedExit => expected -= s.slot.amount as i128,
                            _ => {}
                        }
                    }
                    for s in wit.l2.iter().filter(|s| s.slot.op_type == OpType::Withdraw) {
                        expected -= s.amount as i128;
                    }
                    prop_assert_eq!(total(&r) as i128, expected);
                    roots.push(r.root());
                    applied.push((l1, l2));
                }
                Err(StateError::Batch(_)) => {
                    prop_assert!(*r.tree() == before_tree, "refused batch changed the tree");
                    // The L1 ops stay queued: hand them back with the same serials next time.
                    let consumed = r.l1_next();
                    let keep: Vec<QueuedL1Op> = l1.into_iter().filter(|q| q.serial >= consumed).collect();
                    if !keep.is_empty() {
                        r.apply_batch(&config, &keep, &[]).unwrap();
                        roots.push(r.root());
                        applied.push((keep, vec![]));
                    }
                }
                Err(e) => return Err(TestCaseError::fail(format!("unexpected error {e}"))),
            }
        }
        prop_assert!(r.tree().check_integrity());

        // Rebuild from the published pubdata alone.
        let mut rebuilt = Rollup::open(MemStore::new(), shape.depth, false).unwrap();
        for n in 1..=r.last_batch() {
            let rec = r.batch_record(n).unwrap().unwrap();
            rebuilt.replay(&shape, &rec.pubdata).unwrap();
        }
        prop_assert_eq!(rebuilt.root(), r.root());
        prop_assert!(*rebuilt.tree() == *r.tree());

        // Revert to a random earlier batch and re-apply the same operations.
        let target = rng.gen_range(0..=r.last_batch());
        let final_tree = r.tree().clone();
        r.revert_to(target).unwrap();
        prop_assert_eq!(r.root(), if target == 0 { zkroll_state::AccountTree::new(shape.depth).unwrap().root() } else { roots[target as usize - 1] });
        for (i, (l1, l2)) in applied.iter().enumerate().skip(target as usize) {
            r.apply_batch(&config, l1, l2).unwrap();
            prop_assert_eq!(r.root(), roots[i]);
        }
        prop_assert!(*r.tree() == final_tree);
    }
}
