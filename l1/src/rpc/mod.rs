//! A live L1 node over JSON-RPC (alloy): the [`RollupChain`] a real
//! deployment runs on.
//!
//! - [`RpcChain::connect`] checks the node (reachable, the expected chain
//!   id) and the contract (code at the address, Rollup.sol's views answer)
//!   and reads the circuit shape from it.
//! - Reads: the contract's state by view calls; the L1 queue from
//!   `L1OpQueued` logs, taken only once their block has
//!   [`RpcConfig::confirmations`] confirmations ([`logs`]); settled batches
//!   from `BatchVerified` logs and the `submitBatch` calldata of the
//!   transactions that emitted them.
//! - Writes ([`send`]): every transaction is estimated first (a revert is
//!   reported with Rollup.sol's custom error decoded, and nothing is sent),
//!   checked against the sender's balance, signed locally with an explicit
//!   nonce and EIP-1559 fees, and sent raw; one not mined in time is sent
//!   again with the same nonce and bumped fees. `submitBatch` writes what it
//!   is about to send to a [`send::SubmitJournal`] first, so a restart
//!   after a crash between sending and the receipt waits for (or re-sends)
//!   the same transaction instead of a second one.
//!
//! Deployment is [`deploy::deploy`].

pub mod deploy;
pub mod logs;
pub mod send;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use alloy::network::{EthereumWallet, TransactionBuilder};
use alloy::primitives::{Address, B256, U256};
pub use alloy::providers::ext::AnvilApi;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
pub use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;
use ark_bn254::Bn254;
use ark_groth16::Proof;
use zkroll_state::field::fr_to_be_bytes;
use zkroll_state::ops::PackedPubkey;
use zkroll_state::pubdata::CircuitShape;
use zkroll_state::{AccountId, BatchWitness, Domain, QueuedL1Op, TokenId};

use crate::abi::Rollup;
use crate::artifacts;
use crate::chain::{
    already_settled, RollupChain, RollupStatus, SettledBatch, Settlement, TxOutcome,
};
use crate::error::{ErrorRegistry, L1Error, Revert};

/// How the client waits and retries.
#[derive(Clone, Debug)]
pub struct RpcConfig {
    /// Blocks (the operation's own included) an L1 operation's block must
    /// have before the operation is used: 1 takes it as soon as it is mined.
    pub confirmations: u64,
    /// How long a sent transaction may stay unmined before it is sent again
    /// with bumped fees.
    pub resend_after: Duration,
    /// How many times a transaction is sent (the first send included).
    pub max_sends: u32,
    /// Fee increase per resend, in percent (nodes replace a pending
    /// transaction only for at least +10% on both fees).
    pub fee_bump_percent: u64,
    /// How often receipts are polled.
    pub poll_interval: Duration,
    /// The first block log scans look at (the deployment block, when known).
    pub from_block: u64,
    /// The chain id the node must serve, when known.
    pub expected_chain_id: Option<u64>,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            confirmations: DEFAULT_CONFIRMATIONS,
            resend_after: Duration::from_secs(60),
            max_sends: 5,
            fee_bump_percent: 25,
            poll_interval: Duration::from_millis(500),
            from_block: 0,
            expected_chain_id: None,
        }
    }
}

/// How many times a settled batch's `BatchVerified` log is looked for
/// before its absence counts (a node's logs may lag its state).
const LOG_LAG_TRIES: u32 = 20;

/// Default confirmations for L1 operations (a few blocks on a live chain).
pub const DEFAULT_CONFIRMATIONS: u64 = 3;

/// Parses a 32-byte hex private key; `what` names it in the error.
pub fn parse_key(what: &str, hex_key: &str) -> Result<PrivateKeySigner, L1Error> {
    hex_key.trim().parse().map_err(|_| L1Error::BadKey {
        what: what.to_string(),
    })
}

/// A live node and the rollup deployed on it.
pub struct RpcChain {
    pub(crate) url: String,
    pub(crate) provider: DynProvider,
    pub(crate) wallet: Option<EthereumWallet>,
    pub(crate) signers: HashSet<Address>,
    pub(crate) operator: Address,
    pub(crate) rollup: Address,
    pub(crate) shape: CircuitShape,
    /// What each queued L1 operation pays the operator (Rollup.sol's `l1OpFee`).
    pub(crate) l1_op_fee: u128,
    pub(crate) chain_id: u64,
    pub(crate) config: RpcConfig,
    pub(crate) errors: ErrorRegistry,
    pub(crate) queue: logs::QueueCache,
    pub(crate) journal: Option<Box<dyn send::SubmitJournal + Send + Sync>>,
}

