//! snarkjs JSON: `verification_key.json`, `proof.json`, `public.json`
//! (zkroll-verifier `snarkjs`). Every input is tried as all three.
//!
//! Oracle: a typed error or success, never a panic; JSON parse -> serialize
//! -> parse is the identity; a validated key/proof/input list converts back
//! to JSON that validates to the same value; verifying it against the
//! fixtures gives `Ok` or a typed `VerifyError`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zkroll_fuzz::fixtures;
use zkroll_verifier::snarkjs::{public_from_json, public_to_json, ProofJson, VerificationKeyJson};
use zkroll_verifier::{verify, Bn254, Fr, Proof, VerifyingKey};

struct Fix {
    vk: VerifyingKey<Bn254>,
    proof: Proof<Bn254>,
    public: Vec<Fr>,
}

fn fix() -> &'static Fix {
    static F: OnceLock<Fix> = OnceLock::new();
    F.get_or_init(|| {
        let vk: VerificationKeyJson = serde_json::from_str(fixtures::VK).unwrap();
        let proof: ProofJson = serde_json::from_str(fixtures::PROOF).unwrap();
        let public: Vec<String> = serde_json::from_str(fixtures::PUBLIC).unwrap();
        Fix {
            vk: vk.to_key().unwrap(),
            proof: proof.to_proof().unwrap(),
            public: public_from_json(&public).unwrap(),
        }
    })
}

fn json_round_trip<T>(v: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let text = serde_json::to_string(v).expect("a parsed value serialises");
    let back: T = serde_json::from_str(&text).expect("serialised JSON parses");
    assert_eq!(&back, v, "JSON round trip changed the value");
}

fuzz_target!(|data: &[u8]| {
    let f = fix();

    if let Ok(j) = serde_json::from_slice::<VerificationKeyJson>(data) {
        json_round_trip(&j);
        if let Ok(vk) = j.to_key() {
            let again = VerificationKeyJson::from_key(&vk, j.zkroll_setup.clone());
            assert_eq!(again.to_key().expect("printed key reads back"), vk);
            let _ = verify(&vk, &f.public, &f.proof);
        }
    }

    if let Ok(j) = serde_json::from_slice::<ProofJson>(data) {
        json_round_trip(&j);
        if let Ok(p) = j.to_proof() {
            let again = ProofJson::from_proof(&p);
            assert_eq!(again.to_proof().expect("printed proof reads back"), p);
            let _ = verify(&f.vk, &f.public, &p);
        }
    }

    if let Ok(j) = serde_json::from_slice::<Vec<String>>(data) {
        json_round_trip(&j);
        if let Ok(inputs) = public_from_json(&j) {
            let printed = public_to_json(&inputs);
            assert_eq!(
                public_from_json(&printed).expect("printed inputs read back"),
                inputs
            );
            let _ = verify(&f.vk, &inputs, &f.proof);
        }
    }
});
