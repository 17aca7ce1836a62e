//! A wallet's side of the journey, behind `zkroll wallet`: deposits and
//! claims on L1 (alloy, through [`RpcChain`]), transfers and withdrawals
//! signed with the L2 key and submitted to a node's API ([`NodeClient`]).
//! The node tells the wallet what to sign for: its deployment (`/info`:
//! chain id and Rollup.sol, which every signature is bound to), the
//! account's next nonce (`/accounts/{idx}`) and the least fee (`/fees`).

use std::time::Duration;

use alloy::signers::local::PrivateKeySigner;
use zkroll_l1::{Address, RollupChain, RpcChain, RpcConfig, TxOutcome};
use zkroll_state::ops::PackedPubkey;
use zkroll_state::{
    AccountId, Address20, Balance, Domain, L2Op, Nonce, PrivateKey, SignedL2Op, TokenId, Transfer,
    Withdraw,
};

use crate::api::{AccountView, ErrorBody, FeesView, InfoView, OpView, Submitted};

/// Why a wallet call failed.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// The node could not be reached or answered something unreadable.
    #[error("node at {url}: {source}")]
    Http {
        /// The URL.
        url: String,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// The node refused the request.
    #[error("the node refused ({status}): {} — {}", body.error, body.reason)]
    Refused {
        /// HTTP status.
        status: u16,
        /// Its reason.
        body: ErrorBody,
    },
    /// The node's deployment address is not an address.
    #[error("the node reports rollup {0:?}, not an address")]
    BadRollup(String),
    /// L1.
    #[error("L1: {0}")]
    L1(#[from] zkroll_l1::L1Error),
    /// An operation did not settle in time.
    #[error("operation {id} is still {status} after {waited:?}")]
    Timeout {
        /// The operation.
        id: u64,
        /// Its last status.
        status: String,
        /// How long was waited.
        waited: Duration,
    },
    /// An operation was dropped.
    #[error("operation {id} was dropped: {reason}")]
    Dropped {
        /// The operation.
        id: u64,
        /// Why.
        reason: String,
    },
}

/// A node's API.
pub struct NodeClient {
    base: String,
    http: reqwest::Client,
}

impl NodeClient {
    /// A client for the node at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn read<T: serde::de::DeserializeOwned>(
        &self,
        url: String,
        resp: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<T, WalletError> {
        let http = |source| WalletError::Http {
            url: url.clone(),
            source,
        };
        let resp = resp.map_err(http)?;
        let status = resp.status();
        if status.is_success() {
            resp.json().await.map_err(http)
        } else {
            let body = resp.json::<ErrorBody>().await.map_err(http)?;
            Err(WalletError::Refused {
                status: status.as_u16(),
                body,
            })
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, WalletError> {
        let url = self.url(path);
        let resp = self.http.get(&url).send().await;
        self.read(url, resp).await
    }

    /// `GET /info`.
    pub async fn info(&self) -> Result<InfoView, WalletError> {
        self.get("/info").await
    }

    /// `GET /fees`.
    pub async fn fees(&self) -> Result<FeesView, WalletError> {
        self.get("/fees").await
    }

    /// `GET /accounts/{idx}`.
    pub async fn account(&self, idx: AccountId) -> Result<AccountView, WalletError> {
        self.get(&format!("/accounts/{idx}")).await
    }

    /// `GET /ops/{id}`.
    pub async fn op(&self, id: u64) -> Result<OpView, WalletError> {
        self.get(&format!("/ops/{id}")).await
    }

    /// `POST /ops`.
    pub async fn submit(&self, op: &SignedL2Op) -> Result<Submitted, WalletError> {
        let url = self.url("/ops");
        let resp = self.http.post(&url).json(op).send().await;
        self.read(url, resp).await
    }

    /// The deployment the node serves (what signatures are bound to).
    pub async fn domain(&self) -> Result<Domain, WalletError> {
        let info = self.info().await?;
        let rollup: Address20 = info
            .rollup
            .parse()
            .map_err(|_| WalletError::BadRollup(info.rollup.clone()))?;
        Ok(Domain {
            chain_id: info.chain_id,
            rollup,
        })
    }

    /// Signs `op` (its nonce and fee filled in when `None`: the account's
    /// next nonce after its pending operations, the node's least fee) and
    /// submits it.
    pub async fn sign_and_submit(
        &self,
        key: &PrivateKey,
        draft: Draft,
    ) -> Result<(SignedL2Op, Submitted), WalletError> {
        let domain = self.domain().await?;
        let nonce = match draft.nonce {
            Some(n) => n,
            None => self.account(draft.from).await?.pending.nonce,
        };
        let fee = match draft.fee {
            Some(f) => f,
            None => {
                let fees = self.fees().await?;
                let acc = self.account(draft.from).await?;
                match (fees.fee_token == Some(acc.token), draft.to) {
                    (false, _) => 0,
                    (true, Some(_)) => fees.transfer,
                    (true, None) => fees.withdraw,
                }
            }
        };
        let op = match draft.to {
            Some(to) => L2Op::Transfer(Transfer {
                from: draft.from,
                to,
                amount: draft.amount,
                fee,
                nonce,
            }),
            None => L2Op::Withdraw(Withdraw {
                from: draft.from,
                amount: draft.amount,
                fee,
                nonce,
            }),
        };
        let signed = op.sign(key, &domain);
        let sub = self.submit(&signed).await?;
        Ok((signed, sub))
    }

    /// Polls operation `id` until it is settled (its view), dropped (an
    /// error) or `timeout` passes.
    pub async fn wait_settled(&self, id: u64, timeout: Duration) -> Result<OpView, WalletError> {
        let start = std::time::Instant::now();
        loop {
            let v = self.op(id).await?;
            match v.status.as_str() {
                "settled" => return Ok(v),
                "dropped" => {
                    return Err(WalletError::Dropped {
                        id,
                        reason: v.reason.unwrap_or_default(),
                    })
                }
                _ if start.elapsed() >= timeout => {
                    return Err(WalletError::Timeout {
                        id,
                        status: v.status,
                        waited: timeout,
                    })
                }
                _ => tokio::time::sleep(POLL).await,
            }
        }
    }
}

/// How often [`NodeClient::wait_settled`] asks.
const POLL: Duration = Duration::from_millis(250);

/// An L2 operation to sign: a transfer when `to` is set, else a withdrawal.
#[derive(Clone, Copy, Debug)]
pub struct Draft {
    /// The paying account.
    pub from: AccountId,
    /// The receiving account (None: a withdrawal to `from`'s L1 owner).
    pub to: Option<AccountId>,
    /// The amount.
    pub amount: Balance,
    /// The fee (None: the node's least fee).
    pub fee: Option<Balance>,
    /// The nonce (None: the next after the pending ones).
    pub nonce: Option<Nonce>,
}

/// Connects to L1 as `l1_key`'s account.
pub async fn l1_client(
    rpc: &str,
    rollup: Address,
    l1_key: PrivateKeySigner,
    confirmations: u64,
) -> Result<RpcChain, WalletError> {
    let config = RpcConfig {
        confirmations,
        ..RpcConfig::default()
    };
    Ok(RpcChain::connect(rpc, vec![l1_key], rollup, config).await?)
}

/// `depositNew` from the L1 account of `chain`'s first key, opening an L2
/// account owned by `l2_key`; the index L1 assigned and the transaction.
pub async fn deposit_new(
    chain: &mut RpcChain,
    from: Address,
    l2_key: &PrivateKey,
    token: TokenId,
    amount: Balance,
) -> Result<(AccountId, TxOutcome), WalletError> {
    let pubkey = PackedPubkey(l2_key.public().compress());
    Ok(chain.deposit_new(from, pubkey, token, amount).await?)
}

/// `withdraw(token)` on L1: pays what settled withdrawals credited `from`.
pub async fn claim(
    chain: &mut RpcChain,
    from: Address,
    token: TokenId,
) -> Result<TxOutcome, WalletError> {
    Ok(chain.withdraw(from, token).await?)
}
