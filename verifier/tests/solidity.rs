//! The Solidity verifier of the fixture key is the committed golden file
//! `tests/golden/Verifier.sol` (rewritten by `ZKROLL_BLESS=1`), and the
//! calldata of the fixture proof has the ABI layout of `verifyProof`.
//! Compiling and running the contract is `zkroll-l1`'s test (`l1/tests/verifier.rs`).

use std::path::{Path, PathBuf};

use ark_bn254::{Bn254, Fr};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use zkroll_verifier::snarkjs::{public_from_json, ProofJson, VerificationKeyJson};
use zkroll_verifier::solidity::{
    calldata, export_calldata, export_solidity, function_signature, render_verifier, selector,
    CONTRACT_NAME,
};
use zkroll_verifier::{Proof, VerifyError, VerifyingKey};

const BLESS: &str = "ZKROLL_BLESS=1 cargo test --release -p zkroll-verifier --test solidity";

fn path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(rel)
}

fn read<T: serde::de::DeserializeOwned>(rel: &str) -> T {
    serde_json::from_str(&std::fs::read_to_string(path(rel)).unwrap()).unwrap()
}

fn fixture_key() -> VerifyingKey<Bn254> {
    read::<VerificationKeyJson>("fixtures/verification_key.json")
        .to_key()
        .unwrap()
}

fn fixture_proof() -> (Proof<Bn254>, Vec<Fr>) {
    let proof = read::<ProofJson>("fixtures/proof.json").to_proof().unwrap();
    let public = public_from_json(&read::<Vec<String>>("fixtures/public.json")).unwrap();
    (proof, public)
}

#[test]
fn golden_verifier() {
    let rendered = render_verifier(&fixture_key());
    let golden = path("golden/Verifier.sol");
    if std::env::var_os("ZKROLL_BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &rendered).unwrap();
    }
    let committed = std::fs::read_to_string(&golden).unwrap_or_default();
    if committed != rendered {
        let line = committed
            .lines()
            .zip(rendered.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "lengths differ".to_string(),
                |i| format!("first difference at line {}", i + 1),
            );
        panic!(
            "{} is not the rendering of tests/fixtures/verification_key.json ({line}); \
             if the change is intended, regenerate it with:\n    {BLESS}",
            golden.display()
        );
    }
}

#[test]
fn rendering_is_complete() {
    let text = render_verifier(&fixture_key());
    assert!(!text.contains("{{") && !text.contains("}}"));
    assert!(text.contains(&format!("contract {CONTRACT_NAME} ")));
    assert!(text.contains("uint256[1] calldata input"));
    assert!(text.contains("error InputNotInField(uint256 index);"));
    assert!(text.contains("error ProofInvalid();"));
    // No storage: constants only.
    assert_eq!(
        text.matches("uint256 internal constant").count(),
        1 + 2 + 12 + 2 * 2
    );
    assert!(!text.contains("sload"));
    // The key's G2 points are embedded negated, imaginary part first.
    let vk = fixture_key();
    let neg_beta = -vk.beta_g2;
    let (x, _) = neg_beta.xy().unwrap();
    let dec = |f: &ark_bn254::Fq| num_bigint::BigUint::from(f.into_bigint()).to_string();
    assert!(text.contains(&format!("NEG_BETA_X1 = {};", dec(&x.c1))));
    assert!(text.contains(&format!("NEG_BETA_X0 = {};", dec(&x.c0))));
}

#[test]
fn renders_several_inputs() {
    let mut vk = fixture_key();
    vk.gamma_abc_g1.push(vk.gamma_abc_g1[1]);
    vk.gamma_abc_g1.push(vk.gamma_abc_g1[0]);
    let text = render_verifier(&vk);
    assert!(text.contains("uint256[3] calldata input"));
    assert!(text.contains("IC3_Y"));
    assert!(text.contains("mstore(0x04, 2)"));
    assert!(text.contains("calldataload(add(input, 0x40))"));
    assert_eq!(text.matches("staticcall(gas(), 0x07").count(), 3);
}

#[test]
fn calldata_layout() {
    let (proof, public) = fixture_proof();
    let data = calldata(&proof, &public);
    assert_eq!(data.len(), 4 + 32 * 9);
    assert_eq!(data[..4], selector(&function_signature(1)));
    assert_eq!(
        function_signature(1),
        "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[1])"
    );
    let word = |i: usize| &data[4 + 32 * i..4 + 32 * (i + 1)];
    fn be<F: PrimeField>(f: F) -> Vec<u8> {
        f.into_bigint().to_bytes_be()
    }
    let (ax, ay) = proof.a.xy().unwrap();
    let (bx, by) = proof.b.xy().unwrap();
    let (cx, cy) = proof.c.xy().unwrap();
    let expect = [
        be(ax),
        be(ay),
        // EIP-197: imaginary part first.
        be(bx.c1),
        be(bx.c0),
        be(by.c1),
        be(by.c0),
        be(cx),
        be(cy),
        be(public[0]),
    ];
    for (i, e) in expect.iter().enumerate() {
        assert_eq!(word(i), e.as_slice(), "word {i}");
    }
}

#[test]
fn export_functions() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("Verifier.sol");
    export_solidity(&path("fixtures/verification_key.json"), &out).unwrap();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        render_verifier(&fixture_key())
    );

    let hex = export_calldata(&path("fixtures/proof.json"), &path("fixtures/public.json")).unwrap();
    let (proof, public) = fixture_proof();
    let expected: String = calldata(&proof, &public)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hex, format!("0x{expected}"));

    // Malformed inputs are refused with the verifier's errors.
    let bad = dir.path().join("public.json");
    std::fs::write(
        &bad,
        r#"["21888242871839275222246405745257275088548364400416034343698204186575808495617"]"#,
    )
    .unwrap();
    assert!(matches!(
        export_calldata(&path("fixtures/proof.json"), &bad),
        Err(VerifyError::Input { index: 0, .. })
    ));
    assert!(matches!(
        export_solidity(&dir.path().join("missing.json"), &out),
        Err(VerifyError::Io { .. })
    ));
}
