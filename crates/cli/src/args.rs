//! The command line as clap sees it: every command, flag and help text, nothing else.

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use mpos_emulator::Fault;
use std::path::PathBuf;

const TOP_EXAMPLES: &str = "\
Examples:
  mpos-keygen emulator --port 8089
  printf %s \"$SECRET\" | mpos-keygen profile add acme --env test --key-id 08c94330-f618-42a3-b09d-e1e43be5efda
  printf %s \"$P12_PASSWORD\" | mpos-keygen profile add acme --env test --p12 acme.p12 --org acme_mid
  mpos-keygen merchant add acme_store_042 --label \"Acme, Berlin\"
  mpos-keygen generate acme_store_042 --format env

Without a profile, `generate` reads MPOS_KEYGEN_ENV, MPOS_KEYGEN_KEY_ID, MPOS_KEYGEN_SECRET,
MPOS_KEYGEN_ORG and MPOS_KEYGEN_META_KEY=1. MPOS_KEYGEN_HOME=FOLDER keeps the profiles and the
history in FOLDER (a portable copy, a build agent) instead of the user's app folders.

Exit codes: 0 every key generated, 1 some merchants failed (the rest are still written),
2 bad usage or input, 3 authentication refused, 4 network or server error,
5 keychain or file storage error, 130 stopped with Ctrl-C (keys issued before are kept and written).";

/// mpos-keygen: generate mposUi "Acceptance Devices Secret Keys" with Cybersource's key management API.
#[derive(Debug, Parser)]
#[command(name = "mpos-keygen", version, about, after_help = TOP_EXAMPLES, arg_required_else_help = true)]
pub struct Cli {
    /// Log what happens (debug level) to stderr. Secrets are never logged.
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list, show, remove and test connection profiles.
    #[command(subcommand, after_help = "Example:\n  mpos-keygen profile list")]
    Profile(ProfileCommand),
    /// Keep the merchants (MIDs) of a profile.
    #[command(
        subcommand,
        after_help = "Example:\n  mpos-keygen merchant add acme_store_042 --label \"Acme, Berlin\""
    )]
    Merchant(MerchantCommand),
    /// Generate secret keys for one or more merchants and export them.
    Generate(GenerateArgs),
    /// Make one-time device activation codes (Acceptance Devices app, iOS Tap to Pay) for merchants.
    ActivationCodes(ActivationCodesArgs),
    /// List the generated keys kept in the history (never their secrets), then the activation codes made.
    #[command(after_help = "Example:\n  mpos-keygen history --profile acme --format json")]
    History(HistoryArgs),
    /// After a key is issued: check its status at Cybersource, delete it, replace it.
    #[command(subcommand, after_help = crate::args_key::KEY_HELP)]
    Key(crate::args_key::KeyCommand),
    /// Print a shell completion script: bash, zsh, fish or powershell.
    #[command(after_help = crate::args_key::COMPLETIONS_HELP)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. for `man -l -`.
    #[command(hide = true)]
    Manpage,
    /// Run the built-in KMS emulator in the foreground, for trials and tests (Ctrl-C stops it).
    #[command(
        after_help = "Examples:\n  mpos-keygen emulator --port 8089\n  mpos-keygen emulator --fault 5xx-once\n  \
mpos-keygen emulator --certificate merchant.pem --certificate-org acme_mid\n\n\
--certificate makes the emulator also accept requests signed with that REST certificate's private key\n\
(a profile added with --p12), for the merchant, account or portfolio id given by --certificate-org."
    )]
    Emulator(EmulatorArgs),
}

/// `mpos-keygen profile …`
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Add a profile, or replace one of the same name.
    ///
    /// Give either --key-id (REST shared secret) or --p12 (REST certificate). The shared secret or the
    /// .p12 password is read from stdin, or asked for without echo on a terminal; it is never an
    /// argument, so it stays out of shell history and process listings.
    #[command(after_help = "\
Examples:
  printf %s \"$SECRET\" | mpos-keygen profile add acme --env test --key-id 08c94330-f618-42a3-b09d-e1e43be5efda
  printf %s \"$P12_PASSWORD\" | mpos-keygen profile add acme --env test --p12 acme.p12 --org acme_mid

