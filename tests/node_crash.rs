//! `zkroll node` killed with SIGKILL again and again during the journey on
//! anvil, and restarted each time on the same data directory.
//!
//! anvil mines a block a second, so a batch's L1 transaction spends real
//! time sent-but-unmined, and mined-but-not-yet-seen. The test watches
//! `/health` (and Rollup.sol, over its own RPC client) and kills the node
//! in each phase of a batch's life:
//!
//! - **apply**: `/health` shows a batch being applied (its plan stored,
//!   the state being written; the kill lands as the apply ends and the
//!   batch goes to the prover);
//! - **prove**: a batch being proved (a random delay into the proof);
//! - **submit**: a batch's transaction sent and not yet mined;
//! - **confirm**: Rollup.sol has settled the batch, the node has not yet
//!   seen its receipt.
//!
//! Afterwards nothing accepted is lost (every operation settles, the
//! accounts' nonces count them all), nothing is applied twice (the
//! balances are the arithmetic's of the operations applied once each),
//! every batch settles once and in order (one L1 transaction per batch,
//! the state rebuilt from L1 alone agrees), and the withdrawals pay once.

#[path = "support/mod.rs"]
mod common;
#[path = "node/support.rs"]
mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use support::*;
use zkroll::l1::anvil::DEV_KEYS;
use zkroll::l1::{RollupChain, RpcChain, RpcConfig};
use zkroll::state::{Domain, L2Op, PrivateKey, Transfer, Withdraw};

/// Kills in each phase (4 phases: at least 20 kills).
const KILLS_PER_PHASE: usize = 5;
/// The whole kill loop's bound.
const KILL_LOOP_LIMIT: Duration = Duration::from_secs(900);
/// anvil's block time, seconds.
const BLOCK_TIME: &str = "1";
/// The node's poll (and receipt poll) interval: wide enough that a mined
/// batch is seen a little later.
const POLL_MS: &str = "400";
/// How far into a proof the prove-phase kill may land, ms.
const PROVE_JITTER_MS: u64 = 600;
const DEPOSIT_1: u128 = 5_000_000;
const DEPOSIT_2: u128 = 3_000_000;
const WITHDRAW_AMOUNT: u128 = 100;
/// Every how many operations one is a withdrawal (from account 2).
const WITHDRAW_EVERY: u64 = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Apply,
    Prove,
    Submit,
    Confirm,
}

const PHASES: [Phase; 4] = [Phase::Apply, Phase::Prove, Phase::Submit, Phase::Confirm];

/// The journey's operations: operation `i`, signed, and what it moves.
struct Journey {
    k1: PrivateKey,
    k2: PrivateKey,
    domain: Domain,
    nonces: [u32; 3],
    balances: [u128; 3],
    withdrawn: u128,
    sent: u64,
}

impl Journey {
    /// The next operation as a request body, its effect applied to the
    /// expected balances.
    fn next(&mut self) -> String {
        let i = self.sent;
        self.sent += 1;
        let (from, key) = if i.is_multiple_of(2) {
            (1usize, &self.k1)
        } else {
            (2, &self.k2)
        };
        let nonce = self.nonces[from];
        self.nonces[from] += 1;
        let op = if from == 2 && i % WITHDRAW_EVERY == WITHDRAW_EVERY - 1 {
            self.balances[2] -= WITHDRAW_AMOUNT + WITHDRAW_FEE;
            self.balances[0] += WITHDRAW_FEE;
            self.withdrawn += WITHDRAW_AMOUNT;
            L2Op::Withdraw(Withdraw {
                from: 2,
                amount: WITHDRAW_AMOUNT,
                fee: WITHDRAW_FEE,
                nonce,
            })
        } else {
            let to = 3 - from;
            let amount = 1000 + i as u128;
            self.balances[from] -= amount + TRANSFER_FEE;
            self.balances[to] += amount;
            self.balances[0] += TRANSFER_FEE;
            L2Op::Transfer(Transfer {
                from: from as u32,
                to: to as u32,
                amount,
                fee: TRANSFER_FEE,
                nonce,
            })
        };
        serde_json::to_string(&op.sign(key, &self.domain)).unwrap()
    }
}

