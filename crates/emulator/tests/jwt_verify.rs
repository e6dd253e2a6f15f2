//! The emulator's check of REST certificate JWTs, one rule at a time.

mod jwt_signer;

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use base64::Engine as _;
use jwt_signer::{certificate, JwtCase, TestCertificate};
use mpos_emulator::{
    authenticate, EmulatorCertificate, EmulatorConfig, MerchantPolicy, Rejection, SeenTokens,
    Verified,
};
use serde_json::json;

const HOST: &str = "127.0.0.1:4430";
const MID: &str = "cert_mid";
const PORTFOLIO: &str = "cert_portfolio";

/// Key generation is slow: one merchant certificate, one meta certificate and one impostor per run.
fn merchant() -> &'static TestCertificate {
    static CERT: OnceLock<TestCertificate> = OnceLock::new();
    CERT.get_or_init(|| certificate(MID, "4711000000000001"))
}

fn meta() -> &'static TestCertificate {
    static CERT: OnceLock<TestCertificate> = OnceLock::new();
    CERT.get_or_init(|| certificate(PORTFOLIO, "4711000000000002"))
}

/// Same CN and serialNumber as `merchant()`, another key.
fn impostor() -> &'static TestCertificate {
    static CERT: OnceLock<TestCertificate> = OnceLock::new();
    CERT.get_or_init(|| certificate(MID, "4711000000000001"))
}

fn config() -> EmulatorConfig {
    EmulatorConfig::with_credentials(Vec::new())
        .with_certificate(merchant().emulator(MID, false))
        .with_certificate(meta().emulator(PORTFOLIO, true))
}

fn own_case() -> JwtCase {
    JwtCase::new(merchant(), HOST, MID, MID, &[MID])
}

fn check(case: &JwtCase, signer: &TestCertificate) -> Result<Verified, Rejection> {
    authenticate(
        &case.parts(signer),
        &config(),
        SystemTime::now(),
        &SeenTokens::new(),
    )
}

fn refused(case: &JwtCase) -> Rejection {
    check(case, merchant()).expect_err("the request should be refused")
}

#[test]
fn a_valid_token_is_accepted_as_its_certificate() {
    let verified = check(&own_case(), merchant()).unwrap();
    assert_eq!(
        verified,
        Verified {
            key_id: "4711000000000001".into(),
            organization_id: MID.into(),
            merchant_id: MID.into(),
            meta_key: false,
        }
    );
}

#[test]
fn a_replayed_jti_is_refused_and_a_fresh_one_accepted() {
    let seen = SeenTokens::new();
    let config = config();
    let case = own_case();
    let parts = case.parts(merchant());
    assert!(authenticate(&parts, &config, SystemTime::now(), &seen).is_ok());
    assert_eq!(
        authenticate(&parts, &config, SystemTime::now(), &seen),
        Err(Rejection::Replayed)
    );
    let fresh = own_case().parts(merchant());
    assert!(authenticate(&fresh, &config, SystemTime::now(), &seen).is_ok());
}

#[test]
fn a_refused_token_does_not_use_up_its_jti() {
    let seen = SeenTokens::new();
    let config = config();
    let mut case = own_case();
    case.merchant_header = "someone_else".into();
    let bad = case.parts(merchant());
    assert!(authenticate(&bad, &config, SystemTime::now(), &seen).is_err());
    case.merchant_header = MID.into();
    assert!(authenticate(&case.parts(merchant()), &config, SystemTime::now(), &seen).is_ok());
}

#[test]
fn signature_must_be_from_the_certificate_the_kid_names() {
    assert_eq!(
        check(&own_case(), impostor()),
        Err(Rejection::SignatureMismatch)
    );
    // Claims changed after signing, the signature kept.
    let case = own_case();
    let token = merchant().sign(&case.header, &case.claims);
    let mut pieces = token.split('.');
    let (header, _, signature) = (
        pieces.next().unwrap(),
        pieces.next(),
        pieces.next().unwrap(),
    );
    let mut forged = case.claims.clone();
    forged["exp"] = json!(jwt_signer::unix_now() + 119);
    let forged = BASE64URL.encode(forged.to_string());
    let mut tampered = own_case();
    tampered.authorization = Some(format!("Bearer {header}.{forged}.{signature}"));
    assert_eq!(refused(&tampered), Rejection::SignatureMismatch);
}

