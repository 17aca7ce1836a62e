//! End to end with tiny parameters: setup, prove real batches, verify with
//! the native verifier and through snarkjs JSON; keys survive a save/load;
//! a bad witness is refused with the failing constraint named; tampered
//! proofs and inputs are refused.

use ark_bn254::Fr;
use rand::SeedableRng;
use zkroll_prover::{prove, prove_pipelined, setup, ProverError, ProverKey, DEV_SETUP_LABEL};
use zkroll_state::sim::Workload;
use zkroll_state::{BatchConfig, CircuitShape, MemStore, Rollup};
use zkroll_verifier::snarkjs::{public_from_json, public_to_json, ProofJson, VerificationKeyJson};
use zkroll_verifier::{verify, VerifyError};

const SHAPE: CircuitShape = CircuitShape {
    depth: 2,
    l1_slots: 1,
    l2_slots: 2,
};

#[test]
fn setup_prove_verify_and_refuse() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let key = setup(SHAPE, &mut rng).unwrap();
    assert_eq!(key.params.label, DEV_SETUP_LABEL);
    let cfg = BatchConfig {
        shape: SHAPE,
        fee_account: 0,
        domain: zkroll_state::Domain::new(9, [0x5a; 20]),
    };
    let mut w = Workload::new(2, zkroll_state::Domain::new(9, [0x5a; 20]));
    let mut r = Rollup::open(MemStore::new(), 2, false).unwrap();
    r.apply_batch(&cfg, &[w.deposit_new(0, 0)], &[]).unwrap();
    r.apply_batch(&cfg, &[w.deposit_new(0, 1000)], &[]).unwrap();
    let b3 = r
        .apply_batch(
            &cfg,
            &[w.deposit_new(0, 50)],
            &[
                w.transfer(1, 2, 400, 2, 0).unwrap(),
                w.withdraw(1, 100, 0, 1).unwrap(),
            ],
        )
        .unwrap();

    let out = prove(&key, &b3, &mut rng).unwrap();
    assert_eq!(out.public_inputs, vec![b3.public_input]);
    verify(&key.pk.vk, &out.public_inputs, &out.proof).unwrap();

    // Key directory round trip; the loaded key proves and verifies too.
    let dir = tempfile::tempdir().unwrap();
    let mut key = key;
    key.save(dir.path()).unwrap();
    let params = std::fs::read_to_string(dir.path().join("params.json")).unwrap();
    assert!(params.contains(DEV_SETUP_LABEL));
    let loaded = ProverKey::load(dir.path()).unwrap();
    let out2 = prove(&loaded, &b3, &mut rng).unwrap();
    verify(&loaded.pk.vk, &out2.public_inputs, &out2.proof).unwrap();

    // snarkjs JSON round trip.
    let vk_json: VerificationKeyJson = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("verification_key.json")).unwrap(),
    )
    .unwrap();
    assert!(vk_json
        .zkroll_setup
        .as_deref()
        .unwrap_or("")
        .contains(DEV_SETUP_LABEL));
    let vk = vk_json.to_key().unwrap();
    let pj = ProofJson::from_proof(&out2.proof);
    let public = public_from_json(&public_to_json(&out2.public_inputs)).unwrap();
    verify(&vk, &public, &pj.to_proof().unwrap()).unwrap();

    // The verifier crate's fixtures are this proof (it may not depend on the
    // prover): regenerate them with ZKROLL_BLESS=1.
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../verifier/tests/fixtures");
    if std::env::var_os("ZKROLL_BLESS").is_some() {
        std::fs::create_dir_all(&fixtures).unwrap();
        std::fs::copy(
            dir.path().join("verification_key.json"),
            fixtures.join("verification_key.json"),
        )
        .unwrap();
        std::fs::write(
            fixtures.join("proof.json"),
            serde_json::to_string_pretty(&pj).unwrap(),
        )
        .unwrap();
        std::fs::write(
            fixtures.join("public.json"),
            serde_json::to_string_pretty(&public_to_json(&public)).unwrap(),
        )
        .unwrap();
    }

    // snarkjs accepts the proof, and refuses it for another input.
    std::fs::write(
        dir.path().join("proof.json"),
        serde_json::to_string(&pj).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("public.json"),
        serde_json::to_string(&public_to_json(&public)).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("wrong.json"),
        serde_json::to_string(&public_to_json(&[public[0] + Fr::from(1u64)])).unwrap(),
    )
    .unwrap();
    match snarkjs_verify(dir.path(), "public.json") {
        Some(ok) => {
            assert!(ok, "snarkjs refused a zkroll proof");
            assert_eq!(snarkjs_verify(dir.path(), "wrong.json"), Some(false));
            println!("snarkjs groth16 verify: accepted the proof, refused a tampered input");
        }
        None => {
            assert!(
                std::env::var_os("ZKROLL_REQUIRE_NODE").is_none(),
                "snarkjs is required but contracts/node_modules has none: run npm ci --prefix contracts"
            );
            println!("SKIPPED snarkjs cross-check: contracts/node_modules/.bin/snarkjs missing (npm ci --prefix contracts)");
        }
    }

    // Refusals.
    assert_eq!(
        verify(&vk, &[b3.public_input + Fr::from(1u64)], &out2.proof),
        Err(VerifyError::Invalid)
    );
    assert_eq!(
        verify(&vk, &[], &out2.proof),
        Err(VerifyError::InputCount {
            expected: 1,
            got: 0
        })
    );
    let mut swapped = out2.proof.clone();
    swapped.a = out.proof.a;
    assert_eq!(verify(&vk, &public, &swapped), Err(VerifyError::Invalid));

    // A witness that breaks a rule is refused before any proof exists.
    let mut bad = b3.clone();
    bad.l2[0].root_after += Fr::from(1u64);
    match prove(&loaded, &bad, &mut rng) {
        Err(ProverError::Unsatisfied { name, .. }) => {
            assert!(name.contains("l2_intermediate_root"), "named {name}")
        }
        other => panic!("expected Unsatisfied, got {:?}", other.map(|_| ())),
    }
    // Another shape's witness is refused outright.
    let mut other = b3;
    other.config.shape.l2_slots = 3;
    assert!(matches!(
        prove(&loaded, &other, &mut rng),
        Err(ProverError::ShapeMismatch { .. })
    ));

    // A corrupted key file is refused by its hash.
    let pk_path = dir.path().join("proving_key.bin");
    let mut bytes = std::fs::read(&pk_path).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 1;
    std::fs::write(&pk_path, bytes).unwrap();
    assert!(matches!(
        ProverKey::load(dir.path()),
        Err(ProverError::HashMismatch { .. })
    ));
}

