//! The secret of a batch keychain entry (`keys:<batchId>`): a compact JSON object `{keyId: secret}`.
//!
//! One entry per generate run instead of one per key: Secret Service (GNOME Keyring) rewrites its
//! whole keyring file on every change, so a write per key made 1,000 keys take about a minute and
//! slowed every later write. The text is built in a [`SecretBuf`] and parsed into [`SecretString`]s,
//! so every copy of a secret is zeroized when dropped.

use crate::error::StoreError;
use crate::secret_buf::SecretBuf;
use mpos_kms::SecretString;
use std::collections::BTreeMap;

/// The keys of one batch entry, by key id.
pub(crate) type BatchKeys = BTreeMap<String, SecretString>;

/// Encodes `(keyId, secret)` pairs as the entry's secret; a repeated key id keeps its last secret.
pub(crate) fn encode<'a>(
    keys: impl Iterator<Item = (&'a str, &'a SecretString)> + Clone,
) -> Result<SecretString, StoreError> {
    let size: usize = keys
        .clone()
        .map(|(id, secret)| id.len() + secret.expose().len() + 6)
        .sum();
    let mut buf = SecretBuf::with_capacity(size + 2);
    buf.push_str("{");
    for (n, (key_id, secret)) in keys.enumerate() {
        if n > 0 {
            buf.push_str(",");
        }
        push_json_string(&mut buf, key_id)?;
        buf.push_str(":");
        push_json_string(&mut buf, secret.expose())?;
    }
    buf.push_str("}");
    buf.into_secret().map_err(|_| encoding_failed())
}

/// Reads an entry's secret back; `account` and `store` only name the entry in the error.
///
/// The error never quotes the text (serde's message could hold part of a secret).
pub(crate) fn decode(
    secret: &SecretString,
    account: &str,
    store: &str,
) -> Result<BatchKeys, StoreError> {
    serde_json::from_str(secret.expose()).map_err(|_| {
        StoreError::Keychain(format!(
            "Keychain entry \"{account}\" in {store} was changed outside this app and can no longer be \
             read. Delete it there, then forget its keys again; their secrets cannot be shown any more."
        ))
    })
}

/// Writes `text` as a JSON string straight into the buffer (serde_json escapes in place, no copy).
fn push_json_string(buf: &mut SecretBuf, text: &str) -> Result<(), StoreError> {
    serde_json::to_writer(&mut *buf, text).map_err(|_| encoding_failed())
}

fn encoding_failed() -> StoreError {
    StoreError::InvalidInput(
        "The generated keys could not be encoded for the keychain; please report this as a bug."
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::new(text.into())
    }

    #[test]
    fn round_trips_compact_json_with_escapes() {
        let (a, b) = (secret("c2Vj+/w=="), secret("quote\" back\\slash"));
        let encoded = encode([("id-1", &a), ("id-2", &b)].into_iter()).unwrap();
        assert_eq!(
            encoded.expose(),
            r#"{"id-1":"c2Vj+/w==","id-2":"quote\" back\\slash"}"#
        );
        let keys = decode(&encoded, "keys:x", "memory").unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys["id-2"].expose(), b.expose());
    }

    #[test]
    fn an_empty_batch_is_an_empty_object() {
        let encoded = encode(std::iter::empty()).unwrap();
        assert_eq!(encoded.expose(), "{}");
        assert!(decode(&encoded, "keys:x", "memory").unwrap().is_empty());
    }

    #[test]
    fn unreadable_text_is_reported_without_quoting_it() {
        let e = decode(&secret("plain-secret-value"), "keys:x", "memory").unwrap_err();
        assert_eq!(e.code(), "keychain_error");
        assert!(!e.to_string().contains("plain-secret"), "{e}");
        assert!(e.to_string().contains("keys:x"), "{e}");
    }
}
