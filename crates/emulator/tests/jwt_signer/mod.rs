//! Test helpers for REST certificates: RSA keys and certificates made at test time (rcgen), and a JWT
//! signer written here from the spec, not taken from mpos-kms.
#![allow(dead_code)] // each test file uses a different part

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD as BASE64URL};
use base64::Engine as _;
use mpos_emulator::{EmulatorCertificate, RequestParts};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, DnValue, KeyPair, SigningKey as _,
    PKCS_RSA_SHA256,
};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

/// A self-signed certificate and its private key.
pub struct TestCertificate {
    pub der: Vec<u8>,
    pub serial: String,
    key: KeyPair,
}

/// A fresh 2048-bit RSA key and a certificate with subject `CN=<cn>, serialNumber=<serial>`.
pub fn certificate(cn: &str, serial: &str) -> TestCertificate {
    let key = KeyPair::generate_for(&PKCS_RSA_SHA256).expect("RSA key");
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, cn);
    name.push(
        DnType::CustomDnType(vec![2, 5, 4, 5]),
        DnValue::PrintableString(serial.try_into().unwrap()),
    );
    params.distinguished_name = name;
    let cert = params.self_signed(&key).unwrap();
    TestCertificate {
        der: cert.der().to_vec(),
        serial: serial.to_owned(),
        key,
    }
}

impl TestCertificate {
    /// The emulator's view of this certificate.
    pub fn emulator(&self, organization_id: &str, meta_key: bool) -> EmulatorCertificate {
        EmulatorCertificate::from_der(&self.der, organization_id, meta_key).unwrap()
    }

    /// A compact JWS over these JSON values, RS256 with this certificate's key.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            BASE64URL.encode(header.to_string()),
            BASE64URL.encode(claims.to_string())
        );
        let signature = self.key.sign(input.as_bytes()).unwrap();
        format!("{input}.{}", BASE64URL.encode(signature))
    }
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `{"keyInformation":[{"organizationId":..},..]}`.
pub fn body_for(mids: &[&str]) -> Vec<u8> {
    let list: Vec<_> = mids
        .iter()
        .map(|m| json!({ "organizationId": m }))
        .collect();
    serde_json::to_vec(&json!({ "keyInformation": list })).unwrap()
}

/// One JWT request, valid as built; a test changes one part to see it refused.
pub struct JwtCase {
    pub header: Value,
    pub claims: Value,
    pub body: Vec<u8>,
    pub host: String,
    pub date: String,
    pub merchant_header: String,
    pub extra_headers: Vec<(String, String)>,
    /// Replaces the whole Authorization header when set.
    pub authorization: Option<String>,
}

impl JwtCase {
    /// `merchant` in the header and claim, `issuer` as `iss`, a body asking for `mids`, dated now.
    pub fn new(
        cert: &TestCertificate,
        host: &str,
        merchant: &str,
        issuer: &str,
        mids: &[&str],
    ) -> JwtCase {
        let body = body_for(mids);
        let now = unix_now();
        JwtCase {
            header: json!({ "kid": cert.serial, "alg": "RS256", "typ": "JWT" }),
            claims: json!({
                "iat": now,
                "exp": now + 120,
                "request-method": "POST",
                "request-host": host,
                "request-resource-path": "/kms/v2/keys-sym-pos",
                "iss": issuer,
                "jti": uuid::Uuid::new_v4().to_string(),
                "v-c-jwt-version": "2",
                "v-c-merchant-id": merchant,
                "digest": BASE64.encode(Sha256::digest(&body)),
                "digestAlgorithm": "SHA-256",
            }),
            body,
            host: host.to_owned(),
            date: httpdate::fmt_http_date(SystemTime::now()),
            merchant_header: merchant.to_owned(),
            extra_headers: Vec::new(),
            authorization: None,
        }
    }

    /// The request, signed with `signer` (not necessarily the certificate the kid names).
    pub fn parts(&self, signer: &TestCertificate) -> RequestParts {
        let authorization = self
            .authorization
            .clone()
            .unwrap_or_else(|| format!("Bearer {}", signer.sign(&self.header, &self.claims)));
        let mut headers = vec![
            ("Host".to_owned(), self.host.clone()),
            ("Date".to_owned(), self.date.clone()),
            (
                "Content-Type".to_owned(),
                "application/json;charset=utf-8".to_owned(),
            ),
            (
                "Accept".to_owned(),
                "application/hal+json;charset=utf-8".to_owned(),
            ),
            ("v-c-merchant-id".to_owned(), self.merchant_header.clone()),
            ("Authorization".to_owned(), authorization),
        ];
        headers.extend(self.extra_headers.iter().cloned());
        RequestParts {
            method: "POST".into(),
            target: "/kms/v2/keys-sym-pos".into(),
            headers,
            body: self.body.clone(),
        }
    }
}
