//! The ceremony flow of the README ("Keys from a ceremony"), end to end at
//! the smallest batch shape, with snarkjs as the ceremony's tool:
//! a testing Powers of Tau (`zkroll ptau new-testing`, checked by `snarkjs
//! powersoftau verify`) -> `zkroll export r1cs` (checked by `snarkjs r1cs
//! info`) -> `snarkjs zkey new` -> two `zkey contribute` -> `zkey beacon`
//! -> `zkey verify` -> `zkroll import zkey` -> `zkroll prove` a real batch
//! -> the proof passes `snarkjs groth16 verify` with the zkey's exported
//! key, `zkroll verify`, and the Solidity verifier in the EVM; snarkjs
//! proves the same batch from `zkroll prove --wtns-out`'s witness, and
//! `zkroll groth16 prove` does too. Then the refusals: a zkey without
//! contributions, one for another shape, corrupt ones, mismatched
//! witnesses.

mod support;

use std::path::Path;

use support::tools::{repo, snark, snarkjs, text, zk, zk_err, zk_ok};
use support::{ok, s, zkroll, ROLLUP};
use zkroll::l1::{compile_in, Address, Evm, U256};
use zkroll::verifier::snarkjs::{public_from_json, read_json, ProofJson, VerificationKeyJson};

/// The smallest batch shape: 84-94k constraints, a 2^17 domain.
const SHAPE: [&str; 6] = ["--depth", "2", "--l1-slots", "1", "--l2-slots", "1"];
/// snarkjs's `zkey new` needs 2^power >= the domain.
const POWER: &str = "17";

