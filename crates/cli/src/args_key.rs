//! The `key` commands and `completions` as clap sees them.

use crate::args::{Format, ProfileChoice};
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Shown under `mpos-keygen key --help`.
pub const KEY_HELP: &str = "\
Examples:
  mpos-keygen key status --all --format json
  mpos-keygen key delete af922a42-6d2c-41fd-92f7-09d908647de4
  mpos-keygen key replace acme_store_042 --format env --out acme.env

Keys are found in this computer's history (mpos-keygen history). A deleted key no longer works:
devices that use it stop working. Where Cybersource refuses these calls for a key, do it in the
Business Center (Payment Configuration > Key Management).";

/// Shown under `mpos-keygen completions --help`.
pub const COMPLETIONS_HELP: &str = "\
Examples:
  mpos-keygen completions bash > ~/.local/share/bash-completion/completions/mpos-keygen
  mpos-keygen completions zsh > \"${fpath[1]}/_mpos-keygen\"
  mpos-keygen completions fish > ~/.config/fish/completions/mpos-keygen.fish
  mpos-keygen completions powershell | Out-String | Invoke-Expression   (add it to $PROFILE to keep it)";

/// `mpos-keygen key …`
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Ask Cybersource for keys' status and record it in the history.
    #[command(after_help = "\
Examples:
  mpos-keygen key status af922a42-6d2c-41fd-92f7-09d908647de4
  mpos-keygen key status --merchant acme_store_042 --format json
  mpos-keygen key status --all

--merchant and --all leave out keys already deleted. JSON: {\"keys\": [{\"keyId\", \"cybersourceMerchantId\",
\"status\", \"expirationDate\", \"checkedAt\"}]}; a key not found has \"status\": \"NOT_FOUND\".
Exit codes: 0 every status was read, 1 some keys were not found, 2 bad usage, 3 authentication
refused, 4 network or server error, 5 keychain or file storage error.")]
    Status(StatusArgs),
    /// Delete keys at Cybersource; their secrets leave the keychain, their history lines stay.
    #[command(after_help = "\
Examples:
  mpos-keygen key delete af922a42-6d2c-41fd-92f7-09d908647de4
  mpos-keygen key delete --merchant acme_store_042 --yes

Asks for confirmation on a terminal; without a terminal, --yes is required. Devices that use a
deleted key stop working. Exit codes: 0 all deleted, 1 some not, 2 bad usage, 3 authentication
refused, 4 network or server error, 5 keychain or file storage error.")]
    Delete(DeleteArgs),
    /// Generate a new key per merchant, keep and write it like `generate`, then delete the merchant's
    /// earlier keys of this profile.
    #[command(after_help = "\
Examples:
  mpos-keygen key replace acme_store_042 --format env --out acme.env
  mpos-keygen key replace acme_store_042 acme_store_043 --yes --format csv --out keys.csv

A merchant whose new key fails keeps its earlier keys. Asks for confirmation on a terminal;
without a terminal, --yes is required. Exit codes as for generate; 1 also when an earlier key
could not be deleted.")]
    Replace(ReplaceArgs),
}

/// The formats of `key status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// A table, for reading.
    Text,
    /// `{"keys": [...]}`.
    Json,
}

/// `mpos-keygen key status …`
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["key_ids", "merchant", "all"])))]
pub struct StatusArgs {
    /// The keys' ids.
    #[arg(value_name = "KEYID")]
    pub key_ids: Vec<String>,
    /// Every key of this merchant in the history.
    #[arg(long, value_name = "MID")]
    pub merchant: Option<String>,
    /// Every key in the history (of --profile, when given).
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub profile: ProfileChoice,
    /// How to show the statuses.
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
}

/// `mpos-keygen key delete …`
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["key_ids", "merchant"])))]
pub struct DeleteArgs {
    /// The keys' ids.
    #[arg(value_name = "KEYID")]
    pub key_ids: Vec<String>,
    /// Every key of this merchant in the history that is not deleted yet.
    #[arg(long, value_name = "MID")]
    pub merchant: Option<String>,
    #[command(flatten)]
    pub profile: ProfileChoice,
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `mpos-keygen key replace …`
#[derive(Debug, Args)]
pub struct ReplaceArgs {
    /// The merchants' MIDs.
    #[arg(value_name = "MID", required = true)]
    pub mids: Vec<String>,
    #[command(flatten)]
    pub profile: ProfileChoice,
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// How to write the new keys.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Write to this file (atomically, mode 0600) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace the --out file if it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
}
