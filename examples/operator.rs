//! An operator embedding zkroll: a durable state store, L1 deposits taken
//! from the queue in order, signed L2 transfers and a withdrawal batched,
//! a rejected batch that leaves the state untouched, a rollback to the last
//! L1-verified batch, and a second node rebuilding the state from pubdata.
//!
//! Run: `cargo run --release --example operator`

use anyhow::{ensure, Context, Result};
use zkroll::state::sim::Workload;
use zkroll::state::{
    BatchConfig, CircuitShape, MemStore, PrivateKey, RedbStore, Rollup, StateError,
};

fn main() -> Result<()> {
    let shape = CircuitShape {
        depth: 16,
        l1_slots: 2,
        l2_slots: 4,
    };
    let config = BatchConfig {
        shape,
        fee_account: 0,
        domain: zkroll_state::Domain::new(5, [0x5a; 20]),
    };
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("operator.redb");

    // L1 queue, as the operator reads it from Rollup.sol events.
    let mut l1 = Workload::new(7, config.domain);
    let queue = [
        l1.deposit_new(0, 0),      // the operator's fee account, index 0
        l1.deposit_new(0, 10_000), // alice, index 1
        l1.deposit_new(0, 5_000),  // bob, index 2
    ];

    let mut rollup = Rollup::open(RedbStore::open(&db)?, shape.depth, false)?;
    // Batch 1 and 2 drain the queue in order, two L1 slots at a time.
    let b1 = rollup.apply_batch(&config, &queue[..2], &[])?;
    let b2 = rollup.apply_batch(&config, &queue[2..], &[])?;
    println!("batch 1 root {:?}", b1.new_root);
    println!("batch 2 public input {:?}", b2.public_input);

    // Users sign L2 operations (circomlib EdDSA-Poseidon; any circomlibjs
    // wallet produces the same signature over `L2Op::message`).
    let pay = l1.transfer(1, 2, 2_500, 3, 0).context("alice's key")?;
    let out = l1.withdraw(2, 1_000, 0, 0).context("bob's key")?;
    let b3 = rollup.apply_batch(&config, &[], &[pay, out])?;
    println!(
        "batch 3: {} pubdata bytes, fee account now holds {}",
        b3.pubdata.len(),
        rollup.account(0).map_or(0, |a| a.balance)
    );

    // A forged operation refuses the whole batch and changes nothing.
    let mallory = PrivateKey::from_bytes([9; 32]);
    let forged = zkroll::state::L2Op::Transfer(zkroll::state::Transfer {
        from: 1,
        to: 2,
        amount: 100,
        fee: 0,
        nonce: 1,
    })
    .sign(&mallory, &config.domain);
    let root = rollup.root();
    match rollup.apply_batch(&config, &[], &[forged]) {
        Err(StateError::Batch(e)) => println!("refused as expected: {e}"),
        other => anyhow::bail!("forged batch was not refused: {other:?}"),
    }
    ensure!(rollup.root() == root, "refused batch changed the state");

    // L1 verified only up to batch 2: roll back, then reopen from disk.
    rollup.revert_to(2)?;
    drop(rollup);
    let rollup = Rollup::open(RedbStore::open(&db)?, shape.depth, true)?;
    ensure!(rollup.root() == b2.new_root && rollup.last_batch() == 2);
    println!("reverted to batch 2 and reopened: root matches");

    // Another node rebuilds the state from published pubdata alone.
    let mut node = Rollup::open(MemStore::new(), shape.depth, false)?;
    for n in 1..=rollup.last_batch() {
        let rec = rollup.batch_record(n)?.context("stored record")?;
        node.replay(&shape, &rec.pubdata)?;
    }
    ensure!(node.root() == rollup.root(), "rebuild diverged");
    println!(
        "node rebuilt {} batches from pubdata: same root",
        node.last_batch()
    );
    Ok(())
}
