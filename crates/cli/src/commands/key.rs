//! `mpos-keygen key status|delete|replace`: what happens to a key after it is issued.

use super::deliver::{self, Delivery};
use super::generate::{choose_mids, choose_source, remember_keys};
use super::{default_profile, open, resolve_profile, runtime};
use crate::args::GenerateArgs;
use crate::args_key::{DeleteArgs, KeyCommand, ReplaceArgs, StatusArgs, StatusFormat};
use crate::error::CliError;
use crate::output::{self, table};
use mpos_core::error::exit;
use mpos_core::{DeleteReport, Keygen, Source, StatusReport};
use mpos_store::config::Config;
use mpos_store::VaultEntry;
use std::io::{BufRead, IsTerminal, Write};

/// Runs one `key` command.
pub fn run(command: KeyCommand) -> Result<i32, CliError> {
    match command {
        KeyCommand::Status(a) => status(a),
        KeyCommand::Delete(a) => delete(a),
        KeyCommand::Replace(a) => replace(a),
    }
}

fn status(args: StatusArgs) -> Result<i32, CliError> {
    let keygen = open()?;
    let config = keygen.config().load()?;
    let keys = select(
        &keygen,
        &args.key_ids,
        args.merchant.as_deref(),
        args.all,
        args.profile.profile.as_deref(),
    )?;
    if keys.is_empty() {
        output::note("No keys to check: none in the history matches (deleted keys are left out).");
        if args.format == StatusFormat::Json {
            output::stdout("{\"keys\": []}")?;
        }
        return Ok(exit::OK);
    }
    let profile = profile_for(&config, args.profile.profile.as_deref(), &keys)?;
    let conn = keygen.connect(&Source::Profile(profile))?;
    let report = runtime()?.block_on(keygen.key_status(&conn, &keys, &|_, _| {}))?;
    for r in &report.results {
        if let Some(note) = &r.note {
            output::warn(&format!("key {}: {note}", r.entry.key_id), "");
        }
        if let Some(e) = &r.error {
            output::warn(&format!("key {}: {e}", r.entry.key_id), &e.detail());
        }
    }
    match args.format {
        StatusFormat::Json => output::stdout(&status_json(&report))?,
        StatusFormat::Text => output::stdout(&table(&status_rows(&report)))?,
    }
    Ok(report.exit_code())
}

