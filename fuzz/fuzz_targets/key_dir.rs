//! Key directories (`zkroll_prover::KeyParams::load`, `ProverKey::load`):
//! `params.json` and the `proving_key.bin` header (label line) and body
//! (ark-serialize proving key). There is no bytes-level entry point, so the
//! input is split (`zkroll_fuzz::key_dir_input`) and written into a
//! per-process temporary directory.
//!
//! Oracle: never a panic; `KeyParams::load` agrees with parsing the bytes;
//! params JSON parse -> serialize -> parse is the identity; a proving key
//! body that decodes re-serialises to a canonical encoding of the same key
//! (byte-identical unless it holds an identity point);
//! `ProverKey::load` of a directory whose params or key do not decode (or
//! whose hash differs) is a typed error. The directory's `matrices.bin` is
//! empty (its own parser is fuzzed by `circom_files`), so a load that gets
//! that far fails on it with a typed error too.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use ark_bn254::Bn254;
use ark_groth16::ProvingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use zkroll_fuzz::split_key_dir_input;
use zkroll_prover::{KeyParams, ProverError, ProverKey};

fn dir() -> &'static PathBuf {
    static D: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &D.get_or_init(|| {
        let t = tempfile::Builder::new()
            .prefix("zkroll-fuzz-key-dir-")
            .tempdir()
            .expect("temp dir");
        let p = t.path().to_path_buf();
        (t, p)
    })
    .1
}

fn key_has_identity(k: &ProvingKey<Bn254>) -> bool {
    use ark_ec::AffineRepr;
    let vk = &k.vk;
    [vk.alpha_g1, k.beta_g1, k.delta_g1]
        .iter()
        .chain(&vk.gamma_abc_g1)
        .chain(&k.a_query)
        .chain(&k.b_g1_query)
        .chain(&k.h_query)
        .chain(&k.l_query)
        .any(|p| p.is_zero())
        || [vk.beta_g2, vk.gamma_g2, vk.delta_g2]
            .iter()
            .chain(&k.b_g2_query)
            .any(|p| p.is_zero())
}

fuzz_target!(|data: &[u8]| {
    let Some((flags, params, pk)) = split_key_dir_input(data) else {
        return;
    };
    let mut params = params.to_vec();
    if flags & 1 != 0 {
        // Point params.json at these key bytes, keeping whatever else it says.
        if let Ok(serde_json::Value::Object(mut m)) = serde_json::from_slice(&params) {
            m.insert(
                "proving_key_sha256".into(),
                hex::encode(Sha256::digest(pk)).into(),
            );
            params = serde_json::to_vec(&m).expect("a JSON object serialises");
        }
    }

    let parsed = serde_json::from_slice::<KeyParams>(&params);
    if let Ok(p) = &parsed {
        let text = serde_json::to_string(p).expect("params serialise");
        let back: KeyParams = serde_json::from_str(&text).expect("printed params parse");
        assert_eq!(&back, p, "params.json round trip changed it");
    }

    let d = dir();
    std::fs::write(d.join("params.json"), &params).expect("write params.json");
    std::fs::write(d.join("proving_key.bin"), pk).expect("write proving_key.bin");
    std::fs::write(d.join("matrices.bin"), b"").expect("write matrices.bin");

    let loaded = KeyParams::load(d);
    match (&parsed, &loaded) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(_), Err(ProverError::Decode { .. })) => {}
        (a, b) => panic!("KeyParams::load disagrees with parsing: {a:?} vs {b:?}"),
    }

    // The proving_key.bin header: a label line, then the key.
    let mut decodes = false;
    if let Some(i) = pk.iter().position(|&b| b == b'\n') {
        let body = &pk[i + 1..];
        if let Ok(key) = ProvingKey::<Bn254>::deserialize_uncompressed(body) {
            decodes = true;
            let mut again = Vec::new();
            key.serialize_uncompressed(&mut again)
                .expect("a decoded key serialises");
            // Not byte for byte: ark-serialize ignores the coordinate bytes
            // of a point flagged as the identity. The re-serialised key is
            // canonical: it decodes to the same key and re-encodes to itself.
            let back = ProvingKey::<Bn254>::deserialize_uncompressed(&again[..])
                .expect("a re-serialised key decodes");
            assert_eq!(back, key, "decode -> encode -> decode changed the key");
            if body[..again.len()] != again[..] {
                // Only the identity's coordinate bytes may differ.
                assert!(key_has_identity(&key), "non-identity bytes differ");
            }
        }
    }

    // ProverKey::load itself: with an empty matrices.bin it never succeeds,
    // and every failure is a typed error about the files.
    let _ = decodes;
    match ProverKey::load(d) {
        Err(
            ProverError::Decode { .. }
            | ProverError::HashMismatch { .. }
            | ProverError::Format { .. },
        ) => {}
        Err(e) => panic!("unexpected key-load error: {e}"),
        Ok(_) => panic!("a key loaded with an empty matrices.bin"),
    }
});
