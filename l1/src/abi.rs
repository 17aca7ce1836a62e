//! Contract bindings generated at compile time by alloy's `sol!` from the
//! committed ABIs (`l1/artifacts/*.abi.json`, golden-checked against the
//! compiler's output): call and return types, events, custom errors, and
//! `#[sol(rpc)]` instances for a live node. The embedded EVM encodes its
//! calls with the same types, so both L1 implementations speak one ABI.

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    Rollup,
    "artifacts/Rollup.abi.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    Groth16ImmutableVerifier,
    "artifacts/Groth16ImmutableVerifier.abi.json"
);
