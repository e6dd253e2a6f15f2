//! The activation-codes endpoint: its verifier against the official SDK's vectors and tampering (the query
//! string is signed), and the server's answers, with a signer written here, not taken from mpos-kms.

mod common;
mod sdk_vectors;

use std::net::SocketAddr;
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use common::send;
use hmac::{Hmac, Mac};
use mpos_emulator::{
    Emulator, EmulatorConfig, EmulatorCredential, Fault, MerchantPolicy, Rejection, RequestParts,
    CODE_TTL_MS, REJECTION_HEADER,
};
use sdk_vectors::Vector;
use sha2::{Digest as _, Sha256};

fn vectors() -> Vec<Vector> {
    sdk_vectors::load(include_str!("vectors/http-signature-activation.json"), 2)
}

#[test]
fn both_activation_vectors_are_accepted() {
    for v in vectors() {
        let verified = v
            .verify(&v.parts())
            .unwrap_or_else(|r| panic!("{}: refused: {r}", v.name));
        assert_eq!(verified.merchant_id, v.v_c_merchant_id_header);
        assert_eq!(verified.meta_key, v.portfolio_id.is_some());
    }
}

#[test]
fn the_query_string_is_signed() {
    for v in vectors() {
        for target in [
            v.request_target.replace("size=", "size=1"),
            v.request_target
                .replace("?size=3", "?size=4")
                .replace("?size=15", "?size=14"),
        ] {
            let mut parts = v.parts();
            parts.target = target.clone();
            assert_eq!(
                v.verify(&parts),
                Err(Rejection::SignatureMismatch),
                "{}: {target}",
                v.name
            );
        }
        let mut parts = v.parts();
        parts.target = v.request_target.split('?').next().unwrap().to_owned();
        assert!(
            matches!(v.verify(&parts), Err(Rejection::Endpoint(_))),
            "{}: a target without size is not served",
            v.name
        );
    }
}

/// Signs an activation request as the spec says, for `header_mid`, naming `signed_owner` on the signing line.
fn sign(
    credential: &EmulatorCredential,
    host: &str,
    target: &str,
    header_mid: &str,
    signed_owner: &str,
) -> RequestParts {
    let date = httpdate::fmt_http_date(SystemTime::now());
    let body = b"{}";
    let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(body)));
    let signing = format!(
        "host: {host}\ndate: {date}\nrequest-target: post {target}\ndigest: {digest}\nv-c-merchant-id: {signed_owner}"
    );
    let mut mac =
        Hmac::<Sha256>::new_from_slice(&BASE64.decode(&credential.shared_secret).unwrap()).unwrap();
    mac.update(signing.as_bytes());
    let signature = BASE64.encode(mac.finalize().into_bytes());
    RequestParts {
        method: "POST".into(),
        target: target.into(),
        headers: vec![
            ("Host".into(), host.into()),
            ("Date".into(), date),
            ("Content-Type".into(), "application/json;charset=utf-8".into()),
            ("Digest".into(), digest),
            ("v-c-merchant-id".into(), header_mid.into()),
            (
                "Signature".into(),
                format!(
                    "keyid=\"{}\", algorithm=\"HmacSHA256\", headers=\"host date request-target digest v-c-merchant-id\", signature=\"{signature}\"",
                    credential.key_id
                ),
            ),
        ],
        body: body.to_vec(),
    }
}

const KEY_ID: &str = "0d3c8a3e-61f2-4b9a-9a57-0b8e1f4c2d6a";
const SECRET: &str = "YWN0aXZhdGlvbi1lbXVsYXRvci10ZXN0LXNlY3JldA==";

fn meta() -> EmulatorCredential {
    EmulatorCredential::new(KEY_ID, SECRET, "parent_portfolio", true)
}

async fn start(credential: EmulatorCredential, fault: Fault) -> (Emulator, SocketAddr) {
    let config = EmulatorConfig::with_credential(credential)
        .with_merchants(MerchantPolicy::only(["shop_a", "shop_b"]))
        .with_fault(fault);
    let emulator = Emulator::start(config).await.unwrap();
    let addr = emulator.local_addr();
    (emulator, addr)
}

#[tokio::test]
async fn a_signed_request_gets_exactly_the_codes_asked_for() {
    let (emulator, addr) = start(meta(), Fault::None).await;
    let target = "/dms/v2/merchants/shop_a/activation-codes?size=15";
    let answer = send(
        addr,
        &sign(
            &meta(),
            &addr.to_string(),
            target,
            "shop_a",
            "parent_portfolio",
        ),
    )
    .await
    .unwrap();
    assert_eq!(answer.status, 201);
    let tokens = answer.json()["tokens"].as_array().unwrap().clone();
    assert_eq!(tokens.len(), 15);
    let issued = emulator.codes_issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].organization_id, "shop_a");
    for (token, code) in tokens.iter().zip(&issued[0].codes) {
        assert_eq!(token["token"].as_str(), Some(code.as_str()));
        assert_eq!(token["ttl"].as_u64(), Some(CODE_TTL_MS));
    }
    let mut unique = issued[0].codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 15, "codes are not repeated");
}

