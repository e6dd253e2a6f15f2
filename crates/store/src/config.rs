//! `config.json`: profiles (no secrets), their merchants, and settings, shared by the app and the CLI.
//!
//! The file is versioned (`"version": 1`), tolerant (unknown fields are ignored, missing ones take their
//! defaults) and never silently reset: a file that cannot be parsed is moved aside and reported.

use crate::atomic::{self, FileLock};
use crate::error::StoreError;
use crate::paths::Paths;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use crate::profiles::{AuthMethod, Merchant, Profile};

/// The config format this build writes.
pub const CONFIG_VERSION: u32 = 1;

/// Everything in `config.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Config {
    /// The file format version; see [`CONFIG_VERSION`].
    pub version: u32,
    /// Named connections, in the order the user made them.
    pub profiles: Vec<Profile>,
    /// App-wide preferences.
    pub settings: Settings,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            version: CONFIG_VERSION,
            profiles: Vec::new(),
            settings: Settings::default(),
        }
    }
}

/// App-wide preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Light, dark, or follow the OS.
    pub theme: Theme,
    /// Seconds after which a copied secret is cleared from the clipboard; 0 = never.
    pub clipboard_clear_secs: u32,
    /// How requests reach Cybersource.
    pub proxy: ProxySetting,
    /// Keep generated keys in the vault (keychain + history).
    pub remember_keys: bool,
    /// The profile selected last, to preselect it next time.
    pub last_profile: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            theme: Theme::System,
            clipboard_clear_secs: 60,
            proxy: ProxySetting::System,
            remember_keys: true,
            last_profile: None,
        }
    }
}

/// The longest clipboard auto-clear delay we accept (one day).
pub const MAX_CLIPBOARD_CLEAR_SECS: u32 = 86_400;

impl Settings {
    /// Checks values a user typed: the clipboard delay and a proxy URL.
    pub fn validate(&self) -> Result<(), StoreError> {
        if self.clipboard_clear_secs > MAX_CLIPBOARD_CLEAR_SECS {
            return Err(StoreError::InvalidInput(format!(
                "Clipboard auto-clear is {} seconds; use at most {MAX_CLIPBOARD_CLEAR_SECS} (one day), or 0 \
                 for never.",
                self.clipboard_clear_secs
            )));
        }
        if let ProxySetting::Url(raw) = &self.proxy {
            proxy_problem(raw).map_or(Ok(()), |why| Err(StoreError::InvalidInput(why)))?;
        }
        Ok(())
    }
}

fn proxy_problem(raw: &str) -> Option<String> {
    let example = "e.g. http://proxy.example.com:3128";
    let url = match url::Url::parse(raw.trim()) {
        Ok(u) => u,
        Err(e) => {
            return Some(format!(
                "\"{raw}\" is not a proxy URL ({e}); enter one like {example}."
            ))
        }
    };
    if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") {
        return Some(format!(
            "The proxy URL must start with http://, https:// or socks5:// ({example})."
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Some(format!(
            "The proxy URL has no host name; enter one like {example}."
        ));
    }
    None
}

/// The colour theme. Unknown words in the file (from a newer version) read as `System`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", from = "String", into = "String")]
pub enum Theme {
    /// Follow the OS's light/dark setting.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl From<String> for Theme {
    fn from(s: String) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        }
    }
}

impl From<Theme> for String {
    fn from(t: Theme) -> Self {
        match t {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
        .to_string()
    }
}

/// How requests reach Cybersource; in JSON `{"mode":"system"}`, `{"mode":"none"}` or
/// `{"mode":"url","url":"http://proxy:3128"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "mode", content = "url", rename_all = "lowercase")]
pub enum ProxySetting {
    /// The OS / `HTTPS_PROXY` and `NO_PROXY` variables.
    #[default]
    System,
    /// Direct connections, even when a proxy is configured in the environment.
    None,
    /// This proxy.
    Url(String),
}

/// Reads and changes `config.json`; every change is locked, re-read, applied and saved atomically.
#[derive(Debug, Clone)]
pub struct ConfigStore {
    path: PathBuf,
}

impl ConfigStore {
    /// The store for `paths.config_file()`; nothing is read or created yet.
    pub fn new(paths: &Paths) -> Self {
        Self {
            path: paths.config_file(),
        }
    }

    /// The file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the config; a missing file gives the defaults.
    ///
    /// A file that cannot be parsed is moved aside as `config.json.corrupt-<UTC time>` and
    /// `StoreError::Corrupt` is returned; the next load starts from the defaults.
    pub fn load(&self) -> Result<Config, StoreError> {
        match self.read()? {
            Read::Parsed(config) => Ok(config),
            Read::Missing => Ok(Config::default()),
            Read::Unparsable => {
                // Only move the file under the lock: a writer may have just replaced it with a good one.
                let _lock = self.lock()?;
                self.load_locked()
            }
        }
    }

