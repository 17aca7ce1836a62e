//! `zkroll bench circom`: three provers on the same circom zkey and
//! witness, each run a fresh process from the files to `proof.json`, so
//! that every prover pays its own zkey read and its peak RSS is its own
//! (the kernel's `ru_maxrss` of that child, from `wait4`):
//!
//! - zkroll: `zkroll groth16 prove` (reads the zkey, proves, verifies the
//!   proof before writing it);
//! - ark-circom's path: stock ark-groth16 0.6 with circom's reduction on
//!   the zkey's matrices (`zkroll bench circom-worker`, see
//!   [`zkroll_prover::bench::ark_circom::prove_zkey`]);
//! - snarkjs: `snarkjs groth16 prove` (npm).
//!
//! Runs alternate (run k proves with each prover in turn, the order
//! rotating), so machine noise hits all three; every proof is verified
//! against the zkey's verifying key, so a fast wrong prover cannot win.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use zkroll_prover::formats::zkey::{self, Checks};
use zkroll_verifier::snarkjs::{public_from_json, read_json, ProofJson};

/// The provers compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prover {
    /// `zkroll groth16 prove`.
    Zkroll,
    /// ark-groth16 with circom's reduction (ark-circom's algorithm).
    ArkCircom,
    /// `snarkjs groth16 prove`.
    Snarkjs,
}

impl Prover {
    /// All three, in the first run's order.
    pub const ALL: [Prover; 3] = [Prover::Zkroll, Prover::ArkCircom, Prover::Snarkjs];

    /// The table's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Prover::Zkroll => "zkroll",
            Prover::ArkCircom => "ark-groth16 + CircomReduction",
            Prover::Snarkjs => "snarkjs 0.7.6",
        }
    }
}

/// Why the benchmark stopped.
#[derive(Debug, thiserror::Error)]
pub enum BenchCircomError {
    /// A zkey or witness could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The zkey does not decode.
    #[error("{path}: {source}")]
    Zkey {
        /// The file.
        path: PathBuf,
        /// Why, and where.
        #[source]
        source: zkroll_prover::formats::FormatError,
    },
    /// A prover process could not be started or waited for.
    #[error("starting {prover}: {source}")]
    Spawn {
        /// The prover.
        prover: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A prover exited with an error.
    #[error("{prover} failed on {zkey} (exit status {status}): {stderr}")]
    Failed {
        /// The prover.
        prover: &'static str,
        /// The zkey.
        zkey: PathBuf,
        /// Its wait status.
        status: i32,
        /// The end of its error output.
        stderr: String,
    },
    /// A prover's proof.json or public.json could not be read.
    #[error("{prover}'s output: {source}")]
    Output {
        /// The prover.
        prover: &'static str,
        /// Why.
        #[source]
        source: zkroll_verifier::VerifyError,
    },
    /// A prover's proof does not verify.
    #[error("{prover}'s proof for {zkey} does not verify: {source}")]
    Rejected {
        /// The prover.
        prover: &'static str,
        /// The zkey.
        zkey: PathBuf,
        /// The verifier's reason.
        #[source]
        source: zkroll_verifier::VerifyError,
    },
    /// The chart could not be drawn.
    #[error("drawing {path}: {reason}")]
    Plot {
        /// The SVG file.
        path: PathBuf,
        /// plotters' error.
        reason: String,
    },
}

/// How to run the provers.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The zkroll binary (for `groth16 prove` and `bench circom-worker`).
    pub zkroll: PathBuf,
    /// The snarkjs CLI.
    pub snarkjs: PathBuf,
    /// Runs per prover.
    pub runs: usize,
    /// Where the proofs are written.
    pub scratch: PathBuf,
}

/// One run: wall time from spawn to exit, and the child's peak RSS.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    /// Spawn to exit.
    pub wall: Duration,
    /// The child's peak resident set, in bytes.
    pub peak_rss: u64,
}

/// One circuit's figures.
#[derive(Clone, Debug)]
pub struct CircuitResult {
    /// The zkey.
    pub zkey: PathBuf,
    /// Its constraints.
    pub constraints: usize,
    /// Its wires.
    pub wires: usize,
    /// Its public inputs.
    pub public: usize,
    /// Every run of each prover, in [`Prover::ALL`]'s order.
    pub runs: [Vec<Run>; 3],
}

impl CircuitResult {
    /// The median wall time of `p`.
    pub fn median(&self, p: Prover) -> Duration {
        let mut v: Vec<Duration> = self.runs[index(p)].iter().map(|r| r.wall).collect();
        v.sort();
        v.get(v.len() / 2).copied().unwrap_or_default()
    }

