//! Error mapping and element matching, from canned answers.

use super::*;
use std::time::Duration;

fn answer(status: u16, body: &str) -> Answer {
    Answer {
        status,
        server_date: None,
        received_at: SystemTime::now(),
        body: Zeroizing::new(body.as_bytes().to_vec()),
    }
}

fn mids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn key_json(org: &str, n: u32) -> String {
    format!(
        r#"{{"organizationId":"{org}","externalOrganizationId":"ext-{n}","key":"SECRET-{n}","keyId":"kid-{n}",
        "status":"ACTIVE","expirationDate":"2033-08-07T13:07:17Z"}}"#
    )
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

#[test]
fn keys_are_matched_by_organization_id_in_input_order() {
    let body = format!(
        r#"{{"keyInformation":[{},{}]}}"#,
        key_json("b", 2),
        key_json("a", 1)
    );
    let out = outcomes(&mids(&["a", "b"]), &answer(201, &body));
    let (a, b) = (issued(&out[0]), issued(&out[1]));
    assert_eq!(
        (a.cybersource_merchant_id.as_str(), a.merchant_id.as_str()),
        ("a", "ext-1")
    );
    assert_eq!(
        (b.key_id.as_str(), b.secret.expose().as_str()),
        ("kid-2", "SECRET-2")
    );
    assert_eq!(a.status, "ACTIVE");
    assert_eq!(a.expiration_date.as_deref(), Some("2033-08-07T13:07:17Z"));
}

