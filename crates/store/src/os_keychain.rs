//! The OS keychain through `keyring` 4: Secret Service on Linux, Keychain on macOS, Credential Manager
//! on Windows.
//!
//! keyring's v1 layer opens the platform's store once per process and installs it as keyring-core's
//! default store; we take that store, check that it is the native one (not keyring-core's mock or
//! sample store), and build every entry in it directly. Every call runs on a helper thread with a
//! timeout: a locked keychain can wait on a prompt forever, and a D-Bus without a keyring daemon can
//! hang for minutes.

use crate::error::StoreError;
use crate::keychain::SecretStore;
use crate::paths::APP_ID;
use keyring_core::{CredentialStore, Entry, Error};
use mpos_kms::SecretString;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, OnceLock};
use std::thread;
use std::time::Duration;

/// How long one keychain call may take before it is reported as `KeychainTimeout`.
pub const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Helper threads still blocked after their caller gave up; past this many we fail at once instead
/// of piling up more threads behind a keychain that does not answer.
const MAX_ABANDONED: usize = 4;
static ABANDONED: AtomicUsize = AtomicUsize::new(0);

const RUNNING: u8 = 0;
const FINISHED: u8 = 1;
const GIVEN_UP: u8 = 2;

/// The OS keychain, service [`APP_ID`]; no plaintext or in-memory fallback.
#[derive(Debug, Clone)]
pub struct OsKeychain {
    timeout: Duration,
}

impl Default for OsKeychain {
    fn default() -> Self {
        Self::new()
    }
}

impl OsKeychain {
    /// The OS keychain with the default timeout; nothing is contacted until the first call.
    pub fn new() -> Self {
        Self::with_timeout(KEYCHAIN_TIMEOUT)
    }

    /// The OS keychain with another per-call timeout.
    pub fn with_timeout(timeout: Duration) -> Self {
        Self { timeout }
    }

    /// Reaches the keychain without reading anything, to report problems early (e.g. at start-up).
    pub fn check(&self) -> Result<(), StoreError> {
        self.run(|_| Ok(()))
    }

    fn run<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Arc<CredentialStore>) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        if ABANDONED.load(Ordering::SeqCst) >= MAX_ABANDONED {
            return Err(timeout_error(self.timeout));
        }
        let (tx, rx) = mpsc::channel();
        let state = Arc::new(AtomicU8::new(RUNNING));
        let thread_state = state.clone();
        let spawned = thread::Builder::new()
            .name("keychain".into())
            .spawn(move || {
                let result = native_store().and_then(|store| op(&store));
                let _ = tx.send(result);
                if thread_state
                    .compare_exchange(RUNNING, FINISHED, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    ABANDONED.fetch_sub(1, Ordering::SeqCst);
                }
            });
        if let Err(e) = spawned {
            return Err(StoreError::Keychain(format!(
                "Could not start a keychain request ({e}). Close some programs and try again."
            )));
        }
        match rx.recv_timeout(self.timeout) {
            Ok(result) => result,
            Err(_) => {
                // Count first, so the helper's decrement can never run before this increment.
                ABANDONED.fetch_add(1, Ordering::SeqCst);
                if state
                    .compare_exchange(RUNNING, GIVEN_UP, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    return Err(timeout_error(self.timeout));
                }
                ABANDONED.fetch_sub(1, Ordering::SeqCst);
                rx.recv()
                    .unwrap_or_else(|_| Err(timeout_error(self.timeout)))
            }
        }
    }
}

impl SecretStore for OsKeychain {
    fn set(&self, account: &str, secret: &SecretString) -> Result<(), StoreError> {
        let account = checked_account(account)?;
        let secret = secret.clone();
        self.run(move |store| {
            let entry = entry_in(store, &account)?;
            entry
                .set_password(secret.expose())
                .map_err(|e| map_error(&e, &account))
        })
    }

    fn get(&self, account: &str) -> Result<Option<SecretString>, StoreError> {
        let account = checked_account(account)?;
        self.run(move |store| {
            let entry = entry_in(store, &account)?;
            match entry.get_password() {
                Ok(value) => Ok(Some(SecretString::new(value))),
                Err(Error::NoEntry) => Ok(None),
                Err(e) => Err(map_error(&e, &account)),
            }
        })
    }

    fn delete(&self, account: &str) -> Result<(), StoreError> {
        let account = checked_account(account)?;
        self.run(move |store| {
            let entry = entry_in(store, &account)?;
            match entry.delete_credential() {
                Ok(()) | Err(Error::NoEntry) => Ok(()),
                // Duplicates (e.g. made by another tool) are all removed: deleting means gone.
                Err(Error::Ambiguous(entries)) => {
                    entries
                        .iter()
                        .try_for_each(|e| match e.delete_credential() {
                            Ok(()) | Err(Error::NoEntry) => Ok(()),
                            Err(err) => Err(map_error(&err, &account)),
                        })
                }
                Err(e) => Err(map_error(&e, &account)),
            }
        })
    }

