//! Native code and gadgets agree on the same inputs: Poseidon on the
//! circomlibjs vectors and random inputs, Merkle roots, EdDSA on the
//! circomlibjs signatures (and not on tampered ones), float decoding and
//! key decompression.

mod common;

use ark_ff::UniformRand;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
use rand::{Rng, SeedableRng};
use zkroll_circuits::babyjubjub::decompress;
use zkroll_circuits::eddsa::{PublicKeyVar, SignatureVar};
use zkroll_circuits::poseidon::PoseidonVar;
use zkroll_circuits::tree::MerklePathVar;
use zkroll_circuits::{Bool, Fr, FrVar};
use zkroll_state::babyjubjub::decompress_reduced;
use zkroll_state::float::{DecimalFloat, Float16, Float40};
use zkroll_state::{Account, AccountTree, Poseidon, PrivateKey};

fn cs() -> ConstraintSystemRef<Fr> {
    ConstraintSystem::<Fr>::new_ref()
}

fn rng() -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(99)
}

#[test]
fn poseidon_var_equals_native_on_vectors_and_random_inputs() {
    let f: serde_json::Value =
        serde_json::from_str(include_str!("../../state/tests/fixtures/poseidon.json")).unwrap();
    let mut cases: Vec<Vec<Fr>> = f["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            v["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| zkroll_state::field::fr_from_str(s.as_str().unwrap()).unwrap())
                .collect()
        })
        .collect();
    let mut r = rng();
    for n in 1..=6 {
        cases.push((0..n).map(|_| Fr::rand(&mut r)).collect());
    }
    for inputs in cases {
        let cs = cs();
        let vars: Vec<FrVar> = inputs
            .iter()
            .map(|x| FrVar::new_witness(cs.clone(), || Ok(*x)).unwrap())
            .collect();
        let h = PoseidonVar::hash(&vars).unwrap();
        assert_eq!(h.value().unwrap(), Poseidon::hash(&inputs).unwrap());
        assert!(cs.is_satisfied().unwrap());
    }
}

#[test]
fn merkle_roots_equal_native() {
    let mut r = rng();
    let key = PrivateKey::from_bytes([1; 32]).public();
    let mut tree = AccountTree::new(3).unwrap();
    for _ in 0..20 {
        let idx = r.gen_range(0..64u32);
        tree.set(idx, Some(Account::new(0, r.gen(), key))).unwrap();
    }
    for idx in [0u32, 5, 17, 63] {
        let path = tree.path(idx).unwrap();
        let leaf = zkroll_state::account::leaf_hash(tree.get(idx));
        let new_leaf = Fr::rand(&mut r);
        let cs = cs();
        let p = MerklePathVar::new_witness(cs.clone(), &path).unwrap();
        let bits: Vec<Bool> = (0..6)
            .map(|i| Bool::new_witness(cs.clone(), || Ok((idx >> i) & 1 == 1)).unwrap())
            .collect();
        let old = FrVar::new_witness(cs.clone(), || Ok(leaf)).unwrap();
        let new = FrVar::new_witness(cs.clone(), || Ok(new_leaf)).unwrap();
        let (ro, rn) = p.roots(&bits, &old, Some(&new)).unwrap();
        assert_eq!(ro.value().unwrap(), tree.root());
        assert_eq!(
            rn.unwrap().value().unwrap(),
            path.root(idx as u64, new_leaf)
        );
        assert!(cs.is_satisfied().unwrap());
    }
}

fn verify_in_circuit(pk: &zkroll_state::PublicKey, msg: Fr, sig: &zkroll_state::Signature) -> bool {
    let cs = cs();
    let pkv = PublicKeyVar::new_witness(cs.clone(), pk).unwrap();
    let m = FrVar::new_witness(cs.clone(), || Ok(msg)).unwrap();
    let s = SignatureVar::new_witness(cs.clone(), Some(sig)).unwrap();
    pkv.verify(&m, &s, &Bool::TRUE).unwrap();
    cs.is_satisfied().unwrap()
}

