//! Rollup.sol from Rust: deploys the L1 stack (the embedded verifier with
//! the key as its constructor argument, circomlibjs's Poseidon contracts,
//! Rollup.sol; see [`crate::artifacts`]) into an [`Evm`] and drives
//! it with zkroll batches: deposits into the queue, `submitBatch` from a
//! [`BatchWitness`] and its proof, withdrawals, forced exits and exodus.

use alloy_sol_types::{sol, SolCall, SolValue};
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Proof, VerifyingKey};
use revm::primitives::{Address, FixedBytes, U256};
use zkroll_state::field::fr_to_be_bytes;
use zkroll_state::ops::{OpType, PackedPubkey};
use zkroll_state::pubdata::{CircuitShape, HEADER_BYTES, L1_SLOT_BYTES, L2_SLOT_BYTES};
use zkroll_state::tree::MerklePath;
use zkroll_state::{Account, AccountId, BatchWitness, Domain, QueuedL1Op, TokenId};
use zkroll_verifier::solidity::IMMUTABLE_CONTRACT_NAME;

use crate::artifacts;
use crate::chain::SettledBatch;
use crate::error::L1Error;
use crate::evm::{CallOutcome, Evm};

mod chain;

// Rollup.sol's calls come from the bindings generated from its committed
// ABI; the test contracts (the re-entrancy probe, the ERC-20) are declared
// here.
use crate::abi::Rollup::{
    activateExodusCall, addTokenCall, depositCall, depositNewCall, exodusExitCall, lastBatchCall,
    pendingCall, queueHeadCall, reclaimDepositCall, requestForcedExitCall, stateRootCall,
    submitBatchCall, withdrawCall,
};

sol! {
    function open(bytes32 pubkey, uint128 amount) external payable returns (uint32);
    function cashOut() external;
    function received() external view returns (uint256);
    function reentryFailed() external view returns (bool);
    function mint(address to, uint256 amount) external;
    function approve(address spender, uint256 amount) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
}

fn word(f: &Fr) -> U256 {
    U256::from_be_bytes(fr_to_be_bytes(f))
}

/// The three `submitBatch` byte arguments of a batch: the header, the
/// consumed L1 slots, and the L2 slots without trailing Noops.
pub fn batch_parts(w: &BatchWitness) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let shape = w.config.shape;
    let pd = &w.pubdata;
    let l1_count =
        w.l1.iter()
            .filter(|s| s.slot.op_type != OpType::Noop)
            .count();
    let l1_start = HEADER_BYTES;
    let l2_start = l1_start + shape.l1_slots * L1_SLOT_BYTES;
    let used =
        w.l2.iter()
            .rposition(|s| s.slot.op_type != OpType::Noop)
            .map_or(0, |i| i + 1);
    (
        pd[..HEADER_BYTES].to_vec(),
        pd[l1_start..l1_start + l1_count * L1_SLOT_BYTES].to_vec(),
        pd[l2_start..l2_start + used * L2_SLOT_BYTES].to_vec(),
    )
}

/// The proof as Rollup.sol takes it: a, b (EIP-197 order), c as 8 words.
pub fn proof_words(proof: &Proof<Bn254>) -> [U256; 8] {
    let bytes = zkroll_verifier::solidity::calldata(proof, &[]);
    let mut out = [U256::ZERO; 8];
    for (i, w) in out.iter_mut().enumerate() {
        *w = U256::from_be_slice(&bytes[4 + 32 * i..4 + 32 * (i + 1)]);
    }
    out
}

/// The calldata of `submitBatch` for a batch and its proof.
pub fn submit_batch_calldata(w: &BatchWitness, proof: &Proof<Bn254>) -> Vec<u8> {
    let (header, l1, l2) = batch_parts(w);
    submitBatchCall {
        header: header.into(),
        l1Ops: l1.into(),
        l2Data: l2.into(),
        proof: proof_words(proof),
    }
    .abi_encode()
}

/// Rollup.sol's liveness and fee settings (docs/PROTOCOL.md, "Rollup.sol").
///
/// The queue holds at most `l1_slots * floor(expiry_blocks /
/// batch_interval_blocks)` operations ([`RollupParams::max_queued`]): an
/// operator that settles a batch at least every `batch_interval_blocks`
/// blocks consumes any queued entry within `expiry_blocks`, however many
/// operations an attacker sends, so flooding cannot open exodus; each
/// queued operation pays `l1_op_fee` wei to the operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollupParams {
    /// Blocks a queued L1 operation may wait before exodus can be activated.
    pub expiry_blocks: u64,
    /// The longest the operator commits to go between batches, in blocks.
    pub batch_interval_blocks: u64,
    /// What every queued L1 operation pays the operator, in wei.
    pub l1_op_fee: u128,
}

