//! What the app keeps while it runs: the core's `Keygen`, this run's generated keys, and a generate guard.

use mpos_core::{GenerateReport, Keygen};
use mpos_kms::{Environment, IssuedKey};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
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
        }
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