    /// Applies `change` to the current config and saves it, under the lock, so that concurrent
    /// changes from other windows or commands are never lost. Nothing is saved when `change` fails.
    pub fn update<T>(
        &self,
        change: impl FnOnce(&mut Config) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let _lock = self.lock()?;
        let mut config = self.load_locked()?;
        if config.version > CONFIG_VERSION {
            return Err(StoreError::InvalidInput(format!(
                "{} was written by a newer version of mPOS Key Generator (format {}). Update this app \
                 before changing profiles or settings.",
                self.path.display(),
                config.version
            )));
        }
        let result = change(&mut config)?;
        config.version = CONFIG_VERSION;
        let mut json = serde_json::to_vec_pretty(&config).map_err(|e| StoreError::Io {
            path: self.path.clone(),
            message: format!("Could not encode the settings ({e}); please report this as a bug."),
        })?;
        json.push(b'\n');
        atomic::write_atomic(&self.path, &json)?;
        Ok(result)
    }

    fn lock(&self) -> Result<FileLock, StoreError> {
        if let Some(dir) = self.path.parent() {
            atomic::ensure_private_dir(dir)?;
        }
        FileLock::acquire(&self.path)
    }

    fn load_locked(&self) -> Result<Config, StoreError> {
        match self.read()? {
            Read::Parsed(config) => Ok(config),
            Read::Missing => Ok(Config::default()),
            Read::Unparsable => {
                let backup = atomic::move_aside(&self.path)?;
                log::warn!("unreadable config moved to {}", backup.display());
                Err(StoreError::Corrupt {
                    path: self.path.clone(),
                    backup,
                })
            }
        }
    }

    fn read(&self) -> Result<Read, StoreError> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Read::Missing),
            Err(e) => return Err(StoreError::io("read", &self.path, &e)),
        };
        Ok(match parse_config(&bytes) {
            Ok(config) => Read::Parsed(config),
            Err(e) => {
                log::warn!("{} is not valid: {e}", self.path.display());
                Read::Unparsable
            }
        })
    }
}

/// Parses the bytes of a `config.json` exactly as [`ConfigStore::load`] does: a UTF-8 BOM is allowed,
/// unknown fields are ignored, missing ones take their defaults. `Err` carries the parser's message.
pub fn parse_config(bytes: &[u8]) -> Result<Config, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice::<Config>(bytes).map_err(|e| e.to_string())
}

enum Read {
    Parsed(Config),
    Missing,
    Unparsable,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_fields_are_missing_and_unknown_ones_are_ignored() {
        let c: Config = serde_json::from_str(
            r#"{"version":1,"futureField":[1,2],"settings":{"theme":"dark","alsoNew":true}}"#,
        )
        .unwrap();
        assert_eq!(c.settings.theme, Theme::Dark);
        assert_eq!(c.settings.clipboard_clear_secs, 60);
        assert!(c.settings.remember_keys);
        assert_eq!(c.settings.proxy, ProxySetting::System);
        assert!(c.profiles.is_empty());
        let t: Settings = serde_json::from_str(r#"{"theme":"high-contrast"}"#).unwrap();
        assert_eq!(t.theme, Theme::System);
    }

    #[test]
    fn settings_json_shape() {
        let s = Settings {
            theme: Theme::Light,
            clipboard_clear_secs: 0,
            proxy: ProxySetting::Url("http://proxy:3128".into()),
            remember_keys: false,
            last_profile: Some("Shop".into()),
        };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"theme":"light","clipboardClearSecs":0,
                "proxy":{"mode":"url","url":"http://proxy:3128"},"rememberKeys":false,"lastProfile":"Shop"})
        );
        let none: ProxySetting = serde_json::from_str(r#"{"mode":"none"}"#).unwrap();
        assert_eq!(none, ProxySetting::None);
        assert_eq!(serde_json::from_value::<Settings>(v).unwrap(), s);
    }

    #[test]
    fn settings_validation() {
        let mut s = Settings::default();
        assert!(s.validate().is_ok());
        s.proxy = ProxySetting::Url("proxy.example.com".into());
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("not a proxy URL"));
        s.proxy = ProxySetting::Url("ftp://proxy.example.com".into());
        assert!(s.validate().is_err());
        s.proxy = ProxySetting::Url("socks5://127.0.0.1:1080".into());
        assert!(s.validate().is_ok());
        s.clipboard_clear_secs = MAX_CLIPBOARD_CLEAR_SECS + 1;
        assert!(s.validate().is_err());
    }
}
