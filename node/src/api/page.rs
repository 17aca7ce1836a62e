//! The operator's status page at `/`: server-rendered HTML (no front-end
//! build), every figure taken from the same views the JSON API serves, so
//! the page and the API cannot disagree. Each figure carries an `id` (or
//! a `data-` attribute) for the browser test to read.

use std::fmt::Write;

use axum::extract::State;
use axum::response::Html;

use super::handlers::{batch_view, health_view, queue_view};
use super::App;

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A batch number, or `none`.
fn batch_or_none(n: Option<u64>) -> String {
    n.map_or("none".into(), |n| n.to_string())
}

/// How many batches the page lists.
const PAGE_BATCHES: usize = 20;

/// `GET /`.
pub async fn status_page(State(app): State<App>) -> Html<String> {
    let s = &app.shared;
    let health = health_view(s);
    let queue = queue_view(s);
    let batches = s.store.recent_batches(PAGE_BATCHES).unwrap_or_default();
    let prove_times: Vec<(u64, u64)> = s.view().prove_times.iter().copied().collect();
    let mut h = String::new();
    // Writing into a String cannot fail.
    let _ = write!(
        h,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>zkroll node</title>\
         <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}</style></head><body>\
         <h1>zkroll node</h1>\
         <p>chain <span id=\"chain-id\">{}</span>, Rollup.sol <code id=\"rollup\">0x{}</code>, \
         depth {} / {} L1 / {} L2 slots</p>\
         <p>status <b id=\"health\">{}</b>; last batch applied <span id=\"last-batch\">{}</span>, \
         settled on L1 <span id=\"settled-batch\">{}</span>; mempool \
         <span id=\"mempool\">{}</span> pending</p>\
         <p>prover: <span id=\"prover\">{}</span>; applying batch <span id=\"applying\">{}</span>, \
         proving batch <span id=\"proving\">{}</span>, settling batch <span id=\"settling\">{}</span></p>",
        s.domain.chain_id,
        hex::encode(s.domain.rollup.0),
        s.shape.depth,
        s.shape.l1_slots,
        s.shape.l2_slots,
        esc(&health.status),
        health.last_batch,
        health.settled_batch,
        health.mempool,
        esc(&health.prover),
        batch_or_none(health.applying),
        batch_or_none(health.proving),
        batch_or_none(health.settling),
    );
    if let Some(e) = &health.last_error {
        let _ = write!(
            h,
            "<p>last error: <span id=\"last-error\">{}</span></p>",
            esc(e)
        );
    }
    h.push_str("<h2>Batches</h2><table id=\"batches\"><tr><th>batch</th><th>stage</th><th>L1 ops</th><th>L2 ops</th><th>fees</th><th>prove ms</th><th>L1 transaction</th><th>gas</th></tr>");
    for b in batches.iter().map(batch_view) {
        let _ = write!(
            h,
            "<tr data-batch=\"{}\" data-stage=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            b.number,
            esc(&b.stage),
            b.number,
            esc(&b.stage),
            b.l1_count,
            b.ops.len(),
            b.fees,
            b.prove_ms.map_or(String::new(), |m| m.to_string()),
            esc(b.l1_tx.as_deref().unwrap_or("")),
            b.gas.map_or(String::new(), |g| g.to_string()),
        );
    }
    let _ = write!(
        h,
        "</table><h2>L1 queue</h2><p>head <span id=\"queue-head\">{}</span>, tail \
         <span id=\"queue-tail\">{}</span>, exodus <span id=\"exodus\">{}</span>; L1 block \
         <span id=\"l1-block\">{}</span>, an operation expires (exodus may open) \
         <span id=\"expiry-blocks\">{}</span> blocks after it was queued</p>\
         <table id=\"l1-queue\"><tr><th>serial</th><th>type</th><th>account</th><th>age (s)</th>\
         <th>age (blocks)</th><th>blocks to expiry</th></tr>",
        queue.queue_head, queue.queue_tail, queue.exodus, queue.l1_block, queue.expiry_blocks
    );
    for q in &queue.confirmed {
        let _ = write!(
            h,
            "<tr data-serial=\"{}\"><td>{}</td><td>{:?}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            q.op.serial,
            q.op.serial,
            q.op.op.op_type(),
            q.op.op.idx(),
            q.age_s,
            q.age_blocks.map_or("?".into(), |b| b.to_string()),
            q.blocks_left.map_or("?".into(), |b| b.to_string()),
        );
    }
    h.push_str(
        "</table><h2>Recent proofs</h2><table id=\"proofs\"><tr><th>batch</th><th>ms</th></tr>",
    );
    for (n, ms) in prove_times.iter().rev() {
        let _ = write!(h, "<tr><td>{n}</td><td>{ms}</td></tr>");
    }
    h.push_str("</table><p><a href=\"/metrics\">metrics</a> · <a href=\"/openapi.json\">API</a></p></body></html>");
    Html(h)
}
