//! Twins of the fee-credit and header rules: a fee account beyond the tree
//! (aliasing a leaf), fee paths that do not prove the fee account's leaf
//! (including fees credited at an account other than the header's), an
//! overflowing fee credit, non-canonical roots, a wrong l1_count, a wrong
//! new root, and a public input that is not the pubdata's commitment.

use crate::common::*;
use crate::Twin;
use num_bigint::BigUint;
use zkroll_circuits::Fr;
use zkroll_state::batch::BatchWitness;
use zkroll_state::pubdata::header;

pub const TWINS: &[Twin] = &[
    Twin {
        rule: "fee_account_in_tree",
        name: "header fee account with bits above 2 * depth",
        build: fee_account_beyond_tree,
    },
    Twin {
        rule: "fee_account_overflow",
        name: "fee account at 2^128 - 1 credited",
        build: fee_account_overflow,
    },
    Twin {
        rule: "fee_path_proves_leaf",
        name: "tampered fee path / leaf; header names another fee account",
        build: fee_path,
    },
    Twin {
        rule: "header_root_canonical",
        name: "old / new root + r, a root with the top bit set",
        build: non_canonical_root,
    },
    Twin {
        rule: "header_l1_count",
        name: "l1_count 1 and 3 for 2 operations",
        build: l1_count_lie,
    },
    Twin {
        rule: "header_new_root",
        name: "header new root off by one",
        build: new_root_lie,
    },
    Twin {
        rule: "public_input_is_pubdata_commitment",
        name: "public input off by one; pubdata edited without republishing",
        build: public_input_lie,
    },
];

fn fee_account_beyond_tree() -> Vec<BatchWitness> {
    // 16 = 4^2 aliases account 0 in the path bits.
    [16, 1 << 31, 2 | 1 << 20]
        .into_iter()
        .map(|idx| {
            let mut w = mixed_batch();
            w.config.fee_account = idx;
            reseal(&mut w);
            w
        })
        .collect()
}

fn fee_account_overflow() -> Vec<BatchWitness> {
    let mut w = mixed_batch();
    w.fee.before.balance = u128::MAX;
    vec![w]
}

fn fee_path() -> Vec<BatchWitness> {
    let mut a = mixed_batch();
    a.fee.path.siblings[0][0] += Fr::from(1u64);
    let mut b = mixed_batch();
    b.fee.before.balance += 1;
    // The header names account 2 (token 0 as well); the witness credits 0.
    let mut c = mixed_batch();
    c.config.fee_account = 2;
    reseal(&mut c);
    vec![a, b, c]
}

fn non_canonical_root() -> Vec<BatchWitness> {
    let r = zkroll_state::field::modulus();
    let mut out = Vec::new();
    for (at, root) in [(header::OLD_ROOT, 0), (header::NEW_ROOT, 1)] {
        // root + r encodes the same element.
        let mut w = mixed_batch();
        let v = [w.old_root, w.new_root][root];
        let bytes = (&r + BigUint::from(v)).to_bytes_be();
        assert_eq!(bytes.len(), 32);
        w.pubdata[at..at + 32].copy_from_slice(&bytes);
        republish(&mut w);
        out.push(w);
    }
    let mut w = mixed_batch();
    w.pubdata[header::OLD_ROOT] |= 0x80;
    republish(&mut w);
    out.push(w);
    out
}

fn l1_count_lie() -> Vec<BatchWitness> {
    [1, 3]
        .into_iter()
        .map(|n| {
            let mut w = mixed_batch();
            set_byte(&mut w, header::END - 1, n);
            w
        })
        .collect()
}

fn new_root_lie() -> Vec<BatchWitness> {
    let mut w = mixed_batch();
    w.new_root += Fr::from(1u64);
    reseal(&mut w);
    vec![w]
}

fn public_input_lie() -> Vec<BatchWitness> {
    let mut a = mixed_batch();
    a.public_input += Fr::from(1u64);
    // The batch number is bound by nothing but the commitment.
    let mut b = mixed_batch();
    b.pubdata[header::BATCH_NUMBER + 7] ^= 1;
    vec![a, b]
}
