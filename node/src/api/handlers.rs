//! The API's handlers: parse, ask the node, answer (see [`super`]).

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokio::sync::oneshot;
use zkroll_state::float::{DecimalFloat, Float16, Float40};
use zkroll_state::{
    AccountId, L2Op, L2OpError, OpType, RedbStore, Rollup, SignedL2Op, Storage, StoreError,
};

use super::{
    AccountView, ApiError, App, BatchView, FeesView, HealthView, Holding, InfoView, OpView,
    QueueView, QueuedView, ShapeView, Submitted, OPENAPI,
};
use crate::error::SubmitError;
use crate::mempool::Readiness;
use crate::shared::{now_ms, Shared};
use crate::store::{BatchInfo, NodeStage, OpState};

fn hex0x(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

/// A body axum could not read as the JSON asked for: malformed JSON (400),
/// a wrong or unknown field or an amount out of range (422, the parser's
/// message naming it), a body over the limit (413), no JSON content type
/// (415).
fn rejected(r: JsonRejection) -> ApiError {
    let (code, status) = match &r {
        JsonRejection::JsonSyntaxError(_) => ("malformed_json", StatusCode::BAD_REQUEST),
        JsonRejection::JsonDataError(_) => ("invalid_fields", StatusCode::UNPROCESSABLE_ENTITY),
        JsonRejection::MissingJsonContentType(_) => {
            ("not_json", StatusCode::UNSUPPORTED_MEDIA_TYPE)
        }
        _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ("body_too_large", StatusCode::PAYLOAD_TOO_LARGE)
        }
        _ => ("unreadable_body", r.status()),
    };
    ApiError::new(status, code, r.body_text())
}

fn bad_path(r: PathRejection) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_path", r.body_text())
}

/// The checks that need no mempool: the accounts exist, tokens agree, the
/// amounts pack, the fee meets the policy, and the signature verifies
/// against the `from` account's key for this deployment.
fn prevalidate(shared: &Shared, signed: &SignedL2Op) -> Result<(), SubmitError> {
    let op = &signed.op;
    let (from, to, fee_token) = {
        let state = shared.state();
        let from = *state
            .account(op.from())
            .ok_or(L2OpError::UnknownAccount { idx: op.from() })?;
        let to = match op {
            L2Op::Transfer(t) => Some(
                *state
                    .account(t.to)
                    .ok_or(L2OpError::UnknownAccount { idx: t.to })?,
            ),
            L2Op::Withdraw(_) => None,
        };
        let fee_token = state.account(shared.config.fee_account).map(|a| a.token);
        (from, to, fee_token)
    };
    if let Some(to) = to {
        if to.token != from.token {
            return Err(L2OpError::TokenMismatch {
                from_token: from.token,
                to_token: to.token,
            }
            .into());
        }
    }
    if Float40::encode(op.amount()).is_none() {
        return Err(L2OpError::AmountNotRepresentable {
            amount: op.amount(),
        }
        .into());
    }
    if Float16::encode(op.fee()).is_none() {
        return Err(L2OpError::FeeNotRepresentable { fee: op.fee() }.into());
    }
    if fee_token == Some(from.token) {
        let minimum = shared.config.fees.minimum(op.op_type());
        if op.fee() < minimum {
            return Err(SubmitError::FeeTooLow {
                op: op.op_type(),
                fee: op.fee(),
                minimum,
            });
        }
    } else if op.fee() != 0 {
        return Err(L2OpError::FeeOnForeignToken {
            token: from.token,
            fee_token: fee_token.unwrap_or(from.token),
        }
        .into());
    }
    if op.nonce() == zkroll_state::Nonce::MAX {
        return Err(L2OpError::NonceExhausted.into());
    }
    signed
        .verify(&from.pubkey, &shared.domain)
        .map_err(L2OpError::BadSignature)?;
    Ok(())
}

/// `POST /ops`.
pub async fn submit(
    State(app): State<App>,
    body: Result<Json<SignedL2Op>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(signed) = body.map_err(rejected)?;
    let shared = app.shared.clone();
    let checked = tokio::task::spawn_blocking(move || prevalidate(&shared, &signed))
        .await
        .map_err(ApiError::internal)?;
    if let Err(e) = checked {
        app.shared.metrics.ops_refused.inc();
        return Err(e.into());
    }
    let (tx, rx) = oneshot::channel();
    app.admit
        .send((signed, tx))
        .await
        .map_err(|_| ApiError::from(SubmitError::ShuttingDown))?;
    let id = match rx.await.map_err(|_| SubmitError::ShuttingDown)? {
        Ok(id) => id,
        Err(e) => {
            app.shared.metrics.ops_refused.inc();
            return Err(e.into());
        }
    };
    app.shared.metrics.ops_accepted.inc();
    let status = op_view(&app.shared, id)?.map_or("pending".into(), |v| v.status);
    Ok((StatusCode::ACCEPTED, Json(Submitted { id, status })).into_response())
}

