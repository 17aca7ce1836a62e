//! An in-process Ethereum: revm (mainnet rules, Osaka by default) over an
//! in-memory database. Transactions are executed and committed one by one;
//! gas price and base fee are 0, so balances move only by value transfers.

use revm::context::result::{ExecutionResult, Output};
use revm::context::TxEnv;
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainBuilder, MainnetContext, MainnetEvm};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{keccak256, Address, Bytes, Log, TxKind, U256};
use revm::state::AccountInfo;
use revm::{DatabaseRef, ExecuteCommitEvm, ExecuteEvm};

use crate::compile::Contract;
use crate::error::{DecodedError, ErrorRegistry, L1Error, Revert};

/// Gas every transaction pays before execution.
pub const TX_BASE_GAS: u64 = 21_000;

/// The intrinsic gas of a call transaction with `calldata` and no access
/// list: 21,000 plus 16 per non-zero and 4 per zero calldata byte (EIP-2028).
pub fn intrinsic_gas(calldata: &[u8]) -> u64 {
    let zeros = calldata.iter().filter(|b| **b == 0).count() as u64;
    let non_zeros = calldata.len() as u64 - zeros;
    TX_BASE_GAS + 4 * zeros + 16 * non_zeros
}

/// The EIP-7623 floor of a call transaction with `calldata` (Prague and
/// later): 21,000 plus 10 per calldata token (a zero byte is 1 token, a
/// non-zero byte 4). A transaction whose execution is cheaper than the
/// difference pays the floor instead.
pub fn floor_gas(calldata: &[u8]) -> u64 {
    let zeros = calldata.iter().filter(|b| **b == 0).count() as u64;
    let non_zeros = calldata.len() as u64 - zeros;
    TX_BASE_GAS + 10 * (zeros + 4 * non_zeros)
}

/// The 4-byte selector of a Solidity signature such as `ProofInvalid()`.
pub fn selector(signature: &str) -> [u8; 4] {
    let h = keccak256(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

/// The result of a successful call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// The returned data.
    pub output: Vec<u8>,
    /// Gas used by the whole transaction (what a receipt shows, after
    /// refunds): intrinsic gas plus execution.
    pub gas_used: u64,
    /// The transaction's intrinsic gas ([`intrinsic_gas`] of the calldata).
    pub intrinsic_gas: u64,
    /// The logs emitted.
    pub logs: Vec<Log>,
}

impl CallOutcome {
    /// Gas used by execution alone: the transaction's gas minus the 21,000
    /// base and the calldata cost (0 when the EIP-7623 floor binds, see
    /// [`floor_gas`]).
    pub fn execution_gas(&self) -> u64 {
        self.gas_used.saturating_sub(self.intrinsic_gas)
    }
}

type Inner = MainnetEvm<MainnetContext<CacheDB<EmptyDB>>>;

/// An in-memory chain to deploy and call contracts in. Reverts are
/// [`L1Error::Reverted`] with the revert data, decoded for `Error(string)`,
/// `Panic(uint256)` and every custom error registered with
/// [`Evm::register_abi`] / [`Evm::register_error`] (or deployed with
/// [`Evm::deploy_contract`]).
pub struct Evm {
    inner: Inner,
    errors: ErrorRegistry,
}

impl std::fmt::Debug for Evm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evm")
            .field("spec", &self.spec())
            .field("known_errors", &self.errors.len())
            .finish_non_exhaustive()
    }
}

impl Default for Evm {
    fn default() -> Self {
        Self::new()
    }
}

impl Evm {
    /// The account [`Evm::deploy`] deploys from.
    pub const DEPLOYER: Address = Address::new([0xd0; 20]);

    /// A chain with mainnet rules of the current fork (Osaka).
    pub fn new() -> Self {
        Self::with_spec(SpecId::OSAKA)
    }

    /// A chain with mainnet rules (and gas costs) of fork `spec`.
    pub fn with_spec(spec: SpecId) -> Self {
        let ctx = MainnetContext::new(CacheDB::new(EmptyDB::new()), spec);
        Self {
            inner: ctx.build_mainnet(),
            errors: ErrorRegistry::new(),
        }
    }

    /// The fork whose rules apply.
    pub fn spec(&self) -> SpecId {
        self.inner.ctx.cfg.spec
    }

    /// The chain id transactions see (`block.chainid`).
    pub fn chain_id(&self) -> u64 {
        self.inner.ctx.cfg.chain_id
    }

    /// Sets the chain id transactions see (a second chain in tests).
    pub fn set_chain_id(&mut self, chain_id: u64) {
        self.inner.ctx.cfg.chain_id = chain_id;
    }

    /// Sets the block number and timestamp seen by the next transactions.
    pub fn set_block(&mut self, number: u64, timestamp: u64) {
        self.inner.ctx.block.number = U256::from(number);
        self.inner.ctx.block.timestamp = U256::from(timestamp);
    }

