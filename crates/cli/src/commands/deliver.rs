//! Getting a generate run's keys to the user: the export to stdout or `--out`, the failed merchants and
//! storage warnings to stderr, and the vault told what was exported.

use crate::args::Format;
use crate::error::CliError;
use crate::output;
use mpos_core::error::exit;
use mpos_core::{GenerateReport, Keygen};
use mpos_store::export::{render, write_export, ExportFormat};
use mpos_store::StoreError;
use std::path::Path;

/// How the keys of one run are to be written.
pub struct Delivery<'a> {
    /// The export format.
    pub format: Format,
    /// `--out`, or stdout.
    pub out: Option<&'a Path>,
    /// `--force`.
    pub force: bool,
    /// Why keys the user wanted kept are not kept (no keychain), for the warning.
    pub unstored_reason: Option<String>,
}

/// Refuses an `--out` that cannot be written before any key is asked for: a key is issued only once.
pub fn check_out_path(path: &Path, force: bool) -> Result<(), CliError> {
    if path.exists() && !force {
        return Err(CliError::usage(format!(
            "{} already exists. Add --force to replace it, or choose another --out file. \
             Nothing was generated.",
            path.display()
        )));
    }
    if path.is_dir() {
        return Err(CliError::usage(format!(
            "{} is a folder; --out needs a file name.",
            path.display()
        )));
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Trying is the only reliable test (permissions, ACLs, read-only mounts); the probe goes at once.
    let probe = folder.join(format!(".mpos-keygen-write-check-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(CliError::storage(
            format!(
                "Cannot write to {}. Choose another --out file. Nothing was generated.",
                folder.display()
            ),
            e.to_string(),
        )),
    }
}

/// Writes the keys, reports failures and warnings, and returns the exit code.
pub fn deliver(keygen: &Keygen, report: &GenerateReport, how: &Delivery) -> Result<i32, CliError> {
    report_failures(report);
    if report.keys.is_empty() {
        return Ok(report.exit_code());
    }
    let format = export_format(how.format);
    let rendered = render(&report.export_batch(), format)?;
    let written = match how.out {
        Some(path) => write_export(path, &rendered, how.force)
            .map_err(|e| out_failed(path, &e, report, rendered.expose())),
        None => output::stdout(rendered.expose()),
    };
    written?;
    mark_exported(keygen, report);
    report_storage(report, how);
    let count = match report.keys.len() {
        1 => "1 key".to_string(),
        n => format!("{n} keys"),
    };
    let place = how
        .out
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "standard output".into());
    output::note(&format!(
        "Wrote {count} ({}, {}) to {place}.",
        report.provider_mode(),
        report.profile
    ));
    Ok(report.exit_code())
}

fn export_format(format: Format) -> ExportFormat {
    match format {
        Format::Json => ExportFormat::Json,
        Format::Csv => ExportFormat::Csv,
        Format::Env => ExportFormat::Env,
        Format::Text => ExportFormat::Text,
    }
}

/// A failed `--out` write; keys kept nowhere else go to stdout as the last place they can go.
fn out_failed(path: &Path, e: &StoreError, report: &GenerateReport, rendered: &str) -> CliError {
    let message = if report.keys.iter().any(|k| !k.stored) {
        let _ = output::stdout(rendered);
        format!(
            "Could not write {}; the keys were printed to standard output instead, as they are \
             kept nowhere else.",
            path.display()
        )
    } else {
        format!(
            "Could not write {}. The keys are kept in the history; the app can export them again.",
            path.display()
        )
    };
    CliError::storage(message, e.to_string())
}

fn mark_exported(keygen: &Keygen, report: &GenerateReport) {
    let ids: Vec<String> = report
        .keys
        .iter()
        .filter(|k| k.stored)
        .map(|k| k.key.key_id.clone())
        .collect();
    if ids.is_empty() {
        return;
    }
    if let Err(e) = keygen.vault().mark_exported(&ids) {
        output::warn(
            "The keys were written, but the history could not note that they were exported.",
            &e.to_string(),
        );
    }
}

fn report_storage(report: &GenerateReport, how: &Delivery) {
    if let Some(reason) = &how.unstored_reason {
        output::warn(
            "The keys were not stored: no keychain is reachable. Keep the output written now; \
             Cybersource cannot show the keys again.",
            &format!(
                "{reason}\nOn Linux, install and unlock GNOME Keyring or KWallet to keep a history."
            ),
        );
    }
    if let Some(warning) = &report.storage_warning {
        output::warn(warning, "");
    }
}

/// Every merchant without a key, with its reason: one plain line first, then the detail.
fn report_failures(report: &GenerateReport) {
    let failed = &report.failures;
    let Some(first) = failed.first() else { return };
    // Nothing issued and one cause (auth, network): that cause is the headline, not each merchant.
    let one_request_failure = report.keys.is_empty()
        && report.exit_code() != exit::PARTIAL
        && failed.iter().all(|f| f.error == first.error);
    let (headline, detail) = if one_request_failure {
        let mids: Vec<&str> = failed
            .iter()
            .map(|f| f.cybersource_merchant_id.as_str())
            .collect();
        (
            first.error.to_string(),
            vec![
                first.error.detail(),
                format!("Merchants without a key: {}", mids.join(", ")),
            ],
        )
    } else {
        let headline = match report.keys.len() {
            0 => format!(
                "No key was generated for the {} merchant(s) asked for.",
                failed.len()
            ),
            n => format!(
                "{} of {} merchants got no key; the other keys were written.",
                failed.len(),
                n + failed.len()
            ),
        };
        let mut detail = Vec::new();
        for f in failed {
            let mid = &f.cybersource_merchant_id;
            let message = f.error.to_string();
            let message = message
                .strip_prefix(&format!("No key for {mid}: "))
                .unwrap_or(&message)
                .to_string();
            detail.push(format!("{mid}: {message}"));
            detail.extend(
                f.error
                    .detail()
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| format!("  {l}")),
            );
        }
        (headline, detail)
    };
    output::print_error(&CliError::new(
        report.exit_code(),
        headline,
        detail.join("\n"),
    ));
}
