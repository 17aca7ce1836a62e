//! The demo scenario behind `zkroll demo`: an operator end to end on any
//! [`RollupChain`] (the embedded EVM by default, a live node with
//! `--rpc`): deposits queued on L1 and read back from its queue, batches
//! of transfers and a withdrawal, each proved, verified and settled, the
//! state rebuilt from L1 alone, and the withdrawal paid on L1.

use std::time::Instant;

use anyhow::{Context, Result};
use rand::rngs::OsRng;
use serde_json::json;
use zkroll_l1::sync::sync;
use zkroll_l1::{Address, RollupChain};
use zkroll_prover::{prove, ProofOutput, ProverKey};
use zkroll_state::field::{fr_to_be_bytes, fr_to_decimal};
use zkroll_state::pubdata::L1Status;
use zkroll_state::sim::Workload;
use zkroll_state::{BatchConfig, BatchWitness, L1Op, MemStore, OpType, RedbStore, Rollup};

/// The demo's settings.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Transfer batches after the deposits.
    pub batches: usize,
    /// One JSON object per batch instead of text.
    pub json: bool,
}

/// What the demo leaves for `--out`: the last batch and its proof.
pub struct DemoResult {
    /// The last batch's witness.
    pub last: BatchWitness,
    /// Its proof.
    pub proof: ProofOutput,
}

/// The amounts the demo deposits (the first opens the fee account).
const DEPOSITS: [u128; 4] = [1, 1_000_000, 2_000_000, 500_000];