#[tokio::test]
async fn a_header_mid_that_is_not_the_paths_is_refused() {
    let (emulator, addr) = start(meta(), Fault::None).await;
    let target = "/dms/v2/merchants/shop_a/activation-codes?size=1";
    let answer = send(
        addr,
        &sign(
            &meta(),
            &addr.to_string(),
            target,
            "shop_b",
            "parent_portfolio",
        ),
    )
    .await
    .unwrap();
    assert_eq!(answer.status, 401);
    assert_eq!(answer.header(REJECTION_HEADER), Some("merchant-not-path"));
    assert!(emulator.codes_issued().is_empty());
}

#[tokio::test]
async fn a_meta_key_must_sign_its_portfolio_and_manage_the_merchant() {
    let (_emulator, addr) = start(meta(), Fault::None).await;
    let host = addr.to_string();
    let target = "/dms/v2/merchants/shop_a/activation-codes?size=1";
    let wrong_line = send(addr, &sign(&meta(), &host, target, "shop_a", "shop_a"))
        .await
        .unwrap();
    assert_eq!(
        wrong_line.header(REJECTION_HEADER),
        Some("signature-mismatch")
    );
    let target = "/dms/v2/merchants/shop_z/activation-codes?size=1";
    let unmanaged = send(
        addr,
        &sign(&meta(), &host, target, "shop_z", "parent_portfolio"),
    )
    .await
    .unwrap();
    assert_eq!(unmanaged.status, 401);
    assert_eq!(
        unmanaged.header(REJECTION_HEADER),
        Some("merchant-not-managed")
    );
}

#[tokio::test]
async fn a_merchants_own_key_acts_for_its_merchant_and_gets_403_for_others() {
    let own = EmulatorCredential::new(KEY_ID, SECRET, "shop_a", false);
    let (emulator, addr) = start(own.clone(), Fault::None).await;
    let host = addr.to_string();
    let ok = send(
        addr,
        &sign(
            &own,
            &host,
            "/dms/v2/merchants/shop_a/activation-codes?size=2",
            "shop_a",
            "shop_a",
        ),
    )
    .await
    .unwrap();
    assert_eq!(ok.status, 201);
    let other = send(
        addr,
        &sign(
            &own,
            &host,
            "/dms/v2/merchants/not_ours/activation-codes?size=2",
            "not_ours",
            "shop_a",
        ),
    )
    .await
    .unwrap();
    assert_eq!(other.status, 403);
    assert_eq!(other.json()["reason"], "NOT_AUTHORIZED");
    assert_eq!(emulator.codes_issued().len(), 1);
}

#[tokio::test]
async fn a_size_outside_1_to_15_is_a_400_after_authentication() {
    let (emulator, addr) = start(meta(), Fault::None).await;
    let host = addr.to_string();
    for size in ["0", "16", "07"] {
        let target = format!("/dms/v2/merchants/shop_a/activation-codes?size={size}");
        let answer = send(
            addr,
            &sign(&meta(), &host, &target, "shop_a", "parent_portfolio"),
        )
        .await
        .unwrap();
        assert_eq!(answer.status, 400, "size={size}");
        assert_eq!(answer.json()["details"][0]["field"], "size");
    }
    assert!(emulator.codes_issued().is_empty());
}

#[tokio::test]
async fn faults_apply_to_activation_codes_too() {
    let target = "/dms/v2/merchants/shop_a/activation-codes?size=3";
    let (_e, addr) = start(meta(), Fault::ServerErrorOnce).await;
    let host = addr.to_string();
    let first = send(
        addr,
        &sign(&meta(), &host, target, "shop_a", "parent_portfolio"),
    )
    .await
    .unwrap();
    assert_eq!(first.status, 502);
    let second = send(
        addr,
        &sign(&meta(), &host, target, "shop_a", "parent_portfolio"),
    )
    .await
    .unwrap();
    assert_eq!(second.status, 201);

    let (_e, addr) = start(meta(), Fault::AlwaysUnauthorized).await;
    let answer = send(
        addr,
        &sign(
            &meta(),
            &addr.to_string(),
            target,
            "shop_a",
            "parent_portfolio",
        ),
    )
    .await
    .unwrap();
    assert_eq!(answer.status, 401);

    let (emulator, addr) = start(meta(), Fault::CutOffBody).await;
    let answer = send(
        addr,
        &sign(
            &meta(),
            &addr.to_string(),
            target,
            "shop_a",
            "parent_portfolio",
        ),
    )
    .await
    .unwrap();
    assert!(!answer.complete, "the body is cut off");
    assert_eq!(
        emulator.codes_issued().len(),
        1,
        "codes were made before the cut"
    );
}
