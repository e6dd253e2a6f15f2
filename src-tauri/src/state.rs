//! What the app keeps while it runs: the core's `Keygen`, this run's generated keys, and a generate guard.

use mpos_core::{GenerateReport, Keygen};
use mpos_kms::{Environment, IssuedKey};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A key generated in this run. Kept in memory (zeroized on drop) so copy, reveal and export work even when
/// "remember generated keys" is off or the vault could not keep it.
pub struct SessionKey {
    /// The key as Cybersource issued it, secret included.
    pub key: IssuedKey,
    /// The profile it was generated with.
    pub profile: String,
    /// Where it came from (gives TEST/LIVE).
    pub environment: Environment,
    /// When the run finished, RFC 3339 UTC.
    pub generated_at: String,
    /// The vault holds it (secret in the keychain).
    pub stored: bool,
    /// It was written to a file.
    pub exported: bool,
}

impl SessionKey {
    /// Neither stored nor exported: closing the app now would lose it.
    pub fn is_unsaved(&self) -> bool {
        !self.stored && !self.exported
    }
}

/// The app's state, shared by every command.
pub struct AppState {
    /// Profiles, keychain, vault and key generation.
    pub keygen: Keygen,
    session: Mutex<HashMap<String, SessionKey>>,
    generating: AtomicBool,
    quitting: AtomicBool,
    clipboard_generation: AtomicU64,
    started: Instant,
    ready_reported: AtomicBool,
    secrets_at_start: Mutex<Option<JoinHandle<HashMap<String, bool>>>>,
}

/// Held while a generate request runs; dropping it lets the next one start.
pub struct GenerateGuard<'a>(&'a AtomicBool);

impl Drop for GenerateGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl AppState {
    /// Wraps an opened `Keygen`.
    pub fn new(keygen: Keygen) -> Self {
        Self {
            keygen,
            session: Mutex::new(HashMap::new()),
            generating: AtomicBool::new(false),
            quitting: AtomicBool::new(false),
            clipboard_generation: AtomicU64::new(0),
            started: Instant::now(),
            ready_reported: AtomicBool::new(false),
            secrets_at_start: Mutex::new(None),
        }
    }

    /// Starts asking the keychain, on a thread of its own, which profiles have a secret stored, so the
    /// first `app_state` need not: connecting to the keychain (D-Bus and a Secret Service session on Linux)
    /// would otherwise hold back the first screen. Only that first answer is taken from here.
    pub fn check_secrets_in_background(self) -> Self {
        let config = self.keygen.config().clone();
        let secrets = self.keygen.shared_secrets();
        let spawned = std::thread::Builder::new()
            .name("secrets-at-start".into())
            .spawn(move || {
                let Ok(config) = config.load() else {
                    return HashMap::new();
                };
                config
                    .profiles
                    .iter()
                    .map(|p| {
                        let account = mpos_store::keychain::profile_account(&p.name);
                        (p.name.clone(), matches!(secrets.get(&account), Ok(Some(_))))
                    })
                    .collect()
            });
        match spawned {
            Ok(handle) => *lock(&self.secrets_at_start) = Some(handle),
            Err(e) => log::warn!("could not ask the keychain in the background: {e}"),
        }
        self
    }

    /// Which profiles had a secret stored at start, the first time it is asked (waiting for the
    /// background check if it is still running); empty after that, and when there was no such check.
    pub fn take_secrets_at_start(&self) -> HashMap<String, bool> {
        let running = lock(&self.secrets_at_start).take();
        running
            .and_then(|handle| handle.join().ok())
            .unwrap_or_default()
    }

    /// Counts the start-up time from `started` (the start of `run`) instead of from this value's creation.
    pub fn started_at(mut self, started: Instant) -> Self {
        self.started = started;
        self
    }

    /// The time from start to the first screen, the first time the UI reports it; `None` after that (a
    /// reloaded page reports again, but start-up happened once).
    pub fn first_ready(&self) -> Option<Duration> {
        (!self.ready_reported.swap(true, Ordering::SeqCst)).then(|| self.started.elapsed())
    }

    /// Claims the one generate slot; `None` while another generate runs (a double click sends one request).
    pub fn begin_generate(&self) -> Option<GenerateGuard<'_>> {
        self.generating
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .ok()
            .map(|_| GenerateGuard(&self.generating))
    }

    /// This run's keys, locked. A poisoned lock still holds valid keys, so it is used as is.
    pub fn session(&self) -> MutexGuard<'_, HashMap<String, SessionKey>> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps every key of a report in memory for this run.
    pub fn remember(&self, report: &GenerateReport) {
        let mut session = self.session();
        for k in &report.keys {
            session.insert(
                k.key.key_id.clone(),
                SessionKey {
                    key: k.key.clone(),
                    profile: report.profile.clone(),
                    environment: report.environment.clone(),
                    generated_at: report.generated_at.clone(),
                    stored: k.stored,
                    exported: false,
                },
            );
        }
    }

    /// How many keys of this run would be lost by closing now.
    pub fn unsaved_count(&self) -> usize {
        self.session().values().filter(|k| k.is_unsaved()).count()
    }

    /// True once the user confirmed quitting; the close guard then lets the window go.
    pub fn is_quitting(&self) -> bool {
        self.quitting.load(Ordering::SeqCst)
    }

    /// Marks that the user confirmed quitting.
    pub fn set_quitting(&self) {
        self.quitting.store(true, Ordering::SeqCst);
    }

    /// Starts a new clipboard copy; an older scheduled clear sees a newer number and leaves the clipboard alone.
    pub fn next_clipboard_generation(&self) -> u64 {
        self.clipboard_generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The number of the latest clipboard copy.
    pub fn clipboard_generation(&self) -> u64 {
        self.clipboard_generation.load(Ordering::SeqCst)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mpos_kms::SecretString;
    use mpos_store::config::{AuthMethod, Profile};
    use mpos_store::keychain::{profile_account, MemoryStore, SecretStore};
    use mpos_store::paths::Paths;
    use std::sync::Arc;

    #[test]
    fn which_profiles_have_a_secret_is_read_in_the_background_and_handed_out_once() {
        let root = tempfile::tempdir().unwrap();
        let secrets = Arc::new(MemoryStore::new());
        let keygen = Keygen::new(Paths::at(root.path()), secrets.clone());
        let shared = |name: &str| {
            Profile::new(
                name,
                "test",
                AuthMethod::SharedSecret {
                    key_id: "08c94330-f618-42a3-b09d-e1e43be5efda".into(),
                },
            )
        };
        keygen
            .config()
            .update(|c| {
                c.add_profile(shared("with secret"))?;
                c.add_profile(shared("without"))
            })
            .unwrap();
        secrets
            .set(
                &profile_account("with secret"),
                &SecretString::new("c2VjcmV0".into()),
            )
            .unwrap();

        let state = AppState::new(keygen).check_secrets_in_background();
        let at_start = state.take_secrets_at_start();
        assert_eq!(
            at_start,
            HashMap::from([("with secret".into(), true), ("without".into(), false)])
        );
        // Later answers must come from the keychain itself, which may have changed since.
        assert!(state.take_secrets_at_start().is_empty());
    }

    #[test]
    fn without_a_background_check_nothing_is_known_at_start() {
        let root = tempfile::tempdir().unwrap();
        let keygen = Keygen::new(Paths::at(root.path()), Arc::new(MemoryStore::new()));
        assert!(AppState::new(keygen).take_secrets_at_start().is_empty());
    }
}
