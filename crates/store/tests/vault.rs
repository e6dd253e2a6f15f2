//! The key vault's logic with the in-memory store: keep, list, secret, export marks, forget, failures,
//! batch entries, entries from before batches, concurrency, 1,000 keys, and a damaged history. (The
//! real keychain: keychain_real.rs.)

mod common;

use common::{any_file_contains, key, secret_ref};
use mpos_kms::{Environment, IssuedKey, ProviderMode, SecretString};
use mpos_store::keychain::{key_account, MemoryStore, SecretStore};
use mpos_store::vault::KEYS_PER_ENTRY;
use mpos_store::{Paths, StoreError, Vault, VaultEntry};
use std::collections::BTreeMap;
use std::fs;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

fn vault_in(root: &std::path::Path) -> (Vault, Arc<MemoryStore>) {
    let mem = Arc::new(MemoryStore::new());
    (Vault::new(&Paths::at(root), mem.clone()), mem)
}

/// The `{keyId: secret}` object of a batch entry; `None` when the entry is gone.
fn batch_in(store: &dyn SecretStore, account: &str) -> Option<BTreeMap<String, String>> {
    let secret = store.get(account).unwrap()?;
    Some(serde_json::from_str(secret.expose()).expect("a batch entry holds a JSON object"))
}

#[test]
fn keep_list_secret_export_forget() {
    let root = tempfile::tempdir().unwrap();
    let (vault, mem) = vault_in(root.path());
    let first: Vec<IssuedKey> = (0..2).map(key).collect();
    vault
        .keep_all(&first, "Shop", &Environment::Production)
        .unwrap();
    thread::sleep(Duration::from_millis(1100)); // generatedAt has second precision
    let second: Vec<IssuedKey> = (2..4).map(key).collect();
    let kept = vault
        .keep_all(&second, "Other", &Environment::Test)
        .unwrap();
    assert_eq!(kept[0].provider_mode, ProviderMode::Test);
    assert_eq!(mem.len(), 2, "one keychain entry per keep call");
    let first_batch = secret_ref(&vault, &first[0].key_id).unwrap();
    assert!(first_batch.starts_with("keys:"), "{first_batch}");
    assert_eq!(secret_ref(&vault, &first[1].key_id).unwrap(), first_batch);
    assert_ne!(secret_ref(&vault, &second[0].key_id).unwrap(), first_batch);
    let held = batch_in(&*mem, &first_batch).unwrap();
    assert_eq!(held.len(), 2);
    assert_eq!(&held[&first[0].key_id], first[0].secret.expose());

    let all = vault.list(None).unwrap();
    let ids: Vec<&str> = all.iter().map(|e| e.key_id.as_str()).collect();
    let expect: Vec<&str> = [&second[0], &second[1], &first[0], &first[1]]
        .iter()
        .map(|k| k.key_id.as_str())
        .collect();
    assert_eq!(ids, expect, "newest first, a batch in its own order");
    let shop = vault.list(Some("shop")).unwrap();
    assert_eq!(shop.len(), 2);
    assert_eq!(shop[0].environment, "production");
    assert_eq!(shop[0].provider_mode, ProviderMode::Live);
    assert_eq!(shop[0].merchant_id, first[0].merchant_id);
    assert_eq!(
        shop[0].cybersource_merchant_id,
        first[0].cybersource_merchant_id
    );

    assert_eq!(
        vault.secret(&first[1].key_id).unwrap().expose(),
        first[1].secret.expose()
    );
    let again = vault.issued_key(&first[1].key_id).unwrap();
    assert_eq!(again.merchant_id, first[1].merchant_id);

    let json = serde_json::to_value(&shop[0]).unwrap();
    let fields: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for f in [
        "keyId",
        "cybersourceMerchantId",
        "merchantId",
        "status",
        "expirationDate",
        "profile",
        "environment",
        "providerMode",
        "generatedAt",
        "exportedAt",
        "forgottenAt",
    ] {
        assert!(fields.contains(&f), "{f} missing in {fields:?}");
    }
    assert_eq!(fields.len(), 11, "no secret field: {fields:?}");

    let before = vault.list(None).unwrap().len();
    vault
        .mark_exported(&[first[0].key_id.clone(), "unknown".into()])
        .unwrap();
    assert_eq!(
        vault.list(None).unwrap().len(),
        before,
        "no entry for an unknown id"
    );
    let e = vault.list(Some("Shop")).unwrap();
    assert!(e
        .iter()
        .find(|x| x.key_id == first[0].key_id)
        .unwrap()
        .exported_at
        .is_some());
    assert!(e
        .iter()
        .find(|x| x.key_id == first[1].key_id)
        .unwrap()
        .exported_at
        .is_none());

    vault.forget(&first[0].key_id).unwrap();
    vault
        .forget(&first[0].key_id)
        .expect("forgetting twice is fine");
    let held = batch_in(&*mem, &first_batch).unwrap();
    assert_eq!(
        held.keys().collect::<Vec<_>>(),
        [&first[1].key_id],
        "the batch is rewritten without the forgotten key"
    );
    assert_eq!(
        vault.secret(&first[1].key_id).unwrap().expose(),
        first[1].secret.expose()
    );
    assert_eq!(vault.list(None).unwrap().len(), 3);
    let e = vault.secret(&first[0].key_id).unwrap_err();
    assert_eq!(e.code(), "not_found");
    assert!(e.to_string().contains("forgotten"), "{e}");
    assert_eq!(vault.forget("no-such-key").unwrap_err().code(), "not_found");
    let history = fs::read_to_string(vault.history_path()).unwrap();
    assert!(
        history
            .lines()
            .any(|l| l.contains("\"event\":\"forgotten\"")),
        "tombstone kept"
    );

    for k in first.iter().chain(&second) {
        assert!(!any_file_contains(root.path(), k.secret.expose()));
    }
}

