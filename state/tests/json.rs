//! The JSON a person writes (queued L1 operations, signed L2 operations):
//! unknown fields are refused by name, bad amounts with a sentence saying
//! what was wrong, and what zkroll prints reads back the same.

use zkroll_state::sim::Workload;
use zkroll_state::{Domain, L2Op, QueuedL1Op, SignedL2Op};

fn err<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
    serde_json::from_str::<T>(json)
        .expect_err("must be refused")
        .to_string()
}

#[test]
fn unknown_fields_are_refused_by_name() {
    let e = err::<QueuedL1Op>(
        r#"{"serial": 0, "type": "Deposit", "idx": 1, "token": 0, "amount": "5", "amuont": "6"}"#,
    );
    assert!(e.contains("unknown field `amuont`"), "{e}");
    let e = err::<L2Op>(
        r#"{"type": "Withdraw", "from": 1, "to": 2, "amount": "5", "fee": "0", "nonce": 0}"#,
    );
    assert!(e.contains("unknown field `to`"), "{e}");
    let e = err::<L2Op>(
        r#"{"type": "Transfer", "from": 1, "to": 2, "amount": "5", "fee": "0", "nonce": 0, "memo": 1}"#,
    );
    assert!(e.contains("unknown field `memo`"), "{e}");
    let e = err::<SignedL2Op>(
        r#"{"op": {"type": "Withdraw", "from": 1, "amount": "5", "fee": "0", "nonce": 0},
            "signature": {"r8": ["1", "2"], "s": "3", "t": "4"}}"#,
    );
    assert!(e.contains("unknown field `t`"), "{e}");
}

#[test]
fn bad_amounts_say_what_is_wrong() {
    let op = |amount: &str| {
        err::<L2Op>(&format!(
            r#"{{"type": "Withdraw", "from": 1, "amount": {amount}, "fee": "0", "nonce": 0}}"#
        ))
    };
    assert!(op("-5").contains("amount -5 is negative"), "{}", op("-5"));
    assert!(op("1.5").contains("not a whole number"), "{}", op("1.5"));
    assert!(op("\"12a\"").contains("\"12a\" is not a whole number"));
    assert!(op("\"-1\"").contains("not a whole number"));
    // One spelling per amount: no sign, no separators.
    for bad in ["\"+5\"", "\"1_0\"", "\"\"", "\" 5\""] {
        assert!(op(bad).contains("not a whole number"), "{bad}: {}", op(bad));
    }
    assert!(op("true").contains("a whole number from 0 to 2^128 - 1"));
    // A number and a decimal string are both amounts.
    for ok in ["7", "\"7\""] {
        let j =
            format!(r#"{{"type": "Withdraw", "from": 1, "amount": {ok}, "fee": "0", "nonce": 0}}"#);
        assert_eq!(serde_json::from_str::<L2Op>(&j).unwrap().amount(), 7);
    }
}

#[test]
fn printed_operations_read_back() {
    let mut w = Workload::new(1, Domain::new(1, [7; 20]));
    let ops: Vec<QueuedL1Op> = (0..3).map(|k| w.deposit_new(0, 10 + k)).collect();
    let j = serde_json::to_string(&ops).unwrap();
    assert_eq!(serde_json::from_str::<Vec<QueuedL1Op>>(&j).unwrap(), ops);
    let signed = w.transfer(1, 2, 3, 0, 0).unwrap();
    let j = serde_json::to_string(&signed).unwrap();
    assert_eq!(serde_json::from_str::<SignedL2Op>(&j).unwrap(), signed);
}

#[test]
fn signature_numbers_have_one_spelling() {
    let mut w = Workload::new(1, Domain::new(1, [7; 20]));
    for k in 0..3 {
        w.deposit_new(0, 10 + k);
    }
    let signed = w.transfer(1, 2, 3, 0, 0).unwrap();
    let j: serde_json::Value = serde_json::to_value(signed).unwrap();
    let s = j["signature"]["s"].as_str().unwrap().to_string();
    let x = j["signature"]["r8"][0].as_str().unwrap().to_string();
    for (field, value) in [
        ("s", format!("+{s}")),
        ("s", format!("{}_{}", &s[..1], &s[1..])),
        ("r8", format!("+{x}")),
        ("r8", format!("{}_{}", &x[..1], &x[1..])),
    ] {
        let mut bad = j.clone();
        if field == "s" {
            bad["signature"]["s"] = value.clone().into();
        } else {
            bad["signature"]["r8"][0] = value.clone().into();
        }
        assert!(
            serde_json::from_value::<SignedL2Op>(bad).is_err(),
            "{field} = {value:?} accepted"
        );
    }
    assert_eq!(serde_json::from_value::<SignedL2Op>(j).unwrap(), signed);
}
