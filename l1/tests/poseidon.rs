//! The embedded EVM Poseidon (`contracts/Poseidon4.sol`, `Poseidon5.sol`)
//! equals zkroll's native Poseidon (itself checked against circomlibjs's
//! outputs) on the circomlibjs vectors and on random inputs, and costs a
//! fraction of circomlibjs's generated contract. The JavaScript side
//! (`node contracts/scripts/test-poseidon.mjs`) compares it with
//! circomlibjs's own contract and functions too.
//!
//! Gas: `cargo test --release -p zkroll-l1 --test poseidon -- --nocapture`.

use alloy::sol;
use alloy::sol_types::SolCall;
use ark_ff::UniformRand;
use rand::SeedableRng;
use zkroll_l1::{artifacts, Address, Evm, U256};
use zkroll_state::field::fr_to_be_bytes;
use zkroll_state::{Fr, Poseidon};

sol! {
    function poseidon(uint256[4] input) external pure returns (uint256);
}

mod five {
    alloy::sol! {
        function poseidon(uint256[5] input) external pure returns (uint256);
    }
}

/// Execution gas a call may take (the whole exodus exit at depth 16 is 1
/// leaf and 16 node hashes; 600k is its budget).
const GAS_4: u64 = 25_000;
const GAS_5: u64 = 31_000;

fn word(f: &Fr) -> U256 {
    U256::from_be_bytes(fr_to_be_bytes(f))
}

#[test]
fn evm_poseidon_equals_native() {
    let code = artifacts::poseidon().unwrap();
    let mut evm = Evm::new();
    let p4 = evm.deploy(&code.t5).unwrap();
    let p5 = evm.deploy(&code.t6).unwrap();
    let caller = Address::repeat_byte(0xca);
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    let mut inputs4: Vec<[Fr; 4]> = vec![[Fr::from(0u64); 4], [1u64, 2, 3, 4].map(Fr::from)];
    let mut inputs5: Vec<[Fr; 5]> = vec![[Fr::from(0u64); 5], [1u64, 2, 3, 4, 5].map(Fr::from)];
    let minus_one = -Fr::from(1u64);
    inputs4.push([minus_one; 4]);
    inputs5.push([minus_one; 5]);
    for _ in 0..100 {
        inputs4.push([(); 4].map(|_| Fr::rand(&mut rng)));
        inputs5.push([(); 5].map(|_| Fr::rand(&mut rng)));
    }
    let (mut gas4, mut gas5) = (0, 0);
    for x in &inputs4 {
        let data = poseidonCall {
            input: x.map(|f| word(&f)),
        }
        .abi_encode();
        let out = evm.view(caller, p4, &data).unwrap();
        assert_eq!(
            U256::from_be_slice(&out.output),
            word(&Poseidon::hash_n(*x)),
            "{x:?}"
        );
        gas4 = gas4.max(out.execution_gas());
    }
    for x in &inputs5 {
        let data = five::poseidonCall {
            input: x.map(|f| word(&f)),
        }
        .abi_encode();
        let out = evm.view(caller, p5, &data).unwrap();
        assert_eq!(
            U256::from_be_slice(&out.output),
            word(&Poseidon::hash_n(*x)),
            "{x:?}"
        );
        gas5 = gas5.max(out.execution_gas());
    }
    println!("EVM Poseidon execution gas: 4 inputs {gas4}, 5 inputs {gas5}");
    assert!(gas4 <= GAS_4 && gas5 <= GAS_5, "{gas4} / {gas5}");
}
