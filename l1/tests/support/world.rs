//! The revm world the Rollup.sol tests share: the L1 stack deployed with a
//! depth-2 dev key, and the operator's native state beside it.
// Each test binary uses part of this module.
#![allow(dead_code)]

use std::sync::OnceLock;

use ark_bn254::Bn254;
use ark_groth16::Proof;
use rand::SeedableRng;
use zkroll_l1::rollup::RollupL1;
use zkroll_l1::{Address, Evm, L1Error, RollupParams, U256};
use zkroll_prover::{prove, setup, ProverKey};
use zkroll_state::sim::Workload;
use zkroll_state::{
    AccountTree, BatchConfig, BatchWitness, CircuitShape, L1Op, MemStore, QueuedL1Op, Rollup,
    SignedL2Op,
};

pub const SHAPE: CircuitShape = CircuitShape {
    depth: 2,
    l1_slots: 2,
    l2_slots: 2,
};
pub const EXPIRY: u64 = 100;
/// What each queued L1 operation pays the operator in these tests.
pub const FEE: u128 = 1_000;
pub const PARAMS: RollupParams = RollupParams {
    expiry_blocks: EXPIRY,
    batch_interval_blocks: 10,
    l1_op_fee: FEE,
};

pub fn key() -> &'static ProverKey {
    static KEY: OnceLock<ProverKey> = OnceLock::new();
    KEY.get_or_init(|| setup(SHAPE, &mut rand::rngs::StdRng::seed_from_u64(5)).expect("setup"))
}

pub fn user(n: u8) -> Address {
    Address::new([n; 20])
}

/// The L1 stack and a native mirror of the operator's state.
pub struct World {
    pub l1: RollupL1,
    pub state: Rollup<MemStore>,
    pub w: Workload,
    pub queued: Vec<QueuedL1Op>,
}

impl World {
    /// Operator's fee account (idx 0), alice (idx 1, 5000 wei), bob (idx 2, 3000 wei).
    pub fn new() -> Self {
        Self::deploy(PARAMS)
    }

    /// A world deployed with `params`.
    pub fn deploy(params: RollupParams) -> Self {
        Self::deploy_on(Evm::new(), params)
    }

    /// A world deployed with `params` on `evm` (another chain id, or a
    /// deployer nonce that puts Rollup.sol at another address).
    pub fn deploy_on(evm: Evm, params: RollupParams) -> Self {
        let genesis = AccountTree::new(SHAPE.depth).unwrap().root();
        let mut l1 =
            RollupL1::deploy_on(evm, &key().pk.vk, SHAPE, params, genesis).expect("deploy");
        let domain = l1.domain();
        for u in 1..=4 {
            l1.evm.fund(user(u), U256::from(10u64).pow(U256::from(20)));
        }
        let mut world = Self {
            l1,
            state: Rollup::open(MemStore::new(), SHAPE.depth, false).unwrap(),
            w: Workload::new(3, domain),
            queued: vec![],
        };
        world.deposit_new(user(1), 1);
        world.deposit_new(user(2), 5000);
        world.deposit_new(user(3), 3000);
        world
    }

    /// depositNew on L1 with a fresh workload key; the native queue gets the same op.
    pub fn deposit_new(&mut self, from: Address, amount: u128) -> u64 {
        let q = self.w.deposit_new(0, amount);
        let L1Op::DepositNew { idx, pubkey, .. } = q.op else {
            unreachable!()
        };
        let (got, out) = self
            .l1
            .deposit_new(from, &pubkey, 0, amount)
            .expect("depositNew");
        assert_eq!(got, idx, "L1 and the operator assign the same index");
        println!("gas depositNew: {}", out.gas_used);
        self.queued.push(q);
        q.serial
    }

    /// Takes the next `n` queued L1 ops.
    pub fn next_l1(&self, n: usize) -> Vec<QueuedL1Op> {
        let from = self.state.l1_next() as usize;
        self.queued[from..(from + n).min(self.queued.len())].to_vec()
    }

    /// The operator's batch settings for this deployment.
    pub fn config(&self) -> BatchConfig {
        BatchConfig {
            shape: SHAPE,
            fee_account: 0,
            domain: self.l1.domain(),
        }
    }

    /// Applies and proves a batch natively (not yet submitted).
    pub fn batch(&mut self, l1: &[QueuedL1Op], l2: &[SignedL2Op]) -> (BatchWitness, Proof<Bn254>) {
        let wit = self
            .state
            .apply_batch(&self.config(), l1, l2)
            .expect("native batch");
        let p = prove(
            key(),
            &wit,
            &mut rand::rngs::StdRng::seed_from_u64(wit.batch_number),
        )
        .expect("prove");
        (wit, p.proof)
    }

    pub fn submit(&mut self, wit: &BatchWitness, proof: &Proof<Bn254>) -> u64 {
        let out = self.l1.submit_batch(wit, proof).expect("submitBatch");
        println!(
            "submitBatch {}: total {} = intrinsic {} + execution {}",
            wit.batch_number,
            out.gas_used,
            out.intrinsic_gas,
            out.execution_gas()
        );
        out.gas_used
    }
}

pub fn revert_name(e: L1Error) -> String {
    e.revert()
        .and_then(|r| r.name().map(str::to_string))
        .unwrap_or_else(|| format!("{e}"))
}

/// Asserts `f` reverts with `name` and the contract's state did not move.
pub fn refused(
    world: &mut World,
    name: &str,
    f: impl FnOnce(&mut RollupL1) -> Result<zkroll_l1::CallOutcome, L1Error>,
) {
    let before = world.l1.snapshot().unwrap();
    let err = f(&mut world.l1).expect_err("must revert");
    let got = revert_name(err);
    assert!(got.contains(name), "expected {name}, got {got}");
    assert_eq!(
        world.l1.snapshot().unwrap(),
        before,
        "state moved after {name}"
    );
}
