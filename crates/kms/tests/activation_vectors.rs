//! Reproduces the activation-code known-answer vectors (official SDK signing code), byte for byte: the
//! query string is part of the signed request target.
mod signature_vectors;

use mpos_kms::activation::activation_target;
use signature_vectors::{assert_reproduced, assert_same_as_shared, parse, Vector};

const FILE: &str = "http-signature-activation.json";
const OWN_COPY: &str = include_str!("vectors/http-signature-activation.json");

fn vectors() -> Vec<Vector> {
    let vectors = parse(FILE, OWN_COPY);
    assert_eq!(vectors.len(), 2, "the vector file changed");
    vectors
}

#[test]
fn every_activation_vector_matches_byte_for_byte() {
    for v in vectors() {
        assert!(v.digest_header.is_some(), "{}: a POST has a digest", v.name);
        assert_reproduced(&v);
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
        assert_eq!(
            v.body.as_deref(),
            Some("{}"),
            "{}: the body the client sends",
            v.name
        );
    }
}

#[test]
fn own_copy_equals_the_shared_vectors() {
    assert_same_as_shared(FILE, OWN_COPY);
}
