//! `mpos-keygen completions SHELL` and the hidden `manpage`: generated from the same clap definition.

use crate::args::Cli;
use crate::error::CliError;
use clap::CommandFactory;
use mpos_core::error::exit;

/// Prints the completion script for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<i32, CliError> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mpos-keygen", &mut out);
    crate::output::stdout(&String::from_utf8_lossy(&out))?;
    Ok(exit::OK)
}

/// Prints the man page (roff) on stdout.
pub fn manpage() -> Result<i32, CliError> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| CliError::storage("Could not write the manual page.", e.to_string()))?;
    crate::output::stdout(&String::from_utf8_lossy(&out))?;
    Ok(exit::OK)
}
