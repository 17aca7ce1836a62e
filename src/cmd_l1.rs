//! The L1 commands of the CLI (`demo`, `deploy`, `sync`, `exit`): parsing
//! and printing around `zkroll::demo` and `zkroll::l1`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use zkroll::demo::{run, DemoOptions};
use zkroll::l1::rollup::{exodus_exit_calldata, RollupL1};
use zkroll::l1::rpc::deploy::{deploy, DeployParams};
use zkroll::l1::rpc::{parse_key, PrivateKeySigner, RpcChain, RpcConfig, DEFAULT_CONFIRMATIONS};
use zkroll::l1::{Address, RollupChain, RollupParams, U256};
use zkroll::prover::ProverKey;
use zkroll::state::{AccountTree, CircuitShape, RedbStore, Rollup};
use zkroll::verifier::snarkjs::VerificationKeyJson;

const DEFAULTS: RollupParams = RollupParams::DEFAULT;
/// The embedded demo's depositor (funded in the in-process EVM).
const DEMO_DEPOSITOR: Address = Address::new([0x11; 20]);

/// How to reach a live node.
#[derive(Args, Clone, Debug)]
pub struct NodeArgs {
    /// JSON-RPC URL of the L1 node (http://).
    #[arg(long)]
    pub rpc: String,
    /// Blocks an L1 operation needs (its own included) before it is used.
    #[arg(long, default_value_t = DEFAULT_CONFIRMATIONS)]
    pub confirmations: u64,
    /// Refuse a node on another L1 chain id.
    #[arg(long)]
    pub chain_id: Option<u64>,
    /// First block to scan for the rollup's logs (its deployment block).
    #[arg(long, default_value_t = 0)]
    pub from_block: u64,
}

