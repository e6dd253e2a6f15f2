//! Whether `generate` keeps the keys it gets, and the keychain check that can decide it in the background.
//!
//! A pipeline with credentials in the environment needs no keychain to get keys, so an unreachable one must
//! not stop it: its keys are then written out with a warning instead of kept. Asking the keychain (on Linux:
//! connecting to D-Bus, opening a Secret Service session) takes as long as the request itself, and need not
//! wait for it: the check runs on a thread of its own while the request is in flight.

use mpos_store::keychain::SecretStore;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::{self, JoinHandle};

/// Whether `generate` keeps the keys it gets.
#[derive(Clone)]
pub enum Remember {
    /// Decided before the request.
    Now(bool),
    /// Kept if this check, running while the request is in flight, finds the keychain reachable.
    IfReachable(Arc<KeychainCheck>),
}

impl From<bool> for Remember {
    fn from(keep: bool) -> Self {
        Remember::Now(keep)
    }
}

impl Remember {
    /// Whether to keep the keys; waits for a background check that has not answered yet.
    pub fn decide(&self) -> bool {
        match self {
            Remember::Now(keep) => *keep,
            Remember::IfReachable(check) => check.wait().is_ok(),
        }
    }

    /// Why keys were not kept though they were wanted: the keychain check's answer, if it failed.
    pub fn unreachable_reason(&self) -> Option<String> {
        match self {
            Remember::Now(_) => None,
            Remember::IfReachable(check) => check.wait().clone().err(),
        }
    }
}

/// Whether the keychain can keep keys, asked on its own thread; on Linux it leaves the Secret Service
/// session open for the write that follows.
pub struct KeychainCheck {
    running: Mutex<Option<JoinHandle<Result<(), String>>>>,
    answer: OnceLock<Result<(), String>>,
}

impl KeychainCheck {
    /// Starts the check; it runs until the keychain answers or its own timeout ends it.
    pub fn start(secrets: Arc<dyn SecretStore>) -> Self {
        let spawned = thread::Builder::new()
            .name("keychain-check".into())
            .spawn(move || {
                secrets.reach().map_err(|e| {
                    log::debug!("keychain not reachable, keys will not be kept: {e}");
                    e.to_string()
                })
            });
        let check = Self {
            running: Mutex::new(None),
            answer: OnceLock::new(),
        };
        match spawned {
            Ok(handle) => {
                *check.running.lock().unwrap_or_else(PoisonError::into_inner) = Some(handle);
            }
            Err(e) => {
                let _ = check.answer.set(Err(format!(
                    "Could not start a keychain request ({e}). Close some programs and try again."
                )));
            }
        }
        check
    }

    /// The check's answer, waiting for it the first time: `Err` says why the keychain cannot be used.
    pub fn wait(&self) -> &Result<(), String> {
        self.answer.get_or_init(|| {
            let running = self
                .running
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            match running.map(JoinHandle::join) {
                Some(Ok(answer)) => answer,
                _ => Err("The keychain check ended without an answer.".into()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mpos_kms::SecretString;
    use mpos_store::error::StoreError;
    use mpos_store::keychain::MemoryStore;

    /// A keychain that answers every call with "locked", counting the calls.
    #[derive(Default)]
    struct Locked(std::sync::atomic::AtomicUsize);

    impl SecretStore for Locked {
        fn set(&self, _: &str, _: &SecretString) -> Result<(), StoreError> {
            unreachable!("a check only reads")
        }
        fn get(&self, _: &str) -> Result<Option<SecretString>, StoreError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Err(StoreError::KeychainLocked("the keychain is locked".into()))
        }
        fn delete(&self, _: &str) -> Result<(), StoreError> {
            unreachable!("a check only reads")
        }
        fn name(&self) -> String {
            "locked".into()
        }
    }

    #[test]
    fn a_decision_made_up_front_needs_no_keychain() {
        assert!(Remember::from(true).decide());
        assert!(!Remember::from(false).decide());
        assert_eq!(Remember::from(true).unreachable_reason(), None);
    }

    #[test]
    fn a_reachable_keychain_keeps_the_keys() {
        let check = KeychainCheck::start(Arc::new(MemoryStore::new()));
        let reachable = Remember::IfReachable(Arc::new(check));
        assert!(reachable.decide());
        assert_eq!(reachable.unreachable_reason(), None);
    }

    #[test]
    fn an_unreachable_keychain_says_why_and_is_asked_once() {
        let locked = Arc::new(Locked::default());
        let unreachable = Remember::IfReachable(Arc::new(KeychainCheck::start(locked.clone())));
        assert!(!unreachable.decide());
        let reason = unreachable.unreachable_reason().expect("a reason");
        assert!(reason.contains("locked"), "{reason}");
        assert!(!unreachable.decide());
        assert_eq!(locked.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
