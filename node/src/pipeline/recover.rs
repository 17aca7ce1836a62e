//! Where a (re)started node begins, and the rollback to L1's batch.
//!
//! After a crash at any moment, [`recover`] brings the node to a
//! consistent place before the pipeline runs:
//!
//! 1. plans the state never applied (killed between the plan and the
//!    apply) are discarded and their operations are pending again;
//! 2. if L1 is ahead of the state (a settled batch whose state was lost),
//!    the state replays L1's batches from their pubdata;
//! 3. the state's root at L1's last batch must be L1's root (else the
//!    node stops: another history was settled);
//! 4. batches L1 settled are recorded settled (their transactions read
//!    back from L1);
//! 5. batches applied but not settled are reverted and re-applied from
//!    their plans — the same L1 operations and the same signed L2
//!    operations, so the same batch (execution is deterministic) — and go
//!    to the prover again; submitting finds one that settled meanwhile
//!    already on L1. A plan that no longer applies (its L1 operations were
//!    reorganised away) is discarded with every plan after it, and their
//!    operations are pending again.

use std::collections::BTreeMap;

use zkroll_l1::{RollupChain, TxOutcome};
use zkroll_state::field::fr_to_be_bytes;
use zkroll_state::{AccountTree, BatchConfig, BatchStage, BatchWitness, SignedL2Op};

use crate::error::NodeError;
use crate::shared::Shared;
use crate::store::{BatchInfo, NodeStage};

/// Recovers (see the module doc); the batches to prove, in order. It runs
/// before the API opens, so holding the state's lock while L1 is read
/// (the replay of step 2) blocks no one.
#[allow(clippy::await_holding_lock)]
pub async fn recover<C: RollupChain>(
    shared: &Shared,
    chain: &mut C,
) -> Result<Vec<(BatchInfo, BatchWitness)>, NodeError> {
    let status = chain.status().await?;
    let settled = status.last_batch;
    let local = shared.state().last_batch();
    requeue_after(shared, local)?;
    if local < settled {
        let mut state = shared.state_mut();
        let report = zkroll_l1::sync::sync(chain, &mut state, None).await?;
        tracing::info!(
            "replayed batches {}..={} from L1",
            report.from + 1,
            report.to
        );
    }
    let root_at_settled = {
        let state = shared.state();
        if settled == 0 {
            AccountTree::new(shared.shape.depth)
                .map_err(zkroll_state::StateError::from)?
                .root()
        } else {
            state
                .batch_record(settled)?
                .map(|r| r.new_root)
                .ok_or_else(|| NodeError::Diverged {
                    reason: format!("L1 settled batch {settled}, the state has no record of it"),
                })?
        }
    };
    if fr_to_be_bytes(&root_at_settled) != status.state_root {
        return Err(NodeError::Diverged {
            reason: format!(
                "at batch {settled} L1's root is {}, the state's {}",
                hex::encode(status.state_root),
                hex::encode(fr_to_be_bytes(&root_at_settled))
            ),
        });
    }
    record_settled(shared, chain, settled).await?;
    reapply(shared, chain, settled).await
}

/// Batches up to `settled` that the store does not yet record settled:
/// recorded so, with their transactions from L1.
async fn record_settled<C: RollupChain>(
    shared: &Shared,
    chain: &mut C,
    settled: u64,
) -> Result<(), NodeError> {
    let unsettled: Vec<BatchInfo> = shared
        .store
        .batches_from(1)?
        .into_iter()
        .filter(|b| b.number <= settled && b.stage != NodeStage::Settled)
        .collect();
    let Some(first) = unsettled.first().map(|b| b.number) else {
        return Ok(());
    };
    let numbers: Vec<u64> = unsettled.iter().map(|b| b.number).collect();
    let on_l1 = settling_txs(chain, first, &numbers, shared.config.poll).await?;
    for mut info in unsettled {
        info.stage = NodeStage::Settled;
        if let Some(tx) = on_l1.get(&info.number) {
            info.tx = Some(tx.tx_hash.0);
            info.l1_block = Some(tx.block);
            info.gas = Some(tx.gas_used);
        }
        shared.store.put_batch(&info)?;
        let mut state = shared.state_mut();
        if state.batch_stage(info.number)? != Some(BatchStage::Written) {
            state.set_batch_stage(info.number, BatchStage::Written)?;
        }
    }
    Ok(())
}