/// The pipelined prover returns one result per witness, in order: each proof
/// verifies against its own batch's public input, and a witness that breaks
/// a rule fails alone without stopping the batches after it.
#[test]
fn pipelined_proofs_come_back_in_order() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let key = setup(SHAPE, &mut rng).unwrap();
    let cfg = BatchConfig {
        shape: SHAPE,
        fee_account: 0,
        domain: zkroll_state::Domain::new(9, [0x5a; 20]),
    };
    let mut w = Workload::new(4, zkroll_state::Domain::new(9, [0x5a; 20]));
    let mut r = Rollup::open(MemStore::new(), 2, false).unwrap();
    let mut batches = vec![
        r.apply_batch(&cfg, &[w.deposit_new(0, 0)], &[]).unwrap(),
        r.apply_batch(&cfg, &[w.deposit_new(0, 900)], &[]).unwrap(),
    ];
    batches.push(
        r.apply_batch(&cfg, &[], &[w.transfer(1, 0, 300, 1, 0).unwrap()])
            .unwrap(),
    );
    batches.push(
        r.apply_batch(
            &cfg,
            &[w.deposit_new(0, 5)],
            &[w.withdraw(1, 100, 0, 1).unwrap()],
        )
        .unwrap(),
    );
    let mut bad = batches[2].clone();
    bad.l2[0].root_after += Fr::from(1u64);
    batches.insert(2, bad);

    let out = prove_pipelined(&key, &batches, &mut rng);
    assert_eq!(out.len(), batches.len());
    for (i, (res, b)) in out.iter().zip(&batches).enumerate() {
        if i == 2 {
            assert!(
                matches!(res, Err(ProverError::Unsatisfied { .. })),
                "batch {i}: expected Unsatisfied"
            );
            continue;
        }
        let o = res.as_ref().unwrap_or_else(|e| panic!("batch {i}: {e}"));
        assert_eq!(
            o.public_inputs,
            vec![b.public_input],
            "batch {i} out of order"
        );
        verify(&key.pk.vk, &o.public_inputs, &o.proof).unwrap();
    }
}

/// Runs `snarkjs groth16 verify` on the files in `dir`; `None` if snarkjs
/// is not installed.
fn snarkjs_verify(dir: &std::path::Path, public: &str) -> Option<bool> {
    let bin = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/node_modules/.bin/snarkjs");
    if !bin.exists() {
        return None;
    }
    let out = std::process::Command::new(bin)
        .args([
            "groth16",
            "verify",
            "verification_key.json",
            public,
            "proof.json",
        ])
        .current_dir(dir)
        .output()
        .expect("run snarkjs");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    Some(out.status.success() && text.contains("OK"))
}
