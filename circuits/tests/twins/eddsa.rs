//! Twins of the EdDSA rules. Each signed field corrupted alone after signing
//! (type, from, to, amount, fee, nonce, and the domain in the header: chain
//! id and rollup address) breaks the signature equation; so do a foreign
//! key's signature and an R8 with a torsion component. Off-curve keys,
//! small-order keys and small-order R8s break their own rules, including
//! forgeries whose equation holds (`8 A = O`, or `R8 = O` with a key of known
//! discrete log): only the small-order rules stand between them and a valid
//! proof. A DepositNew of a small-order key fails (and is refunded), so no
//! such account is created.
//!
//! An off-curve R8 breaks `eddsa_r8_on_curve`. S + l cannot be carried by a
//! `BatchWitness` (its `Fs` is reduced mod l), so
//! [`s_plus_l_is_refused_only_by_the_range_check`] shows at gadget level
//! that the range check on S's bits, not the equation, refuses it.

use crate::common::*;
use crate::Twin;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Zero;
use num_bigint::BigUint;
use zkroll_circuits::{BatchCircuit, Fr};
use zkroll_state::babyjubjub::{base8, compress, mul_biguint, suborder, Fs, Point};
use zkroll_state::batch::BatchWitness;
use zkroll_state::ops::PackedPubkey;
use zkroll_state::sim::Workload;
use zkroll_state::{
    Account, BatchConfig, Domain, L1Op, L2Op, MemStore, OpType, PublicKey, Rollup, Signature,
    SignedL2Op,
};

pub const TWINS: &[Twin] = &[
    Twin {
        rule: "eddsa_signature_equation",
        name: "each signed field corrupted alone after signing",
        build: signed_field_corrupted,
    },
    Twin {
        rule: "eddsa_signature_equation",
        name: "another slot's / another key's signature, signed for nonce 1",
        build: wrong_signature,
    },
    Twin {
        rule: "eddsa_signature_equation",
        name: "R8 plus a point of order 8",
        build: r8_with_torsion,
    },
    Twin {
        rule: "eddsa_r8_on_curve",
        name: "an off-curve R8",
        build: r8_off_curve,
    },
    Twin {
        rule: "eddsa_key_on_curve",
        name: "off-curve sender keys (in the witness, and in the tree)",
        build: key_off_curve,
    },
    Twin {
        rule: "l1_status_matches_outcome",
        name: "a DepositNew of a small-order key published as applied",
        build: small_order_deposit_new_applied,
    },
    Twin {
        rule: "eddsa_key_not_small_order",
        name: "small-order keys with a forged (equation-valid) signature",
        build: key_small_order,
    },
    Twin {
        rule: "eddsa_r8_not_small_order",
        name: "small-order R8 (and R8 = O forging a known-dlog key)",
        build: r8_small_order,
    },
];

fn signed_field_corrupted() -> Vec<BatchWitness> {
    let edits: [fn(&mut BatchWitness); 9] = [
        // type: the Withdraw (to = 0) relabelled a Transfer to account 0
        |w| w.l2[1].slot.op_type = OpType::Transfer,
        |w| w.l2[0].slot.from = 2,
        |w| w.l2[0].slot.to = 0,
        |w| w.l2[0].slot.amount_packed += 1,
        |w| w.l2[0].slot.fee_packed += 1,
        |w| w.l2[1].slot.fee_packed = 0,
        |w| w.l2[0].from_before.as_mut().unwrap().nonce += 1,
        |w| w.config.domain = Domain::new(CHAIN.chain_id + 1, CHAIN.rollup.0),
        |w| {
            let mut rollup = CHAIN.rollup.0;
            rollup[19] ^= 1;
            w.config.domain = Domain::new(CHAIN.chain_id, rollup);
        },
    ];
    edits
        .into_iter()
        .map(|edit| {
            let mut w = mixed_batch();
            edit(&mut w);
            reseal(&mut w);
            w
        })
        .collect()
}

fn wrong_signature() -> Vec<BatchWitness> {
    let k = keys();
    let mut a = mixed_batch();
    a.l2[0].signature = a.l2[1].signature;
    let mut b = mixed_batch();
    sign_as(&mut b, 0, k.key(2).unwrap());
    // Signed for nonce 1 while the account is at 0.
    let mut c = mixed_batch();
    let op = L2Op::Transfer(zkroll_state::Transfer {
        from: 1,
        to: 2,
        amount: 250_000,
        fee: 3,
        nonce: 1,
    });
    c.l2[0].signature = Some(op.sign(k.key(1).unwrap(), &CHAIN).signature);
    vec![a, b, c]
}

