//! The Solidity verifier rendered for the fixture key
//! (`verifier/tests/fixtures`), compiled with solc-js and run in revm: the
//! fixture proof verifies within the gas budget, and every tampered twin
//! reverts with its own error.
//!
//! Gas figures: `cargo test --release -p zkroll-l1 --test verifier -- --nocapture`.
//! Needs Node.js and `npm ci --prefix contracts` (scripts/test.sh runs it);
//! without them these tests fail, they do not skip.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::Field;
use zkroll_l1::{artifacts as embedded, compile_in, Address, Artifacts, Evm, L1Error, U256};
use zkroll_verifier::snarkjs::{public_from_json, ProofJson, VerificationKeyJson};
use zkroll_verifier::solidity::{
    calldata, function_signature, key_words, render_immutable_verifier, render_verifier, selector,
    CONTRACT_NAME, ERROR_INPUT_NOT_IN_FIELD, ERROR_PROOF_INVALID, IMMUTABLE_CONTRACT_NAME,
};
use zkroll_verifier::{verify, Proof, VerifyingKey};

/// verifyProof with one public input: 4-pair pairing (181,000) + one ecMul
/// and ecAdd (6,150) + overhead; snarkjs's template measures 188,922.
const EXECUTION_GAS_BUDGET: u64 = 189_000;

/// The BN254 scalar-field modulus r.
const R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
/// The BN254 base-field modulus q.
const Q: &str = "21888242871839275222246405745257275088696311157297823662689037894645226208583";

const CALLER: Address = Address::repeat_byte(0xca);

/// Compiles Solidity files with the repository's solc-js.
fn compile(sources: &[&Path]) -> Result<Artifacts, L1Error> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    compile_in(&root, sources)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../verifier/tests/fixtures")
        .join(name)
}

fn read<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

fn key() -> VerifyingKey<Bn254> {
    read::<VerificationKeyJson>("verification_key.json")
        .to_key()
        .unwrap()
}

fn proof() -> (Proof<Bn254>, Vec<Fr>) {
    let proof = read::<ProofJson>("proof.json").to_proof().unwrap();
    let public = public_from_json(&read::<Vec<String>>("public.json")).unwrap();
    (proof, public)
}

/// The rendered verifier, compiled once per test binary.
fn artifacts() -> &'static Artifacts {
    static ARTIFACTS: OnceLock<Artifacts> = OnceLock::new();
    ARTIFACTS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Verifier.sol");
        std::fs::write(&path, render_verifier(&key())).unwrap();
        compile(&[path.as_path()])
            .unwrap_or_else(|e| panic!("compiling the rendered verifier: {e}"))
    })
}

/// Which verifier a test runs: the standalone export (key in constants,
/// compiled here) or the embedded one (key as constructor argument).
#[derive(Clone, Copy, Debug)]
enum Kind {
    Rendered,
    Embedded,
}

const BOTH: [Kind; 2] = [Kind::Rendered, Kind::Embedded];

/// A fresh chain with the verifier of `kind` deployed for the fixture key.
fn deployed_kind(kind: Kind) -> (Evm, Address) {
    let (contract, args) = match kind {
        Kind::Rendered => (artifacts().get(CONTRACT_NAME).unwrap(), vec![]),
        Kind::Embedded => (
            embedded::contracts()
                .unwrap()
                .get(IMMUTABLE_CONTRACT_NAME)
                .unwrap(),
            key_words(&key()),
        ),
    };
    // solc's selector is the one `calldata` uses.
    assert_eq!(
        contract.selector(&function_signature(1)),
        Some(selector(&function_signature(1)))
    );
    let mut evm = Evm::new();
    let at = evm.deploy_contract(contract, &args).unwrap();
    (evm, at)
}

/// A fresh chain with the standalone verifier deployed.
fn deployed() -> (Evm, Address) {
    deployed_kind(Kind::Rendered)
}

fn u256(s: &str) -> U256 {
    s.parse().unwrap()
}

/// Calldata word `i` (0 = a.x, ..., 8 = input[0]).
fn word(data: &[u8], i: usize) -> U256 {
    U256::from_be_slice(&data[4 + 32 * i..4 + 32 * (i + 1)])
}

