//! Reproduces every known-answer vector of the key status (GET) and delete (POST) calls, byte for byte.

use mpos_kms::lifecycle::{delete_body, KeyRef, DELETES_PATH, STATUS_PATH_PREFIX};
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
    body: Option<String>,
    digest_header: Option<String>,
    signing_string: String,
    signature: String,
    signature_header: String,
}

const OWN_COPY: &str = include_str!("vectors/http-signature-lifecycle.json");

fn vectors() -> Vec<Vector> {
    let file: File = serde_json::from_str(OWN_COPY)
        .expect("tests/vectors/http-signature-lifecycle.json is valid");
    assert_eq!(file.vectors.len(), 4, "the vector file changed");
    file.vectors
}

#[test]
fn every_lifecycle_vector_matches_byte_for_byte() {
    for v in vectors() {
        let date = httpdate::parse_http_date(&v.date).expect("vector date");
        assert_eq!(http_date(date), v.date, "{}: date", v.name);
        let body = v.body.as_deref().unwrap_or("").as_bytes();
        if let (Some(b), Some(expected)) = (&v.body, &v.digest_header) {
            assert_eq!(&digest_header(b.as_bytes()), expected, "{}: digest", v.name);
        }
        let secret = SecretString::new(v.shared_secret_base64.clone());
        let signed = sign(&SignRequest {
            method: &v.method,
            host: &v.host,
            request_target: &v.request_target,
            body,
            merchant_id: &v.v_c_merchant_id_header,
            portfolio_id: v.portfolio_id.as_deref(),
            key_id: &v.key_id,
            secret: &secret,
            date,
        })
        .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(signed.date, v.date, "{}: Date header", v.name);
        assert_eq!(signed.digest, v.digest_header, "{}: Digest header", v.name);
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
fn gets_have_no_digest_and_target_the_status_path() {
    let gets: Vec<Vector> = vectors()
        .into_iter()
        .filter(|v| v.method == "GET")
        .collect();
    assert_eq!(gets.len(), 2);
    for v in gets {
        assert!(v.body.is_none() && v.digest_header.is_none(), "{}", v.name);
        assert!(
            v.request_target.starts_with(STATUS_PATH_PREFIX),
            "{}",
            v.name
        );
        assert!(!v.signing_string.contains("digest:"), "{}", v.name);
    }
}

#[test]
fn the_client_writes_the_delete_bodies_of_the_vectors_byte_for_byte() {
    let posts: Vec<Vector> = vectors()
        .into_iter()
        .filter(|v| v.method == "POST")
        .collect();
    assert_eq!(posts.len(), 2);
    for v in posts {
        assert_eq!(v.request_target, DELETES_PATH);
        let sent: serde_json::Value = serde_json::from_str(v.body.as_deref().unwrap()).unwrap();
        let keys: Vec<KeyRef> = sent["keyInformation"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| KeyRef {
                cybersource_merchant_id: e["organizationId"].as_str().unwrap().into(),
                key_id: e["keyId"].as_str().unwrap().into(),
            })
            .collect();
        assert_eq!(
            String::from_utf8(delete_body(&keys)).unwrap(),
            v.body.unwrap(),
            "{}",
            v.name
        );
    }
}

#[test]
fn own_copy_equals_the_shared_vectors() {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/http-signature-lifecycle.json");
    // Outside this checkout's machine the shared folder does not exist; the crate's own copy then stands alone.
    if let Ok(text) = std::fs::read_to_string(&shared) {
        assert_eq!(
            text,
            OWN_COPY,
            "tests/vectors/http-signature-lifecycle.json differs from {}",
            shared.display()
        );
    }
}
