//! This run's device activation codes: in memory only (zeroized on drop), dropped when they expire, when the
//! window dismisses them, or when the app quits. Never written anywhere but a file the user downloads.

use mpos_core::CodesReport;
use mpos_kms::SecretString;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

/// One code and whether it left the app (copied on its own or with its merchant's codes).
pub struct SessionCode {
    /// The code.
    pub code: SecretString,
    /// When it stops working.
    pub expires_at: SystemTime,
    /// Copied to the clipboard at least once.
    pub copied: bool,
}

/// One merchant's codes in a batch.
pub struct SessionMerchant {
    /// The transacting MID.
    pub mid: String,
    /// Its label in the profile, if any.
    pub label: Option<String>,
    /// Its codes (empty when it failed).
    pub codes: Vec<SessionCode>,
    /// Why it got none, as the export writes it.
    pub error: Option<String>,
}

/// The codes of one generate click.
pub struct CodesBatch {
    /// The profile that asked.
    pub profile: String,
    /// The environment token.
    pub environment: String,
    /// When they were made, RFC 3339 UTC.
    pub generated_at: String,
    /// Every merchant asked for, in order.
    pub merchants: Vec<SessionMerchant>,
    /// Written to a file at least once.
    pub downloaded: bool,
}

impl CodesBatch {
    /// From a core report and the profile's labels.
    pub fn from_report(report: &CodesReport, labels: &HashMap<String, String>) -> Self {
        Self {
            profile: report.profile.clone(),
            environment: report.environment.token(),
            generated_at: report.generated_at.clone(),
            merchants: report
                .merchants
                .iter()
                .map(|m| SessionMerchant {
                    mid: m.cybersource_merchant_id.clone(),
                    label: labels.get(&m.cybersource_merchant_id).cloned(),
                    codes: m
                        .codes
                        .iter()
                        .map(|c| SessionCode {
                            code: c.code.clone(),
                            expires_at: c.expires_at,
                            copied: false,
                        })
                        .collect(),
                    error: m.error.as_ref().map(ToString::to_string),
                })
                .collect(),
            downloaded: false,
        }
    }

    /// When the last of its codes stops working; `None` without codes.
    pub fn last_expiry(&self) -> Option<SystemTime> {
        self.merchants
            .iter()
            .flat_map(|m| m.codes.iter().map(|c| c.expires_at))
            .max()
    }

    /// Codes still valid that were neither copied nor downloaded: closing now would lose them.
    pub fn unsaved(&self, now: SystemTime) -> usize {
        if self.downloaded {
            return 0;
        }
        self.merchants
            .iter()
            .flat_map(|m| &m.codes)
            .filter(|c| !c.copied && c.expires_at > now)
            .count()
    }
}

/// Every batch of this run, by id, and the guard that keeps a second request from starting.
#[derive(Default)]
pub struct CodesState {
    batches: Mutex<HashMap<String, CodesBatch>>,
    next_id: AtomicU64,
    generating: AtomicBool,
}

/// Held while an activation-codes request runs.
pub struct CodesGuard<'a>(&'a AtomicBool);

impl Drop for CodesGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl CodesState {
    /// Claims the one request slot; `None` while another request runs (a double click sends one).
    pub fn begin(&self) -> Option<CodesGuard<'_>> {
        self.generating
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .ok()
            .map(|_| CodesGuard(&self.generating))
    }

    /// The batches, locked, with every expired one dropped first.
    pub fn batches(&self) -> MutexGuard<'_, HashMap<String, CodesBatch>> {
        let mut batches = self.batches.lock().unwrap_or_else(|p| p.into_inner());
        let now = SystemTime::now();
        batches.retain(|_, b| b.last_expiry().is_some_and(|t| t > now));
        batches
    }

    /// Keeps a batch with codes; returns its id.
    pub fn insert(&self, batch: CodesBatch) -> String {
        let id = format!("codes-{}", self.next_id.fetch_add(1, Ordering::SeqCst) + 1);
        self.batches().insert(id.clone(), batch);
        id
    }

    /// Drops a batch (its codes are zeroized).
    pub fn remove(&self, id: &str) -> bool {
        self.batches().remove(id).is_some()
    }

    /// How many valid codes would be lost by closing now.
    pub fn unsaved_count(&self) -> usize {
        let now = SystemTime::now();
        self.batches().values().map(|b| b.unsaved(now)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn batch(expires_in: Duration) -> CodesBatch {
        let code = |c: &str| SessionCode {
            code: SecretString::new(c.into()),
            expires_at: SystemTime::now() + expires_in,
            copied: false,
        };
        CodesBatch {
            profile: "p".into(),
            environment: "demo".into(),
            generated_at: "2026-12-02T11:00:00Z".into(),
            merchants: vec![SessionMerchant {
                mid: "shop".into(),
                label: None,
                codes: vec![code("a"), code("b")],
                error: None,
            }],
            downloaded: false,
        }
    }

    #[test]
    fn unsaved_until_copied_or_downloaded() {
        let state = CodesState::default();
        let id = state.insert(batch(Duration::from_secs(3600)));
        assert_eq!(state.unsaved_count(), 2);
        state.batches().get_mut(&id).unwrap().merchants[0].codes[0].copied = true;
        assert_eq!(state.unsaved_count(), 1);
        state.batches().get_mut(&id).unwrap().downloaded = true;
        assert_eq!(state.unsaved_count(), 0);
        assert!(state.remove(&id));
        assert!(!state.remove(&id));
    }

    #[test]
    fn expired_batches_are_dropped() {
        let state = CodesState::default();
        // Expiring now: gone by the time anything looks.
        let gone = state.insert(batch(Duration::ZERO));
        assert!(!state.batches().contains_key(&gone));
        assert_eq!(state.unsaved_count(), 0);
        let one = state.insert(batch(Duration::from_secs(60)));
        let two = state.insert(batch(Duration::from_secs(60)));
        assert_ne!(one, two);
    }
}