    /// The largest peak RSS of `p`'s runs, in bytes.
    pub fn peak_rss(&self, p: Prover) -> u64 {
        self.runs[index(p)]
            .iter()
            .map(|r| r.peak_rss)
            .max()
            .unwrap_or(0)
    }

    /// `p`'s median over zkroll's.
    pub fn speedup(&self, p: Prover) -> f64 {
        self.median(p).as_secs_f64() / self.median(Prover::Zkroll).as_secs_f64().max(1e-9)
    }
}

fn index(p: Prover) -> usize {
    Prover::ALL.iter().position(|&q| q == p).unwrap_or(0)
}

/// Proves `wtns` with `zkey` `setup.runs` times with each prover (see the
/// module doc) and verifies every proof.
pub fn run_circuit(
    setup: &Setup,
    zkey_path: &Path,
    wtns_path: &Path,
) -> Result<CircuitResult, BenchCircomError> {
    let file = std::fs::File::open(zkey_path).map_err(|source| BenchCircomError::Read {
        path: zkey_path.to_path_buf(),
        source,
    })?;
    let zk = zkey::read_from(file, Checks::Prover).map_err(|source| BenchCircomError::Zkey {
        path: zkey_path.to_path_buf(),
        source,
    })?;
    let r = &zk.key.r1cs;
    let mut out = CircuitResult {
        zkey: zkey_path.to_path_buf(),
        constraints: r.num_constraints,
        wires: r.num_variables(),
        public: r.num_instance - 1,
        runs: [vec![], vec![], vec![]],
    };
    let vk = zk.key.pk.vk;
    std::fs::create_dir_all(&setup.scratch).map_err(|source| BenchCircomError::Read {
        path: setup.scratch.clone(),
        source,
    })?;
    let proof = setup.scratch.join("proof.json");
    let public = setup.scratch.join("public.json");
    for run in 0..setup.runs.max(1) {
        for k in 0..Prover::ALL.len() {
            let p = Prover::ALL[(run + k) % Prover::ALL.len()];
            let _ = std::fs::remove_file(&proof);
            let _ = std::fs::remove_file(&public);
            let mut cmd = match p {
                Prover::Zkroll => {
                    let mut c = Command::new(&setup.zkroll);
                    c.args(["groth16", "prove"]);
                    c
                }
                Prover::ArkCircom => {
                    let mut c = Command::new(&setup.zkroll);
                    c.args(["bench", "circom-worker"]);
                    c
                }
                Prover::Snarkjs => {
                    let mut c = Command::new(&setup.snarkjs);
                    c.args(["groth16", "prove"]);
                    c
                }
            };
            cmd.arg(zkey_path).arg(wtns_path).arg(&proof).arg(&public);
            let r = timed(p, cmd, zkey_path)?;
            check_proof(p, &vk, &proof, &public, zkey_path)?;
            eprintln!(
                "bench circom: {} run {}: {:.2} s, {:.0} MiB",
                p.name(),
                run + 1,
                r.wall.as_secs_f64(),
                mib(r.peak_rss)
            );
            out.runs[index(p)].push(r);
        }
    }
    Ok(out)
}

fn check_proof(
    p: Prover,
    vk: &VerifyingKey<Bn254>,
    proof: &Path,
    public: &Path,
    zkey: &Path,
) -> Result<(), BenchCircomError> {
    let output = |source| BenchCircomError::Output {
        prover: p.name(),
        source,
    };
    let pj: ProofJson = read_json(proof).map_err(output)?;
    let proof = pj.to_proof().map_err(output)?;
    let inputs: Vec<String> = read_json(public).map_err(output)?;
    let inputs = public_from_json(&inputs).map_err(output)?;
    zkroll_verifier::verify(vk, &inputs, &proof).map_err(|source| BenchCircomError::Rejected {
        prover: p.name(),
        zkey: zkey.to_path_buf(),
        source,
    })
}

/// Runs `cmd` to its exit: wall time and the child's `ru_maxrss`.
fn timed(p: Prover, mut cmd: Command, zkey: &Path) -> Result<Run, BenchCircomError> {
    let spawn = |source| BenchCircomError::Spawn {
        prover: p.name(),
        source,
    };
    let stderr_file = tempfile::tempfile().map_err(spawn)?;
    let t = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr_file.try_clone().map_err(spawn)?)
        .spawn()
        .map_err(spawn)?;
    let (status, maxrss_kib) = wait_rusage(child.id()).map_err(spawn)?;
    let wall = t.elapsed();
    if status != 0 {
        use std::io::{Read, Seek};
        let mut f = stderr_file;
        let mut s = String::new();
        let _ = f.rewind().and_then(|()| f.read_to_string(&mut s));
        let tail: String = s
            .chars()
            .rev()
            .take(600)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return Err(BenchCircomError::Failed {
            prover: p.name(),
            zkey: zkey.to_path_buf(),
            status,
            stderr: tail,
        });
    }
    Ok(Run {
        wall,
        peak_rss: maxrss_kib * 1024,
    })
}

