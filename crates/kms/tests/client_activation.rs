//! Device activation codes against the project's emulator (its own verifier, query string included), with
//! both authentication schemes, the 15-code limit, several merchants and the usual faults.

mod test_certificates;

use mpos_emulator::{
    Emulator, EmulatorCertificate, EmulatorConfig, EmulatorCredential, Fault, MerchantPolicy,
};
use mpos_kms::{
    Auth, ClientConfig, CodesOutcome, Credentials, KmsClient, KmsError, P12Source, SecretString,
};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};
use test_certificates::{make, Spec, PASSWORD};
use url::Url;

const KEY_ID: &str = "3b0c1f7e-2a55-4d0f-8d7e-6f1b9e2a4c10";
const SECRET: &str = "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=";
const PORTFOLIO: &str = "acme_portfolio";

fn shared(emulator: &Emulator, owner: Option<&str>, meta_key: bool) -> KmsClient {
    let credentials = Credentials {
        auth: Auth::SharedSecret {
            key_id: KEY_ID.into(),
            secret: SecretString::new(SECRET.into()),
        },
        owner_id: owner.map(str::to_string),
        meta_key,
    };
    let mut config = ClientConfig::new(Url::parse(&emulator.base_url()).unwrap(), credentials);
    config.request_timeout = Duration::from_secs(10);
    KmsClient::new(config).unwrap()
}

async fn start_emulator(owner: &str, meta_key: bool, fault: Fault) -> Emulator {
    let config =
        EmulatorConfig::with_credential(EmulatorCredential::new(KEY_ID, SECRET, owner, meta_key))
            .with_merchants(MerchantPolicy::only(["shop_a", "shop_b", "shop_c"]))
            .with_fault(fault);
    Emulator::start(config).await.unwrap()
}

fn mids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn codes_of(outcome: &CodesOutcome) -> Vec<String> {
    match outcome {
        CodesOutcome::Issued { codes, .. } => {
            codes.iter().map(|c| c.code.expose().clone()).collect()
        }
        CodesOutcome::Failed { error, .. } => panic!("expected codes, got {error:?}"),
    }
}

fn error_of(outcome: &CodesOutcome) -> &KmsError {
    match outcome {
        CodesOutcome::Failed { error, .. } => error,
        CodesOutcome::Issued { .. } => panic!("expected a failure"),
    }
}

#[tokio::test]
async fn one_code_and_fifteen_codes_are_exactly_what_the_service_made() {
    let emulator = start_emulator(PORTFOLIO, true, Fault::None).await;
    let client = shared(&emulator, Some(PORTFOLIO), true);
    let before = SystemTime::now();
    for count in [1u8, 15] {
        let out = client
            .activation_codes(&mids(&["shop_a"]), count)
            .await
            .unwrap();
        assert_eq!(out.len(), 1);
        let got = codes_of(&out[0]);
        assert_eq!(got.len(), usize::from(count));
        let made = emulator.codes_issued().last().unwrap().clone();
        assert_eq!(made.organization_id, "shop_a");
        assert_eq!(got, made.codes);
        let CodesOutcome::Issued {
            codes, requested, ..
        } = &out[0]
        else {
            unreachable!()
        };
        assert_eq!(*requested, count);
        for code in codes {
            let left = code.expires_at.duration_since(before).unwrap();
            assert!(
                left > Duration::from_secs(86_390) && left < Duration::from_secs(86_410),
                "{left:?}"
            );
        }
    }
}

#[tokio::test]
async fn sixteen_or_zero_codes_are_refused_before_any_request() {
    let emulator = start_emulator(PORTFOLIO, true, Fault::None).await;
    let client = shared(&emulator, Some(PORTFOLIO), true);
    for count in [16u8, 0, 255] {
        let err = client
            .activation_codes(&mids(&["shop_a"]), count)
            .await
            .unwrap_err();
        assert!(matches!(err, KmsError::InvalidInput(_)), "{err:?}");
        if count > 15 {
            assert!(err.to_string().contains("At most 15"), "{err}");
        }
    }
    let err = client
        .activation_codes(&mids(&["shop_a", "shop_a"]), 1)
        .await
        .unwrap_err();
    assert!(matches!(err, KmsError::InvalidInput(_)));
    let err = client
        .activation_codes(&mids(&["bad mid!"]), 1)
        .await
        .unwrap_err();
    assert!(matches!(err, KmsError::InvalidInput(_)));
    assert_eq!(emulator.requests_received(), 0);
}

#[tokio::test]
async fn several_merchants_are_several_calls_each_with_its_own_outcome() {
    let emulator = start_emulator(PORTFOLIO, true, Fault::None).await;
    let client = shared(&emulator, Some(PORTFOLIO), true);
    let progress = Mutex::new(Vec::new());
    let out = client
        .activation_codes_with_progress(&mids(&["shop_a", "unknown_shop", "shop_b"]), 3, &|d, t| {
            progress.lock().unwrap().push((d, t))
        })
        .await
        .unwrap();
    assert_eq!(emulator.requests_received(), 3);
    let order: Vec<_> = out
        .iter()
        .map(CodesOutcome::cybersource_merchant_id)
        .collect();
    assert_eq!(order, ["shop_a", "unknown_shop", "shop_b"]);
    assert_eq!(codes_of(&out[0]).len(), 3);
    assert_eq!(codes_of(&out[2]).len(), 3);
    // A meta key acting for a merchant it does not manage: refused as the credentials for that call.
    assert!(matches!(
        error_of(&out[1]),
        KmsError::AuthenticationRefused { .. }
    ));
    assert_eq!(*progress.lock().unwrap(), [(0, 3), (1, 3), (2, 3), (3, 3)]);
}

