//! What happened to a kept key at Cybersource after it was issued: its last known status, and its deletion.
//!
//! A deleted key's history line stays (marked deleted, when and by which profile) so the user can still
//! see which devices had it; its secret leaves the keychain because it no longer works.

use super::{not_in_history, Vault};
use crate::error::StoreError;
use crate::history::{replay, Event};
use crate::keychain::key_account;
use crate::timestamp::now_rfc3339;

/// The status word a deleted key shows.
pub const DELETED: &str = "DELETED";

impl Vault {
    /// Records what Cybersource said about these keys, now: `(key id, status)`. Ids not in the history
    /// are skipped; returns the time written.
    pub fn record_statuses(&self, statuses: &[(String, String)]) -> Result<String, StoreError> {
        let at = now_rfc3339();
        let _lock = self.history.lock()?;
        let records = replay(self.history.read()?);
        let events: Vec<Event> = statuses
            .iter()
            .filter(|(id, _)| records.iter().any(|r| &r.entry.key_id == id))
            .map(|(key_id, status)| Event::StatusChecked {
                key_id: key_id.clone(),
                status: status.clone(),
                at: at.clone(),
            })
            .collect();
        if !events.is_empty() {
            self.history.append(&events)?;
        }
        Ok(at)
    }

    /// Marks a key deleted at Cybersource by `profile` and drops its secret from the keychain.
    ///
    /// The deletion is recorded first: it happened, whatever the keychain does. `Err` after that means
    /// only that the (no longer working) secret could not be removed from the keychain.
    pub fn mark_deleted(&self, key_id: &str, profile: &str) -> Result<(), StoreError> {
        let _lock = self.history.lock()?;
        let records = replay(self.history.read()?);
        let Some(record) = records.into_iter().find(|r| r.entry.key_id == key_id) else {
            return Err(not_in_history(key_id));
        };
        if record.entry.deleted_at.is_some() {
            return Ok(());
        }
        self.history.append(&[Event::Deleted {
            key_id: key_id.to_string(),
            profile: profile.to_string(),
            at: now_rfc3339(),
        }])?;
        if record.entry.forgotten_at.is_some() {
            return Ok(());
        }
        match &record.secret_ref {
            Some(account) => self.remove_from_batch(account, key_id),
            None => self.secrets.delete(&key_account(key_id)),
        }
    }
}

impl super::VaultEntry {
    /// The status to show: `DELETED` once deleted, else the last status Cybersource reported, else the
    /// status it was issued with.
    pub fn shown_status(&self) -> &str {
        if self.deleted_at.is_some() {
            return DELETED;
        }
        self.last_status.as_deref().unwrap_or(&self.status)
    }

    /// Whether the key may still work: not deleted, and last reported `ACTIVE` (or never checked).
    pub fn is_active(&self) -> bool {
        self.shown_status().eq_ignore_ascii_case("ACTIVE")
    }
}
