//! `mpos-keygen profile add | list | show | remove | test`.

use super::{open, runtime, unknown_profile, warn_all};
use crate::args::{ProfileAddArgs, ProfileCommand};
use crate::error::CliError;
use crate::output::{self, table};
use crate::prompt::{read_secret, SecretKind};
use mpos_core::connection::check_certificate;
use mpos_core::error::exit;
use mpos_core::{Keygen, Source};
use mpos_kms::{Environment, P12Source};
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
    let org = args
        .org
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(String::from);
    if args.meta_key && org.is_none() {
        return Err(CliError::usage(
            "--meta-key needs --org with the portfolio or account id that owns the key.",
        ));
    }
    let (auth, kind) = credential_of(&args, &environment)?;
    let keygen = open()?;
    let existing = keygen.config().load()?.profile(&args.name).cloned();
    let secret = match environment {
        Environment::Demo => None,
        _ => Some(read_secret(&args.name, kind)?),
    };
    let mut profile = Profile::new(&args.name, environment.token(), auth);
    profile.organization_id = org;
    profile.meta_key = args.meta_key;
    if let Some(old) = &existing {
        // Replacing the credential keeps the timeouts set up for it (the store keeps the merchants).
        profile.connect_timeout_secs = old.connect_timeout_secs;
        profile.request_timeout_secs = old.request_timeout_secs;
    }
    // The certificate is checked here too, only to get its warnings: save_profile checks it again
    // (before anything is stored) but does not return them.
    let warnings = match &secret {
        Some(password) => check_certificate(&profile, password)?,
        None => Vec::new(),
    };
    let described = match &profile.auth {
        AuthMethod::SharedSecret { .. } => String::new(),
        AuthMethod::Certificate { p12_path, .. } => {
            format!(", REST certificate {}", p12_path.display())
        }
    };
    keygen.save_profile(existing.as_ref().map(|p| p.name.as_str()), profile, secret)?;
    let verb = if existing.is_some() {
        "Replaced"
    } else {
        "Added"
    };
    let stored = match (&environment, kind) {
        (Environment::Demo, _) => String::new(),
        (_, SecretKind::SharedSecret) => {
            format!("; the secret is stored in {}", keygen.secrets().name())
        }
        (_, SecretKind::P12Password) => format!(
            "; the .p12 password is stored in {}",
            keygen.secrets().name()
        ),
    };
    output::note(&format!(
        "{verb} profile \"{}\" ({}{described}){stored}.",
        args.name,
        environment.label()
    ));
    warn_all(&warnings);
    output::note(&format!(
        "Check it with: mpos-keygen profile test {}",
        shell_word(&args.name)
    ));
    Ok(exit::OK)
}

/// The profile's authentication from `--key-id` or `--p12`, and which secret it needs.
fn credential_of(
    args: &ProfileAddArgs,
    environment: &Environment,
) -> Result<(AuthMethod, SecretKind), CliError> {
    if let Some(key_id) = &args.key_id {
        let key_id = key_id.trim().to_string();
        if key_id.is_empty() {
            return Err(CliError::usage("--key-id is empty. Give the key id shown next to the shared secret in the Business Center."));
        }
        return Ok((
            AuthMethod::SharedSecret { key_id },
            SecretKind::SharedSecret,
        ));
    }
    let Some(p12) = &args.p12 else {
        return Err(CliError::usage(
            "Give --key-id ID (REST shared secret) or --p12 FILE (REST certificate).",
        ));
    };
    if *environment == Environment::Demo {
        return Err(CliError::usage(
            "The demo environment uses its built-in credential. Leave out --p12 (use --key-id with any id), \
             or choose another environment.",
        ));
    }
    if p12.as_os_str().is_empty() {
        return Err(CliError::usage(
            "--p12 is empty. Give the .p12 file downloaded from the Business Center.",
        ));
    }
    let key_alias = match args.key_alias.as_deref().map(str::trim) {
        None => None,
        Some("") => {
            return Err(CliError::usage(
                "--key-alias is empty. Give the merchant id the certificate was created for, or leave it out.",
            ))
        }
        Some(alias) if alias.chars().any(char::is_control) => {
            return Err(CliError::usage(
                "--key-alias contains a control character. Give the merchant id the certificate was created for.",
            ))
        }
        Some(alias) => Some(alias.to_string()),
    };
    // A missing, unreadable or oversized file is reported before the password is asked for; the bytes
    // (encrypted) are read again when the password is known.
    P12Source::File(p12.clone()).read()?;
    // Kept absolute: the GUI and later runs from other directories must find the same file.
    let p12_path = std::path::absolute(p12).unwrap_or_else(|_| p12.clone());
    Ok((
        AuthMethod::Certificate {
            p12_path,
            key_alias,
        },
        SecretKind::P12Password,
    ))
}