#[test]
fn a_secret_removed_outside_the_app_is_reported() {
    let root = tempfile::tempdir().unwrap();
    let (vault, mem) = vault_in(root.path());
    let k = key(1);
    vault
        .keep_all(std::slice::from_ref(&k), "Shop", &Environment::Test)
        .unwrap();
    mem.delete(&secret_ref(&vault, &k.key_id).unwrap()).unwrap();
    let e = vault.secret(&k.key_id).unwrap_err();
    assert!(e.to_string().contains("no longer in"), "{e}");
    vault
        .forget(&k.key_id)
        .expect("forgetting a key whose entry is gone");
}

#[test]
fn a_batch_entry_changed_outside_the_app_is_reported_without_its_text() {
    let root = tempfile::tempdir().unwrap();
    let (vault, mem) = vault_in(root.path());
    let k = key(1);
    vault
        .keep_all(std::slice::from_ref(&k), "Shop", &Environment::Test)
        .unwrap();
    let account = secret_ref(&vault, &k.key_id).unwrap();
    mem.set(&account, &SecretString::new("not-json-secret".into()))
        .unwrap();
    for e in [
        vault.secret(&k.key_id).unwrap_err(),
        vault.forget(&k.key_id).unwrap_err(),
    ] {
        assert_eq!(e.code(), "keychain_error");
        assert!(e.to_string().contains(&account), "{e}");
        assert!(!e.to_string().contains("not-json"), "{e}");
    }
    assert_eq!(vault.list(None).unwrap().len(), 1, "not forgotten");
}

/// Stores the first `ok` secrets, then fails like a locked keychain; counts attempts.
struct LocksAfter {
    ok: usize,
    attempts: AtomicUsize,
    inner: MemoryStore,
}

