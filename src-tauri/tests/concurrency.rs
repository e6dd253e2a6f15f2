//! Many `generate_keys` calls at once, through Tauri's real IPC path (mock runtime): the app runs one
//! generate at a time and refuses the others with `busy`, so the KMS gets exactly one request per accepted
//! call (a double click never issues two keys), and every key of every accepted call is in the history,
//! with no history line lost to calls racing each other.

mod harness;

use harness::{harness, invoke_on as invoke, Harness};
use mpos_emulator::{demo, Emulator, EmulatorConfig, Fault};
use mpos_store::paths::Paths;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const CALLS: usize = 50;

/// An emulator on the app's runtime and a profile using it.
fn with_profile(app: &Harness, fault: Fault) -> Emulator {
    let emulator =
        tauri::async_runtime::block_on(Emulator::start(EmulatorConfig::demo().with_fault(fault)))
            .unwrap();
    invoke(
        &app.window,
        "profile_save",
        json!({ "input": { "name": "Busy", "environment": emulator.base_url(), "keyId": demo::KEY_ID,
                "organizationId": demo::ORGANIZATION_ID, "metaKey": false, "secret": demo::SHARED_SECRET } }),
    )
    .expect("profile saved");
    emulator
}

/// Fires `CALLS` generate calls at the same moment, one MID each; `retry_busy` makes each call again
/// (as a user would click again) until it is accepted.
fn fire(app: &Harness, retry_busy: bool) -> Vec<Result<Value, Value>> {
    let start = Arc::new(Barrier::new(CALLS));
    let threads: Vec<_> = (0..CALLS)
        .map(|i| {
            let window = app.window.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                let args = json!({ "profile": "Busy", "mids": [format!("busy_store_{i:02}")] });
                start.wait();
                let deadline = Instant::now() + Duration::from_secs(120);
                loop {
                    let result = invoke(&window, "generate_keys", args.clone());
                    let busy = matches!(&result, Err(e) if e["code"] == "busy");
                    if !(retry_busy && busy) || Instant::now() > deadline {
                        return result;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

fn key_ids(results: &[Result<Value, Value>]) -> Vec<String> {
    results
        .iter()
        .flatten()
        .flat_map(|r| r["keys"].as_array().cloned().unwrap_or_default())
        .map(|k| k["keyId"].as_str().unwrap().to_string())
        .collect()
}

fn assert_history_holds(app: &Harness, ids: &[String]) {
    let listed = invoke(&app.window, "history_list", json!({})).unwrap();
    let listed: BTreeSet<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["keyId"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(
        listed, expected,
        "the history lists exactly the keys returned"
    );
    let text =
        std::fs::read_to_string(Paths::at(app.root.path()).history_file()).unwrap_or_default();
    for id in ids {
        let lines = text.lines().filter(|l| l.contains(id.as_str())).count();
        assert!(lines >= 1, "key {id} has its history line");
    }
}

#[test]
fn simultaneous_generates_send_one_request_per_accepted_call() {
    let app = harness();
    // Slow enough that every call arrives while the first one runs.
    let emulator = with_profile(&app, Fault::Slow(Duration::from_millis(800)));
    let results = fire(&app, false);

    let accepted = results.iter().filter(|r| r.is_ok()).count();
    let busy = results
        .iter()
        .filter(|r| matches!(r, Err(e) if e["code"] == "busy"))
        .count();
    assert!(accepted >= 1, "{results:?}");
    assert_eq!(
        accepted + busy,
        CALLS,
        "every other call is refused as busy"
    );
    assert_eq!(
        emulator.requests_received(),
        accepted,
        "a refused call sends nothing"
    );
    let ids = key_ids(&results);
    assert_eq!(ids.len(), accepted);
    assert_history_holds(&app, &ids);
}

#[test]
fn fifty_generates_clicked_until_accepted_lose_no_key_and_no_history_line() {
    let app = harness();
    let emulator = with_profile(&app, Fault::None);
    let results = fire(&app, true);

    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(emulator.requests_received(), CALLS, "one request per call");
    let ids = key_ids(&results);
    assert_eq!(ids.len(), CALLS);
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>().len(),
        CALLS,
        "fifty different keys"
    );
    assert_history_holds(&app, &ids);
}
