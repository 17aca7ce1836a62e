//! The embedded EVM behind [`RollupChain`]: what a node reads from logs
//! (queued operations, settled batches) is recorded as the calls happen;
//! an executed call is final at once (no blocks to confirm, no reorgs).

use alloy::sol_types::{SolCall, SolEvent};
use ark_bn254::Bn254;
use ark_groth16::Proof;
use revm::primitives::{Address, B256, U256};
use zkroll_state::field::fr_to_be_bytes;
use zkroll_state::ops::PackedPubkey;
use zkroll_state::pubdata::{queued_op, CircuitShape};
use zkroll_state::{AccountId, BatchWitness, QueuedL1Op, TokenId};

use super::RollupL1;
use crate::abi::Rollup;
use crate::chain::{
    already_settled, RollupChain, RollupStatus, SettledBatch, Settlement, TxOutcome,
};
use crate::error::L1Error;
use crate::evm::CallOutcome;

fn malformed(what: &str, e: impl std::fmt::Display) -> L1Error {
    L1Error::Artifact {
        reason: format!("{what}: {e}"),
    }
}

/// Records the `L1OpQueued` and `BatchVerified` logs of a successful call
/// to Rollup.sol (`data` is its calldata).
pub(super) fn record_logs(
    l1: &mut RollupL1,
    data: &[u8],
    out: &CallOutcome,
) -> Result<(), L1Error> {
    for log in &out.logs {
        if log.address != l1.rollup {
            continue;
        }
        match log.topics().first() {
            Some(t) if *t == Rollup::L1OpQueued::SIGNATURE_HASH => {
                let ev = Rollup::L1OpQueued::decode_log(log)
                    .map_err(|e| malformed("L1OpQueued log", e))?;
                let q = queued_op(ev.data.serial, &ev.data.op)
                    .map_err(|e| malformed("L1OpQueued op", e))?;
                l1.queued.push(q);
            }
            Some(t) if *t == Rollup::BatchVerified::SIGNATURE_HASH => {
                let ev = Rollup::BatchVerified::decode_log(log)
                    .map_err(|e| malformed("BatchVerified log", e))?;
                let call = Rollup::submitBatchCall::abi_decode(data)
                    .map_err(|e| malformed("submitBatch calldata", e))?;
                l1.settled.push(SettledBatch {
                    number: ev.data.batch,
                    new_root: ev.data.newRoot.0,
                    header: call.header.to_vec(),
                    l1_ops: call.l1Ops.to_vec(),
                    l2_data: call.l2Data.to_vec(),
                    proof: call.proof,
                    tx: outcome(out),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

fn outcome(out: &CallOutcome) -> TxOutcome {
    TxOutcome {
        tx_hash: B256::ZERO,
        block: 0,
        gas_used: out.gas_used,
        fee_wei: U256::ZERO,
    }
}

impl RollupL1 {
    /// Rollup.sol's state, read with view calls.
    pub fn read_status(&mut self) -> Result<RollupStatus, L1Error> {
        let (state_root, last_batch, queue_head) = self.snapshot()?;
        let mut word = |data: Vec<u8>| self.view_word(&data).map(|out| U256::from_be_slice(&out));
        let tail = word(Rollup::queueTailCall {}.abi_encode())?;
        let exodus = word(Rollup::exodusCall {}.abi_encode())?;
        let expiry = word(Rollup::expiryBlocksCall {}.abi_encode())?;
        Ok(RollupStatus {
            block: 0,
            expiry_blocks: expiry.to::<u64>(),
            state_root,
            last_batch,
            queue_head,
            queue_tail: tail.to::<u64>(),
            exodus: !exodus.is_zero(),
        })
    }
}

impl RollupChain for RollupL1 {
    fn shape(&self) -> CircuitShape {
        self.shape
    }

    fn domain(&self) -> zkroll_state::Domain {
        RollupL1::domain(self)
    }

    async fn status(&mut self) -> Result<RollupStatus, L1Error> {
        self.read_status()
    }

    async fn confirmed_l1_ops(&mut self, from: u64) -> Result<Vec<QueuedL1Op>, L1Error> {
        Ok(self
            .queued
            .iter()
            .filter(|q| q.serial >= from)
            .copied()
            .collect())
    }

    async fn submit_batch(
        &mut self,
        w: &BatchWitness,
        proof: &Proof<Bn254>,
    ) -> Result<Settlement, L1Error> {
        let number = w.batch_number;
        if let Some(done) = self.settled.iter().find(|s| s.number == number) {
            return already_settled(number, Some(done.new_root), fr_to_be_bytes(&w.new_root));
        }
        let out = RollupL1::submit_batch(self, w, proof)?;
        Ok(Settlement::Sent(outcome(&out)))
    }

    async fn settled_batches(&mut self, from: u64) -> Result<Vec<SettledBatch>, L1Error> {
        Ok(self
            .settled
            .iter()
            .filter(|s| s.number >= from)
            .cloned()
            .collect())
    }

    async fn deposit_new(
        &mut self,
        from: Address,
        pubkey: PackedPubkey,
        token: TokenId,
        amount: u128,
    ) -> Result<(AccountId, TxOutcome), L1Error> {
        let (idx, out) = RollupL1::deposit_new(self, from, &pubkey, token, amount)?;
        Ok((idx, outcome(&out)))
    }

    async fn withdraw(&mut self, from: Address, token: TokenId) -> Result<TxOutcome, L1Error> {
        Ok(outcome(&RollupL1::withdraw(self, from, token)?))
    }

    async fn eth_balance(&mut self, who: Address) -> Result<U256, L1Error> {
        Ok(self.evm.balance(who))
    }
}
