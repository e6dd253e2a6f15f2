//! After a key is issued: ask Cybersource for its status, delete it, replace it; the history follows.
//!
//! Honesty with the live service: when Cybersource refuses one of these calls for a key we know we
//! issued (a 404 for a key the history does not mark deleted, a 400, a 403), the user is told plainly to
//! do it in the Business Center, the key's state here is left as it was, and the answer is logged
//! (never a secret: answers to these calls carry none, and error bodies are redacted).

use crate::connection::Connection;
use crate::error::{exit, kms_exit_code, Error};
use crate::keygen::Keygen;
use crate::report::GenerateReport;
use mpos_kms::lifecycle::BUSINESS_CENTER_KEYS;
use mpos_kms::{DeleteOutcome, KeyRef, KeyStatus, KmsError};
use mpos_store::VaultEntry;

/// The status word of a key Cybersource did not find.
pub const NOT_FOUND: &str = "NOT_FOUND";

/// What was learned about one key.
#[derive(Debug, Clone)]
pub struct StatusResult {
    /// The key's history line, as it is after this check.
    pub entry: VaultEntry,
    /// `ACTIVE`, `INACTIVE`, `EXPIRED`, another word as given, or [`NOT_FOUND`]; `None` when the call
    /// failed (see `error`).
    pub status: Option<String>,
    /// The expiration date Cybersource gave, else the one from the history.
    pub expiration_date: Option<String>,
    /// When it was checked, RFC 3339 UTC.
    pub checked_at: Option<String>,
    /// A sentence for the user when the answer needs one (e.g. not found although we issued it).
    pub note: Option<String>,
    /// Why the status could not be read.
    pub error: Option<KmsError>,
}

/// The statuses of several keys, in the order asked.
#[derive(Debug, Clone, Default)]
pub struct StatusReport {
    /// One result per key.
    pub results: Vec<StatusResult>,
}

impl StatusReport {
    /// 0 when every status was read, 1 when some keys were not found, else the code of what failed.
    pub fn exit_code(&self) -> i32 {
        if let Some(code) = worst_error(self.results.iter().filter_map(|r| r.error.as_ref())) {
            return code;
        }
        if self
            .results
            .iter()
            .any(|r| r.status.as_deref() == Some(NOT_FOUND))
        {
            return exit::PARTIAL;
        }
        exit::OK
    }
}

/// What happened to one key asked to be deleted.
#[derive(Debug, Clone)]
pub struct DeleteResult {
    /// The key's history line, as it is after this call.
    pub entry: VaultEntry,
    /// Whether Cybersource deleted it (then the history marks it deleted and its secret is gone).
    pub deleted: bool,
    /// Why it was not deleted.
    pub error: Option<KmsError>,
    /// Set when the key was deleted but its (no longer working) secret could not leave the keychain.
    pub storage_warning: Option<String>,
}

/// The outcome of a delete, in the order asked.
#[derive(Debug, Clone, Default)]
pub struct DeleteReport {
    /// One result per key.
    pub results: Vec<DeleteResult>,
}

impl DeleteReport {
    /// 0 when all were deleted, 1 when some were not; when none was and every failure is the same kind
    /// of request failure (authentication, network), that failure's code.
    pub fn exit_code(&self) -> i32 {
        if self.results.iter().all(|r| r.deleted) {
            return exit::OK;
        }
        if self.results.iter().any(|r| r.deleted) {
            return exit::PARTIAL;
        }
        worst_error(self.results.iter().filter_map(|r| r.error.as_ref())).unwrap_or(exit::PARTIAL)
    }
}

/// A replace: the new keys (kept exactly like `generate`), then the deletion of the old ones.
#[derive(Debug, Clone)]
pub struct ReplaceReport {
    /// The new keys and the merchants that got none.
    pub generated: GenerateReport,
    /// The earlier keys of the merchants that got a new, stored key.
    pub deleted: DeleteReport,
}

impl ReplaceReport {
    /// The generate code when a merchant got no new key; else the delete code.
    pub fn exit_code(&self) -> i32 {
        match self.generated.exit_code() {
            exit::OK => self.deleted.exit_code(),
            code => code,
        }
    }
}

