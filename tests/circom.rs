//! zkroll proves circuits written in circom (tests/circom/, compiled here
//! with npm's circom2 against circomlib): an EdDSA-Poseidon verifier, a
//! circuit with 64 public inputs and one whose witness is almost all
//! zeros and ones. Each gets a testing ptau (`zkroll ptau new-testing`), `snarkjs zkey
//! new` and a contribution, and a witness from circom's wasm. Then
//! `zkroll groth16 prove`, with and without `--r1cs`, makes proofs that
//! `snarkjs groth16 verify` and `zkroll groth16 verify` accept; snarkjs's
//! own proof of the same witness has the same public inputs and zkroll
//! accepts it. `zkroll groth16 setup-testing`'s zkey proves under snarkjs
//! too, and `zkroll bench circom` runs all three provers on two of the
//! circuits. Last, the refusals: an input circom's witness calculator
//! rejects, mismatched, truncated and corrupt zkey/wtns pairs, an
//! unsatisfying witness and another circuit's r1cs, each refused with its
//! reason and no proof written.

mod support;

use std::path::Path;

use support::tools::{circom2, node, repo, section_body, snark, snarkjs, text, zk_err, zk_ok};
use zkroll::prover::formats::wtns;

/// The circuits of tests/circom/ (the eddsa one with one signature).
const CIRCUITS: [&str; 3] = ["eddsa", "many_public", "bits"];
/// 2^13 points: the largest circuit (bits, 8,112 constraints) fits.
const POWER: &str = "13";

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Compiles circuit `name` into `dir/name`, writes its input and
/// witness; returns the circuit's directory.
fn build(cli: &Path, dir: &Path, name: &str) -> std::path::PathBuf {
    let cd = dir.join(name);
    std::fs::create_dir_all(&cd).unwrap();
    // Sources and includes relative to the repository: circom2's WASI
    // sandbox resolves includes under its working directory only.
    let src = format!("tests/circom/{name}.circom");
    let t = std::time::Instant::now();
    let o = node(
        repo(),
        &[
            s(cli),
            &src,
            "--r1cs",
            "--wasm",
            "--O2",
            "-l",
            "contracts/node_modules",
            "-o",
            s(&cd),
        ],
    );
    assert!(o.status.success(), "circom {name}:\n{}", text(&o));
    let script = repo().join("contracts/scripts/circom-inputs.mjs");
    let o = node(&cd, &[s(&script), name, "1", "input.json"]);
    assert!(o.status.success(), "inputs {name}:\n{}", text(&o));
    let gen = cd.join(format!("{name}_js/generate_witness.js"));
    let wasm = cd.join(format!("{name}_js/{name}.wasm"));
    let o = node(
        &cd,
        &[s(&gen), s(&wasm), "input.json", &format!("{name}.wtns")],
    );
    assert!(o.status.success(), "witness {name}:\n{}", text(&o));
    println!(
        "{name}: compiled and witnessed in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    cd
}

#[test]
fn circom_circuits_prove_with_zkroll_and_snarkjs_agrees() {
    let Some(sj) = snarkjs("the circom circuits") else {
        return;
    };
    let Some(cli) = circom2("the circom circuits") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    zk_ok(
        d,
        &["ptau", "new-testing", "--power", POWER, "--out", "pot.ptau"],
    );
    for name in CIRCUITS {
        let cd = build(&cli, d, name);
        let (r1cs, wt) = (format!("{name}.r1cs"), format!("{name}.wtns"));
        let ptau = d.join("pot.ptau");
        snark(&sj, &cd, &["zkey", "new", &r1cs, s(&ptau), "c0.zkey"], "");
        snark(
            &sj,
            &cd,
            &[
                "zkey",
                "contribute",
                "c0.zkey",
                "c.zkey",
                "--name=first",
                "-e=circom test entropy",
            ],
            "",
        );
        snark(
            &sj,
            &cd,
            &["zkey", "export", "verificationkey", "c.zkey", "vk.json"],
            "",
        );

        // zkroll's proof, without and with the r1cs, under both verifiers.
        for (extra, proof, public) in [
            (vec![], "proof.json", "public.json"),
            (
                vec!["--r1cs", r1cs.as_str()],
                "proof_r.json",
                "public_r.json",
            ),
        ] {
            let mut args = vec!["groth16", "prove"];
            args.extend(&extra);
            args.extend(["c.zkey", wt.as_str(), proof, public]);
            zk_ok(&cd, &args);
            snark(
                &sj,
                &cd,
                &["groth16", "verify", "vk.json", public, proof],
                "OK!",
            );
            let out = zk_ok(&cd, &["groth16", "verify", "vk.json", public, proof]);
            assert!(out.contains("valid"), "{out}");
        }
        // snarkjs's proof of the same witness: same public inputs, and
        // zkroll accepts it.
        snark(
            &sj,
            &cd,
            &[
                "groth16",
                "prove",
                "c.zkey",
                &wt,
                "sproof.json",
                "spublic.json",
            ],
            "",
        );
        let read = |f: &str| std::fs::read_to_string(cd.join(f)).unwrap();
        let public: Vec<String> = serde_json::from_str(&read("public.json")).unwrap();
        let spublic: Vec<String> = serde_json::from_str(&read("spublic.json")).unwrap();
        assert_eq!(public, spublic, "{name}: public inputs");
        assert!(zk_ok(
            &cd,
            &[
                "groth16",
                "verify",
                "vk.json",
                "spublic.json",
                "sproof.json"
            ]
        )
        .contains("valid"));

        // What makes each circuit what it is.
        let values = wtns::read(&std::fs::read(cd.join(&wt)).unwrap()).unwrap();
        let small = values
            .iter()
            .filter(|v| **v == 0u64.into() || **v == 1u64.into())
            .count();
        match name {
            "eddsa" => assert_eq!(public.len(), 3, "Ax, Ay, M"),
            "many_public" => assert_eq!(public.len(), 65, "64 inputs and the output"),
            _ => assert!(
                small * 100 >= values.len() * 99,
                "bits: {small} of {} values are 0 or 1",
                values.len()
            ),
        }
    }

    // A zkey zkroll writes (test-only setup) proves under snarkjs, and its
    // verifying key accepts zkroll's proofs too.
    let ed = d.join("eddsa");
    let out = zk_ok(&ed, &["groth16", "setup-testing", "eddsa.r1cs", "t.zkey"]);
    assert!(out.contains("TEST ONLY"), "{out}");
    snark(
        &sj,
        &ed,
        &["zkey", "export", "verificationkey", "t.zkey", "tvk.json"],
        "",
    );
    snark(
        &sj,
        &ed,
        &[
            "groth16",
            "prove",
            "t.zkey",
            "eddsa.wtns",
            "tp.json",
            "tpub.json",
        ],
        "",
    );
    snark(
        &sj,
        &ed,
        &["groth16", "verify", "tvk.json", "tpub.json", "tp.json"],
        "OK!",
    );
    zk_ok(
        &ed,
        &[
            "groth16",
            "prove",
            "t.zkey",
            "eddsa.wtns",
            "zp.json",
            "zpub.json",
        ],
    );
    snark(
        &sj,
        &ed,
        &["groth16", "verify", "tvk.json", "zpub.json", "zp.json"],
        "OK!",
    );

    // The benchmark command on two circuits (its figures are not asserted:
    // speed is measured by benchmarks, not tests; that it runs, verifies
    // every proof and reports is).
    let bits = d.join("bits");
    let chart = d.join("chart.svg");
    let out = zk_ok(
        d,
        &[
            "bench",
            "circom",
            "--runs",
            "1",
            "--plot",
            s(&chart),
            "--snarkjs",
            s(&sj),
            s(&ed.join("c.zkey")),
            s(&ed.join("eddsa.wtns")),
            s(&bits.join("c.zkey")),
            s(&bits.join("bits.wtns")),
        ],
    );
    for line in ["speedup_vs_snarkjs: ", "speedup_vs_ark_circom: "] {
        let v: f64 = out
            .lines()
            .find_map(|l| l.strip_prefix(line))
            .unwrap_or_else(|| panic!("no {line} in\n{out}"))
            .trim()
            .parse()
            .unwrap();
        assert!(v > 0.0, "{line}{v}");
    }
    assert_eq!(
        out.matches("| c.zkey |").count(),
        6,
        "two circuits, three provers:\n{out}"
    );
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("snarkjs"), "chart");

    refusals(d);
}

