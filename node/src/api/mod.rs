//! The wallet API (axum): JSON over HTTP, described by `node/openapi.json`
//! (served at `/openapi.json`). [`ROUTES`] lists the routes: a unit test
//! holds it to the document's paths, and the anvil journey
//! (`tests/node.rs`) calls each one on a running node and validates its
//! answer against the document's schema.
//!
//! | route | what |
//! |---|---|
//! | `POST /ops` | submit a signed L2 operation → its id, or a 4xx naming the reason |
//! | `GET /ops/{id}` | its status: pending, waiting (for nonce N), in batch N, proved, settled (L1 tx), dropped (why) |
//! | `GET /accounts/{idx}` | token, key, balance and nonce as settled, proved, applied and pending; its queued L1 operations |
//! | `GET /batches/{n}` | a batch: roots, operations, fees, stage, proving time, L1 transaction |
//! | `GET /batches` | the recent batches |
//! | `GET /queue` | the confirmed L1 queue, with each operation's age |
//! | `GET /fees` | the fee quote: least fee per operation type, fee account |
//! | `GET /info` | the deployment: chain id, Rollup.sol, shape, domain |
//! | `GET /health` | liveness and progress |
//! | `GET /metrics` | Prometheus metrics |
//! | `GET /` | the operator's status page (HTML) |
//!
//! Every refusal is `{"error": code, "reason": text}` with a 4xx status
//! (5xx only for the node's own failures); a refused operation changes
//! nothing.

mod handlers;
mod page;
mod views;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::sync::{mpsc, oneshot};
use zkroll_state::SignedL2Op;

pub use views::*;

use crate::error::SubmitError;
use crate::shared::Shared;

/// The OpenAPI document of this API.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// A submission waiting for the admitting thread.
pub type Admission = (SignedL2Op, oneshot::Sender<Result<u64, SubmitError>>);

/// What every handler sees.
#[derive(Clone)]
pub struct App {
    /// The node.
    pub shared: Arc<Shared>,
    /// To the admitting thread (one durable write for many submissions).
    pub admit: mpsc::Sender<Admission>,
}

/// Every route [`router`] serves: (method, path), paths as OpenAPI writes them.
pub const ROUTES: [(&str, &str); 12] = [
    ("get", "/"),
    ("post", "/ops"),
    ("get", "/ops/{id}"),
    ("get", "/accounts/{idx}"),
    ("get", "/batches"),
    ("get", "/batches/{n}"),
    ("get", "/queue"),
    ("get", "/fees"),
    ("get", "/info"),
    ("get", "/health"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
];

/// The router: every route of [`ROUTES`] (and of the module doc).
pub fn router(app: App) -> Router {
    let limit = app.shared.config.body_limit;
    Router::new()
        .route("/", get(page::status_page))
        .route("/ops", post(handlers::submit))
        .route("/ops/{id}", get(handlers::op_status))
        .route("/accounts/{idx}", get(handlers::account))
        .route("/batches", get(handlers::batches))
        .route("/batches/{n}", get(handlers::batch))
        .route("/queue", get(handlers::queue))
        .route("/fees", get(handlers::fees))
        .route("/info", get(handlers::info))
        .route("/health", get(handlers::health))
        .route("/metrics", get(handlers::metrics))
        .route("/openapi.json", get(handlers::openapi))
        .fallback(handlers::not_found)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(app)
}

/// A refusal: status, code, reason.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable reason.
    pub code: &'static str,
    /// What was wrong.
    pub reason: String,
}

impl ApiError {
    /// A refusal.
    pub fn new(status: StatusCode, code: &'static str, reason: impl Into<String>) -> Self {
        Self {
            status,
            code,
            reason: reason.into(),
        }
    }

    /// 404.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    /// 500 (the node's own failure).
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        let status = match &e {
            SubmitError::Duplicate { .. }
            | SubmitError::NonceTaken { .. }
            | SubmitError::NonceUsed { .. } => StatusCode::CONFLICT,
            SubmitError::MempoolFull { .. } => StatusCode::TOO_MANY_REQUESTS,
            SubmitError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            SubmitError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        Self::new(status, e.code(), e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                error: self.code.to_string(),
                reason: self.reason,
            }),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{OPENAPI, ROUTES};

    /// The OpenAPI document describes exactly the routes the router serves.
    #[test]
    fn openapi_paths_are_the_routes() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
        let documented: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .flat_map(|(path, ops)| {
                ops.as_object()
                    .expect("operations")
                    .keys()
                    .map(move |m| (m.clone(), path.clone()))
            })
            .collect();
        let served: BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        assert_eq!(documented, served);
    }
}
