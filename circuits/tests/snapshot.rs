//! Constraint-count snapshot (as gnark's latest_stats.csv): the counts of a
//! few shapes at depth 16 and the per-slot marginals derived from them are
//! committed in `circuits/constraints.csv`; a change in circuit size fails
//! here until the file is regenerated with
//! `ZKROLL_BLESS=1 cargo test --release -p zkroll-circuits --test snapshot`.

mod common;

use common::{config, count};
use zkroll_circuits::BatchCircuit;

const SHAPES: [(u8, usize, usize); 3] = [(16, 1, 4), (16, 1, 8), (16, 5, 4)];

fn render() -> String {
    let c: Vec<usize> = SHAPES
        .iter()
        .map(|&(d, a, b)| count(BatchCircuit::blank(&config(d, a, b))))
        .collect();
    // 4 L2 slots are 64 bytes: exactly one more SHA-256 block.
    let per_l2 = (c[1] - c[0]) / 4;
    // 4 L1 slots are 232 bytes (3.6 SHA-256 blocks): an average.
    let per_l1 = (c[2] - c[0]) / 4;
    let fixed = c[0] - per_l1 - 4 * per_l2;
    let mut out = String::from("name,depth,l1_slots,l2_slots,constraints\n");
    for (&(d, a, b), n) in SHAPES.iter().zip(&c) {
        out += &format!("batch,{d},{a},{b},{n}\n");
    }
    out += &format!("per_l2_slot,16,,,{per_l2}\nper_l1_slot,16,,,{per_l1}\nfixed,16,,,{fixed}\n");
    out
}

#[test]
fn constraint_counts_match_snapshot() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/constraints.csv");
    let now = render();
    if std::env::var_os("ZKROLL_BLESS").is_some() {
        std::fs::write(path, &now).unwrap();
        println!("wrote {path}:\n{now}");
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        committed, now,
        "constraint counts changed (left: committed, right: now). If intended, run\n  \
         ZKROLL_BLESS=1 cargo test --release -p zkroll-circuits --test snapshot\nand commit circuits/constraints.csv"
    );
}
