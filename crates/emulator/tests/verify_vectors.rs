//! The verifier against requests signed by the official SDK, and against every kind of tampering.

mod common;
mod sdk_vectors;

use std::collections::BTreeSet;
use std::time::Duration;

use mpos_emulator::{
    verify, EmulatorConfig, EmulatorCredential, MerchantPolicy, Rejection, RequestParts,
};
use sdk_vectors::Vector;

fn all_vectors() -> Vec<Vector> {
    sdk_vectors::load(include_str!("vectors/http-signature.json"), 8)
}

fn post_vectors() -> Vec<Vector> {
    let posts: Vec<_> = all_vectors()
        .into_iter()
        .filter(|v| v.method == "POST")
        .collect();
    assert_eq!(posts.len(), 7, "the vector file changed");
    posts
}

fn meta_vector() -> Vector {
    post_vectors()
        .into_iter()
        .find(|v| v.portfolio_id.is_some())
        .unwrap()
}

fn plain_vector() -> Vector {
    post_vectors().remove(0)
}

fn set_header(parts: &mut RequestParts, name: &str, value: &str) {
    let slot = parts
        .headers
        .iter_mut()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .unwrap();
    slot.1 = value.to_owned();
}

fn remove_header(parts: &mut RequestParts, name: &str) {
    parts.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
}

#[test]
fn every_post_vector_is_accepted() {
    for vector in post_vectors() {
        let verified = vector
            .verify(&vector.parts())
            .unwrap_or_else(|r| panic!("{}: refused: {r}", vector.name));
        assert_eq!(verified.key_id, vector.key_id);
        assert_eq!(verified.merchant_id, vector.v_c_merchant_id_header);
        assert_eq!(verified.meta_key, vector.portfolio_id.is_some());
    }
}

#[test]
fn the_meta_vector_is_accepted_under_a_policy_naming_its_merchant() {
    let vector = meta_vector();
    let config = vector
        .config()
        .with_merchants(MerchantPolicy::only(["child_mid_7"]));
    assert!(verify(&vector.parts(), &config, vector.now()).is_ok());
}

#[test]
fn the_get_vector_is_not_this_endpoint() {
    let get = all_vectors()
        .into_iter()
        .find(|v| v.method == "GET")
        .unwrap();
    assert!(matches!(
        get.verify(&get.parts()),
        Err(Rejection::Endpoint(_))
    ));
}

/// Replacement characters: letters, digits, and the Signature header's own punctuation.
const REPLACEMENTS: [u8; 8] = [b'x', b'A', b'0', b' ', b'=', b'"', b',', b'+'];

fn flips(original: &[u8]) -> impl Iterator<Item = (usize, Vec<u8>)> + '_ {
    (0..original.len()).flat_map(move |i| {
        REPLACEMENTS
            .iter()
            .filter(move |&&r| r != original[i])
            .map(move |&r| {
                let mut changed = original.to_vec();
                changed[i] = r;
                (i, changed)
            })
    })
}

#[test]
fn one_changed_body_byte_anywhere_is_refused() {
    for vector in post_vectors() {
        let parts = vector.parts();
        for (i, body) in flips(&parts.body) {
            let changed = RequestParts {
                body,
                ..parts.clone()
            };
            assert!(
                vector.verify(&changed).is_err(),
                "{}: body byte {i} changed and still accepted",
                vector.name
            );
        }
    }
}

#[test]
fn one_changed_byte_in_any_signed_header_is_refused() {
    let headers = ["Date", "Digest", "Signature", "Host", "v-c-merchant-id"];
    for vector in post_vectors() {
        let parts = vector.parts();
        for name in headers {
            let original = parts.header(name).unwrap().to_owned();
            for (i, value) in flips(original.as_bytes()) {
                let mut changed = parts.clone();
                set_header(&mut changed, name, &String::from_utf8(value).unwrap());
                assert!(
                    vector.verify(&changed).is_err(),
                    "{}: {name} byte {i} changed and still accepted",
                    vector.name
                );
            }
        }
    }
}

#[test]
fn any_printable_character_in_the_signature_header_is_refused() {
    let vector = plain_vector();
    let parts = vector.parts();
    let original = parts.header("Signature").unwrap().as_bytes().to_vec();
    for i in 0..original.len() {
        for replacement in (0x20u8..0x7f).filter(|&r| r != original[i]) {
            let mut value = original.clone();
            value[i] = replacement;
            let mut changed = parts.clone();
            set_header(
                &mut changed,
                "Signature",
                &String::from_utf8(value).unwrap(),
            );
            assert!(
                vector.verify(&changed).is_err(),
                "byte {i} -> {replacement}"
            );
        }
    }
}

