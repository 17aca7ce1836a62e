//! Shared helpers: synthesis with constraint names, and small batches.

#![allow(dead_code)]

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, OptimizationGoal};
use zkroll_circuits::Fr;
use zkroll_state::batch::BatchWitness;
use zkroll_state::sim::Workload;
use zkroll_state::{BatchConfig, CircuitShape, MemStore, Rollup};

pub const CHAIN: zkroll_state::Domain = zkroll_state::Domain::new(7, [0x5a; 20]);

/// Synthesises `c` and returns `None` if satisfied, else the name (span
/// path) of the first unsatisfied constraint.
pub fn first_unsatisfied<C: ConstraintSynthesizer<Fr>>(c: C) -> Option<String> {
    match zkroll_circuits::first_unsatisfied(c) {
        Ok(name) => name,
        Err(e) => Some(format!("synthesis error: {e}")),
    }
}

/// Number of constraints of `c` (setup mode: no witness values needed).
pub fn count<C: ConstraintSynthesizer<Fr>>(c: C) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(ark_relations::gr1cs::SynthesisMode::Setup);
    c.generate_constraints(cs.clone()).expect("synthesis");
    cs.finalize();
    cs.num_constraints()
}

pub fn config(depth: u8, l1_slots: usize, l2_slots: usize) -> BatchConfig {
    BatchConfig {
        shape: CircuitShape {
            depth,
            l1_slots,
            l2_slots,
        },
        fee_account: 0,
        domain: CHAIN,
    }
}

/// A rollup after one batch creating accounts 0 (fee), 1, 2 (token 0) and
/// 3 (token 1), with the generator holding their keys.
pub fn funded(cfg: &BatchConfig) -> (Rollup<MemStore>, Workload) {
    let mut w = Workload::new(11, CHAIN);
    let mut r = Rollup::open(MemStore::new(), cfg.shape.depth, false).unwrap();
    let ops = [
        w.deposit_new(0, 0),
        w.deposit_new(0, 1_000_000),
        w.deposit_new(0, 2_000_000),
        w.deposit_new(1, 500_000),
    ];
    for chunk in ops.chunks(cfg.shape.l1_slots) {
        r.apply_batch(cfg, chunk, &[]).unwrap();
    }
    (r, w)
}

/// Recomputes the pubdata-derived fields of a hand-edited witness.
pub fn reseal(w: &mut BatchWitness) {
    let mut pd = zkroll_state::pubdata::Pubdata {
        header: w.header(),
        l1: w.l1.iter().map(|s| s.slot).collect(),
        l2: w.l2.iter().map(|s| s.slot).collect(),
    };
    pd.header.new_root = w.new_root;
    w.pubdata = pd.to_bytes();
    w.public_input = zkroll_state::pubdata::public_input(&w.pubdata);
}

// ---------------------------------------------------------------------------
// Batches, signing and hand-editing helpers for the twins.

use zkroll_state::babyjubjub::{Point, PointProjective};
use zkroll_state::batch::{FeeWitness, L1SlotWitness, L2SlotWitness};
use zkroll_state::float::{DecimalFloat, Float16, Float40};
use zkroll_state::pubdata::{
    header, BatchHeader, L1Slot, L2Slot, Pubdata, HEADER_BYTES, L1_SLOT_BYTES, L2_SLOT_BYTES,
};
use zkroll_state::{
    Account, AccountTree, Domain, L1Op, L2Op, OpType, Poseidon, PrivateKey, QueuedL1Op, Signature,
};

/// Batch 2 of a funded rollup (shape (2, 2, 2)): a ForcedExit of account 3
/// and a failed Deposit (foreign token) in the L1 slots; a transfer 1 -> 2
/// (250_000, fee 3) and a withdrawal from 2 (1_000, fee 1) in the L2 slots.
pub fn mixed_batch() -> BatchWitness {
    let cfg = config(2, 2, 2);
    let (mut r, k) = funded(&cfg);
    let (l1, l2) = mixed_ops(&k);
    r.apply_batch(&cfg, &l1, &l2).unwrap()
}

/// The operations of [`mixed_batch`] (after [`funded`]).
pub fn mixed_ops(k: &Workload) -> ([QueuedL1Op; 2], [zkroll_state::SignedL2Op; 2]) {
    let l1 = [
        QueuedL1Op {
            serial: 4,
            op: L1Op::ForcedExit { idx: 3, token: 1 },
        },
        QueuedL1Op {
            serial: 5,
            op: L1Op::Deposit {
                idx: 2,
                token: 1,
                amount: 5,
            },
        },
    ];
    let l2 = [
        k.transfer(1, 2, 250_000, 3, 0).unwrap(),
        k.withdraw(2, 1_000, 1, 0).unwrap(),
    ];
    (l1, l2)
}