fn set_word(data: &mut [u8], i: usize, v: U256) {
    data[4 + 32 * i..4 + 32 * (i + 1)].copy_from_slice(&v.to_be_bytes::<32>());
}

/// Calls verifyProof of both verifiers with `data`; the revert's decoded
/// error name and words, the same for both.
fn expect_revert(data: &[u8]) -> (String, Vec<U256>) {
    let outcomes: Vec<_> = BOTH
        .iter()
        .map(|&kind| {
            let (mut evm, at) = deployed_kind(kind);
            match evm.call(CALLER, at, data, U256::ZERO) {
                Err(L1Error::Reverted(r)) => {
                    let e = r
                        .error
                        .unwrap_or_else(|| panic!("{kind:?}: undecoded revert data {:?}", r.data));
                    (e.name, e.words)
                }
                other => panic!("{kind:?}: expected a revert, got {other:?}"),
            }
        })
        .collect();
    assert_eq!(outcomes[0], outcomes[1], "the two verifiers disagree");
    outcomes[0].clone()
}

fn assert_proof_invalid(what: &str, data: &[u8]) {
    let (name, words) = expect_revert(data);
    assert_eq!(name, "ProofInvalid", "{what}");
    assert!(words.is_empty(), "{what}");
    assert_eq!(
        &zkroll_l1::selector(ERROR_PROOF_INVALID),
        &selector(ERROR_PROOF_INVALID)
    );
}

#[test]
fn fixture_proof_verifies_within_the_gas_budget() {
    for kind in BOTH {
        fixture_proof_verifies_within_the_gas_budget_on(kind);
    }
}

fn fixture_proof_verifies_within_the_gas_budget_on(kind: Kind) {
    let (proof, public) = proof();
    verify(&key(), &public, &proof).unwrap();
    let data = calldata(&proof, &public);
    let (mut evm, at) = deployed_kind(kind);
    let out = evm
        .call(CALLER, at, &data, U256::ZERO)
        .unwrap_or_else(|e| panic!("{kind:?}: verifyProof refused the fixture proof: {e}"));
    assert!(out.output.is_empty());
    println!(
        "{kind:?} verifier (spec {:?}): runtime {} bytes",
        evm.spec(),
        evm.code(at).len()
    );
    println!(
        "{kind:?} verifyProof, 1 public input: execution gas {} (budget {EXECUTION_GAS_BUDGET}); \
         whole transaction {} = 21000 base + {} calldata ({} bytes) + execution",
        out.execution_gas(),
        out.gas_used,
        out.intrinsic_gas - 21_000,
        data.len()
    );
    assert!(
        out.execution_gas() <= EXECUTION_GAS_BUDGET,
        "{kind:?}: verifyProof used {} execution gas, budget {EXECUTION_GAS_BUDGET}",
        out.execution_gas()
    );
    // A view call agrees and commits nothing.
    let nonce = evm.nonce(CALLER);
    let view = evm.view(CALLER, at, &data).unwrap();
    assert_eq!(view.gas_used, out.gas_used);
    assert_eq!(evm.nonce(CALLER), nonce);
}

#[test]
fn public_input_plus_one_is_proof_invalid() {
    let (proof, public) = proof();
    assert_proof_invalid(
        "input + 1",
        &calldata(&proof, &[public[0] + Fr::from(1u64)]),
    );
}

#[test]
fn public_input_plus_r_is_not_in_field() {
    let (proof, public) = proof();
    let mut data = calldata(&proof, &public);
    let x = word(&data, 8);
    set_word(&mut data, 8, x + u256(R));
    let (name, words) = expect_revert(&data);
    assert_eq!(name, "InputNotInField");
    assert_eq!(words, vec![U256::ZERO]);
    assert_eq!(
        zkroll_l1::selector(ERROR_INPUT_NOT_IN_FIELD),
        selector(ERROR_INPUT_NOT_IN_FIELD)
    );
    // r itself is refused too.
    set_word(&mut data, 8, u256(R));
    assert_eq!(expect_revert(&data).0, "InputNotInField");
}