impl std::fmt::Debug for RpcChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcChain")
            .field("url", &self.url)
            .field("chain_id", &self.chain_id)
            .field("rollup", &self.rollup)
            .field("shape", &self.shape)
            .finish_non_exhaustive()
    }
}

/// The provider for `url` (plain JSON-RPC: every transaction is built,
/// signed and sent by this module) and the URL checked.
pub(crate) fn provider(url: &str) -> Result<DynProvider, L1Error> {
    let parsed: alloy::transports::http::reqwest::Url =
        url.parse().map_err(|e| L1Error::BadUrl {
            url: url.to_string(),
            reason: format!("{e}"),
        })?;
    if !matches!(parsed.scheme(), "http") {
        return Err(L1Error::BadUrl {
            url: url.to_string(),
            reason: "only http:// endpoints are supported (this build has no TLS)".into(),
        });
    }
    let p = ProviderBuilder::new()
        .disable_recommended_fillers()
        .connect_http(parsed);
    p.client().set_poll_interval(Duration::from_millis(200));
    Ok(p.erased())
}

/// The errors Rollup.sol and the verifier can revert with.
pub(crate) fn rollup_errors() -> Result<ErrorRegistry, L1Error> {
    let art = artifacts::contracts()?;
    let mut r = ErrorRegistry::new();
    r.register_abi(&art.get("Rollup")?.abi);
    r.register_abi(
        &art.get(zkroll_verifier::solidity::IMMUTABLE_CONTRACT_NAME)?
            .abi,
    );
    Ok(r)
}

impl RpcChain {
    /// Connects to the node at `url` and the rollup at `rollup`; `keys` are
    /// the accounts this client may send from, the first one the operator
    /// (none: a read-only client, as `zkroll sync` uses).
    pub async fn connect(
        url: &str,
        keys: Vec<PrivateKeySigner>,
        rollup: Address,
        config: RpcConfig,
    ) -> Result<Self, L1Error> {
        let provider = provider(url)?;
        let chain_id = provider
            .get_chain_id()
            .await
            .map_err(|e| rpc(url, "eth_chainId", e))?;
        if let Some(expected) = config.expected_chain_id {
            if expected != chain_id {
                return Err(L1Error::WrongChainId {
                    expected,
                    got: chain_id,
                });
            }
        }
        let code = provider
            .get_code_at(rollup)
            .await
            .map_err(|e| rpc(url, "eth_getCode", e))?;
        if code.is_empty() {
            return Err(L1Error::NotARollup {
                address: rollup.to_string(),
                reason: "no code there".into(),
            });
        }
        let signers: HashSet<Address> = keys.iter().map(|k| k.address()).collect();
        let operator = keys.first().map_or(Address::ZERO, |k| k.address());
        let wallet = keys
            .into_iter()
            .fold(None::<EthereumWallet>, |w, k| match w {
                None => Some(EthereumWallet::from(k)),
                Some(mut w) => {
                    w.register_signer(k);
                    Some(w)
                }
            });
        let mut chain = Self {
            url: url.to_string(),
            provider,
            wallet,
            signers,
            operator,
            rollup,
            shape: CircuitShape {
                depth: 0,
                l1_slots: 0,
                l2_slots: 0,
            },
            l1_op_fee: 0,
            chain_id,
            config,
            errors: rollup_errors()?,
            queue: logs::QueueCache::default(),
            journal: None,
        };
        let not_rollup = |e: L1Error| L1Error::NotARollup {
            address: rollup.to_string(),
            reason: format!("Rollup.sol's views do not answer ({e})"),
        };
        let depth = chain.view(Rollup::depthCall {}).await.map_err(not_rollup)?;
        let l1 = chain
            .view(Rollup::l1SlotsCall {})
            .await
            .map_err(not_rollup)?;
        let l2 = chain
            .view(Rollup::l2SlotsCall {})
            .await
            .map_err(not_rollup)?;
        chain.shape = CircuitShape {
            depth,
            l1_slots: l1.to::<usize>(),
            l2_slots: l2.to::<usize>(),
        };
        let fee = chain
            .view(Rollup::l1OpFeeCall {})
            .await
            .map_err(not_rollup)?;
        chain.l1_op_fee = u128::try_from(fee).map_err(|_| L1Error::NotARollup {
            address: rollup.to_string(),
            reason: format!("l1OpFee {fee} does not fit 128 bits"),
        })?;
        Ok(chain)
    }

