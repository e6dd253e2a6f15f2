//! Checks a request's HTTP Signature exactly as the spec describes it.
//!
//! Written independently of `mpos-kms`'s signer on purpose: if both shared code, a bug in it would sign
//! and verify the same wrong thing and every test would still pass.

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

use crate::config::{EmulatorConfig, EmulatorCredential};
use crate::route::Route;

/// The path that issues keys.
pub const KEYS_PATH: &str = "/kms/v2/keys-sym-pos";
/// The only algorithm a shared secret key signs with.
pub const ALGORITHM: &str = "HmacSHA256";
/// The headers list a POST must sign, in this order.
pub const SIGNED_HEADERS: &str = "host date request-target digest v-c-merchant-id";
/// The headers list a GET must sign (no body, so no digest), in this order.
pub const SIGNED_HEADERS_GET: &str = "host date request-target v-c-merchant-id";

/// A request as received: method and target from the request line, header values as sent, body bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestParts {
    /// The method, case as sent.
    pub method: String,
    /// The request target (path and any query), as sent.
    pub target: String,
    /// Header names and values in arrival order (values without surrounding whitespace).
    pub headers: Vec<(String, String)>,
    /// The exact body bytes.
    pub body: Vec<u8>,
}

impl RequestParts {
    /// The first value of a header (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_values(name).next()
    }

    /// Every value of a header, in arrival order.
    pub fn header_values<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Who a verified request authenticated as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The key id that signed.
    pub key_id: String,
    /// The organization that owns the key.
    pub organization_id: String,
    /// The `v-c-merchant-id` header (the transacting merchant for a meta key).
    pub merchant_id: String,
    /// Whether the key is a meta key.
    pub meta_key: bool,
}

