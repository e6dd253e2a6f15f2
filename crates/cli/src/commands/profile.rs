//! `mpos-keygen profile add | list | show | remove | test`.

use super::{open, runtime, unknown_profile};
use crate::args::{ProfileAddArgs, ProfileCommand};
use crate::error::CliError;
use crate::output::{self, table};
use crate::prompt::read_secret;
use mpos_core::error::exit;
use mpos_core::{Keygen, Source};
use mpos_kms::Environment;
use mpos_store::config::{AuthMethod, Profile};
use mpos_store::keychain::profile_account;

/// Runs one `profile` subcommand.
pub fn run(command: ProfileCommand) -> Result<i32, CliError> {
    match command {
        ProfileCommand::Add(args) => add(args),
        ProfileCommand::List => list(),
        ProfileCommand::Show { name } => show(&name),
        ProfileCommand::Remove { name } => remove(&name),
        ProfileCommand::Test { name } => test(&name),
    }
}

fn add(args: ProfileAddArgs) -> Result<i32, CliError> {
    // Everything that can be checked is checked before the user is asked for the secret.
    let environment =
        Environment::parse(&args.environment).map_err(|e| CliError::usage(e.to_string()))?;
    let key_id = args.key_id.trim().to_string();
    if key_id.is_empty() {
        return Err(CliError::usage("--key-id is empty. Give the key id shown next to the shared secret in the Business Center."));
    }
    let org = args
        .org
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty());
    if args.meta_key && org.is_none() {
        return Err(CliError::usage(
            "--meta-key needs --org with the portfolio or account id that owns the key.",
        ));
    }
    let keygen = open()?;
    let existing = keygen.config().load()?.profile(&args.name).cloned();
    let secret = match environment {
        Environment::Demo => None,
        _ => Some(read_secret(&args.name)?),
    };
    let mut profile = Profile::new(
        &args.name,
        environment.token(),
        AuthMethod::SharedSecret { key_id },
    );
    profile.organization_id = org;
    profile.meta_key = args.meta_key;
    if let Some(old) = &existing {
        // Replacing the credential keeps the timeouts set up for it (the store keeps the merchants).
        profile.connect_timeout_secs = old.connect_timeout_secs;
        profile.request_timeout_secs = old.request_timeout_secs;
    }
    keygen.save_profile(existing.as_ref().map(|p| p.name.as_str()), profile, secret)?;
    let verb = if existing.is_some() {
        "Replaced"
    } else {
        "Added"
    };
    let stored = match environment {
        Environment::Demo => String::new(),
        _ => format!("; the secret is stored in {}", keygen.secrets().name()),
    };
    output::note(&format!(
        "{verb} profile \"{}\" ({}){stored}.",
        args.name,
        environment.label()
    ));
    output::note(&format!(
        "Check it with: mpos-keygen profile test {}",
        shell_word(&args.name)
    ));
    Ok(exit::OK)
}

fn list() -> Result<i32, CliError> {
    let config = open()?.config().load()?;
    if config.profiles.is_empty() {
        output::note(
            "No profiles yet. Add one with: mpos-keygen profile add NAME --env ENV --key-id ID",
        );
        return Ok(exit::OK);
    }
    let last = config.settings.last_profile.as_deref();
    let mut rows = vec![vec![
        "NAME".into(),
        "ENVIRONMENT".into(),
        "KEY ID".into(),
        "MERCHANTS".into(),
        String::new(),
    ]];
    for p in &config.profiles {
        let marker = if Some(p.name.as_str()) == last {
            "(last used)"
        } else {
            ""
        };
        rows.push(vec![
            p.name.clone(),
            p.environment.clone(),
            key_id_of(p),
            p.merchants.len().to_string(),
            marker.into(),
        ]);
    }
    output::stdout(&table(&rows))?;
    Ok(exit::OK)
}

fn show(name: &str) -> Result<i32, CliError> {
    let keygen = open()?;
    let config = keygen.config().load()?;
    let profile = config
        .profile(name)
        .ok_or_else(|| unknown_profile(name, &config))?;
    let environment = Environment::parse(&profile.environment).ok();
    let mut lines = vec![
        format!("Name: {}", profile.name),
        format!(
            "Environment: {}",
            environment
                .as_ref()
                .map(Environment::label)
                .unwrap_or_else(|| profile.environment.clone())
        ),
        format!(
            "Provider mode: {}",
            environment
                .as_ref()
                .map(|e| e.provider_mode().as_str())
                .unwrap_or("?")
        ),
        format!("Authentication: {}", auth_label(profile)),
        format!("Key id: {}", key_id_of(profile)),
        format!(
            "Organization id: {}",
            profile
                .organization_id
                .as_deref()
                .unwrap_or("(the merchant being generated)")
        ),
        format!("Meta key: {}", if profile.meta_key { "yes" } else { "no" }),
        format!(
            "Secret: {}",
            secret_state(&keygen, profile, environment.as_ref())
        ),
        format!("Merchants: {}", profile.merchants.len()),
    ];
    for m in &profile.merchants {
        lines.push(format!("  {}  {}", m.mid, m.label).trim_end().to_string());
    }
    output::stdout(&(lines.join("\n") + "\n"))?;
    Ok(exit::OK)
}

fn remove(name: &str) -> Result<i32, CliError> {
    let keygen = open()?;
    let config = keygen.config().load()?;
    // The stored spelling: the secret is kept under it, whatever case was typed.
    let name = config
        .profile(name)
        .map(|p| p.name.clone())
        .ok_or_else(|| unknown_profile(name, &config))?;
    keygen.remove_profile(&name)?;
    output::note(&format!(
        "Removed profile \"{name}\" and its stored secret."
    ));
    Ok(exit::OK)
}

fn test(name: &str) -> Result<i32, CliError> {
    let keygen = open()?;
    let config = keygen.config().load()?;
    let profile = config
        .profile(name)
        .ok_or_else(|| unknown_profile(name, &config))?;
    let target = Environment::parse(&profile.environment)
        .map(|e| e.label())
        .unwrap_or_else(|_| profile.environment.clone());
    runtime()?.block_on(keygen.test_connection(&Source::Profile(name.to_string())))?;
    output::stdout(&format!(
        "Authentication worked: profile \"{name}\" can sign requests to {target}.\n"
    ))?;
    Ok(exit::OK)
}

fn secret_state(keygen: &Keygen, profile: &Profile, environment: Option<&Environment>) -> String {
    if environment == Some(&Environment::Demo) {
        return "built in (demo)".into();
    }
    match keygen.secrets().get(&profile_account(&profile.name)) {
        Ok(Some(_)) => format!("stored in {}", keygen.secrets().name()),
        Ok(None) => format!(
            "not stored in {} (add the profile again to enter it)",
            keygen.secrets().name()
        ),
        Err(e) => format!("unknown ({e})"),
    }
}

fn auth_label(profile: &Profile) -> String {
    match &profile.auth {
        AuthMethod::SharedSecret { .. } => "REST shared secret".into(),
        AuthMethod::Certificate { .. } => "REST certificate".into(),
    }
}

fn key_id_of(profile: &Profile) -> String {
    match &profile.auth {
        AuthMethod::SharedSecret { key_id } => key_id.clone(),
        AuthMethod::Certificate { key_alias, .. } => key_alias.clone().unwrap_or_default(),
    }
}

/// The name as a shell would need it in the suggested command.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
