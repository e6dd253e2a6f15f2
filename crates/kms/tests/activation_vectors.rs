//! Reproduces the activation-code known-answer vectors (official SDK signing code), byte for byte: the
//! query string is part of the signed request target.

use mpos_kms::activation::activation_target;
use mpos_kms::signing::{digest_header, http_date, sign, SignRequest};
use mpos_kms::SecretString;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
struct File {
    vectors: Vec<Vector>,
}

#[derive(Debug, Deserialize)]
struct Vector {
    name: String,
    method: String,
    host: String,
    date: String,
    request_target: String,
    v_c_merchant_id_header: String,
    portfolio_id: Option<String>,
    key_id: String,
    shared_secret_base64: String,
    body: String,
    digest_header: String,
    signing_string: String,
    signature: String,
    signature_header: String,
}

const OWN_COPY: &str = include_str!("vectors/http-signature-activation.json");

fn vectors() -> Vec<Vector> {
    let file: File = serde_json::from_str(OWN_COPY)
        .expect("tests/vectors/http-signature-activation.json is valid");
    assert_eq!(file.vectors.len(), 2, "the vector file changed");
    file.vectors
}

#[test]
fn every_activation_vector_matches_byte_for_byte() {
    for v in vectors() {
        let date = httpdate::parse_http_date(&v.date).expect("vector date");
        assert_eq!(http_date(date), v.date, "{}: date", v.name);
        assert_eq!(
            digest_header(v.body.as_bytes()),
            v.digest_header,
            "{}: digest",
            v.name
        );

        let secret = SecretString::new(v.shared_secret_base64.clone());
        let signed = sign(&SignRequest {
            method: &v.method,
            host: &v.host,
            request_target: &v.request_target,
            body: v.body.as_bytes(),
            merchant_id: &v.v_c_merchant_id_header,
            portfolio_id: v.portfolio_id.as_deref(),
            key_id: &v.key_id,
            secret: &secret,
            date,
        })
        .unwrap_or_else(|e| panic!("{}: {e}", v.name));

        assert_eq!(signed.date, v.date, "{}: Date header", v.name);
        assert_eq!(
            signed.digest.as_deref(),
            Some(v.digest_header.as_str()),
            "{}: Digest",
            v.name
        );
        assert_eq!(
            signed.signing_string, v.signing_string,
            "{}: signing string",
            v.name
        );
        assert_eq!(signed.signature, v.signature, "{}: signature", v.name);
        assert_eq!(
            signed.signature_header, v.signature_header,
            "{}: Signature header",
            v.name
        );
        assert_eq!(
            signed.merchant_id_header, v.v_c_merchant_id_header,
            "{}: v-c-merchant-id",
            v.name
        );
    }
}

#[test]
fn the_client_builds_the_vectors_request_targets() {
    for v in vectors() {
        let size: u8 = v
            .request_target
            .rsplit_once("size=")
            .and_then(|(_, n)| n.parse().ok())
            .expect("a size in the vector's target");
        assert_eq!(
            activation_target(&v.v_c_merchant_id_header, size),
            v.request_target,
            "{}",
            v.name
        );
        assert_eq!(v.body, "{}", "{}: the body the client sends", v.name);
    }
}

#[test]
fn own_copy_equals_the_shared_vectors() {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/http-signature-activation.json");
    // Outside this checkout's machine the shared folder does not exist; the crate's own copy then stands alone.
    if let Ok(text) = std::fs::read_to_string(&shared) {
        assert_eq!(
            text,
            OWN_COPY,
            "tests/vectors/http-signature-activation.json differs from {}",
            shared.display()
        );
    }
}
