//! Writes the seed corpora: `gen_corpus [DIR]` (default `fuzz/corpus`),
//! one directory per target, from the verifier's snarkjs fixtures and a
//! deterministic workload over `zkroll_fuzz::SHAPE`. Deterministic: running
//! it again rewrites the same bytes.

use std::path::{Path, PathBuf};

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_serialize::CanonicalSerialize;
use sha2::{Digest, Sha256};
use zkroll::ops_file::OpsFile;
use zkroll_fuzz::{batch1_ops, config, fixtures, key_dir_input, CHAIN, SHAPE, SHAPE_BYTE};
use zkroll_prover::{KeyParams, DEV_SETUP_LABEL};
use zkroll_state::babyjubjub::{base8, compress, mul_biguint, to_affine};
use zkroll_state::batch::apply_batch;
use zkroll_state::float::{DecimalFloat, Float16, Float40};
use zkroll_state::sim::undecompressible_key;
use zkroll_state::tree::AccountTree;
use zkroll_state::{CircuitShape, L1Op, L2Op, QueuedL1Op, Transfer};

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join(name), bytes).unwrap();
}

fn json<T: serde::Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec_pretty(v).unwrap()
}

fn main() {
    let dir: PathBuf = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus")));

    // snarkjs_json: the fixtures that verify, and the identity proof.
    write(
        &dir,
        "snarkjs_json",
        "verification_key.json",
        fixtures::VK.as_bytes(),
    );
    write(
        &dir,
        "snarkjs_json",
        "proof.json",
        fixtures::PROOF.as_bytes(),
    );
    write(
        &dir,
        "snarkjs_json",
        "public.json",
        fixtures::PUBLIC.as_bytes(),
    );
    write(
        &dir,
        "snarkjs_json",
        "proof_identity.json",
        br#"{"pi_a":["0","1","0"],"pi_b":[["0","0"],["1","0"],["0","0"]],"pi_c":["0","1","0"],"protocol":"groth16","curve":"bn128"}"#,
    );

    // The workload: batch 1 (four deposits), then batch 2 variants.
    let (w, l1_batch1) = batch1_ops();
    let mut tree = AccountTree::new(SHAPE.depth).unwrap();
    let wit1 = apply_batch(&mut tree, &config(0, CHAIN), 1, 0, &l1_batch1, &[]).unwrap();
    let after1 = tree.clone();

    let forced_exit = QueuedL1Op {
        serial: 4,
        op: L1Op::ForcedExit { idx: 3, token: 1 },
    };
    let l2_happy = vec![
        w.transfer(1, 2, 300, 2, 0).unwrap(),
        w.withdraw(2, 100, 1, 0).unwrap(),
        w.transfer(1, 1, 5, 0, 1).unwrap(),
    ];
    // L1 failures: a deposit to an account that does not exist, a new
    // account with a key no point has; then a big float amount.
    let failing_l1 = vec![
        QueuedL1Op {
            serial: 4,
            op: L1Op::Deposit {
                idx: 9,
                token: 0,
                amount: 77,
            },
        },
        QueuedL1Op {
            serial: 5,
            op: L1Op::DepositNew {
                idx: 4,
                pubkey: undecompressible_key(),
                token: 0,
                amount: 10,
            },
        },
        QueuedL1Op {
            serial: 6,
            op: L1Op::Deposit {
                idx: 2,
                token: 0,
                amount: 1_000_000_000_000_000,
            },
        },
    ];
    let l2_big = vec![w.transfer(2, 1, 1_000_000_000_000_000, 1000, 0).unwrap()];

    let files = [
        (
            "batch1_deposits.json",
            OpsFile {
                domain: CHAIN,
                fee_account: 0,
                l1: l1_batch1.clone(),
                l2: vec![],
            },
        ),
        (
            "batch2_transfers_withdraw_exit.json",
            OpsFile {
                domain: CHAIN,
                fee_account: 0,
                l1: vec![forced_exit],
                l2: l2_happy.clone(),
            },
        ),
        (
            "batch2_l1_failures_big_amount.json",
            OpsFile {
                domain: CHAIN,
                fee_account: 0,
                l1: failing_l1.clone(),
                l2: l2_big.clone(),
            },
        ),
        (
            "empty.json",
            OpsFile {
                domain: CHAIN,
                fee_account: 0,
                l1: vec![],
                l2: vec![],
            },
        ),
    ];
    for (name, f) in &files {
        write(&dir, "ops_file", name, &json(f));
    }

    // signed_op: each signed op, an unsigned one, a queued L1 op, a key
    // and a signature.
    for (i, s) in l2_happy.iter().chain(&l2_big).enumerate() {
        write(&dir, "signed_op", &format!("signed_{i}.json"), &json(s));
    }
    write(
        &dir,
        "signed_op",
        "l2op_transfer.json",
        &json(&L2Op::Transfer(Transfer {
            from: 1,
            to: 2,
            amount: 5,
            fee: 0,
            nonce: 0,
        })),
    );
    write(
        &dir,
        "signed_op",
        "queued_deposit_new.json",
        &json(&l1_batch1[1]),
    );
    write(
        &dir,
        "signed_op",
        "queued_bad_key.json",
        &json(&failing_l1[1]),
    );
    write(
        &dir,
        "signed_op",
        "public_key.json",
        &json(&w.key(1).unwrap().public()),
    );
    write(
        &dir,
        "signed_op",
        "signature.json",
        &json(&l2_happy[0].signature),
    );

    // pubdata_replay: the published bytes of each batch.
    write(
        &dir,
        "pubdata_replay",
        "batch1",
        &[&[SHAPE_BYTE][..], &wit1.pubdata].concat(),
    );
    for (name, f) in &files[1..3] {
        let mut t = after1.clone();
        let wit = apply_batch(&mut t, &config(f.fee_account, f.domain), 2, 4, &f.l1, &f.l2)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let stem = name.trim_end_matches(".json");
        write(
            &dir,
            "pubdata_replay",
            stem,
            &[&[SHAPE_BYTE][..], &wit.pubdata].concat(),
        );
    }
    {
        // A 1 L1 / 1 L2 slot shape (selector 1 + 5 * 1 = 6) on a fresh tree.
        let shape = CircuitShape {
            depth: SHAPE.depth,
            l1_slots: 1,
            l2_slots: 1,
        };
        let cfg = zkroll_state::BatchConfig {
            shape,
            fee_account: 0,
            domain: CHAIN,
        };
        let mut t = AccountTree::new(SHAPE.depth).unwrap();
        let wit = apply_batch(&mut t, &cfg, 1, 0, &l1_batch1[..1], &[]).unwrap();
        write(
            &dir,
            "pubdata_replay",
            "shape_1_1",
            &[&[6u8][..], &wit.pubdata].concat(),
        );
    }

    // packed_point: a few points, a signature, a non-canonical y.
    for k in [1u64, 2, 7] {
        let p = to_affine(mul_biguint(&base8(), &k.into()));
        write(&dir, "packed_point", &format!("point_{k}"), &compress(&p));
        let n = to_affine(-p.into_group());
        write(
            &dir,
            "packed_point",
            &format!("point_neg_{k}"),
            &compress(&n),
        );
    }
    write(
        &dir,
        "packed_point",
        "signature",
        &l2_happy[0].signature.to_bytes(),
    );
    let mut noncanon = [0xffu8; 32];
    noncanon[31] = 0x7f;
    write(&dir, "packed_point", "noncanonical_y", &noncanon);

    // float: float40 | float16 | u128.
    for (name, amount, fee, value) in [
        ("small", 1000u128, 3u128, 1000u128),
        ("max_mantissa", 34_359_738_367, 2047, 34_359_738_367),
        (
            "big_exponent",
            10u128.pow(30),
            20_470,
            123_000_000_000_000_000_000,
        ),
        ("unrepresentable", 0, 0, 34_359_738_369),
    ] {
        let mut v = Float40::to_bytes(Float40::encode(amount).unwrap());
        v.extend(Float16::to_bytes(Float16::encode(fee).unwrap()));
        v.extend(value.to_be_bytes());
        write(&dir, "float", name, &v);
    }
    let mut overflow = Float40::to_bytes((31u64 << 35) | ((1 << 35) - 1));
    overflow.extend([0xff, 0xff]);
    overflow.extend(u128::MAX.to_be_bytes());
    write(&dir, "float", "overflow", &overflow);

    // key_dir: params.json for a tiny shape and a proving_key.bin of
    // identity/generator points (decodes, but is for no circuit).
    let g1 = G1Affine::generator();
    let g2 = G2Affine::generator();
    let pk = ProvingKey::<Bn254> {
        vk: VerifyingKey {
            alpha_g1: g1,
            beta_g2: g2,
            gamma_g2: g2,
            delta_g2: G2Affine::identity(),
            gamma_abc_g1: vec![g1, G1Affine::identity()],
        },
        beta_g1: g1,
        delta_g1: G1Affine::identity(),
        a_query: vec![g1],
        b_g1_query: vec![],
        b_g2_query: vec![g2],
        h_query: vec![],
        l_query: vec![g1],
    };
    let mut pk_bytes =
        format!("zkroll proving key {DEV_SETUP_LABEL}: development only\n").into_bytes();
    pk.serialize_uncompressed(&mut pk_bytes).unwrap();
    let params = KeyParams {
        label: DEV_SETUP_LABEL.into(),
        warning: "development only".into(),
        shape: CircuitShape {
            depth: 1,
            l1_slots: 1,
            l2_slots: 1,
        },
        constraints: 1000,
        public_inputs: 1,
        proving_key_sha256: hex::encode(Sha256::digest(&pk_bytes)),
        verification_key_sha256: "00".repeat(32),
        matrices_sha256: "00".repeat(32),
        reduction: zkroll_prover::Reduction::Libsnark,
        ceremony: None,
    };
    let params_json = json(&params);
    write(
        &dir,
        "key_dir",
        "hash_ok",
        &key_dir_input(0, &params_json, &pk_bytes),
    );
    write(
        &dir,
        "key_dir",
        "hash_fixed",
        &key_dir_input(1, &params_json, &pk_bytes),
    );
    write(
        &dir,
        "key_dir",
        "truncated_key",
        &key_dir_input(1, &params_json, &pk_bytes[..pk_bytes.len() - 10]),
    );
    write(
        &dir,
        "key_dir",
        "no_label_line",
        &key_dir_input(1, &params_json, b"no newline"),
    );

    // circom_files: byte 0 picks the reader. A two-constraint system
    // (x * x = y with y public, then y * 1 = y) as .r1cs (0) and as
    // matrices.bin (3), and its assignment as .wtns (1).
    {
        use ark_bn254::Fr;
        use zkroll_prover::formats::{r1cs_file, wtns};
        use zkroll_prover::r1cs::SparseMatrix;
        let one = Fr::from(1u64);
        let m = |rows: Vec<Vec<(Fr, usize)>>| SparseMatrix::from_matrix(&rows).unwrap();
        let sys = zkroll_prover::R1cs {
            a: m(vec![vec![(one, 2)], vec![(one, 1)]]),
            b: m(vec![vec![(one, 2)], vec![(one, 0)]]),
            c: Some(m(vec![vec![(one, 1)], vec![(one, 1)]])),
            num_instance: 2,
            num_witness: 1,
            num_constraints: 2,
        };
        let tagged = |tag: u8, b: Vec<u8>| [vec![tag], b].concat();
        let full = [one, Fr::from(9u64), Fr::from(3u64)];
        write(&dir, "circom_files", "r1cs", &tagged(0, r1cs_file::write(&sys).unwrap()));
        write(&dir, "circom_files", "wtns", &tagged(1, wtns::write(&full).unwrap()));
        write(&dir, "circom_files", "matrices", &tagged(3, sys.to_bytes()));
    }
    eprintln!("seed corpora written under {}", dir.display());
}
