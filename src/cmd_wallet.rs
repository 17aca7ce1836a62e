//! `zkroll wallet`: parsing and printing around `zkroll_node::wallet`.

use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use zkroll::l1::rpc::{parse_key, DEFAULT_CONFIRMATIONS};
use zkroll::l1::{Address, RollupChain};
use zkroll::state::PrivateKey;
use zkroll_node::wallet::{claim, deposit_new, l1_client, Draft, NodeClient};

/// The wallet's commands.
#[derive(Subcommand, Debug)]
pub enum WalletCmd {
    /// Open an L2 account on L1 (depositNew from an L1 key, for an L2 key).
    Deposit {
        #[command(flatten)]
        l1: L1Args,
        /// The L2 key that will own the account (hex; or $ZKROLL_L2_KEY).
        #[arg(long)]
        l2_key: Option<String>,
        /// Token (0: ETH).
        #[arg(long, default_value_t = 0)]
        token: u32,
        /// Amount, in the token's smallest unit (wei).
        #[arg(long)]
        amount: u128,
    },
    /// Sign a transfer with the L2 key and submit it to a node.
    Transfer {
        #[command(flatten)]
        l2: L2Args,
        /// Receiving account.
        #[arg(long)]
        to: u32,
        /// Amount.
        #[arg(long)]
        amount: u128,
    },
    /// Sign a withdrawal to L1 and submit it to a node.
    Withdraw {
        #[command(flatten)]
        l2: L2Args,
        /// Amount.
        #[arg(long)]
        amount: u128,
    },
    /// An account's balances and nonce as the node sees them.
    Balance {
        /// The node's API URL.
        #[arg(long)]
        node: String,
        /// The account.
        #[arg(long)]
        account: u32,
    },
    /// An operation's status.
    Status {
        /// The node's API URL.
        #[arg(long)]
        node: String,
        /// The operation id.
        #[arg(long)]
        op: u64,
    },
    /// Collect on L1 what settled withdrawals credited (withdraw()).
    Claim {
        #[command(flatten)]
        l1: L1Args,
        /// Token (0: ETH).
        #[arg(long, default_value_t = 0)]
        token: u32,
    },
}

/// The L1 side: node, deployment, key.
#[derive(Args, Debug)]
pub struct L1Args {
    /// JSON-RPC URL of the L1 node.
    #[arg(long)]
    rpc: String,
    /// Rollup.sol's address.
    #[arg(long)]
    rollup: Address,
    /// The L1 key paying (hex; or $ZKROLL_L1_KEY).
    #[arg(long)]
    l1_key: Option<String>,
    /// Confirmations to wait for.
    #[arg(long, default_value_t = DEFAULT_CONFIRMATIONS)]
    confirmations: u64,
}

/// The L2 side: node, account, key.
#[derive(Args, Debug)]
pub struct L2Args {
    /// The node's API URL.
    #[arg(long)]
    node: String,
    /// The L2 key (hex; or $ZKROLL_L2_KEY).
    #[arg(long)]
    key: Option<String>,
    /// The paying account.
    #[arg(long)]
    from: u32,
    /// Fee (default: the node's least fee).
    #[arg(long)]
    fee: Option<u128>,
    /// Nonce (default: the account's next after its pending operations).
    #[arg(long)]
    nonce: Option<u32>,
    /// Wait until the operation settles on L1 (at most this many seconds).
    #[arg(long)]
    wait: Option<u64>,
}

fn l2_key(flag: Option<String>) -> Result<PrivateKey> {
    let hex_key = flag
        .or_else(|| std::env::var("ZKROLL_L2_KEY").ok())
        .context("--l2-key/--key (or ZKROLL_L2_KEY) is required")?;
    let bytes: [u8; 32] = hex::decode(hex_key.trim().trim_start_matches("0x"))
        .context("the L2 key is not hex")?
        .try_into()
        .map_err(|_| anyhow::anyhow!("the L2 key must be 32 bytes"))?;
    Ok(PrivateKey::from_bytes(bytes))
}

fn l1_key(flag: Option<String>) -> Result<zkroll::l1::rpc::PrivateKeySigner> {
    let hex_key = flag
        .or_else(|| std::env::var("ZKROLL_L1_KEY").ok())
        .context("--l1-key (or ZKROLL_L1_KEY) is required")?;
    Ok(parse_key("--l1-key", &hex_key)?)
}

fn print_json(v: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

async fn submit(l2: L2Args, to: Option<u32>, amount: u128) -> Result<()> {
    let key = l2_key(l2.key)?;
    let client = NodeClient::new(&l2.node);
    let draft = Draft {
        from: l2.from,
        to,
        amount,
        fee: l2.fee,
        nonce: l2.nonce,
    };
    let (signed, sub) = client.sign_and_submit(&key, draft).await?;
    match l2.wait {
        None => print_json(&serde_json::json!({
            "id": sub.id, "status": sub.status, "op": signed,
        })),
        Some(secs) => {
            let v = client
                .wait_settled(sub.id, Duration::from_secs(secs))
                .await?;
            print_json(&v)
        }
    }
}

pub fn wallet_cmd(cmd: WalletCmd) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match cmd {
            WalletCmd::Deposit {
                l1,
                l2_key: key,
                token,
                amount,
            } => {
                let owner = l2_key(key)?;
                let signer = l1_key(l1.l1_key)?;
                let from = signer.address();
                let mut chain = l1_client(&l1.rpc, l1.rollup, signer, l1.confirmations).await?;
                let (idx, tx) = deposit_new(&mut chain, from, &owner, token, amount).await?;
                print_json(&serde_json::json!({
                    "account": idx, "tx": tx.tx_hash.to_string(), "block": tx.block,
                    "gas": tx.gas_used,
                }))
            }
            WalletCmd::Transfer { l2, to, amount } => submit(l2, Some(to), amount).await,
            WalletCmd::Withdraw { l2, amount } => submit(l2, None, amount).await,
            WalletCmd::Balance { node, account } => {
                print_json(&NodeClient::new(&node).account(account).await?)
            }
            WalletCmd::Status { node, op } => print_json(&NodeClient::new(&node).op(op).await?),
            WalletCmd::Claim { l1, token } => {
                let signer = l1_key(l1.l1_key)?;
                let from = signer.address();
                let mut chain = l1_client(&l1.rpc, l1.rollup, signer, l1.confirmations).await?;
                let before = chain.eth_balance(from).await?;
                let tx = claim(&mut chain, from, token).await?;
                let after = chain.eth_balance(from).await?;
                print_json(&serde_json::json!({
                    "tx": tx.tx_hash.to_string(), "gas": tx.gas_used,
                    "paid_wei": (after + tx.fee_wei - before).to_string(),
                }))
            }
        }
    })
}
