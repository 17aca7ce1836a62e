//! `docs/ops.schema.json` and the ops-file parser (`zkroll::ops_file`)
//! agree: every ops example in README.md is valid for both, and each file
//! in a list of mistakes a person makes is refused by both (the parser
//! naming what is wrong).

use zkroll::ops_file::OpsFile;

fn schema() -> jsonschema::Validator {
    let text = include_str!("../docs/ops.schema.json");
    let schema: serde_json::Value = serde_json::from_str(text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

/// The ```json blocks of README.md that are ops files.
fn readme_ops() -> Vec<String> {
    let readme = include_str!("../README.md");
    let mut out = Vec::new();
    let mut rest = readme;
    while let Some(start) = rest.find("```json\n") {
        let body = &rest[start + "```json\n".len()..];
        let end = body.find("```").expect("closed block");
        if body[..end].contains("\"fee_account\"") {
            out.push(body[..end].to_string());
        }
        rest = &body[end..];
    }
    out
}

#[test]
fn readme_examples_are_valid_for_the_schema_and_the_parser() {
    let v = schema();
    let examples = readme_ops();
    assert!(!examples.is_empty(), "README.md has an ops example");
    for text in examples {
        let json: serde_json::Value = serde_json::from_str(&text).expect("README example is JSON");
        let errors: Vec<String> = v.iter_errors(&json).map(|e| e.to_string()).collect();
        assert!(
            errors.is_empty(),
            "schema refuses README example: {errors:?}"
        );
        let file: OpsFile = serde_json::from_str(&text).expect("parser takes README example");
        assert!(!file.l1.is_empty() && !file.l2.is_empty());
        // Every operation type is shown.
        for ty in [
            "DepositNew",
            "Deposit",
            "ForcedExit",
            "Transfer",
            "Withdraw",
        ] {
            assert!(text.contains(&format!("\"type\": \"{ty}\"")), "{ty} shown");
        }
    }
}

/// The README's example is a real batch: it applies to a fresh depth-2
/// store for 5 L1 and 2 L2 slots with no L1 failure (its signatures are
/// good for its domain).
#[test]
fn the_readme_example_applies() {
    use zkroll::state::{BatchConfig, CircuitShape, MemStore, Rollup};
    let file: OpsFile = serde_json::from_str(&readme_ops()[0]).unwrap();
    let config = BatchConfig {
        shape: CircuitShape {
            depth: 2,
            l1_slots: 5,
            l2_slots: 2,
        },
        fee_account: file.fee_account,
        domain: file.domain,
    };
    let mut r = Rollup::open(MemStore::new(), 2, false).unwrap();
    let w = r.apply_batch(&config, &file.l1, &file.l2).unwrap();
    assert!(w.l1.iter().all(|s| s.failure.is_none()), "{:?}", w.l1);
    let a1 = r.account(1).unwrap();
    assert_eq!((a1.nonce, a1.balance), (2, 5000 + 250 - 1200 - 3 - 500));
    assert_eq!(r.account(2).unwrap().balance, 1200);
    assert_eq!(r.account(0).unwrap().balance, 3);
}

/// A valid base file, edited into each mistake.
fn base() -> serde_json::Value {
    serde_json::from_str(&readme_ops()[0]).unwrap()
}

#[test]
fn mistakes_are_refused_by_both_and_named_by_the_parser() {
    let v = schema();
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, Edit, &str); 10] = [
        (
            "misspelt l2",
            |j| {
                let l2 = j["l2"].take();
                j.as_object_mut().unwrap().remove("l2");
                j["L2"] = l2;
            },
            "L2",
        ),
        (
            "negative amount",
            |j| j["l1"][1]["amount"] = (-5).into(),
            "negative",
        ),
        (
            "fractional amount",
            |j| j["l1"][1]["amount"] = 1.5.into(),
            "whole number",
        ),
        (
            "amount text",
            |j| j["l1"][1]["amount"] = "12e3".into(),
            "decimal digits",
        ),
        (
            "unknown L1 type",
            |j| j["l1"][0]["type"] = "Mint".into(),
            "Mint",
        ),
        (
            "extra field in an op",
            |j| j["l2"][0]["op"]["memo"] = "hi".into(),
            "memo",
        ),
        (
            "a key on a Deposit",
            |j| j["l1"][3]["pubkey"] = j["l1"][0]["pubkey"].clone(),
            "pubkey",
        ),
        (
            "no signature",
            |j| {
                j["l2"][0].as_object_mut().unwrap().remove("signature");
            },
            "signature",
        ),
        (
            "short address",
            |j| j["domain"]["rollup"] = "0x1234".into(),
            "0x1234",
        ),
        (
            "no domain",
            |j| {
                j.as_object_mut().unwrap().remove("domain");
            },
            "domain",
        ),
    ];
    let mut failures = Vec::new();
    for (name, edit, named) in cases {
        let mut j = base();
        edit(&mut j);
        if v.is_valid(&j) {
            failures.push(format!("{name}: the schema accepts it"));
        }
        match serde_json::from_value::<OpsFile>(j) {
            Ok(_) => failures.push(format!("{name}: the parser accepts it")),
            Err(e) if !e.to_string().contains(named) => failures.push(format!(
                "{name}: the parser's message does not name {named:?}: {e}"
            )),
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
