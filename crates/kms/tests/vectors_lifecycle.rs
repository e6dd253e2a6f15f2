//! Reproduces every known-answer vector of the key status (GET) and delete (POST) calls, byte for byte.
mod signature_vectors;

use mpos_kms::lifecycle::{delete_body, KeyRef, DELETES_PATH, STATUS_PATH_PREFIX};
use signature_vectors::{assert_reproduced, assert_same_as_shared, parse, Vector};

const FILE: &str = "http-signature-lifecycle.json";
const OWN_COPY: &str = include_str!("vectors/http-signature-lifecycle.json");

fn vectors() -> Vec<Vector> {
    let vectors = parse(FILE, OWN_COPY);
    assert_eq!(vectors.len(), 4, "the vector file changed");
    vectors
}

#[test]
fn every_lifecycle_vector_matches_byte_for_byte() {
    for v in vectors() {
        assert_reproduced(&v);
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
    assert_same_as_shared(FILE, OWN_COPY);
}