#[test]
fn wrong_key_id_is_refused() {
    let vector = plain_vector();
    let config = EmulatorConfig::with_credential(EmulatorCredential::new(
        "11111111-2222-3333-4444-555555555555",
        &vector.shared_secret_base64,
        &vector.v_c_merchant_id_header,
        false,
    ));
    let refused = verify(&vector.parts(), &config, vector.now());
    assert_eq!(refused.unwrap_err(), Rejection::UnknownKeyId);
}

#[test]
fn wrong_secret_is_refused() {
    let vector = plain_vector();
    let config = EmulatorConfig::with_credential(EmulatorCredential::new(
        &vector.key_id,
        mpos_emulator::demo::SHARED_SECRET,
        &vector.v_c_merchant_id_header,
        false,
    ));
    let refused = verify(&vector.parts(), &config, vector.now());
    assert_eq!(refused.unwrap_err(), Rejection::SignatureMismatch);
}

#[test]
fn a_secret_that_is_not_base64_cannot_verify() {
    let vector = plain_vector();
    let mut config = vector.config();
    config.credentials[0].shared_secret = "not base64!".into();
    let refused = verify(&vector.parts(), &config, vector.now());
    assert_eq!(refused.unwrap_err(), Rejection::UnusableSecret);
}

#[test]
fn wrong_algorithm_is_refused() {
    let vector = plain_vector();
    for algorithm in ["hmac-sha256", "HmacSHA512", "hmacsha256", ""] {
        let mut parts = vector.parts();
        let header = vector
            .signature_header
            .replace("\"HmacSHA256\"", &format!("\"{algorithm}\""));
        set_header(&mut parts, "Signature", &header);
        assert_eq!(vector.verify(&parts).unwrap_err(), Rejection::Algorithm);
    }
}

#[test]
fn wrong_headers_list_is_refused() {
    let vector = plain_vector();
    for list in [
        "host date request-target v-c-merchant-id",
        "date host request-target digest v-c-merchant-id",
        "host date request-target digest v-c-merchant-id ",
        "(request-target) host date digest v-c-merchant-id",
    ] {
        let mut parts = vector.parts();
        let header = vector.signature_header.replace(
            "\"host date request-target digest v-c-merchant-id\"",
            &format!("\"{list}\""),
        );
        set_header(&mut parts, "Signature", &header);
        assert_eq!(vector.verify(&parts).unwrap_err(), Rejection::HeadersList);
    }
}

#[test]
fn malformed_signature_headers_are_refused() {
    let vector = plain_vector();
    let good = vector.signature_header.clone();
    let without_signature = good.split(", signature=").next().unwrap().to_owned();
    for header in [
        String::new(),
        without_signature,
        good.replace("keyid=", "keyId="),
        good.replace("\", ", "\"; "),
        format!("{good}, keyid=\"x\""),
        format!("{good}, created=\"1764340200\""),
        format!("{good},"),
        format!("Signature {good}"),
        good.replacen('"', "", 1),
    ] {
        let mut parts = vector.parts();
        set_header(&mut parts, "Signature", &header);
        let refused = vector.verify(&parts).unwrap_err();
        assert!(
            matches!(
                refused,
                Rejection::SignatureFormat | Rejection::MissingHeader(_)
            ),
            "{header:?}: {refused:?}"
        );
    }
}

#[test]
fn the_params_may_come_in_any_order() {
    let vector = plain_vector();
    let params: Vec<&str> = vector.signature_header.split(", ").collect();
    let reordered = [params[3], params[1], params[0], params[2]].join(",");
    let mut parts = vector.parts();
    set_header(&mut parts, "Signature", &reordered);
    assert!(vector.verify(&parts).is_ok());
}

#[test]
fn date_outside_the_allowed_skew_is_refused_both_ways() {
    let vector = plain_vector();
    let sent = vector.now();
    let config = vector.config();
    let limit = config.max_clock_skew;
    let edge = [sent + limit, sent - limit];
    for now in edge {
        assert!(verify(&vector.parts(), &config, now).is_ok());
    }
    let stale = sent + limit + Duration::from_secs(1);
    let early = sent - limit - Duration::from_secs(1);
    for now in [stale, early] {
        assert_eq!(
            verify(&vector.parts(), &config, now).unwrap_err(),
            Rejection::ClockSkew { skew_secs: 301 }
        );
    }
}

