//! Sending transactions to a live node: estimate (a revert is decoded and
//! nothing is sent), check the sender can pay, sign locally with an explicit
//! nonce and EIP-1559 fees, send raw, poll for the receipt, and resend with
//! the same nonce and bumped fees when it is not mined in time.
//!
//! `submitBatch` goes through a [`SubmitJournal`]: the signed transaction is
//! recorded before it is sent, so a process killed between sending and the
//! receipt finds it on restart and waits for it (re-sending the same bytes
//! if the node lost it) instead of sending the batch a second time.

use std::path::{Path, PathBuf};
use std::time::Instant;

use alloy::consensus::TxEnvelope;
use alloy::eips::eip2718::Encodable2718;
use alloy::network::{NetworkTransactionBuilder, TransactionBuilder};
use alloy::primitives::{Address, Bytes, B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::{TransactionReceipt, TransactionRequest};
use serde::{Deserialize, Serialize};

use super::{rpc, RpcChain};
use crate::chain::TxOutcome;
use crate::error::{L1Error, Revert};

/// Extra gas over the node's estimate, in percent (state can change
/// between estimate and inclusion).
const GAS_MARGIN_PERCENT: u64 = 20;

/// A signed transaction in flight, as the journal keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    /// The batch it settles.
    pub batch: u64,
    /// Its nonce.
    pub nonce: u64,
    /// Every version sent (fee bumps), oldest first: hash and raw bytes.
    pub sent: Vec<(B256, Bytes)>,
}

/// Where `submitBatch`'s in-flight transaction is kept across restarts.
pub trait SubmitJournal {
    /// The transaction in flight, if any.
    fn load(&self) -> Result<Option<InFlight>, L1Error>;
    /// Records `tx` as in flight (replacing what was there), durably.
    fn store(&mut self, tx: &InFlight) -> Result<(), L1Error>;
    /// Nothing is in flight any more.
    fn clear(&mut self) -> Result<(), L1Error>;
}

/// A [`SubmitJournal`] in one JSON file, replaced atomically (written
/// aside, synced, renamed).
#[derive(Clone, Debug)]
pub struct FileJournal {
    path: PathBuf,
}

impl FileJournal {
    /// The journal at `path` (created on first use).
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
        }
    }

    fn io(&self, e: std::io::Error) -> L1Error {
        L1Error::Io {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        }
    }
}

impl SubmitJournal for FileJournal {
    fn load(&self) -> Result<Option<InFlight>, L1Error> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| L1Error::Io {
                    path: self.path.display().to_string(),
                    reason: format!("not a submit journal: {e}"),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io(e)),
        }
    }

    fn store(&mut self, tx: &InFlight) -> Result<(), L1Error> {
        use std::io::Write;
        let tmp = self.path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp).map_err(|e| self.io(e))?;
        let json = serde_json::to_vec(tx).map_err(|e| L1Error::Io {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        })?;
        f.write_all(&json).map_err(|e| self.io(e))?;
        f.sync_all().map_err(|e| self.io(e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| self.io(e))
    }

    fn clear(&mut self) -> Result<(), L1Error> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io(e)),
        }
    }
}

/// The estimate, fees and nonce of a new transaction, checked against the
/// sender's balance.
async fn prepare(
    chain: &RpcChain,
    from: Address,
    to: Option<Address>,
    data: Vec<u8>,
    value: U256,
) -> Result<TransactionRequest, L1Error> {
    if !chain.signers.contains(&from) {
        return Err(L1Error::NoSigner {
            address: from.to_string(),
        });
    }
    let mut tx = TransactionRequest::default()
        .with_from(from)
        .with_input(data)
        .with_value(value)
        .with_chain_id(chain.chain_id);
    tx = match to {
        Some(to) => tx.with_to(to),
        None => tx.into_create(),
    };
    let gas = match chain.provider.estimate_gas(tx.clone()).await {
        Ok(gas) => gas,
        // Nodes refuse to estimate for a sender that cannot pay at all.
        Err(e) if e.to_string().to_lowercase().contains("insufficient funds") => {
            return Err(L1Error::InsufficientFunds {
                address: from.to_string(),
                balance: chain.balance_of(from).await?,
                needed: value,
            });
        }
        Err(e) => return Err(chain.revert_or_rpc("eth_estimateGas", e)),
    };
    let gas = gas + gas * GAS_MARGIN_PERCENT / 100;
    let fees = chain
        .provider
        .estimate_eip1559_fees()
        .await
        .map_err(|e| rpc(&chain.url, "fee estimate", e))?;
    let nonce = chain
        .provider
        .get_transaction_count(from)
        .pending()
        .await
        .map_err(|e| rpc(&chain.url, "eth_getTransactionCount", e))?;
    let needed = U256::from(gas) * U256::from(fees.max_fee_per_gas) + value;
    let balance = chain.balance_of(from).await?;
    if balance < needed {
        return Err(L1Error::InsufficientFunds {
            address: from.to_string(),
            balance,
            needed,
        });
    }
    Ok(tx
        .with_gas_limit(gas)
        .with_nonce(nonce)
        .with_max_fee_per_gas(fees.max_fee_per_gas)
        .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas))
}