impl NodeArgs {
    fn config(&self) -> RpcConfig {
        RpcConfig {
            confirmations: self.confirmations,
            expected_chain_id: self.chain_id,
            from_block: self.from_block,
            ..RpcConfig::default()
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// A key from `--flag` or, when absent, the environment variable `env`.
fn key_arg(flag: &str, value: Option<String>, env: &str) -> Result<PrivateKeySigner> {
    let hex = value
        .or_else(|| std::env::var(env).ok())
        .with_context(|| format!("{flag} (or {env}) is required"))?;
    Ok(parse_key(flag, &hex)?)
}

fn print_json(v: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// `zkroll demo`: on the embedded EVM, or deployed on the node at `rpc`.
pub fn demo(
    key: &ProverKey,
    shape: CircuitShape,
    opts: &DemoOptions,
    node: Option<(NodeArgs, Option<String>)>,
) -> Result<zkroll::demo::DemoResult> {
    let rt = runtime()?;
    let genesis = AccountTree::new(shape.depth)?.root();
    match node {
        None => {
            let mut chain = RollupL1::deploy(&key.pk.vk, shape, DEFAULTS, genesis)?;
            chain
                .evm
                .fund(DEMO_DEPOSITOR, U256::from(10u64).pow(U256::from(21)));
            rt.block_on(run(&mut chain, DEMO_DEPOSITOR, key, opts))
        }
        Some((node, operator_key)) => {
            let operator = key_arg("--operator-key", operator_key, "ZKROLL_OPERATOR_KEY")?;
            let depositor = operator.address();
            let params = DeployParams {
                shape,
                params: DEFAULTS,
                genesis,
            };
            rt.block_on(async {
                let (d, mut chain) =
                    deploy(&node.rpc, operator, &key.pk.vk, &params, node.config()).await?;
                if !opts.json {
                    println!(
                        "L1 {} (chain id {}): Rollup.sol at {}, verifier at {} (deploy gas {:?})",
                        node.rpc, d.chain_id, d.rollup, d.verifier, d.gas
                    );
                }
                run(&mut chain, depositor, key, opts).await
            })
        }
    }
}

/// `zkroll deploy`.
#[derive(Args, Debug)]
pub struct DeployArgs {
    #[command(flatten)]
    node: NodeArgs,
    /// Key directory (its verification key and shape are deployed).
    #[arg(long)]
    keys: PathBuf,
    /// The operator's L1 private key (hex; or $ZKROLL_OPERATOR_KEY).
    #[arg(long)]
    operator_key: Option<String>,
    /// Blocks a queued L1 operation may wait before exodus can start.
    #[arg(long, default_value_t = DEFAULTS.expiry_blocks)]
    expiry: u64,
    /// The longest the operator commits to go between batches, in blocks;
    /// the L1 queue holds L1-slots * floor(expiry / interval) operations.
    #[arg(long, default_value_t = DEFAULTS.batch_interval_blocks)]
    batch_interval: u64,
    /// What each queued L1 operation pays the operator, in wei.
    #[arg(long, default_value_t = DEFAULTS.l1_op_fee)]
    l1_op_fee: u128,
}

/// Deploys and prints the addresses as JSON.
pub fn deploy_cmd(a: DeployArgs) -> Result<()> {
    let key = ProverKey::load(&a.keys)?;
    let operator = key_arg("--operator-key", a.operator_key, "ZKROLL_OPERATOR_KEY")?;
    let params = DeployParams {
        shape: key.params.shape,
        params: RollupParams {
            expiry_blocks: a.expiry,
            batch_interval_blocks: a.batch_interval,
            l1_op_fee: a.l1_op_fee,
        },
        genesis: AccountTree::new(key.params.shape.depth)?.root(),
    };
    let (d, _) = runtime()?.block_on(deploy(
        &a.node.rpc,
        operator,
        &key.pk.vk,
        &params,
        a.node.config(),
    ))?;
    print_json(&d)
}

/// `zkroll sync`.
#[derive(Args, Debug)]
pub struct SyncArgs {
    #[command(flatten)]
    node: NodeArgs,
    /// Rollup.sol's address.
    #[arg(long)]
    rollup: Address,
    /// The state store to bring up to date (created if missing).
    #[arg(long)]
    state: PathBuf,
    /// Check every batch's proof with this verification key (snarkjs
    /// JSON, e.g. a key directory's verification_key.json).
    #[arg(long)]
    vk: Option<PathBuf>,
}

fn open_state(path: &Path, depth: u8) -> Result<Rollup<RedbStore>> {
    Ok(Rollup::open(RedbStore::open(path)?, depth, false)?)
}

/// Rebuilds (or continues) the state from L1 and prints the report.
pub fn sync_cmd(a: SyncArgs) -> Result<()> {
    let vk =
        a.vk.as_deref()
            .map(|p| zkroll::verifier::snarkjs::read_json::<VerificationKeyJson>(p)?.to_key())
            .transpose()?;
    runtime()?.block_on(async {
        let mut chain = RpcChain::connect(&a.node.rpc, vec![], a.rollup, a.node.config()).await?;
        let mut state = open_state(&a.state, chain.shape().depth)?;
        let t = std::time::Instant::now();
        let r = zkroll::l1::sync::sync(&mut chain, &mut state, vk.as_ref()).await?;
        print_json(&serde_json::json!({
            "from_batch": r.from,
            "to_batch": r.to,
            "root": zkroll::state::field::fr_to_decimal(&state.root()),
            "matches_contract": r.matches_contract,
            "proofs_checked": vk.is_some(),
            "seconds": t.elapsed().as_secs_f64(),
        }))
    })
}

/// `zkroll exit`.
#[derive(Args, Debug)]
pub struct ExitArgs {
    #[command(flatten)]
    node: NodeArgs,
    /// Rollup.sol's address.
    #[arg(long)]
    rollup: Address,
    /// The state store (synced from L1 first).
    #[arg(long)]
    state: PathBuf,
    /// The account to exit.
    #[arg(long)]
    account: u32,
    /// The account owner's L1 private key (hex; or $ZKROLL_L1_KEY).
    #[arg(long)]
    l1_key: Option<String>,
    /// Print the exodusExit calldata instead of sending it.
    #[arg(long)]
    calldata: bool,
}

/// Syncs, activates exodus if it is due and not active yet, exits the
/// account with its Merkle proof and withdraws what it credited.
pub fn exit_cmd(a: ExitArgs) -> Result<()> {
    runtime()?.block_on(async {
        let keys = if a.calldata {
            vec![]
        } else {
            vec![key_arg("--l1-key", a.l1_key.clone(), "ZKROLL_L1_KEY")?]
        };
        let owner = keys.first().map(|k| k.address());
        let mut chain = RpcChain::connect(&a.node.rpc, keys, a.rollup, a.node.config()).await?;
        let mut state = open_state(&a.state, chain.shape().depth)?;
        zkroll::l1::sync::sync(&mut chain, &mut state, None).await?;
        let account = *state
            .account(a.account)
            .with_context(|| format!("account {} is not in the settled state", a.account))?;
        let path = state.tree().path(a.account)?;
        let data = exodus_exit_calldata(a.account, &account, &path);
        let Some(owner) = owner else {
            println!("0x{}", hex::encode(&data));
            return Ok(());
        };
        let mut activated = None;
        if !chain.status().await?.exodus {
            activated = Some(chain.activate_exodus(owner).await?.gas_used);
        }
        let exit = chain.call_rollup(owner, data).await?;
        let pending = chain.pending(owner, account.token).await?;
        if pending.is_zero() {
            bail!("exodusExit credited nothing to {owner}");
        }
        let paid = chain.withdraw(owner, account.token).await?;
        print_json(&serde_json::json!({
            "account": a.account,
            "token": account.token,
            "amount": pending.to_string(),
            "activate_exodus_gas": activated,
            "exodus_exit_gas": exit.gas_used,
            "withdraw_gas": paid.gas_used,
            "to": owner,
        }))
    })
}

/// `zkroll reclaim`.
#[derive(Args, Debug)]
pub struct ReclaimArgs {
    #[command(flatten)]
    node: NodeArgs,
    /// Rollup.sol's address.
    #[arg(long)]
    rollup: Address,
    /// The queue serial of the deposit no batch processed.
    #[arg(long)]
    serial: u64,
    /// The depositor's L1 private key (hex; or $ZKROLL_L1_KEY).
    #[arg(long)]
    l1_key: Option<String>,
}

/// In exodus, takes back a deposit no batch processed, and withdraws it.
pub fn reclaim_cmd(a: ReclaimArgs) -> Result<()> {
    runtime()?.block_on(async {
        let key = key_arg("--l1-key", a.l1_key, "ZKROLL_L1_KEY")?;
        let depositor = key.address();
        let mut chain =
            RpcChain::connect(&a.node.rpc, vec![key], a.rollup, a.node.config()).await?;
        let entry = chain.queue_entry(a.serial).await?;
        let reclaim = chain.reclaim_deposit(depositor, a.serial).await?;
        let pending = chain.pending(depositor, entry.token).await?;
        let paid = chain.withdraw(depositor, entry.token).await?;
        print_json(&serde_json::json!({
            "serial": a.serial,
            "token": entry.token,
            "amount": pending.to_string(),
            "reclaim_gas": reclaim.gas_used,
            "withdraw_gas": paid.gas_used,
            "to": depositor,
        }))
    })
}
