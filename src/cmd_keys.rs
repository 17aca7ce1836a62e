//! Keys and circom interop: `zkroll setup` (development keys), `zkroll
//! export r1cs` (the batch circuit for a snarkjs ceremony), `zkroll import
//! zkey` (a ceremony's key), `zkroll groth16 prove|verify` (any circom
//! circuit), `zkroll verify`. Glue over `zkroll::prover`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use zkroll::prover::{setup, ProverKey};
use zkroll::state::CircuitShape;
use zkroll::verifier::snarkjs::{public_to_json, ProofJson};

use super::spinner;

/// A batch circuit's shape on the command line.
#[derive(Args, Clone, Copy, Debug)]
pub struct ShapeArgs {
    /// Tree depth.
    #[arg(long)]
    pub depth: u8,
    /// L1 slots per batch.
    #[arg(long)]
    pub l1_slots: usize,
    /// L2 slots per batch.
    #[arg(long)]
    pub l2_slots: usize,
}

impl ShapeArgs {
    /// The shape.
    pub fn shape(self) -> CircuitShape {
        CircuitShape {
            depth: self.depth,
            l1_slots: self.l1_slots,
            l2_slots: self.l2_slots,
        }
    }
}

/// `zkroll import`.
#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import a snarkjs ceremony's .zkey for a batch shape into a key
    /// directory (checked against the circuit; every point validated).
    Zkey {
        /// The final .zkey (after its contributions and beacon).
        #[arg(long)]
        zkey: PathBuf,
        /// The batch shape it was made for.
        #[command(flatten)]
        shape: ShapeArgs,
        /// The key directory to write.
        #[arg(long)]
        out: PathBuf,
        /// Accept a zkey with no phase-2 contribution (tests only: its
        /// proofs can be forged by anyone).
        #[arg(long)]
        allow_no_contributions: bool,
    },
}

/// `zkroll ptau`.
#[derive(Subcommand)]
pub enum PtauCommand {
    /// Write a phase-2 ready Powers of Tau file (snarkjs format) from a
    /// tau this process draws: FOR TESTS ONLY (this machine knew the toxic
    /// waste). `snarkjs powersoftau verify` accepts it.
    NewTesting {
        /// 2^power: the largest circuit domain `snarkjs zkey new` accepts with it.
        #[arg(long)]
        power: u32,
        /// Where to write the .ptau.
        #[arg(long)]
        out: PathBuf,
    },
}

/// `zkroll groth16`: circom circuits, snarkjs/rapidsnark argument order.
#[derive(Subcommand)]
pub enum Groth16Command {
    /// Prove a witness with a zkey: CIRCUIT.zkey WITNESS.wtns PROOF.json PUBLIC.json.
    Prove {
        /// The circuit's .zkey.
        zkey: PathBuf,
        /// The witness (.wtns).
        wtns: PathBuf,
        /// Where to write proof.json.
        proof: PathBuf,
        /// Where to write public.json.
        public: PathBuf,
        /// The circuit's .r1cs: check the witness row by row first and
        /// name the failing constraint.
        #[arg(long)]
        r1cs: Option<PathBuf>,
    },
    /// A TEST-ONLY zkey for a circuit: CIRCUIT.r1cs OUT.zkey. This process
    /// draws the toxic waste, so anyone holding it can forge proofs; it
    /// stands in for `snarkjs zkey new` in tests and benchmarks (an hour
    /// at 2^20 here). The zkey has no contributions.
    SetupTesting {
        /// The circuit's .r1cs (circom's).
        r1cs: PathBuf,
        /// Where to write the .zkey.
        zkey: PathBuf,
    },
    /// Verify a proof: VK.json PUBLIC.json PROOF.json (exit 0 if valid, 1 if not).
    Verify {
        /// verification_key.json.
        vk: PathBuf,
        /// public.json.
        public: PathBuf,
        /// proof.json.
        proof: PathBuf,
    },
}

/// What a testing zkey holds where a ceremony's holds its circuit hash.
const TESTING_ZKEY_TAG: &[u8] = b"zkroll groth16 setup-testing: TEST ONLY, toxic waste known";

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// Opens `path` for a reader that takes it section by section.
fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))
}

/// `zkroll export r1cs`: the batch circuit of `shape` as a circom `.r1cs`.
pub fn export_r1cs(shape: CircuitShape, out: &Path) -> Result<()> {
    let r1cs = zkroll::prover::generator::synthesize_matrices(shape)?;
    let bytes = zkroll::prover::formats::r1cs_file::write(&r1cs)
        .context("the circuit has 2^32 or more wires or constraints")?;
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "wrote {}: {} constraints, {} wires, {} public inputs",
        out.display(),
        r1cs.num_constraints,
        r1cs.num_variables(),
        r1cs.num_instance - 1
    );
    Ok(())
}