    fn db(&self) -> &CacheDB<EmptyDB> {
        &self.inner.ctx.journaled_state.database
    }

    fn account(&self, who: Address) -> AccountInfo {
        // The database is infallible (EmptyDB under an in-memory cache).
        self.db().basic_ref(who).ok().flatten().unwrap_or_default()
    }

    /// The balance of `who`, in wei.
    pub fn balance(&self, who: Address) -> U256 {
        self.account(who).balance
    }

    /// The nonce of `who`.
    pub fn nonce(&self, who: Address) -> u64 {
        self.account(who).nonce
    }

    /// The runtime code of `who` (empty for an externally owned account).
    pub fn code(&self, who: Address) -> Vec<u8> {
        self.account(who)
            .code
            .map(|c| c.original_bytes().to_vec())
            .unwrap_or_default()
    }

    /// Sets the balance of `who` (creating the account if needed).
    pub fn set_balance(&mut self, who: Address, wei: U256) {
        let mut info = self.account(who);
        info.balance = wei;
        self.inner
            .ctx
            .journaled_state
            .database
            .insert_account_info(who, info);
    }

    /// Adds `wei` to the balance of `who` (saturating), as a faucet would.
    pub fn fund(&mut self, who: Address, wei: U256) {
        let balance = self.balance(who).saturating_add(wei);
        self.set_balance(who, balance);
    }

    /// Makes reverts with this error decodable, e.g. `ProofInvalid()` or
    /// `InputNotInField(uint256)` (canonical types, no names or spaces).
    pub fn register_error(&mut self, signature: &str) {
        self.errors.register(signature);
    }

    /// Registers every custom error of a contract's ABI.
    pub fn register_abi(&mut self, abi: &serde_json::Value) {
        self.errors.register_abi(abi);
    }

    /// Decodes revert data by its selector, if known.
    pub fn decode_error(&self, data: &[u8]) -> Option<DecodedError> {
        self.errors.decode(data)
    }

    /// Deploys `creation_code` (creation bytecode followed by ABI-encoded
    /// constructor arguments) from [`Evm::DEPLOYER`]; returns the new address.
    pub fn deploy(&mut self, creation_code: &[u8]) -> Result<Address, L1Error> {
        self.deploy_from(Self::DEPLOYER, creation_code, U256::ZERO)
    }

    /// Deploys a compiled contract with ABI-encoded `constructor_args` and
    /// registers its custom errors.
    pub fn deploy_contract(
        &mut self,
        contract: &Contract,
        constructor_args: &[u8],
    ) -> Result<Address, L1Error> {
        self.register_abi(&contract.abi);
        self.deploy(&contract.creation_code(constructor_args))
    }

    /// Deploys `creation_code` from `from`, sending `value` wei.
    pub fn deploy_from(
        &mut self,
        from: Address,
        creation_code: &[u8],
        value: U256,
    ) -> Result<Address, L1Error> {
        let result = self.execute(from, TxKind::Create, creation_code, value, true)?;
        match result {
            ExecutionResult::Success {
                output: Output::Create(_, Some(address)),
                ..
            } => Ok(address),
            other => self.failure(other).map(|_| Address::ZERO),
        }
    }

    /// Sends a transaction from `from` to `to` with `calldata` and `value`
    /// wei, and commits it. A revert is [`L1Error::Reverted`] (nothing is
    /// committed but the nonce).
    pub fn call(
        &mut self,
        from: Address,
        to: Address,
        calldata: &[u8],
        value: U256,
    ) -> Result<CallOutcome, L1Error> {
        let result = self.execute(from, TxKind::Call(to), calldata, value, true)?;
        self.outcome(result, calldata)
    }

    /// Like [`Evm::call`] but nothing is committed, not even the nonce (an
    /// `eth_call`).
    pub fn view(
        &mut self,
        from: Address,
        to: Address,
        calldata: &[u8],
    ) -> Result<CallOutcome, L1Error> {
        let result = self.execute(from, TxKind::Call(to), calldata, U256::ZERO, false)?;
        self.outcome(result, calldata)
    }

    fn execute(
        &mut self,
        from: Address,
        kind: TxKind,
        data: &[u8],
        value: U256,
        commit: bool,
    ) -> Result<ExecutionResult, L1Error> {
        let tx = TxEnv::builder()
            .caller(from)
            .kind(kind)
            .data(Bytes::copy_from_slice(data))
            .value(value)
            .nonce(self.nonce(from))
            .gas_price(0)
            .chain_id(Some(self.inner.ctx.cfg.chain_id))
            .build()
            .map_err(|e| L1Error::Evm(format!("{e:?}")))?;
        let result = if commit {
            self.inner.transact_commit(tx)
        } else {
            self.inner.transact(tx).map(|r| r.result)
        };
        result.map_err(|e| L1Error::Evm(e.to_string()))
    }