impl RollupParams {
    /// Defaults for development deployments: 1,000 blocks of expiry
    /// (~3.3 hours at 12 s), a batch at least every 100 blocks (so the
    /// queue holds 10 batches' worth of L1 slots), and 10^14 wei per L1
    /// operation: about what one L1 slot costs the operator to settle
    /// (~10k gas of calldata, queue check and storage refund at 10 gwei).
    pub const DEFAULT: Self = Self {
        expiry_blocks: 1_000,
        batch_interval_blocks: 100,
        l1_op_fee: 100_000_000_000_000,
    };

    /// The most L1 operations the queue holds at once, for `l1_slots` per batch.
    pub fn max_queued(&self, l1_slots: usize) -> u64 {
        l1_slots as u64 * (self.expiry_blocks / self.batch_interval_blocks.max(1))
    }
}

/// Rollup.sol's ABI-encoded constructor arguments.
pub fn rollup_constructor_args(
    verifier: Address,
    poseidon4: Address,
    poseidon5: Address,
    shape: CircuitShape,
    params: &RollupParams,
    genesis: &Fr,
) -> Vec<u8> {
    // Small integers are encoded as full words, as the ABI does for uintN.
    (
        verifier,
        poseidon4,
        poseidon5,
        U256::from(shape.depth),
        U256::from(shape.l1_slots),
        U256::from(shape.l2_slots),
        U256::from(params.expiry_blocks),
        U256::from(params.batch_interval_blocks),
        U256::from(params.l1_op_fee),
        FixedBytes::<32>::from(fr_to_be_bytes(genesis)),
    )
        .abi_encode_params()
}

/// The embedded verifier's creation code for `vk` (its key as the
/// constructor argument); keys with another number of public inputs are
/// refused.
pub fn verifier_creation_code(vk: &VerifyingKey<Bn254>) -> Result<Vec<u8>, L1Error> {
    let n_public = vk.gamma_abc_g1.len().saturating_sub(1);
    if n_public != DEPLOYED_VERIFIER_INPUTS {
        return Err(L1Error::UnsupportedKey { n_public });
    }
    Ok(artifacts::contracts()?
        .get(IMMUTABLE_CONTRACT_NAME)?
        .creation_code(&zkroll_verifier::solidity::key_words(vk)))
}

/// The public inputs of the embedded verifier: a batch's one input, the
/// SHA-256 commitment of its pubdata.
pub const DEPLOYED_VERIFIER_INPUTS: usize = 1;

/// The calldata of `exodusExit` for account `idx` holding `account`, with
/// its path in the last verified tree.
pub fn exodus_exit_calldata(idx: AccountId, account: &Account, path: &MerklePath) -> Vec<u8> {
    exodusExitCall {
        idx,
        nonce: account.nonce,
        balance: account.balance,
        pkX: word(&account.pubkey.x()),
        pkY: word(&account.pubkey.y()),
        siblings: path.siblings.iter().map(|s| s.map(|f| word(&f))).collect(),
    }
    .abi_encode()
}

/// The deployed L1 stack.
pub struct RollupL1 {
    /// The chain.
    pub evm: Evm,
    /// Rollup.sol.
    pub rollup: Address,
    /// The exported verifier.
    pub verifier: Address,
    /// The operator (deployer, the only batch submitter).
    pub operator: Address,
    /// The circuit shape the verifier checks.
    pub shape: CircuitShape,
    /// The deployment's settings.
    pub params: RollupParams,
    /// Every `L1OpQueued` so far, decoded, in serial order.
    queued: Vec<QueuedL1Op>,
    /// Every settled batch so far, in order.
    settled: Vec<SettledBatch>,
}

impl RollupL1 {
    /// Deploys the verifier for `vk`, the Poseidon contracts and Rollup.sol
    /// (settings `params`, genesis root `genesis`, which Rollup.sol refuses
    /// unless it is the empty tree's) on a fresh EVM.
    pub fn deploy(
        vk: &VerifyingKey<Bn254>,
        shape: CircuitShape,
        params: RollupParams,
        genesis: Fr,
    ) -> Result<Self, L1Error> {
        Self::deploy_on(Evm::new(), vk, shape, params, genesis)
    }

