//! A wrapper that keeps secrets out of logs, debug output and serialized data.

use serde::{Deserialize, Deserializer};
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A secret value: never printed, never serialized, zeroized when dropped.
///
/// It deliberately implements neither `Display` nor `Serialize`; reading the value takes an explicit
/// call to [`Sensitive::expose`], which is easy to find in a review.
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Sensitive<T: Zeroize>(T);

impl<T: Zeroize> Sensitive<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Gives read access to the secret; every call site is a place where a secret leaves the wrapper.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T: Zeroize> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive(<redacted>)")
    }
}

// Secrets may come in (the UI's write-only credential fields), but never go out.
impl<'de, T: Zeroize + Deserialize<'de>> Deserialize<'de> for Sensitive<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Sensitive)
    }
}

/// A secret string, the common case.
pub type SecretString = Sensitive<String>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = SecretString::new("hunter2-very-secret".into());
        let shown = format!("{s:?} {s:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn nested_debug_is_redacted_too() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            secret: SecretString,
        }
        let h = Holder {
            secret: SecretString::new("abc-123-xyz".into()),
        };
        assert!(!format!("{h:?}").contains("abc-123-xyz"));
    }

    #[test]
    fn deserializes_but_exposes_only_on_request() {
        let s: SecretString = serde_json::from_str("\"topsecret\"").unwrap();
        assert_eq!(s.expose(), "topsecret");
    }

    #[test]
    fn zeroize_clears_the_value() {
        let mut s = SecretString::new("wipe-me".into());
        s.zeroize();
        assert!(s.expose().is_empty());
    }
}