/// Why a request was refused; every one of them answers 401 Authentication Failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Not a request the emulator serves (the server answers 404 before verifying).
    #[error("no such endpoint: {0}")]
    Endpoint(String),
    /// Content-Type is missing or not JSON.
    #[error("Content-Type is missing or not application/json")]
    ContentType,
    /// A header the signature needs is absent.
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    /// A header the signature needs appears more than once.
    #[error("the {0} header appears more than once")]
    DuplicateHeader(&'static str),
    /// A header value holds a control character (it could forge signing-string lines).
    #[error("the {0} header holds a control character")]
    ControlCharacter(&'static str),
    /// The Signature header does not parse as keyid, algorithm, headers and signature.
    #[error("the Signature header is malformed")]
    SignatureFormat,
    /// The algorithm is not HmacSHA256.
    #[error("the signature algorithm is not HmacSHA256")]
    Algorithm,
    /// The signed headers list is not exactly the one the method needs.
    #[error("the signed headers list is not the one this method needs")]
    HeadersList,
    /// No credential has this key id.
    #[error("unknown key id")]
    UnknownKeyId,
    /// The configured secret of this key is not base64 (a configuration mistake).
    #[error("the configured shared secret is not base64")]
    UnusableSecret,
    /// The Date header is not an IMF-fixdate in GMT.
    #[error("the Date header is not an IMF-fixdate ending in GMT")]
    DateFormat,
    /// The Date header is further from the emulator's clock than allowed.
    #[error("the Date header is {skew_secs} s away from the server clock")]
    ClockSkew {
        /// The distance, in whole seconds.
        skew_secs: u64,
    },
    /// The Digest header does not match the body.
    #[error("the Digest header does not match the body")]
    DigestMismatch,
    /// The signature does not match the signing string rebuilt from the request.
    #[error("the signature does not match")]
    SignatureMismatch,
    /// A merchant's own key used with a v-c-merchant-id other than its owner.
    #[error("v-c-merchant-id is not the organization that owns the key")]
    MerchantIdMismatch,
    /// A meta key used for a merchant the emulator does not manage.
    #[error("v-c-merchant-id is not a merchant this meta key manages")]
    MerchantNotManaged,
    /// An activation-codes request whose v-c-merchant-id is not the merchant of its path.
    #[error("v-c-merchant-id is not the merchant of the request path")]
    MerchantNotPath,
    /// A meta key whose v-c-merchant-id is not the first merchant of the request body.
    #[error("v-c-merchant-id is not the first merchant of the request")]
    MerchantNotFirst,
    /// The emulator was told to refuse everything.
    #[error("refused by the AlwaysUnauthorized fault")]
    Forced,
    /// A Bearer token sent together with a Signature or Digest header (the spec sends neither with a JWT).
    #[error("a JWT request also carries a Signature or Digest header")]
    MixedAuthentication,
    /// The Authorization header is not `Bearer` and a JWT of three base64url parts with JSON header and claims.
    #[error("the Authorization header is not a Bearer JWT")]
    JwtFormat,
    /// The JWT header is not `alg` RS256, `typ` JWT, with a `kid`.
    #[error("the JWT header is not alg RS256, typ JWT, with a kid")]
    JwtAlgorithm,
    /// No configured certificate has this `kid` (subject serialNumber).
    #[error("unknown kid")]
    UnknownKid,
    /// The configured certificate's public key is not a usable RSA key (a configuration mistake).
    #[error("the configured certificate has no usable RSA public key")]
    UnusableCertificate,
    /// A required claim is absent or has the wrong JSON type.
    #[error("the JWT claim {0} is missing")]
    ClaimMissing(&'static str),
    /// A claim does not match the request.
    #[error("the JWT claim {0} does not match the request")]
    ClaimMismatch(&'static str),
    /// The `digest` claim does not match the body.
    #[error("the JWT digest claim does not match the body")]
    DigestClaimMismatch,
    /// `iss` is not the organization that owns the certificate.
    #[error("the JWT iss is not the organization that owns the certificate")]
    IssuerMismatch,
    /// `exp` has passed.
    #[error("the JWT has expired")]
    TokenExpired,
    /// `iat` is further from the emulator's clock than allowed.
    #[error("the JWT iat is {skew_secs} s away from the server clock")]
    IssuedAtSkew {
        /// The distance, in whole seconds.
        skew_secs: u64,
    },
    /// `exp` is not `iat` + 120.
    #[error("the JWT exp is not iat + 120")]
    TokenLifetime,
    /// The `jti` was used before.
    #[error("the JWT was already used (replayed jti)")]
    Replayed,
}

impl Rejection {
    /// A short stable code, sent as the `x-emulator-rejection` response header.
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::Endpoint(_) => "endpoint",
            Rejection::ContentType => "content-type",
            Rejection::MissingHeader(_) => "missing-header",
            Rejection::DuplicateHeader(_) => "duplicate-header",
            Rejection::ControlCharacter(_) => "control-character",
            Rejection::SignatureFormat => "signature-format",
            Rejection::Algorithm => "algorithm",
            Rejection::HeadersList => "headers-list",
            Rejection::UnknownKeyId => "unknown-key-id",
            Rejection::UnusableSecret => "unusable-secret",
            Rejection::DateFormat => "date-format",
            Rejection::ClockSkew { .. } => "clock-skew",
            Rejection::DigestMismatch => "digest-mismatch",
            Rejection::SignatureMismatch => "signature-mismatch",
            Rejection::MerchantIdMismatch => "merchant-id-mismatch",
            Rejection::MerchantNotManaged => "merchant-not-managed",
            Rejection::MerchantNotFirst => "merchant-not-first",
            Rejection::MerchantNotPath => "merchant-not-path",
            Rejection::Forced => "fault-always-unauthorized",
            Rejection::MixedAuthentication => "mixed-authentication",
            Rejection::JwtFormat => "jwt-format",
            Rejection::JwtAlgorithm => "jwt-algorithm",
            Rejection::UnknownKid => "unknown-kid",
            Rejection::UnusableCertificate => "unusable-certificate",
            Rejection::ClaimMissing(_) => "jwt-claim-missing",
            Rejection::ClaimMismatch(_) => "jwt-claim-mismatch",
            Rejection::DigestClaimMismatch => "jwt-digest-mismatch",
            Rejection::IssuerMismatch => "jwt-issuer-mismatch",
            Rejection::TokenExpired => "jwt-expired",
            Rejection::IssuedAtSkew { .. } => "jwt-iat-skew",
            Rejection::TokenLifetime => "jwt-lifetime",
            Rejection::Replayed => "jwt-replayed",
        }
    }
}

/// Verifies one request against the configured credentials, with `now` as the emulator's clock.
pub fn verify(
    req: &RequestParts,
    config: &EmulatorConfig,
    now: SystemTime,
) -> Result<Verified, Rejection> {
    let route = served_route(req)?;
    let with_body = route.has_body();
    let host = single_header(req, "host", "Host")?;
    let date = single_header(req, "date", "Date")?;
    let digest = if with_body {
        Some(single_header(req, "digest", "Digest")?)
    } else {
        None
    };
    let merchant_id = single_header(req, "v-c-merchant-id", "v-c-merchant-id")?;
    let signature = single_header(req, "signature", "Signature")?;

    let params = parse_signature(signature).ok_or(Rejection::SignatureFormat)?;
    if params.algorithm != ALGORITHM {
        return Err(Rejection::Algorithm);
    }
    let expected_headers = if with_body {
        SIGNED_HEADERS
    } else {
        SIGNED_HEADERS_GET
    };
    if params.headers != expected_headers {
        return Err(Rejection::HeadersList);
    }
    let credential = config
        .credential(params.keyid)
        .ok_or(Rejection::UnknownKeyId)?;

    check_date(date, now, config.max_clock_skew)?;
    if digest.is_some_and(|d| d != digest_of(&req.body)) {
        return Err(Rejection::DigestMismatch);
    }

    // A meta key signs for its owner while the header names the merchant it acts for. On the activation
    // endpoint the header is the path's merchant, so the signature always names the owner.
    let signed_merchant = if credential.meta_key || matches!(route, Route::Codes(_)) {
        credential.organization_id.as_str()
    } else {
        merchant_id
    };
    // The target was checked above; an activation path's query is signed too.
    let method = req.method.to_ascii_lowercase();
    let target = &req.target;
    let signing_string = match digest {
        Some(digest) => format!(
            "host: {host}\ndate: {date}\nrequest-target: {method} {target}\ndigest: {digest}\nv-c-merchant-id: {signed_merchant}"
        ),
        None => format!(
            "host: {host}\ndate: {date}\nrequest-target: {method} {target}\nv-c-merchant-id: {signed_merchant}"
        ),
    };
    check_signature(credential, &signing_string, params.signature)?;

    match &route {
        Route::Codes(codes) => crate::activation::check_merchant(
            config,
            &credential.organization_id,
            credential.meta_key,
            merchant_id,
            codes,
        )?,
        _ => check_merchant(
            req,
            config,
            &credential.organization_id,
            credential.meta_key,
            merchant_id,
        )?,
    }
    Ok(Verified {
        key_id: credential.key_id.clone(),
        organization_id: credential.organization_id.clone(),
        merchant_id: merchant_id.to_owned(),
        meta_key: credential.meta_key,
    })
}

/// The served call a request is for (else `Endpoint`), with its body rules checked: a POST must be JSON
/// with a digest; a GET must have neither body nor Digest header.
pub(crate) fn served_route(req: &RequestParts) -> Result<Route<'_>, Rejection> {
    let Some(route) = Route::of(&req.method, &req.target) else {
        return Err(Rejection::Endpoint(format!(
            "{} {}",
            req.method, req.target
        )));
    };
    if route.has_body() {
        if !is_json_content_type(req.header("content-type")) {
            return Err(Rejection::ContentType);
        }
    } else if !req.body.is_empty() || req.header("digest").is_some() {
        // A GET is signed without a digest: a body or Digest header would go unsigned.
        return Err(Rejection::HeadersList);
    }
    Ok(route)
}

