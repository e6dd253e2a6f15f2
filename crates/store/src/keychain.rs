//! Where secrets live: the OS keychain, behind a small trait so other logic can be tested in memory.
//!
//! Service name: [`APP_ID`](crate::paths::APP_ID). Accounts: `profile:<name>` for a profile's shared
//! secret (or its `.p12` password, for a REST certificate profile); `keys:<batchId>` for the generated
//! keys of one generate run, a JSON object `{keyId: secret}` (see [`crate::vault`]); `key:<keyId>` for a
//! generated key kept by versions before batches. On Linux the Secret Service item carries the
//! attributes `service` and `username`, so
//! `secret-tool lookup service dev.mposkeygen.desktop username keys:<batchId>` finds it.

use crate::error::StoreError;
use mpos_kms::SecretString;
use std::collections::HashMap;
use std::sync::Mutex;

pub use crate::os_keychain::{OsKeychain, KEYCHAIN_TIMEOUT};

/// A place to keep secrets by account name.
pub trait SecretStore: Send + Sync {
    /// Stores (or replaces) the secret of `account`.
    fn set(&self, account: &str, secret: &SecretString) -> Result<(), StoreError>;
    /// Stores the secret of an account that has none yet (a new batch's, named by a fresh UUID): a
    /// keychain may skip looking for an entry to replace.
    fn add(&self, account: &str, secret: &SecretString) -> Result<(), StoreError> {
        self.set(account, secret)
    }
    /// Reads the secret of `account`; `None` when there is none.
    fn get(&self, account: &str) -> Result<Option<SecretString>, StoreError>;
    /// Deletes the secret of `account`; deleting one that does not exist is not an error.
    fn delete(&self, account: &str) -> Result<(), StoreError>;
    /// Checks that secrets can be kept, without reading any (on Linux: a session and a default keyring).
    fn reach(&self) -> Result<(), StoreError> {
        self.get(&reachability_account()).map(drop)
    }
    /// A name to show users, e.g. "Secret Service (GNOME Keyring / KWallet)".
    fn name(&self) -> String;
}

/// The account of a profile's shared secret, or `.p12` password: `profile:<name>`.
pub fn profile_account(name: &str) -> String {
    format!("profile:{name}")
}

/// An account no entry has, read to learn whether the keychain answers.
pub(crate) fn reachability_account() -> String {
    profile_account("mpos-keygen reachability check")
}

/// The account of one generated key kept before batches: `key:<keyId>` (now only read and forgotten).
pub fn key_account(key_id: &str) -> String {
    format!("key:{key_id}")
}

/// The account of the secrets of one batch of generated keys: `keys:<batchId>`.
pub fn batch_account(batch_id: &str) -> String {
    format!("keys:{batch_id}")
}

/// Secrets in process memory: for unit tests of other logic only, never for real use.
#[derive(Debug, Default)]
pub struct MemoryStore {
    secrets: Mutex<HashMap<String, SecretString>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many secrets it holds.
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, SecretString>> {
        // A panic in another test thread must not hide the data from the rest of the test.
        self.secrets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl SecretStore for MemoryStore {
    fn set(&self, account: &str, secret: &SecretString) -> Result<(), StoreError> {
        self.map().insert(account.to_string(), secret.clone());
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<SecretString>, StoreError> {
        Ok(self.map().get(account).cloned())
    }

    fn delete(&self, account: &str) -> Result<(), StoreError> {
        self.map().remove(account);
        Ok(())
    }

    fn name(&self) -> String {
        "memory (tests only)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts() {
        assert_eq!(profile_account("Shop 1"), "profile:Shop 1");
        assert_eq!(key_account("abc"), "key:abc");
        assert_eq!(batch_account("b1"), "keys:b1");
    }

    #[test]
    fn memory_store_round_trip() {
        let m = MemoryStore::new();
        m.set("a", &SecretString::new("s1".into())).unwrap();
        assert_eq!(m.get("a").unwrap().unwrap().expose(), "s1");
        m.delete("a").unwrap();
        m.delete("a").unwrap();
        assert!(m.get("a").unwrap().is_none() && m.is_empty());
    }
}
