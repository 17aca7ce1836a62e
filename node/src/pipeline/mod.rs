//! The pipeline: batcher, apply -> witness -> prove -> submit -> confirm.
//!
//! Each round looks at L1 (status, the confirmed queue), takes finished
//! proofs from the prover's thread, settles the lowest proved batch (in
//! batch order, once: `submit_batch` detects a batch already on L1), and
//! closes a new batch when one is due: confirmed L1 operations are waiting
//! (they drain first, before the contract's expiry turns on exodus), the
//! L2 slots are full, or the oldest ready operation has waited
//! `batch_wait`. Up to `max_in_flight` batches are applied ahead of the
//! last settled one, so the next batch's witness is built while one
//! proves. Idle rounds sleep `poll`, or until a proof arrives.
//!
//! An L1 revert of a batch (the root moved under it, or anything else the
//! contract refuses) rolls the state back to the contract's last batch and
//! re-queues the operations of every batch after it; the batcher takes
//! those still valid again, and drops the others with their reason.

mod apply;
mod prover_thread;
pub mod recover;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use ark_bn254::Bn254;
use ark_groth16::Proof;
use tokio::sync::mpsc::UnboundedReceiver;
use zkroll_l1::{L1Error, RollupChain, Settlement};
use zkroll_state::{BatchStage, BatchWitness};

pub use prover_thread::{ProverLoader, ProverMsg};

use crate::error::NodeError;
use crate::shared::{now_ms, SeenL1Op, Shared, RECENT_PROOFS};
use crate::store::{BatchInfo, NodeStage};

/// A batch applied and not yet settled.
pub(crate) struct Flight {
    witness: BatchWitness,
    info: BatchInfo,
    proof: Option<Proof<Bn254>>,
}

/// The pipeline over a chain `C`.
pub struct Pipeline<C: RollupChain> {
    shared: Arc<Shared>,
    chain: C,
    jobs: std::sync::mpsc::Sender<BatchWitness>,
    results: UnboundedReceiver<ProverMsg>,
    flights: BTreeMap<u64, Flight>,
}

impl<C: RollupChain> Pipeline<C> {
    /// Starts the prover's thread (loading the key with `load`) and
    /// returns the pipeline over `chain`.
    pub fn new(shared: Arc<Shared>, chain: C, load: ProverLoader) -> Result<Self, NodeError> {
        let (jobs, job_rx) = std::sync::mpsc::channel();
        let (out, results) = tokio::sync::mpsc::unbounded_channel();
        let shape = shared.shape;
        shared.view_mut().prover = "loading the key".into();
        std::thread::Builder::new()
            .name("zkroll-prover".into())
            .spawn(move || prover_thread::run(load, shape, job_rx, out))
            .map_err(|source| NodeError::Io {
                path: "prover thread".into(),
                source,
            })?;
        Ok(Self {
            shared,
            chain,
            jobs,
            results,
            flights: BTreeMap::new(),
        })
    }

    /// Recovers (see [`recover`]): the batches applied and not settled go
    /// to the prover again.
    pub async fn recover(&mut self) -> Result<(), NodeError> {
        for (info, witness) in recover::recover(&self.shared, &mut self.chain).await? {
            self.launch(info, witness)?;
        }
        Ok(())
    }

    /// Runs rounds until the node stops (after [`Pipeline::recover`]).
    pub async fn run(mut self) -> Result<(), NodeError> {
        while !self.shared.stop.load(Ordering::Relaxed) {
            while let Ok(msg) = self.results.try_recv() {
                self.on_prover(msg)?;
            }
            let worked = match self.round().await {
                Ok(w) => {
                    self.shared.view_mut().last_error = None;
                    w
                }
                Err(e) => {
                    tracing::warn!("pipeline round: {e}");
                    self.shared.view_mut().last_error = Some(e.to_string());
                    false
                }
            };
            if !worked {
                tokio::select! {
                    msg = self.results.recv() => match msg {
                        Some(m) => self.on_prover(m)?,
                        None => return Err(NodeError::ThreadGone { what: "prover" }),
                    },
                    () = tokio::time::sleep(self.shared.config.poll) => {}
                }
            }
        }
        Ok(())
    }