/// Each refusal names its reason and writes no proof.
fn refusals(d: &Path) {
    let ed = d.join("eddsa");
    let bits = d.join("bits");
    let none = |dir: &Path| assert!(!dir.join("bad.json").exists(), "a proof was written");

    // An input circom's witness calculator rejects (a wrong S): no witness.
    let script = repo().join("contracts/scripts/circom-inputs.mjs");
    let o = node(&ed, &[s(&script), "eddsa", "1", "bad_input.json", "--bad"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = node(
        &ed,
        &[
            "eddsa_js/generate_witness.js",
            "eddsa_js/eddsa.wasm",
            "bad_input.json",
            "bad.wtns",
        ],
    );
    assert!(
        !o.status.success() && text(&o).contains("Assert Failed"),
        "{}",
        text(&o)
    );
    assert!(!ed.join("bad.wtns").exists());

    // Another circuit's witness.
    let other = s(&bits.join("bits.wtns")).to_string();
    let e = zk_err(
        &ed,
        &[
            "groth16",
            "prove",
            "c.zkey",
            &other,
            "bad.json",
            "badp.json",
        ],
    );
    assert!(
        e.contains("the witness has 8113 values, the zkey's circuit 4210 wires"),
        "{e}"
    );
    none(&ed);

    // Truncated files.
    let w = std::fs::read(ed.join("eddsa.wtns")).unwrap();
    std::fs::write(ed.join("cut.wtns"), &w[..w.len() / 2]).unwrap();
    let e = zk_err(
        &ed,
        &[
            "groth16",
            "prove",
            "c.zkey",
            "cut.wtns",
            "bad.json",
            "badp.json",
        ],
    );
    assert!(e.contains("wtns: .wtns") && e.contains("truncated"), "{e}");
    let z = std::fs::read(ed.join("c.zkey")).unwrap();
    std::fs::write(ed.join("cut.zkey"), &z[..z.len() - 100]).unwrap();
    let e = zk_err(
        &ed,
        &[
            "groth16",
            "prove",
            "cut.zkey",
            "eddsa.wtns",
            "bad.json",
            "badp.json",
        ],
    );
    assert!(e.contains("zkey: .zkey"), "{e}");
    none(&ed);

    // A point of the H query moved off the curve.
    let mut bad = z.clone();
    let h = section_body(&z, 9);
    bad[h.start + 64 + 5] ^= 0x10;
    std::fs::write(ed.join("offcurve.zkey"), &bad).unwrap();
    let e = zk_err(
        &ed,
        &[
            "groth16",
            "prove",
            "offcurve.zkey",
            "eddsa.wtns",
            "bad.json",
            "badp.json",
        ],
    );
    assert!(
        e.contains(".zkey section 9 at byte") && e.contains("G1 point not on the curve"),
        "{e}"
    );
    none(&ed);

    // A witness that does not satisfy the circuit (its last wire changed):
    // named with the r1cs, rejected by the verification without it.
    let mut w2 = w.clone();
    let last = w2.len() - 32;
    w2[last] ^= 1;
    std::fs::write(ed.join("unsat.wtns"), &w2).unwrap();
    let e = zk_err(
        &ed,
        &[
            "groth16",
            "prove",
            "--r1cs",
            "eddsa.r1cs",
            "c.zkey",
            "unsat.wtns",
            "bad.json",
            "badp.json",
        ],
    );
    assert!(e.contains("the witness does not satisfy constraint"), "{e}");
    let e = zk_err(
        &ed,
        &[
            "groth16",
            "prove",
            "c.zkey",
            "unsat.wtns",
            "bad.json",
            "badp.json",
        ],
    );
    assert!(
        e.contains("the proof does not verify against the zkey's verifying key"),
        "{e}"
    );
    none(&ed);

    // Another circuit's r1cs.
    let other = s(&bits.join("bits.r1cs")).to_string();
    let e = zk_err(
        &ed,
        &[
            "groth16",
            "prove",
            "--r1cs",
            &other,
            "c.zkey",
            "eddsa.wtns",
            "bad.json",
            "badp.json",
        ],
    );
    assert!(e.contains("the r1cs is not the zkey's circuit"), "{e}");
    none(&ed);
}