/// Runs the scenario on `chain` with `key`, deposits paid by `depositor`
/// (funded; on a live node a registered signer).
pub async fn run<C: RollupChain>(
    chain: &mut C,
    depositor: Address,
    key: &ProverKey,
    opts: &DemoOptions,
) -> Result<DemoResult> {
    let shape = chain.shape();
    let config = BatchConfig {
        shape,
        fee_account: 0,
        domain: chain.domain(),
    };
    let dir = tempfile::tempdir()?;
    let mut rollup = Rollup::open(
        RedbStore::open(&dir.path().join("state.redb"))?,
        shape.depth,
        false,
    )?;
    let mut w = Workload::new(42, chain.domain());
    if !opts.json {
        println!(
            "zkroll demo: depth {}, {} L1 + {} L2 slots, {} constraints per batch",
            shape.depth, shape.l1_slots, shape.l2_slots, key.r1cs.num_constraints
        );
    }
    let t_deposit = Instant::now();
    let mut predicted = Vec::new();
    let mut deposit_gas = 0;
    for amount in DEPOSITS {
        let q = w.deposit_new(0, amount);
        let L1Op::DepositNew { pubkey, token, .. } = q.op else {
            unreachable!("deposit_new queues a DepositNew")
        };
        let (idx, out) = chain.deposit_new(depositor, pubkey, token, amount).await?;
        anyhow::ensure!(
            idx == q.op.idx(),
            "L1 assigned index {idx}, the operator expected {}",
            q.op.idx()
        );
        deposit_gas = out.gas_used;
        predicted.push(q);
    }
    // The operator takes the queue from L1, once confirmed.
    let queued = loop {
        let q = chain.confirmed_l1_ops(rollup.l1_next()).await?;
        if q.len() >= predicted.len() {
            break q;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    anyhow::ensure!(
        queued == predicted,
        "the L1 queue read back differs from the deposits sent"
    );
    if !opts.json {
        println!(
            "L1: {} deposits queued in Rollup.sol and read back from its queue (depositNew gas {deposit_gas})",
            queued.len()
        );
    }
    let mut plan: Vec<(Vec<_>, Vec<_>)> = queued
        .chunks(shape.l1_slots)
        .map(|c| (c.to_vec(), vec![]))
        .collect();
    for _ in 0..=opts.batches {
        plan.push((vec![], vec![]));
    }
    let n = plan.len();
    let mut last = None;
    for (b, (l1, l2)) in plan.into_iter().enumerate() {
        let l2 = if b + 1 == n {
            let a = *rollup.account(2).context("account 2 exists")?;
            vec![w
                .withdraw(2, a.balance / 4, 1, a.nonce)
                .context("demo holds account 2's key")?]
        } else if l1.is_empty() {
            w.random_transfers(rollup.tree(), shape.l2_slots, 0, 0)
        } else {
            l2
        };
        let t = Instant::now();
        let wit = rollup.apply_batch(&config, &l1, &l2)?;
        let apply = t.elapsed();
        let p = prove(key, &wit, &mut OsRng)?;
        let verified = zkroll_verifier::verify(&key.pk.vk, &p.public_inputs, &p.proof);
        let settled = match chain.submit_batch(&wit, &p.proof).await {
            Ok(s) => s,
            Err(e) => {
                // A batch that did not settle leaves no trace in the state.
                rollup.revert_to(wit.batch_number - 1)?;
                return Err(anyhow::Error::new(e).context(format!(
                    "batch {} did not settle; the state is back at batch {}",
                    wit.batch_number,
                    wit.batch_number - 1
                )));
            }
        };
        if b == 0 && !opts.json {
            println!(
                "L1 deposit to L2 credit (sent, queued, proved, settled): {:.2} s",
                t_deposit.elapsed().as_secs_f64()
            );
        }
        let l1_gas = settled.gas_used().unwrap_or_default();
        let count = |k: OpType| wit.l2.iter().filter(|s| s.slot.op_type == k).count();
        let failed = wit
            .l1
            .iter()
            .filter(|s| s.slot.status == L1Status::Failed)
            .count();
        if opts.json {
            println!(
                "{}",
                json!({
                    "batch": wit.batch_number,
                    "l1_ops": l1.len(), "l1_failed": failed,
                    "transfers": count(OpType::Transfer), "withdrawals": count(OpType::Withdraw),
                    "constraints": key.r1cs.num_constraints,
                    "apply_commit_ms": apply.as_secs_f64() * 1e3,
                    "witness_ms": p.witness_time.as_secs_f64() * 1e3,
                    "prove_ms": p.prove_time.as_secs_f64() * 1e3,
                    "verified": verified.is_ok(),
                    "l1_gas": l1_gas,
                    "public_input": fr_to_decimal(&wit.public_input),
                })
            );
        } else {
            println!(
                "batch {}: {} L1 ({} failed), {} transfers, {} withdrawals | {} constraints | apply+commit {:.0} ms, witness {:.2} s, prove {:.2} s | verified: {} | L1 submitBatch gas {}",
                wit.batch_number,
                l1.len(),
                failed,
                count(OpType::Transfer),
                count(OpType::Withdraw),
                key.r1cs.num_constraints,
                apply.as_secs_f64() * 1e3,
                p.witness_time.as_secs_f64(),
                p.prove_time.as_secs_f64(),
                if verified.is_ok() { "yes" } else { "NO" },
                l1_gas
            );
        }
        verified.context("a demo proof did not verify")?;
        last = Some((wit, p));
    }
    // Data availability: a follower rebuilds the same root from L1 alone.
    let mut follower = Rollup::open(MemStore::new(), shape.depth, false)?;
    let report = sync(chain, &mut follower, Some(&key.pk.vk)).await?;
    anyhow::ensure!(
        report.matches_contract && follower.root() == rollup.root(),
        "the state rebuilt from L1 differs from the operator's"
    );
    let status = chain.status().await?;
    anyhow::ensure!(
        status.state_root == fr_to_be_bytes(&rollup.root()),
        "Rollup.sol's root differs from the operator's"
    );
    // The withdrawal is paid on L1 to the account's owner.
    let before = chain.eth_balance(depositor).await?;
    let paid_out = chain.withdraw(depositor, 0).await?;
    let paid = chain.eth_balance(depositor).await? + paid_out.fee_wei - before;
    if !opts.json {
        println!(
            "rebuilt {} batches from L1 alone (submitBatch calldata, proofs checked): same root",
            report.to
        );
        println!(
            "L1: Rollup.sol's root matches the operator's; withdraw() paid {paid} wei to the owner (gas {})",
            paid_out.gas_used
        );
    }
    let (last, proof) = last.context("the demo proves at least one batch")?;
    Ok(DemoResult { last, proof })
}