/// The batch's proof through the rendered Solidity verifier in the EVM.
fn evm_verifies(vk: &Path, proof: &Path, public: &Path) -> bool {
    let vk = read_json::<VerificationKeyJson>(vk)
        .unwrap()
        .to_key()
        .unwrap();
    let proof = read_json::<ProofJson>(proof).unwrap().to_proof().unwrap();
    let public = public_from_json(&read_json::<Vec<String>>(public).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sol = dir.path().join("Verifier.sol");
    std::fs::write(&sol, zkroll::verifier::solidity::render_verifier(&vk)).unwrap();
    let art = compile_in(repo(), &[sol.as_path()]).expect("solc compiles the verifier");
    let contract = art
        .get(zkroll::verifier::solidity::CONTRACT_NAME)
        .expect("the verifier contract");
    let mut evm = Evm::new();
    let at = evm.deploy_contract(contract, &[]).expect("deploys");
    let data = zkroll::verifier::solidity::calldata(&proof, &public);
    evm.call(Address::repeat_byte(0xca), at, &data, U256::ZERO)
        .is_ok()
}

#[test]
fn snarkjs_ceremony_keys_prove_batches_every_verifier_accepts() {
    let Some(sj) = snarkjs("the ceremony flow") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let started = std::time::Instant::now();

    // Phase 1: a testing ptau, accepted by snarkjs.
    let out = zk_ok(
        d,
        &["ptau", "new-testing", "--power", POWER, "--out", "pot.ptau"],
    );
    assert!(out.contains("WARNING"), "{out}");
    // snarkjs's two verifications (a minute and four) run beside the steps
    // that do not need their verdict, which is asserted before the end.
    std::thread::scope(|sc| {
        let ptau_ok = sc.spawn(|| {
            snark(
                &sj,
                d,
                &["powersoftau", "verify", "pot.ptau"],
                "Powers of Tau Ok!",
            )
        });

        // The circuit as circom's tools read it: the same counts as zkroll's.
        let mut args = vec!["export", "r1cs"];
        args.extend(SHAPE);
        args.extend(["--out", "batch.r1cs"]);
        let out = zk_ok(d, &args);
        let counts: Vec<&str> = out.split_whitespace().collect();
        let (constraints, wires) = (counts[2], counts[4]);
        let info = snark(&sj, d, &["r1cs", "info", "batch.r1cs"], "# of Wires");
        assert!(info.contains(&format!("# of Wires: {wires}")), "{info}");
        assert!(
            info.contains(&format!("# of Constraints: {constraints}")),
            "{info}"
        );
        assert!(info.contains("# of Public Inputs: 1"), "{info}");

        // Phase 2 with snarkjs: new, two contributions, a beacon, verify.
        snark(
            &sj,
            d,
            &["zkey", "new", "batch.r1cs", "pot.ptau", "b0.zkey"],
            "Circuit hash",
        );
        ptau_ok
            .join()
            .expect("snarkjs powersoftau verify accepts the ptau");
        let c1 = snark(
            &sj,
            d,
            &[
                "zkey",
                "contribute",
                "b0.zkey",
                "b1.zkey",
                "-n=alice",
                "-e=alice's entropy",
            ],
            "Contribution Hash",
        );
        snark(
            &sj,
            d,
            &[
                "zkey",
                "contribute",
                "b1.zkey",
                "b2.zkey",
                "-n=bob",
                "-e=bob's entropy",
            ],
            "Contribution Hash",
        );
        snark(
            &sj,
            d,
            &[
                "zkey",
                "beacon",
                "b2.zkey",
                "final.zkey",
                "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                "10",
                "-n=final beacon",
            ],
            "Contribution Hash",
        );
        let zkey_ok = sc.spawn(|| {
            snark(
                &sj,
                d,
                &["zkey", "verify", "batch.r1cs", "pot.ptau", "final.zkey"],
                "ZKey Ok!",
            )
        });

        // Import: the contributions are recorded, the dev label is gone.
        let mut args = vec!["import", "zkey", "--zkey", "final.zkey"];
        args.extend(SHAPE);
        args.extend(["--out", "keys"]);
        let out = zk_ok(d, &args);
        assert!(out.contains("3 contributions"), "{out}");
        let params: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("keys/params.json")).unwrap()).unwrap();
        assert_eq!(params["label"], "SNARKJS-CEREMONY");
        assert_eq!(params["reduction"], "circom");
        let contribs = params["ceremony"]["contributions"].as_array().unwrap();
        let names: Vec<&str> = contribs
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["alice", "bob", "final beacon"]);
        assert_eq!(contribs[2]["kind"], "beacon");
        // alice's hash as snarkjs printed it (4 lines of 4 hex words).
        let printed: String = c1
            .split("Contribution Hash:")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .take(16)
            .collect();
        assert_eq!(contribs[0]["hash"].as_str().unwrap(), printed);
        let vk_note = std::fs::read_to_string(d.join("keys/verification_key.json")).unwrap();
        assert!(!vk_note.contains("INSECURE-DEV-SETUP"));

        // A real batch proved with the ceremony key.
        let db = d.join("state.redb");
        ok(zkroll(&["init", "--state", s(&db), "--depth", "2"]));
        let acct: serde_json::Value =
            serde_json::from_str(&ok(zkroll(&["account", "new"]))).unwrap();
        let ops = serde_json::json!({
            "domain": {"chain_id": 1, "rollup": ROLLUP}, "fee_account": 0,
            "l1": [{"serial": 0, "type": "DepositNew", "idx": 0, "pubkey": acct["public_key_packed"], "token": 0, "amount": "10"}],
            "l2": []
        });
        std::fs::write(d.join("ops.json"), ops.to_string()).unwrap();
        zk_ok(
            d,
            &[
                "prove",
                "--keys",
                "keys",
                "--state",
                s(&db),
                "--ops",
                "ops.json",
                "--out",
                "out",
                "--wtns-out",
                "out",
            ],
        );
        snark(
            &sj,
            d,
            &["zkey", "export", "verificationkey", "final.zkey", "vk.json"],
            "EXPORT VERIFICATION KEY FINISHED",
        );
        snark(
            &sj,
            d,
            &[
                "groth16",
                "verify",
                "vk.json",
                "out/public.json",
                "out/proof.json",
            ],
            "OK!",
        );
        let v = zk(
            d,
            &[
                "verify",
                "--vk",
                "keys/verification_key.json",
                "--proof",
                "out/proof.json",
                "--public",
                "out/public.json",
            ],
        );
        assert!(v.status.success(), "{}", text(&v));
        assert!(evm_verifies(
            &d.join("keys/verification_key.json"),
            &d.join("out/proof.json"),
            &d.join("out/public.json")
        ));

        // The same batch proved by snarkjs from zkroll's witness, and by
        // `zkroll groth16 prove` (with and without the r1cs): all verify.
        snark(
            &sj,
            d,
            &[
                "groth16",
                "prove",
                "final.zkey",
                "out/witness.wtns",
                "sp.json",
                "spub.json",
            ],
            "",
        );
        snark(
            &sj,
            d,
            &["groth16", "verify", "vk.json", "spub.json", "sp.json"],
            "OK!",
        );
        assert_eq!(
            std::fs::read_to_string(d.join("spub.json"))
                .unwrap()
                .split_whitespace()
                .collect::<String>(),
            std::fs::read_to_string(d.join("out/public.json"))
                .unwrap()
                .split_whitespace()
                .collect::<String>()
        );
        zk_ok(
            d,
            &[
                "groth16",
                "prove",
                "final.zkey",
                "out/witness.wtns",
                "gp.json",
                "gpub.json",
            ],
        );
        zk_ok(
            d,
            &[
                "groth16",
                "prove",
                "final.zkey",
                "out/witness.wtns",
                "gp2.json",
                "gpub2.json",
                "--r1cs",
                "batch.r1cs",
            ],
        );
        for p in ["gp.json", "gp2.json"] {
            snark(
                &sj,
                d,
                &["groth16", "verify", "vk.json", "gpub.json", p],
                "OK!",
            );
            zk_ok(d, &["groth16", "verify", "vk.json", "gpub.json", p]);
        }
        refusals(d);
        zkey_ok
            .join()
            .expect("snarkjs zkey verify accepts the final zkey");
        println!(
            "ceremony flow and refusals: {:.0} s in all",
            started.elapsed().as_secs_f64()
        );
    });
}