    fn name(&self) -> String {
        keychain_name().to_string()
    }
}

fn checked_account(account: &str) -> Result<String, StoreError> {
    if account.is_empty() || account.chars().any(char::is_control) {
        return Err(StoreError::InvalidInput(
            "The keychain entry name is empty or contains a control character.".into(),
        ));
    }
    Ok(account.to_string())
}

fn entry_in(store: &Arc<CredentialStore>, account: &str) -> Result<Entry, StoreError> {
    Entry::new_in_store(store, APP_ID, account).map_err(|e| map_error(&e, account))
}

/// The platform's store, once it is known to be the native one.
fn native_store() -> Result<Arc<CredentialStore>, StoreError> {
    static NATIVE: OnceLock<Arc<CredentialStore>> = OnceLock::new();
    if let Some(store) = NATIVE.get() {
        return Ok(store.clone());
    }
    if let Err(e) = keyring::Entry::store_status() {
        return Err(unavailable(&e.to_string()));
    }
    let store =
        keyring_core::get_default_store().ok_or_else(|| unavailable("no default store was set"))?;
    let vendor = store.vendor();
    if !is_native(&vendor) {
        return Err(StoreError::KeychainUnavailable(format!(
            "This program is set up to keep secrets in \"{vendor}\" instead of the OS keychain, which would \
             lose them when it ends. Please report this as a bug."
        )));
    }
    Ok(NATIVE.get_or_init(|| store).clone())
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn is_native(vendor: &str) -> bool {
    vendor.contains("Secret Service")
}

#[cfg(not(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
)))]
fn is_native(vendor: &str) -> bool {
    !(vendor.starts_with("Mock") || vendor.starts_with("Sample"))
}

/// Maps a keyring error to the variant a caller can act on, with the platform's words as detail.
fn map_error(err: &Error, account: &str) -> StoreError {
    match err {
        Error::NoStorageAccess(e) => {
            let detail = e.to_string();
            if detail.contains("result not returned") {
                // secret-service's NoResult: there is no default collection (no login keyring yet).
                unavailable(&format!("the Secret Service has no default keyring; {detail}"))
            } else if no_logon_session(&detail) {
                unavailable(&detail)
            } else if detail.to_lowercase().contains("lock") {
                locked(&detail)
            } else {
                denied(&detail)
            }
        }
        Error::PlatformFailure(e) => classify_platform(&e.to_string()),
        Error::NoDefaultStore => unavailable("no keychain store could be opened"),
        Error::TooLong(what, limit) => {
            let advice = if what.contains("password") || what.contains("secret") {
                "Check that only the secret was pasted, without extra text."
            } else {
                "Use a shorter profile name."
            };
            StoreError::KeychainEntryTooLong(format!(
                "The {what} of keychain entry \"{account}\" is longer than {} accepts (at most {limit}). \
                 {advice}",
                keychain_name()
            ))
        }
        Error::Invalid(what, reason) => {
            StoreError::InvalidInput(format!("{} refused the {what}: {reason}.", keychain_name()))
        }
        Error::BadEncoding(_) => StoreError::Keychain(format!(
            "Keychain entry \"{account}\" does not hold text. Delete it with {} and save the secret again.",
            manager_app()
        )),
        Error::Ambiguous(items) => StoreError::Keychain(format!(
            "{} keychain entries are called \"{account}\". Delete the extra ones with {} and try again.",
            items.len(),
            manager_app()
        )),
        Error::NoEntry => StoreError::NotFound(format!("No keychain entry \"{account}\".")),
        other => StoreError::Keychain(format!(
            "{} failed ({other}). Try again; if it keeps failing, restart the computer.",
            keychain_name()
        )),
    }
}

/// Windows' ERROR_NO_SUCH_LOGON_SESSION: a service account, a scheduled task or a remote session without
/// a loaded user profile has no Credential Manager.
fn no_logon_session(detail: &str) -> bool {
    let t = detail.to_lowercase();
    t.contains("logon session") || t.contains("0x80070520") || t.contains("(os error 1312)")
}

fn classify_platform(detail: &str) -> StoreError {
    let t = detail.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&[
        "islocked",
        "is locked",
        "object locked",
        "-25308",
        "interaction not allowed",
    ]) {
        locked(detail)
    } else if has(&[
        "prompt dismissed",
        "denied",
        "notauthorized",
        "not authorized",
        "-25293",
        "-128",
    ]) {
        denied(detail)
    } else if no_logon_session(detail)
        || has(&[
            "no secret service",
            "unavailable",
            "autolaunch",
            "serviceunknown",
            "not provided by any",
            "no such file",
            "connection refused",
            "address",
            "nosuchobject",
            "no such object",
            "i/o error",
            "-25294",
            "-25300",
        ])
    {
        unavailable(detail)
    } else {
        StoreError::Keychain(format!(
            "{} failed ({detail}). Try again; if it keeps failing, restart the keychain or the computer.",
            keychain_name()
        ))
    }
}

