//! HTTP Signature (HmacSHA256) over a REST shared secret, exactly as Cybersource's SDKs compute it.

use crate::error::KmsError;
use crate::secret::SecretString;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest as _, Sha256};
use std::time::SystemTime;
use zeroize::Zeroizing;

/// The only algorithm Cybersource accepts for shared secrets.
pub const ALGORITHM: &str = "HmacSHA256";

/// What to sign: one HTTP request to Cybersource.
#[derive(Debug, Clone, Copy)]
pub struct SignRequest<'a> {
    /// HTTP method, any case (`POST`, `GET`, …).
    pub method: &'a str,
    /// The `Host` header exactly as sent, with `:port` when the port is not the scheme's default.
    pub host: &'a str,
    /// The path (and query, if any) of the request, e.g. `/kms/v2/keys-sym-pos`.
    pub request_target: &'a str,
    /// The exact body bytes sent; ignored for methods without a digest (GET, DELETE, …).
    pub body: &'a [u8],
    /// The `v-c-merchant-id` HTTP header: the transacting MID.
    pub merchant_id: &'a str,
    /// For a meta key, the portfolio (owner) id that goes into the signing string instead of `merchant_id`.
    pub portfolio_id: Option<&'a str>,
    /// The REST shared secret key's id (a UUID).
    pub key_id: &'a str,
    /// The REST shared secret, base64 as the Business Center shows it.
    pub secret: &'a SecretString,
    /// When the request is made; becomes the `Date` header, computed once.
    pub date: SystemTime,
}

/// Everything a signed request needs, computed from one [`SignRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// The `Date` header value (RFC 7231 IMF-fixdate, GMT).
    pub date: String,
    /// The `Digest` header value, `None` for methods without a body digest.
    pub digest: Option<String>,
    /// The `v-c-merchant-id` header value (the transacting MID).
    pub merchant_id_header: String,
    /// The exact text that was signed (lines joined by `\n`, no trailing newline).
    pub signing_string: String,
    /// base64 of HMAC-SHA256 over the signing string.
    pub signature: String,
    /// The `Signature` header value.
    pub signature_header: String,
}

/// Formats a time as an RFC 7231 IMF-fixdate, e.g. `Mon, 07 Aug 2023 13:07:17 GMT`.
pub fn http_date(time: SystemTime) -> String {
    httpdate::fmt_http_date(time)
}

/// The `Digest` header for a body: `SHA-256=` + base64 of the raw SHA-256 of the exact bytes.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", BASE64.encode(Sha256::digest(body)))
}

/// Decodes a REST shared secret into HMAC key bytes, refusing text that is not base64 or is empty.
pub fn decode_shared_secret(secret: &SecretString) -> Result<Zeroizing<Vec<u8>>, KmsError> {
    // A secret pasted from the Business Center often carries a trailing newline or spaces.
    let text = secret.expose().trim();
    if text.is_empty() {
        return Err(KmsError::InvalidInput(
            "The shared secret is empty. Paste the REST shared secret key from the Business Center \
             (Payment Configuration > Key Management)."
                .into(),
        ));
    }
    let bytes = Zeroizing::new(BASE64.decode(text).map_err(|_| {
        KmsError::InvalidInput(
            "The shared secret is not valid base64. Copy the whole REST shared secret from the Business \
             Center; it looks like yBJxy6LjM2Tm…1tE= (letters, digits, + / and = at the end)."
                .into(),
        )
    })?);
    if bytes.is_empty() {
        return Err(KmsError::InvalidInput(
            "The shared secret decodes to nothing. Copy the whole REST shared secret from the Business Center."
                .into(),
        ));
    }
    Ok(bytes)
}

/// Checks a key id before it goes into a quoted header parameter.
pub fn key_id_problem(key_id: &str) -> Option<String> {
    if key_id.trim().is_empty() {
        return Some("The key id is empty. Enter the REST shared secret's key id (a UUID).".into());
    }
    if key_id
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control() || !c.is_ascii())
    {
        return Some(
            "The key id contains quotes, backslashes, line breaks or non-ASCII characters; copy the key id \
             (a UUID such as 08c94330-f618-42a3-b09d-e1e43be5efda) again."
                .into(),
        );
    }
    None
}

fn has_digest(method: &str) -> bool {
    // Cybersource's SDKs add a digest for the methods that carry a body.
    matches!(
        method.to_ascii_uppercase().as_str(),
        "POST" | "PUT" | "PATCH"
    )
}

