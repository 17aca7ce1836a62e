//! The `zkroll` command line: glue over the library, no protocol logic.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

mod cmd_bench;
mod cmd_keys;
mod cmd_l1;
mod cmd_node;
mod cmd_state;
mod cmd_wallet;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::OsRng;
use zkroll::prover::ProverKey;
use zkroll::state::field::fr_to_decimal;
use zkroll::state::{Address20, CircuitShape, Domain, L2Op, PrivateKey};

#[derive(Parser)]
#[command(
    name = "zkroll",
    version,
    about = "zk-rollup toolkit on BN254: prove batches, verify, settle"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run an operator end to end: temporary state, dev keys (cached),
    /// deposits, transfers, a withdrawal, several proved and verified batches.
    Demo {
        /// Write the last batch's verification_key.json, proof.json,
        /// public.json and pubdata.hex here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Transfer batches after the deposits.
        #[arg(long, default_value_t = 2)]
        batches: usize,
        /// Tree depth of the demo.
        #[arg(long, default_value_t = 16)]
        depth: u8,
        /// L1 slots per batch.
        #[arg(long, default_value_t = 2)]
        l1_slots: usize,
        /// L2 slots per batch.
        #[arg(long, default_value_t = 4)]
        l2_slots: usize,
        /// One JSON object per batch on stdout.
        #[arg(long)]
        json: bool,
        /// Run against the L1 node at this JSON-RPC URL (deploying there)
        /// instead of the embedded EVM.
        #[arg(long)]
        rpc: Option<String>,
        /// With --rpc: the operator's L1 key (hex; or $ZKROLL_OPERATOR_KEY),
        /// which also pays the demo's deposits.
        #[arg(long)]
        operator_key: Option<String>,
        /// With --rpc: confirmations an L1 operation needs before it is used.
        #[arg(long, default_value_t = 1)]
        confirmations: u64,
    },
    /// Run the operator service: wallet API, mempool, batcher, prover,
    /// settlement on L1 (see the zkroll-node crate).
    Node(cmd_node::NodeCmd),
    /// A wallet: deposit and claim on L1, transfer and withdraw through a node.
    Wallet {
        #[command(subcommand)]
        command: cmd_wallet::WalletCmd,
    },
    /// Deploy the verifier and Rollup.sol on an L1 node; prints the addresses as JSON.
    Deploy(cmd_l1::DeployArgs),
    /// Rebuild (or bring up to date) a state store from L1 alone.
    Sync(cmd_l1::SyncArgs),
    /// In exodus, exit an account with its Merkle proof from the synced state.
    Exit(cmd_l1::ExitArgs),
    /// In exodus, take back a deposit no batch processed.
    Reclaim(cmd_l1::ReclaimArgs),
    /// Undo the batches after batch N (e.g. one applied but never proved or
    /// settled), atomically.
    Revert {
        /// The state store.
        #[arg(long)]
        state: PathBuf,
        /// The batch to go back to (0: the empty tree).
        #[arg(long)]
        to: u64,
    },
    /// Show the state: last batch, its stage (applied, proved, written),
    /// root and L1 queue position.
    Status {
        /// The state store.
        #[arg(long)]
        state: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Create an empty state store.
    Init {
        /// Path of the redb state file to create.
        #[arg(long)]
        state: PathBuf,
        /// Tree depth (4^depth accounts).
        #[arg(long, default_value_t = zkroll::state::tree::DEFAULT_DEPTH)]
        depth: u8,
    },
    /// Key management.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Sign an L2 operation (JSON: {"type": "Transfer", "from", "to", "amount", "fee", "nonce"}).
    Sign {
        /// Private key, 32 bytes hex.
        #[arg(long)]
        key: String,
        /// File with the operation.
        #[arg(long)]
        op: PathBuf,
        /// The L1 chain id of the deployment the signature is for.
        #[arg(long)]
        chain_id: u64,
        /// The Rollup.sol address of that deployment (0x + 40 hex digits).
        #[arg(long)]
        rollup: Address20,
    },
    /// Development setup for a circuit shape (INSECURE: for development only).
    Setup {
        /// Tree depth.
        #[arg(long)]
        depth: u8,
        /// L1 slots per batch.
        #[arg(long)]
        l1_slots: usize,
        /// L2 slots per batch.
        #[arg(long)]
        l2_slots: usize,
        /// Directory for proving_key.bin, verification_key.json, params.json.
        #[arg(long)]
        out: PathBuf,
    },
    /// Apply a batch of operations to the state and prove it.
    Prove {
        /// Key directory from `zkroll setup`.
        #[arg(long)]
        keys: PathBuf,
        /// State store from `zkroll init`.
        #[arg(long)]
        state: PathBuf,
        /// The batch (see `ops_file`): domain, fee_account, l1, l2.
        #[arg(long)]
        ops: PathBuf,
        /// Output directory for proof.json, public.json, pubdata.hex.
        #[arg(long)]
        out: PathBuf,
        /// Also write the batch's witness here as witness.wtns (circom's
        /// format: snarkjs or rapidsnark can prove it with a ceremony zkey).
        #[arg(long)]
        wtns_out: Option<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Prove one batch with zkroll's prover and with stock ark-groth16,
    /// alternating, and print the comparison (ends with `speedup_vs_arkworks: X.XX`).
    #[command(args_conflicts_with_subcommands = true)]
    Bench {
        /// `zkroll bench circom`: circom circuits (zkey + wtns) instead of a batch.
        #[command(subcommand)]
        circom: Option<cmd_bench::BenchCommand>,
        /// Tree depth.
        #[arg(long, default_value_t = 16)]
        depth: u8,
        /// L1 slots.
        #[arg(long, default_value_t = 1)]
        l1_slots: usize,
        /// L2 slots (the default shape is about 2^18 constraints).
        #[arg(long, default_value_t = 4)]
        l2_slots: usize,
        /// Runs per prover.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Also prove this many batches with `prove_pipelined` (witness k+1
        /// synthesised while batch k proves) and one after another.
        #[arg(long, default_value_t = 0)]
        pipeline: usize,
        /// Also time each prover's parts separately (arkworks' synthesis
        /// with matrices, ark-ec's MSMs against zkroll's): what bounds the
        /// speedup.
        #[arg(long)]
        breakdown: bool,
        /// Accounts in the state the batch runs on. The witness repeats
        /// fewer values in a larger state (paths meet higher up), and
        /// zkroll's MSMs sum repeated values once. Default: 65,536 (a
        /// mid-sized rollup, about 50 s to build here), or as many as the
        /// tree holds if fewer.
        #[arg(long)]
        accounts: Option<usize>,
        /// Also time loading the key directory (against the re-synthesis
        /// each load did before keys stored their matrices).
        #[arg(long)]
        key_load: bool,
    },
    /// Import keys from a ceremony (a snarkjs .zkey).
    Import {
        #[command(subcommand)]
        what: cmd_keys::ImportCommand,
    },
    /// Powers of Tau files for tests.
    Ptau {
        #[command(subcommand)]
        what: cmd_keys::PtauCommand,
    },
    /// Prove and verify any circom circuit (snarkjs .zkey and .wtns).
    Groth16 {
        #[command(subcommand)]
        what: cmd_keys::Groth16Command,
    },
    /// Export the Solidity verifier, a proof's calldata or the batch circuit's .r1cs.
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// Verify a proof (exit 0 if valid, 1 if not).
    Verify {
        /// verification_key.json (snarkjs format).
        #[arg(long)]
        vk: PathBuf,
        /// proof.json.
        #[arg(long)]
        proof: PathBuf,
        /// public.json.
        #[arg(long)]
        public: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Write the batch circuit of a shape as a circom .r1cs (for a snarkjs ceremony).
    R1cs {
        /// The batch shape.
        #[command(flatten)]
        shape: cmd_keys::ShapeArgs,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Render the Solidity verifier of a verification key.
    Solidity {
        /// verification_key.json (snarkjs format).
        #[arg(long)]
        vk: PathBuf,
        /// Where to write Verifier.sol.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the ABI calldata of verifyProof for a proof and its inputs.
    Calldata {
        /// proof.json.
        #[arg(long)]
        proof: PathBuf,
        /// public.json.
        #[arg(long)]
        public: PathBuf,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Print a fresh private key and its public key (circomlib-compatible).
    New,
}

pub(crate) fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// Logs from `RUST_LOG`, except the circuits' constraint spans (target
/// `gr1cs`): with them on, arkworks traces every constraint during key
/// load and synthesis, which at `RUST_LOG=info` stalled `zkroll prove` while
/// its memory grew without bound. Naming a failed rule turns them on for
/// that one synthesis (`zkroll_circuits::first_unsatisfied`, its own
/// subscriber).
fn log_filter() -> tracing_subscriber::EnvFilter {
    const CONSTRAINT_SPANS_OFF: &str = "gr1cs=off";
    tracing_subscriber::EnvFilter::from_default_env().add_directive(
        CONSTRAINT_SPANS_OFF
            .parse()
            .expect("a constant, valid filter directive"),
    )
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let res = match cli.command {
        Command::Verify {
            vk,
            proof,
            public,
            json,
        } => return cmd_keys::verify_cmd(&vk, &proof, &public, json),
        Command::Demo {
            out,
            batches,
            depth,
            l1_slots,
            l2_slots,
            json,
            rpc,
            operator_key,
            confirmations,
        } => demo(
            out,
            batches,
            CircuitShape {
                depth,
                l1_slots,
                l2_slots,
            },
            json,
            rpc.map(|rpc| {
                (
                    cmd_l1::NodeArgs {
                        rpc,
                        confirmations,
                        chain_id: None,
                        from_block: 0,
                    },
                    operator_key,
                )
            }),
        ),
        Command::Node(a) => cmd_node::node_cmd(a),
        Command::Wallet { command } => cmd_wallet::wallet_cmd(command),
        Command::Deploy(a) => cmd_l1::deploy_cmd(a),
        Command::Sync(a) => cmd_l1::sync_cmd(a),
        Command::Exit(a) => cmd_l1::exit_cmd(a),
        Command::Reclaim(a) => cmd_l1::reclaim_cmd(a),
        Command::Init { state, depth } => cmd_state::init(&state, depth),
        Command::Revert { state, to } => cmd_state::revert_cmd(&state, to),
        Command::Status { state, json } => cmd_state::status_cmd(&state, json),
        Command::Bench {
            circom: Some(what), ..
        } => cmd_bench::circom(what),
        Command::Bench {
            circom: None,
            depth,
            l1_slots,
            l2_slots,
            runs,
            pipeline,
            breakdown,
            accounts,
            key_load,
        } => cmd_bench::bench(
            CircuitShape {
                depth,
                l1_slots,
                l2_slots,
            },
            runs,
            pipeline,
            breakdown,
            accounts,
            key_load,
        ),
        Command::Import { what } => cmd_keys::import(what),
        Command::Ptau { what } => cmd_keys::ptau(what),
        Command::Groth16 { what } => match cmd_keys::groth16(what) {
            Ok(code) => return code,
            Err(e) => Err(e),
        },
        Command::Export {
            what: ExportCommand::R1cs { shape, out },
        } => cmd_keys::export_r1cs(shape.shape(), &out),
        Command::Export {
            what: ExportCommand::Solidity { vk, out },
        } => zkroll::verifier::solidity::export_solidity(&vk, &out)
            .map(|()| println!("wrote {}", out.display()))
            .map_err(Into::into),
        Command::Export {
            what: ExportCommand::Calldata { proof, public },
        } => zkroll::verifier::solidity::export_calldata(&proof, &public)
            .map(|hex| println!("{hex}"))
            .map_err(Into::into),
        Command::Account {
            command: AccountCommand::New,
        } => account_new(),
        Command::Sign {
            key,
            op,
            chain_id,
            rollup,
        } => sign(&key, &op, &Domain { chain_id, rollup }),
        Command::Setup {
            depth,
            l1_slots,
            l2_slots,
            out,
        } => cmd_keys::setup_cmd(
            CircuitShape {
                depth,
                l1_slots,
                l2_slots,
            },
            &out,
        )
        .map(|_| ()),
        Command::Prove {
            keys,
            state,
            ops,
            out,
            wtns_out,
            json,
        } => cmd_state::prove_cmd(&keys, &state, &ops, &out, wtns_out.as_deref(), json),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn account_new() -> Result<()> {
    let key = PrivateKey::generate(&mut OsRng);
    let pk = key.public();
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "private_key": hex::encode(key.as_bytes()),
            "public_key": [fr_to_decimal(&pk.x()), fr_to_decimal(&pk.y())],
            "public_key_packed": format!("0x{}", hex::encode(pk.compress())),
        }))?
    );
    Ok(())
}

fn sign(key_hex: &str, op_path: &Path, domain: &Domain) -> Result<()> {
    let bytes: [u8; 32] = hex::decode(key_hex.trim_start_matches("0x"))
        .context("--key is not hex")?
        .try_into()
        .map_err(|_| anyhow::anyhow!("--key must be 32 bytes"))?;
    let text = std::fs::read_to_string(op_path)
        .with_context(|| format!("reading {}", op_path.display()))?;
    let op: L2Op =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", op_path.display()))?;
    let signed = op.sign(&PrivateKey::from_bytes(bytes), domain);
    println!("{}", serde_json::to_string_pretty(&signed)?);
    Ok(())
}

/// Dev keys for a shape, cached across runs (they are slow to make and
/// INSECURE anyway): see `zkroll_node::keys`.
fn cached_dev_keys(shape: CircuitShape) -> Result<ProverKey> {
    let pb = spinner(&format!(
        "loading or making dev keys in {}",
        zkroll_node::keys::dev_key_dir(shape).display()
    ));
    let key = zkroll_node::keys::cached_dev_keys(shape, |dir| {
        pb.println(format!(
            "WARNING: {} — running a development setup into {} (keys for development only)",
            zkroll::prover::DEV_SETUP_LABEL,
            dir.display()
        ));
    });
    pb.finish_and_clear();
    Ok(key?)
}

fn demo(
    out: Option<PathBuf>,
    batches: usize,
    shape: CircuitShape,
    json: bool,
    node: Option<(cmd_l1::NodeArgs, Option<String>)>,
) -> Result<()> {
    if shape.l1_slots == 0 || shape.l2_slots == 0 {
        bail!("the demo needs at least one L1 and one L2 slot");
    }
    let key = cached_dev_keys(shape)?;
    let opts = zkroll::demo::DemoOptions { batches, json };
    let r = cmd_l1::demo(&key, shape, &opts, node)?;
    if let Some(dir) = out {
        zkroll::batch_job::write_files(&dir, &key, &r.last, &r.proof).map_err(|(path, e)| {
            anyhow::Error::new(e).context(format!("writing {}", path.display()))
        })?;
        if !json {
            println!(
                "wrote {0}/verification_key.json, proof.json, public.json, pubdata.hex \
                 (check: zkroll verify --vk {0}/verification_key.json --proof {0}/proof.json --public {0}/public.json)",
                dir.display()
            );
        }
    }
    Ok(())
}