    /// Keeps `submitBatch`'s in-flight transaction in `journal`, so a
    /// restart never sends a batch twice.
    pub fn with_journal(mut self, journal: Box<dyn send::SubmitJournal + Send + Sync>) -> Self {
        self.journal = Some(journal);
        self
    }

    /// The rollup's address.
    pub fn rollup(&self) -> Address {
        self.rollup
    }

    /// The node's chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// What each queued L1 operation pays the operator, in wei.
    pub fn l1_op_fee(&self) -> u128 {
        self.l1_op_fee
    }

    /// The operator (the first key given), or zero for a read-only client.
    pub fn operator(&self) -> Address {
        self.operator
    }

    /// The node's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The provider, for callers that need more of the node (tests, tools).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The rollup's verifier contract, as Rollup.sol names it.
    pub async fn verifier(&self) -> Result<Address, L1Error> {
        self.view(Rollup::verifierCall {}).await
    }

    /// A view call to Rollup.sol.
    pub async fn view<C: SolCall>(&self, call: C) -> Result<C::Return, L1Error> {
        self.view_at(self.rollup, call).await
    }

    /// A view call to `to`; a revert is decoded.
    pub async fn view_at<C: SolCall>(&self, to: Address, call: C) -> Result<C::Return, L1Error> {
        let tx = TransactionRequest::default()
            .with_to(to)
            .with_input(call.abi_encode());
        let out = self
            .provider
            .call(tx)
            .await
            .map_err(|e| self.revert_or_rpc("eth_call", e))?;
        C::abi_decode_returns(&out).map_err(|e| L1Error::NotARollup {
            address: to.to_string(),
            reason: format!("{} returned {} bytes: {e}", C::SIGNATURE, out.len()),
        })
    }

    /// A node error, or the revert it reports, decoded.
    pub(crate) fn revert_or_rpc(
        &self,
        call: &'static str,
        e: alloy::transports::TransportError,
    ) -> L1Error {
        if let Some(data) = e.as_error_resp().and_then(|p| p.as_revert_data()) {
            return L1Error::Reverted(Box::new(Revert {
                error: self.errors.decode(&data),
                data: data.to_vec(),
                gas_used: 0,
            }));
        }
        rpc(&self.url, call, e)
    }

    /// The ETH balance of `who`.
    pub async fn balance_of(&self, who: Address) -> Result<U256, L1Error> {
        self.provider
            .get_balance(who)
            .await
            .map_err(|e| rpc(&self.url, "eth_getBalance", e))
    }
}

impl RpcChain {
    /// `activateExodus()` from `from` (anyone, once a queued operation is
    /// older than the expiry).
    pub async fn activate_exodus(&mut self, from: Address) -> Result<TxOutcome, L1Error> {
        let data = Rollup::activateExodusCall {}.abi_encode();
        Ok(send::send(self, from, Some(self.rollup), data, U256::ZERO)
            .await?
            .0)
    }

    /// Sends `calldata` (e.g. [`crate::rollup::exodus_exit_calldata`]) to
    /// Rollup.sol from `from`.
    pub async fn call_rollup(
        &mut self,
        from: Address,
        calldata: Vec<u8>,
    ) -> Result<TxOutcome, L1Error> {
        Ok(
            send::send(self, from, Some(self.rollup), calldata, U256::ZERO)
                .await?
                .0,
        )
    }

    /// `reclaimDeposit(serial)` from the depositor (in exodus, for a
    /// deposit no batch processed).
    pub async fn reclaim_deposit(
        &mut self,
        from: Address,
        serial: u64,
    ) -> Result<TxOutcome, L1Error> {
        let data = Rollup::reclaimDepositCall { serial }.abi_encode();
        Ok(send::send(self, from, Some(self.rollup), data, U256::ZERO)
            .await?
            .0)
    }

    /// The contract's record of queue entry `serial`.
    pub async fn queue_entry(&self, serial: u64) -> Result<Rollup::queueReturn, L1Error> {
        self.view(Rollup::queueCall(serial)).await
    }

    /// `pending(owner, token)`: what `withdraw` would pay.
    pub async fn pending(&self, owner: Address, token: TokenId) -> Result<U256, L1Error> {
        self.view(Rollup::pendingCall {
            _0: owner,
            _1: token,
        })
        .await
    }
}

