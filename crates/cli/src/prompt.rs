//! Reading a secret: from stdin when it is piped, else a no-echo prompt on the terminal. Never an argument,
//! so it stays out of shell history and process listings.

use crate::error::CliError;
use mpos_kms::SecretString;
use std::io::{IsTerminal, Read};
use zeroize::Zeroizing;

/// Reads the shared secret for `profile`.
pub fn read_secret(profile: &str) -> Result<SecretString, CliError> {
    let raw = if std::io::stdin().is_terminal() {
        let prompt = format!("Shared secret for profile \"{profile}\" (input hidden): ");
        Zeroizing::new(rpassword::prompt_password(prompt).map_err(|e| {
            CliError::new(
                mpos_core::error::exit::USAGE,
                "Could not read the secret from the terminal. Pipe it in instead: printf %s \"$SECRET\" | mpos-keygen profile add …",
                e.to_string(),
            )
        })?)
    } else {
        let mut buf = Zeroizing::new(String::new());
        std::io::stdin().read_to_string(&mut buf).map_err(|e| {
            CliError::new(
                mpos_core::error::exit::USAGE,
                "Could not read the secret from standard input (it must be UTF-8 text).",
                e.to_string(),
            )
        })?;
        buf
    };
    parse_secret(&raw)
}

/// The secret without surrounding whitespace; refused when empty or spread over several words or lines.
fn parse_secret(raw: &str) -> Result<SecretString, CliError> {
    let secret = raw.trim();
    if secret.is_empty() {
        return Err(CliError::usage(
            "No secret was given. Pipe it in (printf %s \"$SECRET\" | mpos-keygen profile add …) \
             or run the command in a terminal to be asked for it.",
        ));
    }
    if secret.chars().any(char::is_whitespace) {
        return Err(CliError::usage(
            "The secret contains spaces or line breaks. Give only the shared secret from the Business Center, on one line.",
        ));
    }
    Ok(SecretString::new(secret.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrounding_whitespace_is_dropped() {
        assert_eq!(
            parse_secret("  c2VjcmV0\n")
                .map(|s| s.expose().to_string())
                .ok()
                .as_deref(),
            Some("c2VjcmV0")
        );
    }

    #[test]
    fn empty_or_several_words_are_refused() {
        assert_eq!(parse_secret("\n").err().map(|e| e.code), Some(2));
        assert_eq!(parse_secret("abc\ndef").err().map(|e| e.code), Some(2));
    }
}
