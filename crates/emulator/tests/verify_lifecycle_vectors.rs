//! The verifier accepts the official SDK's key status (GET) and delete (POST) requests, and refuses a GET
//! that carries what only a POST signs.

mod sdk_vectors;

use mpos_emulator::{Rejection, SIGNED_HEADERS, SIGNED_HEADERS_GET};
use sdk_vectors::Vector;

fn vectors() -> Vec<Vector> {
    sdk_vectors::load(include_str!("vectors/http-signature-lifecycle.json"), 4)
}

fn get_vector() -> Vector {
    vectors().into_iter().find(|v| v.method == "GET").unwrap()
}

#[test]
fn every_lifecycle_vector_is_accepted() {
    for vector in vectors() {
        let verified = vector
            .verify(&vector.parts())
            .unwrap_or_else(|r| panic!("{}: refused: {r}", vector.name));
        assert_eq!(verified.key_id, vector.key_id);
        assert_eq!(verified.merchant_id, vector.v_c_merchant_id_header);
        assert_eq!(verified.meta_key, vector.portfolio_id.is_some());
    }
}

#[test]
fn every_byte_of_a_get_signature_matters() {
    for vector in vectors().into_iter().filter(|v| v.method == "GET") {
        let parts = vector.parts();
        let header = vector.signature_header.clone();
        let start = header.find("signature=\"").unwrap() + "signature=\"".len();
        for i in start..header.len() - 1 {
            let mut bytes = header.clone().into_bytes();
            bytes[i] = if bytes[i] == b'x' { b'y' } else { b'x' };
            let mut tampered = parts.clone();
            for (name, value) in &mut tampered.headers {
                if name == "Signature" {
                    *value = String::from_utf8(bytes.clone()).unwrap();
                }
            }
            assert!(
                vector.verify(&tampered).is_err(),
                "{}: byte {i}",
                vector.name
            );
        }
    }
}

#[test]
fn a_get_for_another_key_or_merchant_is_refused() {
    let vector = get_vector();
    let mut other_key = vector.parts();
    other_key.target = other_key.target.replace("af922a42", "af922a43");
    assert_eq!(vector.verify(&other_key), Err(Rejection::SignatureMismatch));
    let mut as_post = vector.parts();
    as_post.method = "POST".into();
    assert!(matches!(
        vector.verify(&as_post),
        Err(Rejection::Endpoint(_))
    ));
}

#[test]
fn a_get_signed_with_a_digest_or_a_body_is_refused() {
    let vector = get_vector();
    let mut with_digest = vector.parts();
    with_digest.headers.push((
        "Digest".into(),
        "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
    ));
    assert_eq!(vector.verify(&with_digest), Err(Rejection::HeadersList));
    let mut with_body = vector.parts();
    with_body.body = b"{}".to_vec();
    assert_eq!(vector.verify(&with_body), Err(Rejection::HeadersList));
    let mut post_list = vector.parts();
    let header = vector
        .signature_header
        .replace(SIGNED_HEADERS_GET, SIGNED_HEADERS);
    for (name, value) in &mut post_list.headers {
        if name == "Signature" {
            *value = header.clone();
        }
    }
    assert_eq!(vector.verify(&post_list), Err(Rejection::HeadersList));
}

#[test]
fn a_delete_whose_body_changed_is_refused() {
    let vector = vectors().into_iter().find(|v| v.method == "POST").unwrap();
    let mut parts = vector.parts();
    parts.body = parts
        .body
        .iter()
        .map(|&b| if b == b'4' { b'5' } else { b })
        .collect();
    assert_eq!(vector.verify(&parts), Err(Rejection::DigestMismatch));
}
