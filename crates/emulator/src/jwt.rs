//! Checks a request's REST certificate JWT (`Authorization: Bearer …`) exactly as the spec describes it.
//!
//! Independent of `mpos-kms`: its own parsing, and another RSA implementation (RustCrypto's `rsa`, where
//! the client signs with aws-lc), so a mistake on either side cannot be mirrored by the other.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD as BASE64URL};
use base64::Engine as _;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::sha2::Sha256;
use rsa::signature::Verifier;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256 as BodySha256};

use crate::certificate::EmulatorCertificate;
use crate::config::EmulatorConfig;
use crate::route::Route;
use crate::verify::{
    check_date, check_merchant, served_route, single_header, Rejection, RequestParts, Verified,
};

/// The only JWS algorithm a REST certificate signs with.
pub const JWT_ALGORITHM: &str = "RS256";
/// `exp` must be exactly `iat` plus this many seconds.
pub const JWT_LIFETIME_SECS: i64 = 120;
/// How far `iat` may be from the emulator's clock.
pub const MAX_IAT_SKEW: Duration = Duration::from_secs(5 * 60);

/// The `jti`s of accepted tokens, kept until the tokens expire, so a replayed token is refused.
#[derive(Debug, Default)]
pub struct SeenTokens {
    expiry_by_jti: Mutex<HashMap<String, i64>>,
}

impl SeenTokens {
    /// An empty memory.
    pub fn new() -> Self {
        SeenTokens::default()
    }

    /// Records `jti` (valid until `exp`); `false` when it was already recorded: a replay.
    pub fn remember(&self, jti: &str, exp: i64, now: i64) -> bool {
        let mut seen = self
            .expiry_by_jti
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // An expired token is refused by its exp anyway, so forgetting it keeps the map small.
        seen.retain(|_, until| *until >= now);
        if seen.contains_key(jti) {
            return false;
        }
        seen.insert(jti.to_owned(), exp);
        true
    }

    /// How many tokens are remembered.
    pub fn len(&self) -> usize {
        self.expiry_by_jti
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Verifies a request by whichever scheme it uses: a Bearer JWT when it has an `Authorization` header,
/// else the HTTP Signature.
pub fn authenticate(
    req: &RequestParts,
    config: &EmulatorConfig,
    now: SystemTime,
    seen: &SeenTokens,
) -> Result<Verified, Rejection> {
    if req.header("authorization").is_some() {
        verify_jwt(req, config, now, seen)
    } else {
        crate::verify::verify(req, config, now)
    }
}

/// Verifies a request authenticated by a REST certificate JWT, with `now` as the emulator's clock.
///
/// The `jti` is remembered only once everything else passed, so a forged token cannot block a real one.
pub fn verify_jwt(
    req: &RequestParts,
    config: &EmulatorConfig,
    now: SystemTime,
    seen: &SeenTokens,
) -> Result<Verified, Rejection> {
    let route = served_route(req)?;
    let with_body = route.has_body();
    // The spec: with a JWT there is no Signature and no Digest header.
    if req.header("signature").is_some() || req.header("digest").is_some() {
        return Err(Rejection::MixedAuthentication);
    }
    let host = single_header(req, "host", "Host")?;
    let date = single_header(req, "date", "Date")?;
    let merchant_id = single_header(req, "v-c-merchant-id", "v-c-merchant-id")?;
    let authorization = single_header(req, "authorization", "Authorization")?;

    let token = parse_bearer(authorization).ok_or(Rejection::JwtFormat)?;
    if token.header.get("alg").and_then(Value::as_str) != Some(JWT_ALGORITHM)
        || token.header.get("typ").and_then(Value::as_str) != Some("JWT")
    {
        return Err(Rejection::JwtAlgorithm);
    }
    let kid = token
        .header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(Rejection::JwtAlgorithm)?;
    let certificate = config.certificate(kid).ok_or(Rejection::UnknownKid)?;
    check_rs256(certificate, token.signing_input, &token.signature)?;
    check_date(date, now, config.max_clock_skew)?;

    let claims = &token.claims;
    let now_secs = unix_secs(now);
    let iat = int_claim(claims, "iat")?;
    let exp = int_claim(claims, "exp")?;
    let skew = now_secs.abs_diff(iat);
    if skew > MAX_IAT_SKEW.as_secs() {
        return Err(Rejection::IssuedAtSkew { skew_secs: skew });
    }
    if exp <= now_secs {
        return Err(Rejection::TokenExpired);
    }
    if exp != iat.saturating_add(JWT_LIFETIME_SECS) {
        return Err(Rejection::TokenLifetime);
    }
    let expect = |name: &'static str, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(Rejection::ClaimMismatch(name))
        }
    };
    expect(
        "request-method",
        str_claim(claims, "request-method")?.eq_ignore_ascii_case(&req.method),
    )?;
    expect("request-host", str_claim(claims, "request-host")? == host)?;
    expect(
        "request-resource-path",
        str_claim(claims, "request-resource-path")? == req.target,
    )?;
    expect(
        "v-c-jwt-version",
        str_claim(claims, "v-c-jwt-version")? == "2",
    )?;
    if with_body {
        expect(
            "digestAlgorithm",
            str_claim(claims, "digestAlgorithm")? == "SHA-256",
        )?;
        if str_claim(claims, "digest")? != BASE64.encode(BodySha256::digest(&req.body)) {
            return Err(Rejection::DigestClaimMismatch);
        }
    } else {
        // The spec: the JWT of a GET has no digest claims.
        expect("digest", !claims.contains_key("digest"))?;
        expect("digestAlgorithm", !claims.contains_key("digestAlgorithm"))?;
    }
    // The header is not signed, the claim is: they must agree.
    expect(
        "v-c-merchant-id",
        str_claim(claims, "v-c-merchant-id")? == merchant_id,
    )?;
    if str_claim(claims, "iss")? != certificate.organization_id {
        return Err(Rejection::IssuerMismatch);
    }
    match &route {
        Route::Codes(codes) => crate::activation::check_merchant(
            config,
            &certificate.organization_id,
            certificate.meta_key,
            merchant_id,
            codes,
        )?,
        _ => check_merchant(
            req,
            config,
            &certificate.organization_id,
            certificate.meta_key,
            merchant_id,
        )?,
    }

