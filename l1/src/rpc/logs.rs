//! Reading the rollup back from a live node's logs.
//!
//! The L1 queue: `L1OpQueued` logs are scanned only up to the newest block
//! with [`RpcConfig::confirmations`](super::RpcConfig) confirmations, so an
//! operation in a block that a shallower reorganisation removes is never
//! seen, and one that reappears in another block is seen once, in the block
//! it ends up in. Entries are cached by serial, with the scanned prefix's
//! last block hash; when that hash changes (a reorganisation deeper than
//! the confirmations) the cache is dropped and the range scanned again.
//!
//! Settled batches: `BatchVerified` logs, and the `submitBatch` calldata of
//! the transaction that emitted each (the operator calls Rollup.sol
//! directly, so the transaction's input is the call).
//!
//! Scans go in chunks of [`LOG_CHUNK`] blocks, the range public nodes allow.

use std::collections::BTreeMap;

use alloy::consensus::Transaction as _;
use alloy::eips::BlockNumberOrTag;
use alloy::primitives::B256;
use alloy::providers::Provider;
use alloy::rpc::types::{Filter, Log};
use alloy::sol_types::{SolCall, SolEvent};
use zkroll_state::pubdata::queued_op;
use zkroll_state::QueuedL1Op;

use super::{rpc, RpcChain};
use crate::abi::Rollup;
use crate::chain::{SettledBatch, TxOutcome};
use crate::error::L1Error;

/// Blocks per `eth_getLogs` request.
pub const LOG_CHUNK: u64 = 10_000;

/// A queue entry and the block it was seen in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueuedAt {
    /// The operation.
    pub op: QueuedL1Op,
    /// Its block.
    pub block: u64,
}

/// The confirmed part of the queue seen so far.
#[derive(Clone, Debug, Default)]
pub struct QueueCache {
    entries: BTreeMap<u64, QueuedAt>,
    /// The last block scanned and its hash.
    scanned: Option<(u64, B256)>,
}

impl QueueCache {
    /// The block operation `serial` was queued in, if scanned.
    pub fn block_of(&self, serial: u64) -> Option<u64> {
        self.entries.get(&serial).map(|e| e.block)
    }
}

async fn block_hash(chain: &RpcChain, n: u64) -> Result<Option<B256>, L1Error> {
    Ok(chain
        .provider
        .get_block_by_number(BlockNumberOrTag::Number(n))
        .await
        .map_err(|e| rpc(&chain.url, "eth_getBlockByNumber", e))?
        .map(|b| b.header.hash))
}

/// The logs of `signature` from Rollup.sol in blocks `from..=to`.
async fn scan(chain: &RpcChain, signature: B256, from: u64, to: u64) -> Result<Vec<Log>, L1Error> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let end = to.min(start.saturating_add(LOG_CHUNK - 1));
        let filter = Filter::new()
            .address(chain.rollup)
            .event_signature(signature)
            .from_block(start)
            .to_block(end);
        out.extend(
            chain
                .provider
                .get_logs(&filter)
                .await
                .map_err(|e| rpc(&chain.url, "eth_getLogs", e))?,
        );
        start = end + 1;
    }
    Ok(out)
}

async fn head(chain: &RpcChain) -> Result<u64, L1Error> {
    chain
        .provider
        .get_block_number()
        .await
        .map_err(|e| rpc(&chain.url, "eth_blockNumber", e))
}

fn bad_log(what: &str, e: impl std::fmt::Display) -> L1Error {
    L1Error::Artifact {
        reason: format!("{what}: {e}"),
    }
}

