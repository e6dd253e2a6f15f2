//! The key vault: every generated key is kept until the user forgets it, the secret in the keychain
//! (account `key:<keyId>`) and the metadata in `history.jsonl`. No secret ever reaches a file.
//!
//! Order of `keep_*`: secrets first, then all metadata in one locked append. A key is only recorded
//! once its secret is in the keychain, so the history never lists a key that cannot be shown again.
//! A key whose secret could not be stored is not recorded; it is reported instead (see
//! [`Vault::keep_each`] and [`Vault::keep_all`]) and the caller keeps it in memory and shows it.

use crate::error::StoreError;
use crate::history::{replay, Event, History};
use crate::keychain::{key_account, SecretStore};
use crate::paths::Paths;
use crate::timestamp::now_rfc3339;
use mpos_kms::{Environment, IssuedKey, ProviderMode, SecretString};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

/// What the history knows about a generated key; never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultEntry {
    /// The key's id at Cybersource.
    pub key_id: String,
    /// The transacting MID.
    pub cybersource_merchant_id: String,
    /// The mposUi merchant id (`externalOrganizationId`).
    pub merchant_id: String,
    /// The key's status when issued, normally `ACTIVE`.
    pub status: String,
    /// When the key expires, as Cybersource wrote it.
    #[serde(default)]
    pub expiration_date: Option<String>,
    /// The profile (or environment token for direct credentials) that generated it.
    pub profile: String,
    /// The environment token.
    pub environment: String,
    /// TEST or LIVE.
    pub provider_mode: ProviderMode,
    /// When it was kept, RFC 3339 UTC.
    pub generated_at: String,
    /// When it was last written to an export file.
    #[serde(default)]
    pub exported_at: Option<String>,
    /// When its secret was deleted; forgotten keys are not listed.
    #[serde(default)]
    pub forgotten_at: Option<String>,
}

/// A key `keep_each` could not keep, and why.
#[derive(Debug, Clone)]
pub struct NotKept {
    /// The key's id.
    pub key_id: String,
    /// Its MID, for the message.
    pub cybersource_merchant_id: String,
    /// Why its secret could not be stored.
    pub error: StoreError,
}

/// What `keep_each` did with a batch.
#[derive(Debug, Clone, Default)]
pub struct KeepReport {
    /// Keys now in the vault, in input order.
    pub kept: Vec<VaultEntry>,
    /// Keys that are only in the caller's memory.
    pub not_kept: Vec<NotKept>,
}

/// Generated keys: secrets in a [`SecretStore`], metadata in the history file.
pub struct Vault {
    history: History,
    secrets: Arc<dyn SecretStore>,
}

impl Vault {
    /// The vault in `paths.data_dir`; nothing is created until the first key is kept.
    pub fn new(paths: &Paths, secrets: Arc<dyn SecretStore>) -> Self {
        Self {
            history: History::new(paths.history_file()),
            secrets,
        }
    }

    /// The history file.
    pub fn history_path(&self) -> &Path {
        self.history.path()
    }

    /// Keeps each key it can and says which it could not.
    ///
    /// The first keychain failure stops the run (a locked or missing keychain fails every key, and
    /// each attempt may wait for the timeout); the rest are reported with that error. `Err` means the
    /// history could not be written: then no key is kept and the secrets stored by this call are
    /// removed again (best effort).
    pub fn keep_each(
        &self,
        keys: &[IssuedKey],
        profile: &str,
        environment: &Environment,
    ) -> Result<KeepReport, StoreError> {
        let generated_at = now_rfc3339();
        let mut report = KeepReport::default();
        let mut stop: Option<StoreError> = None;
        for key in keys {
            let not_kept = |error: StoreError| NotKept {
                key_id: key.key_id.clone(),
                cybersource_merchant_id: key.cybersource_merchant_id.clone(),
                error,
            };
            if let Some(e) = &stop {
                report.not_kept.push(not_kept(e.clone()));
                continue;
            }
            if key.key_id.trim().is_empty() || key.key_id.chars().any(char::is_control) {
                let why = "Cybersource returned this key without a usable key id, so it cannot be stored.";
                report
                    .not_kept
                    .push(not_kept(StoreError::InvalidInput(why.into())));
                continue;
            }
            match self.secrets.set(&key_account(&key.key_id), &key.secret) {
                Ok(()) => report
                    .kept
                    .push(entry_for(key, profile, environment, &generated_at)),
                Err(e) => {
                    stop = Some(e.clone());
                    report.not_kept.push(not_kept(e));
                }
            }
        }
        if report.kept.is_empty() {
            return Ok(report);
        }
        let events: Vec<Event> = report.kept.iter().cloned().map(Event::Kept).collect();
        let appended = self
            .history
            .lock()
            .and_then(|_lock| self.history.append(&events));
        if let Err(e) = appended {
            for entry in &report.kept {
                let _ = self.secrets.delete(&key_account(&entry.key_id));
            }
            return Err(e);
        }
        Ok(report)
    }