fn worst_error<'a>(errors: impl Iterator<Item = &'a KmsError>) -> Option<i32> {
    errors
        .map(kms_exit_code)
        .filter(|&c| c != exit::PARTIAL)
        .min_by_key(|&c| match c {
            exit::AUTH => 0,
            exit::NETWORK => 1,
            _ => 2,
        })
}

/// Refusals of the live service for this key type, reworded to say where it can be done instead.
fn business_center(error: KmsError, what: &str) -> KmsError {
    match error {
        KmsError::Rejected {
            status: status @ (400 | 403 | 404),
            reason,
            message,
            detail,
        } => {
            log::warn!("Cybersource refused to {what} (HTTP {status}): {message} {detail}");
            KmsError::Rejected {
                status,
                reason,
                message: format!(
                    "Cybersource refused to {what} through its API (HTTP {status}). Do it in \
                     {BUSINESS_CENTER_KEYS}; nothing was changed here. {message}"
                ),
                detail,
            }
        }
        other => other,
    }
}

impl Keygen {
    /// The history lines of these key ids (of any profile), in order; an id not in the history is refused.
    pub fn keys_by_id(&self, key_ids: &[String]) -> Result<Vec<VaultEntry>, Error> {
        let all = self.vault().list(None)?;
        key_ids
            .iter()
            .map(|id| {
                all.iter()
                    .find(|e| e.key_id == id.trim())
                    .cloned()
                    .ok_or_else(|| {
                        Error::Usage(format!(
                            "Key {id} is not in the history of this computer, so its merchant is not known. \
                             Check the id with: mpos-keygen history"
                        ))
                    })
            })
            .collect()
    }

    /// The keys of a merchant in the history (not forgotten), newest first; optionally of one profile.
    pub fn keys_of_merchant(
        &self,
        mid: &str,
        profile: Option<&str>,
    ) -> Result<Vec<VaultEntry>, Error> {
        Ok(self
            .vault()
            .list(profile)?
            .into_iter()
            .filter(|e| e.cybersource_merchant_id.eq_ignore_ascii_case(mid.trim()))
            .collect())
    }