fn r8_with_torsion() -> Vec<BatchWitness> {
    torsion_points()
        .into_iter()
        .skip(1)
        .map(|t| {
            let mut w = mixed_batch();
            let sig = w.l2[0].signature.as_mut().unwrap();
            sig.r8 = (sig.r8.into_group() + t).into_affine();
            w
        })
        .collect()
}

fn key_off_curve() -> Vec<BatchWitness> {
    let one = Fr::from(1u64);
    let b = base8();
    let mut out = Vec::new();
    for p in [
        Point::new_unchecked(b.x, b.y + one),
        Point::new_unchecked(b.x + one, b.y),
    ] {
        let mut w = mixed_batch();
        w.l2[0].from_before.as_mut().unwrap().pubkey = PublicKey::from_point(p);
        out.push(w);
    }
    // A tree whose leaf 4 holds an off-curve key: the witness is otherwise
    // consistent (forged, since native refuses to verify).
    let cfg = config(2, 2, 2);
    let (r, k) = funded(&cfg);
    let mut tree = r.tree().clone();
    let bad = PublicKey::from_point(Point::new_unchecked(b.x, b.y + one));
    tree.set(4, Some(Account::new(0, 1_000, bad))).unwrap();
    let slot = l2_slot(OpType::Transfer, 4, 1, 500, 0);
    let sig = k.key(1).unwrap().sign(message(&slot, 0, &CHAIN));
    out.push(forge(
        &tree,
        &cfg,
        r.last_batch() + 1,
        r.l1_next(),
        &[(slot, Some(sig))],
    ));
    out
}

/// A funded rollup plus account 4 (token 0, 1_000) created by a DepositNew
/// of `key`'s compression; panics if the native code refused the key.
fn with_account_4(key: &Point) -> (Rollup<MemStore>, Workload, BatchConfig) {
    let cfg = config(2, 2, 2);
    let (mut r, mut k) = funded(&cfg);
    let d = k.queue(L1Op::DepositNew {
        idx: 4,
        pubkey: PackedPubkey(compress(key)),
        token: 0,
        amount: 1_000,
    });
    let w = r.apply_batch(&cfg, &[d], &[]).unwrap();
    assert_eq!(w.l1[0].failure, None, "DepositNew accepts the key");
    assert_eq!(r.account(4).unwrap().pubkey.point(), key);
    (r, k, cfg)
}

/// Forges a transfer 4 -> 1 of 500 with `sig` over account 4, checking that
/// the native code refuses it with `why` in its error.
fn forge_from_4(
    r: &mut Rollup<MemStore>,
    cfg: &BatchConfig,
    sig: Signature,
    why: &str,
) -> BatchWitness {
    let slot = l2_slot(OpType::Transfer, 4, 1, 500, 0);
    let op = L2Op::Transfer(zkroll_state::Transfer {
        from: 4,
        to: 1,
        amount: 500,
        fee: 0,
        nonce: 0,
    });
    let refused = r.apply_batch(cfg, &[], &[SignedL2Op { op, signature: sig }]);
    let err = format!("{}", refused.expect_err("native refuses the forgery"));
    assert!(
        err.contains(why),
        "native refused for another reason: {err}"
    );
    forge(
        r.tree(),
        cfg,
        r.last_batch() + 1,
        r.l1_next(),
        &[(slot, Some(sig))],
    )
}

fn key_small_order() -> Vec<BatchWitness> {
    // 8 A = O, so S * Base8 == R8 + hm * 8 A holds for R8 = S * Base8.
    let s = Fs::from(7u64);
    let forged = Signature {
        r8: times_base8(7).into_affine(),
        s,
    };
    let mut out = Vec::new();
    for t in torsion_points() {
        let mut w = mixed_batch();
        w.l2[0].from_before.as_mut().unwrap().pubkey = PublicKey::from_point(t);
        w.l2[0].signature = Some(forged);
        out.push(w);
    }
    out
}

/// Keys with x != 0 decompress, but a DepositNew of one fails (natively
/// `SmallOrderPubkey`, and the deposit is refunded): no such account can
/// exist to be forged for. Published as applied, the batch is refused.
fn small_order_deposit_new_applied() -> Vec<BatchWitness> {
    let mut out = Vec::new();
    for t in torsion_points().into_iter().filter(|t| !t.x.is_zero()) {
        let cfg = config(2, 2, 2);
        let (mut r, mut k) = funded(&cfg);
        let d = k.queue(L1Op::DepositNew {
            idx: 4,
            pubkey: PackedPubkey(compress(&t)),
            token: 0,
            amount: 1_000,
        });
        let w = r.apply_batch(&cfg, &[d], &[]).unwrap();
        assert_eq!(
            w.l1[0].failure,
            Some(zkroll_state::L1Failure::SmallOrderPubkey)
        );
        assert_eq!(first_unsatisfied(BatchCircuit::new(w.clone())), None);
        let mut lie = w;
        lie.l1[0].slot.status = zkroll_state::pubdata::L1Status::Applied;
        reseal(&mut lie);
        out.push(lie);
    }
    assert_eq!(out.len(), 6, "six small-order points have x != 0");
    out
}

