//! Checks of a running node against its own descriptions: every route of
//! `zkroll_node::api::ROUTES` answers as `node/openapi.json` says, and the
//! status page, rendered by headless Chromium, shows what the API shows.

use std::path::Path;
use std::process::Command;

use super::support::{get, Node};

const OPENAPI: &str = include_str!("../../node/openapi.json");

/// Debian's Chromium.
const CHROMIUM: &str = "/usr/bin/chromium";

/// A JSON pointer token (RFC 6901), as a URI fragment writes it.
fn token(s: &str) -> String {
    s.replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

/// GETs every route (with `params` for its path parameters) and validates
/// each JSON answer against the schema the document gives its 200; the
/// non-JSON routes answer with the content type the document names.
pub async fn routes_answer_as_documented(node: &Node, params: &[(&str, String)]) {
    let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap();
    for (method, path) in zkroll_node::api::ROUTES {
        if method != "get" {
            continue; // POST /ops: the journey and the bad-input test
        }
        let mut url_path = path.to_string();
        for (name, value) in params {
            url_path = url_path.replace(&format!("{{{name}}}"), value);
        }
        assert!(!url_path.contains('{'), "no parameter for {path}");
        let content = &doc["paths"][path][method]["responses"]["200"]["content"];
        let (kind, _) = content
            .as_object()
            .and_then(|c| c.iter().next())
            .unwrap_or_else(|| panic!("{path}: the document gives no 200 content"));
        let r = reqwest::get(format!("{}{url_path}", node.url))
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "GET {url_path}");
        let got_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(
            got_type.starts_with(kind.as_str()),
            "GET {url_path}: {got_type}, documented {kind}"
        );
        if kind != "application/json" {
            continue;
        }
        let body: serde_json::Value = r.json().await.unwrap();
        // The whole document as the root, so its `$ref`s resolve.
        let mut schema = doc.clone();
        schema["$ref"] = format!(
            "#/paths/{}/{method}/responses/200/content/{}/schema",
            token(path),
            token(kind)
        )
        .into();
        let validator = jsonschema::validator_for(&schema).expect("a valid schema");
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "GET {url_path} against {path}'s schema: {errors:?}\n{body}"
        );
    }
}

/// Whether the browser test must run (`CI=true` or `ZKROLL_REQUIRE_CHROMIUM`).
fn chromium_required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var_os("ZKROLL_REQUIRE_CHROMIUM").is_some()
}

/// The status page's DOM as headless Chromium renders it, or None (a
/// printed skip) when Chromium is not installed and not required.
pub fn render_in_chromium(test: &str, url: &str) -> Option<String> {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            !chromium_required(),
            "{test}: Chromium is required, {CHROMIUM} is missing"
        );
        println!("SKIPPED {test}'s browser check: no {CHROMIUM}");
        return None;
    }
    let profile = tempfile::tempdir().unwrap();
    // Flags for a closed network and a root user (no sandbox).
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The text of the element with `id` in `dom`.
pub fn text_of(dom: &str, id: &str) -> String {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("the page has no #{id}"));
    let open_end = start + dom[start..].find('>').unwrap() + 1;
    let close = open_end + dom[open_end..].find('<').unwrap();
    dom[open_end..close].trim().to_string()
}

/// The (batch, stage) rows of the page's batch table.
pub fn batch_rows(dom: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut rest = dom;
    while let Some(i) = rest.find("data-batch=\"") {
        rest = &rest[i + "data-batch=\"".len()..];
        let n: u64 = rest[..rest.find('"').unwrap()].parse().unwrap();
        let j = rest.find("data-stage=\"").unwrap() + "data-stage=\"".len();
        let stage = rest[j..j + rest[j..].find('"').unwrap()].to_string();
        out.push((n, stage));
    }
    out
}

/// Renders the status page in Chromium and checks its figures against
/// the JSON API's, read just before and after (the node is idle then).
pub async fn status_page_matches_the_api(test: &str, node: &Node) {
    let (_, before) = get(&format!("{}/health", node.url)).await;
    let Some(dom) = render_in_chromium(test, &format!("{}/", node.url)) else {
        return;
    };
    let (_, after) = get(&format!("{}/health", node.url)).await;
    assert_eq!(before, after, "the node moved while the page was rendered");
    let (_, batches) = get(&format!("{}/batches", node.url)).await;
    let (_, queue) = get(&format!("{}/queue", node.url)).await;
    let (_, info) = get(&format!("{}/info", node.url)).await;
    assert_eq!(text_of(&dom, "health"), after["status"]);
    for (id, key) in [
        ("last-batch", "last_batch"),
        ("settled-batch", "settled_batch"),
        ("mempool", "mempool"),
    ] {
        assert_eq!(text_of(&dom, id), after[key].to_string(), "#{id}");
    }
    assert_eq!(text_of(&dom, "chain-id"), info["chain_id"].to_string());
    assert_eq!(text_of(&dom, "rollup"), info["rollup"]);
    assert_eq!(text_of(&dom, "queue-head"), queue["queue_head"].to_string());
    assert_eq!(
        text_of(&dom, "expiry-blocks"),
        queue["expiry_blocks"].to_string()
    );
    let api_rows: Vec<(u64, String)> = batches
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["number"].as_u64().unwrap(),
                b["stage"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let page_rows = batch_rows(&dom);
    assert!(!page_rows.is_empty(), "the page lists no batches");
    assert_eq!(page_rows, api_rows[..page_rows.len()], "the batch table");
}
