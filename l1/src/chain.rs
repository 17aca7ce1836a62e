//! One interface to a chain that holds a deployed zkroll rollup, so the
//! demo, `zkroll sync` and (later) the node drive the embedded EVM
//! ([`crate::rollup::RollupL1`]) and a live node over JSON-RPC
//! ([`crate::rpc::RpcChain`]) through the same code.
//!
//! The methods are async (a live node answers over the network); the
//! embedded EVM answers at once. The futures are not required to be
//! `Send`: revm's EVM is single-threaded, so a caller drives the chain from
//! one task (a tokio `LocalSet` or `block_on`). Users are named by their L1 address: the
//! embedded EVM lets any address act (fund it first), a live node signs for
//! the addresses whose keys were registered with it.

use std::future::Future;

use ark_bn254::{Bn254, Fr};
use ark_groth16::Proof;
use revm::primitives::{Address, B256, U256};
use zkroll_state::ops::PackedPubkey;
use zkroll_state::pubdata::{pubdata_from_parts, CircuitShape};
use zkroll_state::{AccountId, BatchWitness, QueuedL1Op, TokenId};

use crate::error::L1Error;

/// What Rollup.sol holds, read in one go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RollupStatus {
    /// The last verified state root, as the 32 bytes the contract stores.
    pub state_root: [u8; 32],
    /// The number of the last settled batch (0 before the first).
    pub last_batch: u64,
    /// The next queue serial a batch must consume.
    pub queue_head: u64,
    /// The next queue serial to be assigned.
    pub queue_tail: u64,
    /// Exodus mode is on: no more batches, owners exit with Merkle proofs.
    pub exodus: bool,
    /// The L1 block the status was read at (0 on the embedded EVM, which
    /// has no blocks).
    pub block: u64,
    /// How many blocks a queued L1 operation may wait before anyone can
    /// turn on exodus mode (Rollup.sol's `expiryBlocks`).
    pub expiry_blocks: u64,
}

/// A mined transaction (or, on the embedded EVM, an executed one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxOutcome {
    /// Its hash (zero on the embedded EVM, which has no transactions).
    pub tx_hash: B256,
    /// The block it was mined in (0 on the embedded EVM).
    pub block: u64,
    /// Gas used by the whole transaction, as its receipt says.
    pub gas_used: u64,
    /// What the sender paid for the gas, in wei (0 on the embedded EVM).
    pub fee_wei: U256,
}

/// What [`RollupChain::submit_batch`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settlement {
    /// The batch was sent and mined.
    Sent(TxOutcome),
    /// The batch was already settled with the same new root (e.g. sent
    /// before a restart): nothing was sent.
    AlreadySettled {
        /// The batch's number.
        batch: u64,
    },
}

impl Settlement {
    /// Gas used, when this call sent the batch.
    pub fn gas_used(&self) -> Option<u64> {
        match self {
            Self::Sent(t) => Some(t.gas_used),
            Self::AlreadySettled { .. } => None,
        }
    }
}

/// What to answer for batch `batch` when L1 has already settled that
/// number with root `on_chain` (None: its log was not found) and ours is
/// `ours`: the same root is [`Settlement::AlreadySettled`], another is
/// [`L1Error::Diverged`].
pub fn already_settled(
    batch: u64,
    on_chain: Option<[u8; 32]>,
    ours: [u8; 32],
) -> Result<Settlement, L1Error> {
    if on_chain == Some(ours) {
        Ok(Settlement::AlreadySettled { batch })
    } else {
        Err(L1Error::Diverged {
            batch,
            on_chain: on_chain.map_or_else(|| "unknown".into(), hex::encode),
            ours: hex::encode(ours),
        })
    }
}

/// A settled batch as L1 holds it: the `submitBatch` arguments of the
/// transaction that settled it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettledBatch {
    /// The batch number.
    pub number: u64,
    /// The new root the contract stored (from `BatchVerified`).
    pub new_root: [u8; 32],
    /// The header (`zkroll_state::pubdata::HEADER_BYTES`).
    pub header: Vec<u8>,
    /// The consumed L1 slots as published.
    pub l1_ops: Vec<u8>,
    /// The L2 slots without trailing Noops.
    pub l2_data: Vec<u8>,
    /// The proof words (a, b in EIP-197 order, c).
    pub proof: [U256; 8],
    /// The settling transaction.
    pub tx: TxOutcome,
}

