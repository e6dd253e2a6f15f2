//! UTC timestamps in the two shapes the store writes, and the milliseconds of `--verbose` timing lines.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::OffsetDateTime;

/// Now, as RFC 3339 UTC to the second, e.g. `2026-11-28T14:30:00Z`.
pub fn now_rfc3339() -> String {
    let now = OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    // Formatting a UTC time with a four-digit year cannot fail; the fallback only satisfies the type.
    now.format(&Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

/// A moment as RFC 3339 UTC to the second, like [`now_rfc3339`].
pub fn rfc3339(at: std::time::SystemTime) -> String {
    let t = OffsetDateTime::from(at);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Now, compact and file-name safe, e.g. `20261128T143000Z`, for backup names.
pub(crate) fn now_compact() -> String {
    let now = OffsetDateTime::now_utc();
    now.format(format_description!(
        "[year][month][day]T[hour][minute][second]Z"
    ))
    .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

/// Milliseconds since `start`, for the `--verbose` timing lines.
pub fn ms_since(start: std::time::Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let a = now_rfc3339();
        assert_eq!(a.len(), 20, "{a}");
        assert!(a.ends_with('Z') && a.as_bytes()[10] == b'T');
        let b = now_compact();
        assert_eq!(b.len(), 16, "{b}");
        assert!(b.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
