//! Reading a secret: from stdin when it is piped, else a no-echo prompt on the terminal. Never an argument,
//! so it stays out of shell history and process listings.

use crate::error::CliError;
use mpos_kms::SecretString;
use std::io::{IsTerminal, Read};
use zeroize::Zeroizing;

/// Which secret a profile needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// The REST shared secret (base64, one word).
    SharedSecret,
    /// The password of a REST certificate's `.p12` file (any text on one line, spaces included).
    P12Password,
}

impl SecretKind {
    fn name(self) -> &'static str {
        match self {
            SecretKind::SharedSecret => "shared secret",
            SecretKind::P12Password => ".p12 password",
        }
    }

    fn label(self) -> &'static str {
        match self {
            SecretKind::SharedSecret => "Shared secret",
            SecretKind::P12Password => ".p12 password",
        }
    }

    fn pipe_hint(self) -> &'static str {
        match self {
            SecretKind::SharedSecret => "printf %s \"$SECRET\" | mpos-keygen profile add …",
            SecretKind::P12Password => "printf %s \"$P12_PASSWORD\" | mpos-keygen profile add …",
        }
    }
}

/// Reads the secret of `kind` for `profile`.
pub fn read_secret(profile: &str, kind: SecretKind) -> Result<SecretString, CliError> {
    let raw = if std::io::stdin().is_terminal() {
        let what = kind.name();
        let prompt = format!(
            "{} for profile \"{profile}\" (input hidden): ",
            kind.label()
        );
        Zeroizing::new(rpassword::prompt_password(prompt).map_err(|e| {
            CliError::new(
                mpos_core::error::exit::USAGE,
                format!(
                    "Could not read the {what} from the terminal. Pipe it in instead: {}",
                    kind.pipe_hint()
                ),
                e.to_string(),
            )
        })?)
    } else {
        let mut buf = Zeroizing::new(String::new());
        std::io::stdin().read_to_string(&mut buf).map_err(|e| {
            CliError::new(
                mpos_core::error::exit::USAGE,
                format!(
                    "Could not read the {} from standard input (it must be UTF-8 text).",
                    kind.name()
                ),
                e.to_string(),
            )
        })?;
        buf
    };
    match kind {
        SecretKind::SharedSecret => parse_secret(&raw),
        SecretKind::P12Password => parse_password(&raw),
    }
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
    let secret = SecretString::new(secret.to_string());
    // Refused now rather than stored and refused at the first request.
    mpos_kms::signing::decode_shared_secret(&secret)?;
    Ok(secret)
}

/// The password as typed: only the line ending `echo` adds is dropped, since spaces may belong to it.
fn parse_password(raw: &str) -> Result<SecretString, CliError> {
    let password = raw
        .strip_suffix('\n')
        .map(|p| p.strip_suffix('\r').unwrap_or(p))
        .unwrap_or(raw);
    if password.trim().is_empty() {
        return Err(CliError::usage(
            "No .p12 password was given. Pipe it in (printf %s \"$P12_PASSWORD\" | mpos-keygen profile add …) \
             or run the command in a terminal to be asked for it.",
        ));
    }
    if password.contains(['\n', '\r']) {
        return Err(CliError::usage(
            "The .p12 password spans several lines. Give only the password set for the certificate, on one line.",
        ));
    }
    Ok(SecretString::new(password.to_string()))
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

    #[test]
    fn a_password_keeps_its_spaces_and_loses_one_line_ending() {
        let read = |raw: &str| parse_password(raw).map(|s| s.expose().to_string()).ok();
        assert_eq!(read(" pass word \n").as_deref(), Some(" pass word "));
        assert_eq!(read("pass\r\n").as_deref(), Some("pass"));
        assert_eq!(read("pass").as_deref(), Some("pass"));
    }

    #[test]
    fn an_empty_or_multi_line_password_is_refused() {
        assert_eq!(parse_password("").err().map(|e| e.code), Some(2));
        assert_eq!(parse_password("  \n").err().map(|e| e.code), Some(2));
        assert_eq!(parse_password("one\ntwo\n").err().map(|e| e.code), Some(2));
    }
}
