//! The `mid`, `env`, `secret` and `response` rows of `tests/bad_inputs.json` against the KMS client.
//!
//! Bad input is refused with its reason before anything is sent (a loopback listener counts requests);
//! bad answers fail the merchant with a clear message, after exactly one request, and a 50 MB answer is
//! cut off at the client's 1 MiB limit without the body ever being held in memory.

#[path = "../../../tests/bad_inputs_table.rs"]
mod table;

use mpos_kms::{
    Auth, ClientConfig, Credentials, Environment, KeyOutcome, KmsClient, KmsError, ProxyChoice,
    SecretString,
};
use std::time::{Duration, Instant};
use table::{cases_for, report, Case, RawResponder};
use url::Url;

const KEY_ID: &str = "08c94330-f618-42a3-b09d-e1e43be5efda";
const SECRET: &str = "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=";

fn config(base_url: Url, secret: &str, owner_id: Option<&str>) -> ClientConfig {
    let credentials = Credentials {
        auth: Auth::SharedSecret {
            key_id: KEY_ID.into(),
            secret: SecretString::new(secret.into()),
        },
        owner_id: owner_id.map(str::to_string),
        meta_key: false,
    };
    let mut cfg = ClientConfig::new(base_url, credentials);
    cfg.proxy = ProxyChoice::None;
    cfg.connect_timeout = Duration::from_secs(3);
    cfg.request_timeout = Duration::from_secs(10);
    cfg
}

/// The message of an error the client refused input with, or why it is not one.
fn refusal(result: Result<impl std::fmt::Debug, KmsError>) -> Result<String, String> {
    match result {
        Err(KmsError::InvalidInput(message)) => Ok(message),
        Err(other) => Err(format!("refused, but not as bad input: {other:?}")),
        Ok(v) => Err(format!("accepted: {v:?}")),
    }
}

fn check_contains(case: &Case, what: &str, message: &str, failures: &mut Vec<String>) {
    if !message.contains(case.message()) {
        failures.push(format!(
            "{} ({what}): {message:?} does not say {:?}",
            case.id,
            case.message()
        ));
    }
}

#[tokio::test]
async fn bad_merchant_ids_are_refused_before_any_request() {
    let cases = cases_for(&["mid"], "kms");
    let listener = RawResponder::start(201, serde_json::json!("{}"));
    let base = Url::parse(&listener.url).unwrap();
    let client = KmsClient::new(config(base.clone(), SECRET, Some("owner_mid"))).unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let mid = case.text();
        match refusal(client.generate(&[mid.to_string()]).await) {
            Ok(message) => check_contains(case, "generate", &message, &mut failures),
            Err(why) => failures.push(format!("{} (generate): {why}", case.id)),
        }
        // The same rules hold for the id that owns the key; blank means "none" there.
        if !mid.trim().is_empty() {
            match refusal(KmsClient::new(config(base.clone(), SECRET, Some(mid)))) {
                Ok(message) => check_contains(case, "owner id", &message, &mut failures),
                Err(why) => failures.push(format!("{} (owner id): {why}", case.id)),
            }
        }
    }
    assert_eq!(listener.requests(), 0, "a refused MID must not be sent");
    report("kms mid", cases.len(), &failures);
}

#[test]
fn bad_base_urls_are_refused_as_environments_and_by_the_client() {
    let cases = cases_for(&["env"], "kms");
    let mut failures = Vec::new();
    for case in &cases {
        match Environment::parse(case.text()) {
            Err(e) => check_contains(case, "environment", &e.to_string(), &mut failures),
            Ok(env) => failures.push(format!("{}: accepted as {env:?}", case.id)),
        }
        // A URL that parses at all must also be refused by the client itself (it may be built directly).
        if let Ok(url) = Url::parse(case.text()) {
            match refusal(KmsClient::new(config(url, SECRET, None))) {
                Ok(message) => check_contains(case, "client", &message, &mut failures),
                Err(why) => failures.push(format!("{} (client): {why}", case.id)),
            }
        }
    }
    report("kms env", cases.len(), &failures);
}

#[test]
fn bad_shared_secrets_are_refused_when_the_client_is_made() {
    let cases = cases_for(&["secret"], "kms");
    let mut failures = Vec::new();
    for case in &cases {
        let url = Url::parse("https://apitest.cybersource.com").unwrap();
        match refusal(KmsClient::new(config(url, case.text(), None))) {
            Ok(message) => {
                check_contains(case, "client", &message, &mut failures);
                if message.contains(case.text().trim()) && !case.text().trim().is_empty() {
                    failures.push(format!("{}: the message repeats the secret", case.id));
                }
            }
            Err(why) => failures.push(format!("{}: {why}", case.id)),
        }
    }
    report("kms secret", cases.len(), &failures);
}

#[tokio::test]
async fn bad_answers_fail_the_merchant_with_a_clear_message_after_one_request() {
    let cases = cases_for(&["response"], "kms");
    let mut failures = Vec::new();
    for case in &cases {
        let status = case
            .field("status")
            .and_then(|s| s.as_u64())
            .expect("status") as u16;
        let body = case.field("body").cloned().expect("body");
        let big = table::len_of(&body) > 10 * 1024 * 1024;
        let responder = RawResponder::start(status, body.clone());
        let client =
            KmsClient::new(config(Url::parse(&responder.url).unwrap(), SECRET, None)).unwrap();
        let peak_before = table::peak_rss_bytes();
        let started = Instant::now();
        let outcomes = client.generate(&["acme_1".to_string()]).await;
        let took = started.elapsed();
        match outcomes.as_deref() {
            Ok(
                [KeyOutcome::Failed {
                    cybersource_merchant_id,
                    error,
                }],
            ) if cybersource_merchant_id == "acme_1" => {
                check_contains(case, "outcome", &error.to_string(), &mut failures)
            }
            other => failures.push(format!("{}: expected one failure, got {other:?}", case.id)),
        }
        if responder.requests() != 1 {
            failures.push(format!(
                "{}: {} requests; a key request is never repeated",
                case.id,
                responder.requests()
            ));
        }
        if big {
            // The client stops reading at 1 MiB; socket buffers hold a few MiB more at most.
            let sent = responder.body_bytes_sent();
            if sent > 16 * 1024 * 1024 {
                failures.push(format!("{}: the client accepted {sent} bytes", case.id));
            }
            if let (Some(before), Some(after)) = (peak_before, table::peak_rss_bytes()) {
                let grown = after.saturating_sub(before);
                if grown > 32 * 1024 * 1024 {
                    failures.push(format!("{}: peak memory grew by {grown} bytes", case.id));
                }
            }
            if took > Duration::from_secs(5) {
                failures.push(format!("{}: took {took:?} to refuse", case.id));
            }
        }
    }
    report("kms response", cases.len(), &failures);
}
