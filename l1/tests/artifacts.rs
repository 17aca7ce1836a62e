//! The embedded artifacts are golden files: the sources recompiled with the
//! pinned solc equal what is committed in `l1/artifacts/`, the Poseidon
//! sources are their generator's output, and the committed deployable verifier
//! source is the one the verifier crate renders. A drift fails and prints
//! the command that rewrites them (`zkroll_l1::artifacts::BLESS`).
//!
//! Needs Node.js and `npm ci --prefix contracts` (scripts/test.sh runs it);
//! without them these tests fail, they do not skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use zkroll_l1::artifacts::{ABI_FILES, BLESS, CONTRACTS_JSON, SOURCES};
use zkroll_l1::compile::parse_output;
use zkroll_l1::{compile_in, L1Error};
use zkroll_verifier::solidity::render_immutable_verifier;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("l1/ has a parent")
        .to_path_buf()
}

fn bless() -> bool {
    std::env::var_os("ZKROLL_BLESS").is_some()
}

fn check(what: &str, path: &Path, committed: &str, fresh: &str, same: bool) {
    if bless() {
        std::fs::write(path, fresh).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    assert!(
        same,
        "{what} ({}) is not what the sources give today: run `{BLESS}` and commit the result \
         (committed {} bytes, fresh {} bytes)",
        path.display(),
        committed.len(),
        fresh.len()
    );
}

/// The committed deployable verifier source against the rendered one
/// (rewritten first when blessing, since it is compiled into contracts.json).
fn check_verifier_source() {
    let path = repo_root().join("contracts/Groth16ImmutableVerifier.sol");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let fresh = render_immutable_verifier(1);
    check(
        "the deployable verifier source",
        &path,
        &committed,
        &fresh,
        committed == fresh,
    );
}

#[test]
fn deployable_verifier_source_is_the_rendered_one() {
    check_verifier_source();
}

#[test]
fn contracts_json_is_the_pinned_solc_output() {
    check_verifier_source();
    let root = repo_root();
    let out = Command::new("node")
        .arg("contracts/scripts/compile.mjs")
        .args(SOURCES)
        .current_dir(&root)
        .output()
        .expect("node runs (install Node.js 20)");
    assert!(
        out.status.success(),
        "compile.mjs failed (run `npm ci --prefix contracts`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fresh = String::from_utf8(out.stdout).unwrap();
    // Compared parsed: the bytecode, ABI and identifiers, not whitespace.
    let a = parse_output(fresh.as_bytes(), String::new()).unwrap();
    let b = parse_output(CONTRACTS_JSON.as_bytes(), String::new());
    let same = b.as_ref().is_ok_and(|b| *b == a);
    check(
        "l1/artifacts/contracts.json",
        &root.join("l1/artifacts/contracts.json"),
        CONTRACTS_JSON,
        &fresh,
        same,
    );
    // The ABIs the `sol!` bindings are generated from are the compiled ones.
    for name in ABI_FILES {
        let path = root.join(format!("l1/artifacts/{name}.abi.json"));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        let abi = &a.get(name).unwrap().abi;
        let fresh = serde_json::to_string_pretty(abi).unwrap() + "\n";
        let same = serde_json::from_str::<serde_json::Value>(&committed).is_ok_and(|c| c == *abi);
        check(
            &format!("l1/artifacts/{name}.abi.json"),
            &path,
            &committed,
            &fresh,
            same,
        );
    }
    // The library's compile_in gives the same artifacts.
    assert_eq!(
        compile_in(&root, SOURCES).unwrap().contracts,
        a.contracts,
        "compile_in and compile.mjs disagree"
    );
}

#[test]
fn poseidon_sources_are_the_generator_output() {
    let out = Command::new("node")
        .args(["contracts/scripts/gen-poseidon.mjs", "--check"])
        .current_dir(repo_root())
        .output()
        .expect("node runs (install Node.js 20)");
    assert!(
        out.status.success(),
        "contracts/Poseidon4.sol or Poseidon5.sol is not what the generator writes: \
         run `node contracts/scripts/gen-poseidon.mjs`, then `{BLESS}`\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn missing_solc_says_how_to_install_it() {
    // A root with the script but without contracts/node_modules.
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("contracts/scripts")).unwrap();
    std::fs::copy(
        repo_root().join("contracts/scripts/compile.mjs"),
        root.path().join("contracts/scripts/compile.mjs"),
    )
    .unwrap();
    let err = compile_in(root.path(), &["contracts/scripts/compile.mjs"]).unwrap_err();
    assert!(matches!(err, L1Error::ToolMissing { .. }), "{err:?}");
    assert!(
        err.to_string().contains("run `npm ci --prefix contracts`"),
        "{err}"
    );
}