    /// [`RollupL1::deploy`] on a given EVM (e.g. one with another chain id).
    pub fn deploy_on(
        mut evm: Evm,
        vk: &VerifyingKey<Bn254>,
        shape: CircuitShape,
        params: RollupParams,
        genesis: Fr,
    ) -> Result<Self, L1Error> {
        let code = verifier_creation_code(vk)?;
        let art = artifacts::contracts()?;
        evm.register_abi(&art.get(IMMUTABLE_CONTRACT_NAME)?.abi);
        let verifier = evm.deploy(&code)?;
        let poseidon = artifacts::poseidon()?;
        let p4 = evm.deploy(&poseidon.t5)?;
        let p5 = evm.deploy(&poseidon.t6)?;
        let args = rollup_constructor_args(verifier, p4, p5, shape, &params, &genesis);
        let rollup = evm.deploy_contract(art.get("Rollup")?, &args)?;
        Ok(Self {
            evm,
            rollup,
            verifier,
            operator: Evm::DEPLOYER,
            shape,
            params,
            queued: Vec::new(),
            settled: Vec::new(),
        })
    }

    /// Calls Rollup.sol from `from` and keeps what a node would read from
    /// its logs: queued L1 operations and settled batches (with the
    /// `submitBatch` calldata that settled them).
    fn call_rollup(
        &mut self,
        from: Address,
        data: &[u8],
        value: U256,
    ) -> Result<CallOutcome, L1Error> {
        let out = self.evm.call(from, self.rollup, data, value)?;
        chain::record_logs(self, data, &out)?;
        Ok(out)
    }

    /// `depositNew` from `from` paying `amount` wei of ETH (token 0) or an
    /// ERC-20 approved beforehand; returns the assigned index.
    pub fn deposit_new(
        &mut self,
        from: Address,
        pubkey: &PackedPubkey,
        token: TokenId,
        amount: u128,
    ) -> Result<(AccountId, CallOutcome), L1Error> {
        let data = depositNewCall {
            pubkey: pubkey.0.into(),
            token,
            amount,
        }
        .abi_encode();
        let fee = U256::from(self.params.l1_op_fee);
        let value = if token == 0 {
            U256::from(amount) + fee
        } else {
            fee
        };
        let out = self.call_rollup(from, &data, value)?;
        let idx =
            depositNewCall::abi_decode_returns(&out.output).map_err(|e| L1Error::Artifact {
                reason: format!("depositNew return: {e}"),
            })?;
        Ok((idx, out))
    }

    /// `deposit` of `amount` wei to account `idx` (an ETH account), with
    /// the L1 fee.
    pub fn deposit(
        &mut self,
        from: Address,
        idx: AccountId,
        amount: u128,
    ) -> Result<CallOutcome, L1Error> {
        let data = depositCall { idx, amount }.abi_encode();
        let value = U256::from(amount) + U256::from(self.params.l1_op_fee);
        self.call_rollup(from, &data, value)
    }

    /// `requestForcedExit(idx)` from the account's owner.
    pub fn request_forced_exit(
        &mut self,
        from: Address,
        idx: AccountId,
    ) -> Result<CallOutcome, L1Error> {
        self.call_rollup(
            from,
            &requestForcedExitCall { idx }.abi_encode(),
            U256::from(self.params.l1_op_fee),
        )
    }

    /// `submitBatch` from the operator.
    pub fn submit_batch(
        &mut self,
        w: &BatchWitness,
        proof: &Proof<Bn254>,
    ) -> Result<CallOutcome, L1Error> {
        let data = submit_batch_calldata(w, proof);
        self.call_rollup(self.operator, &data, U256::ZERO)
    }

    /// `submitBatch` with raw parts (for tests that tamper with them).
    pub fn submit_raw(
        &mut self,
        header: &[u8],
        l1: &[u8],
        l2: &[u8],
        proof: [U256; 8],
    ) -> Result<CallOutcome, L1Error> {
        let data = submitBatchCall {
            header: header.to_vec().into(),
            l1Ops: l1.to_vec().into(),
            l2Data: l2.to_vec().into(),
            proof,
        }
        .abi_encode();
        self.call_rollup(self.operator, &data, U256::ZERO)
    }

    /// `withdraw(token)` from `from`.
    pub fn withdraw(&mut self, from: Address, token: TokenId) -> Result<CallOutcome, L1Error> {
        self.call_rollup(from, &withdrawCall { token }.abi_encode(), U256::ZERO)
    }

    /// `activateExodus()`.
    pub fn activate_exodus(&mut self, from: Address) -> Result<CallOutcome, L1Error> {
        self.call_rollup(from, &activateExodusCall {}.abi_encode(), U256::ZERO)
    }

    /// `exodusExit` for account `idx` holding `account`, with its path in the
    /// last verified tree.
    pub fn exodus_exit(
        &mut self,
        from: Address,
        idx: AccountId,
        account: &Account,
        path: &MerklePath,
    ) -> Result<CallOutcome, L1Error> {
        let data = exodus_exit_calldata(idx, account, path);
        self.call_rollup(from, &data, U256::ZERO)
    }

