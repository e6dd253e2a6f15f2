//! Cybersource merchant ids (MIDs): 1 to 30 of `A-Z a-z 0-9 _`.

/// The longest organization id Cybersource documents.
pub const MAX_MID_LEN: usize = 30;

/// Why a merchant id was refused, in words a user can act on.
pub fn mid_problem(mid: &str) -> Option<String> {
    if mid.is_empty() {
        return Some(
            "The merchant id is empty. Enter the Cybersource MID, e.g. acme_store_042.".into(),
        );
    }
    if mid.chars().count() > MAX_MID_LEN {
        return Some(format!(
            "The merchant id is {} characters long; Cybersource merchant ids have at most {MAX_MID_LEN}.",
            mid.chars().count()
        ));
    }
    if let Some(bad) = mid
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Some(format!(
            "The merchant id contains {}; only letters A-Z, digits and _ are allowed.",
            describe_char(bad)
        ));
    }
    None
}

/// True when `mid` is a well-formed Cybersource merchant id.
pub fn is_valid_mid(mid: &str) -> bool {
    mid_problem(mid).is_none()
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\n' | '\r' => "a line break".into(),
        '\t' => "a tab".into(),
        '\0' => "a NUL byte".into(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("\"{c}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_letters_digits_underscore() {
        for ok in ["a", "acme_store_042", "ABC123", &"x".repeat(30)] {
            assert!(is_valid_mid(ok), "{ok}");
        }
    }

    #[test]
    fn refuses_everything_else_with_a_reason() {
        for (bad, word) in [
            ("", "empty"),
            (&"x".repeat(31) as &str, "31 characters"),
            ("a b", "a space"),
            ("a/b", "\"/\""),
            ("a\"b", "\"\"\""),
            ("a\nb", "line break"),
            ("a\0b", "NUL"),
            ("händler", "\"ä\""),
            ("a-b", "\"-\""),
        ] {
            let why = mid_problem(bad).unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert!(why.contains(word), "{bad:?}: {why}");
        }
    }
}
