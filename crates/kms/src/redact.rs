//! Keeps secrets out of everything we show or log: error snippets, details and debug logs.

/// How many characters of a response body an error shows.
pub const SNIPPET_CHARS: usize = 200;

/// JSON member names whose values are secrets (compared case-insensitively).
const SECRET_NAMES: [&str; 6] = [
    "key",
    "token",
    "secret",
    "sharedsecret",
    "password",
    "merchantsecret",
];

/// Replaces the value of every JSON member named `key` (or `token`, an activation code; `secret`,
/// `sharedSecret`, `password`, `merchantSecret`) with `"<redacted>"`, also when the text is not valid JSON or is cut off mid-value.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Every quote found here opens a string literal, because each literal is consumed whole.
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..open]);
        let (literal, after) = split_string_literal(&rest[open..]);
        out.push_str(literal);
        rest = after;
        if !is_secret_name(literal) {
            continue;
        }
        let after_ws = rest.trim_start();
        let Some(value_part) = after_ws.strip_prefix(':') else {
            continue;
        };
        let value = value_part.trim_start();
        out.push_str(&rest[..rest.len() - value.len()]);
        rest = if value.starts_with('"') {
            out.push_str("\"<redacted>\"");
            split_string_literal(value).1
        } else if value.starts_with(['{', '[']) || value.is_empty() {
            // Not a scalar secret: leave the structure, its members are scanned as usual.
            value
        } else {
            out.push_str("\"<redacted>\"");
            let end = value
                .find([',', '}', ']', '\n', '\r', ' ', '\t'])
                .unwrap_or(value.len());
            &value[end..]
        };
    }
    out.push_str(rest);
    out
}

/// The first [`SNIPPET_CHARS`] characters of a body, secrets redacted, for error messages.
pub fn snippet(body: &[u8]) -> String {
    // Redact the whole text first, so a secret cannot slip through half-cut at the boundary.
    let text = redact(&String::from_utf8_lossy(body));
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(SNIPPET_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// Splits `"…"…` into the literal (quotes included, or everything if unterminated) and what follows.
fn split_string_literal(s: &str) -> (&str, &str) {
    let bytes = s.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return s.split_at(i + 1),
            _ => i += 1,
        }
    }
    (s, "")
}

fn is_secret_name(literal: &str) -> bool {
    let raw = literal
        .strip_prefix('"')
        .and_then(|l| l.strip_suffix('"'))
        .unwrap_or("");
    // `"k\u0065y"` is the member `key` to a JSON parser (and so an issued key): compare names decoded.
    let decoded = raw
        .contains('\\')
        .then(|| serde_json::from_str::<String>(literal).ok())
        .flatten();
    let name = decoded.as_deref().unwrap_or(raw);
    SECRET_NAMES.iter().any(|s| name.eq_ignore_ascii_case(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_key_values_only() {
        let body = r#"{"keyInformation":[{"key":"SECRET1","keyId":"id-1","organizationId":"m"},{"key" : "SE\"CRET2"}]}"#;
        let out = redact(body);
        assert!(!out.contains("SECRET"), "{out}");
        assert_eq!(
            out,
            r#"{"keyInformation":[{"key":"<redacted>","keyId":"id-1","organizationId":"m"},{"key" : "<redacted>"}]}"#
        );
    }

    #[test]
    fn redacts_cut_off_and_odd_values() {
        assert_eq!(redact(r#"{"key":"abcdef"#), r#"{"key":"<redacted>""#);
        assert_eq!(
            redact(r#"{"key":12345,"a":1}"#),
            r#"{"key":"<redacted>","a":1}"#
        );
        assert_eq!(redact(r#"{"Secret": "x"}"#), r#"{"Secret": "<redacted>"}"#);
        assert_eq!(
            redact(r#"{"key":{"key":"x"}}"#),
            r#"{"key":{"key":"<redacted>"}}"#
        );
        assert_eq!(redact(r#"{"key":""#), r#"{"key":"<redacted>""#);
        assert_eq!(redact(r#"{"key":"#), r#"{"key":"#);
    }

    #[test]
    fn names_written_with_escapes_are_still_redacted() {
        // Found by the kms_answer fuzz target: the parser reads this member as the key.
        assert_eq!(
            redact(r#"{"k\u0065y":"SECRET1","s\u0065cret":2,"keyId":"k\u0065y"}"#),
            r#"{"k\u0065y":"<redacted>","s\u0065cret":"<redacted>","keyId":"k\u0065y"}"#
        );
        assert_eq!(redact(r#"{"k\"ey":"x"}"#), r#"{"k\"ey":"x"}"#);
        assert_eq!(redact(r#"{"k\u00":"x"}"#), r#"{"k\u00":"x"}"#);
    }

    #[test]
    fn leaves_other_text_alone() {
        for text in [
            "<html>key = \"x\"</html>",
            r#"{"message":"the key was \"bad\""}"#,
            "",
            "\"",
            "ключ",
        ] {
            assert_eq!(redact(text), text);
        }
        // A value that merely equals "key" is not a member name.
        assert_eq!(redact(r#"["key", "x"]"#), r#"["key", "x"]"#);
    }

    #[test]
    fn snippet_is_redacted_then_shortened() {
        let body = format!(
            r#"{{"key":"{}","tail":"{}"}}"#,
            "S".repeat(300),
            "t".repeat(300)
        );
        let s = snippet(body.as_bytes());
        assert!(!s.contains('S'), "{s}");
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert!(s.ends_with('…'));
        assert_eq!(snippet(b"short"), "short");
        assert_eq!(snippet(b"\xff\xfe"), "\u{fffd}\u{fffd}");
    }
}