/// Submits `body`, which the node either accepts now or accepted before
/// it was killed (a duplicate of a pending one, or its nonce already
/// used by it); the id when it is new.
async fn submit(node: &Node, body: &str) -> Option<u64> {
    let (status, v) = post(&format!("{}/ops", node.url), body.to_string()).await;
    match (status, v["error"].as_str()) {
        (202, _) => Some(v["id"].as_u64().unwrap()),
        (409, Some("duplicate" | "nonce_used")) => None,
        _ => panic!("operation refused ({status}): {v}\n{body}"),
    }
}

/// The phase `health` shows, with the batch it is about; `l1_last` is
/// Rollup.sol's last batch, read after `health`.
fn phase_of(health: &serde_json::Value, l1_last: Option<u64>) -> Option<(Phase, u64)> {
    if let Some(n) = health["applying"].as_u64() {
        return Some((Phase::Apply, n));
    }
    if let Some(n) = health["settling"].as_u64() {
        return match l1_last {
            Some(l1) if l1 >= n => Some((Phase::Confirm, n)),
            Some(_) => Some((Phase::Submit, n)),
            None => None,
        };
    }
    if let Some(n) = health["proving"].as_u64() {
        return health["prover"]
            .as_str()
            .is_some_and(|p| p.starts_with("ready"))
            .then_some((Phase::Prove, n));
    }
    None
}

