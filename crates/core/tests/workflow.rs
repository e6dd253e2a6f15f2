//! The generate-and-keep workflow end to end against the built-in demo emulator.

use mpos_core::{error::exit, DirectCredentials, Keygen, Source, DEMO_PROFILE};
use mpos_kms::{Environment, KmsError, SecretString};
use mpos_store::keychain::{MemoryStore, SecretStore};
use mpos_store::paths::Paths;
use mpos_store::StoreError;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn keygen_with(secrets: Arc<dyn SecretStore>) -> (tempfile::TempDir, Keygen) {
    let dir = tempfile::tempdir().unwrap();
    let keygen = Keygen::new(Paths::at(dir.path()), secrets);
    (dir, keygen)
}

fn mids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn no_progress(_: usize, _: usize) {}

/// A keychain that refuses every write, like a locked or missing Secret Service.
struct BrokenKeychain;

impl SecretStore for BrokenKeychain {
    fn set(&self, _: &str, _: &SecretString) -> Result<(), StoreError> {
        Err(StoreError::KeychainUnavailable(
            "no keychain in this test".into(),
        ))
    }
    fn get(&self, _: &str) -> Result<Option<SecretString>, StoreError> {
        Ok(None)
    }
    fn delete(&self, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
    fn name(&self) -> String {
        "broken".into()
    }
}

#[tokio::test]
async fn demo_keys_are_kept_before_they_are_returned() {
    let memory = Arc::new(MemoryStore::default());
    let (_dir, keygen) = keygen_with(memory.clone());
    let profile = keygen.ensure_demo_profile().unwrap();
    assert_eq!(profile.name, DEMO_PROFILE);
    // A second call returns the same profile instead of adding another.
    keygen.ensure_demo_profile().unwrap();
    assert_eq!(keygen.config().load().unwrap().profiles.len(), 1);

    let conn = keygen
        .connect(&Source::Profile(DEMO_PROFILE.into()))
        .unwrap();
    let calls = AtomicUsize::new(0);
    let progress = |_: usize, _: usize| {
        calls.fetch_add(1, Ordering::SeqCst);
    };
    let report = keygen
        .generate(
            &conn,
            &mids(&[
                "demo_store_001",
                "unknown_x",
                "demo_store_002",
                "demo_store_001",
            ]),
            true,
            &progress,
        )
        .await
        .unwrap();

    assert!(calls.load(Ordering::SeqCst) >= 1);
    let got: Vec<&str> = report
        .keys
        .iter()
        .map(|k| k.key.cybersource_merchant_id.as_str())
        .collect();
    assert_eq!(
        got,
        ["demo_store_001", "demo_store_002"],
        "duplicates asked once, order kept"
    );
    assert!(report.keys.iter().all(|k| k.stored));
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].cybersource_merchant_id, "unknown_x");
    assert!(matches!(
        report.failures[0].error,
        KmsError::MerchantRefused { .. }
    ));
    assert_eq!(report.exit_code(), exit::PARTIAL);
    assert_eq!(report.environment, Environment::Demo);

    // The vault has both, secrets included, and they are the ones returned.
    let listed = keygen.vault().list(Some(DEMO_PROFILE)).unwrap();
    assert_eq!(listed.len(), 2);
    for k in &report.keys {
        assert_ne!(k.key.merchant_id, k.key.cybersource_merchant_id);
        let kept = keygen.vault().secret(&k.key.key_id).unwrap();
        assert_eq!(kept.expose(), k.key.secret.expose());
    }

    // The export batch carries the keys and the failure.
    let batch = report.export_batch();
    assert_eq!(batch.keys.len(), 2);
    assert_eq!(batch.errors.len(), 1);
    assert!(
        batch.errors[0].message.contains("unknown_x"),
        "{}",
        batch.errors[0].message
    );
}

#[tokio::test]
async fn keys_survive_a_keychain_that_refuses_them() {
    let (_dir, keygen) = keygen_with(Arc::new(BrokenKeychain));
    keygen.ensure_demo_profile().unwrap();
    let conn = keygen
        .connect(&Source::Profile(DEMO_PROFILE.into()))
        .unwrap();
    let report = keygen
        .generate(&conn, &mids(&["demo_store_001"]), true, &no_progress)
        .await
        .unwrap();

    assert_eq!(
        report.keys.len(),
        1,
        "the key is returned even though it could not be stored"
    );
    assert!(!report.keys[0].stored);
    assert!(!report.keys[0].key.secret.expose().is_empty());
    let warning = report.storage_warning.as_deref().unwrap();
    assert!(warning.contains("Download or copy them now"), "{warning}");
    assert!(
        keygen.vault().list(None).unwrap().is_empty(),
        "history never lists a key it cannot show"
    );
    assert_eq!(report.exit_code(), exit::OK);
}