    fn outcome(&self, result: ExecutionResult, calldata: &[u8]) -> Result<CallOutcome, L1Error> {
        match result {
            ExecutionResult::Success {
                gas, output, logs, ..
            } => Ok(CallOutcome {
                output: output.into_data().to_vec(),
                gas_used: gas.tx_gas_used(),
                intrinsic_gas: intrinsic_gas(calldata),
                logs,
            }),
            other => self.failure(other).map(|_| unreachable!()),
        }
    }

    /// The error for a result that is not a success.
    fn failure(&self, result: ExecutionResult) -> Result<(), L1Error> {
        match result {
            ExecutionResult::Revert { gas, output, .. } => {
                Err(L1Error::Reverted(Box::new(Revert {
                    error: self.decode_error(&output),
                    data: output.to_vec(),
                    gas_used: gas.tx_gas_used(),
                })))
            }
            ExecutionResult::Halt { reason, gas, .. } => Err(L1Error::Halted {
                reason: format!("{reason:?}"),
                gas_used: gas.tx_gas_used(),
            }),
            ExecutionResult::Success { .. } => Err(L1Error::Evm(
                "a creation succeeded without creating an account".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intrinsic_gas_matches_revm() {
        // A call to an account without code costs its intrinsic gas, or the
        // EIP-7623 floor, which is higher without execution.
        let mut evm = Evm::new();
        let from = Address::new([1; 20]);
        let to = Address::new([2; 20]);
        let data = [0u8, 1, 0, 0, 7, 255];
        let out = evm.call(from, to, &data, U256::ZERO).unwrap();
        assert_eq!(out.intrinsic_gas, 21_000 + 4 * 3 + 16 * 3);
        assert_eq!(out.gas_used, floor_gas(&data));
        assert_eq!(floor_gas(&data), 21_000 + 10 * (3 + 4 * 3));
        // Before Prague there is no floor.
        let mut old = Evm::with_spec(SpecId::CANCUN);
        let out = old.call(from, to, &data, U256::ZERO).unwrap();
        assert_eq!(out.gas_used, out.intrinsic_gas);
        assert_eq!(out.execution_gas(), 0);
        assert_eq!(evm.nonce(from), 1);
    }

    #[test]
    fn balances_move_by_value_only() {
        let mut evm = Evm::new();
        let a = Address::new([1; 20]);
        let b = Address::new([2; 20]);
        evm.fund(a, U256::from(1000));
        evm.fund(a, U256::from(500));
        assert_eq!(evm.balance(a), U256::from(1500));
        evm.call(a, b, &[], U256::from(600)).unwrap();
        assert_eq!(evm.balance(a), U256::from(900));
        assert_eq!(evm.balance(b), U256::from(600));
        // Not enough funds: refused before execution, nothing changes.
        assert!(matches!(
            evm.call(b, a, &[], U256::from(601)),
            Err(L1Error::Evm(_))
        ));
        assert_eq!(evm.balance(b), U256::from(600));
    }

    #[test]
    fn reverts_are_decoded() {
        let mut evm = Evm::new();
        // Runtime code: mstore(0, shl(224, selector("Oops(uint256)"))), mstore(4, 42), revert(0, 0x24)
        let sel = selector("Oops(uint256)");
        let mut runtime = vec![0x63];
        runtime.extend(sel);
        runtime.extend([0x60, 0xe0, 0x1b, 0x5f, 0x52]); // PUSH1 224 SHL PUSH0 MSTORE
        runtime.extend([0x60, 42, 0x60, 4, 0x52]); // PUSH1 42 PUSH1 4 MSTORE
        runtime.extend([0x60, 0x24, 0x5f, 0xfd]); // PUSH1 0x24 PUSH0 REVERT
                                                  // Init code: copy the runtime after it and return it.
        let n = runtime.len() as u8;
        let mut init = vec![0x60, n, 0x60, 12, 0x5f, 0x39, 0x60, n, 0x5f, 0xf3];
        init.resize(12, 0);
        init.extend(&runtime);
        let at = evm.deploy(&init).unwrap();
        assert_eq!(evm.code(at), runtime);
        let who = Address::new([3; 20]);
        let err = evm.call(who, at, &[], U256::ZERO).unwrap_err();
        let revert = err.revert().expect("a revert");
        assert_eq!(revert.selector(), Some(sel));
        assert_eq!(revert.name(), None);
        evm.register_error("Oops(uint256)");
        let err = evm.view(who, at, &[]).unwrap_err();
        let e = err.revert().unwrap().error.clone().unwrap();
        assert_eq!(e.name, "Oops");
        assert_eq!(e.words, vec![U256::from(42)]);
        assert!(err.to_string().contains("Oops(42)"), "{err}");
    }
}
