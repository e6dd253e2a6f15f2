//! The client against the project's KMS emulator, which verifies every request with its own verifier.

use mpos_emulator::{
    demo, external_organization_id, Emulator, EmulatorConfig, EmulatorCredential, Fault,
};
use mpos_kms::error::NetworkKind;
use mpos_kms::{
    Auth, ClientConfig, Credentials, IssuedKey, KeyOutcome, KmsClient, KmsError, ProxyChoice,
    SecretString,
};
use std::sync::Mutex;
use std::time::Duration;
use url::Url;

const META_KEY_ID: &str = "3b0c1f7e-2a55-4d0f-8d7e-6f1b9e2a4c10";
const META_SECRET: &str = "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=";

fn config(
    emulator: &Emulator,
    key_id: &str,
    secret: &str,
    owner: Option<&str>,
    meta_key: bool,
) -> ClientConfig {
    let credentials = Credentials {
        auth: Auth::SharedSecret {
            key_id: key_id.into(),
            secret: SecretString::new(secret.into()),
        },
        owner_id: owner.map(str::to_string),
        meta_key,
    };
    let mut cfg = ClientConfig::new(Url::parse(&emulator.base_url()).unwrap(), credentials);
    cfg.request_timeout = Duration::from_secs(10);
    cfg
}

fn demo_client(emulator: &Emulator) -> KmsClient {
    KmsClient::new(config(
        emulator,
        demo::KEY_ID,
        demo::SHARED_SECRET,
        Some(demo::ORGANIZATION_ID),
        false,
    ))
    .unwrap()
}

async fn start(config: EmulatorConfig) -> Emulator {
    Emulator::start(config).await.unwrap()
}

fn mids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn issued(o: &KeyOutcome) -> &IssuedKey {
    match o {
        KeyOutcome::Issued(k) => k,
        KeyOutcome::Failed { error, .. } => panic!("expected a key, got {error:?}"),
    }
}

fn failed(o: &KeyOutcome) -> &KmsError {
    match o {
        KeyOutcome::Failed { error, .. } => error,
        KeyOutcome::Issued(k) => panic!("expected a failure, got {k:?}"),
    }
}

/// The one outcome of a one-merchant request that must fail.
async fn single_failure(client: &KmsClient, mid: &str) -> KmsError {
    let out = client.generate(&mids(&[mid])).await.unwrap();
    assert_eq!(out.len(), 1);
    failed(&out[0]).clone()
}

// ---- keys ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn one_key_carries_the_external_merchant_id_not_the_mid() {
    let emulator = start(EmulatorConfig::demo()).await;
    let out = demo_client(&emulator)
        .generate(&mids(&["acme_store_042"]))
        .await
        .unwrap();
    let key = issued(&out[0]);
    let record = &emulator.issued()[0];
    assert_eq!(key.cybersource_merchant_id, "acme_store_042");
    assert_eq!(key.merchant_id, external_organization_id("acme_store_042"));
    assert_ne!(key.merchant_id, key.cybersource_merchant_id);
    assert_eq!(key.secret.expose(), &record.key);
    assert_eq!(key.key_id, record.key_id);
    assert_eq!(key.status, "ACTIVE");
    assert_eq!(
        key.expiration_date.as_deref(),
        Some(record.expiration_date.as_str())
    );
    assert_eq!(emulator.requests_received(), 1);
}

#[tokio::test]
async fn a_merchant_key_without_an_owner_id_signs_for_the_mid_itself() {
    let credential = EmulatorCredential::new(META_KEY_ID, META_SECRET, "acme_store_042", false);
    let emulator = start(EmulatorConfig::with_credential(credential)).await;
    let client = KmsClient::new(config(&emulator, META_KEY_ID, META_SECRET, None, false)).unwrap();
    let out = client.generate(&mids(&["acme_store_042"])).await.unwrap();
    assert_eq!(
        issued(&out[0]).merchant_id,
        external_organization_id("acme_store_042")
    );
}

#[tokio::test]
async fn a_batch_of_250_goes_in_three_chunks_and_keeps_its_order() {
    let emulator = start(EmulatorConfig::demo()).await;
    let wanted: Vec<String> = (0..250).rev().map(|i| format!("store_{i:03}")).collect();
    let progress = Mutex::new(Vec::new());
    let out = demo_client(&emulator)
        .generate_with_progress(&wanted, &|done, total| {
            progress.lock().unwrap().push((done, total))
        })
        .await
        .unwrap();
    assert_eq!(emulator.requests_received(), 3);
    assert_eq!(out.len(), 250);
    let records = emulator.issued();
    for (mid, outcome) in wanted.iter().zip(&out) {
        let key = issued(outcome);
        assert_eq!(&key.cybersource_merchant_id, mid);
        assert_eq!(key.merchant_id, external_organization_id(mid));
        let record = records.iter().find(|r| &r.organization_id == mid).unwrap();
        assert_eq!(key.secret.expose(), &record.key, "{mid}");
    }
    let progress = progress.into_inner().unwrap();
    assert_eq!(progress.first(), Some(&(0, 250)));
    assert_eq!(progress.last(), Some(&(250, 250)));
    assert_eq!(progress.len(), 4);
}