    /// Keeps every key, or says which could not be kept.
    ///
    /// `Ok` only when all keys are in the vault. `Err` means at least one is not: the caller must keep
    /// the whole batch in memory and show it. Keys that were kept still appear in [`Vault::list`].
    /// The error has the kind of the first failure (e.g. `KeychainLocked`) and names the MIDs concerned.
    pub fn keep_all(
        &self,
        keys: &[IssuedKey],
        profile: &str,
        environment: &Environment,
    ) -> Result<Vec<VaultEntry>, StoreError> {
        let report = self.keep_each(keys, profile, environment)?;
        let Some(first) = report.not_kept.first() else {
            return Ok(report.kept);
        };
        let mut mids: Vec<&str> = report
            .not_kept
            .iter()
            .take(5)
            .map(|n| n.cybersource_merchant_id.as_str())
            .collect();
        let more = report.not_kept.len().saturating_sub(mids.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        mids.dedup();
        let message = format!(
            "{} of {} keys were kept in the vault; the keys for {}{more} could not be stored: {} Copy or \
             download them now: Cybersource cannot show them again.",
            report.kept.len(),
            keys.len(),
            mids.join(", "),
            first.error
        );
        Err(first.error.clone().with_message(message))
    }

    /// Keys not forgotten, newest first (a batch in the order it was asked for); optionally of one profile.
    pub fn list(&self, profile: Option<&str>) -> Result<Vec<VaultEntry>, StoreError> {
        let mut entries: Vec<VaultEntry> = self
            .entries()?
            .into_iter()
            .filter(|e| e.forgotten_at.is_none())
            .filter(|e| profile.is_none_or(|p| e.profile.to_lowercase() == p.to_lowercase()))
            .collect();
        entries.sort_by(|a, b| b.generated_at.cmp(&a.generated_at));
        Ok(entries)
    }

    /// The metadata of one key that has not been forgotten.
    pub fn entry(&self, key_id: &str) -> Result<VaultEntry, StoreError> {
        let entry = self
            .entries()?
            .into_iter()
            .rev()
            .find(|e| e.key_id == key_id);
        match entry {
            Some(e) if e.forgotten_at.is_none() => Ok(e),
            Some(_) => Err(StoreError::NotFound(format!(
                "Key {} was forgotten; its secret is no longer kept.",
                short(key_id)
            ))),
            None => Err(StoreError::NotFound(format!(
                "Key {} is not in the history.",
                short(key_id)
            ))),
        }
    }

    /// The secret of a kept key, from the keychain.
    pub fn secret(&self, key_id: &str) -> Result<SecretString, StoreError> {
        self.entry(key_id)?;
        self.secrets.get(&key_account(key_id))?.ok_or_else(|| {
            StoreError::NotFound(format!(
                "The secret of key {} is no longer in {} (it was removed outside this app). Generate a new \
                 key for this merchant.",
                short(key_id),
                self.secrets.name()
            ))
        })
    }

    /// A kept key with its secret, e.g. to export it again from the history.
    pub fn issued_key(&self, key_id: &str) -> Result<IssuedKey, StoreError> {
        let e = self.entry(key_id)?;
        let secret = self.secret(key_id)?;
        Ok(IssuedKey {
            cybersource_merchant_id: e.cybersource_merchant_id,
            merchant_id: e.merchant_id,
            secret,
            key_id: e.key_id,
            status: e.status,
            expiration_date: e.expiration_date,
        })
    }

    /// Records that these keys were exported now; ids not in the vault are skipped. Returns how many
    /// were marked.
    pub fn mark_exported<S: AsRef<str>>(&self, key_ids: &[S]) -> Result<usize, StoreError> {
        let _lock = self.history.lock()?;
        let entries = replay(self.history.read()?);
        let live: HashSet<&str> = entries
            .iter()
            .filter(|e| e.forgotten_at.is_none())
            .map(|e| e.key_id.as_str())
            .collect();
        let ids: Vec<String> = key_ids
            .iter()
            .map(|id| id.as_ref().to_string())
            .filter(|id| live.contains(id.as_str()))
            .collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let count = ids.len();
        self.history.append(&[Event::Exported {
            key_ids: ids,
            at: now_rfc3339(),
        }])?;
        Ok(count)
    }

    /// Deletes the key's secret from the keychain and records a tombstone; forgetting twice is fine.
    pub fn forget(&self, key_id: &str) -> Result<(), StoreError> {
        let _lock = self.history.lock()?;
        let entries = replay(self.history.read()?);
        let Some(entry) = entries.iter().find(|e| e.key_id == key_id) else {
            return Err(StoreError::NotFound(format!(
                "Key {} is not in the history.",
                short(key_id)
            )));
        };
        if entry.forgotten_at.is_some() {
            return Ok(());
        }
        // The secret goes first: a tombstone over a secret still in the keychain would hide it forever.
        self.secrets.delete(&key_account(key_id))?;
        self.history.append(&[Event::Forgotten {
            key_id: key_id.to_string(),
            at: now_rfc3339(),
        }])
    }

    fn entries(&self) -> Result<Vec<VaultEntry>, StoreError> {
        let _lock = self.history.lock()?;
        Ok(replay(self.history.read()?))
    }
}

fn entry_for(
    key: &IssuedKey,
    profile: &str,
    environment: &Environment,
    generated_at: &str,
) -> VaultEntry {
    VaultEntry {
        key_id: key.key_id.clone(),
        cybersource_merchant_id: key.cybersource_merchant_id.clone(),
        merchant_id: key.merchant_id.clone(),
        status: key.status.clone(),
        expiration_date: key.expiration_date.clone(),
        profile: profile.to_string(),
        environment: environment.token(),
        provider_mode: environment.provider_mode(),
        generated_at: generated_at.to_string(),
        exported_at: None,
        forgotten_at: None,
    }
}

/// A key id shortened for messages (logs and messages never show a full key id).
fn short(key_id: &str) -> String {
    let head: String = key_id.chars().take(8).collect();
    if head.len() < key_id.len() {
        format!("{head}…")
    } else {
        head
    }
}