/// The keys of [`funded`]'s accounts.
pub fn keys() -> Workload {
    funded(&config(2, 2, 2)).1
}

/// Byte offset of L1 slot `i`.
pub fn l1_at(i: usize) -> usize {
    HEADER_BYTES + i * L1_SLOT_BYTES
}

/// Byte offset of L2 slot `j` of `w`.
pub fn l2_at(w: &BatchWitness, j: usize) -> usize {
    HEADER_BYTES + w.config.shape.l1_slots * L1_SLOT_BYTES + j * L2_SLOT_BYTES
}

/// Recomputes the public input after the pubdata bytes were edited directly
/// (for values the typed slots cannot hold: unknown type bytes, status 2).
pub fn republish(w: &mut BatchWitness) {
    w.public_input = zkroll_state::pubdata::public_input(&w.pubdata);
}

/// Sets one pubdata byte and republishes.
pub fn set_byte(w: &mut BatchWitness, offset: usize, byte: u8) {
    w.pubdata[offset] = byte;
    republish(w);
}

/// The message the circuit checks the signature of L2 slot `j` against, read
/// as the circuit reads it: from the pubdata bytes (header domain, type byte,
/// from, to, amount, fee) and the witnessed `from` leaf's nonce.
pub fn circuit_message(w: &BatchWitness, j: usize) -> Fr {
    let pd = &w.pubdata;
    let o = l2_at(w, j);
    let mut d = [0u8; 28];
    d.copy_from_slice(&pd[header::CHAIN_ID..header::BATCH_NUMBER]);
    let domain = Domain::from_bytes(&d);
    let be32 = |at: usize| u32::from_be_bytes(pd[at..at + 4].try_into().unwrap());
    let amount = Float40::decode(Float40::from_bytes(&pd[o + 9..o + 14])).unwrap();
    let fee = Float16::decode(Float16::from_bytes(&pd[o + 14..o + 16])).unwrap();
    let nonce = w.l2[j].from_before.as_ref().map_or(0, |a| a.nonce);
    Poseidon::hash_n([
        domain.separator(OpType::Noop) + Fr::from(u64::from(pd[o])),
        Fr::from(be32(o + 1)),
        Fr::from(be32(o + 5)),
        Fr::from(amount),
        Fr::from(fee),
        Fr::from(nonce),
    ])
}

/// Re-signs L2 slot `j` with `key` over [`circuit_message`], as a malicious
/// key holder would after editing the slot, so only the targeted rule breaks.
pub fn sign_as(w: &mut BatchWitness, j: usize, key: &PrivateKey) {
    w.l2[j].signature = Some(key.sign(circuit_message(w, j)));
}

/// Re-signs L2 slot `j` with the key of the account its typed slot names.
pub fn resign(w: &mut BatchWitness, j: usize, keys: &Workload) {
    let key = keys.key(w.l2[j].slot.from).expect("our key").clone();
    sign_as(w, j, &key);
}

/// The rule spans of a constraint trace, innermost first (span names not in
/// [`zkroll_circuits::RULES`] are skipped).
pub fn rules_in(trace: &str) -> Vec<String> {
    spans_in(trace)
        .into_iter()
        .filter(|s| zkroll_circuits::RULES.contains(&s.as_str()))
        .collect()
}

/// All span names of a constraint trace (`  0: module::name` lines),
/// innermost first.
pub fn spans_in(trace: &str) -> Vec<String> {
    trace
        .lines()
        .filter_map(|l| {
            let (n, path) = l.trim().split_once(": ")?;
            n.parse::<usize>().ok()?;
            Some(path.rsplit("::").next()?.to_string())
        })
        .collect()
}

