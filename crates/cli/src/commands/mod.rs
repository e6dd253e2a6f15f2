//! One module per command; shared here: opening the stores, a runtime, and choosing the profile.

mod activation_codes;
mod deliver;
mod emulator;
mod generate;
mod history;
mod key;
mod merchant;
mod profile;
mod shell;

use crate::args::Command;
use crate::error::CliError;
use mpos_core::Keygen;
use mpos_store::config::Config;

/// Runs a command; `Ok` carries the exit code (a partial batch ends with 1 but is not an error).
pub fn run(command: Command) -> Result<i32, CliError> {
    match command {
        Command::Profile(c) => profile::run(c),
        Command::Merchant(c) => merchant::run(c),
        Command::Generate(a) => generate::run(a),
        Command::ActivationCodes(a) => activation_codes::run(a),
        Command::History(a) => history::run(a),
        Command::Key(c) => key::run(c),
        Command::Completions { shell } => shell::completions(shell),
        Command::Manpage => shell::manpage(),
        Command::Emulator(a) => emulator::run(a),
    }
}

/// The config, vault and keychain in the OS places (XDG dirs on Linux).
fn open() -> Result<Keygen, CliError> {
    Ok(Keygen::open_os()?)
}

/// A runtime for the commands that talk to a server; one thread is plenty for a CLI.
fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            CliError::new(
                mpos_core::error::exit::NETWORK,
                "Could not start the network runtime.",
                e.to_string(),
            )
        })
}

/// Prints each warning (e.g. a REST certificate expiring within 30 days) on stderr as `warning: …`.
fn warn_all(warnings: &[String]) {
    for w in warnings {
        crate::output::warn(w, "");
    }
}

/// The profile a command works on: `--profile`, else the only one, else the one used last.
fn resolve_profile(config: &Config, explicit: Option<&str>) -> Result<String, CliError> {
    if let Some(name) = explicit {
        return config
            .profile(name)
            .map(|p| p.name.clone())
            .ok_or_else(|| unknown_profile(name, config));
    }
    default_profile(config).ok_or_else(|| match profile_names(config).as_str() {
        "" => CliError::usage("There is no profile yet. Add one with: mpos-keygen profile add NAME --env ENV --key-id ID (or --p12 FILE)"),
        names => CliError::usage(format!("Several profiles exist ({names}); choose one with --profile.")),
    })
}

/// The usage error for a profile name that does not exist, naming those that do.
fn unknown_profile(name: &str, config: &Config) -> CliError {
    match profile_names(config).as_str() {
        "" => CliError::usage(format!(
            "There is no profile \"{name}\" (no profiles yet). Add one with: mpos-keygen profile add NAME --env ENV --key-id ID (or --p12 FILE)"
        )),
        names => CliError::usage(format!("There is no profile \"{name}\". Profiles: {names}.")),
    }
}

/// The profile names, comma-separated; empty when there are none.
fn profile_names(config: &Config) -> String {
    config
        .profiles
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The only profile, or the one used last when it still exists.
fn default_profile(config: &Config) -> Option<String> {
    if let [only] = config.profiles.as_slice() {
        return Some(only.name.clone());
    }
    let last = config.settings.last_profile.as_deref()?;
    config
        .profiles
        .iter()
        .find(|p| p.name == last)
        .map(|p| p.name.clone())
}