#[test]
fn header_must_be_rs256_jwt_with_a_known_kid() {
    let mut case = own_case();
    case.header["alg"] = json!("HS256");
    assert_eq!(refused(&case), Rejection::JwtAlgorithm);
    let mut case = own_case();
    case.header["typ"] = json!("JWS");
    assert_eq!(refused(&case), Rejection::JwtAlgorithm);
    let mut case = own_case();
    case.header.as_object_mut().unwrap().remove("kid");
    assert_eq!(refused(&case), Rejection::JwtAlgorithm);
    let mut case = own_case();
    case.header["kid"] = json!("999");
    assert_eq!(refused(&case), Rejection::UnknownKid);
}

#[test]
fn a_configured_key_that_is_not_rsa_is_reported() {
    let config = EmulatorConfig::with_credentials(Vec::new()).with_certificate(
        EmulatorCertificate::new("4711000000000001", b"junk".to_vec(), MID, false),
    );
    let parts = own_case().parts(merchant());
    assert_eq!(
        authenticate(&parts, &config, SystemTime::now(), &SeenTokens::new()),
        Err(Rejection::UnusableCertificate)
    );
}

#[test]
fn authorization_must_be_a_bearer_jwt() {
    for bad in ["Basic abc", "Bearer", "Bearer a.b", "Bearer a.b.c"] {
        let mut case = own_case();
        case.authorization = Some(bad.into());
        assert_eq!(refused(&case), Rejection::JwtFormat, "{bad}");
    }
}

#[test]
fn no_signature_or_digest_header_may_come_with_a_jwt() {
    for name in ["Signature", "Digest"] {
        let mut case = own_case();
        case.extra_headers.push((name.into(), "x".into()));
        assert_eq!(refused(&case), Rejection::MixedAuthentication, "{name}");
    }
}

#[test]
fn date_header_is_required_and_checked() {
    let mut case = own_case();
    case.date = "Mon, 07 Aug 2023 13:07:17 UTC".into();
    assert_eq!(refused(&case), Rejection::DateFormat);
    let mut case = own_case();
    case.date = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(3600));
    assert!(matches!(refused(&case), Rejection::ClockSkew { .. }));
}

#[test]
fn digest_must_match_the_exact_body() {
    let mut case = own_case();
    case.body = jwt_signer::body_for(&["other_mid"]);
    assert_eq!(refused(&case), Rejection::DigestClaimMismatch);
    let mut case = own_case();
    case.claims["digestAlgorithm"] = json!("SHA-1");
    assert_eq!(refused(&case), Rejection::ClaimMismatch("digestAlgorithm"));
    let mut case = own_case();
    case.claims.as_object_mut().unwrap().remove("digest");
    assert_eq!(refused(&case), Rejection::ClaimMissing("digest"));
}

#[test]
fn times_are_checked() {
    let now = jwt_signer::unix_now();
    let mut case = own_case();
    case.claims["iat"] = json!(now - 200);
    case.claims["exp"] = json!(now - 80);
    assert_eq!(refused(&case), Rejection::TokenExpired);

    let mut case = own_case();
    case.claims["iat"] = json!(now + 600);
    case.claims["exp"] = json!(now + 720);
    assert!(matches!(
        refused(&case),
        Rejection::IssuedAtSkew { skew_secs } if (599..=601).contains(&skew_secs)
    ));

    let mut case = own_case();
    case.claims["exp"] = json!(now + 3600);
    assert_eq!(refused(&case), Rejection::TokenLifetime);

    let mut case = own_case();
    case.claims["iat"] = json!(format!("{now}"));
    assert_eq!(refused(&case), Rejection::ClaimMissing("iat"));
}