#[tokio::test]
async fn refused_merchants_fail_alone_in_a_201() {
    let emulator = start(EmulatorConfig::demo()).await;
    let out = demo_client(&emulator)
        .generate(&mids(&["good_1", "unknown_2", "good_3"]))
        .await
        .unwrap();
    issued(&out[0]);
    issued(&out[2]);
    match failed(&out[1]) {
        e @ KmsError::MerchantRefused {
            mid,
            message,
            reason,
            detail,
        } => {
            assert_eq!(mid, "unknown_2");
            assert_eq!(reason.as_deref(), Some("INVALID_DATA"));
            assert!(
                message.starts_with(
                    "organizationId is not a merchant this key may generate keys for. Check that"
                ),
                "{message}"
            );
            assert_eq!(detail, "keyInformation[1].organizationId: INVALID_DATA");
            assert_eq!(e.code(), "merchant_refused");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emulator.issued().len(), 2);
}

#[tokio::test]
async fn a_meta_key_signs_the_portfolio_and_names_the_merchant() {
    let credential = EmulatorCredential::new(META_KEY_ID, META_SECRET, "parent_portfolio", true);
    let emulator = start(EmulatorConfig::with_credential(credential)).await;
    let mut cfg = config(
        &emulator,
        META_KEY_ID,
        META_SECRET,
        Some("parent_portfolio"),
        true,
    );
    cfg.chunk_size = 2;
    let out = KmsClient::new(cfg)
        .unwrap()
        .generate(&mids(&["child_1", "child_2", "child_3"]))
        .await
        .unwrap();
    for (mid, o) in ["child_1", "child_2", "child_3"].iter().zip(&out) {
        assert_eq!(issued(o).merchant_id, external_organization_id(mid));
    }
    assert_eq!(emulator.requests_received(), 2);

    // The same key used as if it were the portfolio's own key is refused.
    let plain = KmsClient::new(config(
        &emulator,
        META_KEY_ID,
        META_SECRET,
        Some("parent_portfolio"),
        false,
    ))
    .unwrap();
    assert!(matches!(
        single_failure(&plain, "child_1").await,
        KmsError::AuthenticationRefused { .. }
    ));
}

// ---- authentication ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_wrong_secret_is_refused_with_the_likely_causes() {
    let emulator = start(EmulatorConfig::demo()).await;
    let wrong = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let client = KmsClient::new(config(
        &emulator,
        demo::KEY_ID,
        wrong,
        Some(demo::ORGANIZATION_ID),
        false,
    ))
    .unwrap();
    match single_failure(&client, "acme_1").await {
        KmsError::AuthenticationRefused {
            message,
            clock_skew_secs,
            detail,
        } => {
            assert!(
                message
                    .starts_with("Cybersource refused the credentials (HTTP 401). Likely causes:"),
                "{message}"
            );
            assert!(
                message.contains("the secret is from the other environment"),
                "{message}"
            );
            assert!(
                message.contains("not a REST shared secret key"),
                "{message}"
            );
            assert!(
                message.contains("v-c-merchant-id does not own the key"),
                "{message}"
            );
            assert!(
                message.ends_with("Cybersource said: \"Authentication Failed\"."),
                "{message}"
            );
            assert!(
                clock_skew_secs.is_some_and(|s| s.abs() <= 2),
                "{clock_skew_secs:?}"
            );
            assert_eq!(detail, r#"{"response":{"rmsg":"Authentication Failed"}}"#);
        }
        other => panic!("{other:?}"),
    }
    assert!(emulator.issued().is_empty());
}

#[tokio::test]
async fn a_skewed_clock_is_named_first() {
    let emulator = start(EmulatorConfig::demo().with_clock_offset_secs(600)).await;
    match single_failure(&demo_client(&emulator), "acme_1").await {
        KmsError::AuthenticationRefused {
            message,
            clock_skew_secs,
            ..
        } => {
            assert!(
                message.starts_with("This computer's clock is off by 10 minutes (behind Cybersource's). Set the date"),
                "{message}"
            );
            assert!(
                message.contains("Cybersource refused the credentials (HTTP 401)"),
                "{message}"
            );
            assert!(
                clock_skew_secs.is_some_and(|s| (-602..=-598).contains(&s)),
                "{clock_skew_secs:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn test_connection_passes_on_the_400_after_authentication() {
    let emulator = start(EmulatorConfig::demo()).await;
    demo_client(&emulator).test_connection().await.unwrap();
    assert_eq!(emulator.requests_received(), 1);
    assert!(emulator.issued().is_empty());

    let wrong = KmsClient::new(config(
        &emulator,
        "00000000-0000-0000-0000-000000000000",
        demo::SHARED_SECRET,
        Some(demo::ORGANIZATION_ID),
        false,
    ))
    .unwrap();
    match wrong.test_connection().await {
        Err(KmsError::AuthenticationRefused { message, .. }) => {
            assert!(
                message.starts_with("Cybersource refused the credentials (HTTP 401)"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn test_connection_reports_a_refusing_server() {
    let emulator = start(EmulatorConfig::demo().with_fault(Fault::AlwaysUnauthorized)).await;
    assert!(matches!(
        demo_client(&emulator).test_connection().await,
        Err(KmsError::AuthenticationRefused {
            clock_skew_secs: Some(_),
            ..
        })
    ));
}

// ---- faults ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_server_error_is_reported_once_and_never_retried() {
    let emulator = start(EmulatorConfig::demo().with_fault(Fault::ServerErrorOnce)).await;
    let client = demo_client(&emulator);
    match single_failure(&client, "acme_1").await {
        KmsError::Server {
            status,
            reason,
            message,
            ..
        } => {
            assert_eq!(status, 502);
            assert_eq!(reason.as_deref(), Some("SYSTEM_ERROR"));
            assert_eq!(
                message,
                "Cybersource had a problem (HTTP 502, SYSTEM_ERROR): \"The upstream server did not answer in \
                 time\". Try again in a few minutes; nothing was retried automatically because a retry could issue \
                 a second key."
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emulator.requests_received(), 1);
    assert!(emulator.issued().is_empty());
    // Asking again is the user's decision; then it works.
    issued(&client.generate(&mids(&["acme_1"])).await.unwrap()[0]);
}

#[tokio::test]
async fn a_slow_server_times_out_after_one_request() {
    let emulator =
        start(EmulatorConfig::demo().with_fault(Fault::Slow(Duration::from_secs(5)))).await;
    let mut cfg = config(
        &emulator,
        demo::KEY_ID,
        demo::SHARED_SECRET,
        Some(demo::ORGANIZATION_ID),
        false,
    );
    cfg.request_timeout = Duration::from_millis(500);
    match single_failure(&KmsClient::new(cfg).unwrap(), "acme_1").await {
        KmsError::Network {
            kind,
            message,
            may_have_reached_server,
        } => {
            assert_eq!(kind, NetworkKind::Timeout);
            assert!(may_have_reached_server);
            assert!(
                message.contains("did not answer within 0.5 s. A key may have been issued"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emulator.requests_received(), 1);
}

#[tokio::test]
async fn an_html_page_instead_of_keys() {
    let emulator = start(EmulatorConfig::demo().with_fault(Fault::GarbageBody)).await;
    match single_failure(&demo_client(&emulator), "acme_1").await {
        KmsError::UnexpectedResponse {
            status,
            message,
            snippet,
        } => {
            assert_eq!(status, 201);
            assert!(
                message.starts_with("Cybersource answered HTTP 201 but the answer is an HTML page"),
                "{message}"
            );
            assert!(snippet.starts_with("<!DOCTYPE html>"), "{snippet}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_cut_off_answer_warns_that_keys_may_exist() {
    let emulator = start(EmulatorConfig::demo().with_fault(Fault::CutOffBody)).await;
    match single_failure(&demo_client(&emulator), "acme_1").await {
        KmsError::UnexpectedResponse {
            status,
            message,
            snippet,
        } => {
            assert_eq!(status, 201);
            assert!(
                message.starts_with("The answer (HTTP 201) was cut off after"),
                "{message}"
            );
            assert!(message.contains("Keys may have been issued"), "{message}");
            let record = &emulator.issued()[0];
            assert!(
                !snippet.contains(&record.key),
                "the snippet leaks the key: {snippet}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emulator.requests_received(), 1);
}

#[tokio::test]
async fn a_closed_connection_may_have_reached_the_server() {
    let emulator = start(EmulatorConfig::demo().with_fault(Fault::CloseConnection)).await;
    match single_failure(&demo_client(&emulator), "acme_1").await {
        KmsError::Network {
            kind,
            message,
            may_have_reached_server,
        } => {
            assert_eq!(kind, NetworkKind::Other);
            assert!(may_have_reached_server);
            assert!(
                message.contains("broke before the answer arrived"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emulator.requests_received(), 1);
}

// ---- configuration ---------------------------------------------------------------------------------------

#[tokio::test]
async fn plain_http_to_another_host_is_refused_before_any_request() {
    let emulator = start(EmulatorConfig::demo()).await;
    let mut cfg = config(
        &emulator,
        demo::KEY_ID,
        demo::SHARED_SECRET,
        Some(demo::ORGANIZATION_ID),
        false,
    );
    cfg.base_url = Url::parse("http://kms.example.com").unwrap();
    cfg.proxy = ProxyChoice::None;
    match KmsClient::new(cfg) {
        Err(KmsError::InvalidInput(message)) => assert_eq!(
            message,
            "Plain http:// is only allowed to this computer (localhost, 127.0.0.1, ::1), not to kms.example.com. \
             Use https://."
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(emulator.requests_received(), 0);
}

/// The app awaits these on a multi-threaded runtime, which needs Send futures; this fails to compile
/// otherwise.
#[allow(dead_code)]
fn client_futures_are_send(client: &mpos_kms::KmsClient, mids: &[String]) {
    fn assert_send<T: Send>(_: T) {}
    assert_send(client.generate(mids));
    assert_send(client.generate_with_progress(mids, &|_, _| {}));
    assert_send(client.test_connection());
}
