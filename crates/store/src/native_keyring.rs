//! The OS keychain on macOS and Windows, through `keyring` 4: the Keychain and the Credential Manager.
//!
//! keyring's v1 layer opens the platform's store once per process and installs it as keyring-core's
//! default store; we take that store, check that it is the native one (not keyring-core's mock or
//! sample store), and build every entry in it directly.

use crate::error::StoreError;
use crate::keychain::reachability_account;
use crate::os_keychain::{
    classify_platform, denied, keychain_name, locked, manager_app, no_logon_session, unavailable,
};
use crate::paths::APP_ID;
use keyring_core::{CredentialStore, Entry, Error};
use mpos_kms::SecretString;
use std::sync::{Arc, OnceLock};

/// Makes sure the keychain answers: a read of an entry that need not exist. Opening the store contacts
/// nothing here, but a read meets a locked Keychain or a session without Credential Manager.
pub(crate) fn reach() -> Result<(), StoreError> {
    get(&reachability_account()).map(drop)
}

/// Stores the secret of `account`, replacing the one it has.
pub(crate) fn set(account: &str, secret: &SecretString) -> Result<(), StoreError> {
    entry_in(&native_store()?, account)?
        .set_password(secret.expose())
        .map_err(|e| map_error(&e, account))
}

/// Stores the secret of an account that has none yet; the same as [`set`] here.
pub(crate) fn add(account: &str, secret: &SecretString) -> Result<(), StoreError> {
    set(account, secret)
}

/// The secret of `account`, `None` when it has none.
pub(crate) fn get(account: &str) -> Result<Option<SecretString>, StoreError> {
    match entry_in(&native_store()?, account)?.get_password() {
        Ok(value) => Ok(Some(SecretString::new(value))),
        Err(Error::NoEntry) => Ok(None),
        Err(e) => Err(map_error(&e, account)),
    }
}

/// Deletes the secret of `account`; duplicates (e.g. made by another tool) too: deleting means gone.
pub(crate) fn delete(account: &str) -> Result<(), StoreError> {
    match entry_in(&native_store()?, account)?.delete_credential() {
        Ok(()) | Err(Error::NoEntry) => Ok(()),
        Err(Error::Ambiguous(entries)) => {
            entries
                .iter()
                .try_for_each(|e| match e.delete_credential() {
                    Ok(()) | Err(Error::NoEntry) => Ok(()),
                    Err(err) => Err(map_error(&err, account)),
                })
        }
        Err(e) => Err(map_error(&e, account)),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyring_errors_map_to_actionable_variants() {
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
    fn mock_and_sample_stores_are_not_native() {
        assert!(!is_native(
            "Mock store, https://crates.io/crates/keyring-core"
        ));
        assert!(!is_native(
            "Sample store, https://crates.io/crates/keyring-core"
        ));
    }
}