/// How many times the settling transactions of batches L1 reports settled
/// are looked for: a node's logs may lag its state by a moment (or a load
/// balancer ask another node).
const SETTLED_LOG_TRIES: u32 = 20;

/// The transactions that settled `numbers` (all from `from` on), read from
/// L1's `BatchVerified` logs, retried every `poll` while one is missing.
pub(crate) async fn settling_txs<C: RollupChain>(
    chain: &mut C,
    from: u64,
    numbers: &[u64],
    poll: std::time::Duration,
) -> Result<BTreeMap<u64, TxOutcome>, NodeError> {
    let mut tries = 0;
    loop {
        tries += 1;
        let found: BTreeMap<u64, TxOutcome> = chain
            .settled_batches(from)
            .await?
            .into_iter()
            .filter(|b| numbers.contains(&b.number))
            .map(|b| (b.number, b.tx))
            .collect();
        match numbers.iter().find(|n| !found.contains_key(n)) {
            None => return Ok(found),
            Some(&batch) if tries >= SETTLED_LOG_TRIES => {
                return Err(NodeError::SettlementLogMissing { batch, tries })
            }
            Some(_) => tokio::time::sleep(poll).await,
        }
    }
}

/// Step 5 of the module doc.
async fn reapply<C: RollupChain>(
    shared: &Shared,
    chain: &mut C,
    settled: u64,
) -> Result<Vec<(BatchInfo, BatchWitness)>, NodeError> {
    let local = shared.state().last_batch();
    let plans = shared.store.batches_from(settled + 1)?;
    let complete = plans.len() as u64 == local - settled
        && plans.iter().zip(settled + 1..).all(|(p, n)| p.number == n);
    shared.state_mut().revert_to(settled)?;
    if !complete {
        tracing::warn!(
            "batches after {settled} have no complete plans; their operations are queued again"
        );
        requeue_after(shared, settled)?;
        return Ok(Vec::new());
    }
    let config = BatchConfig {
        shape: shared.shape,
        fee_account: shared.config.fee_account,
        domain: shared.domain,
    };
    let mut out = Vec::new();
    for mut plan in plans {
        let l1_next = shared.state().l1_next();
        let mut l1 = chain.confirmed_l1_ops(l1_next).await?;
        l1.truncate(plan.l1_count as usize);
        let l2: Option<Vec<SignedL2Op>> = plan
            .ops
            .iter()
            .map(|id| shared.store.op(*id).map(|r| r.map(|r| r.signed)))
            .collect::<Result<_, _>>()?;
        let applied = match (l1.len() as u64 == plan.l1_count, l2) {
            (true, Some(l2)) => shared.state_mut().apply_batch(&config, &l1, &l2).ok(),
            _ => None,
        };
        match applied {
            Some(w) if plan.new_root == [0; 32] || fr_to_be_bytes(&w.new_root) == plan.new_root => {
                plan.new_root = fr_to_be_bytes(&w.new_root);
                plan.fees = w.fee.total;
                plan.stage = NodeStage::Applied;
                plan.prove_ms = None;
                shared.store.put_batch(&plan)?;
                tracing::info!("batch {} re-applied from its plan", plan.number);
                out.push((plan, w));
            }
            other => {
                if other.is_some() {
                    shared.state_mut().revert_to(plan.number - 1)?;
                }
                tracing::warn!(
                    "batch {} no longer applies as planned; its operations are queued again",
                    plan.number
                );
                requeue_after(shared, plan.number - 1)?;
                break;
            }
        }
    }
    Ok(out)
}

/// Discards the plans after batch `to` and makes their operations pending.
fn requeue_after(shared: &Shared, to: u64) -> Result<(), NodeError> {
    let requeued = shared.store.discard_batches(to + 1, &[])?;
    let state = shared.state();
    let mut pool = shared.pool();
    pool.requeue(&requeued)?;
    let stale = pool.stale(&state);
    pool.drop_ops(&stale)?;
    Ok(())
}

/// Reverts the state to batch `to` (L1's last) and queues again the
/// operations of every batch after it.
pub fn roll_back(shared: &Shared, to: u64) -> Result<(), NodeError> {
    {
        let mut state = shared.state_mut();
        if state.last_batch() > to {
            state.revert_to(to)?;
        }
    }
    requeue_after(shared, to)
}