The credential comes from the Business Center: Payment Configuration > Key Management >
Generate Key > \"REST – Shared Secret\" (a key id and its secret) or \"REST – Certificate\" (a .p12
file and the password set for it). A certificate is chosen by --key-alias, its subject CN, which
defaults to --org, else to the merchant being generated. The .p12 file stays where it is; only its
path is kept, and its password goes to the OS keychain. For a portfolio or account (meta) key, add
--meta-key and --org with the portfolio or account id.")]
    Add(ProfileAddArgs),
    /// List the profiles.
    #[command(after_help = "Example:\n  mpos-keygen profile list")]
    List,
    /// Show one profile's settings (never its secret).
    #[command(after_help = "Example:\n  mpos-keygen profile show acme")]
    Show {
        /// The profile's name.
        name: String,
    },
    /// Remove a profile and its stored secret.
    #[command(after_help = "Example:\n  mpos-keygen profile remove acme")]
    Remove {
        /// The profile's name.
        name: String,
    },
    /// Check the profile's credentials with a signed call that cannot issue a key.
    #[command(after_help = "Example:\n  mpos-keygen profile test acme")]
    Test {
        /// The profile's name.
        name: String,
    },
}

/// `mpos-keygen profile add …`
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("credential").required(true).args(["key_id", "p12"])))]
pub struct ProfileAddArgs {
    /// The profile's name.
    pub name: String,
    /// test, production, visa-test, visa-production, demo, or a base URL (https://…, or http:// to this computer).
    #[arg(long = "env", value_name = "ENV")]
    pub environment: String,
    /// REST shared secret: the key id (the secret is read from stdin or asked for).
    #[arg(long, value_name = "ID")]
    pub key_id: Option<String>,
    /// REST certificate: the .p12 file (its password is read from stdin or asked for).
    #[arg(long, value_name = "FILE")]
    pub p12: Option<PathBuf>,
    /// The subject CN of the certificate to use in the .p12 (default: --org, else the merchant being generated).
    #[arg(long, value_name = "A", requires = "p12", conflicts_with = "key_id")]
    pub key_alias: Option<String>,
    /// The id that owns the key: a MID, or the portfolio/account id of a meta key.
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
    /// The key is a meta key of a portfolio or account (needs --org).
    #[arg(long, requires = "org")]
    pub meta_key: bool,
}

/// `mpos-keygen merchant …`
#[derive(Debug, Subcommand)]
pub enum MerchantCommand {
    /// Add a merchant (or change its label).
    #[command(
        after_help = "Example:\n  mpos-keygen merchant add acme_store_042 --label \"Acme, Berlin\" --profile acme"
    )]
    Add {
        /// The Cybersource merchant id: 1-30 of A-Z a-z 0-9 _.
        mid: String,
        /// A friendly name.
        #[arg(long, value_name = "L")]
        label: Option<String>,
        #[command(flatten)]
        profile: ProfileChoice,
    },
    /// List the merchants.
    #[command(after_help = "Example:\n  mpos-keygen merchant list --profile acme")]
    List {
        #[command(flatten)]
        profile: ProfileChoice,
    },
    /// Remove a merchant.
    #[command(after_help = "Example:\n  mpos-keygen merchant remove acme_store_042")]
    Remove {
        /// The merchant's MID.
        mid: String,
        #[command(flatten)]
        profile: ProfileChoice,
    },
    /// Import merchants from a CSV file of `mid,label` lines (header optional).
    #[command(after_help = "\
Example:
  mpos-keygen merchant import stores.csv --only-good

Without --only-good, a file with any bad line is refused as a whole and nothing is added.")]
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Add the good lines and skip the bad ones (each reported on stderr).
        #[arg(long)]
        only_good: bool,
        #[command(flatten)]
        profile: ProfileChoice,
    },
}

/// `--profile P`, defaulting to the only profile or the one used last.
#[derive(Debug, Args, Clone, Default)]
pub struct ProfileChoice {
    /// The profile to use (default: the only profile, or the one used last).
    #[arg(long, value_name = "P")]
    pub profile: Option<String>,
}

/// The export formats of `generate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// JSON document (`mpos-keygen/1`), every key and every error.
    Json,
    /// CSV, one line per merchant.
    Csv,
    /// MPOSUI_* variables; exactly one key.
    Env,
    /// `Label: value` lines, for reading.
    Text,
}