impl SettledBatch {
    /// The batch's full pubdata for `shape` (Noop padding restored).
    pub fn pubdata(&self, shape: &CircuitShape) -> Result<Vec<u8>, L1Error> {
        pubdata_from_parts(shape, &self.header, &self.l1_ops, &self.l2_data).map_err(|e| {
            L1Error::BadCalldata {
                batch: self.number,
                reason: e.to_string(),
            }
        })
    }

    /// The public input the contract computed for the batch (the SHA-256
    /// commitment of its pubdata).
    pub fn public_input(&self, shape: &CircuitShape) -> Result<Fr, L1Error> {
        Ok(zkroll_state::pubdata::public_input(&self.pubdata(shape)?))
    }

    /// The proof, as curve points (None if the words are not valid points).
    pub fn groth16_proof(&self) -> Option<Proof<Bn254>> {
        let mut data = Vec::with_capacity(4 + 32 * 9);
        data.extend_from_slice(&[0u8; 4]);
        for w in &self.proof {
            data.extend_from_slice(&w.to_be_bytes::<32>());
        }
        zkroll_verifier::solidity::proof_from_words(&data[4..]).ok()
    }
}

/// A chain holding a deployed rollup: the contract's state, its L1 queue,
/// settlement, and the user calls the demo and the tests make.
pub trait RollupChain {
    /// The circuit shape the deployment's verifier checks.
    fn shape(&self) -> CircuitShape;

    /// The deployment's signing domain (L1 chain id and Rollup.sol's
    /// address): what every batch header names and every L2 signature covers.
    fn domain(&self) -> zkroll_state::Domain;

    /// Rollup.sol's state.
    fn status(&mut self) -> impl Future<Output = Result<RollupStatus, L1Error>>;

    /// The block queued L1 operation `serial` was queued in, when this
    /// chain has seen it (from [`RollupChain::confirmed_l1_ops`]) and has
    /// blocks; with [`RollupStatus::expiry_blocks`], when it expires.
    fn queued_block(&self, serial: u64) -> Option<u64> {
        let _ = serial;
        None
    }

    /// The queued L1 operations from serial `from` on, in serial order, each
    /// taken once, and only those with the configured confirmations (on a
    /// live node; the embedded EVM has no reorganisations). Stops at the
    /// first serial not yet confirmed.
    fn confirmed_l1_ops(
        &mut self,
        from: u64,
    ) -> impl Future<Output = Result<Vec<QueuedL1Op>, L1Error>>;

    /// Settles a batch with its proof: detects a batch already on chain
    /// (same number and new root: [`Settlement::AlreadySettled`]; another
    /// root: [`L1Error::Diverged`]) and sends nothing then; a revert comes
    /// back as [`L1Error::Reverted`] with Rollup.sol's error decoded.
    fn submit_batch(
        &mut self,
        w: &BatchWitness,
        proof: &Proof<Bn254>,
    ) -> impl Future<Output = Result<Settlement, L1Error>>;

    /// The settled batches from number `from` on, in order, read back from
    /// L1 (the data-availability path).
    fn settled_batches(
        &mut self,
        from: u64,
    ) -> impl Future<Output = Result<Vec<SettledBatch>, L1Error>>;

    /// `depositNew` from `from` paying `amount` of `token` (ETH attached
    /// for token 0, an ERC-20 approved beforehand otherwise); the index
    /// Rollup.sol assigned.
    fn deposit_new(
        &mut self,
        from: Address,
        pubkey: PackedPubkey,
        token: TokenId,
        amount: u128,
    ) -> impl Future<Output = Result<(AccountId, TxOutcome), L1Error>>;

    /// `withdraw(token)` from `from`: pays what settled batches credited.
    fn withdraw(
        &mut self,
        from: Address,
        token: TokenId,
    ) -> impl Future<Output = Result<TxOutcome, L1Error>>;

    /// The ETH balance of `who`, in wei.
    fn eth_balance(&mut self, who: Address) -> impl Future<Output = Result<U256, L1Error>>;
}