    /// Sends a batch to the prover and keeps it in flight.
    fn launch(&mut self, info: BatchInfo, witness: BatchWitness) -> Result<(), NodeError> {
        self.jobs
            .send(witness.clone())
            .map_err(|_| NodeError::ThreadGone { what: "prover" })?;
        self.shared
            .metrics
            .last_batch_applied
            .set(info.number as i64);
        self.flights.insert(
            info.number,
            Flight {
                witness,
                info,
                proof: None,
            },
        );
        self.shared.view_mut().proving = self.flights.keys().next().copied();
        Ok(())
    }

    fn on_prover(&mut self, msg: ProverMsg) -> Result<(), NodeError> {
        match msg {
            ProverMsg::Ready(label) => {
                tracing::info!("prover ready: key {label}");
                self.shared.view_mut().prover = format!("ready (key: {label})");
                Ok(())
            }
            ProverMsg::Failed(e) => {
                self.shared.view_mut().prover = format!("failed: {e}");
                Err(e)
            }
            ProverMsg::Proved {
                number,
                new_root,
                result,
            } => {
                let Some(f) = self.flights.get_mut(&number) else {
                    return Ok(());
                };
                if f.witness.new_root != new_root {
                    return Ok(()); // a proof of a batch since rolled back
                }
                match result {
                    Ok((proof, took)) => {
                        let ms = took.as_millis() as u64;
                        self.shared
                            .metrics
                            .prove_seconds
                            .observe(took.as_secs_f64());
                        f.proof = Some(proof);
                        f.info.stage = NodeStage::Proved;
                        f.info.prove_ms = Some(ms);
                        self.shared.store.put_batch(&f.info)?;
                        self.shared
                            .state_mut()
                            .set_batch_stage(number, BatchStage::Proved)?;
                        let mut v = self.shared.view_mut();
                        v.prove_times.push_back((number, ms));
                        while v.prove_times.len() > RECENT_PROOFS {
                            v.prove_times.pop_front();
                        }
                        v.proving = self
                            .flights
                            .values()
                            .find(|f| f.proof.is_none())
                            .map(|f| f.info.number);
                        tracing::info!("batch {number} proved in {ms} ms");
                        Ok(())
                    }
                    Err(e) => {
                        // Never submitted; the batch and those after it are
                        // rebuilt from their operations.
                        tracing::error!("{e}");
                        self.shared.view_mut().last_error = Some(e.to_string());
                        self.roll_back(number - 1)?;
                        Ok(())
                    }
                }
            }
        }
    }