fn timeout_error(timeout: Duration) -> StoreError {
    StoreError::KeychainTimeout(format!(
        "{} did not answer within {} s. It may be waiting for you to unlock it: look for a password \
         prompt, unlock the keychain, and try again.",
        keychain_name(),
        (timeout.as_millis() as f64 / 1000.0)
    ))
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
mod words {
    pub const NAME: &str = "Secret Service (GNOME Keyring / KWallet)";
    pub const MANAGER: &str = "Passwords and Keys (Seahorse) or KWalletManager";
    pub const UNAVAILABLE: &str = "No keychain could be reached. Install and unlock GNOME Keyring or \
        KWallet; on a server, run inside a D-Bus session with gnome-keyring-daemon (e.g. dbus-run-session, \
        then echo -n PASSWORD | gnome-keyring-daemon --unlock). Then start mPOS Key Generator again.";
    pub const LOCKED: &str =
        "The keyring is locked. Unlock it (log in again, or open Passwords and Keys) \
        and try again.";
    pub const DENIED: &str =
        "The keyring refused access (the unlock prompt was dismissed or access was \
        denied). Try again and allow access when asked.";
}

#[cfg(target_os = "macos")]
mod words {
    pub const NAME: &str = "macOS Keychain";
    pub const MANAGER: &str = "Keychain Access";
    pub const UNAVAILABLE: &str =
        "The macOS Keychain could not be reached. Open Keychain Access, make sure \
        your login keychain exists and is unlocked, then try again.";
    pub const LOCKED: &str =
        "Your login keychain is locked. Unlock it in Keychain Access and try again.";
    pub const DENIED: &str =
        "macOS denied access to the keychain. Try again and click Allow when asked.";
}

#[cfg(not(any(
    target_os = "macos",
    all(unix, not(any(target_os = "ios", target_os = "android")))
)))]
mod words {
    pub const NAME: &str = "Windows Credential Manager";
    pub const MANAGER: &str = "Credential Manager (Control Panel)";
    pub const UNAVAILABLE: &str =
        "Windows Credential Manager could not be reached. Check that the \
        Credential Manager service is running, then try again.";
    pub const LOCKED: &str =
        "Windows Credential Manager is not available in this session. Log in again \
        and try again.";
    pub const DENIED: &str =
        "Windows denied access to Credential Manager. Run the app as the user who \
        owns the credentials and try again.";
}

fn keychain_name() -> &'static str {
    words::NAME
}

fn manager_app() -> &'static str {
    words::MANAGER
}

fn unavailable(detail: &str) -> StoreError {
    StoreError::KeychainUnavailable(format!("{} (Details: {detail}.)", words::UNAVAILABLE))
}

fn locked(detail: &str) -> StoreError {
    StoreError::KeychainLocked(format!("{} (Details: {detail}.)", words::LOCKED))
}

fn denied(detail: &str) -> StoreError {
    StoreError::KeychainDenied(format!("{} (Details: {detail}.)", words::DENIED))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_texts_map_to_actionable_variants() {
        let cases = [
            ("zbus error: I/O error: No such file or directory (os error 2)", "keychain_unavailable"),
            ("no secret service provider or dbus session found", "keychain_unavailable"),
            ("org.freedesktop.DBus.Error.ServiceUnknown: The name was not provided by any .service files", "keychain_unavailable"),
            ("org.freedesktop.Secret.Error.IsLocked: Cannot create an item in a locked collection", "keychain_locked"),
            ("SS error: prompt dismissed", "keychain_denied"),
            ("something else entirely", "keychain_error"),
            ("A specified logon session does not exist. It may already have been terminated. (0x80070520)", "keychain_unavailable"),
        ];
        for (text, code) in cases {
            assert_eq!(classify_platform(text).code(), code, "{text}");
        }
        // Windows' ERROR_NO_SUCH_LOGON_SESSION (1312), as the Credential Manager store reports it.
        let no_session = Error::NoStorageAccess(Box::new(std::io::Error::from_raw_os_error(1312)));
        assert_eq!(
            map_error(&no_session, "profile:x").code(),
            "keychain_unavailable"
        );
        let too_long = map_error(&Error::TooLong("target name".into(), 32767), "profile:x");
        assert_eq!(too_long.code(), "keychain_entry_too_long");
        assert!(too_long.to_string().contains("shorter"));
    }

    #[test]
    fn unavailable_says_how_to_fix() {
        let e = unavailable("x");
        #[cfg(target_os = "linux")]
        assert!(e.to_string().contains("GNOME Keyring or KWallet"), "{e}");
        #[cfg(windows)]
        assert!(e.to_string().contains("Credential Manager service"), "{e}");
        assert_eq!(e.code(), "keychain_unavailable");
        assert!(timeout_error(Duration::from_secs(10))
            .to_string()
            .contains("10 s"));
    }

    #[test]
    fn mock_and_sample_stores_are_not_native() {
        assert!(!is_native(
            "Mock store, https://crates.io/crates/keyring-core"
        ));
        assert!(!is_native(
            "Sample store, https://crates.io/crates/keyring-core"
        ));
    }
}
