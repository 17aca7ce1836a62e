//! Signed-op JSON (`zkroll_state::SignedL2Op`), the unsigned op `zkroll
//! sign` reads (`L2Op`), a queued L1 op (`QueuedL1Op`) and the key and
//! signature JSON inside them (`PublicKey`, `Signature`).
//!
//! Oracle: never a panic; JSON parse -> serialize -> parse is the
//! identity; checking a parsed signature gives `Ok` or a typed error; an op
//! signed by a key verifies under that key (and under no other account's).
#![no_main]

use std::sync::OnceLock;

use ark_ff::Zero;
use libfuzzer_sys::fuzz_target;
use zkroll_fuzz::{base, CHAIN};
use zkroll_state::{L2Op, PrivateKey, PublicKey, QueuedL1Op, Signature, SignedL2Op};

fn json_round_trip<T>(v: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let text = serde_json::to_string(v).expect("a parsed value serialises");
    let back: T = serde_json::from_str(&text).expect("serialised JSON parses");
    assert_eq!(&back, v, "JSON round trip changed the value");
}

fn signer() -> &'static (PrivateKey, PublicKey) {
    static K: OnceLock<(PrivateKey, PublicKey)> = OnceLock::new();
    K.get_or_init(|| {
        let k = PrivateKey::from_bytes([7u8; 32]);
        let p = k.public();
        (k, p)
    })
}

fuzz_target!(|data: &[u8]| {
    let b = base();
    if let Ok(s) = serde_json::from_slice::<SignedL2Op>(data) {
        json_round_trip(&s);
        for pk in &b.pubkeys {
            let _ = s.verify(pk, &CHAIN);
        }
        // Re-signing the op with a key the seeds never use must verify.
        let (k, p) = signer();
        let again = s.op.sign(k, &CHAIN);
        assert_eq!(again.verify(p, &CHAIN), Ok(()), "a fresh signature fails");
    }
    if let Ok(op) = serde_json::from_slice::<L2Op>(data) {
        json_round_trip(&op);
        let (k, p) = signer();
        let s = op.sign(k, &CHAIN);
        assert_eq!(s.verify(p, &CHAIN), Ok(()), "a fresh signature fails");
        json_round_trip(&s);
    }
    if let Ok(q) = serde_json::from_slice::<QueuedL1Op>(data) {
        json_round_trip(&q);
    }
    if let Ok(pk) = serde_json::from_slice::<PublicKey>(data) {
        json_round_trip(&pk);
        // The compressed form has no x = 0 points (circomlibjs cannot unpack
        // them); the JSON form accepts them (verification refuses them).
        if !pk.x().is_zero() {
            assert_eq!(PublicKey::decompress(&pk.compress()), Ok(pk));
        }
    }
    if let Ok(sig) = serde_json::from_slice::<Signature>(data) {
        json_round_trip(&sig);
        if !sig.r8.x.is_zero() {
            assert_eq!(Signature::from_bytes(&sig.to_bytes()), Ok(sig));
        }
    }
});