/// Waits for child `pid` (reaping it) and returns its wait status (0 on a
/// clean exit) and its peak RSS in KiB. `std::process::Child::wait` does
/// not return the child's resource usage; `wait4` does.
#[allow(unsafe_code)]
fn wait_rusage(pid: u32) -> std::io::Result<(i32, u64)> {
    let pid = libc::pid_t::try_from(pid).map_err(std::io::Error::other)?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data, for which all zeros is valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live locals of the right types, and
        // `pid` is our own unreaped child (std's `Child` never waited on it).
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        // Killed by a signal: report it as 128 + the signal, as shells do.
        128 + libc::WTERMSIG(status)
    };
    Ok((code, u64::try_from(usage.ru_maxrss).unwrap_or(0)))
}

fn mib(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

/// The results as a Markdown table: one row per circuit and prover.
pub fn table(results: &[CircuitResult]) -> String {
    let mut s = String::from(
        "| circuit | constraints | prover | median | runs | peak RSS | RSS per 1M constraints | zkroll's speedup |\n|---|---|---|---|---|---|---|---|\n",
    );
    for c in results {
        let name = c
            .zkey
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        for p in Prover::ALL {
            let runs: Vec<String> = c.runs[index(p)]
                .iter()
                .map(|r| format!("{:.2}", r.wall.as_secs_f64()))
                .collect();
            let rss = mib(c.peak_rss(p));
            s.push_str(&format!(
                "| {name} | {} | {} | {:.2} s | {} | {rss:.0} MiB | {:.0} MiB | {} |\n",
                c.constraints,
                p.name(),
                c.median(p).as_secs_f64(),
                runs.join(" "),
                rss / (c.constraints.max(1) as f64 / 1e6),
                if p == Prover::Zkroll {
                    "-".to_string()
                } else {
                    format!("{:.2}x", c.speedup(p))
                }
            ));
        }
    }
    s
}

/// Draws median time against constraints, one line per prover, both axes
/// logarithmic, as an SVG.
pub fn plot(results: &[CircuitResult], path: &Path) -> Result<(), BenchCircomError> {
    use plotters::prelude::*;

    let err = |e: &dyn std::fmt::Display| BenchCircomError::Plot {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut pts: Vec<&CircuitResult> = results.iter().collect();
    pts.sort_by_key(|c| c.constraints);
    let xs = pts.iter().map(|c| c.constraints as f64);
    let (xmin, xmax) = xs.fold((f64::MAX, 0f64), |(a, b), x| (a.min(x), b.max(x)));
    let ys = pts
        .iter()
        .flat_map(|c| Prover::ALL.map(|p| c.median(p).as_secs_f64()));
    let (ymin, ymax) = ys.fold((f64::MAX, 0f64), |(a, b), y| (a.min(y), b.max(y)));
    let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Groth16 proof of a circom circuit: median wall time (zkey + wtns to proof.json)",
            ("sans-serif", 18),
        )
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(
            ((xmin / 1.5).max(1.0)..xmax * 1.5).log_scale(),
            ((ymin / 1.5).max(1e-3)..ymax * 1.5).log_scale(),
        )
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("constraints")
        .y_desc("seconds")
        .draw()
        .map_err(|e| err(&e))?;
    let colours = [
        RGBColor(0x1f, 0x77, 0xb4),
        RGBColor(0xff, 0x7f, 0x0e),
        RGBColor(0x2c, 0xa0, 0x2c),
    ];
    for (p, colour) in Prover::ALL.into_iter().zip(colours) {
        let series: Vec<(f64, f64)> = pts
            .iter()
            .map(|c| (c.constraints as f64, c.median(p).as_secs_f64()))
            .collect();
        chart
            .draw_series(LineSeries::new(series.clone(), colour.stroke_width(2)))
            .map_err(|e| err(&e))?
            .label(p.name())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
        chart
            .draw_series(
                series
                    .into_iter()
                    .map(|(x, y)| Circle::new((x, y), 4, colour.filled())),
            )
            .map_err(|e| err(&e))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