#[tokio::test]
async fn remember_off_keeps_nothing_on_disk() {
    let memory = Arc::new(MemoryStore::default());
    let (_dir, keygen) = keygen_with(memory);
    keygen.ensure_demo_profile().unwrap();
    let conn = keygen
        .connect(&Source::Profile(DEMO_PROFILE.into()))
        .unwrap();
    let report = keygen
        .generate(&conn, &mids(&["demo_store_001"]), false, &no_progress)
        .await
        .unwrap();
    assert_eq!(report.keys.len(), 1);
    assert!(!report.keys[0].stored);
    assert!(report.storage_warning.is_none());
    assert!(keygen.vault().list(None).unwrap().is_empty());
}

/// The demo credential with a wrong secret, aimed at the demo emulator by URL (the `demo` environment
/// always uses the built-in secret).
fn wrong_secret() -> DirectCredentials {
    let mut direct = DirectCredentials::demo();
    direct.secret = SecretString::new("d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE=".into());
    direct.environment = Environment::Custom(mpos_core::demo::base_url().unwrap());
    direct
}

#[tokio::test]
async fn a_wrong_secret_ends_with_the_auth_exit_code() {
    let (_dir, keygen) = keygen_with(Arc::new(MemoryStore::default()));
    let conn = keygen.connect(&Source::Direct(wrong_secret())).unwrap();
    let report = keygen
        .generate(&conn, &mids(&["demo_store_001"]), true, &no_progress)
        .await
        .unwrap();
    assert!(report.keys.is_empty());
    assert!(matches!(
        report.failures[0].error,
        KmsError::AuthenticationRefused { .. }
    ));
    assert_eq!(report.exit_code(), exit::AUTH);

    let err = keygen
        .test_connection(&Source::Direct(wrong_secret()))
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit::AUTH);
    assert_eq!(err.payload().code, "auth_refused");
}

#[tokio::test]
async fn a_closed_port_ends_with_the_network_exit_code() {
    let (_dir, keygen) = keygen_with(Arc::new(MemoryStore::default()));
    let closed = mpos_test_net::ClosedPort::new();
    let mut direct = DirectCredentials::demo();
    direct.environment = Environment::parse(&closed.url()).unwrap();
    let conn = keygen.connect(&Source::Direct(direct)).unwrap();
    let report = keygen
        .generate(&conn, &mids(&["demo_store_001"]), true, &no_progress)
        .await
        .unwrap();
    assert!(report.keys.is_empty());
    assert_eq!(report.exit_code(), exit::NETWORK);
}

#[tokio::test]
async fn demo_connection_tests_ok() {
    let (_dir, keygen) = keygen_with(Arc::new(MemoryStore::default()));
    keygen.ensure_demo_profile().unwrap();
    keygen
        .test_connection(&Source::Profile(DEMO_PROFILE.into()))
        .await
        .unwrap();
}

#[test]
fn profiles_keep_their_secret_in_the_keychain_and_renames_move_it() {
    use mpos_store::config::{AuthMethod, Profile};
    use mpos_store::keychain::profile_account;
    let memory = Arc::new(MemoryStore::default());
    let (_dir, keygen) = keygen_with(memory.clone());
    let profile = || {
        Profile::new(
            "Acme test",
            "test",
            AuthMethod::SharedSecret {
                key_id: "08c94330-f618-42a3-b09d-e1e43be5efda".into(),
            },
        )
    };

    let err = keygen.save_profile(None, profile(), None).unwrap_err();
    assert!(err.to_string().contains("needs its shared secret"), "{err}");
    assert_eq!(err.exit_code(), exit::USAGE);

    let secret = SecretString::new("yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=".into());
    keygen
        .save_profile(None, profile(), Some(secret.clone()))
        .unwrap();
    assert_eq!(
        memory
            .get(&profile_account("Acme test"))
            .unwrap()
            .unwrap()
            .expose(),
        secret.expose()
    );
    let on_disk = std::fs::read_to_string(keygen.config().path()).unwrap();
    assert!(
        !on_disk.contains(secret.expose()),
        "no secret in the config file"
    );

    let mut renamed = profile();
    renamed.name = "Acme sandbox".into();
    keygen
        .save_profile(Some("Acme test"), renamed, None)
        .unwrap();
    assert!(memory.get(&profile_account("Acme test")).unwrap().is_none());
    assert_eq!(
        memory
            .get(&profile_account("Acme sandbox"))
            .unwrap()
            .unwrap()
            .expose(),
        secret.expose()
    );

    keygen.remove_profile("Acme sandbox").unwrap();
    assert!(memory
        .get(&profile_account("Acme sandbox"))
        .unwrap()
        .is_none());
    assert!(keygen.config().load().unwrap().profiles.is_empty());
}
