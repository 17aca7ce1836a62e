//! Deploying the L1 stack on a live node: the embedded verifier with the
//! key as its constructor argument, circomlibjs's Poseidon contracts and
//! Rollup.sol, each a signed transaction from the operator, who becomes
//! the rollup's only batch submitter.

use alloy::primitives::{Address, U256};
use alloy::signers::local::PrivateKeySigner;
use ark_bn254::{Bn254, Fr};
use ark_groth16::VerifyingKey;
use serde::Serialize;
use zkroll_state::pubdata::CircuitShape;

use super::{provider, rollup_errors, send, RpcChain, RpcConfig};
use crate::artifacts;
use crate::error::L1Error;
use crate::rollup::{rollup_constructor_args, verifier_creation_code, RollupParams};

/// What to deploy.
#[derive(Clone, Debug)]
pub struct DeployParams {
    /// The circuit shape the verification key is for.
    pub shape: CircuitShape,
    /// Expiry, batch interval and L1 fee.
    pub params: RollupParams,
    /// The genesis state root: the empty tree of the shape's depth (Rollup.sol
    /// refuses any other).
    pub genesis: Fr,
}

/// Where everything landed, and what it cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deployment {
    /// The L1 chain id.
    pub chain_id: u64,
    /// Rollup.sol.
    pub rollup: Address,
    /// The verifier.
    pub verifier: Address,
    /// Poseidon for 4 inputs (tree nodes).
    pub poseidon4: Address,
    /// Poseidon for 5 inputs (leaves).
    pub poseidon5: Address,
    /// The operator (deployer).
    pub operator: Address,
    /// The block Rollup.sol was created in (where log scans can start).
    pub block: u64,
    /// Gas of the four deployments, in the order above.
    pub gas: [u64; 4],
}

/// Deploys the stack at `url` from `operator` and returns a client for it.
pub async fn deploy(
    url: &str,
    operator: PrivateKeySigner,
    vk: &VerifyingKey<Bn254>,
    params: &DeployParams,
    config: RpcConfig,
) -> Result<(Deployment, RpcChain), L1Error> {
    let provider = provider(url)?;
    let from = operator.address();
    let chain_id = alloy::providers::Provider::get_chain_id(&provider)
        .await
        .map_err(|e| super::rpc(url, "eth_chainId", e))?;
    if let Some(expected) = config.expected_chain_id {
        if expected != chain_id {
            return Err(L1Error::WrongChainId {
                expected,
                got: chain_id,
            });
        }
    }
    // A client with no rollup yet, to send the deployments.
    let mut chain = RpcChain {
        url: url.to_string(),
        provider,
        wallet: Some(alloy::network::EthereumWallet::from(operator.clone())),
        signers: [from].into_iter().collect(),
        operator: from,
        rollup: Address::ZERO,
        shape: params.shape,
        l1_op_fee: params.params.l1_op_fee,
        chain_id,
        config: config.clone(),
        errors: rollup_errors()?,
        queue: Default::default(),
        journal: None,
    };
    let mut create = async |code: Vec<u8>, what: &str| -> Result<(Address, u64, u64), L1Error> {
        let (out, receipt) = send::send(&mut chain, from, None, code, U256::ZERO).await?;
        let at = receipt.contract_address.ok_or_else(|| L1Error::Artifact {
            reason: format!("deploying {what}: the receipt names no contract"),
        })?;
        Ok((at, out.gas_used, out.block))
    };
    let (verifier, g_v, _) = create(verifier_creation_code(vk)?, "the verifier").await?;
    let poseidon = artifacts::poseidon()?;
    let (p4, g4, _) = create(poseidon.t5, "Poseidon (4 inputs)").await?;
    let (p5, g5, _) = create(poseidon.t6, "Poseidon (5 inputs)").await?;
    let args = rollup_constructor_args(
        verifier,
        p4,
        p5,
        params.shape,
        &params.params,
        &params.genesis,
    );
    let rollup_code = artifacts::contracts()?.get("Rollup")?.creation_code(&args);
    let (rollup, g_r, block) = create(rollup_code, "Rollup.sol").await?;
    let deployment = Deployment {
        chain_id,
        rollup,
        verifier,
        poseidon4: p4,
        poseidon5: p5,
        operator: from,
        block,
        gas: [g_v, g4, g5, g_r],
    };
    let config = RpcConfig {
        from_block: block,
        ..config
    };
    let chain = RpcChain::connect(url, vec![operator], rollup, config).await?;
    Ok((deployment, chain))
}
