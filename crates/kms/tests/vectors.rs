//! Reproduces every known-answer vector of the official Cybersource SDK, byte for byte.
mod signature_vectors;

use signature_vectors::{assert_reproduced, assert_same_as_shared, parse, Vector};

const FILE: &str = "http-signature.json";
const OWN_COPY: &str = include_str!("vectors/http-signature.json");

fn vectors() -> Vec<Vector> {
    let vectors = parse(FILE, OWN_COPY);
    assert!(vectors.len() >= 8, "the vector file lost entries");
    vectors
}

#[test]
fn every_vector_matches_byte_for_byte() {
    for v in vectors() {
        assert_reproduced(&v);
    }
}

#[test]
fn get_vector_has_no_digest_and_meta_vector_signs_the_portfolio() {
    let all = vectors();
    assert!(all
        .iter()
        .any(|v| v.method == "GET" && v.digest_header.is_none()));
    let meta = all
        .iter()
        .find(|v| v.portfolio_id.is_some())
        .expect("a meta-key vector");
    assert!(meta.signing_string.ends_with(&format!(
        "v-c-merchant-id: {}",
        meta.portfolio_id.as_deref().unwrap()
    )));
    assert_ne!(
        meta.portfolio_id.as_deref(),
        Some(meta.v_c_merchant_id_header.as_str())
    );
}

#[test]
fn own_copy_equals_the_shared_vectors() {
    assert_same_as_shared(FILE, OWN_COPY);
}
