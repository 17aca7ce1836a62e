//! The rule list and the code cannot drift: every name in `RULES` is
//! enforced by exactly one `rule!` in `circuits/src` (read from the source
//! tree, which only this test does), and every `rule!` names a listed rule.

use std::collections::BTreeMap;
use zkroll_circuits::rules::{is_rule, RULES, RULE_DOCS};

/// The names of every `rule!` call in `circuits/src` (comment lines
/// skipped), with where they are; a non-literal argument is an error.
fn rule_calls() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        // This file names the macro in its own scanning code.
        .filter(|p| !p.ends_with("rules.rs"))
        .collect();
    files.sort();
    assert!(files.len() > 5, "read the sources in {dir}");
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for (pos, _) in line.match_indices("rule!(") {
                let rest = &line[pos + "rule!(".len()..];
                let at = format!("{}:{}", path.display(), n + 1);
                let name = rest
                    .strip_prefix('"')
                    .and_then(|r| r.split_once('"'))
                    .map(|(name, _)| name.to_string())
                    .unwrap_or_else(|| panic!("{at}: rule! without a literal name"));
                out.push((name, at));
            }
        }
    }
    out
}

#[test]
fn every_rule_is_used_by_exactly_one_rule_call() {
    let mut uses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, at) in rule_calls() {
        uses.entry(name).or_default().push(at);
    }
    let mut problems = Vec::new();
    for r in RULES {
        match uses.get(*r).map(Vec::len) {
            Some(1) => {}
            None => problems.push(format!("{r}: in RULES but no rule!(\"{r}\")")),
            Some(_) => problems.push(format!("{r}: used {:?}", uses[*r])),
        }
    }
    for (name, at) in &uses {
        if !RULES.contains(&name.as_str()) {
            problems.push(format!("{name}: rule! at {at:?} but not in RULES"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn rules_are_distinct_and_documented() {
    let mut seen = std::collections::BTreeSet::new();
    for r in RULES {
        assert!(seen.insert(r), "{r} twice in RULES");
        assert!(is_rule(r));
    }
    assert!(!is_rule("no_such_rule") && !is_rule("l1_type_know"));
    assert_eq!(RULE_DOCS.len(), RULES.len());
    for ((name, doc), r) in RULE_DOCS.iter().zip(RULES) {
        assert_eq!(name, r);
        assert!(doc.trim().len() > 10, "{r} has no description");
    }
}
