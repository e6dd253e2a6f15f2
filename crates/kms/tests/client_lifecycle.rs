//! Key status and deletes: the client against the emulator (its own verifier), per-key outcomes, faults,
//! and the parsing of odd answers.

mod test_certificates;

use mpos_emulator::{
    demo, Emulator, EmulatorCertificate, EmulatorConfig, EmulatorCredential, Fault,
};
use mpos_kms::lifecycle::KeyRef;
use mpos_kms::{
    delete_outcomes_from_answer, key_status_from_answer, Auth, ClientConfig, Credentials,
    DeleteOutcome, KeyOutcome, KeyStatus, KmsClient, KmsError, P12Source, SecretString,
};
use std::time::Duration;
use test_certificates::{make, p12_for, Spec, PASSWORD};
use url::Url;

const META_KEY_ID: &str = "3b0c1f7e-2a55-4d0f-8d7e-6f1b9e2a4c10";
const META_SECRET: &str = "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=";
const OTHER_KEY_ID: &str = "4c1d2e8f-3b66-4e1f-9e8f-7a2c0f3b5d21";

fn client_for(emulator: &Emulator, auth: Auth, owner: Option<&str>, meta_key: bool) -> KmsClient {
    let credentials = Credentials {
        auth,
        owner_id: owner.map(str::to_string),
        meta_key,
    };
    let mut cfg = ClientConfig::new(Url::parse(&emulator.base_url()).unwrap(), credentials);
    cfg.request_timeout = Duration::from_secs(10);
    KmsClient::new(cfg).unwrap()
}

fn shared(key_id: &str, secret: &str) -> Auth {
    Auth::SharedSecret {
        key_id: key_id.into(),
        secret: SecretString::new(secret.into()),
    }
}

fn demo_client(emulator: &Emulator) -> KmsClient {
    client_for(
        emulator,
        shared(demo::KEY_ID, demo::SHARED_SECRET),
        Some(demo::ORGANIZATION_ID),
        false,
    )
}

async fn issue(client: &KmsClient, mids: &[&str]) -> Vec<KeyRef> {
    let mids: Vec<String> = mids.iter().map(|m| m.to_string()).collect();
    client
        .generate(&mids)
        .await
        .unwrap()
        .into_iter()
        .map(|o| match o {
            KeyOutcome::Issued(k) => KeyRef {
                key_id: k.key_id,
                cybersource_merchant_id: k.cybersource_merchant_id,
            },
            KeyOutcome::Failed { error, .. } => panic!("{error:?}"),
        })
        .collect()
}

fn status_word(s: &KeyStatus) -> &str {
    match s {
        KeyStatus::Known { status, .. } => status,
        KeyStatus::NotFound { .. } => "NOT_FOUND",
    }
}

#[tokio::test]
async fn status_then_delete_then_status_says_not_found() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let client = demo_client(&emulator);
    let keys = issue(&client, &["shop_a"]).await;
    let status = client.key_status(&keys[0]).await.unwrap();
    let KeyStatus::Known {
        status,
        expiration_date,
    } = status
    else {
        panic!("{status:?}")
    };
    assert_eq!(status, "ACTIVE");
    assert_eq!(
        expiration_date,
        Some(emulator.issued()[0].expiration_date.clone())
    );

    let out = client.delete_keys(&keys).await.unwrap();
    assert!(
        matches!(&out[0], DeleteOutcome::Deleted { status, .. } if status == "DELETED"),
        "{out:?}"
    );
    assert_eq!(emulator.deleted(), vec![keys[0].key_id.clone()]);
    let after = client.key_status(&keys[0]).await.unwrap();
    assert!(
        matches!(
            after,
            KeyStatus::NotFound {
                http_status: 404,
                ..
            }
        ),
        "{after:?}"
    );
    // Deleting again: the key is gone, so that element fails; nothing else changes.
    let again = client.delete_keys(&keys).await.unwrap();
    assert!(matches!(
        &again[0],
        DeleteOutcome::Failed {
            error: KmsError::MerchantRefused { .. },
            ..
        }
    ));
}

