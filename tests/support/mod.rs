//! What the CLI tests share: running the binary, a dev key directory made
//! once per test binary, a fresh store, a one-deposit ops file.

#![allow(dead_code)]

pub mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const ROLLUP: &str = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

pub fn zkroll_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zkroll"));
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run zkroll")
}

pub fn zkroll(args: &[&str]) -> Output {
    zkroll_env(args, &[])
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn ok(o: Output) -> String {
    assert!(o.status.success(), "zkroll failed:\n{}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// A depth-2, 1 L1 + 1 L2 slot dev key directory, made once.
pub fn keys() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let t = tempfile::tempdir().unwrap();
        let k = t.path().join("keys");
        ok(zkroll(&[
            "setup",
            "--depth",
            "2",
            "--l1-slots",
            "1",
            "--l2-slots",
            "1",
            "--out",
            s(&k),
        ]));
        (t, k)
    })
    .1
}

/// A fresh store.
pub fn init(dir: &Path) -> PathBuf {
    let db = dir.join("state.redb");
    ok(zkroll(&["init", "--state", s(&db), "--depth", "2"]));
    db
}

/// An ops file with one DepositNew at `serial`.
pub fn deposit_ops(dir: &Path, name: &str, serial: u64) -> PathBuf {
    let acct: serde_json::Value = serde_json::from_str(&ok(zkroll(&["account", "new"]))).unwrap();
    let ops = serde_json::json!({
        "domain": {"chain_id": 1, "rollup": ROLLUP},
        "fee_account": 0,
        "l1": [{"serial": serial, "type": "DepositNew", "idx": 0,
                "pubkey": acct["public_key_packed"], "token": 0, "amount": "10"}],
        "l2": []
    });
    let p = dir.join(name);
    std::fs::write(&p, ops.to_string()).unwrap();
    p
}

pub fn prove(keys: &Path, db: &Path, ops: &Path, out: &Path, env: &[(&str, &str)]) -> Output {
    zkroll_env(
        &[
            "prove",
            "--keys",
            s(keys),
            "--state",
            s(db),
            "--ops",
            s(ops),
            "--out",
            s(out),
            "--json",
        ],
        env,
    )
}

pub fn batch_of(o: Output) -> u64 {
    let v: serde_json::Value = serde_json::from_str(ok(o).trim()).unwrap();
    v["batch"].as_u64().unwrap()
}

/// anvil from `contracts/node_modules`, started on a free loopback port
/// (killed on drop), or None (a printed skip) when it is not installed and
/// not required (`CI=true` or `ZKROLL_REQUIRE_ANVIL`).
pub fn anvil(test: &str) -> Option<zkroll::l1::anvil::Anvil> {
    anvil_with(test, &[])
}

/// [`anvil`] with extra command-line arguments (`--block-time 1`, say).
pub fn anvil_with(test: &str, args: &[&str]) -> Option<zkroll::l1::anvil::Anvil> {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts/node_modules/.bin/anvil");
    let required = std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var_os("ZKROLL_REQUIRE_ANVIL").is_some();
    if !bin.exists() {
        assert!(
            !required,
            "{test}: anvil is required, {} is missing",
            bin.display()
        );
        println!("SKIPPED {test}: no anvil at {}", bin.display());
        return None;
    }
    Some(zkroll::l1::anvil::Anvil::spawn(&bin, 31337, args).expect("anvil starts"))
}

/// Signs an L2 operation with circomlibjs (`contracts/scripts/sign-l2.mjs`,
/// arguments as it takes them), as a wallet outside zkroll would: the
/// signed operation's JSON, or None when circomlibjs is not installed and
/// not required (`CI=true` or `ZKROLL_REQUIRE_NODE`).
pub fn circomlibjs_sign(args: &[&str]) -> Option<serde_json::Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts");
    if !root.join("node_modules/circomlibjs").exists() {
        let required = std::env::var("CI").is_ok_and(|v| v == "true")
            || std::env::var_os("ZKROLL_REQUIRE_NODE").is_some();
        assert!(
            !required,
            "circomlibjs is required: npm ci --prefix contracts"
        );
        println!("SKIPPED a circomlibjs signature: not installed");
        return None;
    }
    let out = Command::new("node")
        .arg("scripts/sign-l2.mjs")
        .args(args)
        .current_dir(&root)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("signer prints JSON"))
}