/// `SHA-256=` and the base64 of the SHA-256 of these exact bytes.
pub fn digest_of(body: &[u8]) -> String {
    format!("SHA-256={}", BASE64.encode(Sha256::digest(body)))
}

pub(crate) fn is_json_content_type(value: Option<&str>) -> bool {
    let Some(value) = value else { return false };
    let mut parts = value.split(';');
    let media_type = parts.next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return false;
    }
    // JSON is UTF-8; a charset that says otherwise means the body is not what it claims.
    parts.all(|param| match param.split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
            value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        }
        Some(_) => true,
        None => param.trim().is_empty(),
    })
}

pub(crate) fn single_header<'a>(
    req: &'a RequestParts,
    name: &str,
    label: &'static str,
) -> Result<&'a str, Rejection> {
    let mut values = req.header_values(name);
    let value = values.next().ok_or(Rejection::MissingHeader(label))?;
    if values.next().is_some() {
        return Err(Rejection::DuplicateHeader(label));
    }
    if value.is_empty() {
        return Err(Rejection::MissingHeader(label));
    }
    if value.chars().any(char::is_control) {
        return Err(Rejection::ControlCharacter(label));
    }
    Ok(value)
}

struct SignatureParams<'a> {
    keyid: &'a str,
    algorithm: &'a str,
    headers: &'a str,
    signature: &'a str,
}

