//! The prover's thread: loads the key (tens of seconds, so the API is up
//! meanwhile), then proves the witnesses the pipeline sends, several at a
//! time when several wait ([`BatchProver::prove_all`] overlaps them), and
//! verifies each proof against the key's verifying key before handing it
//! back: a proof that does not verify is never submitted.

use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::Duration;

use ark_bn254::Bn254;
use ark_groth16::Proof;
use tokio::sync::mpsc::UnboundedSender;
use zkroll_state::{BatchWitness, CircuitShape, Fr};

use crate::error::NodeError;
use crate::prover::BatchProver;

/// Loads the prover (in the prover's thread).
pub type ProverLoader = Box<dyn FnOnce() -> Result<Arc<dyn BatchProver>, NodeError> + Send>;

/// What the prover's thread reports.
pub enum ProverMsg {
    /// The key is loaded; its label.
    Ready(String),
    /// The key could not be loaded, or is for another shape.
    Failed(NodeError),
    /// Batch `number` (with root `new_root`) was proved, or why not.
    Proved {
        /// The batch.
        number: u64,
        /// Its new root (a re-planned batch of the same number may differ).
        new_root: Fr,
        /// The verified proof and its proving time, or the failure.
        result: Result<(Proof<Bn254>, Duration), NodeError>,
    },
}

/// Runs the prover's thread until the pipeline hangs up.
pub fn run(
    load: ProverLoader,
    shape: CircuitShape,
    jobs: Receiver<BatchWitness>,
    out: UnboundedSender<ProverMsg>,
) {
    let prover = match load() {
        Ok(p) if p.shape() == shape => p,
        Ok(p) => {
            let _ = out.send(ProverMsg::Failed(NodeError::ShapeMismatch {
                key: p.shape(),
                deployment: shape,
            }));
            return;
        }
        Err(e) => {
            let _ = out.send(ProverMsg::Failed(e));
            return;
        }
    };
    if out
        .send(ProverMsg::Ready(prover.label().to_string()))
        .is_err()
    {
        return;
    }
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while let Ok(w) = jobs.try_recv() {
            batch.push(w);
        }
        let results = prover.prove_all(&batch);
        for (w, r) in batch.iter().zip(results) {
            let number = w.batch_number;
            let result = r
                .map_err(|source| NodeError::Prove {
                    batch: number,
                    source,
                })
                .and_then(|p| {
                    zkroll_verifier::verify(prover.vk(), &p.public_inputs, &p.proof)
                        .map_err(|e| NodeError::ProofInvalid {
                            batch: number,
                            reason: e.to_string(),
                        })
                        .map(|()| (p.proof, p.witness_time + p.prove_time))
                });
            let msg = ProverMsg::Proved {
                number,
                new_root: w.new_root,
                result,
            };
            if out.send(msg).is_err() {
                return;
            }
        }
    }
}
