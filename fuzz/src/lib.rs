//! Shared fixtures of the zkroll fuzz targets and the seed-corpus generator:
//! one deployment, one small circuit shape and the state after a first
//! batch of deposits, all deterministic so that a seed written by
//! `gen_corpus` replays onto the same tree inside a target.

use std::sync::OnceLock;

use zkroll_state::batch::apply_batch;
use zkroll_state::sim::Workload;
use zkroll_state::tree::AccountTree;
use zkroll_state::{BatchConfig, CircuitShape, Domain, PublicKey, QueuedL1Op};

/// The deployment every seed is signed for.
pub const CHAIN: Domain = Domain::new(7, [0x5a; 20]);

/// The shape the state targets run: depth 3, 4 L1 and 4 L2 slots.
pub const SHAPE: CircuitShape = CircuitShape {
    depth: 3,
    l1_slots: 4,
    l2_slots: 4,
};

/// The workload seed (keys of accounts 0..4).
pub const WORKLOAD_SEED: u64 = 1;

/// The batch configuration with fee account `fee_account` in `domain`.
pub fn config(fee_account: u32, domain: Domain) -> BatchConfig {
    BatchConfig {
        shape: SHAPE,
        fee_account,
        domain,
    }
}

/// The deposits of batch 1: accounts 0 (fee, token 0, 0), 1 and 2 (token
/// 0, 1000 each) and 3 (token 1, 500). Returns the workload holding their keys.
pub fn batch1_ops() -> (Workload, Vec<QueuedL1Op>) {
    let mut w = Workload::new(WORKLOAD_SEED, CHAIN);
    let ops = vec![
        w.deposit_new(0, 0),
        w.deposit_new(0, 1000),
        w.deposit_new(0, 1000),
        w.deposit_new(1, 500),
    ];
    (w, ops)
}

/// The states the targets start from.
pub struct Base {
    /// The empty depth-3 tree.
    pub empty: AccountTree,
    /// The tree after batch 1.
    pub after1: AccountTree,
    /// Batch 1's pubdata.
    pub batch1_pubdata: Vec<u8>,
    /// Public keys of accounts 0..4.
    pub pubkeys: Vec<PublicKey>,
}

/// The base states, built once per process.
pub fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let (w, ops) = batch1_ops();
        let empty = AccountTree::new(SHAPE.depth).expect("depth 3 is valid");
        let mut after1 = empty.clone();
        let wit =
            apply_batch(&mut after1, &config(0, CHAIN), 1, 0, &ops, &[]).expect("batch 1 applies");
        let pubkeys = (0..4)
            .map(|i| w.key(i).expect("workload key").public())
            .collect();
        Base {
            empty,
            after1,
            batch1_pubdata: wit.pubdata,
            pubkeys,
        }
    })
}

/// snarkjs fixtures (`verifier/tests/fixtures`): a key, proof and public
/// input that verify.
pub mod fixtures {
    /// `verification_key.json`.
    pub const VK: &str = include_str!("../../verifier/tests/fixtures/verification_key.json");
    /// `proof.json`.
    pub const PROOF: &str = include_str!("../../verifier/tests/fixtures/proof.json");
    /// `public.json`.
    pub const PUBLIC: &str = include_str!("../../verifier/tests/fixtures/public.json");
}

/// Input layout of the `key_dir` target: `flags u8 | params_len u16 BE |
/// params.json | proving_key.bin`. Flag bit 0: the target rewrites
/// `proving_key_sha256` in params.json to the real hash of the key bytes
/// (so the fuzzer gets past the hash check to the key decoder).
pub fn key_dir_input(flags: u8, params: &[u8], pk: &[u8]) -> Vec<u8> {
    let mut v = vec![flags];
    v.extend_from_slice(&(params.len() as u16).to_be_bytes());
    v.extend_from_slice(params);
    v.extend_from_slice(pk);
    v
}

/// Splits a `key_dir` input (see [`key_dir_input`]).
pub fn split_key_dir_input(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    if data.len() < 3 {
        return None;
    }
    let flags = data[0];
    let n = u16::from_be_bytes([data[1], data[2]]) as usize;
    let rest = &data[3..];
    let n = n.min(rest.len());
    Some((flags, &rest[..n], &rest[n..]))
}

/// Shape selector byte of the `pubdata_replay` target: `l1_slots = b % 5`,
/// `l2_slots = (b / 5) % 5`, depth 3.
pub fn shape_from_byte(b: u8) -> CircuitShape {
    CircuitShape {
        depth: SHAPE.depth,
        l1_slots: (b % 5) as usize,
        l2_slots: ((b / 5) % 5) as usize,
    }
}

/// The selector byte of [`SHAPE`].
pub const SHAPE_BYTE: u8 = 4 + 5 * 4;