    /// `reclaimDeposit(serial)`.
    pub fn reclaim_deposit(&mut self, from: Address, serial: u64) -> Result<CallOutcome, L1Error> {
        self.call_rollup(
            from,
            &reclaimDepositCall { serial }.abi_encode(),
            U256::ZERO,
        )
    }

    /// The deployment's signing domain: this EVM's chain id and Rollup.sol's address.
    pub fn domain(&self) -> Domain {
        Domain::new(self.evm.chain_id(), self.rollup.into_array())
    }

    /// A view call to Rollup.sol: its return data.
    pub(crate) fn view_word(&mut self, data: &[u8]) -> Result<Vec<u8>, L1Error> {
        Ok(self.evm.view(self.operator, self.rollup, data)?.output)
    }

    /// The verified state root as 32 bytes.
    pub fn state_root(&mut self) -> Result<[u8; 32], L1Error> {
        let out = self.view_word(&stateRootCall {}.abi_encode())?;
        let mut r = [0u8; 32];
        r.copy_from_slice(&out[..32]);
        Ok(r)
    }

    /// (stateRoot, lastBatch, queueHead): what a refused batch must leave unchanged.
    pub fn snapshot(&mut self) -> Result<([u8; 32], u64, u64), L1Error> {
        let root = self.state_root()?;
        let last =
            U256::from_be_slice(&self.view_word(&lastBatchCall {}.abi_encode())?).to::<u64>();
        let head =
            U256::from_be_slice(&self.view_word(&queueHeadCall {}.abi_encode())?).to::<u64>();
        Ok((root, last, head))
    }

    /// `pending(owner, token)`.
    pub fn pending(&mut self, owner: Address, token: TokenId) -> Result<U256, L1Error> {
        Ok(U256::from_be_slice(
            &self.view_word(
                &pendingCall {
                    _0: owner,
                    _1: token,
                }
                .abi_encode(),
            )?,
        ))
    }

    /// Deploys a test ERC-20, registers it with Rollup.sol and returns
    /// (token contract, token id).
    pub fn deploy_test_token(&mut self) -> Result<(Address, TokenId), L1Error> {
        let art = artifacts::contracts()?;
        let token = self.evm.deploy_contract(art.get("TestToken")?, &[])?;
        let out = self.call_rollup(
            self.operator,
            &addTokenCall { token }.abi_encode(),
            U256::ZERO,
        )?;
        let id = addTokenCall::abi_decode_returns(&out.output).map_err(|e| L1Error::Artifact {
            reason: format!("addToken return: {e}"),
        })?;
        Ok((token, id))
    }

    /// Mints `amount` test tokens to `to` and approves Rollup.sol to pull them.
    pub fn mint_and_approve(
        &mut self,
        token: Address,
        to: Address,
        amount: u128,
    ) -> Result<(), L1Error> {
        let amount = U256::from(amount);
        self.evm
            .call(to, token, &mintCall { to, amount }.abi_encode(), U256::ZERO)?;
        self.evm.call(
            to,
            token,
            &approveCall {
                spender: self.rollup,
                amount,
            }
            .abi_encode(),
            U256::ZERO,
        )?;
        Ok(())
    }

    /// The test token balance of `who`.
    pub fn token_balance(&mut self, token: Address, who: Address) -> Result<U256, L1Error> {
        let out = self
            .evm
            .view(who, token, &balanceOfCall { who }.abi_encode())?;
        Ok(U256::from_be_slice(&out.output))
    }

    /// Deploys the re-entrancy probe (a contract account that re-enters
    /// `withdraw` when paid).
    pub fn deploy_reenter(&mut self) -> Result<Address, L1Error> {
        let art = artifacts::contracts()?;
        let args = (self.rollup,).abi_encode_params();
        self.evm.deploy_contract(art.get("Reenter")?, &args)
    }
}

/// Calldata helpers for the re-entrancy probe.
pub mod reenter {
    use super::*;

    /// `open(pubkey, amount)` with `amount` wei attached.
    pub fn open(pubkey: &PackedPubkey, amount: u128) -> Vec<u8> {
        openCall {
            pubkey: pubkey.0.into(),
            amount,
        }
        .abi_encode()
    }

    /// `cashOut()`.
    pub fn cash_out() -> Vec<u8> {
        cashOutCall {}.abi_encode()
    }

    /// `received()`.
    pub fn received() -> Vec<u8> {
        receivedCall {}.abi_encode()
    }

    /// `reentryFailed()`.
    pub fn reentry_failed() -> Vec<u8> {
        reentryFailedCall {}.abi_encode()
    }
}