/// Signs one request: Date, Digest, signing string, signature and `Signature` header.
pub fn sign(req: &SignRequest<'_>) -> Result<SignedRequest, KmsError> {
    if let Some(problem) = key_id_problem(req.key_id) {
        return Err(KmsError::InvalidInput(problem));
    }
    for (name, value) in [("host", req.host), ("merchant id", req.merchant_id)] {
        if value.is_empty() || value.chars().any(|c| c.is_control()) {
            return Err(KmsError::InvalidInput(format!(
                "The {name} {value:?} cannot be signed: it is empty or contains a line break."
            )));
        }
    }
    let key = decode_shared_secret(req.secret)?;

    let date = http_date(req.date);
    let digest = has_digest(req.method).then(|| digest_header(req.body));
    let signing_merchant = req.portfolio_id.unwrap_or(req.merchant_id);

    let mut lines = vec![
        format!("host: {}", req.host),
        format!("date: {date}"),
        format!(
            "request-target: {} {}",
            req.method.to_ascii_lowercase(),
            req.request_target
        ),
    ];
    if let Some(d) = &digest {
        lines.push(format!("digest: {d}"));
    }
    lines.push(format!("v-c-merchant-id: {signing_merchant}"));
    let signing_string = lines.join("\n");

    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| {
        KmsError::InvalidInput("The shared secret cannot be used as an HMAC key.".into())
    })?;
    mac.update(signing_string.as_bytes());
    let signature = BASE64.encode(mac.finalize().into_bytes());

    let headers = if digest.is_some() {
        "host date request-target digest v-c-merchant-id"
    } else {
        "host date request-target v-c-merchant-id"
    };
    let signature_header = format!(
        "keyid=\"{}\", algorithm=\"{ALGORITHM}\", headers=\"{headers}\", signature=\"{signature}\"",
        req.key_id
    );

    Ok(SignedRequest {
        date,
        digest,
        merchant_id_header: req.merchant_id.to_string(),
        signing_string,
        signature,
        signature_header,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const SECRET: &str = "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=";
    const KEY_ID: &str = "08c94330-f618-42a3-b09d-e1e43be5efda";

    fn request<'a>(secret: &'a SecretString, method: &'a str, body: &'a [u8]) -> SignRequest<'a> {
        SignRequest {
            method,
            host: "apitest.cybersource.com",
            request_target: "/kms/v2/keys-sym-pos",
            body,
            merchant_id: "testrest",
            portfolio_id: None,
            key_id: KEY_ID,
            secret,
            date: UNIX_EPOCH + Duration::from_secs(1_691_413_637),
        }
    }

    #[test]
    fn http_date_is_imf_fixdate_in_gmt() {
        let t = UNIX_EPOCH + Duration::from_secs(1_691_413_637);
        assert_eq!(http_date(t), "Mon, 07 Aug 2023 13:07:17 GMT");
        // Single-digit days are zero-padded, never "UTC".
        let t = UNIX_EPOCH + Duration::from_secs(1_796_115_605);
        assert_eq!(http_date(t), "Tue, 01 Dec 2026 09:00:05 GMT");
    }

    #[test]
    fn digest_of_empty_body() {
        assert_eq!(
            digest_header(b""),
            "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn same_date_in_header_and_signing_string() {
        let secret = SecretString::new(SECRET.into());
        let signed = sign(&request(&secret, "POST", b"{}")).unwrap();
        assert!(signed
            .signing_string
            .contains(&format!("\ndate: {}\n", signed.date)));
        assert!(!signed.signing_string.ends_with('\n'));
        assert_eq!(
            signed.digest.as_deref(),
            Some(digest_header(b"{}").as_str())
        );
    }

    #[test]
    fn delete_has_no_digest() {
        let secret = SecretString::new(SECRET.into());
        let signed = sign(&request(&secret, "DELETE", b"ignored")).unwrap();
        assert_eq!(signed.digest, None);
        assert!(!signed.signing_string.contains("digest"));
        assert!(signed
            .signing_string
            .contains("request-target: delete /kms"));
        assert!(signed
            .signature_header
            .contains("headers=\"host date request-target v-c-merchant-id\""));
    }

    #[test]
    fn meta_key_signs_the_portfolio_and_sends_the_mid() {
        let secret = SecretString::new(SECRET.into());
        let mut req = request(&secret, "POST", b"{}");
        req.merchant_id = "child_mid";
        req.portfolio_id = Some("parent_portfolio");
        let signed = sign(&req).unwrap();
        assert!(signed
            .signing_string
            .ends_with("\nv-c-merchant-id: parent_portfolio"));
        assert_eq!(signed.merchant_id_header, "child_mid");
    }

    #[test]
    fn secret_with_surrounding_whitespace_signs_like_the_trimmed_one() {
        let clean = SecretString::new(SECRET.into());
        let pasted = SecretString::new(format!("  {SECRET}\n"));
        assert_eq!(
            sign(&request(&clean, "POST", b"x")).unwrap(),
            sign(&request(&pasted, "POST", b"x")).unwrap()
        );
    }

    #[test]
    fn bad_secrets_are_invalid_input_with_a_reason() {
        for (raw, word) in [
            ("", "empty"),
            ("   ", "empty"),
            ("not base64!!", "not valid base64"),
            ("=", "base64"),
        ] {
            let secret = SecretString::new(raw.into());
            match sign(&request(&secret, "POST", b"x")) {
                Err(KmsError::InvalidInput(msg)) => assert!(msg.contains(word), "{raw:?}: {msg}"),
                other => panic!("{raw:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn error_messages_never_contain_the_secret() {
        let secret = SecretString::new("s3cr3t-value-not-base64".into());
        let err = sign(&request(&secret, "POST", b"x")).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("s3cr3t"));
    }

    #[test]
    fn bad_key_ids_are_refused() {
        let secret = SecretString::new(SECRET.into());
        for bad in ["", "  ", "a\"b", "a\nb", "schlüssel"] {
            let mut req = request(&secret, "POST", b"x");
            req.key_id = bad;
            assert!(
                matches!(sign(&req), Err(KmsError::InvalidInput(m)) if m.contains("key id")),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn header_injection_is_refused() {
        let secret = SecretString::new(SECRET.into());
        let mut req = request(&secret, "POST", b"x");
        req.merchant_id = "mid\r\nX-Evil: 1";
        assert!(matches!(sign(&req), Err(KmsError::InvalidInput(m)) if m.contains("line break")));
    }
}
