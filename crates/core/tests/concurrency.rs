//! Many generate calls at once, as an impatient user or a script fires them: every call reaches the KMS
//! exactly once, and every key issued ends up in the vault with its history line (none lost to a race on
//! the history file or the config).

use mpos_core::{Keygen, Source};
use mpos_emulator::{Emulator, EmulatorConfig, EmulatorCredential};
use mpos_kms::SecretString;
use mpos_store::config::{AuthMethod, Profile};
use mpos_store::keychain::MemoryStore;
use mpos_store::paths::Paths;
use std::collections::BTreeSet;
use std::sync::Arc;

const KEY_ID: &str = "3c6f0d7e-8a2b-4e91-b5c4-7d2e9f1a0b36";
const SECRET: &str = "Y29uY3VycmVuY3ktdGVzdC1zaGFyZWQtc2VjcmV0LTAx";
const ORG: &str = "concurrency_portfolio";
const PROFILE: &str = "Concurrent";
const CALLS: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_generate_calls_at_once_give_fifty_requests_and_fifty_kept_keys() {
    let emulator = Emulator::start(EmulatorConfig::with_credential(EmulatorCredential::new(
        KEY_ID, SECRET, ORG, false,
    )))
    .await
    .expect("emulator on loopback");
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(MemoryStore::default());
    let keygen = Arc::new(Keygen::new(Paths::at(dir.path()), memory.clone()));
    let mut profile = Profile::new(
        PROFILE,
        emulator.base_url(),
        AuthMethod::SharedSecret {
            key_id: KEY_ID.into(),
        },
    );
    profile.organization_id = Some(ORG.into());
    keygen
        .save_profile(None, profile, Some(SecretString::new(SECRET.into())))
        .unwrap();

    // Each call is its own task with its own connection, like separate app commands or CLI runs.
    let barrier = Arc::new(tokio::sync::Barrier::new(CALLS));
    let tasks: Vec<_> = (0..CALLS)
        .map(|i| {
            let keygen = keygen.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                let conn = keygen.connect(&Source::Profile(PROFILE.into())).unwrap();
                barrier.wait().await;
                keygen
                    .generate(&conn, &[format!("store_{i:03}")], true, &|_, _| {})
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut reports = Vec::new();
    for task in tasks {
        reports.push(task.await.expect("no task panicked"));
    }

    assert_eq!(emulator.requests_received(), CALLS, "one request per call");
    let issued = emulator.issued();
    assert_eq!(issued.len(), CALLS);
    for report in &reports {
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        assert!(report.storage_warning.is_none());
        assert_eq!(report.keys.len(), 1);
        assert!(report.keys[0].stored);
    }

    let listed = keygen.vault().list(Some(PROFILE)).unwrap();
    assert_eq!(listed.len(), CALLS, "every key is in the vault");
    let mids: BTreeSet<&str> = listed
        .iter()
        .map(|e| e.cybersource_merchant_id.as_str())
        .collect();
    assert_eq!(mids.len(), CALLS, "one entry per merchant, none twice");
    for record in &issued {
        let kept = keygen.vault().secret(&record.key_id).unwrap();
        assert_eq!(
            kept.expose(),
            &record.key,
            "the kept secret is the one issued"
        );
    }
    // The profile's secret plus one per key.
    assert_eq!(memory.len(), CALLS + 1);

    let history = std::fs::read_to_string(keygen.vault().history_path()).unwrap();
    let lines: Vec<&str> = history.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), CALLS, "one history line per key, none lost");
    for record in &issued {
        assert_eq!(
            lines.iter().filter(|l| l.contains(&record.key_id)).count(),
            1,
            "key {} has exactly one line",
            record.key_id
        );
        assert!(!history.contains(&record.key), "no secret in the history");
    }
    emulator.shutdown().await;
}