fn list() -> Result<i32, CliError> {
    let config = open()?.config().load()?;
    if config.profiles.is_empty() {
        output::note(
            "No profiles yet. Add one with: mpos-keygen profile add NAME --env ENV --key-id ID (or --p12 FILE)",
        );
        return Ok(exit::OK);
    }
    let last = config.settings.last_profile.as_deref();
    let mut rows = vec![vec![
        "NAME".into(),
        "ENVIRONMENT".into(),
        "AUTH".into(),
        "CREDENTIAL".into(),
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
            auth_short(p).into(),
            credential_summary(p),
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
    ];
    lines.extend(credential_lines(profile));
    lines.extend([
        format!(
            "Organization id: {}",
            profile
                .organization_id
                .as_deref()
                .unwrap_or("(the merchant being generated)")
        ),
        format!("Meta key: {}", if profile.meta_key { "yes" } else { "no" }),
        format!(
            "{}: {}",
            secret_word(profile),
            secret_state(&keygen, profile, environment.as_ref())
        ),
        format!("Merchants: {}", profile.merchants.len()),
    ]);
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
    // Connecting here (not through Keygen::test_connection) keeps the client, to show its warnings.
    let connection = keygen.connect(&Source::Profile(name.to_string()))?;
    warn_all(&connection.client.warnings());
    runtime()?.block_on(connection.client.test_connection())?;
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

fn auth_short(profile: &Profile) -> &'static str {
    match &profile.auth {
        AuthMethod::SharedSecret { .. } => "shared secret",
        AuthMethod::Certificate { .. } => "certificate",
    }
}

/// The key id, or the .p12 file's name and key alias: enough to tell profiles apart in a list.
fn credential_summary(profile: &Profile) -> String {
    match &profile.auth {
        AuthMethod::SharedSecret { key_id } => key_id.clone(),
        AuthMethod::Certificate {
            p12_path,
            key_alias,
        } => {
            let file = p12_path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| p12_path.display().to_string());
            match key_alias {
                Some(alias) => format!("{file} (alias {alias})"),
                None => file,
            }
        }
    }
}

/// The `show` lines naming the credential (never its secret).
fn credential_lines(profile: &Profile) -> Vec<String> {
    match &profile.auth {
        AuthMethod::SharedSecret { key_id } => vec![format!("Key id: {key_id}")],
        AuthMethod::Certificate {
            p12_path,
            key_alias,
        } => {
            let alias = match (key_alias, &profile.organization_id) {
                (Some(alias), _) => alias.clone(),
                (None, Some(org)) => format!("{org} (the organization id)"),
                (None, None) => "(the merchant being generated)".into(),
            };
            vec![
                format!("Certificate file: {}", p12_path.display()),
                format!("Key alias: {alias}"),
            ]
        }
    }
}

fn secret_word(profile: &Profile) -> &'static str {
    match &profile.auth {
        AuthMethod::SharedSecret { .. } => "Secret",
        AuthMethod::Certificate { .. } => ".p12 password",
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
