//! One batch from an ops file to its proof and files, as `zkroll prove`
//! runs it, ordered so that what can be refused cheaply is refused first
//! and a failure leaves the state where it was:
//!
//! 1. the key directory's `params.json` (the shape; not the key itself),
//!    the ops file (unknown fields refused by name), the output directory
//!    (created and written to once, so an unwritable `--out` is found
//!    before anything is applied) and the state store (an existing one:
//!    empty, truncated or foreign files are refused and left untouched);
//! 2. an unfinished last batch (one a killed run left before its files
//!    were written, see [`BatchStage`]) reverted: it never left the
//!    machine, and re-running the same command proves it again;
//! 3. the batch applied to the state and recorded [`BatchStage::Applied`]
//!    (its operations checked: a bad signature, nonce or serial gap refuses
//!    it here, before the key load that costs tens of seconds);
//! 4. the key loaded, the batch proved ([`BatchStage::Proved`]), the files
//!    written (each to a temporary name, then renamed, so no reader sees
//!    half a file) and the batch recorded [`BatchStage::Written`].
//!
//! Any failure in step 4 reverts the state to the batch before (a failure
//! to record `Written` also removes the files just written). Only a batch
//! job that returned `Ok` (the command exited 0) has files to settle; a
//! process killed after the files were renamed but before `Written` was
//! recorded leaves files the next run reverts and writes again, unless
//! `zkroll sync` finds the batch settled on L1 first (it then records it
//! `Written`).

use std::path::{Path, PathBuf};

use rand::rngs::OsRng;
use zkroll_prover::{prove, KeyParams, ProofOutput, ProverError, ProverKey};
use zkroll_state::{
    BatchConfig, BatchStage, BatchWitness, RedbStore, Rollup, StateError, StoreError,
};
use zkroll_verifier::snarkjs::{public_to_json, ProofJson, VerificationKeyJson};

use crate::ops_file::OpsFile;

