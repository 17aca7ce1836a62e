//! The deterministic batches both sides compute: batch `k` is a function
//! of `k` alone.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use zkroll_state::account::{Balance, TokenId};
use zkroll_state::sim::Workload;
use zkroll_state::store::Storage;
use zkroll_state::{
    AccountTree, BatchConfig, CircuitShape, Fr, L1Op, MemStore, QueuedL1Op, Rollup, SignedL2Op,
    StateError,
};

/// Tree depth (256 leaves).
pub(crate) const DEPTH: u8 = 4;
pub(crate) const L1_SLOTS: usize = 4;
pub(crate) const L2_SLOTS: usize = 8;
pub(crate) const CHAIN_ID: zkroll_state::Domain = zkroll_state::Domain::new(7, [0x5a; 20]);
/// The fee account: the first account the generator creates.
pub(crate) const FEE_ACCOUNT: u32 = 0;
pub(crate) const FEE_TOKEN: TokenId = 0;
pub(crate) const OTHER_TOKEN: TokenId = 1;
/// No new accounts once this many exist (capacity is 4^DEPTH = 256).
pub(crate) const MAX_ACCOUNTS: u32 = 160;
/// Batches the child applies before exiting 0.
pub(crate) const N: u64 = 64;
/// Kill rounds at most.
pub(crate) const ROUNDS: usize = 40;
/// Seed of the workload (the child gets it on its command line).
pub(crate) const WORKLOAD_SEED: u64 = 0x5eed_c0de;
/// Default seed of the parent's kill schedule (`ZKROLL_CRASH_SEED` overrides).
pub(crate) const SCHEDULE_SEED: u64 = 20_240_611;
/// How long the parent waits for the child to report it is ready.
pub(crate) const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the uninterrupted final run may take.
pub(crate) const FINISH_TIMEOUT: Duration = Duration::from_secs(300);

pub(crate) fn config() -> BatchConfig {
    BatchConfig {
        shape: CircuitShape {
            depth: DEPTH,
            l1_slots: L1_SLOTS,
            l2_slots: L2_SLOTS,
        },
        fee_account: FEE_ACCOUNT,
        domain: CHAIN_ID,
    }
}

/// One batch's content.
pub(crate) struct Batch {
    pub(crate) l1: Vec<QueuedL1Op>,
    pub(crate) l2: Vec<SignedL2Op>,
}

/// Deterministic batch generator. `next(k, tree)` must be called for
/// k = 1, 2, ... in order, each with the tree as it was before batch k.
pub(crate) struct Gen {
    seed: u64,
    work: Workload,
    next_number: u64,
}