    /// Asks Cybersource for the status of each key, one request per key, and records what it said.
    pub async fn key_status(
        &self,
        conn: &Connection,
        keys: &[VaultEntry],
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<StatusReport, Error> {
        let mut results = Vec::with_capacity(keys.len());
        progress(0, keys.len());
        for (done, entry) in keys.iter().enumerate() {
            let key = KeyRef {
                key_id: entry.key_id.clone(),
                cybersource_merchant_id: entry.cybersource_merchant_id.clone(),
            };
            let mut result = StatusResult {
                entry: entry.clone(),
                status: None,
                expiration_date: entry.expiration_date.clone(),
                checked_at: None,
                note: None,
                error: None,
            };
            match conn.client.key_status(&key).await {
                Ok(KeyStatus::Known {
                    status,
                    expiration_date,
                }) => {
                    result.status = Some(status);
                    if expiration_date.is_some() {
                        result.expiration_date = expiration_date;
                    }
                }
                Ok(KeyStatus::NotFound {
                    http_status,
                    message,
                }) => {
                    log::info!(
                        "status of key {}: not found (HTTP {http_status}: {message})",
                        short(&entry.key_id)
                    );
                    if entry.deleted_at.is_none() {
                        result.note = Some(format!(
                            "Cybersource did not find this key, which this app issued ({message}). If it was not \
                             deleted in the Business Center, check it there: {BUSINESS_CENTER_KEYS}. Its secret \
                             is still kept here."
                        ));
                    }
                    result.status = Some(NOT_FOUND.to_string());
                }
                // An invalid key id or merchant in the history is refused before any request: stop here.
                Err(e @ KmsError::InvalidInput(_)) => return Err(e.into()),
                Err(e) => result.error = Some(business_center(e, "show this key's status")),
            }
            results.push(result);
            progress(done + 1, keys.len());
        }
        let read: Vec<(String, String)> = results
            .iter()
            .filter_map(|r| Some((r.entry.key_id.clone(), r.status.clone()?)))
            .collect();
        if !read.is_empty() {
            let at = self.vault().record_statuses(&read)?;
            for r in results.iter_mut().filter(|r| r.status.is_some()) {
                r.checked_at = Some(at.clone());
                r.entry.last_status = r.status.clone();
                r.entry.checked_at = Some(at.clone());
            }
        }
        Ok(StatusReport { results })
    }

    /// Deletes keys at Cybersource; each deleted key is marked deleted in the history and its secret
    /// leaves the keychain. Keys already marked deleted are reported deleted without a request.
    pub async fn delete_keys(
        &self,
        conn: &Connection,
        keys: &[VaultEntry],
    ) -> Result<DeleteReport, Error> {
        let pending: Vec<KeyRef> = keys
            .iter()
            .filter(|e| e.deleted_at.is_none())
            .map(|e| KeyRef {
                key_id: e.key_id.clone(),
                cybersource_merchant_id: e.cybersource_merchant_id.clone(),
            })
            .collect();
        let outcomes = if pending.is_empty() {
            Vec::new()
        } else {
            conn.client.delete_keys(&pending).await?
        };
        let mut results = Vec::with_capacity(keys.len());
        for entry in keys {
            let outcome = outcomes.iter().find(|o| o.key().key_id == entry.key_id);
            let mut result = DeleteResult {
                entry: entry.clone(),
                deleted: entry.deleted_at.is_some(),
                error: None,
                storage_warning: None,
            };
            match outcome {
                None => {}
                Some(DeleteOutcome::Deleted { status, .. }) => {
                    log::info!(
                        "key {} of {} deleted ({status})",
                        short(&entry.key_id),
                        entry.cybersource_merchant_id
                    );
                    result.deleted = true;
                    if let Err(e) = self.vault().mark_deleted(&entry.key_id, &conn.profile) {
                        result.storage_warning = Some(format!(
                            "The key was deleted at Cybersource, but this could not be recorded in full: {e}"
                        ));
                    }
                    if let Ok(Some(after)) = self
                        .vault()
                        .list(None)
                        .map(|all| all.into_iter().find(|e| e.key_id == entry.key_id))
                    {
                        result.entry = after;
                    }
                }
                Some(DeleteOutcome::Failed { error, .. }) => {
                    log::warn!(
                        "key {} of {} not deleted: {error}",
                        short(&entry.key_id),
                        entry.cybersource_merchant_id
                    );
                    result.error = Some(business_center(error.clone(), "delete this key"));
                }
            }
            results.push(result);
        }
        Ok(DeleteReport { results })
    }

    /// Generates a new key per merchant (kept exactly like `generate`), then deletes the profile's earlier
    /// keys of each merchant that got a new key that is stored. A failed new key deletes nothing.
    pub async fn replace(
        &self,
        conn: &Connection,
        mids: &[String],
        remember: bool,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<ReplaceReport, Error> {
        let generated = self.generate(conn, mids, remember, progress).await?;
        let old = self.replaced_by(conn, &generated)?;
        let deleted = self.delete_keys(conn, &old).await?;
        Ok(ReplaceReport { generated, deleted })
    }

    /// The earlier keys (this profile's, not deleted) of the merchants that got a new key that is stored.
    /// A new key that is not kept replaces nothing: the old one stays usable.
    pub fn replaced_by(
        &self,
        conn: &Connection,
        generated: &GenerateReport,
    ) -> Result<Vec<VaultEntry>, Error> {
        let replaced: Vec<&str> = generated
            .keys
            .iter()
            .filter(|k| k.stored)
            .map(|k| k.key.cybersource_merchant_id.as_str())
            .collect();
        let new_ids: Vec<&str> = generated
            .keys
            .iter()
            .map(|k| k.key.key_id.as_str())
            .collect();
        Ok(self
            .vault()
            .list(Some(&conn.profile))?
            .into_iter()
            .filter(|e| replaced.contains(&e.cybersource_merchant_id.as_str()))
            .filter(|e| !new_ids.contains(&e.key_id.as_str()))
            .filter(|e| e.deleted_at.is_none())
            .collect())
    }
}

fn short(key_id: &str) -> String {
    key_id.chars().take(8).collect::<String>() + "…"
}