/// Signs `tx` with the chain's wallet: (hash, raw bytes).
async fn sign(chain: &RpcChain, tx: TransactionRequest) -> Result<(B256, Bytes), L1Error> {
    let from = tx.from.unwrap_or_default();
    let wallet = chain.wallet.as_ref().ok_or_else(|| L1Error::NoSigner {
        address: from.to_string(),
    })?;
    let env: TxEnvelope = tx
        .build(wallet)
        .await
        .map_err(|e| L1Error::Evm(format!("building the transaction from {from}: {e}")))?;
    Ok((*env.tx_hash(), env.encoded_2718().into()))
}

/// Sends raw bytes; a node that already has them is not an error.
async fn broadcast(chain: &RpcChain, raw: &Bytes) -> Result<(), L1Error> {
    match chain.provider.send_raw_transaction(raw).await {
        Ok(_) => Ok(()),
        Err(e) => {
            let msg = e.to_string().to_lowercase();
            if msg.contains("already known") || msg.contains("already imported") {
                Ok(())
            } else {
                Err(chain.revert_or_rpc("eth_sendRawTransaction", e))
            }
        }
    }
}

/// The receipt of the first of `hashes` that is mined, if any.
async fn mined(chain: &RpcChain, hashes: &[B256]) -> Result<Option<TransactionReceipt>, L1Error> {
    for h in hashes {
        if let Some(r) = chain
            .provider
            .get_transaction_receipt(*h)
            .await
            .map_err(|e| rpc(&chain.url, "eth_getTransactionReceipt", e))?
        {
            return Ok(Some(r));
        }
    }
    Ok(None)
}

fn outcome(r: &TransactionReceipt) -> TxOutcome {
    TxOutcome {
        tx_hash: r.transaction_hash,
        block: r.block_number.unwrap_or_default(),
        gas_used: r.gas_used,
        fee_wei: U256::from(r.gas_used) * U256::from(r.effective_gas_price),
    }
}

/// A mined receipt, or the revert it records: the call is replayed at the
/// parent block to read the revert data.
async fn settled(
    chain: &RpcChain,
    tx: &TransactionRequest,
    r: TransactionReceipt,
) -> Result<(TxOutcome, TransactionReceipt), L1Error> {
    if r.status() {
        return Ok((outcome(&r), r));
    }
    let block = r.block_number.unwrap_or_default().saturating_sub(1);
    let replay = chain.provider.call(tx.clone()).block(block.into()).await;
    let data = match replay {
        Err(e) => e
            .as_error_resp()
            .and_then(|p| p.as_revert_data())
            .map(|d| d.to_vec())
            .unwrap_or_default(),
        Ok(_) => Vec::new(),
    };
    Err(L1Error::Reverted(Box::new(Revert {
        error: chain.errors.decode(&data),
        data,
        gas_used: r.gas_used,
    })))
}

