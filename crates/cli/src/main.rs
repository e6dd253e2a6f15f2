//! mpos-keygen: generate mposUi secret keys from a terminal.
//!
//! Results go to stdout, messages to stderr, and the exit code says how it went (see `--help`).

mod args;
mod args_key;
mod commands;
mod error;
mod output;
mod prompt;
mod timing;

use args::Cli;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // clap prints its own usage errors and exits with 2, as the spec wants for bad usage.
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let code = match commands::run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            output::print_error(&e);
            e.code
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// `--verbose`: debug logs of our own crates on stderr. Other crates stay at warn, since their debug
/// output (HTTP or D-Bus internals) is not reviewed for secrets.
fn init_logging(verbose: bool) {
    let mut builder = env_logger::Builder::new();
    builder
        .target(env_logger::Target::Stderr)
        .filter_level(log::LevelFilter::Off);
    if verbose {
        builder.filter_level(log::LevelFilter::Warn);
        for own in [
            "mpos_keygen",
            "mpos_core",
            "mpos_kms",
            "mpos_store",
            "mpos_emulator",
        ] {
            builder.filter_module(own, log::LevelFilter::Debug);
        }
    }
    builder.init();
}