/// The confirmed queue from serial `from` on, contiguous (it stops at the
/// first serial not yet confirmed).
pub async fn confirmed_l1_ops(chain: &mut RpcChain, from: u64) -> Result<Vec<QueuedL1Op>, L1Error> {
    let head = head(chain).await?;
    let confirmations = chain.config.confirmations.max(1);
    let Some(confirmed) = (head + 1).checked_sub(confirmations) else {
        return Ok(Vec::new());
    };
    // A reorganisation below the scanned prefix: start again.
    if let Some((b, h)) = chain.queue.scanned {
        if b > confirmed || block_hash(chain, b).await? != Some(h) {
            chain.queue = QueueCache::default();
        }
    }
    let start = chain
        .queue
        .scanned
        .map_or(chain.config.from_block, |(b, _)| b + 1);
    if start <= confirmed {
        let logs = scan(chain, Rollup::L1OpQueued::SIGNATURE_HASH, start, confirmed).await?;
        for log in logs {
            let ev = log
                .log_decode::<Rollup::L1OpQueued>()
                .map_err(|e| bad_log("L1OpQueued log", e))?;
            let op = queued_op(ev.inner.data.serial, &ev.inner.data.op)
                .map_err(|e| bad_log("L1OpQueued op", e))?;
            let block = log.block_number.unwrap_or(confirmed);
            // Keyed by serial: an operation is taken once.
            chain
                .queue
                .entries
                .insert(op.serial, QueuedAt { op, block });
        }
        let h = block_hash(chain, confirmed).await?.unwrap_or_default();
        chain.queue.scanned = Some((confirmed, h));
    }
    let mut out = Vec::new();
    let mut next = from;
    while let Some(e) = chain.queue.entries.get(&next) {
        out.push(e.op);
        next += 1;
    }
    Ok(out)
}

/// Every `BatchVerified` log: (batch number, new root, the log).
async fn batches_verified(chain: &RpcChain) -> Result<Vec<(u64, [u8; 32], Log)>, L1Error> {
    let head = head(chain).await?;
    let logs = scan(
        chain,
        Rollup::BatchVerified::SIGNATURE_HASH,
        chain.config.from_block,
        head,
    )
    .await?;
    logs.into_iter()
        .map(|log| {
            let ev = log
                .log_decode::<Rollup::BatchVerified>()
                .map_err(|e| bad_log("BatchVerified log", e))?;
            Ok((ev.inner.data.batch, ev.inner.data.newRoot.0, log))
        })
        .collect()
}

/// The new root L1 recorded for batch `number` (its `BatchVerified` log).
pub async fn batch_root(chain: &RpcChain, number: u64) -> Result<Option<[u8; 32]>, L1Error> {
    Ok(batches_verified(chain)
        .await?
        .into_iter()
        .find(|(n, _, _)| *n == number)
        .map(|(_, root, _)| root))
}

/// Every settled batch from `from` on, with the calldata that settled it.
pub async fn settled_batches(chain: &RpcChain, from: u64) -> Result<Vec<SettledBatch>, L1Error> {
    let mut out = Vec::new();
    for (number, new_root, log) in batches_verified(chain).await? {
        if number < from {
            continue;
        }
        let bad = |reason: String| L1Error::BadCalldata {
            batch: number,
            reason,
        };
        let hash = log
            .transaction_hash
            .ok_or_else(|| bad("the log names no transaction".into()))?;
        let tx = chain
            .provider
            .get_transaction_by_hash(hash)
            .await
            .map_err(|e| rpc(&chain.url, "eth_getTransactionByHash", e))?
            .ok_or_else(|| bad(format!("transaction {hash} not found")))?;
        if tx.to() != Some(chain.rollup) {
            return Err(bad(format!(
                "transaction {hash} calls {:?}, not Rollup.sol: its calldata is not the batch",
                tx.to()
            )));
        }
        let call = Rollup::submitBatchCall::abi_decode(tx.input())
            .map_err(|e| bad(format!("transaction {hash}: not submitBatch calldata: {e}")))?;
        let receipt = chain
            .provider
            .get_transaction_receipt(hash)
            .await
            .map_err(|e| rpc(&chain.url, "eth_getTransactionReceipt", e))?
            .ok_or_else(|| bad(format!("no receipt for {hash}")))?;
        out.push(SettledBatch {
            number,
            new_root,
            header: call.header.to_vec(),
            l1_ops: call.l1Ops.to_vec(),
            l2_data: call.l2Data.to_vec(),
            proof: call.proof,
            tx: TxOutcome {
                tx_hash: hash,
                block: log.block_number.unwrap_or_default(),
                gas_used: receipt.gas_used,
                fee_wei: alloy::primitives::U256::from(receipt.gas_used)
                    * alloy::primitives::U256::from(receipt.effective_gas_price),
            },
        });
    }
    out.sort_by_key(|b| b.number);
    Ok(out)
}
