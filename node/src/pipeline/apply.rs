//! The batcher: decides when a batch is due, plans it (stored before it
//! is applied: see [`crate::store`]), and applies it to the state. An L2
//! operation the batch refuses (made invalid by an earlier one, say) is
//! dropped with its reason and the batch is planned again without it.

use zkroll_state::batch::BatchError;
use zkroll_state::field::fr_to_be_bytes;
use zkroll_state::{BatchConfig, BatchWitness, QueuedL1Op, SignedL2Op, StateError};

use crate::error::{NodeError, SubmitError};
use crate::shared::{now_ms, Shared};
use crate::store::{BatchInfo, NodeStage, OpState};

/// Closes the next batch if one is due (see [`crate::pipeline`]): the
/// first L1 operations of `queue` and the ready L2 operations. `None`: no
/// batch is due.
pub(crate) fn close_batch(
    shared: &Shared,
    queue: &[QueuedL1Op],
) -> Result<Option<(BatchInfo, BatchWitness)>, NodeError> {
    let shape = shared.shape;
    let l1: Vec<QueuedL1Op> = queue.iter().take(shape.l1_slots).copied().collect();
    let config = BatchConfig {
        shape,
        fee_account: shared.config.fee_account,
        domain: shared.domain,
    };
    let wait_ms = shared.config.batch_wait.as_millis() as u64;
    let mut state = shared.state_mut();
    // Each attempt drops one operation, so at most one per slot, then one
    // that applies.
    for _ in 0..=shape.l2_slots {
        let ops = {
            let pool = shared.pool();
            let ops = pool.select(&state, shape.l2_slots);
            let due = !l1.is_empty()
                || ops.len() >= shape.l2_slots
                || (!ops.is_empty()
                    && pool
                        .oldest_ready_ms(&state)
                        .is_some_and(|age| age >= wait_ms));
            if !due {
                return Ok(None);
            }
            ops
        };
        let ids: Vec<u64> = ops.iter().map(|r| r.id).collect();
        let mut info = BatchInfo {
            number: state.last_batch() + 1,
            l1_from: state.l1_next(),
            l1_count: l1.len() as u64,
            ops: ids.clone(),
            old_root: fr_to_be_bytes(&state.root()),
            new_root: [0; 32],
            fees: 0,
            stage: NodeStage::Applied,
            created_ms: now_ms(),
            prove_ms: None,
            settled_ms: None,
            tx: None,
            l1_block: None,
            gas: None,
        };
        shared.view_mut().applying = Some(info.number);
        shared.store.plan_batch(&info)?;
        shared.pool().take(&ids);
        let signed: Vec<SignedL2Op> = ops.iter().map(|r| r.signed).collect();
        match state.apply_batch(&config, &l1, &signed) {
            Ok(w) => {
                info.new_root = fr_to_be_bytes(&w.new_root);
                info.fees = w.fee.total;
                shared.store.put_batch(&info)?;
                return Ok(Some((info, w)));
            }
            Err(StateError::Batch(BatchError::L2 { slot, reason })) => {
                let Some(&id) = ids.get(slot) else {
                    return Err(StateError::Batch(BatchError::L2 { slot, reason }).into());
                };
                tracing::info!("operation {id} dropped: {reason}");
                let code = SubmitError::Rule(reason.clone()).code().to_string();
                let dropped = [(
                    id,
                    OpState::Dropped {
                        code,
                        reason: reason.to_string(),
                    },
                )];
                let requeued = shared.store.discard_batches(info.number, &dropped)?;
                shared.pool().requeue(&requeued)?;
                shared.metrics.ops_dropped.inc();
            }
            Err(e) => {
                let requeued = shared.store.discard_batches(info.number, &[])?;
                shared.pool().requeue(&requeued)?;
                return Err(e.into());
            }
        }
    }
    Ok(None)
}
