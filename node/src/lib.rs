//! zkroll-node: the operator service wallets talk to, from one binary
//! (`zkroll node`), in the shape of zkSync Lite's server and hermez-node:
//!
//! ```text
//! wallet ──HTTP──► api ──► admitter ──► mempool (node.redb)
//!                                           │
//!        L1 queue (confirmed) ──► pipeline: batcher ─► apply (state.redb)
//!                                           │ BatchWitness
//!                                      prover thread (BatchProver)
//!                                           │ verified proof
//!                                      submit (alloy) ─► Rollup.sol
//! ```
//!
//! - [`api`]: axum routes (JSON, `openapi.json`), the status page, metrics;
//! - [`mempool`]: admission against the state plus each account's pending
//!   operations, nonce ordering, persisted before the API answers;
//! - [`pipeline`]: batcher, apply, prove (behind [`prover::BatchProver`]),
//!   submit, confirm; [`pipeline::recover`] after a crash;
//! - [`store`]: `node.redb`, operations and batch plans;
//! - [`keys`]: the proving key, or cached dev keys;
//! - [`queue`]: the proving queue in PostgreSQL, for provers on other
//!   machines (issue 16, in progress: the queue's operations).
//!
//! Invariants, as absences: no operation is acknowledged before it is
//! durable; no batch is applied before its plan is durable; no batch is
//! submitted out of order, unproved, or with a proof that does not verify.

pub mod api;
pub mod config;
pub mod error;
pub mod keys;
pub mod mempool;
pub mod metrics;
pub mod pipeline;
pub mod prover;
pub mod queue;
pub mod shared;
pub mod store;
pub mod wallet;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, RwLock};

use alloy::signers::local::PrivateKeySigner;
use tokio::sync::{mpsc, oneshot};
use zkroll_l1::rpc::send::FileJournal;
use zkroll_l1::{RollupChain, RpcChain, RpcConfig};
use zkroll_prover::ProverKey;
use zkroll_state::{RedbStore, Rollup};

pub use config::{ConfigFile, FeePolicy, KeySource, NodeConfig};
pub use error::{ConfigError, NodeError, NodeStoreError, SubmitError};

use crate::api::{Admission, App};
use crate::mempool::Mempool;
use crate::pipeline::{Pipeline, ProverLoader};
use crate::prover::{BatchProver, InProcessProver};
use crate::shared::{ChainView, Shared};
use crate::store::NodeStore;

/// The most submissions the admitter stores in one durable write.
pub const ADMIT_GROUP: usize = 1024;
/// Submissions waiting for the admitter before the API waits too.
pub const ADMIT_QUEUE: usize = 8192;

/// The state store's file in the data directory.
pub const STATE_FILE: &str = "state.redb";
/// The node store's file.
pub const NODE_FILE: &str = "node.redb";
/// The submit journal's file (a transaction sent and not yet mined).
pub const JOURNAL_FILE: &str = "submit.journal";

fn rpc_config(config: &NodeConfig) -> RpcConfig {
    RpcConfig {
        confirmations: config.confirmations,
        poll_interval: config.poll,
        ..RpcConfig::default()
    }
}

fn loader(keys: KeySource, shape: zkroll_state::CircuitShape) -> ProverLoader {
    Box::new(move || {
        let key = match keys {
            KeySource::Dir(dir) => ProverKey::load(&dir),
            KeySource::Dev => keys::cached_dev_keys(shape, |dir| {
                tracing::warn!(
                    "no cached dev keys: running a development setup into {} (INSECURE: for development only)",
                    dir.display()
                );
            }),
        }
        .map_err(NodeError::Key)?;
        Ok(Arc::new(InProcessProver::new(key)) as Arc<dyn BatchProver>)
    })
}

/// Stores operations as the API hands them over, many per durable write.
fn admitter(shared: Arc<Shared>, mut rx: mpsc::Receiver<Admission>) {
    while let Some(first) = rx.blocking_recv() {
        let mut group = vec![first];
        while group.len() < ADMIT_GROUP {
            match rx.try_recv() {
                Ok(a) => group.push(a),
                Err(_) => break,
            }
        }
        let (ops, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
        let results = {
            let state = shared.state();
            shared.pool().admit(&state, ops)
        };
        for (r, reply) in results.into_iter().zip(replies) {
            let _ = reply.send(r);
        }
    }
}

/// The node's shared parts over the stores in `config.data_dir` (created
/// when missing) for a deployment of `shape` and `domain`: the state, the
/// node store and the mempool loaded from it.
pub fn open_shared(
    config: NodeConfig,
    shape: zkroll_state::CircuitShape,
    domain: zkroll_state::Domain,
) -> Result<Arc<Shared>, NodeError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| NodeError::Io {
        path: config.data_dir.clone(),
        source,
    })?;
    let state = Rollup::open(
        RedbStore::open(&config.data_dir.join(STATE_FILE))?,
        shape.depth,
        false,
    )?;
    let store = Arc::new(NodeStore::open(&config.data_dir.join(NODE_FILE))?);
    let pool = Mempool::load(store.clone(), &config)?;
    Ok(Arc::new(Shared {
        shape,
        domain,
        state: RwLock::new(state),
        pool: Mutex::new(pool),
        store,
        view: RwLock::new(ChainView::default()),
        metrics: metrics::Metrics::default(),
        stop: Default::default(),
        config,
    }))
}

