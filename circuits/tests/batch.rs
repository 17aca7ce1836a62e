//! The batch circuit accepts real batches: a mixed batch (ForcedExit, a
//! failed Deposit, a transfer, a withdrawal) and the first batches of a
//! rollup (DepositNew into empty leaves, Noop L2 slots). The failing twins,
//! one or more per rule, are in `twins.rs`.

mod common;

use common::*;
use zkroll_circuits::BatchCircuit;

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