#[test]
fn proof_a_and_c_swapped_is_proof_invalid() {
    let (proof, public) = proof();
    let swapped = Proof {
        a: proof.c,
        b: proof.b,
        c: proof.a,
    };
    assert_proof_invalid("A and C swapped", &calldata(&swapped, &public));
}

#[test]
fn point_off_the_curve_is_proof_invalid() {
    let (proof, public) = proof();
    let good = calldata(&proof, &public);
    // A = (x, y + 1) and C = (x, y + 1) are not on the curve; neither is B
    // with y.c0 + 1.
    for (what, i) in [
        ("A off the curve", 1),
        ("B off the twist", 5),
        ("C off the curve", 7),
    ] {
        let mut data = good.clone();
        let y = word(&data, i);
        set_word(&mut data, i, y + U256::from(1));
        assert_proof_invalid(what, &data);
    }
    // A non-canonical coordinate (x + q, the same point mod q) is refused.
    let mut data = good.clone();
    let x = word(&data, 0);
    set_word(&mut data, 0, x + u256(Q));
    assert_proof_invalid("A.x + q", &data);
}

#[test]
fn b_in_snarkjs_order_is_proof_invalid() {
    let (proof, public) = proof();
    let mut data = calldata(&proof, &public);
    // Words 2..6 are b = [[x.c1, x.c0], [y.c1, y.c0]]; swap to c0 first.
    let (x, y) = proof.b.xy().unwrap();
    assert_ne!(x.c0, x.c1);
    let (x1, x0, y1, y0) = (
        word(&data, 2),
        word(&data, 3),
        word(&data, 4),
        word(&data, 5),
    );
    set_word(&mut data, 2, x0);
    set_word(&mut data, 3, x1);
    set_word(&mut data, 4, y0);
    set_word(&mut data, 5, y1);
    assert_ne!(x.c0, y.c0);
    assert_proof_invalid("B with c0 first", &data);
}

#[test]
fn short_calldata_reverts_without_data() {
    let (proof, public) = proof();
    let data = calldata(&proof, &public);
    let (mut evm, at) = deployed();
    match evm.call(CALLER, at, &data[..data.len() - 1], U256::ZERO) {
        Err(L1Error::Reverted(r)) => assert!(r.data.is_empty(), "{r}"),
        other => panic!("expected a revert, got {other:?}"),
    }
}

/// A key with three public inputs whose trapdoor is known, and a proof made
/// from it: with A = a·G1, B = b·G2, vk_x = v·G1 and the key's discrete logs,
/// C = (a·b − α·β − v·γ) / δ · G1 satisfies the Groth16 equation.
fn synthetic_three_inputs() -> (VerifyingKey<Bn254>, Proof<Bn254>, Vec<Fr>) {
    let s = |n: u64| Fr::from(n) * Fr::from(0x9e37_79b9_7f4a_7c15u64).pow([n]);
    let (alpha, beta, gamma, delta) = (s(1), s(2), s(3), s(4));
    let ic: Vec<Fr> = (10..14).map(s).collect();
    let inputs = vec![s(20), s(21), s(22)];
    let v = ic[0] + ic[1] * inputs[0] + ic[2] * inputs[1] + ic[3] * inputs[2];
    let (a, b) = (s(30), s(31));
    let c = (a * b - alpha * beta - v * gamma) * delta.inverse().unwrap();
    let g1 = |x: Fr| (G1Projective::generator() * x).into_affine();
    let g2 = |x: Fr| (G2Projective::generator() * x).into_affine();
    let vk = VerifyingKey {
        alpha_g1: g1(alpha),
        beta_g2: g2(beta),
        gamma_g2: g2(gamma),
        delta_g2: g2(delta),
        gamma_abc_g1: ic.into_iter().map(g1).collect(),
    };
    let proof = Proof {
        a: g1(a),
        b: g2(b),
        c: g1(c),
    };
    (vk, proof, inputs)
}