impl SecretStore for LocksAfter {
    fn set(&self, account: &str, secret: &SecretString) -> Result<(), StoreError> {
        if self.attempts.fetch_add(1, Ordering::SeqCst) >= self.ok {
            return Err(StoreError::KeychainLocked(
                "The keyring is locked. Unlock it and try again.".into(),
            ));
        }
        self.inner.set(account, secret)
    }
    fn get(&self, account: &str) -> Result<Option<SecretString>, StoreError> {
        self.inner.get(account)
    }
    fn delete(&self, account: &str) -> Result<(), StoreError> {
        self.inner.delete(account)
    }
    fn name(&self) -> String {
        "failing test store".into()
    }
}

#[test]
fn a_failed_keychain_write_keeps_none_of_the_batch_and_reports_all() {
    let root = tempfile::tempdir().unwrap();
    let store = Arc::new(LocksAfter {
        ok: 1,
        attempts: AtomicUsize::new(0),
        inner: MemoryStore::new(),
    });
    let vault = Vault::new(&Paths::at(root.path()), store.clone());
    let keys: Vec<IssuedKey> = (0..5).map(key).collect();
    vault
        .keep_all(&keys[..2], "Shop", &Environment::Test)
        .expect("the first write succeeds");

    let e = vault
        .keep_all(&keys[2..], "Shop", &Environment::Test)
        .unwrap_err();
    assert_eq!(e.code(), "keychain_locked");
    let msg = e.to_string();
    assert!(msg.contains("0 of 3 keys were kept"), "{msg}");
    assert!(msg.contains("shop_0002, shop_0003, shop_0004"), "{msg}");
    assert!(
        msg.contains("Unlock it") && msg.contains("Copy or download"),
        "{msg}"
    );
    assert_eq!(
        store.attempts.load(Ordering::SeqCst),
        2,
        "one keychain write per call"
    );

    let listed: Vec<String> = vault
        .list(None)
        .unwrap()
        .into_iter()
        .map(|e| e.key_id)
        .collect();
    assert_eq!(listed, vec![keys[0].key_id.clone(), keys[1].key_id.clone()]);

    let mut mixed = keys.clone();
    mixed[1].key_id = String::new();
    let report = vault.keep_each(&mixed, "Shop", &Environment::Test).unwrap();
    assert!(report.kept.is_empty());
    let mids: Vec<&str> = report
        .not_kept
        .iter()
        .map(|n| n.cybersource_merchant_id.as_str())
        .collect();
    assert_eq!(
        mids,
        [
            "shop_0000",
            "shop_0001",
            "shop_0002",
            "shop_0003",
            "shop_0004"
        ],
        "all of them, in input order"
    );
    let codes: Vec<&str> = report.not_kept.iter().map(|n| n.error.code()).collect();
    assert_eq!(
        codes,
        [
            "keychain_locked",
            "invalid_input",
            "keychain_locked",
            "keychain_locked",
            "keychain_locked"
        ]
    );
    assert_eq!(store.inner.len(), 1, "only the first batch is stored");
}

#[test]
fn a_history_that_cannot_be_written_takes_the_batch_entry_back() {
    let root = tempfile::tempdir().unwrap();
    let (vault, mem) = vault_in(root.path());
    // A folder where the history file should be: the lock works, the append fails.
    fs::create_dir_all(vault.history_path()).unwrap();
    let keys: Vec<IssuedKey> = (0..3).map(key).collect();
    let e = vault
        .keep_each(&keys, "Shop", &Environment::Test)
        .unwrap_err();
    assert_eq!(e.code(), "io_error", "{e:?}");
    assert!(mem.is_empty(), "the batch entry is deleted again");
}