/// `name="value"` pairs separated by a comma and optional spaces; names exact, each exactly once.
fn parse_signature(value: &str) -> Option<SignatureParams<'_>> {
    let (mut keyid, mut algorithm, mut headers, mut signature) = (None, None, None, None);
    let mut rest = value;
    loop {
        let (name, after_name) = rest.split_once("=\"")?;
        let (param, after_value) = after_name.split_once('"')?;
        let slot = match name {
            "keyid" => &mut keyid,
            "algorithm" => &mut algorithm,
            "headers" => &mut headers,
            "signature" => &mut signature,
            _ => return None,
        };
        if slot.replace(param).is_some() || param.contains('\\') {
            return None;
        }
        if after_value.is_empty() {
            break;
        }
        rest = after_value.strip_prefix(',')?.trim_start_matches(' ');
    }
    Some(SignatureParams {
        keyid: keyid?,
        algorithm: algorithm?,
        headers: headers?,
        signature: signature?,
    })
}

pub(crate) fn check_date(date: &str, now: SystemTime, max_skew: Duration) -> Result<(), Rejection> {
    // Re-formatting must give back the same text: that refuses RFC 850, asctime and wrong weekdays.
    let sent = httpdate::parse_http_date(date).map_err(|_| Rejection::DateFormat)?;
    if !date.ends_with(" GMT") || httpdate::fmt_http_date(sent) != date {
        return Err(Rejection::DateFormat);
    }
    let skew = match now.duration_since(sent) {
        Ok(behind) => behind,
        Err(ahead) => ahead.duration(),
    };
    if skew > max_skew {
        return Err(Rejection::ClockSkew {
            skew_secs: skew.as_secs(),
        });
    }
    Ok(())
}

fn check_signature(
    credential: &EmulatorCredential,
    signing_string: &str,
    received: &str,
) -> Result<(), Rejection> {
    let secret = BASE64
        .decode(&credential.shared_secret)
        .map_err(|_| Rejection::UnusableSecret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret).map_err(|_| Rejection::UnusableSecret)?;
    mac.update(signing_string.as_bytes());
    // Comparing the base64 text (not decoded bytes) refuses any change to it, padding included.
    let expected = BASE64.encode(mac.finalize().into_bytes());
    if bool::from(expected.as_bytes().ct_eq(received.as_bytes())) {
        Ok(())
    } else {
        Err(Rejection::SignatureMismatch)
    }
}

/// The ownership rules shared by both schemes: a merchant's own key acts only for its owner; a meta key
/// for merchants it manages, named first in the body.
pub(crate) fn check_merchant(
    req: &RequestParts,
    config: &EmulatorConfig,
    organization_id: &str,
    meta_key: bool,
    merchant_id: &str,
) -> Result<(), Rejection> {
    if !meta_key {
        return if merchant_id == organization_id {
            Ok(())
        } else {
            Err(Rejection::MerchantIdMismatch)
        };
    }
    // The meta key's header is not covered by the signature, so it is bound to what the body asks for.
    if !config.merchants.accepts(merchant_id) {
        return Err(Rejection::MerchantNotManaged);
    }
    match first_requested_merchant(&req.body) {
        Some(first) if first != merchant_id => Err(Rejection::MerchantNotFirst),
        _ => Ok(()),
    }
}

/// The first `keyInformation[].organizationId` of a body, when the body says one.
///
/// Inference (documented in ARCHITECTURE.md): with a meta key the header carries the transacting MID,
/// which for a request of several merchants is the first one. A body that does not parse is left to
/// the 400 that follows authentication.
fn first_requested_merchant(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value
        .get("keyInformation")?
        .get(0)?
        .get("organizationId")?
        .as_str()
        .map(str::to_owned)
}