#[tokio::test]
async fn a_key_never_issued_is_not_found_and_inactive_or_expired_are_shown_as_given() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let client = demo_client(&emulator);
    let unknown = KeyRef {
        key_id: "00000000-0000-4000-8000-000000000000".into(),
        cybersource_merchant_id: "shop_a".into(),
    };
    assert_eq!(
        status_word(&client.key_status(&unknown).await.unwrap()),
        "NOT_FOUND"
    );
    let keys = issue(&client, &["shop_a", "shop_b"]).await;
    emulator.set_key_status(&keys[0].key_id, "INACTIVE");
    emulator.set_key_status(&keys[1].key_id, "EXPIRED");
    assert_eq!(
        status_word(&client.key_status(&keys[0]).await.unwrap()),
        "INACTIVE"
    );
    assert_eq!(
        status_word(&client.key_status(&keys[1]).await.unwrap()),
        "EXPIRED"
    );
}

#[tokio::test]
async fn a_delete_failing_for_one_of_three_keys_reports_each_in_order() {
    // Two organizations on one emulator: the other's key cannot be deleted with ours.
    let config = EmulatorConfig::with_credentials(vec![
        EmulatorCredential::demo(),
        EmulatorCredential::new(OTHER_KEY_ID, META_SECRET, "other_org", false),
    ]);
    let emulator = Emulator::start(config).await.unwrap();
    let ours = demo_client(&emulator);
    let theirs = client_for(
        &emulator,
        shared(OTHER_KEY_ID, META_SECRET),
        Some("other_org"),
        false,
    );
    let mut keys = issue(&ours, &["shop_a", "shop_b"]).await;
    let foreign = issue(&theirs, &["shop_c"]).await.remove(0);
    keys.insert(1, foreign.clone());

    let out = ours.delete_keys(&keys).await.unwrap();
    assert_eq!(out.len(), 3);
    assert_eq!(
        out.iter().map(|o| o.key().clone()).collect::<Vec<_>>(),
        keys
    );
    assert!(matches!(&out[0], DeleteOutcome::Deleted { .. }));
    let DeleteOutcome::Failed { error, .. } = &out[1] else {
        panic!("{out:?}")
    };
    assert_eq!(error.code(), "merchant_refused");
    assert!(error.to_string().contains("Business Center"), "{error}");
    assert!(matches!(&out[2], DeleteOutcome::Deleted { .. }));
    // The other merchant's key still works, and it cannot see ours.
    assert_eq!(
        status_word(&theirs.key_status(&foreign).await.unwrap()),
        "ACTIVE"
    );
    assert_eq!(
        status_word(&ours.key_status(&foreign).await.unwrap()),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn a_meta_key_names_the_merchant_and_deletes_several_merchants_in_one_request() {
    let config = EmulatorConfig::with_credential(EmulatorCredential::new(
        META_KEY_ID,
        META_SECRET,
        "parent_portfolio",
        true,
    ));
    let emulator = Emulator::start(config).await.unwrap();
    let client = client_for(
        &emulator,
        shared(META_KEY_ID, META_SECRET),
        Some("parent_portfolio"),
        true,
    );
    let keys = issue(&client, &["mid_one", "mid_two"]).await;
    assert_eq!(
        status_word(&client.key_status(&keys[1]).await.unwrap()),
        "ACTIVE"
    );
    // Naming the wrong merchant for a key: FAILED, i.e. not found for this merchant.
    let wrong = KeyRef {
        key_id: keys[1].key_id.clone(),
        cybersource_merchant_id: "mid_one".into(),
    };
    assert_eq!(
        status_word(&client.key_status(&wrong).await.unwrap()),
        "NOT_FOUND"
    );
    let before = emulator.requests_received();
    let out = client.delete_keys(&keys).await.unwrap();
    assert_eq!(
        emulator.requests_received(),
        before + 1,
        "one request for both merchants"
    );
    assert!(
        out.iter()
            .all(|o| matches!(o, DeleteOutcome::Deleted { .. })),
        "{out:?}"
    );
}

#[tokio::test]
async fn a_certificate_checks_status_and_deletes_with_a_jwt() {
    let cert = make(&Spec::valid("shop_a", "7100000000000001"), 0);
    let known = EmulatorCertificate::from_der(&cert.der, "shop_a", false).unwrap();
    let emulator =
        Emulator::start(EmulatorConfig::with_credentials(Vec::new()).with_certificate(known))
            .await
            .unwrap();
    let auth = Auth::Certificate {
        p12: P12Source::Bytes(p12_for(&cert)),
        password: SecretString::new(PASSWORD.into()),
        key_alias: None,
    };
    let client = client_for(&emulator, auth, Some("shop_a"), false);
    let keys = issue(&client, &["shop_a"]).await;
    assert_eq!(
        status_word(&client.key_status(&keys[0]).await.unwrap()),
        "ACTIVE"
    );
    let out = client.delete_keys(&keys).await.unwrap();
    assert!(matches!(&out[0], DeleteOutcome::Deleted { .. }), "{out:?}");
    assert_eq!(
        status_word(&client.key_status(&keys[0]).await.unwrap()),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn a_401_on_each_call_is_an_authentication_error() {
    let emulator = Emulator::start(EmulatorConfig::demo().with_fault(Fault::AlwaysUnauthorized))
        .await
        .unwrap();
    let client = demo_client(&emulator);
    let key = KeyRef {
        key_id: "00000000-0000-4000-8000-000000000000".into(),
        cybersource_merchant_id: "shop_a".into(),
    };
    let err = client.key_status(&key).await.unwrap_err();
    assert_eq!(err.code(), "auth_refused");
    let out = client
        .delete_keys(std::slice::from_ref(&key))
        .await
        .unwrap();
    let DeleteOutcome::Failed { error, .. } = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(error.code(), "auth_refused");
}

#[tokio::test]
async fn a_5xx_on_each_call_is_a_server_error_and_deletes_nothing() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let keys = issue(&demo_client(&emulator), &["shop_a"]).await;
    emulator.shutdown().await;
    // The same keys on an emulator that fails once per start: status first, then delete.
    for call in ["status", "delete"] {
        let faulty = Emulator::start(EmulatorConfig::demo().with_fault(Fault::ServerErrorOnce))
            .await
            .unwrap();
        let client = demo_client(&faulty);
        let error = match call {
            "status" => client.key_status(&keys[0]).await.unwrap_err(),
            _ => match client.delete_keys(&keys).await.unwrap().remove(0) {
                DeleteOutcome::Failed { error, .. } => error,
                other => panic!("{other:?}"),
            },
        };
        assert_eq!(error.code(), "server_error", "{call}: {error}");
        assert!(faulty.deleted().is_empty(), "{call}");
    }
}

#[tokio::test]
async fn bad_key_ids_and_merchants_are_refused_before_any_request() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let client = demo_client(&emulator);
    for (key_id, mid) in [
        ("../keys-sym-pos", "shop_a"),
        ("", "shop_a"),
        ("a b", "shop_a"),
        ("abc", "bad mid"),
    ] {
        let key = KeyRef {
            key_id: key_id.into(),
            cybersource_merchant_id: mid.into(),
        };
        assert_eq!(
            client.key_status(&key).await.unwrap_err().code(),
            "invalid_input",
            "{key_id}"
        );
        assert_eq!(
            client.delete_keys(&[key]).await.unwrap_err().code(),
            "invalid_input"
        );
    }
    assert_eq!(emulator.requests_received(), 0);
}

// ---- parsing odd answers ---------------------------------------------------------------------------------

fn key(id: &str, mid: &str) -> KeyRef {
    KeyRef {
        key_id: id.into(),
        cybersource_merchant_id: mid.into(),
    }
}

#[test]
fn status_answers_are_read_tolerantly() {
    let known = key_status_from_answer(
        200,
        br#"{"keyInformation":{"organizationId":"m","keyId":"k","status":"INACTIVE","expirationDate":"2036-12-01T10:15:00Z","extra":{"x":1}}}"#,
    )
    .unwrap();
    assert_eq!(
        known,
        KeyStatus::Known {
            status: "INACTIVE".into(),
            expiration_date: Some("2036-12-01T10:15:00Z".into())
        }
    );
    // An array instead of an object, and an unknown status word shown as given.
    let odd =
        key_status_from_answer(200, br#"{"keyInformation":[{"status":"SUSPENDED"}]}"#).unwrap();
    assert_eq!(status_word(&odd), "SUSPENDED");
    let failed = key_status_from_answer(
        200,
        br#"{"keyInformation":{"status":"FAILED","message":"gone"}}"#,
    )
    .unwrap();
    assert_eq!(
        failed,
        KeyStatus::NotFound {
            http_status: 200,
            message: "gone".into()
        }
    );
    let missing = key_status_from_answer(404, br#"{"message":"no such key"}"#).unwrap();
    assert_eq!(
        missing,
        KeyStatus::NotFound {
            http_status: 404,
            message: "no such key".into()
        }
    );
    assert_eq!(
        key_status_from_answer(404, b"<html>").unwrap(),
        KeyStatus::NotFound {
            http_status: 404,
            message: "The key was not found.".into()
        }
    );
    for (status, body, code) in [
        (200u16, &b"<html>proxy</html>"[..], "unexpected_response"),
        (200, b"", "unexpected_response"),
        (200, br#"{"keyInformation":{"sta"#, "unexpected_response"),
        (200, br#"{"keyInformation":{}}"#, "unexpected_response"),
        (
            400,
            br#"{"reason":"INVALID_DATA","message":"bad"}"#,
            "request_rejected",
        ),
        (403, br#"{"message":"not allowed"}"#, "request_rejected"),
        (
            401,
            br#"{"response":{"rmsg":"Authentication Failed"}}"#,
            "auth_refused",
        ),
        (
            503,
            br#"{"status":"SERVER_ERROR","reason":"SERVICE_TIMEOUT"}"#,
            "server_error",
        ),
    ] {
        let err = key_status_from_answer(status, body).unwrap_err();
        assert_eq!(
            err.code(),
            code,
            "{status} {}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn delete_answers_pair_by_key_id_and_never_lose_a_key() {
    let keys = [key("k1", "m1"), key("k2", "m2"), key("k3", "m1")];
    // Out of order, a 201, an unknown field: paired by keyId.
    let out = delete_outcomes_from_answer(
        &keys,
        201,
        br#"{"keyInformation":[{"keyId":"k3","status":"DELETED"},{"keyId":"k1","status":"DELETED","x":[1]},
            {"keyId":"k2","status":"FAILED","message":"not yours","errorInformation":{"reason":"INVALID_DATA"}}]}"#,
    );
    assert!(matches!(&out[0], DeleteOutcome::Deleted { key, .. } if key.key_id == "k1"));
    assert!(
        matches!(&out[1], DeleteOutcome::Failed { key, error } if key.key_id == "k2" && error.to_string().contains("not yours"))
    );
    assert!(matches!(&out[2], DeleteOutcome::Deleted { key, .. } if key.key_id == "k3"));
    // Missing elements fail only their key; elements without keyId pair by position when counts agree.
    let short = delete_outcomes_from_answer(
        &keys,
        200,
        br#"{"keyInformation":[{"keyId":"k2","status":"DELETED"}]}"#,
    );
    assert!(matches!(
        &short[0],
        DeleteOutcome::Failed {
            error: KmsError::UnexpectedResponse { .. },
            ..
        }
    ));
    assert!(matches!(&short[1], DeleteOutcome::Deleted { .. }));
    let positional = delete_outcomes_from_answer(
        &keys[..1],
        200,
        br#"{"keyInformation":{"status":"DELETED"}}"#,
    );
    assert!(matches!(&positional[0], DeleteOutcome::Deleted { .. }));
    for (status, body) in [
        (200u16, &b"<html>"[..]),
        (401, br#"{"response":{"rmsg":"x"}}"#),
        (502, b""),
    ] {
        let all = delete_outcomes_from_answer(&keys, status, body);
        assert_eq!(all.len(), 3);
        assert!(
            all.iter()
                .all(|o| matches!(o, DeleteOutcome::Failed { .. })),
            "{status}"
        );
    }
}
