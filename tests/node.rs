//! `zkroll node` on anvil, driven by `zkroll wallet` and raw HTTP: the
//! user journey from deposit to withdrawal, and bad input refused with a
//! 4xx and a reason while nothing changes. The node runs as a child
//! process on a loopback port and is killed at the end, even on failure.

#[path = "node/checks.rs"]
mod checks;
#[path = "support/mod.rs"]
mod common;
#[path = "node/support.rs"]
mod support;

use support::*;
use zkroll::state::{Domain, L2Op, PrivateKey, Transfer, Withdraw};

/// Two wallets deposit on L1, are credited once confirmed, pay each other
/// through the API, one withdraws; the node batches, proves and settles on
/// its own; the balances the API reports are the native state's rebuilt
/// from L1 alone, whose root is the contract's; the withdrawn ETH arrives
/// in the wallet's L1 account.
#[test]
fn deposit_transfer_withdraw_claim_through_the_node() {
    let Some(anvil) = anvil("deposit_transfer_withdraw_claim_through_the_node") else {
        return;
    };
    let d = deploy(&anvil);
    let data = d.dir.path().join("node");
    let node = Node::start(&d, &data, &fees());
    let (_, k0) = l2_key(10);
    let (_, k1) = l2_key(11);
    let (_, k2) = l2_key(12);
    assert_eq!(deposit(&d, 0, &k0, 1), 0);
    assert_eq!(deposit(&d, 1, &k1, 5_000_000), 1);
    assert_eq!(deposit(&d, 2, &k2, 3_000_000), 2);
    rt().block_on(settled_balance(&node, 2, 3_000_000));

    let wallet = |args: &[&str]| -> u64 {
        let mut all = vec!["wallet"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--node", &node.url]);
        json(&all)["id"].as_u64().unwrap()
    };
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(wallet(&[
            "transfer", "--key", &k1, "--from", "1", "--to", "2", "--amount", "1000",
        ]));
    }
    ids.push(wallet(&[
        "transfer", "--key", &k2, "--from", "2", "--to", "1", "--amount", "500",
    ]));
    ids.push(wallet(&[
        "withdraw", "--key", &k2, "--from", "2", "--amount", "200000",
    ]));
    rt().block_on(async {
        for id in &ids {
            let url = format!("{}/ops/{id}", node.url);
            until(&format!("operation {id} settled"), STEP, || async {
                let (_, v) = get(&url).await;
                assert_ne!(v["status"], "dropped", "operation {id} dropped: {v}");
                (v["status"] == "settled").then_some(())
            })
            .await;
        }
    });
    let alice = 5_000_000 - 3 * (1000 + TRANSFER_FEE) + 500;
    let bob = 3_000_000 + 3000 - (500 + TRANSFER_FEE) - (200_000 + WITHDRAW_FEE);
    let fee = 1 + 4 * TRANSFER_FEE + WITHDRAW_FEE;
    rt().block_on(async {
        for (idx, want) in [(0, fee), (1, alice), (2, bob)] {
            settled_balance(&node, idx, want).await;
        }
        let (_, b) = get(&format!("{}/batches", node.url)).await;
        let latest = &b[0];
        assert_eq!(latest["stage"], "settled");
        assert!(latest["l1_tx"].as_str().is_some_and(|t| t.len() == 66));
        // Every route answers as node/openapi.json says; the status page,
        // rendered by Chromium, shows what the API shows.
        let params = [
            ("id", ids[0].to_string()),
            ("idx", "1".to_string()),
            ("n", "1".to_string()),
        ];
        checks::routes_answer_as_documented(&node, &params).await;
        checks::status_page_matches_the_api(
            "deposit_transfer_withdraw_claim_through_the_node",
            &node,
        )
        .await;
    });

    // The state rebuilt from L1 alone holds the same balances and root.
    let rebuilt = rebuilt_from_l1(&d);
    for (idx, want) in [(0, fee), (1, alice), (2, bob)] {
        assert_eq!(rebuilt.account(idx).unwrap().balance, want, "account {idx}");
    }
    rt().block_on(async {
        let (_, b) = get(&format!("{}/batches", node.url)).await;
        let root = zkroll::state::field::fr_to_be_bytes(&rebuilt.root());
        assert_eq!(b[0]["new_root"], format!("0x{}", hex::encode(root)));
    });

    // Bob collects the withdrawal on L1.
    assert_eq!(claim(&d, 2), "200000");
    drop(node);
}