#[test]
fn a_key_without_a_key_id_is_reported_and_the_rest_kept() {
    let root = tempfile::tempdir().unwrap();
    let (vault, mem) = vault_in(root.path());
    let mut keys: Vec<IssuedKey> = (0..3).map(key).collect();
    keys[1].key_id = String::new();
    let report = vault.keep_each(&keys, "Shop", &Environment::Test).unwrap();
    assert_eq!(report.kept.len(), 2);
    let account = secret_ref(&vault, &keys[0].key_id).unwrap();
    assert_eq!(batch_in(&*mem, &account).unwrap().len(), 2);
    assert_eq!(mem.len(), 1);
    assert_eq!(
        report.not_kept[0].cybersource_merchant_id,
        keys[1].cybersource_merchant_id
    );
    assert_eq!(report.not_kept[0].error.code(), "invalid_input");
}

#[test]
fn a_thousand_keys_in_one_keep_all_are_fast() {
    let root = tempfile::tempdir().unwrap();
    let (vault, mem) = vault_in(root.path());
    let keys: Vec<IssuedKey> = (0..1000).map(key).collect();
    let started = Instant::now();
    let kept = vault.keep_all(&keys, "Big", &Environment::Test).unwrap();
    let took = started.elapsed();
    assert_eq!(kept.len(), 1000);
    // Speed is measured by the benchmarks; here the shape that makes it fast: one keychain write per
    // KEYS_PER_ENTRY keys (one in all on Linux and macOS; Windows' credentials hold 10 keys each).
    println!("keep_all of 1,000 keys took {took:?}");
    assert_eq!(
        mem.len(),
        1000usize.div_ceil(KEYS_PER_ENTRY),
        "keychain entries"
    );
    let mut held = std::collections::BTreeMap::new();
    for k in &keys {
        let account = secret_ref(&vault, &k.key_id).unwrap();
        held.extend(batch_in(&*mem, &account).unwrap());
    }
    assert_eq!(held.len(), 1000);
    assert!(keys.iter().all(|k| &held[&k.key_id] == k.secret.expose()));
    let history = fs::read_to_string(vault.history_path()).unwrap();
    assert_eq!(history.lines().count(), 1000);
    assert_eq!(vault.list(Some("Big")).unwrap().len(), 1000);
    vault
        .mark_exported(&keys.iter().map(|k| k.key_id.as_str()).collect::<Vec<_>>())
        .unwrap();
    let listed = vault.list(Some("Big")).unwrap();
    assert!(listed.iter().all(|e| e.exported_at.is_some()));
    let history = fs::read_to_string(vault.history_path()).unwrap();
    assert_eq!(history.lines().count(), 1001, "the export is one line");
}