/// What the import and the circom prover refuse, each with its reason.
fn refusals(d: &Path) {
    let import = |zkey: &str, shape: [&str; 6], extra: &[&str]| {
        let mut args = vec!["import", "zkey", "--zkey", zkey];
        args.extend(shape);
        args.extend(["--out", "bad-keys"]);
        args.extend(extra);
        args.iter().map(|a| a.to_string()).collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| zk_err(d, &a.iter().map(String::as_str).collect::<Vec<_>>());
    // No contributions: refused unless allowed.
    let e = run(import("b0.zkey", SHAPE, &[]));
    assert!(e.contains("no phase-2 contribution"), "{e}");
    let mut allow = import("b0.zkey", SHAPE, &["--allow-no-contributions"]);
    let n = allow.len();
    allow[n - 2] = "test-keys".into();
    let a: Vec<&str> = allow.iter().map(String::as_str).collect();
    let out = zk_ok(d, &a);
    assert!(out.contains("TEST ONLY"), "{out}");
    // Another shape.
    let e = run(import(
        "final.zkey",
        ["--depth", "2", "--l1-slots", "0", "--l2-slots", "1"],
        &[],
    ));
    assert!(e.contains("another circuit or shape"), "{e}");

    // Corrupt zkeys: truncated, a point off the curve, a coefficient changed.
    let zkey = std::fs::read(d.join("final.zkey")).unwrap();
    std::fs::write(d.join("cut.zkey"), &zkey[..zkey.len() / 2]).unwrap();
    let e = run(import("cut.zkey", SHAPE, &[]));
    assert!(e.contains(".zkey"), "{e}");
    let mut off = zkey.clone();
    // The last byte of the file is in the contributions; the H section's
    // first point sits well inside: flip a low byte of an x coordinate in
    // the middle of the file, which lands in some point section.
    let mid = zkey.len() / 2;
    off[mid] ^= 0x01;
    std::fs::write(d.join("off.zkey"), &off).unwrap();
    let e = run(import("off.zkey", SHAPE, &[]));
    assert!(
        e.contains("not on the curve") || e.contains("not below") || e.contains("differs"),
        "{e}"
    );

    // Witnesses: too short, unsatisfied (named with --r1cs, refused
    // without), and garbage.
    let wtns = std::fs::read(d.join("out/witness.wtns")).unwrap();
    let mut full = zkroll::prover::formats::wtns::read(&wtns).unwrap();
    let short = zkroll::prover::formats::wtns::write(&full[..full.len() - 1]).unwrap();
    std::fs::write(d.join("short.wtns"), short).unwrap();
    let e = zk_err(
        d,
        &[
            "groth16",
            "prove",
            "final.zkey",
            "short.wtns",
            "x.json",
            "y.json",
        ],
    );
    assert!(e.contains("values, the zkey's circuit"), "{e}");
    let last = full.len() - 1;
    full[last] += ark_bn254::Fr::from(1u64);
    let bad = zkroll::prover::formats::wtns::write(&full).unwrap();
    std::fs::write(d.join("bad.wtns"), bad).unwrap();
    let e = zk_err(
        d,
        &[
            "groth16",
            "prove",
            "final.zkey",
            "bad.wtns",
            "x.json",
            "y.json",
            "--r1cs",
            "batch.r1cs",
        ],
    );
    assert!(e.contains("does not satisfy constraint"), "{e}");
    let e = zk_err(
        d,
        &[
            "groth16",
            "prove",
            "final.zkey",
            "bad.wtns",
            "x.json",
            "y.json",
        ],
    );
    assert!(e.contains("does not verify"), "{e}");
    assert!(
        !d.join("x.json").exists(),
        "no proof on disk after a refusal"
    );
    std::fs::write(d.join("junk.wtns"), b"wtns\x02\x00\x00\x00junk").unwrap();
    let e = zk_err(
        d,
        &[
            "groth16",
            "prove",
            "final.zkey",
            "junk.wtns",
            "x.json",
            "y.json",
        ],
    );
    assert!(e.contains("wtns"), "{e}");
}
