//! Pubdata (`zkroll_state::pubdata`) and its replay onto a state
//! (`zkroll_state::batch::replay_pubdata`), as a node following L1 does; the
//! `submitBatch` parts (`pubdata_from_parts`) and the L1 queue event
//! payload (`queued_op`).
//!
//! Input: a shape selector byte (`zkroll_fuzz::shape_from_byte`), then the
//! pubdata.
//!
//! Oracle: never a panic; decode -> encode is the identity (and the header
//! alone too); the `submitBatch` parts of decoded pubdata pad back to it;
//! a replay that succeeds ends at the header's new root, one that fails
//! leaves the tree unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkroll_fuzz::{base, shape_from_byte};
use zkroll_state::batch::replay_pubdata;
use zkroll_state::ops::OpType;
use zkroll_state::pubdata::{
    pubdata_from_parts, public_input, queued_op, BatchHeader, Pubdata, HEADER_BYTES, L1_SLOT_BYTES,
    L2_SLOT_BYTES,
};
use zkroll_state::tree::AccountTree;

fn replay_onto(pre: &AccountTree, shape: &zkroll_state::CircuitShape, bytes: &[u8]) {
    let mut t = pre.clone();
    match replay_pubdata(&mut t, shape, bytes) {
        Ok(pd) => {
            assert_eq!(t.root(), pd.header.new_root, "replay ends off the new root");
            assert_eq!(pd.header.old_root, pre.root());
        }
        Err(_) => assert!(t == *pre, "a refused replay changed the tree"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let shape = shape_from_byte(sel);

    if bytes.len() >= HEADER_BYTES {
        let mut h = [0u8; HEADER_BYTES];
        h.copy_from_slice(&bytes[..HEADER_BYTES]);
        if let Ok(header) = BatchHeader::from_bytes(&h) {
            assert_eq!(header.to_bytes(), h, "header re-encodes differently");
        }
    }
    // Every 58-byte window as an L1OpQueued payload; and a short one.
    for (k, c) in bytes.chunks(L1_SLOT_BYTES).enumerate().take(8) {
        let _ = queued_op(k as u64, c);
    }

    match Pubdata::from_bytes(bytes, &shape) {
        Ok(pd) => {
            assert_eq!(pd.to_bytes(), bytes, "pubdata re-encodes differently");
            assert_eq!(pd.public_input(), public_input(bytes));
            // submitBatch's parts: the consumed L1 slots, the L2 slots up to
            // the last non-Noop one.
            let l1_len = pd.header.l1_count as usize * L1_SLOT_BYTES;
            let l2_used = pd
                .l2
                .iter()
                .rposition(|s| s.op_type != OpType::Noop)
                .map_or(0, |i| i + 1);
            let l1_start = HEADER_BYTES;
            let l2_start = l1_start + shape.l1_slots * L1_SLOT_BYTES;
            let full = pubdata_from_parts(
                &shape,
                &bytes[..HEADER_BYTES],
                &bytes[l1_start..l1_start + l1_len],
                &bytes[l2_start..l2_start + l2_used * L2_SLOT_BYTES],
            )
            .expect("parts of valid pubdata fit its shape");
            assert_eq!(full, bytes, "parts pad to other pubdata");
        }
        Err(_) => {
            // Arbitrary splits of the bytes as submitBatch's arguments.
            let n = bytes.len();
            let a = (sel as usize * 7) % (n + 1);
            let b = a + (n - a) / 2;
            let _ = pubdata_from_parts(&shape, &bytes[..a], &bytes[a..b], &bytes[b..]);
        }
    }

    let b = base();
    replay_onto(&b.empty, &shape, bytes);
    replay_onto(&b.after1, &shape, bytes);
});