#[test]
fn concurrent_writers_lose_no_line() {
    let root = tempfile::tempdir().unwrap();
    let paths = Paths::at(root.path());
    let mem: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
    let handles: Vec<_> = (0..2)
        .map(|t| {
            let vault = Vault::new(&paths, mem.clone());
            thread::spawn(move || {
                for i in 0..50 {
                    vault
                        .keep_all(&[key(t * 100 + i)], "Shop", &Environment::Test)
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(Vault::new(&paths, mem).list(None).unwrap().len(), 100);
}

#[test]
fn a_damaged_history_is_copied_aside_reported_and_its_good_lines_kept() {
    let root = tempfile::tempdir().unwrap();
    let (vault, _mem) = vault_in(root.path());
    let keys: Vec<IssuedKey> = (0..2).map(key).collect();
    vault
        .keep_all(&keys[..1], "Shop", &Environment::Test)
        .unwrap();
    let mut text = fs::read_to_string(vault.history_path()).unwrap();
    text.push_str("{\"event\":\"kept\",\"keyId\":\"half a li\n");
    text.push_str("{\"event\":\"fromTheFuture\",\"x\":1}\n");
    fs::write(vault.history_path(), &text).unwrap();
    // Appending still works on a damaged file: keeping a key must never fail because of old lines.
    vault
        .keep_all(&keys[1..], "Shop", &Environment::Test)
        .unwrap();
    let damaged = fs::read_to_string(vault.history_path()).unwrap();

    let e = vault.list(None).unwrap_err();
    let StoreError::Corrupt { path, backup } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(path, vault.history_path());
    assert!(backup
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("history.jsonl.corrupt-"));
    assert_eq!(
        fs::read_to_string(backup).unwrap(),
        damaged,
        "the backup holds every line"
    );

    let listed = vault.list(None).unwrap();
    assert_eq!(listed.len(), 2, "good lines are kept");
    let now = fs::read_to_string(vault.history_path()).unwrap();
    assert!(
        now.contains("fromTheFuture"),
        "events of newer versions are kept"
    );
    assert!(!now.contains("half a li"));
}

#[test]
fn forgetting_keeps_the_rest_of_the_batch_and_the_last_key_removes_the_entry() {
    let root = tempfile::tempdir().unwrap();
    let (vault, mem) = vault_in(root.path());
    let keys: Vec<IssuedKey> = (0..3).map(key).collect();
    vault.keep_all(&keys, "Shop", &Environment::Test).unwrap();
    let account = secret_ref(&vault, &keys[0].key_id).unwrap();

    vault.forget(&keys[1].key_id).unwrap();
    for k in [&keys[0], &keys[2]] {
        assert_eq!(vault.secret(&k.key_id).unwrap().expose(), k.secret.expose());
    }
    assert_eq!(batch_in(&*mem, &account).unwrap().len(), 2);
    vault.forget(&keys[0].key_id).unwrap();
    assert_eq!(
        vault.issued_key(&keys[2].key_id).unwrap().secret.expose(),
        keys[2].secret.expose()
    );
    vault.forget(&keys[2].key_id).unwrap();
    assert_eq!(
        batch_in(&*mem, &account),
        None,
        "the empty entry is deleted"
    );
    assert!(mem.is_empty());
    assert!(vault.list(None).unwrap().is_empty());
}

/// A history line as versions before batches wrote it: no `secretRef`.
fn old_kept_line(k: &IssuedKey) -> String {
    let entry = VaultEntry {
        key_id: k.key_id.clone(),
        cybersource_merchant_id: k.cybersource_merchant_id.clone(),
        merchant_id: k.merchant_id.clone(),
        status: k.status.clone(),
        expiration_date: k.expiration_date.clone(),
        profile: "Shop".into(),
        environment: "test".into(),
        provider_mode: ProviderMode::Test,
        generated_at: "2025-01-02T03:04:05Z".into(),
        exported_at: None,
        forgotten_at: None,
        last_status: None,
        checked_at: None,
        deleted_at: None,
        deleted_by: None,
    };
    let mut line = serde_json::to_value(entry).unwrap();
    line["event"] = "kept".into();
    format!("{line}\n")
}

#[test]
fn keys_kept_one_entry_each_before_batches_are_still_read_and_forgotten() {
    let root = tempfile::tempdir().unwrap();
    let (vault, mem) = vault_in(root.path());
    let old: Vec<IssuedKey> = (0..2).map(key).collect();
    fs::create_dir_all(vault.history_path().parent().unwrap()).unwrap();
    fs::write(
        vault.history_path(),
        old.iter().map(old_kept_line).collect::<String>(),
    )
    .unwrap();
    for k in &old {
        mem.set(&key_account(&k.key_id), &k.secret).unwrap();
    }
    let new = key(2);
    vault
        .keep_all(std::slice::from_ref(&new), "Shop", &Environment::Test)
        .unwrap();

    assert_eq!(vault.list(None).unwrap().len(), 3);
    assert_eq!(secret_ref(&vault, &old[0].key_id), None);
    for k in old.iter().chain([&new]) {
        assert_eq!(vault.secret(&k.key_id).unwrap().expose(), k.secret.expose());
    }
    vault.forget(&old[0].key_id).unwrap();
    assert!(mem.get(&key_account(&old[0].key_id)).unwrap().is_none());
    assert_eq!(
        vault.secret(&old[0].key_id).unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        vault.secret(&old[1].key_id).unwrap().expose(),
        old[1].secret.expose()
    );
}

/// The in-memory store, slow enough that unlocked read-modify-writes would overlap.
struct Slow(MemoryStore);

impl SecretStore for Slow {
    fn set(&self, account: &str, secret: &SecretString) -> Result<(), StoreError> {
        thread::sleep(Duration::from_millis(15));
        self.0.set(account, secret)
    }
    fn get(&self, account: &str) -> Result<Option<SecretString>, StoreError> {
        thread::sleep(Duration::from_millis(15));
        self.0.get(account)
    }
    fn delete(&self, account: &str) -> Result<(), StoreError> {
        self.0.delete(account)
    }
    fn name(&self) -> String {
        "slow test store".into()
    }
}

#[test]
fn concurrent_forgets_in_one_batch_neither_lose_nor_bring_back_a_key() {
    let root = tempfile::tempdir().unwrap();
    let paths = Paths::at(root.path());
    let store = Arc::new(Slow(MemoryStore::new()));
    // One batch entry: 12 keys, or as many as one entry holds (10 on Windows).
    let n = KEYS_PER_ENTRY.min(12);
    let keys: Vec<IssuedKey> = (0..n).map(key).collect();
    let vault = Vault::new(&paths, store.clone());
    vault.keep_all(&keys, "Shop", &Environment::Test).unwrap();
    let account = secret_ref(&vault, &keys[0].key_id).unwrap();

    // Two writers (each its own Vault, as two processes would be) forget different keys, all but the
    // last two between them.
    let each = (n - 2) / 2;
    let handles: Vec<_> = [0usize, 1]
        .into_iter()
        .map(|t| {
            let vault = Vault::new(&paths, store.clone());
            let ids: Vec<String> = keys[t * each..t * each + each]
                .iter()
                .map(|k| k.key_id.clone())
                .collect();
            thread::spawn(move || ids.iter().for_each(|id| vault.forget(id).unwrap()))
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let held = batch_in(&*store, &account).unwrap();
    assert_eq!(
        held.keys().collect::<Vec<_>>(),
        {
            let mut rest = vec![&keys[n - 2].key_id, &keys[n - 1].key_id];
            rest.sort();
            rest
        },
        "exactly the two keys nobody forgot"
    );
    assert_eq!(vault.list(None).unwrap().len(), 2);
}

#[test]
fn a_run_larger_than_one_entry_is_split_and_all_keys_stay_readable() {
    let root = tempfile::tempdir().unwrap();
    let (vault, store) = vault_in(root.path());
    let keys: Vec<IssuedKey> = (0..KEYS_PER_ENTRY * 2 + 1).map(key).collect();
    let kept = vault.keep_all(&keys, "Shop", &Environment::Test).unwrap();
    assert_eq!(kept.len(), keys.len());
    assert_eq!(store.len(), 3, "one entry per {KEYS_PER_ENTRY} keys");
    for k in [&keys[0], &keys[KEYS_PER_ENTRY], &keys[keys.len() - 1]] {
        assert_eq!(vault.secret(&k.key_id).unwrap().expose(), k.secret.expose());
    }
}

#[test]
fn a_failure_on_a_later_entry_takes_the_earlier_ones_back() {
    let root = tempfile::tempdir().unwrap();
    let store = Arc::new(LocksAfter {
        ok: 1,
        attempts: AtomicUsize::new(0),
        inner: MemoryStore::new(),
    });
    let vault = Vault::new(&Paths::at(root.path()), store.clone());
    let keys: Vec<IssuedKey> = (0..KEYS_PER_ENTRY + 1).map(key).collect();
    let report = vault.keep_each(&keys, "Shop", &Environment::Test).unwrap();
    assert!(report.kept.is_empty(), "all or none");
    assert_eq!(report.not_kept.len(), keys.len());
    assert!(store.inner.is_empty(), "the first entry was taken back");
    assert!(vault.list(None).unwrap().is_empty());
}
