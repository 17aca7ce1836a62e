//! `zkroll bench`: zkroll's prover against stock ark-groth16 on one full
//! batch over a populated state (glue over `zkroll::prover::bench`).

use std::time::{Duration, Instant};

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use rand::rngs::OsRng;
use zkroll::state::sim::Workload;
use zkroll::state::{BatchConfig, CircuitShape, Domain, Rollup};

use super::cached_dev_keys;

/// The deployment the benchmark's batches are signed for (none is deployed).
const BENCH_DOMAIN: Domain = Domain::new(1, [0x5a; 20]);

/// Runs the comparison and prints it.
pub fn bench(
    shape: CircuitShape,
    runs: usize,
    pipeline: usize,
    breakdown: bool,
    accounts: Option<usize>,
    key_load: bool,
) -> Result<()> {
    // A full batch over a state of `accounts` accounts: every L2 slot a
    // transfer between two of them.
    let config = BatchConfig {
        shape,
        fee_account: 0,
        domain: BENCH_DOMAIN,
    };
    let mut w = Workload::new(7, BENCH_DOMAIN);
    let mut state = Rollup::open(zkroll::state::MemStore::new(), shape.depth, false)?;
    let capacity = usize::try_from(state.tree().capacity()).unwrap_or(usize::MAX);
    let accounts = accounts
        .unwrap_or(capacity.min(65_536))
        .max(2 * shape.l2_slots)
        .max(2);
    if accounts > capacity {
        bail!(
            "--accounts {accounts}: a tree of depth {} holds {capacity}",
            shape.depth
        );
    }
    let t = Instant::now();
    // The state is built natively (no proofs), then one batch of the key's
    // shape proves transfers.
    w.populate(&mut state, accounts)?;
    let l2 = w.random_transfers(state.tree(), shape.l2_slots, 0, 0);
    let wit = state.apply_batch(&config, &[], &l2)?;
    eprintln!(
        "bench: state of {accounts} accounts built in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    // Only the batch witness is proved: the state's memory is not the
    // provers'. It is freed before the key loads, which reuses it, so the
    // per-run peak RSS counts the key and the prover, not the state.
    drop((state, w));
    zkroll::prover::data_structures::release_free_memory();
    let key = cached_dev_keys(shape)?;
    eprintln!(
        "bench: {} constraints, {} runs each, alternating (machine: {} cores)",
        key.r1cs.num_constraints,
        runs,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let c = zkroll::prover::bench::compare(&key, &wit, runs, &mut OsRng)?;
    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    let per_m = |b: u64| mb(b) / (c.constraints as f64 / 1e6);
    println!("| prover | constraints | median | runs | peak RSS | RSS per 1M constraints |");
    println!("|---|---|---|---|---|---|");
    for (name, t) in [("zkroll", &c.zkroll), ("ark-groth16 0.6", &c.arkworks)] {
        println!(
            "| {name} | {} | {:.2} s | {} | {:.0} MiB | {:.0} MiB |",
            c.constraints,
            t.median().as_secs_f64(),
            t.runs
                .iter()
                .map(|d| format!("{:.2}", d.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(" "),
            mb(t.peak_rss),
            per_m(t.peak_rss)
        );
    }
    let ph = c.phases;
    let parts = [
        ("witness", ph.witness),
        ("QAP map + row check", ph.qap),
        ("repeats", ph.repeats),
        ("MSM L+H", ph.msm_lh),
        ("MSM A", ph.msm_a),
        ("MSM B (G2)", ph.msm_b),
    ];
    let total: f64 = parts
        .iter()
        .map(|p| p.1.as_secs_f64())
        .sum::<f64>()
        .max(1e-9);
    println!(
        "zkroll phases ({:.2} s): {}",
        total,
        parts
            .iter()
            .map(|(n, d)| format!(
                "{n} {:.2} s ({:.0}%)",
                d.as_secs_f64(),
                100.0 * d.as_secs_f64() / total
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if breakdown {
        let b = zkroll::prover::bench::breakdown(&key, &wit)?;
        let s = |d: Duration| format!("{:.2} s", d.as_secs_f64());
        let r = |a: Duration, z: Duration| a.as_secs_f64() / z.as_secs_f64().max(1e-9);
        println!("| part | ark-groth16 0.6 | zkroll | ratio |");
        println!("|---|---|---|---|");
        println!(
            "| synthesis | {} (with matrices) | {} (witness only) | {:.2} |",
            s(b.ark_synthesis),
            s(b.zkroll_witness),
            r(b.ark_synthesis, b.zkroll_witness)
        );
        for (name, a, z) in [
            ("QAP map", b.ark_qap, b.zkroll_qap),
            (
                "G1 MSMs (ark: H, A, B, L; zkroll: L+H, A)",
                b.ark_msm_g1,
                b.zkroll_msm_g1,
            ),
            ("MSM B (G2)", b.ark_msm_g2, b.zkroll_msm_g2),
        ] {
            println!("| {name} | {} | {} | {:.2} |", s(a), s(z), r(a, z));
        }
    }
    if pipeline > 0 {
        let batch = vec![wit.clone(); pipeline];
        let t = std::time::Instant::now();
        for w in &batch {
            zkroll::prover::prove(&key, w, &mut OsRng)?;
        }
        let serial = t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        for out in zkroll::prover::prove_pipelined(&key, &batch, &mut OsRng) {
            let out = out?;
            zkroll::verifier::verify(&key.pk.vk, &out.public_inputs, &out.proof)?;
        }
        let piped = t.elapsed().as_secs_f64();
        println!(
            "pipelined: {pipeline} batches in {piped:.2} s ({:.2} s each) against {serial:.2} s one after another ({:.2} s each)",
            piped / pipeline as f64,
            serial / pipeline as f64
        );
    }
    println!(
        "witness values of >= {} bits: {}, of which {} repeat an earlier one ({} values repeated; state of {accounts} accounts)",
        zkroll::prover::msm::REPEAT_MIN_BITS,
        c.repeats.candidates,
        c.repeats.repeated,
        c.repeats.groups
    );
    if key_load {
        let dir = zkroll_node::keys::dev_key_dir(shape);
        let k = zkroll::prover::bench::key_load(&dir, runs)?;
        let load = k.load.median().as_secs_f64();
        let proof = c.zkroll.median().as_secs_f64().max(1e-9);
        println!("| key load | median | runs | share of one proof | peak RSS |");
        println!("|---|---|---|---|---|");
        println!(
            "| matrices.bin (now) | {load:.2} s | {} | {:.0}% | {:.0} MiB |",
            k.load
                .runs
                .iter()
                .map(|d| format!("{:.2}", d.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(" "),
            100.0 * load / proof,
            mb(k.load.peak_rss)
        );
        let before = load + k.resynthesis.as_secs_f64();
        println!(
            "| re-synthesised (before) | {before:.2} s | load + one synthesis of {:.2} s | {:.0}% | |",
            k.resynthesis.as_secs_f64(),
            100.0 * before / proof
        );
    }
    println!("speedup_vs_arkworks: {:.2}", c.speedup());
    Ok(())
}

/// `zkroll bench circom`.
#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Prove circom circuits with zkroll, with ark-groth16 driven by
    /// circom's reduction (what ark-circom runs) and with snarkjs,
    /// alternating, each run a fresh process from the files to proof.json;
    /// print a table (median time, peak RSS) ending with
    /// `speedup_vs_snarkjs:` and `speedup_vs_ark_circom:` for the largest
    /// circuit. Every proof is verified.
    Circom {
        /// ZKEY WTNS pairs: one or more circuits.
        #[arg(required = true, num_args = 2.., value_names = ["ZKEY", "WTNS"])]
        files: Vec<PathBuf>,
        /// Runs per prover and circuit.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Draw median time against constraints (one line per prover) into this SVG.
        #[arg(long)]
        plot: Option<PathBuf>,
        /// The snarkjs CLI (default: contracts/node_modules/.bin/snarkjs
        /// under the current directory, else `snarkjs` on PATH).
        #[arg(long)]
        snarkjs: Option<PathBuf>,
    },
    /// One proof by ark-groth16 with circom's reduction (what `bench
    /// circom` times as ark-circom): ZKEY WTNS PROOF PUBLIC.
    #[command(hide = true)]
    CircomWorker {
        /// The circuit's .zkey.
        zkey: PathBuf,
        /// The witness.
        wtns: PathBuf,
        /// Where to write proof.json.
        proof: PathBuf,
        /// Where to write public.json.
        public: PathBuf,
    },
}

/// Runs `zkroll bench circom` (or its worker).
pub fn circom(cmd: BenchCommand) -> Result<()> {
    use zkroll::bench_circom::{plot, run_circuit, table, Prover, Setup};
    match cmd {
        BenchCommand::CircomWorker {
            zkey,
            wtns,
            proof,
            public,
        } => {
            let open = |p: &PathBuf| {
                std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))
            };
            let (pf, inputs, _vk) = zkroll::prover::bench::ark_circom::prove_zkey(
                open(&zkey)?,
                open(&wtns)?,
                &mut OsRng,
            )?;
            let pj = serde_json::to_string_pretty(
                &zkroll::verifier::snarkjs::ProofJson::from_proof(&pf),
            )?;
            let ij =
                serde_json::to_string_pretty(&zkroll::verifier::snarkjs::public_to_json(&inputs))?;
            std::fs::write(&proof, pj).with_context(|| format!("writing {}", proof.display()))?;
            std::fs::write(&public, ij).with_context(|| format!("writing {}", public.display()))?;
            Ok(())
        }
        BenchCommand::Circom {
            files,
            runs,
            plot: plot_path,
            snarkjs,
        } => {
            if files.len() % 2 != 0 {
                bail!(
                    "give ZKEY WTNS pairs: {} files is an odd count",
                    files.len()
                );
            }
            let snarkjs = snarkjs.unwrap_or_else(|| {
                let local = PathBuf::from("contracts/node_modules/.bin/snarkjs");
                if local.exists() {
                    local
                } else {
                    PathBuf::from("snarkjs")
                }
            });
            let scratch = tempfile::tempdir()?;
            let setup = Setup {
                zkroll: std::env::current_exe()?,
                snarkjs,
                runs,
                scratch: scratch.path().to_path_buf(),
            };
            eprintln!(
                "bench circom: {} circuit(s), {runs} runs per prover, alternating (machine: {} cores)",
                files.len() / 2,
                std::thread::available_parallelism().map_or(1, |n| n.get())
            );
            let mut results = Vec::new();
            for pair in files.chunks(2) {
                results.push(run_circuit(&setup, &pair[0], &pair[1])?);
            }
            print!("{}", table(&results));
            if let Some(p) = &plot_path {
                plot(&results, p)?;
                println!("chart: {}", p.display());
            }
            let largest = results
                .iter()
                .max_by_key(|c| c.constraints)
                .context("no circuit")?;
            println!(
                "peak_rss_per_million_constraints: {:.0} MiB (zkroll, {} constraints)",
                largest.peak_rss(Prover::Zkroll) as f64
                    / (1024.0 * 1024.0)
                    / (largest.constraints.max(1) as f64 / 1e6),
                largest.constraints
            );
            println!(
                "speedup_vs_ark_circom: {:.2}",
                largest.speedup(Prover::ArkCircom)
            );
            println!(
                "speedup_vs_snarkjs: {:.2}",
                largest.speedup(Prover::Snarkjs)
            );
            Ok(())
        }
    }
}