/// A signed transfer from account 1 to 0 as JSON, for the deployment `domain`.
fn signed(key: &PrivateKey, domain: &Domain, amount: u128, nonce: u32) -> serde_json::Value {
    let op = L2Op::Transfer(Transfer {
        from: 1,
        to: 0,
        amount,
        fee: TRANSFER_FEE,
        nonce,
    });
    serde_json::to_value(op.sign(key, domain)).unwrap()
}

/// Each bad request is refused with its 4xx and reason, and afterwards the
/// accounts, the mempool and the batches are as they were.
#[test]
fn bad_input_is_refused_with_a_reason_and_changes_nothing() {
    let Some(anvil) = anvil("bad_input_is_refused_with_a_reason_and_changes_nothing") else {
        return;
    };
    let d = deploy(&anvil);
    let data = d.dir.path().join("node");
    let node = Node::start(&d, &data, &fees());
    let (_, k0) = l2_key(20);
    let (alice, k1) = l2_key(21);
    deposit(&d, 0, &k0, 1);
    deposit(&d, 1, &k1, 5_000_000);
    rt().block_on(async {
        settled_balance(&node, 1, 5_000_000).await;
        let (_, info) = get(&format!("{}/info", node.url)).await;
        let domain = Domain {
            chain_id: info["chain_id"].as_u64().unwrap(),
            rollup: info["rollup"].as_str().unwrap().parse().unwrap(),
        };
        let ops = format!("{}/ops", node.url);
        let snapshot = || async {
            let (_, a) = get(&format!("{}/accounts/1", node.url)).await;
            let (_, h) = get(&format!("{}/health", node.url)).await;
            let (_, b) = get(&format!("{}/batches", node.url)).await;
            (a, h["mempool"].clone(), h["last_batch"].clone(), b)
        };
        let before = snapshot().await;

        let good = signed(&alice, &domain, 1000, 0);
        let with = |path: &str, value: serde_json::Value| {
            let mut v = good.clone();
            v["op"][path] = value;
            v.to_string()
        };
        let big = "x".repeat(zkroll_node::config::DEFAULT_BODY_LIMIT + 1);
        let mut unknown = good.clone();
        unknown["memo"] = "hi".into();
        let other_key = signed(&PrivateKey::from_bytes([99; 32]), &domain, 1000, 0);
        let other_rollup = Domain {
            rollup: zkroll::state::Address20([0x42; 20]),
            ..domain
        };
        let other_deployment = signed(&alice, &other_rollup, 1000, 0);
        let other_chain = signed(
            &alice,
            &Domain {
                chain_id: 1,
                ..domain
            },
            1000,
            0,
        );
        let beyond = signed(
            &alice,
            &domain,
            1000,
            zkroll_node::config::DEFAULT_PENDING_LIMIT,
        );
        let cheap = {
            let op = L2Op::Withdraw(Withdraw {
                from: 1,
                amount: 10,
                fee: 1,
                nonce: 0,
            });
            serde_json::to_value(op.sign(&alice, &domain)).unwrap()
        };
        let cases: Vec<(&str, String, u16, &str)> = vec![
            ("malformed JSON", "{\"op\":".into(), 400, "malformed_json"),
            (
                "a body over the limit",
                format!("\"{big}\""),
                413,
                "body_too_large",
            ),
            (
                "an unknown field",
                unknown.to_string(),
                422,
                "invalid_fields",
            ),
            (
                "an amount of 2^128",
                with("amount", "340282366920938463463374607431768211456".into()),
                422,
                "invalid_fields",
            ),
            (
                "a negative amount",
                with("amount", "-5".into()),
                422,
                "invalid_fields",
            ),
            (
                "a non-decimal amount",
                with("amount", "0x10".into()),
                422,
                "invalid_fields",
            ),
            (
                "a fractional amount",
                with("amount", serde_json::json!(1.5)),
                422,
                "invalid_fields",
            ),
            (
                "a signature by another key",
                other_key.to_string(),
                422,
                "bad_signature",
            ),
            (
                "a signature for another rollup",
                other_deployment.to_string(),
                422,
                "bad_signature",
            ),
            (
                "a signature for another chain",
                other_chain.to_string(),
                422,
                "bad_signature",
            ),
            (
                "a nonce beyond the pending limit",
                beyond.to_string(),
                422,
                "nonce_beyond_limit",
            ),
            (
                "a fee below the policy",
                cheap.to_string(),
                422,
                "fee_too_low",
            ),
            (
                "an unknown sender",
                with("from", 3.into()),
                422,
                "unknown_account",
            ),
        ];
        for (what, body, status, code) in &cases {
            let (got, v) = post(&ops, body.clone()).await;
            assert_eq!(
                (got, v["error"].as_str()),
                (*status, Some(*code)),
                "{what}: {v}"
            );
            assert!(
                v["reason"].as_str().is_some_and(|r| !r.is_empty()),
                "{what}: no reason"
            );
        }
        assert_eq!(
            snapshot().await,
            before,
            "a refused request changed something"
        );

        // A replay: the same operation again while pending, then after it settled.
        let (s1, v1) = post(&ops, good.to_string()).await;
        assert_eq!(s1, 202, "{v1}");
        let (s2, v2) = post(&ops, good.to_string()).await;
        assert_eq!((s2, v2["error"].as_str()), (409, Some("duplicate")), "{v2}");
        let id = v1["id"].as_u64().unwrap();
        until("the transfer settled", STEP, || async {
            let (_, v) = get(&format!("{ops}/{id}")).await;
            (v["status"] == "settled").then_some(())
        })
        .await;
        let (s3, v3) = post(&ops, good.to_string()).await;
        assert_eq!(
            (s3, v3["error"].as_str()),
            (409, Some("nonce_used")),
            "{v3}"
        );
        let (_, a) = get(&format!("{}/accounts/1", node.url)).await;
        assert_eq!(
            a["settled"]["balance"],
            (5_000_000 - 1000 - TRANSFER_FEE).to_string()
        );
        assert_eq!(a["settled"]["nonce"], 1);

        // circomlibjs signs as a wallet outside zkroll would; the node takes
        // its operation as its own. Sent past a gap (nonce 2 before 1), it
        // waits for nonce 1; zkroll's nonce 1 fills the gap and both settle.
        let rollup = format!("0x{}", hex::encode(domain.rollup.0));
        let chain = domain.chain_id.to_string();
        let fee = TRANSFER_FEE.to_string();
        let js_args = [
            k1.as_str(),
            &chain,
            &rollup,
            "Transfer",
            "1",
            "0",
            "700",
            &fee,
            "2",
        ];
        if let Some(js) = common::circomlibjs_sign(&js_args) {
            let (s, v) = post(&ops, js.to_string()).await;
            assert_eq!(s, 202, "circomlibjs's operation: {v}");
            let js_id = v["id"].as_u64().unwrap();
            let (_, v) = get(&format!("{ops}/{js_id}")).await;
            assert_eq!(
                (v["status"].as_str(), v["waiting_for_nonce"].as_u64()),
                (Some("waiting"), Some(1)),
                "{v}"
            );
            let (s, v) = post(&ops, signed(&alice, &domain, 300, 1).to_string()).await;
            assert_eq!(s, 202, "{v}");
            let gap_id = v["id"].as_u64().unwrap();
            for id in [gap_id, js_id] {
                until(&format!("operation {id} settled"), STEP, || async {
                    let (_, v) = get(&format!("{ops}/{id}")).await;
                    (v["status"] == "settled").then_some(())
                })
                .await;
            }
            let (_, a) = get(&format!("{}/accounts/1", node.url)).await;
            assert_eq!(
                a["settled"]["balance"],
                (5_000_000 - 1000 - 300 - 700 - 3 * TRANSFER_FEE).to_string()
            );
            assert_eq!(a["settled"]["nonce"], 3);
        }
        // Unknown routes and ids are 404s with a reason, bad ids 400s.
        let (s, v) = get(&format!("{ops}/999999")).await;
        assert_eq!((s, v["error"].as_str()), (404, Some("not_found")));
        let (s, v) = get(&format!("{ops}/abc")).await;
        assert_eq!((s, v["error"].as_str()), (400, Some("bad_path")));
        let (s, _) = get(&format!("{}/nowhere", node.url)).await;
        assert_eq!(s, 404);
    });
    drop(node);
}
