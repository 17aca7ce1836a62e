//! The `zkroll` binary under a new user's hands (issue 13): whatever the
//! input, a refusal is a sentence naming what was wrong, and the state is
//! left exactly as it was.
//!
//! - `RUST_LOG` at any level proves normally (it once switched on
//!   arkworks' constraint tracing and stalled the prover);
//! - a batch the state refuses is refused before the key is loaded (shown
//!   with a key directory whose proving key is corrupt);
//! - unknown fields in the ops file are refused by name;
//! - an unwritable `--out` is found before anything is applied;
//! - an empty, foreign or missing state file is refused and not written;
//! - a failed key load reverts the batch; `zkroll revert --to N` undoes
//!   batches.

mod support;

use support::*;

#[test]
fn any_log_level_proves() {
    let t = tempfile::tempdir().unwrap();
    let db = init(t.path());
    let ops = deposit_ops(t.path(), "ops.json", 0);
    for (i, level) in ["info", "trace"].iter().enumerate() {
        let o = prove(
            keys(),
            &db,
            &ops,
            &t.path().join("out"),
            &[("RUST_LOG", level)],
        );
        assert_eq!(batch_of(o), 1, "RUST_LOG={level}");
        if i == 0 {
            ok(zkroll(&["revert", "--state", s(&db), "--to", "0"]));
        }
    }
}

#[test]
fn a_refused_batch_never_loads_the_key() {
    let t = tempfile::tempdir().unwrap();
    // A key directory with a corrupt proving key: loading it fails.
    let bad_keys = t.path().join("bad-keys");
    std::fs::create_dir(&bad_keys).unwrap();
    for f in ["params.json", "verification_key.json"] {
        std::fs::copy(keys().join(f), bad_keys.join(f)).unwrap();
    }
    std::fs::write(bad_keys.join("proving_key.bin"), b"truncated").unwrap();
    let db = init(t.path());
    // Serial 3 where the queue is at 0: the state refuses it first.
    let gap = deposit_ops(t.path(), "gap.json", 3);
    let e = stderr(&prove(&bad_keys, &db, &gap, &t.path().join("out"), &[]));
    assert!(e.contains("batch refused, state unchanged"), "{e}");
    assert!(!e.contains("proving_key"), "the key was loaded: {e}");
    // A good batch with the corrupt key: the key load fails, the batch is undone.
    let good = deposit_ops(t.path(), "good.json", 0);
    let e = stderr(&prove(&bad_keys, &db, &good, &t.path().join("out"), &[]));
    assert!(
        e.contains("state reverted to batch 0") && e.contains("proving_key.bin"),
        "{e}"
    );
    assert!(!e.contains("Error {"), "a debug dump, not a sentence: {e}");
    assert_eq!(
        batch_of(prove(keys(), &db, &good, &t.path().join("out"), &[])),
        1
    );
}

#[test]
fn unknown_fields_and_bad_amounts_are_refused_by_name() {
    let t = tempfile::tempdir().unwrap();
    let db = init(t.path());
    let cases = [
        (
            r#"{"domain": {"chain_id": 1, "rollup": "0x5fbdb2315678afecb367f032d93f642f64180aa3"}, "fee_account": 0, "L2": []}"#,
            "unknown field `L2`",
        ),
        (
            r#"{"domain": {"chain_id": 1, "rollup": "0x5f"}, "fee_account": 0}"#,
            "an address is 0x followed by 40 hex digits",
        ),
        (
            r#"{"domain": {"chain_id": 1, "rollup": "0x5fbdb2315678afecb367f032d93f642f64180aa3"}, "fee_account": 0,
                "l1": [{"serial": 0, "type": "Deposit", "idx": 0, "token": 0, "amount": -5}]}"#,
            "amount -5 is negative",
        ),
        (
            r#"{"domain": {"chain_id": 1, "rollup": "0x5fbdb2315678afecb367f032d93f642f64180aa3"}, "fee_account": 0,
                "l1": [{"serial": 0, "type": "Deposit", "idx": 0, "token": 0, "amount": 1.5}]}"#,
            "amount 1.5 is not a whole number",
        ),
    ];
    for (i, (json, expected)) in cases.iter().enumerate() {
        let ops = t.path().join(format!("ops{i}.json"));
        std::fs::write(&ops, json).unwrap();
        let e = stderr(&prove(keys(), &db, &ops, &t.path().join("out"), &[]));
        assert!(e.contains(expected), "case {i}: {e}");
    }
    // Nothing was applied: the next good batch is batch 1.
    let good = deposit_ops(t.path(), "good.json", 0);
    assert_eq!(
        batch_of(prove(keys(), &db, &good, &t.path().join("out"), &[])),
        1
    );
}

#[test]
fn an_unwritable_out_is_found_before_anything_is_applied() {
    let t = tempfile::tempdir().unwrap();
    let db = init(t.path());
    let ops = deposit_ops(t.path(), "ops.json", 0);
    let file = t.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let e = stderr(&prove(keys(), &db, &ops, &file, &[]));
    assert!(e.contains("is not writable"), "{e}");
    let out = t.path().join("out");
    assert_eq!(batch_of(prove(keys(), &db, &ops, &out, &[])), 1);
    // The files are complete and no temporary is left behind.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

#[test]
fn empty_foreign_and_missing_stores_are_refused_untouched() {
    let t = tempfile::tempdir().unwrap();
    let ops = deposit_ops(t.path(), "ops.json", 0);
    let empty = t.path().join("empty.redb");
    std::fs::write(&empty, b"").unwrap();
    let foreign = t.path().join("foreign.redb");
    std::fs::write(&foreign, vec![0x5a; 4096]).unwrap();
    for (db, expected) in [
        (&empty, "the file is empty"),
        (&foreign, "not a zkroll state store"),
        (&t.path().join("missing.redb"), "no such state store"),
    ] {
        let before = std::fs::read(db).ok();
        let e = stderr(&prove(keys(), db, &ops, &t.path().join("out"), &[]));
        assert!(e.contains(expected), "{}: {e}", db.display());
        assert_eq!(
            std::fs::read(db).ok(),
            before,
            "{} was written",
            db.display()
        );
        let e = stderr(&zkroll(&["revert", "--state", s(db), "--to", "0"]));
        assert!(e.contains(expected), "revert {}: {e}", db.display());
    }
}