#[test]
fn three_public_inputs() {
    let (vk, proof, inputs) = synthetic_three_inputs();
    verify(&vk, &inputs, &proof).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Verifier3.sol");
    std::fs::write(&path, render_verifier(&vk)).unwrap();
    let artifacts = compile(&[path.as_path()])
        .unwrap_or_else(|e| panic!("compiling the rendered verifier: {e}"));
    let contract = artifacts.get(CONTRACT_NAME).unwrap();
    assert_eq!(
        contract.selector(&function_signature(3)),
        Some(selector(&function_signature(3)))
    );
    let mut evm = Evm::new();
    let at = evm.deploy_contract(contract, &[]).unwrap();

    let data = calldata(&proof, &inputs);
    let out = evm
        .call(CALLER, at, &data, U256::ZERO)
        .unwrap_or_else(|e| panic!("verifyProof refused a valid 3-input proof: {e}"));
    println!(
        "verifyProof, 3 public inputs: execution gas {}, whole transaction {}",
        out.execution_gas(),
        out.gas_used
    );

    // Each input matters, and the first input >= r is the one reported.
    for i in 0..3 {
        let mut bad = inputs.clone();
        bad[i] += Fr::from(1u64);
        let err = evm
            .call(CALLER, at, &calldata(&proof, &bad), U256::ZERO)
            .unwrap_err();
        assert_eq!(
            err.revert().and_then(|r| r.name()),
            Some("ProofInvalid"),
            "input {i}"
        );
    }
    let mut bad = data.clone();
    for i in [1, 2] {
        let x = word(&bad, 8 + i);
        set_word(&mut bad, 8 + i, x + u256(R));
    }
    let err = evm.call(CALLER, at, &bad, U256::ZERO).unwrap_err();
    let e = err.revert().and_then(|r| r.error.clone()).unwrap();
    assert_eq!(
        (e.name.as_str(), e.words),
        ("InputNotInField", vec![U256::from(1)])
    );
}

#[test]
fn three_public_inputs_with_the_key_at_deployment() {
    let (vk, proof, inputs) = synthetic_three_inputs();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ImmutableVerifier3.sol");
    std::fs::write(&path, render_immutable_verifier(3)).unwrap();
    let artifacts = compile(&[path.as_path()])
        .unwrap_or_else(|e| panic!("compiling the rendered verifier: {e}"));
    let contract = artifacts.get(IMMUTABLE_CONTRACT_NAME).unwrap();
    let mut evm = Evm::new();
    let at = evm.deploy_contract(contract, &key_words(&vk)).unwrap();
    evm.call(CALLER, at, &calldata(&proof, &inputs), U256::ZERO)
        .unwrap_or_else(|e| panic!("verifyProof refused a valid 3-input proof: {e}"));
    let mut bad = inputs.clone();
    bad[2] += Fr::from(1u64);
    let err = evm
        .call(CALLER, at, &calldata(&proof, &bad), U256::ZERO)
        .unwrap_err();
    assert_eq!(err.revert().and_then(|r| r.name()), Some("ProofInvalid"));
}

#[test]
fn a_key_with_a_refused_point_is_not_deployed() {
    let contract = embedded::contracts()
        .unwrap()
        .get(IMMUTABLE_CONTRACT_NAME)
        .unwrap();
    let good = key_words(&key());
    // Word 1 is alpha.y, word 5 is -beta.y.c0, word 15 is IC[0].y, word 17 IC[1].y.
    for (what, w) in [
        ("alpha off the curve", 1),
        ("-beta off the twist", 5),
        ("IC[0] off the curve", 15),
        ("IC[1] off the curve", 17),
    ] {
        let mut args = good.clone();
        let y = U256::from_be_slice(&args[32 * w..32 * (w + 1)]);
        args[32 * w..32 * (w + 1)].copy_from_slice(&(y + U256::from(1)).to_be_bytes::<32>());
        let mut evm = Evm::new();
        let err = evm.deploy_contract(contract, &args).unwrap_err();
        assert_eq!(
            err.revert().and_then(|r| r.name()),
            Some("KeyInvalid"),
            "{what}: {err}"
        );
    }
    // The untouched key deploys.
    Evm::new().deploy_contract(contract, &good).unwrap();
}
