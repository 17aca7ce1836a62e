//! The `zkroll` binary end to end with a tiny shape: init, account new,
//! setup, prove deposits, sign (with zkroll and, when installed, with
//! circomlibjs as an outside wallet would), prove transfers, verify; a
//! refused batch names its slot and leaves the state unchanged; a tampered
//! input fails verification with exit code 1.

mod support;

use std::path::Path;
use std::process::{Command, Output};

fn zkroll(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkroll"))
        .args(args)
        .output()
        .expect("run zkroll")
}

fn ok(args: &[&str]) -> String {
    let out = zkroll(args);
    assert!(
        out.status.success(),
        "zkroll {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn p(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

/// The deployment the offline CLI journey signs for (no contract is
/// deployed there; the domain is still bound into every signature).
const ROLLUP: &str = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

#[test]
fn cli_end_to_end() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let (db, keys) = (p(d, "state.redb"), p(d, "keys"));
    ok(&["init", "--state", &db, "--depth", "2"]);
    assert!(
        !zkroll(&["init", "--state", &db]).status.success(),
        "init refuses an existing store"
    );

    let accounts: Vec<serde_json::Value> = (0..3)
        .map(|_| serde_json::from_str(&ok(&["account", "new"])).unwrap())
        .collect();
    let packed = |i: usize| {
        accounts[i]["public_key_packed"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let key = |i: usize| accounts[i]["private_key"].as_str().unwrap().to_string();

    let setup = zkroll(&[
        "setup",
        "--depth",
        "2",
        "--l1-slots",
        "2",
        "--l2-slots",
        "2",
        "--out",
        &keys,
    ]);
    assert!(setup.status.success());
    assert!(String::from_utf8_lossy(&setup.stderr).contains("INSECURE-DEV-SETUP"));

    let deposits = serde_json::json!({
        "domain": {"chain_id": 1, "rollup": ROLLUP}, "fee_account": 0,
        "l1": [
            {"serial": 0, "type": "DepositNew", "idx": 0, "pubkey": packed(0), "token": 0, "amount": "0"},
            {"serial": 1, "type": "DepositNew", "idx": 1, "pubkey": packed(1), "token": 0, "amount": "5000"}
        ],
        "l2": []
    });
    std::fs::write(d.join("ops1.json"), deposits.to_string()).unwrap();
    let out1 = p(d, "out1");
    let line = ok(&[
        "prove",
        "--keys",
        &keys,
        "--state",
        &db,
        "--ops",
        &p(d, "ops1.json"),
        "--out",
        &out1,
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(v["batch"], 1);
    let verify = |dir: &str| {
        zkroll(&[
            "verify",
            "--vk",
            &format!("{dir}/verification_key.json"),
            "--proof",
            &format!("{dir}/proof.json"),
            "--public",
            &format!("{dir}/public.json"),
        ])
    };
    assert!(verify(&out1).status.success());

    // L2: one transfer signed by zkroll, one withdrawal signed by circomlibjs.
    std::fs::write(
        d.join("t.json"),
        r#"{"type": "Transfer", "from": 1, "to": 0, "amount": "1200", "fee": "0", "nonce": 0}"#,
    )
    .unwrap();
    let signed: serde_json::Value = serde_json::from_str(&ok(&[
        "sign",
        "--key",
        &key(1),
        "--op",
        &p(d, "t.json"),
        "--chain-id",
        "1",
        "--rollup",
        ROLLUP,
    ]))
    .unwrap();
    let wallet =
        support::circomlibjs_sign(&[&key(1), "1", ROLLUP, "Withdraw", "1", "0", "300", "0", "1"]);
    let mut l2 = vec![signed];
    match &wallet {
        Some(w) => l2.push(w.clone()),
        None => {
            assert!(
                std::env::var_os("ZKROLL_REQUIRE_NODE").is_none(),
                "circomlibjs is required but missing: npm ci --prefix contracts"
            );
            println!("SKIPPED circomlibjs-signed operation: contracts/node_modules missing (npm ci --prefix contracts)")
        }
    }

    // First a refused batch: wrong nonce in slot 1. State must not move.
    std::fs::write(
        d.join("t7.json"),
        r#"{"type": "Transfer", "from": 1, "to": 0, "amount": "1", "fee": "0", "nonce": 7}"#,
    )
    .unwrap();
    let bad: serde_json::Value = serde_json::from_str(&ok(&[
        "sign",
        "--key",
        &key(1),
        "--op",
        &p(d, "t7.json"),
        "--chain-id",
        "1",
        "--rollup",
        ROLLUP,
    ]))
    .unwrap();
    let refused = serde_json::json!({"domain": {"chain_id": 1, "rollup": ROLLUP}, "fee_account": 0, "l1": [], "l2": [l2[0].clone(), bad]});
    std::fs::write(d.join("bad.json"), refused.to_string()).unwrap();
    let r = zkroll(&[
        "prove",
        "--keys",
        &keys,
        "--state",
        &db,
        "--ops",
        &p(d, "bad.json"),
        "--out",
        &p(d, "bad"),
    ]);
    assert!(!r.status.success());
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("L2 slot 1") && err.contains("nonce"), "{err}");

    let batch2 = serde_json::json!({"domain": {"chain_id": 1, "rollup": ROLLUP}, "fee_account": 0, "l1": [], "l2": l2});
    std::fs::write(d.join("ops2.json"), batch2.to_string()).unwrap();
    let out2 = p(d, "out2");
    let line = ok(&[
        "prove",
        "--keys",
        &keys,
        "--state",
        &db,
        "--ops",
        &p(d, "ops2.json"),
        "--out",
        &out2,
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(
        v["batch"], 2,
        "the refused batch did not consume a batch number"
    );
    assert!(verify(&out2).status.success());
    assert_eq!(
        std::fs::read_to_string(format!("{out2}/pubdata.hex"))
            .unwrap()
            .len(),
        2 * (zkroll::state::pubdata::HEADER_BYTES + 2 * 58 + 2 * 16)
    );

    // The Solidity verifier and the calldata of verifyProof.
    let sol = p(d, "Verifier.sol");
    ok(&[
        "export",
        "solidity",
        "--vk",
        &format!("{out2}/verification_key.json"),
        "--out",
        &sol,
    ]);
    assert!(std::fs::read_to_string(&sol)
        .unwrap()
        .contains("contract Groth16Verifier"));
    let calldata = ok(&[
        "export",
        "calldata",
        "--proof",
        &format!("{out2}/proof.json"),
        "--public",
        &format!("{out2}/public.json"),
    ]);
    assert!(calldata.trim().starts_with("0x"));
    assert_eq!(
        calldata.trim().len(),
        2 + 2 * (4 + 9 * 32),
        "selector + a, b, c + one input"
    );

    // Tampered public input: exit 1 with a reason.
    let public = format!("{out2}/public.json");
    let mut inputs: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(&public).unwrap()).unwrap();
    // A different last digit (writing a fixed one would leave an input
    // that already ends in it unchanged, and the proof valid).
    let last = inputs[0].pop().expect("a decimal input");
    inputs[0].push(if last == '1' { '2' } else { '1' });
    std::fs::write(&public, serde_json::to_string(&inputs).unwrap()).unwrap();
    let v = verify(&out2);
    assert_eq!(v.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("invalid"));
}

/// `zkroll bench` proves with both provers (every proof verified inside),
/// prints the table, the parts of each prover and the speedup line.
#[test]
fn bench_compares_both_provers() {
    let t = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_zkroll"))
        .args([
            "bench",
            "--depth",
            "2",
            "--l1-slots",
            "1",
            "--l2-slots",
            "1",
            "--runs",
            "1",
            "--breakdown",
        ])
        .env("ZKROLL_CACHE", t.path())
        .output()
        .expect("run zkroll");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "zkroll bench failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for row in [
        "| zkroll |",
        "| ark-groth16 0.6 |",
        "| synthesis |",
        "| QAP map |",
        "| MSM B (G2) |",
    ] {
        assert!(stdout.contains(row), "no {row} row in:\n{stdout}");
    }
    let speedup: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("speedup_vs_arkworks: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no speedup line in:\n{stdout}"));
    assert!(speedup > 0.0, "speedup {speedup}");
    // The state defaults to what the depth-2 tree holds, and the line on
    // repeated witness values names it.
    assert!(
        stdout.contains("repeat an earlier one") && stdout.contains("state of 16 accounts"),
        "no repeats line in:\n{stdout}"
    );
}

/// anvil from npm, or None (a printed skip) when it is not installed and
/// not required (`CI=true` or `ZKROLL_REQUIRE_ANVIL`).
use support::anvil;

/// The exodus journey from the command line, on anvil: `zkroll deploy`,
/// deposits and one settled batch (driven through the library, as an
/// operator would), then the operator stops; once the queue has expired a
/// user rebuilds the state with `zkroll sync` and gets their funds back
/// with `zkroll exit`.
#[test]
fn deploy_sync_and_exit_on_anvil() {
    use zkroll::l1::anvil::DEV_KEYS;
    use zkroll::l1::rpc::{parse_key, RpcChain, RpcConfig};
    use zkroll::l1::{Address, RollupChain};
    use zkroll::state::{BatchConfig, L1Op, MemStore, Rollup};

    let Some(node) = anvil("deploy_sync_and_exit_on_anvil") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let keys = p(d, "keys");
    ok(&[
        "setup",
        "--depth",
        "2",
        "--l1-slots",
        "1",
        "--l2-slots",
        "1",
        "--out",
        &keys,
    ]);
    // A wrong URL and a wrong address are one-line errors, exit code 2.
    let bad = zkroll(&[
        "deploy",
        "--rpc",
        "http://127.0.0.1:1",
        "--keys",
        &keys,
        "--operator-key",
        DEV_KEYS[0],
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr).trim().lines().count(),
        1
    );
    const EXPIRY: u64 = 4;
    const EXIT_WEI: u128 = 1_000_000_000_000_000_000;
    let out = ok(&[
        "deploy",
        "--rpc",
        &node.url(),
        "--keys",
        &keys,
        "--operator-key",
        DEV_KEYS[0],
        "--expiry",
        &EXPIRY.to_string(),
        "--batch-interval",
        "1",
    ]);
    let dep: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rollup = dep["rollup"].as_str().unwrap().to_string();
    let addr: Address = rollup.parse().unwrap();

    let key = zkroll::prover::ProverKey::load(Path::new(&keys)).unwrap();
    let shape = key.params.shape;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let user = parse_key("user", DEV_KEYS[1]).unwrap();
    let owner = user.address();
    let (state_root, balance) = rt.block_on(async {
        let cfg = RpcConfig {
            confirmations: 1,
            ..RpcConfig::default()
        };
        let mut chain = RpcChain::connect(
            &node.url(),
            vec![parse_key("op", DEV_KEYS[0]).unwrap(), user],
            addr,
            cfg,
        )
        .await
        .unwrap();
        let mut w = zkroll::state::sim::Workload::new(1, chain.domain());
        let mut state = Rollup::open(MemStore::new(), shape.depth, false).unwrap();
        let config = BatchConfig {
            shape,
            fee_account: 0,
            domain: chain.domain(),
        };
        for amount in [1u128, EXIT_WEI] {
            let q = w.deposit_new(0, amount);
            let L1Op::DepositNew { pubkey, .. } = q.op else {
                unreachable!()
            };
            chain.deposit_new(owner, pubkey, 0, amount).await.unwrap();
            let ops = chain.confirmed_l1_ops(state.l1_next()).await.unwrap();
            let wit = state.apply_batch(&config, &ops, &[]).unwrap();
            let proof = zkroll::prover::prove(&key, &wit, &mut rand::rngs::OsRng).unwrap();
            chain.submit_batch(&wit, &proof.proof).await.unwrap();
        }
        // One more deposit that the stopped operator never processes.
        let q = w.deposit_new(0, 5);
        let L1Op::DepositNew { pubkey, .. } = q.op else {
            unreachable!()
        };
        chain.deposit_new(owner, pubkey, 0, 5).await.unwrap();
        alloy_mine(&chain, EXPIRY + 1).await;
        (state.root(), chain.eth_balance(owner).await.unwrap())
    });

    let db = p(d, "follower.redb");
    let out = ok(&[
        "sync",
        "--rpc",
        &node.url(),
        "--rollup",
        &rollup,
        "--state",
        &db,
        "--vk",
        &p(Path::new(&keys), "verification_key.json"),
        "--confirmations",
        "1",
    ]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["to_batch"], 2, "{out}");
    assert_eq!(report["matches_contract"], true, "{out}");
    assert_eq!(
        report["root"].as_str().unwrap(),
        zkroll::state::field::fr_to_decimal(&state_root)
    );
    // Only the calldata, then the real exit.
    let calldata = ok(&[
        "exit",
        "--rpc",
        &node.url(),
        "--rollup",
        &rollup,
        "--state",
        &db,
        "--account",
        "1",
        "--calldata",
    ]);
    assert!(calldata.trim().starts_with("0x") && calldata.trim().len() > 10);
    let out = ok(&[
        "exit",
        "--rpc",
        &node.url(),
        "--rollup",
        &rollup,
        "--state",
        &db,
        "--account",
        "1",
        "--l1-key",
        DEV_KEYS[1],
    ]);
    let exit: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(exit["amount"], EXIT_WEI.to_string(), "{out}");
    println!("zkroll exit at depth 2: {out}");
    let after = rt.block_on(async {
        let chain = RpcChain::connect(&node.url(), vec![], addr, RpcConfig::default())
            .await
            .unwrap();
        chain.balance_of(owner).await.unwrap()
    });
    // Paid on L1, less the gas of three transactions (far below 0.1 ETH here).
    let paid = after - balance;
    assert!(
        paid > zkroll::l1::U256::from(EXIT_WEI - EXIT_WEI / 10)
            && paid < zkroll::l1::U256::from(EXIT_WEI),
        "the exit paid the owner {paid} wei on L1"
    );
    // The deposit no batch processed goes back to its payer (serial 2).
    let out = ok(&[
        "reclaim",
        "--rpc",
        &node.url(),
        "--rollup",
        &rollup,
        "--serial",
        "2",
        "--l1-key",
        DEV_KEYS[1],
    ]);
    let reclaim: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(reclaim["amount"], "5", "{out}");
    // A second exit of the same account is refused by the contract.
    let again = zkroll(&[
        "exit",
        "--rpc",
        &node.url(),
        "--rollup",
        &rollup,
        "--state",
        &db,
        "--account",
        "1",
        "--l1-key",
        DEV_KEYS[1],
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("AlreadyExited"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

/// Mines `n` empty blocks on anvil.
async fn alloy_mine(chain: &zkroll::l1::rpc::RpcChain, n: u64) {
    use zkroll::l1::rpc::AnvilApi;
    chain.provider().anvil_mine(Some(n), None).await.unwrap();
}
