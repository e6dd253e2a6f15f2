//! `mpos-keygen generate`: decide credentials and merchants, refuse bad input before any request,
//! then one batch through the core (which keeps every key before we see it).

use super::deliver::{self, Delivery};
use super::{default_profile, open, profile_names, resolve_profile, runtime, warn_all};
use crate::args::{Format, GenerateArgs};
use crate::error::CliError;
use crate::output;
use crate::timing::Timing;
use mpos_core::connection::vars;
use mpos_core::{DirectCredentials, Keygen, Remember, Source};
use mpos_kms::{mid_problem, StopHandle};
use mpos_store::config::Config;
use std::collections::HashSet;
use std::sync::Arc;

/// Runs `generate`; the exit code follows the spec (0 all, 1 some failed, 3/4 when none could be issued).
pub fn run(args: GenerateArgs) -> Result<i32, CliError> {
    let mut timing = Timing::start();
    let keygen = open()?;
    let config = keygen.config().load()?;
    let source = choose_source(&args, &config)?;
    // First, so that the keychain check runs while everything below and the request do.
    let remember = remember_keys(&keygen, &config, &source);
    timing.done("config");
    let mids = choose_mids(&args, &config, &source)?;
    if args.format == Format::Env && mids.len() != 1 {
        return Err(CliError::usage(format!(
            "--format env holds exactly one key, but {} merchants were asked for. Use json, csv or text for several.",
            mids.len()
        )));
    }
    if let Some(path) = &args.out {
        deliver::check_out_path(path, args.force)?;
    }
    let connection = keygen.connect_with(&config, &source)?;
    timing.done("credentials");
    log::debug!(
        "generating {} key(s) with {} against {}",
        mids.len(),
        connection.profile,
        connection.environment
    );
    let shown = connection.client.warnings();
    warn_all(&shown);
    let progress = output::progress_for(mids.len());
    let stop = connection.client.stop_handle();
    let report = runtime()?.block_on(async {
        let watcher = tokio::spawn(stop_on_ctrl_c(stop));
        let report = keygen
            .generate(&connection, &mids, remember.clone(), &progress)
            .await;
        watcher.abort();
        report
    })?;
    // A certificate chosen by the MID asked for is only loaded by the first request.
    let later: Vec<String> = connection
        .client
        .warnings()
        .into_iter()
        .filter(|w| !shown.contains(w))
        .collect();
    warn_all(&later);
    timing.done("request and keeping");
    let code = deliver::deliver(
        &keygen,
        &report,
        &Delivery {
            format: args.format,
            out: args.out.as_deref(),
            force: args.force,
            unstored_reason: remember.unreachable_reason(),
        },
    );
    timing.done("output");
    code
}

/// Ctrl-C during a batch (Windows consoles and Unix terminals alike) stops sending requests; the keys of
/// requests already on their way are still kept and written. A second Ctrl-C does not cut those off:
/// keys are kept only once the batch ends, so quitting would lose every key of this run. The requests
/// end by themselves within the request timeout. While the handler is installed, Ctrl-C never interrupts
/// keeping or writing the keys.
async fn stop_on_ctrl_c(stop: StopHandle) {
    while tokio::signal::ctrl_c().await.is_ok() {
        if !stop.is_stopped() {
            stop.stop();
            eprintln!(
                "Stopping: no further requests are sent. Keys already on their way are kept and \
                 written once they arrive (within the request timeout)."
            );
        } else {
            eprintln!(
                "Still waiting for answers already on their way, so that their keys are kept."
            );
        }
    }
}

/// `--profile`, else the pipeline variables, else the only or last profile.
pub(super) fn choose_source(args: &GenerateArgs, config: &Config) -> Result<Source, CliError> {
    if let Some(name) = args.profile.profile.as_deref() {
        return Ok(Source::Profile(resolve_profile(config, Some(name))?));
    }
    if let Some(direct) = DirectCredentials::from_vars(|k| std::env::var(k).ok())? {
        return Ok(Source::Direct(direct));
    }
    if let Some(name) = default_profile(config) {
        return Ok(Source::Profile(name));
    }
    let which = match profile_names(config).as_str() {
        "" => "No profile exists and no credentials are set.".to_string(),
        names => format!("Several profiles exist ({names}) and none was chosen."),
    };
    Err(CliError::new(
        mpos_core::error::exit::USAGE,
        format!("{which} Choose a profile with --profile NAME, or set the MPOS_KEYGEN_* variables."),
        format!(
            "Profile: mpos-keygen profile add NAME --env ENV --key-id ID (or --p12 FILE; secret on stdin), then --profile NAME.\n\
             Variables: {}, {}, {} (and {}, {}=1 for a meta key).",
            vars::ENV,
            vars::KEY_ID,
            vars::SECRET,
            vars::ORG,
            vars::META_KEY
        ),
    ))
}

/// The MIDs named, or every merchant of the profile for `--all`; each checked, duplicates dropped.
pub(super) fn choose_mids(
    args: &GenerateArgs,
    config: &Config,
    source: &Source,
) -> Result<Vec<String>, CliError> {
    let asked: Vec<String> = if args.all {
        let Source::Profile(name) = source else {
            return Err(CliError::usage(
                "--all means every merchant of a profile, but the credentials come from the MPOS_KEYGEN_* \
                 variables. Name the MIDs, or add --profile NAME.",
            ));
        };
        let profile = config
            .profile(name)
            .ok_or_else(|| CliError::usage(format!("There is no profile \"{name}\".")))?;
        if profile.merchants.is_empty() {
            return Err(CliError::usage(format!(
                "Profile \"{name}\" has no merchants yet. Add some (mpos-keygen merchant add MID) or name the MIDs."
            )));
        }
        profile.merchants.iter().map(|m| m.mid.clone()).collect()
    } else {
        args.mids.iter().map(|m| m.trim().to_string()).collect()
    };
    let mut seen = HashSet::new();
    let mut mids = Vec::new();
    for mid in asked {
        if let Some(problem) = mid_problem(&mid) {
            return Err(CliError::usage(format!(
                "\"{mid}\": {problem} Nothing was generated."
            )));
        }
        if seen.insert(mid.clone()) {
            mids.push(mid);
        }
    }
    Ok(mids)
}

/// Whether to keep the keys.
///
/// Direct credentials need no keychain to run, so an unreachable one must not stop a pipeline: the keys
/// are still written out, with a warning. Whether it answers is asked in the background from here on.
pub(super) fn remember_keys(keygen: &Keygen, config: &Config, source: &Source) -> Remember {
    let wanted = config.settings.remember_keys;
    if !wanted || matches!(source, Source::Profile(_)) {
        return Remember::Now(wanted);
    }
    Remember::IfReachable(Arc::new(keygen.start_keychain_check()))
}
