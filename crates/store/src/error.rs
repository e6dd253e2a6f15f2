//! The one error of the store crate: every variant is something a caller can act on.

use std::io;
use std::path::{Path, PathBuf};

/// What went wrong reading or writing profiles, the keychain, the vault or an export file.
///
/// Every message is one or two plain sentences that say what happened and what to do next; none
/// contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The caller's input was refused (a MID, a profile name, a CSV file, an export format, …).
    #[error("{0}")]
    InvalidInput(String),

    /// The profile, merchant or key asked for does not exist.
    #[error("{0}")]
    NotFound(String),

    /// A profile name or MID that must be unique is taken.
    #[error("{0}")]
    Duplicate(String),

    /// No keychain could be reached (no Secret Service, no D-Bus session, no keychain daemon).
    #[error("{0}")]
    KeychainUnavailable(String),

    /// The keychain is locked and must be unlocked first.
    #[error("{0}")]
    KeychainLocked(String),

    /// The keychain refused access (a prompt was dismissed, or the OS denied the app).
    #[error("{0}")]
    KeychainDenied(String),

    /// The keychain did not answer in time; it may be waiting on an unlock prompt.
    #[error("{0}")]
    KeychainTimeout(String),

    /// The value or name is longer than this keychain accepts (Windows Credential Manager limits).
    #[error("{0}")]
    KeychainEntryTooLong(String),

    /// The keychain failed in another way; the message carries its own words.
    #[error("{0}")]
    Keychain(String),

    /// A file could not be parsed; it was moved aside to `backup` (never silently reset).
    #[error(
        "{} could not be read (it is damaged or was edited by hand). It was kept as {} and a fresh \
         file is used from now on; look at the backup to recover what it held.",
        path.display(),
        backup.display()
    )]
    Corrupt {
        /// The file that could not be parsed.
        path: PathBuf,
        /// Where its content was moved.
        backup: PathBuf,
    },

    /// An export would replace an existing file, and replacing was not asked for.
    #[error(
        "{} already exists. Choose another file name, or replace it explicitly (--force).",
        path.display()
    )]
    ExportExists {
        /// The file that exists.
        path: PathBuf,
    },

    /// Reading or writing a file failed.
    #[error("{message}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// What happened and what to do, in words.
        message: String,
    },

    /// Another window or command held the file's lock for longer than we wait.
    #[error(
        "{} is being changed by another mPOS Key Generator window or command. Wait a moment and try \
         again; if this keeps happening, close the other copies of the app.",
        path.display()
    )]
    Busy {
        /// The file whose lock could not be taken.
        path: PathBuf,
    },
}

impl StoreError {
    /// A stable snake_case code for programs and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::InvalidInput(_) => "invalid_input",
            StoreError::NotFound(_) => "not_found",
            StoreError::Duplicate(_) => "duplicate",
            StoreError::KeychainUnavailable(_) => "keychain_unavailable",
            StoreError::KeychainLocked(_) => "keychain_locked",
            StoreError::KeychainDenied(_) => "keychain_denied",
            StoreError::KeychainTimeout(_) => "keychain_timeout",
            StoreError::KeychainEntryTooLong(_) => "keychain_entry_too_long",
            StoreError::Keychain(_) => "keychain_error",
            StoreError::Corrupt { .. } => "corrupt_file",
            StoreError::ExportExists { .. } => "export_exists",
            StoreError::Io { .. } => "io_error",
            StoreError::Busy { .. } => "busy",
        }
    }

    /// True for the keychain variants (the CLI and the UI point at the keychain then).
    pub fn is_keychain(&self) -> bool {
        self.code().starts_with("keychain")
    }

    /// The same kind of error with another message; used to add context (which keys, which file).
    pub(crate) fn with_message(self, message: String) -> StoreError {
        match self {
            StoreError::InvalidInput(_) => StoreError::InvalidInput(message),
            StoreError::NotFound(_) => StoreError::NotFound(message),
            StoreError::Duplicate(_) => StoreError::Duplicate(message),
            StoreError::KeychainUnavailable(_) => StoreError::KeychainUnavailable(message),
            StoreError::KeychainLocked(_) => StoreError::KeychainLocked(message),
            StoreError::KeychainDenied(_) => StoreError::KeychainDenied(message),
            StoreError::KeychainTimeout(_) => StoreError::KeychainTimeout(message),
            StoreError::KeychainEntryTooLong(_) => StoreError::KeychainEntryTooLong(message),
            StoreError::Keychain(_) => StoreError::Keychain(message),
            StoreError::Io { path, .. } => StoreError::Io { path, message },
            other => other,
        }
    }

    /// Maps an I/O error on `path` to a sentence that says what to do; `doing` is e.g. "write".
    pub(crate) fn io(doing: &str, path: &Path, err: &io::Error) -> StoreError {
        let shown = path.display();
        let message = match err.kind() {
            io::ErrorKind::PermissionDenied => format!(
                "Could not {doing} {shown}: permission denied. Choose a folder you can write to, or check \
                 the file's permissions."
            ),
            io::ErrorKind::ReadOnlyFilesystem => format!(
                "Could not {doing} {shown}: the disk is read-only. Choose a folder on a writable disk."
            ),
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => format!(
                "Could not {doing} {shown}: the disk is full. Free some space and try again."
            ),
            io::ErrorKind::NotFound => format!(
                "Could not {doing} {shown}: the folder does not exist. Choose an existing folder."
            ),
            _ => format!("Could not {doing} {shown} ({err}). Check the disk and the file's permissions."),
        };
        StoreError::Io {
            path: path.to_path_buf(),
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_snake_case() {
        let all = [
            StoreError::InvalidInput(String::new()),
            StoreError::NotFound(String::new()),
            StoreError::Duplicate(String::new()),
            StoreError::KeychainUnavailable(String::new()),
            StoreError::KeychainLocked(String::new()),
            StoreError::KeychainDenied(String::new()),
            StoreError::KeychainTimeout(String::new()),
            StoreError::KeychainEntryTooLong(String::new()),
            StoreError::Keychain(String::new()),
            StoreError::Corrupt {
                path: "a".into(),
                backup: "b".into(),
            },
            StoreError::ExportExists { path: "a".into() },
            StoreError::Io {
                path: "a".into(),
                message: String::new(),
            },
            StoreError::Busy { path: "a".into() },
        ];
        let mut seen = std::collections::HashSet::new();
        for e in &all {
            let code = e.code();
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code}"
            );
            assert!(seen.insert(code), "duplicate code {code}");
        }
        assert!(all[3].is_keychain() && !all[0].is_keychain());
    }

    #[test]
    fn io_errors_say_what_to_do() {
        let e = StoreError::io(
            "write",
            Path::new("/x/y"),
            &io::Error::from(io::ErrorKind::PermissionDenied),
        );
        assert!(e.to_string().contains("permission denied"), "{e}");
        assert_eq!(e.code(), "io_error");
    }
}
