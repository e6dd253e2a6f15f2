//! The key vault: every generated key is kept until the user forgets it, its secret in the keychain and
//! its metadata in `history.jsonl`. No secret ever reaches a file.
//!
//! One keychain entry per `keep_*` call (per [`KEYS_PER_ENTRY`] keys): account `keys:<batchId>` holds
//! `{keyId: secret}` for the keys of the call (see [`batch_account`]), and each key's history line names
//! that entry (`secretRef`).
//! Secret Service rewrites its whole keyring file on every change, so an entry per key made 1,000 keys
//! take about a minute. Lines written before batches have no `secretRef`; their secret is in
//! `key:<keyId>` ([`key_account`]) and is still read and forgotten there.
//!
//! Order of `keep_*`: the batch entry first, then all metadata in one locked append. A key is only
//! recorded once its secret is in the keychain, so the history never lists a key that cannot be shown
//! again. Keys whose secret could not be stored are not recorded; they are reported instead (see
//! [`Vault::keep_each`] and [`Vault::keep_all`]) and the caller keeps them in memory and shows them.
//!
//! Changing a batch entry (forgetting one of its keys) is a read-modify-write of a value shared by many
//! keys, so it happens under the history's file lock, which every process of this app takes.

use crate::batch::{self, BatchKeys};
use crate::error::StoreError;
use crate::history::{replay, Event, History, Kept};
use crate::keychain::{batch_account, key_account, SecretStore};
use crate::paths::Paths;
use crate::timestamp::{ms_since, now_rfc3339};
use mpos_kms::{Environment, IssuedKey, ProviderMode, SecretString};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