/// Serves the wallet API for `shared` on `listener` (with its admitting
/// thread) until `stop` completes: the server's task. [`run`] serves it
/// beside the pipeline; the load benchmark serves it alone.
pub fn serve_api(
    shared: Arc<Shared>,
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<tokio::task::JoinHandle<std::io::Result<()>>, NodeError> {
    let (admit_tx, admit_rx) = mpsc::channel(ADMIT_QUEUE);
    {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("zkroll-admitter".into())
            .spawn(move || admitter(shared, admit_rx))
            .map_err(|source| NodeError::Io {
                path: "admitter thread".into(),
                source,
            })?;
    }
    let app = App {
        shared,
        admit: admit_tx,
    };
    let server = axum::serve(listener, api::router(app)).with_graceful_shutdown(stop);
    Ok(tokio::spawn(async move { server.await }))
}

/// Runs the node until it is stopped (Ctrl-C or SIGTERM) or its pipeline
/// fails: connects to L1, opens (or creates) the stores in the data
/// directory, recovers, then serves the API; `on_listening` gets the
/// bound address once the API is up.
pub async fn run(
    config: NodeConfig,
    operator: PrivateKeySigner,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), NodeError> {
    let probe =
        RpcChain::connect(&config.rpc, Vec::new(), config.rollup, rpc_config(&config)).await?;
    let (shape, domain) = (probe.shape(), probe.domain());
    drop(probe);
    let shared = open_shared(config, shape, domain)?;

    // The pipeline owns its chain client on its own thread (the chain's
    // futures need not be Send); it recovers before the API opens.
    let (ready_tx, ready_rx) = oneshot::channel::<Result<(), NodeError>>();
    let (done_tx, done_rx) = oneshot::channel::<Result<(), NodeError>>();
    {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("zkroll-pipeline".into())
            .spawn(move || {
                let res = pipeline_thread(shared, operator, ready_tx);
                let _ = done_tx.send(res);
            })
            .map_err(|source| NodeError::Io {
                path: "pipeline thread".into(),
                source,
            })?;
    }
    match ready_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => {
            return match done_rx.await {
                Ok(Err(e)) => Err(e),
                _ => Err(NodeError::ThreadGone { what: "pipeline" }),
            }
        }
    }

    let addr = shared.config.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| NodeError::Listen { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| NodeError::Listen { addr, source })?;
    on_listening(bound);
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let server = serve_api(shared.clone(), listener, async {
        let _ = stop_rx.await;
    })?;
    let result = tokio::select! {
        r = done_rx => r.unwrap_or(Err(NodeError::ThreadGone { what: "pipeline" })),
        () = shutdown_signal() => Ok(()),
    };
    shared.stop.store(true, Ordering::Relaxed);
    let _ = stop_tx.send(());
    let _ = server.await;
    result
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

fn pipeline_thread(
    shared: Arc<Shared>,
    operator: PrivateKeySigner,
    ready: oneshot::Sender<Result<(), NodeError>>,
) -> Result<(), NodeError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| NodeError::Io {
            path: "pipeline runtime".into(),
            source,
        })?;
    rt.block_on(async move {
        let config = &shared.config;
        let chain = RpcChain::connect(
            &config.rpc,
            vec![operator],
            config.rollup,
            rpc_config(config),
        )
        .await;
        let chain = match chain {
            Ok(c) => c.with_journal(Box::new(FileJournal::new(
                &config.data_dir.join(JOURNAL_FILE),
            ))),
            Err(e) => {
                let _ = ready.send(Err(e.into()));
                return Ok(());
            }
        };
        let load = loader(config.keys.clone(), shared.shape);
        let mut pipeline = match Pipeline::new(shared.clone(), chain, load) {
            Ok(p) => p,
            Err(e) => {
                let _ = ready.send(Err(e));
                return Ok(());
            }
        };
        if let Err(e) = pipeline.recover().await {
            let _ = ready.send(Err(e));
            return Ok(());
        }
        let _ = ready.send(Ok(()));
        pipeline.run().await
    })
}