/// `zkroll ptau new-testing`.
pub fn ptau(cmd: PtauCommand) -> Result<()> {
    let PtauCommand::NewTesting { power, out } = cmd;
    eprintln!(
        "WARNING: a testing Powers of Tau: this process draws tau, alpha and beta, so keys made \
         from it can be forged by this machine. For tests only."
    );
    let t = Instant::now();
    let file =
        std::fs::File::create(&out).with_context(|| format!("creating {}", out.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let summary = zkroll::prover::ptau::write_testing_ptau(
        &mut w,
        power,
        "zkroll testing ptau (toxic waste known)",
        &mut OsRng,
    )
    .and_then(|s| std::io::Write::flush(&mut w).map(|()| s))
    .with_context(|| format!("writing {}", out.display()))?;
    println!(
        "wrote {} (power {}) in {:.1} s; contribution response hash {}",
        out.display(),
        summary.power,
        t.elapsed().as_secs_f64(),
        zkroll::prover::ptau::format_hash(&summary.contribution_hash)
    );
    Ok(())
}

/// `zkroll import zkey`.
pub fn import(cmd: ImportCommand) -> Result<()> {
    let ImportCommand::Zkey {
        zkey,
        shape,
        out,
        allow_no_contributions,
    } = cmd;
    let shape = shape.shape();
    let bytes = read(&zkey)?;
    let pb = spinner("synthesising the circuit and validating the zkey");
    let t = Instant::now();
    let circuit = zkroll::prover::generator::synthesize_matrices(shape)?;
    let res = zkroll::prover::ceremony::import_zkey(&bytes, shape, circuit, allow_no_contributions);
    pb.finish_and_clear();
    let mut key = res.with_context(|| format!("importing {}", zkey.display()))?;
    key.save(&out)?;
    let ceremony = key.params.ceremony.as_ref();
    println!(
        "imported {} ({} constraints) into {} in {:.1} s: {}",
        zkey.display(),
        key.r1cs.num_constraints,
        out.display(),
        t.elapsed().as_secs_f64(),
        key.params.warning
    );
    for c in ceremony.map(|c| c.contributions.as_slice()).unwrap_or(&[]) {
        println!("  {} {:?}: {}", c.kind, c.name, c.hash);
    }
    Ok(())
}

/// `zkroll groth16 ...`.
pub fn groth16(cmd: Groth16Command) -> Result<ExitCode> {
    match cmd {
        Groth16Command::Prove {
            zkey,
            wtns,
            proof,
            public,
            r1cs,
        } => {
            let t = Instant::now();
            let p = zkroll::prover::circom::prove(
                open(&zkey)?,
                open(&wtns)?,
                r1cs.as_deref().map(open).transpose()?,
                &mut OsRng,
            )?;
            let proof_json = serde_json::to_string_pretty(&ProofJson::from_proof(&p.output.proof))?;
            let public_json =
                serde_json::to_string_pretty(&public_to_json(&p.output.public_inputs))?;
            zkroll::batch_job::write_atomically(&proof, proof_json.as_bytes())
                .with_context(|| format!("writing {}", proof.display()))?;
            zkroll::batch_job::write_atomically(&public, public_json.as_bytes())
                .with_context(|| format!("writing {}", public.display()))?;
            eprintln!(
                "proved {} constraints in {:.2} s (Groth16 {:.2} s), verified; wrote {} and {}",
                p.constraints,
                t.elapsed().as_secs_f64(),
                p.output.prove_time.as_secs_f64(),
                proof.display(),
                public.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Groth16Command::SetupTesting { r1cs, zkey } => {
            eprintln!(
                "WARNING: a testing zkey: this process draws the toxic waste, so its proofs can \
                 be forged. For tests and benchmarks only."
            );
            let t = Instant::now();
            let circuit = zkroll::prover::formats::r1cs_file::read_from(open(&r1cs)?)
                .with_context(|| format!("reading {}", r1cs.display()))?;
            let key = zkroll::prover::generator::setup_r1cs(&circuit.r1cs, &mut OsRng)?;
            // The circuit hash slot holds a fixed tag: no ptau chain to hash.
            let mut tag = [0u8; 64];
            tag[..TESTING_ZKEY_TAG.len()].copy_from_slice(TESTING_ZKEY_TAG);
            let bytes = zkroll::prover::formats::zkey::write(&key, &tag)?;
            zkroll::batch_job::write_atomically(&zkey, &bytes)
                .with_context(|| format!("writing {}", zkey.display()))?;
            println!(
                "wrote {}: {} constraints, {} wires, {} public inputs, in {:.1} s (TEST ONLY)",
                zkey.display(),
                key.r1cs.num_constraints,
                key.r1cs.num_variables(),
                key.r1cs.num_instance - 1,
                t.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Groth16Command::Verify { vk, public, proof } => Ok(verify_cmd(&vk, &proof, &public, false)),
    }
}

/// `zkroll setup`: development keys (INSECURE).
pub fn setup_cmd(shape: CircuitShape, out: &Path) -> Result<ProverKey> {
    eprintln!(
        "WARNING: {} — keys from this local setup are for development only; \
         whoever ran it can forge proofs. Import a ceremony's keys for a deployment.",
        zkroll::prover::DEV_SETUP_LABEL
    );
    let pb = spinner(&format!(
        "setup depth {} / {} L1 / {} L2 slots",
        shape.depth, shape.l1_slots, shape.l2_slots
    ));
    let t = Instant::now();
    let mut key = setup(shape, &mut OsRng)?;
    key.save(out)?;
    pb.finish_and_clear();
    eprintln!(
        "setup: {} constraints in {:.1} s; keys in {}",
        key.r1cs.num_constraints,
        t.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(key)
}

/// `zkroll verify` (and `zkroll groth16 verify`).
pub fn verify_cmd(vk: &Path, proof: &Path, public: &Path, json: bool) -> ExitCode {
    let res = zkroll::verifier::verify_files(vk, proof, public);
    if json {
        println!(
            "{}",
            serde_json::json!({ "valid": res.is_ok(), "reason": res.as_ref().err().map(|e| e.to_string()) })
        );
    } else {
        match &res {
            Ok(()) => println!("valid"),
            Err(e) => println!("invalid: {e}"),
        }
    }
    if res.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