/// How many secrets share one keychain entry. Windows Credential Manager caps an entry's secret at
/// 2,560 bytes (about 14 keys as UTF-16 JSON); elsewhere one entry per 1,000 keys keeps writes few.
pub const KEYS_PER_ENTRY: usize = if cfg!(windows) { 10 } else { 1000 };

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
    /// The status Cybersource reported when last asked (`ACTIVE`, `INACTIVE`, `EXPIRED`, `NOT_FOUND`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<String>,
    /// When the status was last asked, RFC 3339 UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<String>,
    /// When the key was deleted at Cybersource; its line stays, its secret is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    /// The profile that deleted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_by: Option<String>,
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
    pub(crate) history: History,
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

    /// Keeps the keys in one keychain entry and says which it could not keep.
    ///
    /// Keys without a usable key id are reported and left out. All others are written in one keychain
    /// write, so they are kept together or not at all: when the write fails, every one of them is in
    /// `not_kept` with that error. `Err` means the history could not be written: then no key is kept
    /// and the keychain entry written by this call is removed again (best effort).
    pub fn keep_each(
        &self,
        keys: &[IssuedKey],
        profile: &str,
        environment: &Environment,
    ) -> Result<KeepReport, StoreError> {
        let usable: Vec<&IssuedKey> = keys.iter().filter(|k| unusable(k).is_none()).collect();
        if usable.is_empty() {
            return Ok(report_failures(keys, None));
        }
        // One keychain write per entry; if any fails, the ones written are taken back: all or none.
        let mut accounts: Vec<String> = Vec::new();
        let writing = std::time::Instant::now();
        for chunk in usable.chunks(KEYS_PER_ENTRY) {
            let account = batch_account(&uuid::Uuid::new_v4().to_string());
            let stored = batch::encode(chunk.iter().map(|k| (k.key_id.as_str(), &k.secret)))
                .and_then(|secret| self.secrets.add(&account, &secret));
            if let Err(e) = stored {
                self.delete_entries(&accounts);
                return Ok(report_failures(keys, Some(&e)));
            }
            accounts.push(account);
        }
        log::debug!("timing: keychain write {:.1} ms", ms_since(writing));
        let mut report = report_failures(keys, None);
        let generated_at = now_rfc3339();
        report.kept = usable
            .iter()
            .map(|k| entry_for(k, profile, environment, &generated_at))
            .collect();
        let events: Vec<Event> = report
            .kept
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                Event::Kept(Box::new(Kept {
                    entry: entry.clone(),
                    secret_ref: Some(accounts[i / KEYS_PER_ENTRY].clone()),
                }))
            })
            .collect();
        let appending = std::time::Instant::now();
        let appended = self
            .history
            .lock()
            .and_then(|_lock| self.history.append(&events));
        log::debug!("timing: history append {:.1} ms", ms_since(appending));
        if let Err(e) = appended {
            // Nothing lists these keys, so nobody else can have touched the entries since we wrote them.
            self.delete_entries(&accounts);
            return Err(e);
        }
        Ok(report)
    }

    /// Best-effort removal of entries this call wrote and no history line refers to.
    fn delete_entries(&self, accounts: &[String]) {
        for account in accounts {
            let _ = self.secrets.delete(account);
        }
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
            .records()?
            .into_iter()
            .map(|r| r.entry)
            .filter(|e| e.forgotten_at.is_none())
            .filter(|e| of_profile(&e.profile, profile))
            .collect();
        entries.sort_by(|a, b| b.generated_at.cmp(&a.generated_at));
        Ok(entries)
    }

    /// The metadata of one key that has not been forgotten.
    pub fn entry(&self, key_id: &str) -> Result<VaultEntry, StoreError> {
        self.record(key_id).map(|r| r.entry)
    }

    /// The secret of a kept key, from the keychain.
    pub fn secret(&self, key_id: &str) -> Result<SecretString, StoreError> {
        let record = self.record(key_id)?;
        self.secret_of(&record)
    }

    /// A kept key with its secret, e.g. to export it again from the history.
    pub fn issued_key(&self, key_id: &str) -> Result<IssuedKey, StoreError> {
        let record = self.record(key_id)?;
        let secret = self.secret_of(&record)?;
        let e = record.entry;
        Ok(IssuedKey {
            cybersource_merchant_id: e.cybersource_merchant_id,
            merchant_id: e.merchant_id,
            secret,
            key_id: e.key_id,
            status: e.status,
            expiration_date: e.expiration_date,
        })
    }

    /// Records that these keys were exported now. One appended line and no read of the history, which a
    /// pipeline's every `generate` would otherwise pay for in full; the replay skips ids that are not kept
    /// or already forgotten at that point of the history.
    pub fn mark_exported<S: AsRef<str>>(&self, key_ids: &[S]) -> Result<(), StoreError> {
        if key_ids.is_empty() {
            return Ok(());
        }
        let _lock = self.history.lock()?;
        self.history.append(&[Event::Exported {
            key_ids: key_ids.iter().map(|id| id.as_ref().to_string()).collect(),
            at: now_rfc3339(),
        }])
    }

    /// Removes the key's secret from the keychain and records a tombstone; forgetting twice is fine.
    ///
    /// The key's batch entry is rewritten without it, or deleted when it was the last key left.
    pub fn forget(&self, key_id: &str) -> Result<(), StoreError> {
        // Held until the tombstone is written: two processes forgetting keys of the same batch must
        // not both rewrite the entry from the same old value (one would bring back the other's key).
        let _lock = self.history.lock()?;
        let records = replay(self.history.read()?);
        let Some(record) = records.into_iter().find(|r| r.entry.key_id == key_id) else {
            return Err(not_in_history(key_id));
        };
        if record.entry.forgotten_at.is_some() {
            return Ok(());
        }
        // The secret goes first: a tombstone over a secret still in the keychain would hide it forever.
        match &record.secret_ref {
            Some(account) => self.remove_from_batch(account, key_id)?,
            None => self.secrets.delete(&key_account(key_id))?,
        }
        self.history.append(&[Event::Forgotten {
            key_id: key_id.to_string(),
            at: now_rfc3339(),
        }])
    }

    fn records(&self) -> Result<Vec<Kept>, StoreError> {
        let _lock = self.history.lock()?;
        Ok(replay(self.history.read()?))
    }

    /// The history record of one key that has not been forgotten.
    fn record(&self, key_id: &str) -> Result<Kept, StoreError> {
        let record = self
            .records()?
            .into_iter()
            .rev()
            .find(|r| r.entry.key_id == key_id);
        match record {
            Some(r) if r.entry.deleted_at.is_some() => Err(StoreError::NotFound(format!(
                "Key {} was deleted at Cybersource; its secret no longer works and is no longer kept.",
                short(key_id)
            ))),
            Some(r) if r.entry.forgotten_at.is_none() => Ok(r),
            Some(_) => Err(StoreError::NotFound(format!(
                "Key {} was forgotten; its secret is no longer kept.",
                short(key_id)
            ))),
            None => Err(not_in_history(key_id)),
        }
    }

    /// Reads a kept key's secret from its batch entry, or from its own entry (before batches).
    fn secret_of(&self, record: &Kept) -> Result<SecretString, StoreError> {
        let key_id = record.entry.key_id.as_str();
        let found = match &record.secret_ref {
            Some(account) => self
                .batch_keys(account)?
                .and_then(|mut keys| keys.remove(key_id)),
            None => self.secrets.get(&key_account(key_id))?,
        };
        found.ok_or_else(|| {
            StoreError::NotFound(format!(
                "The secret of key {} is no longer in {} (it was removed outside this app). Generate a new \
                 key for this merchant.",
                short(key_id),
                self.secrets.name()
            ))
        })
    }

    /// The keys of a batch entry; `None` when the entry is gone. The caller drops (zeroizes) the rest.
    fn batch_keys(&self, account: &str) -> Result<Option<BatchKeys>, StoreError> {
        let Some(secret) = self.secrets.get(account)? else {
            return Ok(None);
        };
        batch::decode(&secret, account, &self.secrets.name()).map(Some)
    }

    /// Rewrites a batch entry without `key_id`, or deletes it when no key is left. The caller holds
    /// the history lock.
    fn remove_from_batch(&self, account: &str, key_id: &str) -> Result<(), StoreError> {
        let Some(mut keys) = self.batch_keys(account)? else {
            return Ok(());
        };
        if keys.remove(key_id).is_none() {
            return Ok(());
        }
        if keys.is_empty() {
            return self.secrets.delete(account);
        }
        let rest = batch::encode(keys.iter().map(|(id, secret)| (id.as_str(), secret)))?;
        self.secrets.set(account, &rest)
    }
}

