//! What the live tests share: the shape and its seeded key, anvil (or a
//! printed skip), the dev signers, a deployment, and the operator's native
//! state.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use alloy::primitives::Address;
use alloy::signers::local::PrivateKeySigner;
use ark_bn254::Bn254;
use ark_groth16::Proof;
use rand::SeedableRng;
use zkroll_l1::anvil::{Anvil, DEV_KEYS};
use zkroll_l1::rpc::deploy::{deploy, DeployParams, Deployment};
use zkroll_l1::rpc::{parse_key, RpcChain, RpcConfig};
use zkroll_l1::RollupChain;
use zkroll_l1::RollupParams;
use zkroll_prover::{prove, setup, ProverKey};
use zkroll_state::sim::Workload;
use zkroll_state::{
    AccountTree, BatchConfig, BatchWitness, CircuitShape, Domain, L1Op, MemStore, QueuedL1Op,
    Rollup, SignedL2Op,
};

pub const L1_CHAIN: u64 = 31337;
pub const SHAPE: CircuitShape = CircuitShape {
    depth: 2,
    l1_slots: 2,
    l2_slots: 2,
};
pub const EXPIRY: u64 = 1_000;
/// What each queued L1 operation pays the operator in these tests.
pub const FEE: u128 = 1_000_000;

pub fn key() -> &'static ProverKey {
    static KEY: OnceLock<ProverKey> = OnceLock::new();
    KEY.get_or_init(|| setup(SHAPE, &mut rand::rngs::StdRng::seed_from_u64(5)).expect("setup"))
}

/// anvil, or None (a printed skip) when it is not installed and not required.
pub fn anvil(test: &str, args: &[&str]) -> Option<Anvil> {
    let bin = std::env::var_os("ZKROLL_ANVIL").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../contracts/node_modules/.bin/anvil"),
        PathBuf::from,
    );
    let required = std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var_os("ZKROLL_REQUIRE_ANVIL").is_some();
    if !bin.exists() {
        assert!(
            !required,
            "{test}: anvil is required but {} is missing (run npm ci --prefix contracts)",
            bin.display()
        );
        println!(
            "SKIPPED {test}: no anvil at {} (npm ci --prefix contracts)",
            bin.display()
        );
        return None;
    }
    Some(Anvil::spawn(&bin, L1_CHAIN, args).expect("anvil starts"))
}

pub fn signer(i: usize) -> PrivateKeySigner {
    parse_key("dev key", DEV_KEYS[i]).unwrap()
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

pub fn fast(confirmations: u64) -> RpcConfig {
    RpcConfig {
        confirmations,
        resend_after: Duration::from_secs(2),
        poll_interval: Duration::from_millis(50),
        expected_chain_id: Some(L1_CHAIN),
        ..RpcConfig::default()
    }
}

/// A deployment at depth 2 with the operator (dev key 0) and two users
/// (dev keys 1 and 2) registered.
pub async fn deployed(node: &Anvil, confirmations: u64) -> (Deployment, RpcChain) {
    let params = DeployParams {
        shape: SHAPE,
        params: RollupParams {
            expiry_blocks: EXPIRY,
            batch_interval_blocks: 10,
            l1_op_fee: FEE,
        },
        genesis: AccountTree::new(SHAPE.depth).unwrap().root(),
    };
    let (d, _) = deploy(
        &node.url(),
        signer(0),
        &key().pk.vk,
        &params,
        fast(confirmations),
    )
    .await
    .expect("deploy");
    let chain = RpcChain::connect(
        &node.url(),
        vec![signer(0), signer(1), signer(2)],
        d.rollup,
        RpcConfig {
            from_block: d.block,
            ..fast(confirmations)
        },
    )
    .await
    .expect("connect");
    (d, chain)
}

/// The operator's native state and a workload that signs as the users.
pub struct Operator {
    pub state: Rollup<MemStore>,
    pub w: Workload,
    pub config: BatchConfig,
}

impl Operator {
    /// The operator of the deployment `domain` (from `RollupChain::domain`).
    pub fn new(domain: Domain) -> Self {
        Self {
            state: Rollup::open(MemStore::new(), SHAPE.depth, false).unwrap(),
            w: Workload::new(3, domain),
            config: BatchConfig {
                shape: SHAPE,
                fee_account: 0,
                domain,
            },
        }
    }

    pub fn prove(&mut self, l1: &[QueuedL1Op], l2: &[SignedL2Op]) -> (BatchWitness, Proof<Bn254>) {
        let wit = self
            .state
            .apply_batch(&self.config, l1, l2)
            .expect("native batch");
        let p = prove(
            key(),
            &wit,
            &mut rand::rngs::StdRng::seed_from_u64(wit.batch_number),
        )
        .expect("prove");
        (wit, p.proof)
    }
}

/// depositNew of a fresh workload key from `from`; checks the index L1
/// assigns is the one the operator predicts.
pub async fn deposit(
    chain: &mut RpcChain,
    op: &mut Operator,
    from: Address,
    amount: u128,
) -> QueuedL1Op {
    let q = op.w.deposit_new(0, amount);
    let L1Op::DepositNew { idx, pubkey, .. } = q.op else {
        unreachable!()
    };
    let (got, out) = chain
        .deposit_new(from, pubkey, 0, amount)
        .await
        .expect("depositNew");
    assert_eq!(got, idx);
    println!("depositNew gas {} (block {})", out.gas_used, out.block);
    q
}
