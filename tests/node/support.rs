//! What the node tests share: anvil, a deployment with a dev key
//! directory, the node as a child process on a loopback port (killed on
//! drop, even when a test fails), and HTTP calls to it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use zkroll::l1::anvil::{Anvil, DEV_KEYS};
use zkroll::state::PrivateKey;

/// How long a node may take to recover and listen (a key load included).
pub const START_TIMEOUT: Duration = Duration::from_secs(120);

pub fn zkroll(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkroll"))
        .args(args)
        .output()
        .expect("run zkroll")
}

pub fn ok(args: &[&str]) -> String {
    let o = zkroll(args);
    assert!(
        o.status.success(),
        "zkroll {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(args)).expect("JSON output")
}

#[allow(unused_imports)]
pub use crate::common::{anvil, anvil_with};

/// A deployment on `anvil`: its key directory and Rollup.sol's address.
pub struct Deployed {
    pub dir: tempfile::TempDir,
    pub keys: PathBuf,
    pub rollup: String,
    pub rpc: String,
}

/// Dev keys for depth 2, 2 L1 + 2 L2 slots, and a deployment using them.
pub fn deploy(anvil: &Anvil) -> Deployed {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let k = keys.to_str().unwrap();
    ok(&[
        "setup",
        "--depth",
        "2",
        "--l1-slots",
        "2",
        "--l2-slots",
        "2",
        "--out",
        k,
    ]);
    let rpc = anvil.url();
    let d = json(&[
        "deploy",
        "--rpc",
        &rpc,
        "--keys",
        k,
        "--operator-key",
        DEV_KEYS[0],
    ]);
    Deployed {
        rollup: d["rollup"].as_str().unwrap().to_string(),
        keys,
        rpc,
        dir,
    }
}

/// A running `zkroll node`, killed on drop.
pub struct Node {
    pub child: Child,
    pub url: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    /// Starts a node for `d` with its stores in `data`, and waits for it to
    /// listen. A flag in `extra` replaces the default for it.
    pub fn start(d: &Deployed, data: &Path, extra: &[&str]) -> Node {
        let keys = d.keys.to_str().unwrap();
        let data = data.to_str().unwrap();
        let defaults: [(&str, &str); 10] = [
            ("--rpc", &d.rpc),
            ("--rollup", &d.rollup),
            ("--keys", keys),
            ("--data-dir", data),
            ("--listen", "127.0.0.1:0"),
            ("--confirmations", "1"),
            ("--batch-wait-ms", "300"),
            ("--poll-ms", "100"),
            ("--operator-key", DEV_KEYS[0]),
            ("--fee-account", "0"),
        ];
        let mut args = vec!["node"];
        for (flag, value) in defaults {
            if !extra.contains(&flag) {
                args.extend_from_slice(&[flag, value]);
            }
        }
        args.extend_from_slice(extra);
        let mut child = Command::new(env!("CARGO_BIN_EXE_zkroll"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start zkroll node");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("zkroll node listening on ") {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        let mut node = Node {
            child,
            url: String::new(),
        };
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => node.url = url,
            Err(_) => panic!(
                "the node did not listen within {START_TIMEOUT:?} (exit: {:?})",
                node.child.try_wait()
            ),
        }
        node
    }

    /// SIGKILL, no chance to clean up.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// GET `url`: status and JSON body.
pub async fn get(url: &str) -> (u16, serde_json::Value) {
    let r = reqwest::get(url).await.expect("GET");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// POST raw `body` as JSON to `url`: status and JSON body.
pub async fn post(url: &str, body: String) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("POST");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// Polls `f` every 200 ms until it returns Some, or panics after `limit`
/// naming `what`.
pub async fn until<T, F, Fut>(what: &str, limit: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The longest any one step of a journey may take (proving included).
pub const STEP: Duration = Duration::from_secs(180);
pub const TRANSFER_FEE: u128 = 10;
pub const WITHDRAW_FEE: u128 = 20;

pub fn l2_key(i: u8) -> (PrivateKey, String) {
    let bytes = [i; 32];
    (PrivateKey::from_bytes(bytes), hex::encode(bytes))
}

/// `zkroll wallet SUB` against L1 from dev L1 key `l1`, one
/// confirmation, with `extra` arguments: its JSON output.
fn wallet_l1(d: &Deployed, sub: &str, l1: usize, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "wallet",
        sub,
        "--rpc",
        &d.rpc,
        "--rollup",
        &d.rollup,
        "--l1-key",
        DEV_KEYS[l1],
        "--confirmations",
        "1",
    ];
    args.extend_from_slice(extra);
    json(&args)
}

/// `zkroll wallet deposit` of `amount` from dev L1 key `l1` for L2 key `l2`.
pub fn deposit(d: &Deployed, l1: usize, l2: &str, amount: u128) -> u64 {
    let amount = amount.to_string();
    let v = wallet_l1(d, "deposit", l1, &["--l2-key", l2, "--amount", &amount]);
    v["account"].as_u64().unwrap()
}

/// Waits until account `idx` is settled on L1 with `balance`.
pub async fn settled_balance(node: &Node, idx: u64, balance: u128) {
    let url = format!("{}/accounts/{idx}", node.url);
    until(
        &format!("account {idx} settled at {balance}"),
        STEP,
        || async {
            let (status, v) = get(&url).await;
            (status == 200 && v["settled"]["balance"] == balance.to_string()).then_some(())
        },
    )
    .await;
}

pub fn fees() -> [&'static str; 4] {
    ["--fee-transfer", "10", "--fee-withdraw", "20"]
}

/// The state rebuilt from L1 alone (`zkroll sync` into a new store), which
/// must match the contract's root.
pub fn rebuilt_from_l1(d: &Deployed) -> zkroll::state::Rollup<zkroll::state::RedbStore> {
    let replica = d.dir.path().join("replica.redb");
    let report = json(&[
        "sync",
        "--rpc",
        &d.rpc,
        "--rollup",
        &d.rollup,
        "--state",
        replica.to_str().unwrap(),
    ]);
    assert_eq!(report["matches_contract"], true, "{report}");
    zkroll::state::Rollup::open(zkroll::state::RedbStore::open(&replica).unwrap(), 2, false)
        .unwrap()
}

/// `zkroll wallet claim` from dev L1 key `l1`: the wei it paid.
pub fn claim(d: &Deployed, l1: usize) -> String {
    let paid = wallet_l1(d, "claim", l1, &[]);
    paid["paid_wei"].as_str().unwrap_or_default().to_string()
}