#[path = "vault_lifecycle.rs"]
mod lifecycle;

/// Why a key cannot be kept before the keychain is even asked, if it cannot.
fn unusable(key: &IssuedKey) -> Option<StoreError> {
    if key.key_id.trim().is_empty() || key.key_id.chars().any(char::is_control) {
        let why = "Cybersource returned this key without a usable key id, so it cannot be stored.";
        return Some(StoreError::InvalidInput(why.into()));
    }
    None
}

/// The keys not kept, in input order: those without a usable id, and all others when `write_failed`.
fn report_failures(keys: &[IssuedKey], write_failed: Option<&StoreError>) -> KeepReport {
    let not_kept = keys
        .iter()
        .filter_map(|key| {
            let error = unusable(key).or_else(|| write_failed.cloned())?;
            Some(NotKept {
                key_id: key.key_id.clone(),
                cybersource_merchant_id: key.cybersource_merchant_id.clone(),
                error,
            })
        })
        .collect();
    KeepReport {
        kept: Vec::new(),
        not_kept,
    }
}

/// Whether a history line of `name` is asked for: every line without a profile, else the one named in any
/// case (keys and codes alike).
pub(crate) fn of_profile(name: &str, wanted: Option<&str>) -> bool {
    wanted.is_none_or(|p| p.to_lowercase() == name.to_lowercase())
}

pub(crate) fn not_in_history(key_id: &str) -> StoreError {
    StoreError::NotFound(format!("Key {} is not in the history.", short(key_id)))
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
        last_status: None,
        checked_at: None,
        deleted_at: None,
        deleted_by: None,
    }
}

/// A key id shortened for messages (logs and messages never show a full key id).
pub(crate) fn short(key_id: &str) -> String {
    let head: String = key_id.chars().take(8).collect();
    if head.len() < key_id.len() {
        format!("{head}…")
    } else {
        head
    }
}
