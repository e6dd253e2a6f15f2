//! Profiles, merchants, settings, CSV import, the OS keychain, the key vault and export files of
//! mPOS Key Generator. Host-independent: used by the CLI and the desktop app alike.
//!
//! Secrets live only in the OS keychain ([`keychain`]); files hold metadata only and are written
//! atomically ([`atomic`]); a file that cannot be parsed is moved aside and reported, never reset.

pub mod atomic;
mod batch;
pub mod codes;
pub mod config;
pub mod csv_import;
pub mod error;
pub mod export;
mod history;
pub mod keychain;
pub mod merchants;
#[cfg(not(all(unix, not(target_os = "macos"))))]
mod native_keyring;
mod os_keychain;
pub mod paths;
pub mod privacy;
pub mod profiles;
mod secret_buf;
#[cfg(all(unix, not(target_os = "macos")))]
mod secret_service;
#[cfg(all(unix, not(target_os = "macos")))]
mod secret_transfer;
pub mod timestamp;
pub mod vault;

pub use codes::{render_codes, CodesExport, CodesFormat, CodesRecord, MerchantCodes};
pub use config::{
    AuthMethod, Config, ConfigStore, Merchant, Profile, ProxySetting, Settings, Theme,
};
pub use csv_import::{parse_merchants_csv, CsvImport, CsvLineError};
pub use error::StoreError;
pub use export::{render, write_export, ExportBatch, ExportFailure, ExportFormat};
pub use keychain::{
    batch_account, key_account, profile_account, MemoryStore, OsKeychain, SecretStore,
};
pub use merchants::ImportSummary;
pub use paths::{Paths, APP_ID};
pub use vault::{KeepReport, NotKept, Vault, VaultEntry};