/// Waits for one of `flight`'s versions to be mined, re-sending with bumped
/// fees each time `resend_after` passes; with `journaled`, each new version
/// is recorded in the chain's journal before it is sent.
async fn wait(
    chain: &mut RpcChain,
    mut tx: TransactionRequest,
    mut flight: InFlight,
    journaled: bool,
) -> Result<TransactionReceipt, L1Error> {
    let start = Instant::now();
    let mut last_send = Instant::now();
    loop {
        let hashes: Vec<B256> = flight.sent.iter().map(|(h, _)| *h).collect();
        if let Some(r) = mined(chain, &hashes).await? {
            return Ok(r);
        }
        if last_send.elapsed() >= chain.config.resend_after {
            if flight.sent.len() as u32 >= chain.config.max_sends {
                return Err(L1Error::NotMined {
                    tx_hash: hashes.last().map(|h| h.to_string()).unwrap_or_default(),
                    nonce: flight.nonce,
                    attempts: flight.sent.len() as u32,
                    waited_secs: start.elapsed().as_secs(),
                });
            }
            let bump = |fee: u128| fee + fee * chain.config.fee_bump_percent as u128 / 100 + 1;
            let max_fee = tx.max_fee_per_gas.unwrap_or_default();
            let tip = tx.max_priority_fee_per_gas.unwrap_or_default();
            tx = tx
                .with_max_fee_per_gas(bump(max_fee))
                .with_max_priority_fee_per_gas(bump(tip));
            let (hash, raw) = sign(chain, tx.clone()).await?;
            flight.sent.push((hash, raw.clone()));
            if let Some(j) = chain.journal.as_mut().filter(|_| journaled) {
                j.store(&flight)?;
            }
            broadcast(chain, &raw).await?;
            last_send = Instant::now();
        }
        tokio::time::sleep(chain.config.poll_interval).await;
    }
}

/// Sends a transaction from `from` (to `to`, or a creation) and waits for it
/// to be mined; a revert (at estimate or on chain) is decoded.
pub async fn send(
    chain: &mut RpcChain,
    from: Address,
    to: Option<Address>,
    data: Vec<u8>,
    value: U256,
) -> Result<(TxOutcome, TransactionReceipt), L1Error> {
    let tx = prepare(chain, from, to, data, value).await?;
    let (hash, raw) = sign(chain, tx.clone()).await?;
    broadcast(chain, &raw).await?;
    let flight = InFlight {
        batch: 0,
        nonce: tx.nonce.unwrap_or_default(),
        sent: vec![(hash, raw)],
    };
    let r = wait(chain, tx.clone(), flight, false).await?;
    settled(chain, &tx, r).await
}

/// Sends `submitBatch` for batch `batch` (calldata `data`) from the
/// operator, through the journal: an in-flight transaction for the same
/// batch (from before a restart) is waited for, and re-sent as it was if
/// the node no longer has it, instead of a second one being sent.
pub async fn submit(chain: &mut RpcChain, batch: u64, data: Vec<u8>) -> Result<TxOutcome, L1Error> {
    let operator = chain.operator;
    let rollup = chain.rollup;
    let pending = match chain.journal.as_ref() {
        Some(j) => j.load()?,
        None => None,
    };
    let (tx, flight) = match pending {
        Some(f) if f.batch == batch => {
            // The request the journal's transaction was made from, for fee
            // bumps and for replaying a revert: same nonce, fresh estimate.
            let mut tx = prepare(chain, operator, Some(rollup), data.clone(), U256::ZERO)
                .await
                .or_else(|e| match e {
                    // Already mined (the batch may even be settled by it):
                    // estimation against the new state fails; fall back to
                    // a request without estimate.
                    L1Error::Reverted(_) => Ok(TransactionRequest::default()
                        .with_from(operator)
                        .with_to(rollup)
                        .with_input(data.clone())),
                    other => Err(other),
                })?;
            tx = tx.with_nonce(f.nonce);
            if let Some((_, raw)) = f.sent.last() {
                if mined(chain, &f.sent.iter().map(|(h, _)| *h).collect::<Vec<_>>())
                    .await?
                    .is_none()
                {
                    broadcast(chain, raw).await?;
                }
            }
            (tx, f)
        }
        _ => {
            let tx = prepare(chain, operator, Some(rollup), data, U256::ZERO).await?;
            let (hash, raw) = sign(chain, tx.clone()).await?;
            let flight = InFlight {
                batch,
                nonce: tx.nonce.unwrap_or_default(),
                sent: vec![(hash, raw.clone())],
            };
            if let Some(j) = chain.journal.as_mut() {
                j.store(&flight)?;
            }
            broadcast(chain, &raw).await?;
            (tx, flight)
        }
    };
    let receipt = wait(chain, tx.clone(), flight, true).await?;
    let result = settled(chain, &tx, receipt).await;
    if let Some(j) = chain.journal.as_mut() {
        j.clear()?;
    }
    result.map(|(o, _)| o)
}