fn status_json(report: &StatusReport) -> String {
    let keys: Vec<serde_json::Value> = report
        .results
        .iter()
        .map(|r| {
            let mut v = serde_json::json!({
                "keyId": r.entry.key_id,
                "cybersourceMerchantId": r.entry.cybersource_merchant_id,
                "status": r.status,
                "expirationDate": r.expiration_date,
                "checkedAt": r.checked_at,
            });
            if let Some(e) = &r.error {
                v["error"] = e.to_string().into();
            }
            v
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({ "keys": keys })).unwrap_or_default()
}

fn status_rows(report: &StatusReport) -> Vec<Vec<String>> {
    let mut rows = vec![["KEY ID", "MID", "STATUS", "EXPIRES", "CHECKED"]
        .iter()
        .map(|h| h.to_string())
        .collect()];
    rows.extend(report.results.iter().map(|r| {
        vec![
            r.entry.key_id.clone(),
            r.entry.cybersource_merchant_id.clone(),
            r.status.clone().unwrap_or_else(|| "(not read)".into()),
            r.expiration_date.clone().unwrap_or_default(),
            r.checked_at.clone().unwrap_or_default(),
        ]
    }));
    rows
}

fn delete(args: DeleteArgs) -> Result<i32, CliError> {
    let keygen = open()?;
    let config = keygen.config().load()?;
    let keys = select(
        &keygen,
        &args.key_ids,
        args.merchant.as_deref(),
        false,
        args.profile.profile.as_deref(),
    )?;
    if keys.is_empty() {
        return Err(CliError::usage(
            "No key to delete: this merchant has no key in the history that is not deleted already.",
        ));
    }
    let profile = profile_for(&config, args.profile.profile.as_deref(), &keys)?;
    let listing: Vec<String> = keys.iter().map(|k| describe(&config, k)).collect();
    confirm(
        args.yes,
        &format!("Delete {}:", count(keys.len())),
        &listing,
    )?;
    let conn = keygen.connect(&Source::Profile(profile))?;
    let report = runtime()?.block_on(keygen.delete_keys(&conn, &keys))?;
    print_deletes(&report, false)?;
    Ok(report.exit_code())
}

/// One line per key on stdout (or stderr when stdout holds an export): `deleted` or `not deleted`.
fn print_deletes(report: &DeleteReport, to_stderr: bool) -> Result<(), CliError> {
    let mut lines = Vec::new();
    for r in &report.results {
        let e = &r.entry;
        match (&r.error, r.deleted) {
            (_, true) => lines.push(format!(
                "deleted      {}  {}",
                e.key_id, e.cybersource_merchant_id
            )),
            (Some(err), false) => lines.push(format!(
                "not deleted  {}  {}  {}",
                e.key_id, e.cybersource_merchant_id, err
            )),
            (None, false) => lines.push(format!(
                "not deleted  {}  {}",
                e.key_id, e.cybersource_merchant_id
            )),
        }
        if let Some(w) = &r.storage_warning {
            output::warn(w, "");
        }
    }
    if to_stderr {
        for line in &lines {
            output::note(line);
        }
        Ok(())
    } else {
        output::stdout(&(lines.join("\n") + "\n"))
    }
}

fn replace(args: ReplaceArgs) -> Result<i32, CliError> {
    let keygen = open()?;
    let config = keygen.config().load()?;
    let generate = GenerateArgs {
        mids: args.mids.clone(),
        all: false,
        profile: args.profile.clone(),
        format: args.format,
        out: args.out.clone(),
        force: args.force,
    };
    let source = choose_source(&generate, &config)?;
    let Source::Profile(profile) = &source else {
        return Err(CliError::usage(
            "key replace deletes earlier keys from the history of a profile: choose one with --profile.",
        ));
    };
    let mids = choose_mids(&generate, &config, &source)?;
    if args.format == crate::args::Format::Env && mids.len() != 1 {
        return Err(CliError::usage(
            "--format env holds exactly one key; use json, csv or text for several merchants.",
        ));
    }
    if let Some(path) = &args.out {
        deliver::check_out_path(path, args.force)?;
    }
    let earlier: Vec<VaultEntry> = keygen
        .vault()
        .list(Some(profile))?
        .into_iter()
        .filter(|e| mids.contains(&e.cybersource_merchant_id) && e.deleted_at.is_none())
        .collect();
    let mut listing: Vec<String> = mids
        .iter()
        .map(|m| format!("new key for {}", merchant_name(&config, profile, m)))
        .collect();
    listing.extend(
        earlier
            .iter()
            .map(|k| format!("then delete {}", describe(&config, k))),
    );
    confirm(
        args.yes,
        &format!("Replace the keys of {}:", plural(mids.len(), "merchant")),
        &listing,
    )?;
    let remember = remember_keys(&keygen, &config, &source);
    let conn = keygen.connect_with(&config, &source)?;
    let rt = runtime()?;
    let report = rt.block_on(keygen.generate(
        &conn,
        &mids,
        remember.clone(),
        &output::progress_for(mids.len()),
    ))?;
    // Written first, exactly like `generate`: if that fails, no earlier key is touched.
    let generate_code = deliver::deliver(
        &keygen,
        &report,
        &Delivery {
            format: args.format,
            out: args.out.as_deref(),
            force: args.force,
            unstored_reason: remember.unreachable_reason(),
        },
    )?;
    let old = keygen.replaced_by(&conn, &report)?;
    for failure in &report.failures {
        output::note(&format!(
            "The earlier keys of {} were kept: it got no new key.",
            failure.cybersource_merchant_id
        ));
    }
    if old.is_empty() {
        return Ok(generate_code);
    }
    let deleted = rt.block_on(keygen.delete_keys(&conn, &old))?;
    print_deletes(&deleted, true)?;
    Ok(match generate_code {
        exit::OK => deleted.exit_code(),
        code => code,
    })
}

/// The keys named: by id (any profile), every key of a merchant, or all; deleted ones only by id.
fn select(
    keygen: &Keygen,
    key_ids: &[String],
    merchant: Option<&str>,
    all: bool,
    profile: Option<&str>,
) -> Result<Vec<VaultEntry>, CliError> {
    if !key_ids.is_empty() {
        return Ok(keygen.keys_by_id(key_ids)?);
    }
    let keys = match merchant {
        Some(mid) => keygen.keys_of_merchant(mid, profile)?,
        None if all => keygen.vault().list(profile)?,
        None => Vec::new(),
    };
    Ok(keys
        .into_iter()
        .filter(|k| k.deleted_at.is_none())
        .collect())
}

/// `--profile`; else the profile that generated all these keys, when it still exists; else the default.
fn profile_for(
    config: &Config,
    explicit: Option<&str>,
    keys: &[VaultEntry],
) -> Result<String, CliError> {
    if explicit.is_none() {
        if let Some(first) = keys.first() {
            if keys.iter().all(|k| k.profile == first.profile)
                && config.profile(&first.profile).is_some()
            {
                return Ok(first.profile.clone());
            }
        }
        if let Some(name) = default_profile(config) {
            return Ok(name);
        }
    }
    resolve_profile(config, explicit)
}

fn merchant_name(config: &Config, profile: &str, mid: &str) -> String {
    let label = config
        .profile(profile)
        .and_then(|p| p.merchants.iter().find(|m| m.mid == mid))
        .map(|m| m.label.trim().to_string())
        .filter(|l| !l.is_empty());
    match label {
        Some(label) => format!("{label} ({mid})"),
        None => mid.to_string(),
    }
}

fn describe(config: &Config, key: &VaultEntry) -> String {
    format!(
        "key {} of {}, generated {}",
        key.key_id,
        merchant_name(config, &key.profile, &key.cybersource_merchant_id),
        key.generated_at
    )
}

/// Asks on a terminal; without one, `--yes` is required (exit 2).
fn confirm(yes: bool, heading: &str, lines: &[String]) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(format!(
            "{} Devices that use a deleted key stop working. Nothing was changed: stdin is not a terminal, \
             so add --yes to confirm.",
            heading.trim_end_matches(':')
        )));
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{heading}");
    for line in lines {
        let _ = writeln!(err, "  {line}");
    }
    let _ = write!(
        err,
        "Devices that use these keys stop working. Continue? [y/N] "
    );
    let _ = err.flush();
    drop(err);
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::usage(format!("Could not read the answer: {e}")))?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(CliError::usage("Cancelled; nothing was changed."))
    }
}

fn count(n: usize) -> String {
    plural(n, "key")
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
