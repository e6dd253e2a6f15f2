//! `mpos-keygen activation-codes`: refuse bad input (a count above 15, a bad MID, an `--out` that cannot be
//! written) before any request, ask for the codes, write them to stdout or `--out`; never to the history.

use super::generate::{choose_mids, choose_source};
use super::{deliver, open, runtime, warn_all};
use crate::args::{ActivationCodesArgs, CodesFormatArg, Format, GenerateArgs};
use crate::error::CliError;
use crate::output;
use mpos_core::error::exit;
use mpos_core::CodesReport;
use mpos_kms::activation::count_problem;
use mpos_store::codes::{render_codes, CodesFormat};
use mpos_store::export::write_export;
use std::collections::HashMap;
use std::path::Path;

/// Runs `activation-codes`; exit codes as for `generate`.
pub fn run(args: ActivationCodesArgs) -> Result<i32, CliError> {
    if let Some(problem) = count_problem(args.count) {
        return Err(CliError::usage(format!("{problem} Nothing was made.")));
    }
    let keygen = open()?;
    let config = keygen.config().load()?;
    // The merchant and credential rules are generate's, word for word.
    let as_generate = GenerateArgs {
        mids: args.mids.clone(),
        all: args.all,
        profile: crate::args::ProfileChoice {
            profile: args.profile.profile.clone(),
        },
        format: Format::Json,
        out: args.out.clone(),
        force: args.force,
    };
    let source = choose_source(&as_generate, &config)?;
    let mids = choose_mids(&as_generate, &config, &source)?;
    if let Some(path) = &args.out {
        deliver::check_out_path(path, args.force)?;
    }
    let connection = keygen.connect(&source)?;
    log::debug!(
        "asking for {} activation code(s) for each of {} merchant(s) with {} against {}",
        args.count,
        mids.len(),
        connection.profile,
        connection.environment
    );
    warn_all(&connection.client.warnings());
    let report =
        runtime()?.block_on(keygen.activation_codes(&connection, &mids, args.count, &|_, _| {}))?;
    if let Some(warning) = &report.history_warning {
        output::warn(warning, "");
    }
    report_failures(&report);
    if report.succeeded() == 0 {
        return Ok(report.exit_code());
    }
    let labels: HashMap<String, String> = match &source {
        mpos_core::Source::Profile(name) => config
            .profile(name)
            .map(|p| {
                p.merchants
                    .iter()
                    .map(|m| (m.mid.clone(), m.label.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        mpos_core::Source::Direct(_) => HashMap::new(),
    };
    let rendered = render_codes(&report.export(&labels), codes_format(args.format))?;
    match args.out.as_deref() {
        Some(path) => write_export(path, &rendered, args.force)
            .map_err(|e| out_failed(path, &e, rendered.expose()))?,
        None => output::stdout(rendered.expose())?,
    }
    let codes: usize = report.merchants.iter().map(|m| m.codes.len()).sum();
    let place = args
        .out
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "standard output".into());
    output::note(&format!(
        "Wrote {codes} activation code{} for {} merchant{} ({}, {}) to {place}. Each works once, for about \
         24 hours.",
        if codes == 1 { "" } else { "s" },
        report.succeeded(),
        if report.succeeded() == 1 { "" } else { "s" },
        report.environment.provider_mode(),
        report.profile
    ));
    Ok(report.exit_code())
}

fn codes_format(format: CodesFormatArg) -> CodesFormat {
    match format {
        CodesFormatArg::Text => CodesFormat::Text,
        CodesFormatArg::Json => CodesFormat::Json,
        CodesFormatArg::Csv => CodesFormat::Csv,
    }
}

/// The codes exist nowhere else, so a failed `--out` write puts them on stdout as the last place they can go.
fn out_failed(path: &Path, e: &mpos_store::StoreError, rendered: &str) -> CliError {
    let _ = output::stdout(rendered);
    CliError::storage(
        format!(
            "Could not write {}; the codes were printed to standard output instead, as they are kept \
             nowhere else.",
            path.display()
        ),
        e.to_string(),
    )
}

/// Every merchant without codes, with its reason: one plain line first, then the detail.
fn report_failures(report: &CodesReport) {
    let failed: Vec<_> = report
        .merchants
        .iter()
        .filter_map(|m| m.error.as_ref().map(|e| (m, e)))
        .collect();
    let Some((_, first)) = failed.first() else {
        return;
    };
    let one_cause = report.succeeded() == 0
        && report.exit_code() != exit::PARTIAL
        && failed.iter().all(|(_, e)| e == first);
    let (headline, detail) = if one_cause {
        let mids: Vec<&str> = failed
            .iter()
            .map(|(m, _)| m.cybersource_merchant_id.as_str())
            .collect();
        (
            first.to_string(),
            vec![
                first.detail(),
                format!("Merchants without codes: {}", mids.join(", ")),
            ],
        )
    } else {
        let headline = match report.succeeded() {
            0 => format!(
                "No activation code was made for the {} merchant(s) asked for.",
                failed.len()
            ),
            n => format!(
                "{} of {} merchants got no activation codes; the other codes were written.",
                failed.len(),
                n + failed.len()
            ),
        };
        let mut detail = Vec::new();
        for (m, e) in &failed {
            detail.push(format!("{}: {e}", m.cybersource_merchant_id));
            detail.extend(
                e.detail()
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