/// The status of operation `id` (None: no such operation).
pub fn op_view(shared: &Shared, id: u64) -> Result<Option<OpView>, ApiError> {
    let state = shared.state();
    let pending = {
        let pool = shared.pool();
        pool.get(id).map(|rec| {
            let current = state.account(rec.signed.op.from()).map_or(0, |a| a.nonce);
            (rec.clone(), pool.readiness(rec, current))
        })
    };
    let (rec, readiness) = match pending {
        Some((rec, r)) => (rec, Some(r)),
        None => match shared.store.op(id).map_err(ApiError::internal)? {
            Some(rec) => (rec, None),
            None => return Ok(None),
        },
    };
    let mut v = OpView {
        id,
        status: String::new(),
        waiting_for_nonce: None,
        batch: None,
        l1_tx: None,
        code: None,
        reason: None,
        op: rec.signed,
        received_ms: rec.received_ms,
    };
    match (&rec.state, readiness) {
        (_, Some(Readiness::Waiting { for_nonce })) => {
            v.status = "waiting".into();
            v.waiting_for_nonce = Some(for_nonce);
        }
        (OpState::Pending, _) => v.status = "pending".into(),
        (OpState::InBatch(n), _) => {
            v.batch = Some(*n);
            let b = shared.store.batch(*n).map_err(ApiError::internal)?;
            v.status = match b.as_ref().map(|b| b.stage) {
                Some(NodeStage::Settled) => "settled",
                Some(NodeStage::Proved) => "proved",
                _ => "in_batch",
            }
            .into();
            v.l1_tx = b.and_then(|b| b.tx).map(|t| hex0x(&t));
        }
        (OpState::Dropped { code, reason }, _) => {
            v.status = "dropped".into();
            v.code = Some(code.clone());
            v.reason = Some(reason.clone());
        }
    }
    Ok(Some(v))
}

/// `GET /ops/{id}`.
pub async fn op_status(
    State(app): State<App>,
    id: Result<Path<u64>, PathRejection>,
) -> Result<Json<OpView>, ApiError> {
    let Path(id) = id.map_err(bad_path)?;
    op_view(&app.shared, id)?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no operation {id}")))
}

/// `idx` as of batch `at`: the value before the first later batch that
/// touched it, else the applied value.
fn holding_at(
    state: &Rollup<RedbStore>,
    idx: AccountId,
    at: u64,
) -> Result<Option<Holding>, StoreError> {
    for n in at + 1..=state.last_batch() {
        if let Some(d) = state.store().batch_delta(n)? {
            if let Some((before, _)) = d.leaves.get(&u64::from(idx)) {
                return Ok(before.map(|a| Holding {
                    balance: a.balance,
                    nonce: a.nonce,
                }));
            }
        }
    }
    Ok(state.account(idx).map(|a| Holding {
        balance: a.balance,
        nonce: a.nonce,
    }))
}

/// The last batch proved (every batch up to it proved or settled).
fn last_proved(shared: &Shared, settled: u64) -> Result<u64, ApiError> {
    let mut n = settled;
    for b in shared
        .store
        .batches_from(settled + 1)
        .map_err(ApiError::internal)?
    {
        if b.number != n + 1 || b.stage == NodeStage::Applied {
            break;
        }
        n = b.number;
    }
    Ok(n)
}

/// `GET /accounts/{idx}`.
pub async fn account(
    State(app): State<App>,
    idx: Result<Path<AccountId>, PathRejection>,
) -> Result<Json<AccountView>, ApiError> {
    let Path(idx) = idx.map_err(bad_path)?;
    let shared = &app.shared;
    let settled = shared.view().status.map_or(0, |s| s.last_batch);
    let proved = last_proved(shared, settled)?;
    let l1_queued = shared
        .view()
        .queue
        .iter()
        .filter(|q| q.op.op.idx() == idx)
        .map(|q| q.op)
        .collect();
    let state = shared.state();
    let acc = *state
        .account(idx)
        .ok_or_else(|| ApiError::not_found(format!("no account {idx}")))?;
    let settled =
        holding_at(&state, idx, settled.min(state.last_batch())).map_err(ApiError::internal)?;
    let proved =
        holding_at(&state, idx, proved.min(state.last_batch())).map_err(ApiError::internal)?;
    let pool = shared.pool();
    let pending_ops = pool.account_ops(idx).iter().map(|r| r.id).collect();
    Ok(Json(AccountView {
        index: idx,
        token: acc.token,
        pubkey: hex0x(&acc.pubkey.compress()),
        settled,
        proved,
        applied: Holding {
            balance: acc.balance,
            nonce: acc.nonce,
        },
        pending: Holding {
            balance: acc.balance.saturating_sub(pool.pending_debit(idx)),
            nonce: pool.next_nonce(idx, acc.nonce),
        },
        pending_ops,
        l1_queued,
    }))
}

