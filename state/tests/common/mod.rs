//! What the state tests share: a small shape and a funded rollup.

#![allow(dead_code)]

use zkroll_state::sim::Workload;
use zkroll_state::{
    BatchConfig, BatchError, CircuitShape, L2OpError, MemStore, QueuedL1Op, Rollup, SignedL2Op,
    StateError, Storage,
};

pub const CHAIN: zkroll_state::Domain = zkroll_state::Domain::new(7, [0x5a; 20]);
pub const SHAPE: CircuitShape = CircuitShape {
    depth: 3,
    l1_slots: 4,
    l2_slots: 4,
};
pub const CONFIG: BatchConfig = BatchConfig {
    shape: SHAPE,
    fee_account: 0,
    domain: CHAIN,
};

/// A rollup after batch 1: accounts 0 (fee, token 0, 0), 1 and 2 (token 0,
/// 1000 each) and 3 (token 1, 500).
pub fn setup() -> (Rollup<MemStore>, Workload) {
    setup_on(MemStore::new())
}

/// [`setup`] over `store`.
pub fn setup_on<S: Storage>(store: S) -> (Rollup<S>, Workload) {
    let mut w = Workload::new(1, CHAIN);
    let mut r = Rollup::open(store, SHAPE.depth, false).unwrap();
    let ops = vec![
        w.deposit_new(0, 0),
        w.deposit_new(0, 1000),
        w.deposit_new(0, 1000),
        w.deposit_new(1, 500),
    ];
    r.apply_batch(&CONFIG, &ops, &[]).unwrap();
    (r, w)
}

/// Applies a batch that must fail and checks nothing changed.
pub fn refused(r: &mut Rollup<MemStore>, l1: &[QueuedL1Op], l2: &[SignedL2Op]) -> BatchError {
    let before = r.tree().clone();
    let (last, next) = (r.last_batch(), r.l1_next());
    let err = match r.apply_batch(&CONFIG, l1, l2) {
        Err(StateError::Batch(e)) => e,
        other => panic!("expected a batch error, got {other:?}"),
    };
    assert_eq!(*r.tree(), before, "state changed after {err}");
    assert_eq!((r.last_batch(), r.l1_next()), (last, next));
    err
}

pub fn l2_reason(e: BatchError) -> (usize, L2OpError) {
    match e {
        BatchError::L2 { slot, reason } => (slot, reason),
        other => panic!("expected an L2 rejection, got {other}"),
    }
}
