//! Where words go: results to stdout, messages to stderr (one plain line first, detail after).

use crate::error::CliError;
use std::io::{IsTerminal, Write};

/// Prints an error to stderr: `error: <one line>`, then any further lines and the detail, indented.
pub fn print_error(e: &CliError) {
    let mut lines = e.message.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("Something went wrong.");
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {}", printable(first));
    for line in lines
        .chain(e.detail.lines())
        .filter(|l| !l.trim().is_empty())
    {
        let _ = writeln!(err, "  {}", printable(line));
    }
}

/// The line with control characters written as escapes (`\u{1b}`): messages echo what was typed (a MID,
/// a profile name), and a terminal escape sequence in it must not drive the user's terminal.
fn printable(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        if c.is_control() && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints a warning to stderr, detail indented under it.
pub fn warn(message: &str, detail: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "warning: {}", printable(message));
    for line in detail.lines().filter(|l| !l.trim().is_empty()) {
        let _ = writeln!(err, "  {}", printable(line));
    }
}

/// Prints a note to stderr (what happened, for people; scripts read stdout and the exit code).
pub fn note(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

/// Writes a result to stdout; a closed pipe is a file storage error rather than a panic.
pub fn stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| {
            if text.is_empty() || text.ends_with('\n') {
                Ok(())
            } else {
                out.write_all(b"\n")
            }
        })
        .and_then(|_| out.flush())
        .map_err(|e| CliError::storage("Could not write to standard output.", e.to_string()))
}

/// A progress callback: a `done/total` line on stderr, redrawn in place, only when stderr is a
/// terminal and the batch is large; otherwise it does nothing (scripts get no stray carriage returns).
pub fn progress_for(total: usize) -> Box<dyn Fn(usize, usize) + Send + Sync> {
    const SHOW_ABOVE: usize = 100;
    if total <= SHOW_ABOVE || !std::io::stderr().is_terminal() {
        return Box::new(|_, _| {});
    }
    Box::new(|done: usize, total: usize| {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\rGenerating keys: {done}/{total}");
        if done >= total {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    })
}

/// Aligns rows into columns separated by two spaces; the first row is the header.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| format!("{cell:<width$}", width = widths[c]))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let t = table(&[
            vec!["MID".into(), "LABEL".into()],
            vec!["acme_store_042".into(), "Acme".into()],
        ]);
        assert_eq!(t, "MID             LABEL\nacme_store_042  Acme\n");
    }
}
