//! The OS keychain against the real Windows Credential Manager (under Wine in CI: scripts/test-windows).
//!
//! What the store writes is read back through the Win32 credential API itself (CredReadW), not our code,
//! as the Linux tests read the Secret Service through libsecret's own `secret-tool`.
#![cfg(windows)]

mod common;

use common::{any_file_contains, key, result_of, run_child, secret_ref, unique, CHILD_TASK};
use mpos_kms::{Environment, IssuedKey, SecretString};
use mpos_store::keychain::{profile_account, OsKeychain, SecretStore};
use mpos_store::vault::KEYS_PER_ENTRY;
use mpos_store::{Paths, Vault, APP_ID};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use windows_sys::Win32::Security::Credentials::{
    CredFree, CredReadW, CREDENTIALW, CRED_TYPE_GENERIC,
};

/// The credential blob Windows holds for an account of our service, as text; `None` when there is none.
///
/// keyring names a generic credential `<account>.<service>`. Its blob is UTF-16 or UTF-8 depending on
/// the store's version; our secrets are ASCII, so a NUL byte tells UTF-16.
fn credential(account: &str) -> Option<String> {
    let target: Vec<u16> = format!("{account}.{APP_ID}")
        .encode_utf16()
        .chain(Some(0))
        .collect();
    let mut found: *mut CREDENTIALW = std::ptr::null_mut();
    // SAFETY: a NUL-terminated name and an out pointer; the credential is freed with CredFree below.
    if unsafe { CredReadW(target.as_ptr(), CRED_TYPE_GENERIC, 0, &mut found) } == 0 {
        return None;
    }
    // SAFETY: CredReadW succeeded, so `found` points to a credential with a blob of the given size.
    let blob = unsafe {
        let c = &*found;
        std::slice::from_raw_parts(c.CredentialBlob, c.CredentialBlobSize as usize).to_vec()
    };
    // SAFETY: allocated by CredReadW, freed once.
    unsafe { CredFree(found.cast()) };
    if blob.contains(&0) {
        let utf16: Vec<u16> = blob
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        Some(String::from_utf16_lossy(&utf16))
    } else {
        Some(String::from_utf8_lossy(&blob).into_owned())
    }
}

/// The `{keyId: secret}` object of a batch entry, read through CredReadW.
fn credential_batch(account: &str) -> Option<BTreeMap<String, String>> {
    credential(account).map(|text| serde_json::from_str(&text).expect("a batch entry holds JSON"))
}

fn real_vault(root: &Path) -> Vault {
    Vault::new(&Paths::at(root), Arc::new(OsKeychain::new()))
}

/// Child tasks, run when another test re-executes this binary; a no-op in the normal run.
#[test]
fn child_process_entry() {
    let Ok(task) = std::env::var(CHILD_TASK) else {
        return;
    };
    assert_eq!(task, "read");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let result = match OsKeychain::new().get(&var("ACCOUNT")) {
        Ok(Some(s)) if *s.expose() == var("EXPECT") => "match".to_string(),
        Ok(Some(_)) => "mismatch".to_string(),
        Ok(None) => "missing".to_string(),
        Err(e) => format!("error:{}", e.code()),
    };
    println!("RESULT:{result}");
}

#[test]
fn secret_survives_into_a_fresh_process_and_is_really_in_the_credential_manager() {
    let kc = OsKeychain::new();
    assert!(
        kc.name().contains("Windows Credential Manager"),
        "{}",
        kc.name()
    );
    kc.check().expect("the Credential Manager answers");
    let account = profile_account(&format!("Test profile {}", unique()));
    let secret = format!("shared-secret-{}", unique());
    kc.set(&account, &SecretString::new(secret.clone()))
        .unwrap();
    assert_eq!(kc.get(&account).unwrap().unwrap().expose(), &secret);
    assert_eq!(credential(&account).as_deref(), Some(secret.as_str()));

    let out = run_child(
        "child_process_entry",
        "read",
        &[("ACCOUNT", account.clone()), ("EXPECT", secret.clone())],
    );
    assert_eq!(result_of(&out), "match", "{out}");
    assert!(
        !out.contains(&secret),
        "the child must not print the secret"
    );

    let replaced = format!("replaced-{}", unique());
    kc.set(&account, &SecretString::new(replaced.clone()))
        .unwrap();
    assert_eq!(credential(&account).as_deref(), Some(replaced.as_str()));

    kc.delete(&account).unwrap();
    assert!(kc.get(&account).unwrap().is_none());
    assert_eq!(credential(&account), None);
    kc.delete(&account)
        .expect("deleting a missing entry is not an error");
}

#[test]
fn a_batch_is_split_into_credentials_of_ten_keys_and_forget_rewrites_one() {
    assert_eq!(
        KEYS_PER_ENTRY, 10,
        "Windows credentials hold at most 2,560 bytes"
    );
    let root = tempfile::tempdir().unwrap();
    let vault = real_vault(root.path());
    let keys: Vec<IssuedKey> = (0..25).map(key).collect();
    let report = vault.keep_each(&keys, "Big", &Environment::Test).unwrap();
    assert_eq!(report.kept.len(), 25);
    assert!(report.not_kept.is_empty(), "{:?}", report.not_kept);

    let accounts: Vec<String> = keys
        .iter()
        .map(|k| secret_ref(&vault, &k.key_id).unwrap())
        .collect();
    let mut distinct = accounts.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "25 keys in credentials of 10, 10 and 5");
    let mut held = BTreeMap::new();
    for account in &distinct {
        held.extend(credential_batch(account).expect("the credential exists"));
    }
    assert_eq!(held.len(), 25);
    assert!(keys.iter().all(|k| &held[&k.key_id] == k.secret.expose()));

    vault.forget(&keys[12].key_id).unwrap();
    let second = credential_batch(&accounts[12]).unwrap();
    assert_eq!(second.len(), 9);
    assert!(!second.contains_key(&keys[12].key_id));
    assert_eq!(
        vault.secret(&keys[11].key_id).unwrap().expose(),
        keys[11].secret.expose()
    );
    assert_eq!(
        vault.secret(&keys[12].key_id).unwrap_err().code(),
        "not_found"
    );
    assert!(!any_file_contains(root.path(), keys[1].secret.expose()));

    for k in &keys {
        let _ = vault.forget(&k.key_id);
    }
    for account in &distinct {
        assert_eq!(
            credential(account),
            None,
            "forgetting every key removes {account}"
        );
    }
}

#[test]
fn a_secret_longer_than_a_credential_holds_is_refused_with_what_to_do() {
    let kc = OsKeychain::new();
    let account = profile_account(&format!("Too long {}", unique()));
    let e = kc
        .set(&account, &SecretString::new("x".repeat(5000)))
        .unwrap_err();
    assert_eq!(e.code(), "keychain_entry_too_long", "{e}");
    assert_eq!(credential(&account), None, "nothing half written");
}
