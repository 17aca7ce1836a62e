//! Soundness evidence: every rule of the batch circuit has a failing twin.
//!
//! A twin is a hand-corrupted [`BatchWitness`] (an operator lying about one
//! thing) whose *first* unsatisfied constraint lies in the span of the rule
//! it is paired with. The table below pairs each twin builder with its rule;
//! [`every_twin_breaks_its_rule`] checks every entry (reporting all failures
//! at once) and [`every_rule_has_a_twin`] checks that every name in
//! [`zkroll_circuits::RULES`] has at least one entry, so a new rule cannot be
//! added without evidence that it is enforced.
//!
//! The submodules group the twins by where their rule sits (L1 slots, L2
//! slots, EdDSA, fee credit and header) and hold the semantic tests that go
//! with them (self-transfers, the fee account as sender and receiver,
//! conservation of balances, checks refused outside any named rule).

mod common;

#[path = "twins/eddsa.rs"]
mod eddsa;
#[path = "twins/fee.rs"]
mod fee;
#[path = "twins/l1.rs"]
mod l1;
#[path = "twins/l2.rs"]
mod l2;
#[path = "twins/semantics.rs"]
mod semantics;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use common::{first_unsatisfied, rules_in};
use zkroll_circuits::BatchCircuit;
use zkroll_state::batch::BatchWitness;

/// One table entry: the witnesses `build` returns must each break `rule`.
pub struct Twin {
    /// The rule the first unsatisfied constraint must be named after.
    pub rule: &'static str,
    /// What the twin does (for failure messages).
    pub name: &'static str,
    /// Builds the corrupted witnesses (at least one).
    pub build: fn() -> Vec<BatchWitness>,
}

/// Every twin.
fn table() -> Vec<&'static Twin> {
    [
        l1::TWINS,
        l2::TWINS,
        eddsa::TWINS,
        fee::TWINS,
        semantics::TWINS,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Runs `f` over `items` on a few threads (synthesis with tracing is slow).
fn par_each<T: Sync>(items: &[T], f: impl Fn(&T) + Sync) {
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                f(item);
            });
        }
    });
}

/// Checks one twin; returns its failures (and counts its witnesses).
fn check(t: &Twin) -> Vec<String> {
    check_counted(t, &AtomicUsize::new(0))
}

fn check_counted(t: &Twin, witnesses: &AtomicUsize) -> Vec<String> {
    let Ok(built) = std::panic::catch_unwind(t.build) else {
        return vec![format!("{} ({}): builder panicked", t.rule, t.name)];
    };
    if built.is_empty() {
        return vec![format!("{} ({}): no witnesses", t.rule, t.name)];
    }
    let mut out = Vec::new();
    for (k, w) in built.into_iter().enumerate() {
        witnesses.fetch_add(1, Ordering::Relaxed);
        match first_unsatisfied(BatchCircuit::new(w)) {
            None => out.push(format!(
                "{} ({} #{k}): SATISFIES the circuit (soundness bug?)",
                t.rule, t.name
            )),
            Some(trace) => {
                let rules = rules_in(&trace);
                if rules.first().map(String::as_str) != Some(t.rule) {
                    let got = trace.trim().replace('\n', " | ");
                    out.push(format!("{} ({} #{k}): broke {got}", t.rule, t.name));
                }
            }
        }
    }
    out
}

#[test]
fn every_twin_breaks_its_rule() {
    let twins = table();
    let failures = Mutex::new(Vec::new());
    let witnesses = AtomicUsize::new(0);
    par_each(&twins, |t| {
        let f = check_counted(t, &witnesses);
        failures.lock().unwrap().extend(f);
    });
    let n = witnesses.into_inner();
    eprintln!("checked {n} witnesses of {} twins", twins.len());
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} twins failed:\n{}",
        failures.len(),
        twins.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_a_twin() {
    let twins = table();
    let unknown: Vec<&str> = twins
        .iter()
        .map(|t| t.rule)
        .filter(|r| !zkroll_circuits::RULES.contains(r))
        .collect();
    assert!(unknown.is_empty(), "twins for unknown rules: {unknown:?}");
    let lacking: Vec<&str> = zkroll_circuits::RULES
        .iter()
        .copied()
        .filter(|r| !twins.iter().any(|t| t.rule == *r))
        .collect();
    assert!(lacking.is_empty(), "rules without a twin: {lacking:?}");
}

/// The check is not vacuous: a witness breaking another rule, a satisfied
/// witness and a builder that panics are all reported.
#[test]
fn check_reports_wrong_rules_and_satisfied_witnesses() {
    let wrong = Twin {
        rule: "header_new_root",
        name: "public input off by one, labelled with another rule",
        build: || {
            let mut w = common::mixed_batch();
            w.public_input += zkroll_circuits::Fr::from(1u64);
            vec![w]
        },
    };
    let f = check(&wrong);
    assert!(
        f.len() == 1 && f[0].contains("public_input_is_pubdata_commitment"),
        "{f:?}"
    );
    let valid = Twin {
        rule: "header_new_root",
        name: "a real batch",
        build: || vec![common::mixed_batch()],
    };
    let f = check(&valid);
    assert!(f.len() == 1 && f[0].contains("SATISFIES"), "{f:?}");
    let panics = Twin {
        rule: "header_new_root",
        name: "a builder that panics",
        build: || panic!("on purpose"),
    };
    assert_eq!(check(&panics).len(), 1);
}