#[test]
fn case_differences_and_missing_organization_ids_still_match() {
    let body = format!(r#"{{"keyInformation":[{}]}}"#, key_json("ACME_1", 1));
    assert_eq!(
        issued(&outcomes(&mids(&["acme_1"]), &answer(201, &body))[0]).key_id,
        "kid-1"
    );

    let body = r#"{"keyInformation":[{"externalOrganizationId":"e","key":"k","keyId":"i","status":"ACTIVE"}]}"#;
    assert_eq!(
        issued(&outcomes(&mids(&["m"]), &answer(201, body))[0]).merchant_id,
        "e"
    );
}

#[test]
fn failed_elements_are_merchant_refused() {
    let body = format!(
        r#"{{"status":"ACCEPTED","keyInformation":[{},{{"organizationId":"unknown_1","status":"FAILED",
        "message":"Organization does not exist","errorInformation":{{"reason":"INVALID_DATA",
        "details":[{{"field":"organizationId","reason":"INVALID_DATA"}}]}}}}]}}"#,
        key_json("good", 1)
    );
    let out = outcomes(&mids(&["good", "unknown_1"]), &answer(201, &body));
    issued(&out[0]);
    match failed(&out[1]) {
        e @ KmsError::MerchantRefused {
            mid,
            message,
            reason,
            detail,
        } => {
            assert_eq!(mid, "unknown_1");
            assert!(
                message.starts_with("Organization does not exist. Check that the merchant id"),
                "{message}"
            );
            assert_eq!(reason.as_deref(), Some("INVALID_DATA"));
            assert_eq!(detail, "organizationId: INVALID_DATA");
            assert!(e
                .to_string()
                .starts_with("No key for unknown_1: Organization does not exist."));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn failed_without_message_explains_the_reason() {
    let body = r#"{"keyInformation":[{"organizationId":"m","status":"failed","errorInformation":{"reason":"MISSING_FIELD"}}]}"#;
    match failed(&outcomes(&mids(&["m"]), &answer(201, body))[0]) {
        KmsError::MerchantRefused { message, .. } => {
            assert!(message.starts_with("a required field was missing"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn incomplete_elements_and_count_mismatch_are_unexpected_per_merchant() {
    let body = format!(
        r#"{{"keyInformation":[{},{{"organizationId":"b","status":"ACTIVE","key":"SECRETB"}}]}}"#,
        key_json("a", 1)
    );
    let out = outcomes(&mids(&["a", "b", "c"]), &answer(201, &body));
    issued(&out[0]);
    match failed(&out[1]) {
        KmsError::UnexpectedResponse {
            status,
            message,
            snippet,
        } => {
            assert_eq!(*status, 201);
            assert!(
                message.contains("result for b (ACTIVE) has no keyId, externalOrganizationId"),
                "{message}"
            );
            assert!(message.contains("check Key Management"), "{message}");
            assert!(!snippet.contains("SECRET"), "{snippet}");
        }
        other => panic!("{other:?}"),
    }
    match failed(&out[2]) {
        KmsError::UnexpectedResponse { message, .. } => {
            assert!(
                message.contains("no result for c (2 results for 3 merchants)"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_key_with_another_status_is_kept() {
    let body = r#"{"keyInformation":[{"organizationId":"m","externalOrganizationId":"e","key":"k","keyId":"i"}]}"#;
    assert_eq!(
        issued(&outcomes(&mids(&["m"]), &answer(201, body))[0]).status,
        "UNKNOWN"
    );
}

#[test]
fn unreadable_success_bodies() {
    for (body, words) in [
        ("", "the answer was empty"),
        ("<html><body>Proxy login</body></html>", "HTML page"),
        (
            r#"{"keyInformation":[{"organizationId":"m","key":"SECRETX"#,
            "cut off",
        ),
        ("OK", "not JSON"),
        ("{nope}", "not valid JSON"),
    ] {
        let out = outcomes(&mids(&["m", "n"]), &answer(201, body));
        assert_eq!(out.len(), 2);
        for o in &out {
            match failed(o) {
                KmsError::UnexpectedResponse {
                    status: 201,
                    message,
                    snippet,
                } => {
                    assert!(
                        message.starts_with("Cybersource answered HTTP 201 but"),
                        "{message}"
                    );
                    assert!(message.contains(words), "{body:?}: {message}");
                    assert!(!snippet.contains("SECRETX"), "{snippet}");
                }
                other => panic!("{body:?}: {other:?}"),
            }
        }
    }
}

#[test]
fn status_400_403_404_are_rejected_with_cybersource_message() {
    let body = r#"{"status":"BAD_REQUEST","reason":"INVALID_DATA","message":"Declined - invalid data.",
        "details":[{"field":"keyInformation[0].organizationId","reason":"INVALID_DATA"}]}"#;
    match &error_for_status(&answer(400, body)) {
        e @ KmsError::Rejected {
            status: 400,
            reason,
            message,
            detail,
        } => {
            assert_eq!(reason.as_deref(), Some("INVALID_DATA"));
            assert_eq!(
                message,
                "Cybersource refused the request (HTTP 400, INVALID_DATA): \"Declined - invalid data\". Check \
                 the merchant ids and try again."
            );
            assert_eq!(detail, "keyInformation[0].organizationId: INVALID_DATA");
            assert_eq!(e.code(), "request_rejected");
        }
        other => panic!("{other:?}"),
    }
    match &error_for_status(&answer(403, r#"{"message":"Forbidden"}"#)) {
        KmsError::Rejected {
            status: 403,
            message,
            ..
        } => {
            assert!(
                message.contains("(HTTP 403): \"Forbidden\". The key may not be allowed"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    match &error_for_status(&answer(404, "{}")) {
        KmsError::Rejected {
            status: 404,
            message,
            ..
        } => {
            assert_eq!(message, "Cybersource refused the request (HTTP 404). Check the base URL: no key service was found there.")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn status_5xx_is_server_and_says_nothing_was_retried() {
    let body = r#"{"status":"SERVER_ERROR","reason":"SYSTEM_ERROR","message":"Error - General system failure."}"#;
    match &error_for_status(&answer(502, body)) {
        KmsError::Server {
            status: 502,
            reason,
            message,
            ..
        } => {
            assert_eq!(reason.as_deref(), Some("SYSTEM_ERROR"));
            assert_eq!(
                message,
                "Cybersource had a problem (HTTP 502, SYSTEM_ERROR): \"Error - General system failure\". Try \
                 again in a few minutes; nothing was retried automatically because a retry could issue a second key."
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn non_json_error_bodies_are_unexpected_with_a_redacted_snippet() {
    let html = format!(
        "<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
        "x".repeat(400)
    );
    match &error_for_status(&answer(502, &html)) {
        KmsError::UnexpectedResponse {
            status: 502,
            message,
            snippet,
        } => {
            assert!(
                message.starts_with("Got HTTP 502 but the answer is an HTML page"),
                "{message}"
            );
            assert!(
                message.ends_with("because a retry could issue a second key."),
                "{message}"
            );
            assert!(snippet.starts_with("<html><head><title>502 Bad Gateway"));
            assert_eq!(snippet.chars().count(), 201);
        }
        other => panic!("{other:?}"),
    }
    match &error_for_status(&answer(400, "")) {
        KmsError::UnexpectedResponse {
            status: 400,
            message,
            snippet,
        } => {
            assert_eq!(message, "Got HTTP 400 but the answer was empty.");
            assert!(snippet.is_empty());
        }
        other => panic!("{other:?}"),
    }
    match &error_for_status(&answer(503, r#"{"key":"LEAKED","message":"cut"#)) {
        KmsError::UnexpectedResponse { snippet, .. } => {
            assert_eq!(snippet, r#"{"key":"<redacted>","message":"cut"#)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn redirects_and_odd_statuses_are_unexpected() {
    match &error_for_status(&answer(302, "")) {
        KmsError::UnexpectedResponse {
            status: 302,
            message,
            ..
        } => assert!(message.contains("redirect")),
        other => panic!("{other:?}"),
    }
    match &error_for_status(&answer(101, "")) {
        KmsError::UnexpectedResponse {
            status: 101,
            message,
            ..
        } => assert!(message.contains("unexpected HTTP 101")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn status_401_lists_causes_and_cybersource_words() {
    let mut a = answer(401, r#"{"response":{"rmsg":"Authentication Failed"}}"#);
    a.server_date = Some(a.received_at - Duration::from_secs(3));
    match &error_for_status(&a) {
        e @ KmsError::AuthenticationRefused {
            message,
            clock_skew_secs,
            detail,
        } => {
            assert!(message.starts_with(
                "Cybersource refused the credentials (HTTP 401). Likely causes: the key id"
            ));
            for cause in [
                "shared secret",
                "other environment",
                "not a REST shared secret",
                "v-c-merchant-id",
            ] {
                assert!(message.contains(cause), "{cause}: {message}");
            }
            assert!(
                message.ends_with("Cybersource said: \"Authentication Failed\"."),
                "{message}"
            );
            assert!(!message.contains("clock"));
            assert_eq!(*clock_skew_secs, Some(3));
            assert_eq!(detail, r#"{"response":{"rmsg":"Authentication Failed"}}"#);
            assert_eq!(e.code(), "auth_refused");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn status_401_blames_a_skewed_clock_first() {
    let mut a = answer(401, "");
    a.server_date = Some(a.received_at + Duration::from_secs(600));
    match &error_for_status(&a) {
        KmsError::AuthenticationRefused {
            message,
            clock_skew_secs,
            ..
        } => {
            assert!(
                message.starts_with(
                    "This computer's clock is off by 10 minutes (behind Cybersource's)."
                ),
                "{message}"
            );
            assert_eq!(*clock_skew_secs, Some(-600));
        }
        other => panic!("{other:?}"),
    }
    a.server_date = Some(a.received_at - Duration::from_secs(7200));
    match &error_for_status(&a) {
        KmsError::AuthenticationRefused {
            message,
            clock_skew_secs,
            ..
        } => {
            assert!(
                message.starts_with("This computer's clock is off by 120 minutes (ahead of"),
                "{message}"
            );
            assert_eq!(*clock_skew_secs, Some(7200));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn status_401_with_json_rmsg_and_no_date() {
    let a = answer(
        401,
        r#"{"response":{"rmsg":"{\"error\":\"UNAUTHORIZED_USER\",\"error_description\":\"UNAUTHORIZED USER\"}"}}"#,
    );
    match &error_for_status(&a) {
        KmsError::AuthenticationRefused {
            message,
            clock_skew_secs: None,
            ..
        } => {
            assert!(
                message.ends_with("Cybersource said: \"UNAUTHORIZED USER (UNAUTHORIZED_USER)\"."),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn details_of_every_error_are_redacted() {
    let body = r#"{"status":"SERVER_ERROR","message":"oops","key":"LEAKED"}"#;
    let e = error_for_status(&answer(500, body));
    assert!(!e.detail().contains("LEAKED"), "{}", e.detail());
    let e = error_for_status(&answer(401, body));
    assert!(!e.detail().contains("LEAKED"), "{}", e.detail());
}
