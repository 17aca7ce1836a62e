//! `zkroll node`: parsing and printing around `zkroll_node::run`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use zkroll::l1::rpc::parse_key;
use zkroll_node::{ConfigFile, FeePolicy};

/// `zkroll node`: flags override `--config`'s file.
#[derive(Args, Debug)]
pub struct NodeCmd {
    /// node.toml (see the zkroll-node crate's `config` module).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address the API listens on (port 0: any free port, printed).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Directory of the node's stores.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The L1 node's JSON-RPC URL.
    #[arg(long)]
    rpc: Option<String>,
    /// Rollup.sol's address.
    #[arg(long)]
    rollup: Option<String>,
    /// Key directory.
    #[arg(long)]
    keys: Option<PathBuf>,
    /// Use cached development keys (INSECURE: for development only).
    #[arg(long)]
    dev_keys: bool,
    /// Confirmations an L1 operation needs.
    #[arg(long)]
    confirmations: Option<u64>,
    /// The fee account.
    #[arg(long)]
    fee_account: Option<u32>,
    /// Longest a ready operation waits for its batch to fill, ms.
    #[arg(long)]
    batch_wait_ms: Option<u64>,
    /// Pause between idle pipeline rounds, ms.
    #[arg(long)]
    poll_ms: Option<u64>,
    /// Pending operations per account.
    #[arg(long)]
    pending_limit: Option<u32>,
    /// Least transfer fee (decimal).
    #[arg(long)]
    fee_transfer: Option<u128>,
    /// Least withdrawal fee (decimal).
    #[arg(long)]
    fee_withdraw: Option<u128>,
    /// The operator's L1 key (hex; or $ZKROLL_OPERATOR_KEY).
    #[arg(long)]
    operator_key: Option<String>,
}

pub fn node_cmd(a: NodeCmd) -> Result<()> {
    let file = match &a.config {
        Some(p) => ConfigFile::load(p)?,
        None => ConfigFile::default(),
    };
    let fees = match (a.fee_transfer, a.fee_withdraw) {
        (None, None) => None,
        (t, w) => {
            let base = file.fees.unwrap_or_default();
            Some(FeePolicy {
                transfer: t.unwrap_or(base.transfer),
                withdraw: w.unwrap_or(base.withdraw),
            })
        }
    };
    let flags = ConfigFile {
        listen: a.listen,
        data_dir: a.data_dir,
        rpc: a.rpc,
        rollup: a.rollup,
        keys: a.keys,
        dev_keys: a.dev_keys.then_some(true),
        confirmations: a.confirmations,
        fee_account: a.fee_account,
        batch_wait_ms: a.batch_wait_ms,
        poll_ms: a.poll_ms,
        pending_limit: a.pending_limit,
        fees,
        ..ConfigFile::default()
    };
    let config = file.overridden_by(flags).resolve()?;
    let key = a
        .operator_key
        .or_else(|| std::env::var("ZKROLL_OPERATOR_KEY").ok())
        .context("--operator-key (or ZKROLL_OPERATOR_KEY) is required")?;
    let operator = parse_key("--operator-key", &key)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(zkroll_node::run(config, operator, |addr| {
        // The one line scripts read: where the API is.
        println!("zkroll node listening on http://{addr}");
    }))?;
    Ok(())
}