impl Gen {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            seed,
            work: Workload::new(seed, CHAIN_ID),
            next_number: 1,
        }
    }

    pub(crate) fn next(&mut self, number: u64, tree: &AccountTree) -> Result<Batch, String> {
        if number != self.next_number {
            return Err(format!(
                "generator asked for batch {number}, expected {}",
                self.next_number
            ));
        }
        self.next_number += 1;
        // Structural choices come from a per-batch RNG; keys and
        // transfers from the workload, whose RNG state depends on every
        // earlier batch (hence the replay on resume).
        let mut r = StdRng::seed_from_u64(self.seed ^ number.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let l1_first = self.work.next_serial();
        let mut l1 = Vec::new();
        let accounts = self.work.accounts();
        if number == 1 {
            // The fee account, created by the batch that first uses it.
            let q = self.work.deposit_new(FEE_TOKEN, 1_000_000);
            if q.op.idx() != FEE_ACCOUNT || !tree.is_empty() {
                return Err(format!("genesis: fee account at {}", q.op.idx()));
            }
            l1.push(q);
        }
        let n_new = if (accounts.len() as u32) < MAX_ACCOUNTS {
            r.gen_range(1..=2)
        } else {
            0
        };
        for _ in 0..n_new {
            let token = if r.gen_bool(0.7) {
                FEE_TOKEN
            } else {
                OTHER_TOKEN
            };
            let amount: Balance = r.gen_range(1_000..1_000_000);
            l1.push(self.work.deposit_new(token, amount));
        }
        while l1.len() < L1_SLOTS && r.gen_bool(0.5) {
            let pick = r.gen_range(0..accounts.len() + 1);
            let op = match accounts.get(pick) {
                // A deposit to an existing account (with its token, so it
                // applies) or, rarely, a forced exit.
                Some(&idx) => {
                    let token = tree.get(idx).map_or(FEE_TOKEN, |a| a.token);
                    if r.gen_bool(0.1) && idx != FEE_ACCOUNT {
                        L1Op::ForcedExit { idx, token }
                    } else {
                        L1Op::Deposit {
                            idx,
                            token,
                            amount: r.gen_range(1..100_000),
                        }
                    }
                }
                // A deposit to an empty index: recorded as failed.
                None => L1Op::Deposit {
                    idx: 250,
                    token: FEE_TOKEN,
                    amount: 5,
                },
            };
            l1.push(self.work.queue(op));
        }
        // The L2 slots run after the L1 slots: draw transfers against
        // the tree as the L1 slots leave it.
        let mut post = tree.clone();
        zkroll_state::apply_batch(&mut post, &config(), number, l1_first, &l1, &[])
            .map_err(|e| format!("batch {number}: L1 slots refused: {e}"))?;
        // L2: transfers in the fee token (with fees) and in the other
        // token (without). The other token's accounts are disjoint from
        // the fee token's, so the two lists' nonces do not interact.
        let n_fee = r.gen_range(0..=5);
        let mut l2 = self
            .work
            .random_transfers(&post, n_fee, FEE_TOKEN, FEE_TOKEN);
        let n_other = L2_SLOTS - l2.len();
        let n_other = r.gen_range(0..=n_other.min(3));
        l2.extend(
            self.work
                .random_transfers(&post, n_other, OTHER_TOKEN, FEE_TOKEN),
        );
        Ok(Batch { l1, l2 })
    }
}

pub(crate) fn apply<S: Storage>(rollup: &mut Rollup<S>, batch: &Batch) -> Result<(), StateError> {
    rollup
        .apply_batch(&config(), &batch.l1, &batch.l2)
        .map(|_| ())
}

/// The state after each batch 0..=n, computed on a MemStore.
pub(crate) struct Expected {
    pub(crate) roots: Vec<Fr>,
    pub(crate) l1_next: Vec<u64>,
    pub(crate) accounts: usize,
    pub(crate) l1_ops: u64,
    pub(crate) l2_ops: usize,
    /// Mean time per batch on the MemStore (no I/O).
    pub(crate) batch_time: Duration,
}

pub(crate) fn expected(seed: u64, n: u64) -> Expected {
    let t0 = Instant::now();
    let mut rollup = Rollup::open(MemStore::new(), DEPTH, false).expect("open MemStore");
    let mut gen = Gen::new(seed);
    let mut roots = vec![rollup.root()];
    let mut l1_next = vec![rollup.l1_next()];
    let mut l2_ops = 0;
    for k in 1..=n {
        let batch = gen.next(k, rollup.tree()).expect("generate batch");
        l2_ops += batch.l2.len();
        if let Err(e) = apply(&mut rollup, &batch) {
            panic!("expected run: batch {k} refused: {e}");
        }
        assert_eq!(rollup.last_batch(), k);
        roots.push(rollup.root());
        l1_next.push(rollup.l1_next());
    }
    assert!(
        rollup
            .account(FEE_ACCOUNT)
            .is_some_and(|a| a.token == FEE_TOKEN),
        "expected run: no fee account"
    );
    assert!(l2_ops > 0, "expected run: no L2 operations generated");
    for (i, r) in roots.iter().enumerate() {
        if let Some(j) = roots[..i].iter().position(|q| q == r) {
            panic!("expected roots of batches {j} and {i} coincide: the check would be weak");
        }
    }
    Expected {
        roots,
        l1_next,
        accounts: rollup.tree().len(),
        l1_ops: rollup.l1_next(),
        l2_ops,
        batch_time: t0.elapsed() / n.max(1) as u32,
    }
}

// ---------------------------------------------------------------- child