#[test]
fn dates_that_are_not_imf_fixdate_in_gmt_are_refused() {
    let vector = plain_vector();
    for date in [
        "Sat, 28 Nov 2026 14:30:00 UTC",
        "Saturday, 28-Nov-26 14:30:00 GMT",
        "Sat Nov 28 14:30:00 2026",
        "Sun, 28 Nov 2026 14:30:00 GMT",
        "Sat, 28 Nov 2026 14:30:00 +0000",
        "2026-11-28T14:30:00Z",
        "Sat,  28 Nov 2026 14:30:00 GMT",
    ] {
        let mut parts = vector.parts();
        set_header(&mut parts, "Date", date);
        assert_eq!(
            vector.verify(&parts).unwrap_err(),
            Rejection::DateFormat,
            "{date}"
        );
    }
}

#[test]
fn each_missing_header_is_named() {
    let vector = plain_vector();
    for (name, label) in [
        ("Host", "Host"),
        ("Date", "Date"),
        ("Digest", "Digest"),
        ("v-c-merchant-id", "v-c-merchant-id"),
        ("Signature", "Signature"),
    ] {
        let mut parts = vector.parts();
        remove_header(&mut parts, name);
        assert_eq!(
            vector.verify(&parts).unwrap_err(),
            Rejection::MissingHeader(label)
        );
        let mut parts = vector.parts();
        set_header(&mut parts, name, "");
        assert_eq!(
            vector.verify(&parts).unwrap_err(),
            Rejection::MissingHeader(label)
        );
    }
}

#[test]
fn content_type_must_be_json() {
    let vector = plain_vector();
    for value in [
        Some("text/plain"),
        Some("application/json;charset=latin-1"),
        Some("application/jsonx"),
        None,
    ] {
        let mut parts = vector.parts();
        match value {
            Some(v) => set_header(&mut parts, "Content-Type", v),
            None => remove_header(&mut parts, "Content-Type"),
        }
        assert_eq!(vector.verify(&parts).unwrap_err(), Rejection::ContentType);
    }
    for value in ["application/json", "Application/JSON; charset=\"UTF-8\""] {
        let mut parts = vector.parts();
        set_header(&mut parts, "Content-Type", value);
        assert!(vector.verify(&parts).is_ok(), "{value}");
    }
}

#[test]
fn header_names_are_case_insensitive_but_duplicates_are_refused() {
    let vector = plain_vector();
    let mut parts = vector.parts();
    for (name, _) in &mut parts.headers {
        *name = name.to_uppercase();
    }
    assert!(vector.verify(&parts).is_ok());

    let mut parts = vector.parts();
    parts
        .headers
        .push(("date".into(), vector.date.replace("14:30:00", "14:30:01")));
    assert_eq!(
        vector.verify(&parts).unwrap_err(),
        Rejection::DuplicateHeader("Date")
    );
}

#[test]
fn control_characters_in_signed_headers_are_refused() {
    let vector = plain_vector();
    let mut parts = vector.parts();
    set_header(
        &mut parts,
        "Host",
        "apitest.cybersource.com\ndate: Sat, 28 Nov 2026 14:30:00 GMT",
    );
    assert_eq!(
        vector.verify(&parts).unwrap_err(),
        Rejection::ControlCharacter("Host")
    );
}

#[test]
fn a_changed_digest_is_refused_even_when_well_formed() {
    let vector = plain_vector();
    let mut parts = vector.parts();
    set_header(
        &mut parts,
        "Digest",
        &mpos_emulator::digest_of(b"{\"keyInformation\":[]}"),
    );
    assert_eq!(
        vector.verify(&parts).unwrap_err(),
        Rejection::DigestMismatch
    );
}

#[test]
fn other_methods_and_paths_are_not_the_endpoint() {
    let vector = plain_vector();
    for (method, target) in [
        ("GET", "/kms/v2/keys-sym-pos"),
        ("post", "/kms/v2/keys-sym-pos"),
        ("POST", "/kms/v2/keys-sym"),
        ("POST", "/kms/v2/keys-sym-pos?x=1"),
        ("POST", "/kms/v2/keys-sym-pos/"),
    ] {
        let mut parts = vector.parts();
        parts.method = method.into();
        parts.target = target.into();
        assert!(matches!(vector.verify(&parts), Err(Rejection::Endpoint(_))));
    }
}