#[test]
fn eddsa_var_accepts_circomlibjs_signatures_and_refuses_tampered_ones() {
    let f: serde_json::Value =
        serde_json::from_str(include_str!("../../state/tests/fixtures/babyjubjub.json")).unwrap();
    let fr = |v: &serde_json::Value| zkroll_state::field::fr_from_str(v.as_str().unwrap()).unwrap();
    for v in f["eddsa_poseidon"]["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .take(4)
    {
        let pk =
            zkroll_state::PublicKey::from_coords(fr(&v["public_key"][0]), fr(&v["public_key"][1]))
                .unwrap();
        let s = num_bigint::BigUint::parse_bytes(v["s"].as_str().unwrap().as_bytes(), 10).unwrap();
        let sig =
            zkroll_state::Signature::from_parts(fr(&v["r8"][0]), fr(&v["r8"][1]), &s).unwrap();
        let msg = fr(&v["message"]);
        assert_eq!(
            pk.verify(msg, &sig).is_ok(),
            verify_in_circuit(&pk, msg, &sig)
        );
        assert!(verify_in_circuit(&pk, msg, &sig));
        assert!(!verify_in_circuit(&pk, msg + Fr::from(1u64), &sig));
    }
    // A disabled check accepts anything structurally valid.
    let cs = cs();
    let k = PrivateKey::from_bytes([4; 32]);
    let pkv = PublicKeyVar::new_witness(cs.clone(), &k.public()).unwrap();
    let m = FrVar::new_witness(cs.clone(), || Ok(Fr::from(1u64))).unwrap();
    let s = SignatureVar::new_witness(cs.clone(), None).unwrap();
    pkv.verify(&m, &s, &Bool::FALSE).unwrap();
    assert!(cs.is_satisfied().unwrap());
}

#[test]
fn float_decoding_equals_native() {
    let mut r = rng();
    for _ in 0..50 {
        let p40: u64 = r.gen_range(0..1u64 << 40);
        let p16: u64 = r.gen_range(0..1u64 << 16);
        for (packed, bits, native) in [
            (p40, 40, Float40::decode(p40)),
            (p16, 16, Float16::decode(p16)),
        ] {
            let cs = cs();
            let b: Vec<Bool> = (0..bits)
                .map(|i| Bool::new_witness(cs.clone(), || Ok((packed >> i) & 1 == 1)).unwrap())
                .collect();
            let v = if bits == 40 {
                zkroll_circuits::float::decode::<Float40>(&b).unwrap()
            } else {
                zkroll_circuits::float::decode::<Float16>(&b).unwrap()
            };
            let m = packed & ((1u64 << (bits - 5)) - 1);
            let e = (packed >> (bits - 5)) as u32;
            let expect = Fr::from(m) * Fr::from(10u64).pow([e as u64]);
            assert_eq!(v.value().unwrap(), expect);
            if let Some(n) = native {
                assert_eq!(v.value().unwrap(), Fr::from(n));
            }
        }
    }
}

use ark_ff::{Field, Zero};

#[test]
fn key_decompression_equals_native_and_cannot_lie() {
    let mut r = rng();
    let mut seen = (0, 0);
    for i in 0..40u64 {
        let mut bytes = [0u8; 32];
        if i < 30 {
            r.fill(&mut bytes);
        } else {
            bytes[0] = i as u8;
        }
        let native = decompress_reduced(&bytes);
        let cs = cs();
        let mut b = bytes;
        let sign = b[31] & 0x80 != 0;
        b[31] &= 0x7f;
        let y = Fr::from(num_bigint::BigUint::from_bytes_le(&b));
        let yv = FrVar::new_witness(cs.clone(), || Ok(y)).unwrap();
        let sv = Bool::new_witness(cs.clone(), || Ok(sign)).unwrap();
        let (x, ok) = decompress(cs.clone(), &yv, &sv).unwrap();
        assert!(cs.is_satisfied().unwrap());
        assert_eq!(ok.value().unwrap(), native.is_ok());
        // Soundness of the branch choice: with u = 1 - y^2, v = a - d y^2,
        // "valid" needs x^2 = u/v (x != 0) and "invalid" needs w^2 = 5u/v;
        // for u != 0 exactly one of u/v, 5u/v is a square (5 is not).
        let (a, d) = (Fr::from(168700u64), Fr::from(168696u64));
        let uv = (Fr::from(1u64) - y.square()) * (a - d * y.square()).inverse().unwrap();
        let valid_possible = !uv.is_zero() && uv.legendre().is_qr();
        let invalid_possible = (Fr::from(5u64) * uv).legendre().is_qr() || uv.is_zero();
        assert_ne!(valid_possible, invalid_possible);
        assert_eq!(valid_possible, native.is_ok());
        match native {
            Ok(p) => {
                seen.0 += 1;
                assert_eq!(x.value().unwrap(), p.x);
            }
            Err(_) => seen.1 += 1,
        }
    }
    assert!(
        seen.0 > 5 && seen.1 > 5,
        "both outcomes exercised: {seen:?}"
    );
    assert!(Fr::from(5u64).legendre().is_qnr(), "g = 5 is a non-residue");
}

fn sha256_in_circuit(cs: &ConstraintSystemRef<Fr>, msg: &[u8]) -> Vec<u8> {
    use ark_r1cs_std::uint8::UInt8;
    let bytes = UInt8::new_witness_vec(cs.clone(), msg).unwrap();
    let digest = zkroll_circuits::sha256::digest(&bytes).unwrap();
    digest.iter().map(|b| b.value().unwrap()).collect()
}

#[test]
fn sha256_var_equals_sha2_on_many_lengths() {
    use sha2::{Digest, Sha256};
    let mut rng = rng();
    // Every padding case up to three blocks, then long chains (the chaining
    // values' undecomposed sums must stay bounded).
    let lengths = (0..=140).chain([191, 192, 200, 447, 448, 1000]);
    for len in lengths {
        let msg: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        let cs = cs();
        let got = sha256_in_circuit(&cs, &msg);
        assert_eq!(got, Sha256::digest(&msg).to_vec(), "length {len}");
        assert!(cs.is_satisfied().unwrap(), "length {len}");
    }
    // Constant-heavy inputs too (all-zero and all-one bytes).
    for byte in [0u8, 0xff] {
        let msg = vec![byte; 150];
        let cs = cs();
        assert_eq!(sha256_in_circuit(&cs, &msg), Sha256::digest(&msg).to_vec());
        assert!(cs.is_satisfied().unwrap());
    }
}

#[test]
fn sha256_var_costs_at_most_28k_per_block() {
    let count = |len: usize| {
        let cs = cs();
        sha256_in_circuit(&cs, &vec![7u8; len]);
        cs.num_constraints() - 8 * len
    };
    let per_block = count(64 * 3 - 9) - count(64 * 2 - 9);
    println!("SHA-256: {per_block} constraints per block");
    assert!(per_block <= 28_000, "{per_block}");
}

/// `enforce_le_const` holds exactly when the bits' value is at most c:
/// exhaustively for 7-bit values against every constant below 2^7 (and
/// constants shorter than the bit vector), and at the boundaries of the
/// constants the circuit uses (r - 1, l - 1, (r - 1) / 2).
#[test]
fn enforce_le_const_is_exactly_le() {
    use num_bigint::BigUint;
    use zkroll_circuits::range::enforce_le_const;
    let holds = |bits: &[bool], c: &BigUint| {
        let cs = cs();
        let vars: Vec<Bool> = bits
            .iter()
            .map(|b| Bool::new_witness(cs.clone(), || Ok(*b)).unwrap())
            .collect();
        enforce_le_const(&vars, c).unwrap();
        cs.is_satisfied().unwrap()
    };
    let bits_of = |v: &BigUint, n: usize| (0..n).map(|i| v.bit(i as u64)).collect::<Vec<_>>();
    for c in 0u32..128 {
        let c = BigUint::from(c);
        for v in 0u32..128 {
            let v = BigUint::from(v);
            assert_eq!(holds(&bits_of(&v, 7), &c), v <= c, "{v} <= {c}");
        }
    }
    let r = zkroll_state::field::modulus();
    let l = zkroll_state::babyjubjub::suborder();
    let mut rng = rng();
    for (c, n) in [(&r - 1u32, 254), (&l - 1u32, 251), ((&r - 1u32) >> 1, 253)] {
        let one = BigUint::from(1u32);
        let mut cases = vec![c.clone(), &c - 1u32, &c + 1u32, BigUint::from(0u32)];
        cases.push((&one << n) - 1u32);
        for _ in 0..20 {
            let v: BigUint = (0..n).fold(BigUint::from(0u32), |acc, i| {
                acc | (BigUint::from(rng.gen::<bool>() as u32) << i)
            });
            cases.push(v);
        }
        for v in cases.into_iter().filter(|v| v.bits() as usize <= n) {
            assert_eq!(holds(&bits_of(&v, n), &c), v <= c, "{v} <= {c}");
        }
    }
}