/// Why a batch job stopped. The state is where the job found it after
/// every one but `RefusedAfterRevert` (an unfinished batch was reverted
/// first, and says so).
#[derive(Debug, thiserror::Error)]
pub enum BatchJobError {
    /// The key directory's parameters could not be read.
    #[error("key directory {dir}: {source}")]
    KeyParams {
        /// The directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: ProverError,
    },
    /// The ops file could not be read.
    #[error("reading {path}: {source}")]
    ReadOps {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The ops file is not a valid batch (the message names the field).
    #[error("{path} is not a valid ops file: {source}")]
    ParseOps {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// The output directory cannot be created or written.
    #[error("output directory {dir} is not writable: {source}")]
    Out {
        /// The directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The state store cannot be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The state refused the batch or could not be read.
    #[error("batch refused, state unchanged: {0}")]
    Refused(#[source] StateError),
    /// Loading the key or proving failed; the batch was reverted.
    #[error("proving failed, state reverted to batch {reverted_to}: {source}")]
    Prove {
        /// The batch the state is back at.
        reverted_to: u64,
        /// Why.
        #[source]
        source: ProverError,
    },
    /// The witness file of a proved batch could not be made (the batch
    /// and its proof stand).
    #[error("batch {batch}: the witness file could not be made: {source}")]
    Witness {
        /// The batch.
        batch: u64,
        /// Why.
        #[source]
        source: ProverError,
    },
    /// Writing the files failed; the batch was reverted.
    #[error("writing {path} failed, state reverted to batch {reverted_to}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The batch the state is back at.
        reverted_to: u64,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The batch was refused after the unfinished batch a killed run had
    /// left was reverted: the state is at the batch before that one.
    #[error("batch refused: {source} (unfinished batch {batch}, stopped at stage {stage}, was reverted first; the state is at batch {})", batch - 1)]
    RefusedAfterRevert {
        /// The unfinished batch that was reverted.
        batch: u64,
        /// The stage it had reached.
        stage: BatchStage,
        /// Why the new batch was refused.
        #[source]
        source: StateError,
    },
    /// Reverting the unfinished batch a killed run left failed.
    #[error("reverting unfinished batch {batch} (stage {stage}): {source}")]
    Unfinished {
        /// The unfinished batch.
        batch: u64,
        /// The stage it had reached.
        stage: BatchStage,
        /// Why.
        #[source]
        source: StateError,
    },
    /// Recording the batch's stage failed; the batch was reverted (and, if
    /// its files had been written, they were removed: nothing to settle).
    #[error(
        "recording batch {batch} as {stage} failed, batch reverted and its files removed: {source}"
    )]
    Stage {
        /// The batch.
        batch: u64,
        /// The stage that could not be recorded.
        stage: BatchStage,
        /// Why.
        #[source]
        source: StateError,
    },
    /// Undoing the batch after a failure failed too (the store names why).
    #[error("undoing batch {batch} after a failure: {source}")]
    Revert {
        /// The batch that could not be undone.
        batch: u64,
        /// Why.
        #[source]
        source: StateError,
    },
}

/// A proved batch and where its files are.
pub struct ProvedBatch {
    /// The batch.
    pub witness: BatchWitness,
    /// Its proof and timings.
    pub proof: ProofOutput,
    /// The key's constraint count.
    pub constraints: usize,
    /// The unfinished batch a killed run had left, reverted before this one
    /// was applied: its number and the stage it had reached.
    pub replaced: Option<(u64, BatchStage)>,
}

/// The files a proved batch leaves in `--out`.
pub const OUTPUT_FILES: [&str; 4] = [
    "verification_key.json",
    "proof.json",
    "public.json",
    "pubdata.hex",
];

/// Runs the batch of `ops` on the store at `state` with the keys in
/// `keys`, writing its files into `out` (see the module doc).
/// `on_key_load` runs before the key load (a progress message).
pub fn prove_ops_file(
    keys: &Path,
    state: &Path,
    ops: &Path,
    out: &Path,
    on_key_load: impl FnOnce(),
) -> Result<ProvedBatch, BatchJobError> {
    let params = KeyParams::load(keys).map_err(|source| BatchJobError::KeyParams {
        dir: keys.to_path_buf(),
        source,
    })?;
    let text = std::fs::read_to_string(ops).map_err(|source| BatchJobError::ReadOps {
        path: ops.to_path_buf(),
        source,
    })?;
    let file: OpsFile = serde_json::from_str(&text).map_err(|source| BatchJobError::ParseOps {
        path: ops.to_path_buf(),
        source,
    })?;
    check_writable(out)?;
    let config = BatchConfig {
        shape: params.shape,
        fee_account: file.fee_account,
        domain: file.domain,
    };
    let store = RedbStore::open_existing(state)?;
    let mut rollup =
        Rollup::open(store, params.shape.depth, false).map_err(BatchJobError::Refused)?;
    let replaced = revert_unfinished(&mut rollup)?;
    let before = rollup.last_batch();
    let witness = match rollup.apply_batch(&config, &file.l1, &file.l2) {
        Ok(w) => w,
        Err(source) => {
            return Err(match replaced {
                None => BatchJobError::Refused(source),
                Some((batch, stage)) => BatchJobError::RefusedAfterRevert {
                    batch,
                    stage,
                    source,
                },
            })
        }
    };

    let undo = |rollup: &mut Rollup<RedbStore>| {
        rollup
            .revert_to(before)
            .map_err(|source| BatchJobError::Revert {
                batch: witness.batch_number,
                source,
            })
    };
    tracing::info!(
        batch = witness.batch_number,
        stage = %BatchStage::Applied,
        "batch applied; loading the key"
    );
    on_key_load();
    let proved = ProverKey::load(keys).and_then(|key| {
        let p = prove(&key, &witness, &mut OsRng)?;
        // Never a proof on disk that its own key rejects.
        zkroll_verifier::verify(&key.pk.vk, &p.public_inputs, &p.proof).map_err(|e| {
            ProverError::ProofRejected {
                reason: e.to_string(),
            }
        })?;
        Ok((key, p))
    });
    let (key, proof) = match proved {
        Ok(x) => x,
        Err(source) => {
            undo(&mut rollup)?;
            return Err(BatchJobError::Prove {
                reverted_to: before,
                source,
            });
        }
    };
    let number = witness.batch_number;
    let stage = |rollup: &mut Rollup<RedbStore>, stage| {
        rollup
            .set_batch_stage(number, stage)
            .map_err(|source| BatchJobError::Stage {
                batch: number,
                stage,
                source,
            })
    };
    if let Err(e) = stage(&mut rollup, BatchStage::Proved) {
        undo(&mut rollup)?;
        return Err(e);
    }
    if let Err((path, source)) = write_files(out, &key, &witness, &proof) {
        undo(&mut rollup)?;
        return Err(BatchJobError::Write {
            path,
            reverted_to: before,
            source,
        });
    }
    if let Err(e) = stage(&mut rollup, BatchStage::Written) {
        // The files must not be settled: take them away, then the batch.
        for name in OUTPUT_FILES {
            let _ = std::fs::remove_file(out.join(name));
        }
        undo(&mut rollup)?;
        return Err(e);
    }
    tracing::info!(batch = number, stage = %BatchStage::Written, out = %out.display(), "batch written");
    Ok(ProvedBatch {
        witness,
        constraints: key.r1cs.num_constraints,
        proof,
        replaced,
    })
}

/// Reverts the last batch when a killed run left it before
/// [`BatchStage::Written`]; returns it and its stage.
pub fn revert_unfinished(
    rollup: &mut Rollup<RedbStore>,
) -> Result<Option<(u64, BatchStage)>, BatchJobError> {
    let unfinished = rollup.unfinished_batch().map_err(BatchJobError::Refused)?;
    if let Some((batch, stage)) = unfinished {
        tracing::warn!(batch, stage = %stage, "reverting the unfinished batch a stopped run left");
        rollup
            .revert_to(batch - 1)
            .map_err(|source| BatchJobError::Unfinished {
                batch,
                stage,
                source,
            })?;
    }
    Ok(unfinished)
}

/// Creates `out` and writes (then removes) a probe file in it.
fn check_writable(out: &Path) -> Result<(), BatchJobError> {
    let err = |source| BatchJobError::Out {
        dir: out.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(out).map_err(err)?;
    let probe = out.join(".zkroll-write-probe");
    std::fs::write(&probe, b"").map_err(err)?;
    std::fs::remove_file(&probe).map_err(err)
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename, so `path` holds the old content or the new, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// The file `zkroll prove --wtns-out DIR` writes: the batch's full
/// assignment as a circom `.wtns` (snarkjs and rapidsnark prove the same
/// batch from it with a ceremony's zkey).
pub const WITNESS_FILE: &str = "witness.wtns";

/// Writes [`WITNESS_FILE`] for `w` into `dir` (created if missing).
pub fn write_witness(dir: &Path, w: &BatchWitness) -> Result<PathBuf, BatchJobError> {
    let full =
        zkroll_prover::batch::full_assignment(w).map_err(|source| BatchJobError::Witness {
            batch: w.batch_number,
            source,
        })?;
    let bytes = zkroll_prover::formats::wtns::write(&full).ok_or(BatchJobError::Witness {
        batch: w.batch_number,
        source: ProverError::AssignmentSize {
            expected: u32::MAX as usize,
            found: full.len(),
        },
    })?;
    let err = |source| BatchJobError::Out {
        dir: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let path = dir.join(WITNESS_FILE);
    write_atomically(&path, &bytes).map_err(err)?;
    Ok(path)
}

/// Writes [`OUTPUT_FILES`] for a proved batch into `out` (created if missing).
pub fn write_files(
    out: &Path,
    key: &ProverKey,
    w: &BatchWitness,
    proof: &ProofOutput,
) -> Result<(), (PathBuf, std::io::Error)> {
    let json = |v: serde_json::Result<String>| v.map_err(std::io::Error::other);
    let contents: [(&str, std::io::Result<String>); 4] = [
        (
            OUTPUT_FILES[0],
            json(serde_json::to_string_pretty(
                &VerificationKeyJson::from_key(&key.pk.vk, Some(key.setup_note())),
            )),
        ),
        (
            OUTPUT_FILES[1],
            json(serde_json::to_string_pretty(&ProofJson::from_proof(
                &proof.proof,
            ))),
        ),
        (
            OUTPUT_FILES[2],
            json(serde_json::to_string_pretty(&public_to_json(&[
                w.public_input
            ]))),
        ),
        (OUTPUT_FILES[3], Ok(hex::encode(&w.pubdata))),
    ];
    std::fs::create_dir_all(out).map_err(|e| (out.to_path_buf(), e))?;
    for (name, body) in contents {
        let path = out.join(name);
        body.and_then(|b| write_atomically(&path, b.as_bytes()))
            .map_err(|e| (path, e))?;
    }
    Ok(())
}