    let jti = str_claim(claims, "jti")?;
    if jti.is_empty() {
        return Err(Rejection::ClaimMissing("jti"));
    }
    if !seen.remember(jti, exp, now_secs) {
        return Err(Rejection::Replayed);
    }
    Ok(Verified {
        key_id: certificate.serial_number.clone(),
        organization_id: certificate.organization_id.clone(),
        merchant_id: merchant_id.to_owned(),
        meta_key: certificate.meta_key,
    })
}

/// A compact JWS, decoded.
struct Token<'a> {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    /// `header.claims` exactly as received: what the signature covers.
    signing_input: &'a str,
    signature: Vec<u8>,
}

/// `Bearer <header>.<claims>.<signature>`, each base64url without padding, header and claims JSON objects.
fn parse_bearer(authorization: &str) -> Option<Token<'_>> {
    let (scheme, token) = authorization.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return None;
    }
    let token = token.trim_start_matches(' ');
    let (signing_input, signature) = token.rsplit_once('.')?;
    let (header, claims) = signing_input.split_once('.')?;
    let object = |part: &str| match serde_json::from_slice(&BASE64URL.decode(part).ok()?) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    };
    Some(Token {
        header: object(header)?,
        claims: object(claims)?,
        signing_input,
        signature: BASE64URL.decode(signature).ok()?,
    })
}

fn check_rs256(
    certificate: &EmulatorCertificate,
    signing_input: &str,
    signature: &[u8],
) -> Result<(), Rejection> {
    let public_key = rsa::PublicKey::from_public_key_der(&certificate.public_key_der)
        .map_err(|_| Rejection::UnusableCertificate)?;
    let signature = Signature::try_from(signature).map_err(|_| Rejection::SignatureMismatch)?;
    VerifyingKey::<Sha256>::new(public_key)
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| Rejection::SignatureMismatch)
}

fn str_claim<'a>(claims: &'a Map<String, Value>, name: &'static str) -> Result<&'a str, Rejection> {
    claims
        .get(name)
        .and_then(Value::as_str)
        .ok_or(Rejection::ClaimMissing(name))
}

/// A whole number of seconds; a fraction or a string is refused, as a strict server would.
fn int_claim(claims: &Map<String, Value>, name: &'static str) -> Result<i64, Rejection> {
    claims
        .get(name)
        .and_then(Value::as_i64)
        .ok_or(Rejection::ClaimMissing(name))
}

fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replayed_jti_is_refused_until_it_expires() {
        let seen = SeenTokens::new();
        assert!(seen.remember("a", 200, 100));
        assert!(!seen.remember("a", 200, 150));
        assert!(seen.remember("b", 300, 150));
        // Once "a" has expired it is forgotten (its token is refused by exp anyway).
        assert!(seen.remember("c", 400, 250));
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn bearer_parsing_refuses_malformed_tokens() {
        let part = |json: &str| BASE64URL.encode(json);
        let good = format!("{}.{}.{}", part("{}"), part("{}"), BASE64URL.encode([1, 2]));
        assert!(parse_bearer(&format!("Bearer {good}")).is_some());
        assert!(parse_bearer(&format!("bearer {good}")).is_some());
        for bad in [
            format!("Basic {good}"),
            good.clone(),
            format!("Bearer {}.{}", part("{}"), part("{}")),
            format!("Bearer {}.{}.{}", part("[]"), part("{}"), "AQI"),
            format!("Bearer {}.{}.{}", part("{}"), "%%%", "AQI"),
            format!("Bearer {}.{}.{}=", part("{}"), part("{}"), "AQI"),
        ] {
            assert!(parse_bearer(&bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn unix_seconds_saturate() {
        assert_eq!(unix_secs(UNIX_EPOCH + Duration::from_secs(5)), 5);
        assert_eq!(unix_secs(UNIX_EPOCH - Duration::from_secs(5)), -5);
    }
}
