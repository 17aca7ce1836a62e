//! The Node tools the circom and ceremony tests drive (snarkjs, and the
//! zkroll binary run in a directory), each call timed and printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A Node tool at `rel` under the repository, or None (a printed skip)
/// when it is not installed and not required (`CI=true` or
/// `ZKROLL_REQUIRE_NODE` make a missing tool a failure).
fn node_tool(rel: &str, name: &str, what: &str) -> Option<PathBuf> {
    let bin = repo().join(rel);
    if !bin.exists() {
        let required = std::env::var("CI").is_ok_and(|v| v == "true")
            || std::env::var_os("ZKROLL_REQUIRE_NODE").is_some();
        assert!(!required, "{name} is required: npm ci --prefix contracts");
        println!("SKIPPED {what}: no {name} (npm ci --prefix contracts)");
        return None;
    }
    Some(bin)
}

/// snarkjs from contracts/node_modules (see [`node_tool`]).
pub fn snarkjs(what: &str) -> Option<PathBuf> {
    node_tool("contracts/node_modules/.bin/snarkjs", "snarkjs", what)
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs snarkjs in `dir`, timing it; its output (which must contain `want`
/// and, as snarkjs's exit code is 0 on some failures, no `[ERROR]`).
pub fn snark(bin: &Path, dir: &Path, args: &[&str], want: &str) -> String {
    let t = std::time::Instant::now();
    let o = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run snarkjs");
    let out = text(&o);
    println!(
        "snarkjs {} {}: {:.1} s",
        args[0],
        args[1],
        t.elapsed().as_secs_f64()
    );
    assert!(
        o.status.success() && out.contains(want) && !out.contains("[ERROR]"),
        "snarkjs {args:?}:\n{out}"
    );
    out
}

pub fn zk(dir: &Path, args: &[&str]) -> Output {
    let t = std::time::Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_zkroll"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run zkroll");
    println!(
        "zkroll {} {}: {:.1} s",
        args[0],
        args[1],
        t.elapsed().as_secs_f64()
    );
    o
}

pub fn zk_ok(dir: &Path, args: &[&str]) -> String {
    let o = zk(dir, args);
    assert!(o.status.success(), "zkroll {args:?}:\n{}", text(&o));
    text(&o)
}

pub fn zk_err(dir: &Path, args: &[&str]) -> String {
    let o = zk(dir, args);
    assert!(
        !o.status.success(),
        "zkroll {args:?} should fail:\n{}",
        text(&o)
    );
    text(&o)
}

/// Runs node with `args` in `dir`.
pub fn node(dir: &Path, args: &[&str]) -> Output {
    Command::new("node")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run node")
}

/// circom 2 (npm `circom2`, circom compiled to wasm) from
/// contracts/node_modules (see [`node_tool`]).
pub fn circom2(what: &str) -> Option<PathBuf> {
    node_tool("contracts/node_modules/circom2/cli.js", "circom2", what)
}

/// The byte range of section `ty`'s body in an iden3 container (`.zkey`,
/// `.wtns`, `.r1cs`): magic, version, section count, then per section its
/// type (u32), size (u64) and body.
pub fn section_body(bytes: &[u8], ty: u32) -> std::ops::Range<usize> {
    let u32_at = |p: usize| u32::from_le_bytes(bytes[p..p + 4].try_into().unwrap());
    let mut p = 12;
    for _ in 0..u32_at(8) {
        let size = u64::from_le_bytes(bytes[p + 4..p + 12].try_into().unwrap()) as usize;
        if u32_at(p) == ty {
            return p + 12..p + 12 + size;
        }
        p += 12 + size;
    }
    panic!("no section {ty}");
}
