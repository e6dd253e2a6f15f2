//! The OS keychain: Secret Service on Linux (our own client, [`crate::secret_service`]), Keychain on macOS
//! and Credential Manager on Windows (through `keyring`, [`crate::native_keyring`]).
//!
//! Every call runs on a helper thread with a timeout: a locked keychain can wait on a prompt forever, and
//! a D-Bus without a keyring daemon can hang for minutes. The platform's words for what went wrong are
//! put into variants a caller can act on here, once for every platform.

use crate::error::StoreError;
use crate::keychain::SecretStore;
use mpos_kms::SecretString;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

#[cfg(not(all(unix, not(target_os = "macos"))))]
use crate::native_keyring as platform;
#[cfg(all(unix, not(target_os = "macos")))]
use crate::secret_service as platform;

/// How long one keychain call may take before it is reported as `KeychainTimeout`.
pub const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Helper threads still blocked after their caller gave up; past this many we fail at once instead
/// of piling up more threads behind a keychain that does not answer.
const MAX_ABANDONED: usize = 4;
static ABANDONED: AtomicUsize = AtomicUsize::new(0);

const RUNNING: u8 = 0;
const FINISHED: u8 = 1;
const GIVEN_UP: u8 = 2;

/// The OS keychain, service [`APP_ID`](crate::paths::APP_ID); no plaintext or in-memory fallback.
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
        self.run(platform::reach)
    }

    fn run<T: Send + 'static>(
        &self,
        op: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
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
                let result = op();
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
        self.run(move || platform::set(&account, &secret))
    }

    fn add(&self, account: &str, secret: &SecretString) -> Result<(), StoreError> {
        let account = checked_account(account)?;
        let secret = secret.clone();
        self.run(move || platform::add(&account, &secret))
    }

    fn get(&self, account: &str) -> Result<Option<SecretString>, StoreError> {
        let account = checked_account(account)?;
        self.run(move || platform::get(&account))
    }

    fn delete(&self, account: &str) -> Result<(), StoreError> {
        let account = checked_account(account)?;
        self.run(move || platform::delete(&account))
    }

    fn reach(&self) -> Result<(), StoreError> {
        self.check()
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

/// Windows' ERROR_NO_SUCH_LOGON_SESSION: a service account, a scheduled task or a remote session without
/// a loaded user profile has no Credential Manager.
pub(crate) fn no_logon_session(detail: &str) -> bool {
    let t = detail.to_lowercase();
    t.contains("logon session") || t.contains("0x80070520") || t.contains("(os error 1312)")
}

pub(crate) fn classify_platform(detail: &str) -> StoreError {
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

pub(crate) fn keychain_name() -> &'static str {
    words::NAME
}

pub(crate) fn manager_app() -> &'static str {
    words::MANAGER
}

pub(crate) fn unavailable(detail: &str) -> StoreError {
    StoreError::KeychainUnavailable(format!("{} (Details: {detail}.)", words::UNAVAILABLE))
}

pub(crate) fn locked(detail: &str) -> StoreError {
    StoreError::KeychainLocked(format!("{} (Details: {detail}.)", words::LOCKED))
}

pub(crate) fn denied(detail: &str) -> StoreError {
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
}