#[test]
fn request_claims_must_match_the_request() {
    for (claim, value) in [
        ("request-method", json!("GET")),
        ("request-host", json!("apitest.cybersource.com")),
        ("request-resource-path", json!("/kms/v2/keys-sym")),
        ("v-c-jwt-version", json!("1")),
    ] {
        let mut case = own_case();
        case.claims[claim] = value;
        assert_eq!(refused(&case), Rejection::ClaimMismatch(claim), "{claim}");
    }
    // The SDKs disagree on the case of the method; both are accepted.
    let mut case = own_case();
    case.claims["request-method"] = json!("post");
    assert!(check(&case, merchant()).is_ok());

    let mut case = own_case();
    case.claims.as_object_mut().unwrap().remove("jti");
    assert_eq!(refused(&case), Rejection::ClaimMissing("jti"));
}

#[test]
fn a_merchant_certificate_acts_only_for_its_owner() {
    // Header and claim agree, but name another merchant.
    let case = JwtCase::new(merchant(), HOST, "other_mid", MID, &["other_mid"]);
    assert_eq!(refused(&case), Rejection::MerchantIdMismatch);
    // The unsigned header disagrees with the signed claim.
    let mut case = own_case();
    case.merchant_header = "other_mid".into();
    assert_eq!(refused(&case), Rejection::ClaimMismatch("v-c-merchant-id"));
    // iss must be the owner.
    let case = JwtCase::new(merchant(), HOST, MID, "other_mid", &[MID]);
    assert_eq!(refused(&case), Rejection::IssuerMismatch);
}

#[test]
fn a_meta_certificate_acts_for_managed_merchants_named_first() {
    let good = JwtCase::new(meta(), HOST, "child_1", PORTFOLIO, &["child_1", "child_2"]);
    let verified = check(&good, meta()).unwrap();
    assert_eq!(verified.organization_id, PORTFOLIO);
    assert_eq!(verified.merchant_id, "child_1");
    assert!(verified.meta_key);

    let not_first = JwtCase::new(meta(), HOST, "child_2", PORTFOLIO, &["child_1", "child_2"]);
    assert_eq!(check(&not_first, meta()), Err(Rejection::MerchantNotFirst));
    let wrong_issuer = JwtCase::new(meta(), HOST, "child_1", "child_1", &["child_1"]);
    assert_eq!(check(&wrong_issuer, meta()), Err(Rejection::IssuerMismatch));
    let unmanaged = JwtCase::new(meta(), HOST, "unknown_1", PORTFOLIO, &["unknown_1"]);
    assert_eq!(
        check(&unmanaged, meta()),
        Err(Rejection::MerchantNotManaged)
    );
    let only = config().with_merchants(MerchantPolicy::only(["child_1"]));
    let case = JwtCase::new(meta(), HOST, "child_2", PORTFOLIO, &["child_2"]);
    assert_eq!(
        authenticate(
            &case.parts(meta()),
            &only,
            SystemTime::now(),
            &SeenTokens::new()
        ),
        Err(Rejection::MerchantNotManaged)
    );
}

#[test]
fn shared_secret_requests_still_take_the_http_signature_path() {
    // No Authorization header: the HTTP Signature verifier answers (and finds no Signature header).
    let mut parts = own_case().parts(merchant());
    parts.headers.retain(|(n, _)| n != "Authorization");
    assert_eq!(
        authenticate(&parts, &config(), SystemTime::now(), &SeenTokens::new()),
        Err(Rejection::MissingHeader("Digest"))
    );
}

#[test]
fn every_rejection_has_its_own_reason_code() {
    let reasons = [
        Rejection::MixedAuthentication,
        Rejection::JwtFormat,
        Rejection::JwtAlgorithm,
        Rejection::UnknownKid,
        Rejection::UnusableCertificate,
        Rejection::ClaimMissing("x"),
        Rejection::ClaimMismatch("x"),
        Rejection::DigestClaimMismatch,
        Rejection::IssuerMismatch,
        Rejection::TokenExpired,
        Rejection::IssuedAtSkew { skew_secs: 1 },
        Rejection::TokenLifetime,
        Rejection::Replayed,
    ]
    .map(|r| r.reason());
    let mut unique = reasons.to_vec();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), reasons.len(), "{reasons:?}");
}