/// `mpos-keygen generate …`
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  mpos-keygen generate acme_store_042 --format env
  mpos-keygen generate --all --profile acme --format csv --out keys.csv
  MPOS_KEYGEN_ENV=test MPOS_KEYGEN_KEY_ID=… MPOS_KEYGEN_SECRET=… mpos-keygen generate acme_store_042

Credentials: --profile P; else the MPOS_KEYGEN_* variables when set; else the only profile or the
one used last. Every key is kept in the history (secret in the OS keychain) before it is written.

Ctrl-C stops sending requests; keys already on their way are still kept and written.

Exit codes: 0 every key generated, 1 some merchants failed (the rest are still written),
2 bad usage or input, 3 authentication refused, 4 network or server error,
5 keychain or file storage error, 130 stopped with Ctrl-C.")]
pub struct GenerateArgs {
    /// The merchants' MIDs.
    #[arg(
        value_name = "MID",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub mids: Vec<String>,
    /// Every merchant of the profile.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub profile: ProfileChoice,
    /// How to write the keys.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Write to this file (atomically; only you can open it: mode 0600, on Windows an owner-only ACL)
    /// instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace the --out file if it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
}

/// The formats of `history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// A JSON array.
    Json,
    /// A table, for reading.
    Text,
}

/// `mpos-keygen history …`
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only the keys and codes made with this profile.
    #[arg(long, value_name = "P")]
    pub profile: Option<String>,
    /// How to list them; json lists the keys only (an array, as scripts expect).
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
}

/// `mpos-keygen emulator …`
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// The port on 127.0.0.1 to listen on (default: any free port).
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Misbehave on purpose: none, 5xx-once, 401, slow, garbage, cut-off, close.
    #[arg(long, value_name = "NAME", value_parser = parse_fault)]
    pub fault: Option<Fault>,
    /// Also accept JWTs signed with this REST certificate (PEM or DER; its subject needs a serialNumber,
    /// the JWT kid). Repeatable.
    #[arg(long, value_name = "CERT.pem|.der", requires = "certificate_org")]
    pub certificate: Vec<PathBuf>,
    /// Who owns the certificate(s): a MID, or a portfolio/account id with --certificate-meta. Give it once
    /// for every --certificate, or once per --certificate in the same order.
    #[arg(long, value_name = "ORG", requires = "certificate")]
    pub certificate_org: Vec<String>,
    /// The certificate(s) are portfolio/account meta keys: requests name the transacting merchant.
    #[arg(long, requires = "certificate")]
    pub certificate_meta: bool,
}

/// The formats of `activation-codes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CodesFormatArg {
    /// Per merchant a heading line, then one code a line (like the Business Center's .txt).
    Text,
    /// `{"format": "mpos-keygen-activation/1", …}`.
    Json,
    /// `cybersource_merchant_id,code,expires_at,error`.
    Csv,
}

/// `mpos-keygen activation-codes …`
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  mpos-keygen activation-codes acme_store_042 --count 5
  mpos-keygen activation-codes --all --profile acme --format csv --out codes.csv

Devices running the Acceptance Devices app (PAX terminals, Android tap-to-phone) and iPhones with
the iOS Tap to Pay SDK are activated with these one-time codes; mposUi on Android takes a merchant
id and secret instead (mpos-keygen generate). Each code works once, for about 24 hours. Codes are
never kept: the history notes only how many were made, for whom and until when.

Exit codes: 0 every merchant got its codes, 1 some merchants failed (the rest are still written),
2 bad usage or input (e.g. --count above 15), 3 authentication refused, 4 network or server error,
5 file storage error.")]
pub struct ActivationCodesArgs {
    /// The merchants' MIDs.
    #[arg(
        value_name = "MID",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub mids: Vec<String>,
    /// Every merchant of the profile.
    #[arg(long)]
    pub all: bool,
    /// How many codes per merchant, 1 to 15.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub count: u32,
    #[command(flatten)]
    pub profile: ProfileChoice,
    /// How to write the codes.
    #[arg(long, value_enum, default_value_t = CodesFormatArg::Text)]
    pub format: CodesFormatArg,
    /// Write to this file (atomically, mode 0600) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace the --out file if it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
}

fn parse_fault(s: &str) -> Result<Fault, String> {
    s.parse::<Fault>().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