    /// One round; whether it did anything.
    async fn round(&mut self) -> Result<bool, NodeError> {
        let status = self.chain.status().await?;
        let l1_next = self.shared.state().l1_next();
        let queue = self.chain.confirmed_l1_ops(l1_next).await?;
        self.record_view(&status, &queue);
        if let Some(worked) = self.settle_next(&status).await? {
            return Ok(worked);
        }
        let applied_ahead = self.shared.state().last_batch() - status.last_batch;
        if status.exodus || applied_ahead >= self.shared.config.max_in_flight {
            return Ok(false);
        }
        let closed = apply::close_batch(&self.shared, &queue);
        self.shared.view_mut().applying = None;
        match closed? {
            Some((info, witness)) => {
                tracing::info!(
                    "batch {} applied: {} L1, {} L2 operations",
                    info.number,
                    info.l1_count,
                    info.ops.len()
                );
                self.launch(info, witness)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn record_view(&self, status: &zkroll_l1::RollupStatus, queue: &[zkroll_state::QueuedL1Op]) {
        let now = now_ms();
        // The mempool before the view (the lock order: see crate::shared).
        let pending = self.shared.pool().len();
        let mut v = self.shared.view_mut();
        let seen: BTreeMap<u64, u64> = v.queue.iter().map(|q| (q.op.serial, q.seen_ms)).collect();
        v.queue = queue
            .iter()
            .map(|q| SeenL1Op {
                op: *q,
                seen_ms: seen.get(&q.serial).copied().unwrap_or(now),
                block: self.chain.queued_block(q.serial),
            })
            .collect();
        v.status = Some(*status);
        let m = &self.shared.metrics;
        m.l1_queue_depth.set(queue.len() as i64);
        m.last_batch_settled.set(status.last_batch as i64);
        m.mempool_pending.set(pending as i64);
    }

    /// Settles the lowest batch in flight if it is proved: `Some(true)` if
    /// one settled, `Some(false)` after a rollback, `None` if none was due.
    async fn settle_next(
        &mut self,
        status: &zkroll_l1::RollupStatus,
    ) -> Result<Option<bool>, NodeError> {
        let Some((&number, f)) = self.flights.iter().next() else {
            return Ok(None);
        };
        let Some(proof) = f.proof.clone() else {
            return Ok(None);
        };
        if number != status.last_batch + 1 && number > status.last_batch {
            return Err(NodeError::Diverged {
                reason: format!(
                    "batch {number} is next here, L1 is at batch {}",
                    status.last_batch
                ),
            });
        }
        self.shared.view_mut().settling = Some(number);
        let sent = self.chain.submit_batch(&f.witness, &proof).await;
        self.shared.view_mut().settling = None;
        match sent {
            Ok(Settlement::Sent(tx)) => {
                self.settled(number, Some(tx))?;
                Ok(Some(true))
            }
            Ok(Settlement::AlreadySettled { .. }) => {
                // Sent before a restart and mined since: its transaction,
                // as L1 records it.
                let poll = self.shared.config.poll;
                let tx = recover::settling_txs(&mut self.chain, number, &[number], poll)
                    .await?
                    .remove(&number);
                self.settled(number, tx)?;
                Ok(Some(true))
            }
            Err(e @ (L1Error::Reverted(_) | L1Error::Diverged { .. })) => {
                tracing::warn!("batch {number} refused by L1 ({e}); rolling back to L1's batch");
                let status = self.chain.status().await?;
                self.roll_back(status.last_batch)?;
                self.shared.view_mut().last_error =
                    Some(format!("batch {number} refused by L1: {e}"));
                Ok(Some(false))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Records batch `number` settled, by `tx` when known.
    fn settled(&mut self, number: u64, tx: Option<zkroll_l1::TxOutcome>) -> Result<(), NodeError> {
        let Some(mut f) = self.flights.remove(&number) else {
            return Ok(());
        };
        let now = now_ms();
        f.info.stage = NodeStage::Settled;
        f.info.settled_ms = Some(now);
        if let Some(tx) = tx {
            f.info.tx = Some(tx.tx_hash.0);
            f.info.l1_block = Some(tx.block);
            f.info.gas = Some(tx.gas_used);
            self.shared.metrics.gas_spent.inc_by(tx.gas_used);
        }
        self.shared.store.put_batch(&f.info)?;
        self.shared
            .state_mut()
            .set_batch_stage(number, BatchStage::Written)?;
        // The view of L1 moves with it, so the API's settled figures (an
        // account's, an operation's) agree before the next look at L1.
        if let Some(st) = self.shared.view_mut().status.as_mut() {
            if st.last_batch < number {
                st.last_batch = number;
                st.state_root = f.info.new_root;
            }
        }
        let m = &self.shared.metrics;
        m.last_batch_settled.set(number as i64);
        m.batch_latency_seconds
            .observe(now.saturating_sub(f.info.created_ms) as f64 / 1e3);
        tracing::info!("batch {number} settled");
        Ok(())
    }

    /// Reverts the state to batch `to` and re-queues the operations of
    /// every batch after it.
    fn roll_back(&mut self, to: u64) -> Result<(), NodeError> {
        self.flights.retain(|n, _| *n <= to);
        recover::roll_back(&self.shared, to)?;
        self.shared.view_mut().proving = None;
        Ok(())
    }
}