#[test]
fn sigkill_at_every_phase_loses_nothing_and_settles_each_batch_once() {
    let test = "sigkill_at_every_phase_loses_nothing_and_settles_each_batch_once";
    let Some(anvil) = anvil_with(test, &["--block-time", BLOCK_TIME]) else {
        return;
    };
    let d = deploy(&anvil);
    let data = d.dir.path().join("node");
    let mut args = fees().to_vec();
    args.extend_from_slice(&["--poll-ms", POLL_MS]);
    let (_, k0) = l2_key(30);
    let (k1, k1_hex) = l2_key(31);
    let (k2, k2_hex) = l2_key(32);
    assert_eq!(deposit(&d, 0, &k0, 1), 0);
    assert_eq!(deposit(&d, 1, &k1_hex, DEPOSIT_1), 1);
    assert_eq!(deposit(&d, 2, &k2_hex, DEPOSIT_2), 2);
    let seed: u64 = rand::random();
    println!("{test}: seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    let rt = rt();
    let mut node = Node::start(&d, &data, &args);
    let domain = rt.block_on(async {
        settled_balance(&node, 2, DEPOSIT_2).await;
        let (_, info) = get(&format!("{}/info", node.url)).await;
        Domain {
            chain_id: info["chain_id"].as_u64().unwrap(),
            rollup: info["rollup"].as_str().unwrap().parse().unwrap(),
        }
    });
    let mut journey = Journey {
        k1,
        k2,
        domain,
        nonces: [0; 3],
        balances: [1, DEPOSIT_1, DEPOSIT_2],
        withdrawn: 0,
        sent: 0,
    };
    let mut l1 = rt
        .block_on(RpcChain::connect(
            &d.rpc,
            vec![zkroll::l1::rpc::parse_key("L1 key", DEV_KEYS[3]).unwrap()],
            d.rollup.parse().unwrap(),
            RpcConfig::default(),
        ))
        .unwrap();

    let mut ids = Vec::new();
    let mut kills: BTreeMap<Phase, Vec<u64>> = BTreeMap::new();
    let start = Instant::now();
    while let Some(&target) = PHASES
        .iter()
        .filter(|p| kills.get(p).map_or(0, Vec::len) < KILLS_PER_PHASE)
        .min_by_key(|p| kills.get(p).map_or(0, Vec::len))
    {
        assert!(
            start.elapsed() < KILL_LOOP_LIMIT,
            "kills so far {kills:?}: the phases did not all come round in {KILL_LOOP_LIMIT:?}"
        );
        let hit = rt.block_on(async {
            let health_url = format!("{}/health", node.url);
            let watch = Instant::now();
            while watch.elapsed() < STEP {
                let (_, h) = get(&health_url).await;
                // Keep two operations waiting so batches keep coming.
                if h["mempool"].as_u64().unwrap_or(0) < 2 {
                    for _ in 0..2 {
                        let body = journey.next();
                        ids.extend(submit(&node, &body).await);
                    }
                }
                let l1_last = if h["settling"].is_u64() {
                    Some(l1.status().await.unwrap().last_batch)
                } else {
                    None
                };
                let Some((phase, n)) = phase_of(&h, l1_last) else {
                    continue;
                };
                if phase != target {
                    continue;
                }
                if phase == Phase::Prove {
                    tokio::time::sleep(Duration::from_millis(rng.gen_range(0..PROVE_JITTER_MS)))
                        .await;
                    let (_, h) = get(&health_url).await;
                    if phase_of(&h, None) != Some((Phase::Prove, n)) {
                        continue; // the proof finished first
                    }
                }
                return Some((phase, n));
            }
            None
        });
        let Some((phase, n)) = hit else {
            panic!("{target:?} did not come round within {STEP:?}; kills so far {kills:?}");
        };
        node.kill();
        kills.entry(phase).or_default().push(n);
        println!(
            "kill {}: {phase:?} of batch {n} at {:.1} s",
            kills.values().map(Vec::len).sum::<usize>(),
            start.elapsed().as_secs_f64()
        );
        node = Node::start(&d, &data, &args);
    }
    let total: usize = kills.values().map(Vec::len).sum();
    assert!(total >= PHASES.len() * KILLS_PER_PHASE);
    println!("{test}: {total} kills: {kills:?}");

    // Everything submitted settles; the balances are the operations'
    // applied once each.
    rt.block_on(async {
        let nonces = journey.nonces;
        for idx in [1usize, 2] {
            let url = format!("{}/accounts/{idx}", node.url);
            until(
                &format!("account {idx}'s operations settled"),
                STEP,
                || async {
                    let (_, a) = get(&url).await;
                    (a["settled"]["nonce"] == nonces[idx]).then_some(())
                },
            )
            .await;
        }
        for id in &ids {
            let (_, v) = get(&format!("{}/ops/{id}", node.url)).await;
            assert_eq!(v["status"], "settled", "operation {id}: {v}");
        }
        for idx in 0..3 {
            settled_balance(&node, idx as u64, journey.balances[idx]).await;
        }
        // One L1 transaction per batch, every batch settled, in order.
        let status = l1.status().await.unwrap();
        let mut txs = std::collections::BTreeSet::new();
        for n in 1..=status.last_batch {
            let (_, b) = get(&format!("{}/batches/{n}", node.url)).await;
            assert_eq!(b["stage"], "settled", "batch {n}: {b}");
            let tx = b["l1_tx"].as_str();
            assert!(tx.is_some(), "batch {n} has no L1 transaction: {b}");
            assert!(
                txs.insert(tx.unwrap_or_default().to_string()),
                "batch {n} shares an L1 transaction: {b}"
            );
        }
        let (_, h) = get(&format!("{}/health", node.url)).await;
        assert_eq!(h["last_batch"], status.last_batch, "{h}");
    });

    // The state rebuilt from L1 alone agrees.
    let rebuilt = rebuilt_from_l1(&d);
    for (idx, want) in journey.balances.iter().enumerate() {
        assert_eq!(
            rebuilt.account(idx as u32).unwrap().balance,
            *want,
            "account {idx}"
        );
    }
    // The withdrawals pay once.
    assert_eq!(claim(&d, 2), journey.withdrawn.to_string());
    drop(node);
}
