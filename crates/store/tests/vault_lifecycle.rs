//! A kept key's life after it was issued: its last known status, and its deletion (line kept, secret gone).

mod common;

use common::key;
use mpos_kms::{Environment, IssuedKey};
use mpos_store::keychain::{MemoryStore, SecretStore};
use mpos_store::{Paths, StoreError, Vault};
use std::sync::Arc;

fn vault_in(root: &std::path::Path) -> (Vault, Arc<MemoryStore>) {
    let mem = Arc::new(MemoryStore::new());
    (Vault::new(&Paths::at(root), mem.clone()), mem)
}

#[test]
fn statuses_are_recorded_and_shown_inactive_or_expired_as_such() {
    let root = tempfile::tempdir().unwrap();
    let (vault, _) = vault_in(root.path());
    let keys: Vec<IssuedKey> = (0..3).map(key).collect();
    vault.keep_all(&keys, "Shop", &Environment::Test).unwrap();
    let at = vault
        .record_statuses(&[
            (keys[0].key_id.clone(), "INACTIVE".into()),
            (keys[1].key_id.clone(), "EXPIRED".into()),
            ("not-in-history".into(), "ACTIVE".into()),
        ])
        .unwrap();
    let entry = |i: usize| vault.entry(&keys[i].key_id).unwrap();
    assert_eq!(entry(0).shown_status(), "INACTIVE");
    assert_eq!(entry(0).checked_at.as_deref(), Some(at.as_str()));
    assert_eq!(entry(1).shown_status(), "EXPIRED");
    assert!(!entry(1).is_active());
    assert_eq!(
        entry(2).shown_status(),
        "ACTIVE",
        "never checked: the status it was issued with"
    );
    assert_eq!(entry(2).checked_at, None);
    assert!(entry(2).is_active());
    // A later check replaces the earlier one.
    vault
        .record_statuses(&[(keys[0].key_id.clone(), "ACTIVE".into())])
        .unwrap();
    assert_eq!(entry(0).shown_status(), "ACTIVE");
}

#[test]
fn a_deleted_key_keeps_its_line_and_loses_its_secret() {
    let root = tempfile::tempdir().unwrap();
    let (vault, mem) = vault_in(root.path());
    let keys: Vec<IssuedKey> = (0..2).map(key).collect();
    vault.keep_all(&keys, "Shop", &Environment::Test).unwrap();
    vault.mark_deleted(&keys[0].key_id, "Shop admin").unwrap();

    let listed = vault.list(None).unwrap();
    assert_eq!(listed.len(), 2, "the deleted key's line stays");
    let deleted = listed.iter().find(|e| e.key_id == keys[0].key_id).unwrap();
    assert!(deleted.deleted_at.is_some());
    assert_eq!(deleted.deleted_by.as_deref(), Some("Shop admin"));
    assert_eq!(deleted.shown_status(), "DELETED");
    assert!(matches!(
        vault.secret(&keys[0].key_id),
        Err(StoreError::NotFound(_))
    ));
    // The other key of the same keychain entry is still there; the deleted one is not.
    assert_eq!(
        vault.secret(&keys[1].key_id).unwrap().expose(),
        keys[1].secret.expose()
    );
    assert_eq!(mem.len(), 1);
    let history = std::fs::read_to_string(vault.history_path()).unwrap();
    let line: serde_json::Value = serde_json::from_str(history.lines().next().unwrap()).unwrap();
    let account = line["secretRef"].as_str().unwrap();
    let batch = mem.get(account).unwrap().unwrap();
    assert!(!batch.expose().contains(keys[0].secret.expose()));
    assert!(!batch.expose().contains(&keys[0].key_id));
    // Twice is fine; a key not in the history is refused.
    vault.mark_deleted(&keys[0].key_id, "Shop admin").unwrap();
    assert!(matches!(
        vault.mark_deleted("nope", "Shop"),
        Err(StoreError::NotFound(_))
    ));
    // Deleting the last key of an entry removes the entry.
    vault.mark_deleted(&keys[1].key_id, "Shop").unwrap();
    assert!(mem.is_empty());
}