#[tokio::test]
async fn a_portfolio_key_gets_a_per_merchant_refusal_for_a_merchant_it_may_not_act_for() {
    let emulator = start_emulator(PORTFOLIO, false, Fault::None).await;
    let client = shared(&emulator, Some(PORTFOLIO), false);
    let out = client
        .activation_codes(&mids(&["shop_c", "not_ours"]), 2)
        .await
        .unwrap();
    assert_eq!(codes_of(&out[0]).len(), 2);
    match error_of(&out[1]) {
        KmsError::Rejected {
            status, message, ..
        } => {
            assert_eq!(*status, 403);
            assert!(message.contains("not managed"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_merchants_own_key_needs_no_organization_id() {
    let emulator = start_emulator("shop_a", false, Fault::None).await;
    let client = shared(&emulator, None, false);
    let out = client
        .activation_codes(&mids(&["shop_a"]), 2)
        .await
        .unwrap();
    assert_eq!(codes_of(&out[0]).len(), 2);
}

#[tokio::test]
async fn errors_are_mapped_like_every_other_call() {
    let emulator = start_emulator(PORTFOLIO, true, Fault::AlwaysUnauthorized).await;
    let out = shared(&emulator, Some(PORTFOLIO), true)
        .activation_codes(&mids(&["shop_a", "shop_b"]), 1)
        .await
        .unwrap();
    for o in &out {
        assert!(matches!(
            error_of(o),
            KmsError::AuthenticationRefused { .. }
        ));
    }

    let emulator = start_emulator(PORTFOLIO, true, Fault::ServerErrorOnce).await;
    let out = shared(&emulator, Some(PORTFOLIO), true)
        .activation_codes(&mids(&["shop_a"]), 1)
        .await
        .unwrap();
    assert!(matches!(
        error_of(&out[0]),
        KmsError::Server { status: 502, .. }
    ));

    let emulator = start_emulator(PORTFOLIO, true, Fault::CutOffBody).await;
    let out = shared(&emulator, Some(PORTFOLIO), true)
        .activation_codes(&mids(&["shop_a"]), 4)
        .await
        .unwrap();
    let err = error_of(&out[0]);
    assert!(
        matches!(err, KmsError::UnexpectedResponse { .. }),
        "{err:?}"
    );
    // Whatever part of the answer arrived, no code is repeated in what we show.
    let shown = format!("{err} {}", err.detail());
    for code in &emulator.codes_issued()[0].codes {
        assert!(
            !shown.contains(code.as_str()),
            "a code leaked into the error: {shown}"
        );
    }

    let emulator = start_emulator(PORTFOLIO, true, Fault::GarbageBody).await;
    let out = shared(&emulator, Some(PORTFOLIO), true)
        .activation_codes(&mids(&["shop_a"]), 1)
        .await
        .unwrap();
    assert!(matches!(
        error_of(&out[0]),
        KmsError::UnexpectedResponse { .. }
    ));

    let emulator = start_emulator(PORTFOLIO, true, Fault::CloseConnection).await;
    let out = shared(&emulator, Some(PORTFOLIO), true)
        .activation_codes(&mids(&["shop_a"]), 1)
        .await
        .unwrap();
    assert!(
        matches!(error_of(&out[0]), KmsError::Network { .. }),
        "{:?}",
        error_of(&out[0])
    );
}

#[tokio::test]
async fn a_rest_certificate_signs_the_query_in_its_jwt() {
    let cert = make(&Spec::valid(PORTFOLIO, "7100000000000009"), 0);
    let known = EmulatorCertificate::from_der(&cert.der, PORTFOLIO, true).unwrap();
    let emulator = Emulator::start(
        EmulatorConfig::with_credentials(Vec::new())
            .with_certificate(known)
            .with_merchants(MerchantPolicy::only(["shop_a", "shop_b"])),
    )
    .await
    .unwrap();
    let credentials = Credentials {
        auth: Auth::Certificate {
            p12: P12Source::Bytes(test_certificates::p12_for(&cert)),
            password: SecretString::new(PASSWORD.into()),
            key_alias: None,
        },
        owner_id: Some(PORTFOLIO.into()),
        meta_key: true,
    };
    let mut config = ClientConfig::new(Url::parse(&emulator.base_url()).unwrap(), credentials);
    config.request_timeout = Duration::from_secs(10);
    let client = KmsClient::new(config).unwrap();
    let out = client
        .activation_codes(&mids(&["shop_a", "shop_b"]), 5)
        .await
        .unwrap();
    assert_eq!(codes_of(&out[0]).len(), 5);
    assert_eq!(codes_of(&out[1]).len(), 5);
    assert_eq!(emulator.codes_issued().len(), 2);
}

#[test]
fn codes_never_show_in_debug_output() {
    let code = mpos_kms::ActivationCode {
        code: SecretString::new("%N5wU2jH".into()),
        expires_at: SystemTime::now(),
    };
    assert!(!format!("{code:?}").contains("N5wU2jH"));
    assert_eq!(
        mpos_kms::redact(r#"{"tokens":[{"token":"%N5wU2jH","ttl":86399805}]}"#),
        r#"{"tokens":[{"token":"<redacted>","ttl":86399805}]}"#
    );
}
