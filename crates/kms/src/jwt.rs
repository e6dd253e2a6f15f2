//! RS256 JWTs for REST certificate authentication ("JWT version 2", as Cybersource's current SDKs make them).

use crate::certificate::CertificateCredential;
use crate::error::KmsError;
use crate::signing::http_date;
use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD as BASE64URL};
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

/// The JWS algorithm of REST certificate tokens.
pub const JWT_ALGORITHM: &str = "RS256";
/// How long a token is valid: `exp` = `iat` + this many seconds.
pub const JWT_LIFETIME_SECS: u64 = 120;
/// The `v-c-jwt-version` claim.
pub const JWT_VERSION: &str = "2";
/// The `digestAlgorithm` claim.
pub const DIGEST_ALGORITHM: &str = "SHA-256";

/// What to sign: one HTTP request to Cybersource.
#[derive(Debug, Clone, Copy)]
pub struct JwtRequest<'a> {
    /// HTTP method, any case; sent upper-case in `request-method`.
    pub method: &'a str,
    /// The `Host` header exactly as sent, with `:port` when the port is not the scheme's default.
    pub host: &'a str,
    /// The path of the request with its query, if any: `request-resource-path` carries both (the activation
    /// codes call signs `?size=N` this way, as the spec says).
    pub resource_path: &'a str,
    /// The exact body bytes sent; ignored for methods without a digest (GET, DELETE, …).
    pub body: &'a [u8],
    /// The transacting MID: the `v-c-merchant-id` header and claim.
    pub merchant_id: &'a str,
    /// `iss`: the MID, or the portfolio (owner) id for a meta key.
    pub issuer: &'a str,
    /// The certificate that signs.
    pub credential: &'a CertificateCredential,
    /// When the request is made: `iat`, and the `Date` header.
    pub date: SystemTime,
}

/// Everything a request authenticated by a JWT needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedJwt {
    /// The `Date` header value (RFC 7231 IMF-fixdate, GMT), the same instant as `iat`.
    pub date: String,
    /// The `v-c-merchant-id` header value (the transacting MID).
    pub merchant_id_header: String,
    /// The compact JWS: `header.claims.signature`, base64url without padding.
    pub token: String,
    /// The `Authorization` header value: `Bearer <token>`.
    pub authorization: String,
    /// The token's `jti` (a fresh UUID), for logs that need to tell two requests apart.
    pub jti: String,
}

#[derive(Serialize)]
struct Header<'a> {
    kid: &'a str,
    alg: &'static str,
    typ: &'static str,
}

#[derive(Serialize)]
struct Claims<'a> {
    iat: u64,
    exp: u64,
    #[serde(rename = "request-method")]
    request_method: String,
    #[serde(rename = "request-host")]
    request_host: &'a str,
    #[serde(rename = "request-resource-path")]
    request_resource_path: &'a str,
    iss: &'a str,
    jti: &'a str,
    #[serde(rename = "v-c-jwt-version")]
    version: &'static str,
    #[serde(rename = "v-c-merchant-id")]
    merchant_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<String>,
    #[serde(rename = "digestAlgorithm", skip_serializing_if = "Option::is_none")]
    digest_algorithm: Option<&'static str>,
}

/// base64 of the raw SHA-256 of these exact bytes, without the `SHA-256=` prefix of the Digest header.
pub fn body_digest(body: &[u8]) -> String {
    BASE64.encode(Sha256::digest(body))
}

fn has_digest(method: &str) -> bool {
    // As the SDKs do: a digest for the methods that carry a body.
    matches!(
        method.to_ascii_uppercase().as_str(),
        "POST" | "PUT" | "PATCH"
    )
}

/// Signs one request: a fresh `jti`, `iat` from `date`, `exp` = `iat` + 120 s, the body digest.
pub fn sign_jwt(req: &JwtRequest<'_>) -> Result<SignedJwt, KmsError> {
    for (name, value) in [
        ("host", req.host),
        ("merchant id", req.merchant_id),
        ("issuer (owner id)", req.issuer),
    ] {
        if value.is_empty() || value.chars().any(char::is_control) {
            return Err(KmsError::InvalidInput(format!(
                "The {name} {value:?} cannot be signed: it is empty or contains a line break."
            )));
        }
    }
    let iat = req
        .date
        .duration_since(UNIX_EPOCH)
        .map_err(|_| {
            KmsError::InvalidInput(
                "This computer's clock is set before 1970; set the date and time.".into(),
            )
        })?
        .as_secs();
    let jti = uuid::Uuid::new_v4().to_string();
    let with_digest = has_digest(req.method);
    let claims = Claims {
        iat,
        exp: iat + JWT_LIFETIME_SECS,
        request_method: req.method.to_ascii_uppercase(),
        request_host: req.host,
        request_resource_path: req.resource_path,
        iss: req.issuer,
        jti: &jti,
        version: JWT_VERSION,
        merchant_id: req.merchant_id,
        digest: with_digest.then(|| body_digest(req.body)),
        digest_algorithm: with_digest.then_some(DIGEST_ALGORITHM),
    };
    let header = Header {
        kid: req.credential.kid(),
        alg: JWT_ALGORITHM,
        typ: "JWT",
    };
    let signing_input = format!("{}.{}", encode_json(&header)?, encode_json(&claims)?);
    let signature = req.credential.sign_rs256(signing_input.as_bytes())?;
    let token = format!("{signing_input}.{}", BASE64URL.encode(signature));
    Ok(SignedJwt {
        date: http_date(req.date),
        merchant_id_header: req.merchant_id.to_string(),
        authorization: format!("Bearer {token}"),
        token,
        jti,
    })
}

fn encode_json(value: &impl Serialize) -> Result<String, KmsError> {
    let json = serde_json::to_vec(value).map_err(|e| {
        KmsError::InvalidInput(format!("The JWT could not be written as JSON: {e}"))
    })?;
    Ok(BASE64URL.encode(json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_has_no_prefix() {
        assert_eq!(
            body_digest(b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn only_body_methods_get_a_digest() {
        assert!(has_digest("post") && has_digest("PUT") && has_digest("Patch"));
        assert!(!has_digest("GET") && !has_digest("delete"));
    }
}