fn signer_at(vector: &Vector, header_merchant: &str, signed_merchant: &str) -> common::Signer {
    common::Signer {
        key_id: vector.key_id.clone(),
        secret: vector.shared_secret_base64.clone(),
        host: vector.host.clone(),
        date: vector.date.clone(),
        header_merchant: header_merchant.into(),
        signed_merchant: signed_merchant.into(),
    }
}

#[test]
fn own_key_used_for_another_merchant_is_refused() {
    let vector = plain_vector();
    let parts = signer_at(&vector, "someone_else", "someone_else").sign(b"{}");
    assert_eq!(
        vector.verify(&parts).unwrap_err(),
        Rejection::MerchantIdMismatch
    );
}

#[test]
fn meta_key_signed_with_the_merchant_instead_of_the_portfolio_is_refused() {
    let vector = meta_vector();
    let body = common::body_for(&["child_mid_7"]);
    let parts = signer_at(&vector, "child_mid_7", "child_mid_7").sign(&body);
    assert_eq!(
        vector.verify(&parts).unwrap_err(),
        Rejection::SignatureMismatch
    );
}

#[test]
fn meta_key_for_a_merchant_outside_the_policy_is_refused() {
    let vector = meta_vector();
    let body = common::body_for(&["other_child"]);
    let parts = signer_at(&vector, "other_child", "parent_portfolio").sign(&body);
    let only = vector
        .config()
        .with_merchants(MerchantPolicy::Only(BTreeSet::from(["child_mid_7".into()])));
    assert_eq!(
        verify(&parts, &only, vector.now()).unwrap_err(),
        Rejection::MerchantNotManaged
    );
    assert!(verify(&parts, &vector.config(), vector.now()).is_ok());

    let unknown = signer_at(&vector, "unknown_child", "parent_portfolio")
        .sign(&common::body_for(&["unknown_child"]));
    assert_eq!(
        vector.verify(&unknown).unwrap_err(),
        Rejection::MerchantNotManaged
    );
}

#[test]
fn meta_key_header_must_be_the_first_requested_merchant() {
    let vector = meta_vector();
    let body = common::body_for(&["child_a", "child_b"]);
    let second = signer_at(&vector, "child_b", "parent_portfolio").sign(&body);
    assert_eq!(
        vector.verify(&second).unwrap_err(),
        Rejection::MerchantNotFirst
    );
    let first = signer_at(&vector, "child_a", "parent_portfolio").sign(&body);
    assert!(vector.verify(&first).is_ok());
    // A test connection carries no merchants, so any managed merchant may be named.
    let empty = signer_at(&vector, "child_a", "parent_portfolio").sign(&common::body_for(&[]));
    assert!(vector.verify(&empty).is_ok());
}

#[test]
fn rejection_reasons_are_distinct() {
    let all = [
        Rejection::Endpoint(String::new()),
        Rejection::ContentType,
        Rejection::MissingHeader("Date"),
        Rejection::DuplicateHeader("Date"),
        Rejection::ControlCharacter("Date"),
        Rejection::SignatureFormat,
        Rejection::Algorithm,
        Rejection::HeadersList,
        Rejection::UnknownKeyId,
        Rejection::UnusableSecret,
        Rejection::DateFormat,
        Rejection::ClockSkew { skew_secs: 1 },
        Rejection::DigestMismatch,
        Rejection::SignatureMismatch,
        Rejection::MerchantIdMismatch,
        Rejection::MerchantNotManaged,
        Rejection::MerchantNotFirst,
        Rejection::Forced,
    ];
    let reasons: BTreeSet<_> = all.iter().map(Rejection::reason).collect();
    assert_eq!(reasons.len(), all.len());
}

/// Random junk must give a refusal, never a panic (a cheap stand-in until the fuzzers arrive).
#[test]
fn random_requests_never_panic() {
    let vector = plain_vector();
    let config = vector.config();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet: Vec<char> = " =\",;:\n\t\u{0}aZ9+/-é\u{1F600}".chars().collect();
    for _ in 0..3000 {
        let mut parts = vector.parts();
        for (_, value) in &mut parts.headers {
            let len = (next() % 40) as usize;
            if next() % 2 == 0 {
                *value = (0..len)
                    .map(|_| alphabet[(next() as usize) % alphabet.len()])
                    .collect();
            }
        }
        parts.body = (0..(next() % 64)).map(|_| next() as u8).collect();
        assert!(verify(&parts, &config, vector.now()).is_err());
    }
}