/// An RPC failure with the URL and the call named.
pub(crate) fn rpc(url: &str, call: &'static str, e: alloy::transports::TransportError) -> L1Error {
    L1Error::Rpc {
        url: url.to_string(),
        call,
        source: Arc::new(e),
    }
}

impl RollupChain for RpcChain {
    fn shape(&self) -> CircuitShape {
        self.shape
    }

    fn domain(&self) -> Domain {
        Domain::new(self.chain_id, self.rollup.into_array())
    }

    async fn status(&mut self) -> Result<RollupStatus, L1Error> {
        let block = self
            .provider
            .get_block_number()
            .await
            .map_err(|e| rpc(&self.url, "eth_blockNumber", e))?;
        Ok(RollupStatus {
            block,
            expiry_blocks: self.view(Rollup::expiryBlocksCall {}).await?,
            state_root: self.view(Rollup::stateRootCall {}).await?.0,
            last_batch: self.view(Rollup::lastBatchCall {}).await?,
            queue_head: self.view(Rollup::queueHeadCall {}).await?,
            queue_tail: self.view(Rollup::queueTailCall {}).await?,
            exodus: self.view(Rollup::exodusCall {}).await?,
        })
    }

    async fn confirmed_l1_ops(&mut self, from: u64) -> Result<Vec<QueuedL1Op>, L1Error> {
        logs::confirmed_l1_ops(self, from).await
    }

    fn queued_block(&self, serial: u64) -> Option<u64> {
        self.queue.block_of(serial)
    }

    async fn submit_batch(
        &mut self,
        w: &BatchWitness,
        proof: &Proof<Bn254>,
    ) -> Result<Settlement, L1Error> {
        let number = w.batch_number;
        let status = self.status().await?;
        if status.last_batch >= number {
            // The node's logs may lag the state its calls read by a moment.
            let mut on_chain = logs::batch_root(self, number).await?;
            for _ in 1..LOG_LAG_TRIES {
                if on_chain.is_some() {
                    break;
                }
                tokio::time::sleep(self.config.poll_interval).await;
                on_chain = logs::batch_root(self, number).await?;
            }
            if let Some(j) = self.journal.as_mut() {
                if j.load()?.is_some_and(|f| f.batch <= number) {
                    j.clear()?;
                }
            }
            return already_settled(number, on_chain, fr_to_be_bytes(&w.new_root));
        }
        let data = crate::rollup::submit_batch_calldata(w, proof);
        let out = send::submit(self, number, data).await?;
        Ok(Settlement::Sent(out))
    }

    async fn settled_batches(&mut self, from: u64) -> Result<Vec<SettledBatch>, L1Error> {
        logs::settled_batches(self, from).await
    }

    async fn deposit_new(
        &mut self,
        from: Address,
        pubkey: PackedPubkey,
        token: TokenId,
        amount: u128,
    ) -> Result<(AccountId, TxOutcome), L1Error> {
        let fee = U256::from(self.l1_op_fee);
        let value = if token == 0 {
            U256::from(amount) + fee
        } else {
            fee
        };
        let call = Rollup::depositNewCall {
            pubkey: B256::from(pubkey.0),
            token,
            amount,
        };
        // The index is the one the contract assigns: nextAccount before the call.
        let (out, receipt) =
            send::send(self, from, Some(self.rollup), call.abi_encode(), value).await?;
        let idx = receipt
            .inner
            .logs()
            .iter()
            .find_map(|l| {
                let ev = l.log_decode::<Rollup::L1OpQueued>().ok()?;
                let q = zkroll_state::pubdata::queued_op(ev.inner.data.serial, &ev.inner.data.op)
                    .ok()?;
                Some(q.op.idx())
            })
            .ok_or_else(|| L1Error::Artifact {
                reason: "depositNew's receipt has no L1OpQueued log".into(),
            })?;
        Ok((idx, out))
    }

    async fn withdraw(&mut self, from: Address, token: TokenId) -> Result<TxOutcome, L1Error> {
        let data = Rollup::withdrawCall { token }.abi_encode();
        Ok(send::send(self, from, Some(self.rollup), data, U256::ZERO)
            .await?
            .0)
    }

    async fn eth_balance(&mut self, who: Address) -> Result<U256, L1Error> {
        self.balance_of(who).await
    }
}
