//! Following a rollup from L1 alone: the data-availability promise.
//!
//! [`sync`] reads every settled batch after the state's last one from the
//! chain (the `submitBatch` calldata of its transaction), rebuilds the
//! batch's pubdata, checks its header continues the state (batch number,
//! old root), optionally checks the proof against the public input the
//! contract computed (the pubdata's commitment) with the verifying key,
//! replays it into the state, and checks the new root against the header
//! and the root the contract recorded. Each batch is one durable write of
//! the state store, so an interrupted sync continues from the last batch
//! it wrote. A local batch L1 turns out to have settled is recorded
//! `BatchStage::Written`, so `zkroll prove` never reverts it.

use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use zkroll_state::field::fr_to_be_bytes;
use zkroll_state::pubdata::{BatchHeader, HEADER_BYTES};
use zkroll_state::{BatchStage, Rollup, StateError, Storage};

use crate::chain::RollupChain;
use crate::error::L1Error;

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Reading the chain failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// The local state store failed or refused the batch.
    #[error("batch {batch}: {source}")]
    State {
        /// The batch being replayed.
        batch: u64,
        /// Why.
        source: StateError,
    },
    /// The local state was built for another tree depth than the rollup's.
    #[error("the state has depth {local}, the rollup {on_chain}")]
    Depth {
        /// The store's depth.
        local: u8,
        /// The rollup's.
        on_chain: u8,
    },
    /// A settled batch does not continue the local state (another rollup's
    /// state, or a store ahead of L1).
    #[error("batch {batch}: {reason}")]
    Discontinuous {
        /// The batch number.
        batch: u64,
        /// What does not fit.
        reason: String,
    },
    /// The batch's proof does not verify against the commitment of its
    /// published data (impossible for a batch Rollup.sol accepted with this
    /// key: the key is not the deployment's).
    #[error("batch {batch}: the proof does not verify for its pubdata commitment with this key")]
    ProofInvalid {
        /// The batch number.
        batch: u64,
    },
    /// Replaying the batch gave another root than L1 recorded.
    #[error("batch {batch}: replaying the pubdata gives root {replayed}, L1 recorded {on_chain}")]
    RootMismatch {
        /// The batch number.
        batch: u64,
        /// The replayed root (hex).
        replayed: String,
        /// The root on L1 (hex).
        on_chain: String,
    },
}

/// What a sync did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncReport {
    /// The batch the state was at before.
    pub from: u64,
    /// The batch it is at now.
    pub to: u64,
    /// The state root now equals Rollup.sol's (the sync reached its last
    /// batch).
    pub matches_contract: bool,
}

/// Replays every settled batch after `state`'s last into it (see the
/// module doc); with `vk`, each batch's proof is checked too.
pub async fn sync<C: RollupChain, S: Storage>(
    chain: &mut C,
    state: &mut Rollup<S>,
    vk: Option<&VerifyingKey<Bn254>>,
) -> Result<SyncReport, SyncError> {
    let shape = chain.shape();
    if state.tree().depth() != shape.depth {
        return Err(SyncError::Depth {
            local: state.tree().depth(),
            on_chain: shape.depth,
        });
    }
    let from = state.last_batch();
    let batches = chain.settled_batches(from + 1).await?;
    for b in &batches {
        let number = b.number;
        let gap = |reason: String| SyncError::Discontinuous {
            batch: number,
            reason,
        };
        if number != state.last_batch() + 1 {
            return Err(gap(format!(
                "the state is at batch {}, L1's next batch is {number}",
                state.last_batch()
            )));
        }
        let pubdata = b.pubdata(&shape)?;
        let header_bytes: &[u8; HEADER_BYTES] = pubdata[..HEADER_BYTES]
            .try_into()
            .map_err(|_| gap("short header".into()))?;
        let header = BatchHeader::from_bytes(header_bytes).map_err(|e| gap(e.to_string()))?;
        if header.batch_number != number {
            return Err(gap(format!(
                "its header says batch {}",
                header.batch_number
            )));
        }
        if header.old_root != state.root() {
            return Err(gap("its old root is not the state's root".into()));
        }
        // L1 built on the local last batch's root: that batch is settled.
        mark_settled(state, number - 1)?;
        if let Some(vk) = vk {
            let input = zkroll_state::pubdata::public_input(&pubdata);
            let ok = b
                .groth16_proof()
                .is_some_and(|p| zkroll_verifier::verify(vk, &[input], &p).is_ok());
            if !ok {
                return Err(SyncError::ProofInvalid { batch: number });
            }
        }
        state
            .replay(&shape, &pubdata)
            .map_err(|source| SyncError::State {
                batch: number,
                source,
            })?;
        let replayed = fr_to_be_bytes(&state.root());
        if replayed != b.new_root || state.root() != header.new_root {
            return Err(SyncError::RootMismatch {
                batch: number,
                replayed: hex::encode(replayed),
                on_chain: hex::encode(b.new_root),
            });
        }
    }
    let status = chain.status().await?;
    let matches_contract = status.last_batch == state.last_batch()
        && status.state_root == fr_to_be_bytes(&state.root());
    if matches_contract {
        mark_settled(state, status.last_batch)?;
    }
    Ok(SyncReport {
        from,
        to: state.last_batch(),
        matches_contract,
    })
}

/// Records local batch `number`, which L1 has settled, as
/// [`BatchStage::Written`] if a stopped prover had left it before that
/// (the process was killed after its files were settled but before the
/// stage was recorded), so that no later `zkroll prove` reverts it.
fn mark_settled<S: Storage>(state: &mut Rollup<S>, number: u64) -> Result<(), SyncError> {
    match state.unfinished_batch() {
        Ok(Some((n, _))) if n == number => state
            .set_batch_stage(number, BatchStage::Written)
            .map_err(|source| SyncError::State {
                batch: number,
                source,
            }),
        Ok(_) => Ok(()),
        Err(source) => Err(SyncError::State {
            batch: number,
            source,
        }),
    }
}