/// A batch's view.
pub fn batch_view(b: &BatchInfo) -> BatchView {
    BatchView {
        number: b.number,
        stage: b.stage.name().into(),
        old_root: hex0x(&b.old_root),
        new_root: hex0x(&b.new_root),
        l1_from: b.l1_from,
        l1_count: b.l1_count,
        ops: b.ops.clone(),
        fees: b.fees,
        prove_ms: b.prove_ms,
        l1_tx: b.tx.map(|t| hex0x(&t)),
        l1_block: b.l1_block,
        gas: b.gas,
        created_ms: b.created_ms,
        settled_ms: b.settled_ms,
    }
}

/// `GET /batches/{n}`.
pub async fn batch(
    State(app): State<App>,
    n: Result<Path<u64>, PathRejection>,
) -> Result<Json<BatchView>, ApiError> {
    let Path(n) = n.map_err(bad_path)?;
    app.shared
        .store
        .batch(n)
        .map_err(ApiError::internal)?
        .map(|b| Json(batch_view(&b)))
        .ok_or_else(|| ApiError::not_found(format!("no batch {n}")))
}

/// How many batches `GET /batches` lists.
pub const RECENT_BATCHES: usize = 50;

/// `GET /batches`: the most recent, newest first.
pub async fn batches(State(app): State<App>) -> Result<Json<Vec<BatchView>>, ApiError> {
    let list = app
        .shared
        .store
        .recent_batches(RECENT_BATCHES)
        .map_err(ApiError::internal)?;
    Ok(Json(list.iter().map(batch_view).collect()))
}

/// The queue view.
pub fn queue_view(shared: &Shared) -> QueueView {
    let now = now_ms();
    let v = shared.view();
    let s = v.status.unwrap_or_default();
    QueueView {
        queue_head: s.queue_head,
        queue_tail: s.queue_tail,
        exodus: s.exodus,
        l1_block: s.block,
        expiry_blocks: s.expiry_blocks,
        confirmed: v
            .queue
            .iter()
            .map(|q| {
                let expires = q.block.map(|b| b + s.expiry_blocks);
                QueuedView {
                    op: q.op,
                    age_s: now.saturating_sub(q.seen_ms) / 1000,
                    queued_block: q.block,
                    age_blocks: q.block.map(|b| s.block.saturating_sub(b)),
                    expires_after_block: expires,
                    blocks_left: expires.map(|e| e.saturating_sub(s.block)),
                }
            })
            .collect(),
    }
}

/// `GET /queue`.
pub async fn queue(State(app): State<App>) -> Json<QueueView> {
    Json(queue_view(&app.shared))
}

/// `GET /fees`.
pub async fn fees(State(app): State<App>) -> Json<FeesView> {
    let shared = &app.shared;
    let fee = shared.state().account(shared.config.fee_account).copied();
    Json(FeesView {
        fee_account: shared.config.fee_account,
        fee_token: fee.map(|a| a.token),
        fee_account_balance: fee.map_or(0, |a| a.balance),
        transfer: shared.config.fees.minimum(OpType::Transfer),
        withdraw: shared.config.fees.minimum(OpType::Withdraw),
    })
}

/// `GET /info`.
pub async fn info(State(app): State<App>) -> Json<InfoView> {
    let s = &app.shared;
    Json(InfoView {
        chain_id: s.domain.chain_id,
        rollup: hex0x(&s.domain.rollup.0),
        shape: ShapeView {
            depth: s.shape.depth,
            l1_slots: s.shape.l1_slots,
            l2_slots: s.shape.l2_slots,
        },
        fee_account: s.config.fee_account,
        prover: s.view().prover.clone(),
    })
}

/// The health view.
pub fn health_view(shared: &Shared) -> HealthView {
    // The view first, and on its own: it shows a batch being applied while
    // the pipeline holds the state's lock to apply it.
    let (status, settled_batch, prover, applying, proving, settling, last_error) = {
        let v = shared.view();
        (
            if v.last_error.is_some() {
                "degraded"
            } else {
                "ok"
            },
            v.status.map_or(0, |s| s.last_batch),
            v.prover.clone(),
            v.applying,
            v.proving,
            v.settling,
            v.last_error.clone(),
        )
    };
    let last_batch = shared.state().last_batch();
    let mempool = shared.pool().len();
    HealthView {
        status: status.into(),
        last_batch,
        settled_batch,
        mempool,
        prover,
        applying,
        proving,
        settling,
        last_error,
    }
}

/// `GET /health`.
pub async fn health(State(app): State<App>) -> Json<HealthView> {
    Json(health_view(&app.shared))
}

/// `GET /metrics`.
pub async fn metrics(State(app): State<App>) -> Response {
    app.shared
        .metrics
        .mempool_pending
        .set(app.shared.pool().len() as i64);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.shared.metrics.render(),
    )
        .into_response()
}

/// `GET /openapi.json`.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// Any other route.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such route (see /openapi.json)")
}
