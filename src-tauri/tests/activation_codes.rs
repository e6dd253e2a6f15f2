//! The activation-code commands through Tauri's real IPC path (mock runtime, no display), against the demo's
//! built-in emulator: make, copy (in Rust), download, the close guard, dismiss, and nothing kept in files.
//! The download answers through the dialog seam, so these tests need the `e2e` feature (scripts/test).
#![cfg(feature = "e2e")]

mod harness;

use harness::harness;
use mpos_keygen_app::{hold_close, CLOSE_REQUESTED_EVENT};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tauri::Listener;

fn last_question(asked: &Mutex<Vec<String>>) -> Value {
    serde_json::from_str(asked.lock().unwrap().last().expect("a close question")).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn files_under(dir: &Path, skip: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.starts_with(skip) {
            continue;
        }
        if path.is_dir() {
            files_under(&path, skip, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn codes_for_several_merchants_copy_download_and_close_guard() {
    let h = harness();
    let name = h.ok("demo_profile_create", json!({}))["name"].clone();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = asked.clone();
    h.app.listen_any(CLOSE_REQUESTED_EVENT, move |e| {
        seen.lock().unwrap().push(e.payload().to_string())
    });

    let refused = h.err(
        "activation_codes_generate",
        json!({ "profile": name, "mids": ["demo_store_001"], "count": 16 }),
    );
    assert_eq!(refused["code"], "usage", "{refused}");
    assert!(!hold_close(h.app.handle()));

    let view = h.ok(
        "activation_codes_generate",
        json!({ "profile": name, "mids": ["demo_store_001", "unknown_demo_mid", "demo_store_002"], "count": 3 }),
    );
    let batch = view["batchId"].as_str().expect("a batch id").to_string();
    assert_eq!(view["count"], 3);
    assert_eq!(view["providerMode"], "TEST");
    let merchants = view["merchants"].as_array().unwrap();
    assert_eq!(merchants.len(), 3);
    assert_eq!(merchants[0]["cybersourceMerchantId"], "demo_store_001");
    assert_eq!(merchants[0]["label"], "Demo shop, Berlin");
    let first = strings(&merchants[0]["codes"]);
    let second = strings(&merchants[2]["codes"]);
    assert_eq!((first.len(), second.len()), (3, 3));
    assert_eq!(merchants[1]["codes"], json!([]));
    assert_eq!(
        merchants[1]["failure"]["code"], "request_rejected",
        "{}",
        merchants[1]
    );
    let left = merchants[0]["expiresAtMs"].as_u64().unwrap() as i128
        - std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i128;
    assert!(left > 86_000_000 && left <= 86_400_000, "{left}");

    // Six codes neither copied nor downloaded: closing asks.
    assert!(hold_close(h.app.handle()));
    assert_eq!(last_question(&asked), json!({ "count": 0, "codes": 6 }));

    let copied = h.ok(
        "activation_codes_copy",
        json!({ "batchId": batch, "mid": "demo_store_002", "index": 1 }),
    );
    assert_eq!(copied["clearsInSecs"], 60);
    assert_eq!(h.clipboard.contents().as_deref(), Some(second[1].as_str()));
    h.ok(
        "activation_codes_copy",
        json!({ "batchId": batch, "mid": "demo_store_001" }),
    );
    assert_eq!(h.clipboard.contents(), Some(first.join("\n")));
    assert!(hold_close(h.app.handle()));
    assert_eq!(last_question(&asked), json!({ "count": 0, "codes": 2 }));

    let saved = h.ok(
        "activation_codes_export",
        json!({ "batchId": batch, "format": "json" }),
    );
    let path = PathBuf::from(saved["path"].as_str().unwrap());
    assert!(path.starts_with(&h.save_dir));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(doc["format"], "mpos-keygen-activation/1");
    let exported: Vec<&str> = doc["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        exported,
        first
            .iter()
            .chain(&second)
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        doc["errors"][0]["cybersourceMerchantId"],
        "unknown_demo_mid"
    );
    assert!(
        !hold_close(h.app.handle()),
        "downloaded: nothing would be lost"
    );

    // No code in any file but the download (config, history, anything else the app wrote).
    let mut files = Vec::new();
    files_under(h.root.path(), &h.save_dir, &mut files);
    assert!(files.len() >= 2, "{files:?}");
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for code in first.iter().chain(&second) {
            assert!(
                !text.contains(code.as_str()),
                "a code in {}",
                file.display()
            );
        }
    }

    // The history says how many codes each merchant got, in the batch's order, and never a code.
    let made = h.ok("history_codes", json!({ "profile": name }));
    let lines: Vec<(&str, u64)> = made
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["cybersourceMerchantId"].as_str().unwrap(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(lines, [("demo_store_001", 3), ("demo_store_002", 3)]);
    assert!(made[0]["expiresAt"].as_str() > made[0]["generatedAt"].as_str());
    assert_eq!(
        h.ok("history_codes", json!({ "profile": "another" })),
        json!([])
    );

    // Dismissed (or expired in the window): gone from memory.
    h.ok("activation_codes_clear", json!({ "batchId": batch }));
    let gone = h.err(
        "activation_codes_copy",
        json!({ "batchId": batch, "mid": "demo_store_001", "index": 0 }),
    );
    assert_eq!(gone["code"], "codes_expired");
    let gone = h.err(
        "activation_codes_export",
        json!({ "batchId": batch, "format": "text" }),
    );
    assert_eq!(gone["code"], "codes_expired");
}

#[test]
fn copying_a_code_that_does_not_exist_is_refused() {
    let h = harness();
    let name = h.ok("demo_profile_create", json!({}))["name"].clone();
    let view = h.ok(
        "activation_codes_generate",
        json!({ "profile": name, "mids": ["demo_store_001"], "count": 1 }),
    );
    let batch = view["batchId"].clone();
    let e = h.err(
        "activation_codes_copy",
        json!({ "batchId": batch, "mid": "demo_store_001", "index": 5 }),
    );
    assert_eq!(e["code"], "codes_expired");
    let e = h.err(
        "activation_codes_export",
        json!({ "batchId": batch, "format": "env" }),
    );
    assert_eq!(e["code"], "invalid_input", "{e}");
    assert_eq!(h.clipboard.contents(), None);
}