fn r8_small_order() -> Vec<BatchWitness> {
    let mut out = Vec::new();
    for t in torsion_points() {
        let mut w = mixed_batch();
        w.l2[0].signature.as_mut().unwrap().r8 = t;
        out.push(w);
    }
    // A key of known discrete log k: R8 = O and S = 8 hm k satisfy the
    // equation for any message.
    let k = 0x1234_5678_9abc_u64;
    let a = times_base8(k).into_affine();
    let (mut r, _, cfg) = with_account_4(&a);
    let o = Point::zero();
    let slot = l2_slot(OpType::Transfer, 4, 1, 500, 0);
    let pk = PublicKey::from_point(a);
    let hm: BigUint = zkroll_state::eddsa::challenge(&o, &pk, message(&slot, 0, &CHAIN)).into();
    let s = (hm.clone() * 8u32 * k) % suborder();
    let left = mul_biguint(&base8(), &s);
    let right = o.into_group() + mul_biguint(&a.mul_by_cofactor(), &hm);
    assert_eq!(left, right, "the forged equation holds");
    let sig = Signature {
        r8: o,
        s: Fs::from(s),
    };
    out.push(forge_from_4(&mut r, &cfg, sig, "small-order"));
    out
}

/// An off-curve R8 (moved off the curve in x, y or both).
fn r8_off_curve() -> Vec<BatchWitness> {
    [(0u64, 1u64), (1, 0), (5, 7)]
        .into_iter()
        .map(|(dx, dy)| {
            let mut w = mixed_batch();
            let sig = w.l2[0].signature.as_mut().unwrap();
            sig.r8 = Point::new_unchecked(sig.r8.x + Fr::from(dx), sig.r8.y + Fr::from(dy));
            w
        })
        .collect()
}

/// S + l: `Signature` holds S as an `Fs` (reduced mod l), so no
/// `BatchWitness` can carry it. In the circuit, S is 251 witnessed bits;
/// when S + l fits them, the equation alone accepts it ((S + l) Base8 =
/// S Base8), and only the `enforce_le_const(l - 1)` that
/// `SignatureVar::new_witness` applies to the bits refuses it.
#[test]
fn s_plus_l_is_refused_only_by_the_range_check() {
    use ark_r1cs_std::alloc::{AllocVar, AllocationMode};
    use ark_r1cs_std::groups::CurveVar;
    use ark_relations::gr1cs::ConstraintSystem;
    use zkroll_circuits::babyjubjub::PointVar;
    use zkroll_circuits::eddsa::{PublicKeyVar, SignatureVar, S_BITS};
    use zkroll_circuits::{Bool, FrVar};

    let l = suborder();
    let limit = (BigUint::from(1u32) << S_BITS) - &l;
    let k = keys();
    let key = k.key(1).unwrap();
    // A message whose signature has S + l < 2^251.
    let (msg, sig) = (0u64..)
        .map(|m| (Fr::from(m), key.sign(Fr::from(m))))
        .find(|(_, s)| BigUint::from(s.s) < limit)
        .unwrap();
    let big = BigUint::from(sig.s) + &l;
    for range_check in [false, true] {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let pk = PublicKeyVar::new_witness(cs.clone(), &key.public()).unwrap();
        let m = FrVar::new_witness(cs.clone(), || Ok(msg)).unwrap();
        let r8 = PointVar::new_variable_omit_prime_order_check(
            cs.clone(),
            || Ok(sig.r8.into_group()),
            AllocationMode::Witness,
        )
        .unwrap();
        let s_bits: Vec<Bool> = (0..S_BITS)
            .map(|i| Bool::new_witness(cs.clone(), || Ok(big.bit(i as u64))).unwrap())
            .collect();
        if range_check {
            zkroll_circuits::range::enforce_le_const(&s_bits, &(&l - 1u32)).unwrap();
        }
        let sv = SignatureVar { r8, s_bits };
        pk.verify(&m, &sv, &Bool::TRUE).unwrap();
        assert_eq!(cs.is_satisfied().unwrap(), !range_check);
    }
}
