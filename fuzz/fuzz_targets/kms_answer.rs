//! The KMS response parser: an HTTP status, an optional server `Date` and a body, read into one outcome per
//! merchant asked for (`mpos_kms::outcomes_from_answer`, the code the client runs on every answer).
//!
//! Input: a first line `STATUS [skew=SECONDS] MID…`, then the body bytes. A readable header keeps the seed
//! corpus realistic (a real 201 with keys, a 401, a 502 …) while the fuzzer still mutates every part.
//!
//! Checked besides "no panic": one outcome per MID in input order (a key is never dropped or moved to
//! another merchant), and an issued key's secret never shows up in any error message or detail.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mpos_kms::{is_valid_mid, outcomes_from_answer, KeyOutcome};
use std::collections::HashSet;
use std::time::{Duration, SystemTime};

/// More MIDs than a chunk holds are never sent at once; a handful reaches every matching path.
const MAX_MIDS: usize = 8;

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let head = String::from_utf8_lossy(head);
    let mut words = head.split_ascii_whitespace();
    let status = words
        .next()
        .and_then(|w| w.parse::<u16>().ok())
        .unwrap_or(201);
    let mut server_date = None;
    let mut mids: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for word in words {
        if let Some(secs) = word
            .strip_prefix("skew=")
            .and_then(|s| s.parse::<i64>().ok())
        {
            let by = Duration::from_secs(secs.unsigned_abs());
            let now = SystemTime::now();
            server_date = if secs >= 0 {
                now.checked_sub(by)
            } else {
                now.checked_add(by)
            };
            continue;
        }
        // The client only ever asks for valid, distinct MIDs (it refuses anything else before sending).
        if mids.len() < MAX_MIDS && is_valid_mid(word) && seen.insert(word.to_string()) {
            mids.push(word.to_string());
        }
    }
    if mids.is_empty() {
        mids.push("acme_store_001".to_string());
    }

    let outcomes = outcomes_from_answer(&mids, status, server_date, body);

    assert_eq!(outcomes.len(), mids.len(), "one outcome per merchant");
    let mut secrets = Vec::new();
    let mut texts = Vec::new();
    for (outcome, mid) in outcomes.iter().zip(&mids) {
        match outcome {
            KeyOutcome::Issued(key) => {
                assert_eq!(
                    &key.cybersource_merchant_id, mid,
                    "outcomes keep input order"
                );
                assert!(
                    (200..300).contains(&status),
                    "a key only comes from a 2xx answer"
                );
                assert!(
                    !key.secret.expose().trim().is_empty(),
                    "an empty secret is never a key"
                );
                assert!(!key.key_id.trim().is_empty() && !key.merchant_id.trim().is_empty());
                secrets.push(key.secret.expose().clone());
            }
            KeyOutcome::Failed {
                cybersource_merchant_id,
                error,
            } => {
                assert_eq!(cybersource_merchant_id, mid, "outcomes keep input order");
                texts.push(error.to_string());
                texts.push(error.detail());
            }
        }
    }
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    for secret in secrets {
        // Only a secret that is unmistakable counts: long enough, not a MID's text (messages name MIDs on
        // purpose), and written exactly once, both as raw bytes and among the decoded JSON strings and
        // numbers (so an escaped copy in another field, which a message may quote, does not count).
        let once_raw = count(body, secret.as_bytes()) == 1;
        let once_decoded = parsed
            .as_ref()
            .is_some_and(|v| decoded_count(v, &secret) == 1);
        if secret.len() < 8 || !once_raw || !once_decoded || head.contains(secret.as_str()) {
            continue;
        }
        for text in &texts {
            assert!(
                !text.contains(secret.as_str()),
                "an issued key's secret leaked into an error: {text:?}"
            );
        }
    }
});

fn count(hay: &[u8], needle: &[u8]) -> usize {
    if needle.is_empty() || needle.len() > hay.len() {
        return 0;
    }
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// How many JSON strings (member names included) and numbers in `v` contain `needle`.
fn decoded_count(v: &serde_json::Value, needle: &str) -> usize {
    use serde_json::Value;
    match v {
        Value::String(s) => usize::from(s.contains(needle)),
        Value::Number(n) => usize::from(n.to_string().contains(needle)),
        Value::Bool(b) => usize::from(b.to_string().contains(needle)),
        Value::Null => 0,
        Value::Array(items) => items.iter().map(|i| decoded_count(i, needle)).sum(),
        Value::Object(members) => members
            .iter()
            .map(|(k, v)| usize::from(k.contains(needle)) + decoded_count(v, needle))
            .sum(),
    }
}
