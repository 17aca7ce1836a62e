//! Known answers from circomlibjs 0.1.7 (tests/fixtures, copied from the
//! project's shared vectors): Poseidon for 1..6 inputs, Baby Jubjub
//! multiples of Base8, and EdDSA-Poseidon keys and signatures in both
//! directions (our signature equals theirs; theirs verifies with ours).

use num_bigint::BigUint;
use serde::Deserialize;
use zkroll_state::babyjubjub::{base8, mul_biguint, point_from_coords, suborder, to_affine};
use zkroll_state::field::{fr_from_str, Fr};
use zkroll_state::{Poseidon, PrivateKey, PublicKey, Signature, SignatureError};

#[derive(Deserialize)]
struct PoseidonFile {
    vectors: Vec<PoseidonVector>,
}
#[derive(Deserialize)]
struct PoseidonVector {
    inputs: Vec<String>,
    output: String,
}

#[derive(Deserialize)]
struct BjjFile {
    a: String,
    d: String,
    base8: [String; 2],
    sub_order: String,
    base8_multiples: Vec<Multiple>,
    eddsa_poseidon: EddsaFile,
}
#[derive(Deserialize)]
struct Multiple {
    scalar: String,
    point: [String; 2],
}
#[derive(Deserialize)]
struct EddsaFile {
    vectors: Vec<EddsaVector>,
}
#[derive(Deserialize)]
struct EddsaVector {
    private_key_hex: String,
    public_key: [String; 2],
    message: String,
    r8: [String; 2],
    s: String,
}

fn fr(s: &str) -> Fr {
    fr_from_str(s).unwrap()
}

fn big(s: &str) -> BigUint {
    BigUint::parse_bytes(s.as_bytes(), 10).unwrap()
}

fn bjj() -> BjjFile {
    serde_json::from_str(include_str!("fixtures/babyjubjub.json")).unwrap()
}

#[test]
fn poseidon_matches_circomlibjs() {
    let f: PoseidonFile = serde_json::from_str(include_str!("fixtures/poseidon.json")).unwrap();
    assert_eq!(f.vectors.len(), 30);
    for v in &f.vectors {
        let inputs: Vec<Fr> = v.inputs.iter().map(|s| fr(s)).collect();
        assert_eq!(
            Poseidon::hash(&inputs).unwrap(),
            fr(&v.output),
            "Poseidon({:?})",
            v.inputs
        );
    }
}

#[test]
fn curve_constants_and_multiples_match() {
    use ark_ec::twisted_edwards::TECurveConfig;
    use zkroll_state::babyjubjub::BabyJubjubConfig;
    let f = bjj();
    assert_eq!(<BabyJubjubConfig as TECurveConfig>::COEFF_A, fr(&f.a));
    assert_eq!(<BabyJubjubConfig as TECurveConfig>::COEFF_D, fr(&f.d));
    assert_eq!(
        base8(),
        point_from_coords(fr(&f.base8[0]), fr(&f.base8[1])).unwrap()
    );
    assert_eq!(suborder(), big(&f.sub_order));
    for m in &f.base8_multiples {
        let p = to_affine(mul_biguint(&base8(), &big(&m.scalar)));
        assert_eq!(
            (p.x, p.y),
            (fr(&m.point[0]), fr(&m.point[1])),
            "{} * Base8",
            m.scalar
        );
    }
}

#[test]
fn eddsa_keys_and_signatures_match_both_ways() {
    let f = bjj();
    assert!(f.eddsa_poseidon.vectors.len() >= 10);
    for v in &f.eddsa_poseidon.vectors {
        let key: [u8; 32] = hex::decode(&v.private_key_hex).unwrap().try_into().unwrap();
        let key = PrivateKey::from_bytes(key);
        let pk = key.public();
        assert_eq!(
            (pk.x(), pk.y()),
            (fr(&v.public_key[0]), fr(&v.public_key[1]))
        );
        let msg = fr(&v.message);
        // Our signature equals circomlibjs's.
        let ours = key.sign(msg);
        assert_eq!((ours.r8.x, ours.r8.y), (fr(&v.r8[0]), fr(&v.r8[1])));
        assert_eq!(BigUint::from(ours.s), big(&v.s));
        // circomlibjs's signature verifies with ours, and only for its message.
        let theirs = Signature::from_parts(fr(&v.r8[0]), fr(&v.r8[1]), &big(&v.s)).unwrap();
        let their_pk = PublicKey::from_coords(fr(&v.public_key[0]), fr(&v.public_key[1])).unwrap();
        their_pk.verify(msg, &theirs).unwrap();
        assert_eq!(
            their_pk.verify(msg + Fr::from(1u64), &theirs),
            Err(SignatureError::Mismatch)
        );
        // Packing round-trips (circomlibjs packPoint / packSignature).
        assert_eq!(PublicKey::decompress(&pk.compress()).unwrap(), pk);
        assert_eq!(Signature::from_bytes(&theirs.to_bytes()).unwrap(), theirs);
    }
}
