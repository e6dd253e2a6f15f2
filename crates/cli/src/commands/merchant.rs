//! `mpos-keygen merchant add | list | remove | import`.

use super::{open, resolve_profile};
use crate::args::{MerchantCommand, ProfileChoice};
use crate::error::CliError;
use crate::output::{self, table};
use mpos_core::error::exit;
use mpos_core::Keygen;
use mpos_store::csv_import::parse_merchants_csv;
use std::path::Path;

/// Runs one `merchant` subcommand.
pub fn run(command: MerchantCommand) -> Result<i32, CliError> {
    let keygen = open()?;
    match command {
        MerchantCommand::Add {
            mid,
            label,
            profile,
        } => add(&keygen, &mid, label.as_deref(), &profile),
        MerchantCommand::List { profile } => list(&keygen, &profile),
        MerchantCommand::Remove { mid, profile } => remove(&keygen, &mid, &profile),
        MerchantCommand::Import {
            file,
            only_good,
            profile,
        } => import(&keygen, &file, only_good, &profile),
    }
}

fn chosen(keygen: &Keygen, choice: &ProfileChoice) -> Result<String, CliError> {
    resolve_profile(&keygen.config().load()?, choice.profile.as_deref())
}

fn add(
    keygen: &Keygen,
    mid: &str,
    label: Option<&str>,
    choice: &ProfileChoice,
) -> Result<i32, CliError> {
    let name = chosen(keygen, choice)?;
    let relabelled = keygen.config().update(|cfg| {
        let profile = cfg.profile_mut(&name)?;
        match (profile.merchant(mid).is_some(), label) {
            // An existing MID with a new label is a relabel; without one it stays a duplicate.
            (true, Some(label)) => profile.rename_merchant(mid, label).map(|_| true),
            _ => profile
                .add_merchant(mid, label.unwrap_or_default())
                .map(|_| false),
        }
    })?;
    let verb = if relabelled {
        "Changed the label of"
    } else {
        "Added"
    };
    output::note(&format!(
        "{verb} merchant {} in profile \"{name}\".",
        mid.trim()
    ));
    Ok(exit::OK)
}

fn list(keygen: &Keygen, choice: &ProfileChoice) -> Result<i32, CliError> {
    let name = chosen(keygen, choice)?;
    let config = keygen.config().load()?;
    let merchants = config
        .profile(&name)
        .map(|p| p.merchants.clone())
        .unwrap_or_default();
    if merchants.is_empty() {
        output::note(&format!(
            "Profile \"{name}\" has no merchants yet. Add one with: mpos-keygen merchant add MID"
        ));
        return Ok(exit::OK);
    }
    let mut rows = vec![vec!["MID".to_string(), "LABEL".to_string()]];
    rows.extend(merchants.into_iter().map(|m| vec![m.mid, m.label]));
    output::stdout(&table(&rows))?;
    Ok(exit::OK)
}

fn remove(keygen: &Keygen, mid: &str, choice: &ProfileChoice) -> Result<i32, CliError> {
    let name = chosen(keygen, choice)?;
    let removed = keygen
        .config()
        .update(|cfg| cfg.profile_mut(&name)?.remove_merchant(mid))?;
    output::note(&format!(
        "Removed merchant {} from profile \"{name}\".",
        removed.mid
    ));
    Ok(exit::OK)
}

fn import(
    keygen: &Keygen,
    file: &Path,
    only_good: bool,
    choice: &ProfileChoice,
) -> Result<i32, CliError> {
    let name = chosen(keygen, choice)?;
    let bytes = std::fs::read(file).map_err(|e| {
        CliError::new(
            exit::USAGE,
            format!("Could not read {}.", file.display()),
            e.to_string(),
        )
    })?;
    let parsed = parse_merchants_csv(&bytes);
    let summary = match keygen
        .config()
        .update(|cfg| cfg.profile_mut(&name)?.import_merchants(&parsed, only_good))
    {
        Ok(summary) => summary,
        Err(e) => {
            // Every bad line, not only the first, so the file can be fixed in one go.
            let mut err = CliError::from(e);
            err.detail = line_errors(&parsed.errors);
            return Err(err);
        }
    };
    if !parsed.errors.is_empty() {
        output::warn(
            &format!("Skipped {} bad line(s):", parsed.errors.len()),
            &line_errors(&parsed.errors),
        );
    }
    output::note(&format!(
        "Added {} merchant(s) to profile \"{name}\"; {} already present.",
        summary.added, summary.already_present
    ));
    Ok(exit::OK)
}

fn line_errors(errors: &[mpos_store::csv_import::CsvLineError]) -> String {
    errors
        .iter()
        .map(|e| match e.line {
            0 => e.message.clone(),
            n => format!("line {n}: {}", e.message),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