/// A witness for the given L2 slots applied to `tree` with no native check
/// at all (no signature, nonce, balance, token or existence check), as a
/// malicious operator would build one; every L1 slot is Noop. Balances wrap
/// and nonces wrap; an empty `to` stays empty. For a valid batch this is
/// exactly the native witness (`forge_agrees_with_native` checks it).
pub fn forge(
    tree: &AccountTree,
    cfg: &BatchConfig,
    batch_number: u64,
    l1_next: u64,
    l2: &[(L2Slot, Option<Signature>)],
) -> BatchWitness {
    let mut t = tree.clone();
    let old_root = t.root();
    let l1 = (0..cfg.shape.l1_slots)
        .map(|_| L1SlotWitness {
            slot: L1Slot::NOOP,
            pubkey: None,
            failure: None,
            before: t.get(0).copied(),
            path: t.path(0).unwrap(),
            root_after: old_root,
        })
        .collect();
    let mut total = 0u128;
    let mut slots = Vec::new();
    for j in 0..cfg.shape.l2_slots {
        let Some(&(slot, signature)) = l2.get(j) else {
            slots.push(L2SlotWitness::noop(&t));
            continue;
        };
        let amount = slot.amount().unwrap();
        let fee = slot.fee().unwrap();
        total = total.wrapping_add(fee);
        let from_before = t.get(slot.from).copied().expect("forge: from exists");
        let debited = Account {
            nonce: from_before.nonce.wrapping_add(1),
            balance: from_before.balance.wrapping_sub(amount).wrapping_sub(fee),
            ..from_before
        };
        let (from_path, _) = t.set(slot.from, Some(debited)).unwrap();
        let to = if slot.op_type == OpType::Transfer {
            slot.to
        } else {
            slot.from
        };
        let to_before = t.get(to).copied();
        let credited = match (slot.op_type, to_before) {
            (OpType::Transfer, Some(a)) => Some(Account {
                balance: a.balance.wrapping_add(amount),
                ..a
            }),
            (_, a) => a,
        };
        let (to_path, root_after) = t.set(to, credited).unwrap();
        slots.push(L2SlotWitness {
            slot,
            amount,
            fee,
            nonce: from_before.nonce,
            signature,
            from_before: Some(from_before),
            from_path,
            to_before,
            to_path,
            root_after,
        });
    }
    let before = *t.get(cfg.fee_account).expect("forge: fee account exists");
    let credited = Account {
        balance: before.balance.wrapping_add(total),
        ..before
    };
    let (path, new_root) = t.set(cfg.fee_account, Some(credited)).unwrap();
    let mut w = BatchWitness {
        config: *cfg,
        batch_number,
        old_root,
        l1,
        l2: slots,
        fee: FeeWitness {
            before,
            path,
            total,
        },
        new_root,
        l1_next,
        pubdata: Vec::new(),
        public_input: Fr::from(0u64),
    };
    let pd = Pubdata {
        header: BatchHeader {
            new_root,
            ..w.header()
        },
        l1: w.l1.iter().map(|s| s.slot).collect(),
        l2: w.l2.iter().map(|s| s.slot).collect(),
    };
    w.pubdata = pd.to_bytes();
    republish(&mut w);
    w
}

/// A typed L2 slot (amount and fee must have exact float packings).
pub fn l2_slot(op_type: OpType, from: u32, to: u32, amount: u128, fee: u128) -> L2Slot {
    L2Slot {
        op_type,
        from,
        to,
        amount_packed: Float40::encode(amount).unwrap(),
        fee_packed: Float16::encode(fee).unwrap(),
    }
}

/// The signed message of a typed L2 slot for `nonce` (native `L2Op::message`).
pub fn message(slot: &L2Slot, nonce: u32, domain: &Domain) -> Fr {
    let (amount, fee) = (slot.amount().unwrap(), slot.fee().unwrap());
    let op = match slot.op_type {
        OpType::Transfer => L2Op::Transfer(zkroll_state::Transfer {
            from: slot.from,
            to: slot.to,
            amount,
            fee,
            nonce,
        }),
        _ => L2Op::Withdraw(zkroll_state::Withdraw {
            from: slot.from,
            amount,
            fee,
            nonce,
        }),
    };
    op.message(domain)
}

/// The eight points of order dividing 8 (the identity first): `l * P` for
/// curve points P decompressed from small y until all eight appeared.
pub fn torsion_points() -> Vec<Point> {
    use ark_ec::CurveGroup;
    let l = zkroll_state::babyjubjub::suborder();
    let mut out = vec![Point::new_unchecked(Fr::from(0u64), Fr::from(1u64))];
    for y in 2u8..=255 {
        let mut b = [0u8; 32];
        b[0] = y;
        for sign in [0u8, 0x80] {
            b[31] = sign;
            if let Ok(p) = zkroll_state::babyjubjub::decompress_reduced(&b) {
                let t = zkroll_state::babyjubjub::mul_biguint(&p, &l).into_affine();
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
        if out.len() == 8 {
            return out;
        }
    }
    panic!("found only {} torsion points", out.len());
}

/// `k * Base8`.
pub fn times_base8(k: u64) -> PointProjective {
    zkroll_state::babyjubjub::mul_biguint(
        &zkroll_state::babyjubjub::base8(),
        &num_bigint::BigUint::from(k),
    )
}
