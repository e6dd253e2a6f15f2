//! Where the config and the key history live: the OS config/data dirs under the app identifier.

use crate::error::StoreError;
use std::path::{Path, PathBuf};

/// The app identifier: the folder name under the OS dirs, and the keychain service name.
pub const APP_ID: &str = "dev.mposkeygen.desktop";

/// Points both folders at one root folder on every OS (`<root>/config`, `<root>/data`): a portable copy
/// on a USB stick, a build agent, or a test that must not touch the user's own files.
pub const HOME_VAR: &str = "MPOS_KEYGEN_HOME";

/// The two folders the store writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Holds `config.json` (profiles without secrets, merchants, settings).
    pub config_dir: PathBuf,
    /// Holds `history.jsonl` (metadata of generated keys, never a secret).
    pub data_dir: PathBuf,
}

impl Paths {
    /// `MPOS_KEYGEN_HOME` when set (see [`HOME_VAR`]), else the OS dirs: `dirs::config_dir()/APP_ID`
    /// and `dirs::data_dir()/APP_ID` (Linux: `XDG_CONFIG_HOME`/`XDG_DATA_HOME` apply; Windows:
    /// `%APPDATA%`; macOS: `~/Library/Application Support`).
    pub fn from_os() -> Result<Self, StoreError> {
        if let Some(root) = std::env::var_os(HOME_VAR).filter(|v| !v.is_empty()) {
            let root = PathBuf::from(root);
            if !root.is_absolute() {
                return Err(StoreError::InvalidInput(format!(
                    "{HOME_VAR} must be an absolute folder path, not {}. Set it to a full path (for \
                     example D:\\mpos-keygen or /media/usb/mpos-keygen) or unset it.",
                    root.display()
                )));
            }
            return Ok(Self::at(root));
        }
        let missing = |what: &str| {
            StoreError::NotFound(format!(
                "Could not find this user's {what} folder. Set {HOME_VAR} to a folder for mPOS Key \
                 Generator's files (or HOME; on Linux also XDG_CONFIG_HOME / XDG_DATA_HOME) and try again."
            ))
        };
        let config = dirs::config_dir().ok_or_else(|| missing("config"))?;
        let data = dirs::data_dir().ok_or_else(|| missing("data"))?;
        Ok(Self {
            config_dir: config.join(APP_ID),
            data_dir: data.join(APP_ID),
        })
    }

    /// Both folders under one root (`root/config`, `root/data`), for tests and portable setups.
    pub fn at(root: impl AsRef<Path>) -> Self {
        let root = root.as_ref();
        Self {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
        }
    }

    /// `config.json` in the config folder.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.json")
    }

    /// `history.jsonl` in the data folder.
    pub fn history_file(&self) -> PathBuf {
        self.data_dir.join("history.jsonl")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_root_keeps_both_inside() {
        let p = Paths::at("/tmp/x");
        assert_eq!(p.config_file(), PathBuf::from("/tmp/x/config/config.json"));
        assert_eq!(p.history_file(), PathBuf::from("/tmp/x/data/history.jsonl"));
    }

    #[test]
    fn os_dirs_end_with_the_app_id() {
        let p = Paths::from_os().expect("a home folder in the test environment");
        assert!(p.config_dir.ends_with(APP_ID) && p.data_dir.ends_with(APP_ID));
    }
}
