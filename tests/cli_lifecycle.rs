//! A batch's recorded lifecycle (issue 13): `zkroll prove` records each
//! batch applied, then proved, then written; a run killed in between leaves
//! the batch unfinished, `zkroll status` says so, and the next run reverts
//! it and proves the batch again, so re-running the same command after a
//! kill is enough and no later batch is built on a root L1 never saw.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

/// The longest the killed run may take to reach the key load.
const APPLY_TIMEOUT: Duration = Duration::from_secs(120);

fn status(db: &Path) -> serde_json::Value {
    serde_json::from_str(ok(zkroll(&["status", "--state", s(db), "--json"])).trim()).unwrap()
}

/// Starts `zkroll prove` and SIGKILLs it once it logs that the batch is
/// applied (before the key load, which takes seconds at any shape).
fn prove_and_kill_after_apply(db: &Path, ops: &Path, out: &Path) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkroll"))
        .args([
            "prove",
            "--keys",
            s(keys()),
            "--state",
            s(db),
            "--ops",
            s(ops),
            "--out",
            s(out),
        ])
        .env("RUST_LOG", "zkroll=info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start zkroll prove");
    let start = Instant::now();
    let lines = BufReader::new(child.stderr.take().expect("piped stderr")).lines();
    let mut seen = Vec::new();
    let mut applied = false;
    for line in lines {
        let line = line.expect("stderr line");
        if line.contains("batch applied; loading the key") {
            applied = true;
            break;
        }
        seen.push(line);
        if start.elapsed() > APPLY_TIMEOUT {
            break;
        }
    }
    // Killed whatever happened, so no process outlives a failed assertion.
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        applied,
        "zkroll prove never logged the applied batch:\n{}",
        seen.join("\n")
    );
}

#[test]
fn a_killed_prove_is_redone_by_the_next_run() {
    let t = tempfile::tempdir().unwrap();
    let db = init(t.path());
    let out = t.path().join("out");
    let ops = deposit_ops(t.path(), "ops1.json", 0);

    let st = status(&db);
    assert_eq!(st["last_batch"], 0);
    assert_eq!(st["unfinished"], false);

    prove_and_kill_after_apply(&db, &ops, &out);
    let st = status(&db);
    assert_eq!(
        st["last_batch"], 1,
        "the batch was committed before the kill"
    );
    assert_eq!(st["stage"], "applied");
    assert_eq!(st["unfinished"], true);
    let text = ok(zkroll(&["status", "--state", s(&db)]));
    assert!(
        text.contains("unfinished") && text.contains("--to 0"),
        "{text}"
    );
    assert!(
        !out.join("proof.json").exists(),
        "no files for a killed batch"
    );

    // The same command again: the unfinished batch is reverted and proved.
    let o = prove(keys(), &db, &ops, &out, &[]);
    let err = stderr(&o);
    let v: serde_json::Value = serde_json::from_str(ok(o).trim()).unwrap();
    assert_eq!(v["batch"], 1);
    assert_eq!(v["replaced_unfinished"], 1);
    assert!(err.contains("stopped at stage applied"), "{err}");
    for f in zkroll::batch_job::OUTPUT_FILES {
        assert!(out.join(f).exists(), "{f} written");
    }
    let st = status(&db);
    assert_eq!(st["stage"], "written");
    assert_eq!(st["unfinished"], false);
    assert_eq!(st["l1_next"], 1);
    let verified = zkroll(&[
        "verify",
        "--vk",
        s(&out.join("verification_key.json")),
        "--proof",
        s(&out.join("proof.json")),
        "--public",
        s(&out.join("public.json")),
    ]);
    assert_eq!(ok(verified).trim(), "valid");

    // A finished batch is never reverted: the next run builds batch 2 on it.
    let ops2 = deposit_ops(t.path(), "ops2.json", 1);
    let o = prove(keys(), &db, &ops2, &out, &[]);
    let v: serde_json::Value = serde_json::from_str(ok(o).trim()).unwrap();
    assert_eq!(v["batch"], 2);
    assert_eq!(v["replaced_unfinished"], serde_json::Value::Null);
    assert_eq!(status(&db)["last_batch"], 2);
}

/// Other operations after a kill: the unfinished batch is reverted whether
/// they apply (they become that batch) or not (the refusal says the batch
/// was reverted).
#[test]
fn a_killed_prove_followed_by_other_ops_replaces_the_unfinished_batch() {
    let t = tempfile::tempdir().unwrap();
    let db = init(t.path());
    let out = t.path().join("out");
    let first = deposit_ops(t.path(), "first.json", 0);
    prove_and_kill_after_apply(&db, &first, &out);
    let root_applied = status(&db)["root"].clone();

    // An ops file written for batch 2 (serial 1) is refused once the
    // unfinished batch 1 is reverted, and the error says it was.
    let next = deposit_ops(t.path(), "next.json", 1);
    let o = prove(keys(), &db, &next, &out, &[]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("unfinished batch 1") && err.contains("the state is at batch 0"),
        "{err}"
    );
    assert_eq!(status(&db)["last_batch"], 0);

    // Other operations (another key) for the same serial: they become
    // batch 1, and the killed batch's root is gone.
    let other = deposit_ops(t.path(), "other.json", 0);
    let o = prove(keys(), &db, &other, &out, &[]);
    let v: serde_json::Value = serde_json::from_str(ok(o).trim()).unwrap();
    assert_eq!(v["batch"], 1);
    let st = status(&db);
    assert_eq!(st["stage"], "written");
    assert_ne!(st["root"], root_applied);

    // `zkroll revert` still takes back a written batch on request.
    ok(zkroll(&["revert", "--state", s(&db), "--to", "0"]));
    assert_eq!(status(&db)["last_batch"], 0);
    assert_eq!(status(&db)["stage"], serde_json::Value::Null);
}
