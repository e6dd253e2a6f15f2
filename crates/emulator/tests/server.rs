//! The emulator over real loopback sockets, without faults.

mod common;

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use common::{body_for, demo_signer, send, Connection};
use mpos_emulator::{
    external_organization_id, Emulator, EmulatorConfig, EmulatorCredential, MerchantPolicy,
    REJECTION_HEADER,
};
use serde_json::json;

fn is_rfc3339_utc(text: &str) -> bool {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).is_ok()
        && text.len() == 20
        && text.ends_with('Z')
}

fn is_uuid(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok() && text.len() == 36
}

#[tokio::test]
async fn a_signed_request_gets_201_with_one_active_key_per_merchant_in_order() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let signer = demo_signer(emulator.local_addr());
    let response = send(
        emulator.local_addr(),
        &signer.sign(&body_for(&["mid_b", "mid_a"])),
    )
    .await
    .unwrap();

    assert_eq!(
        response.status,
        201,
        "{:?}",
        response.header(REJECTION_HEADER)
    );
    assert!(response
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert!(is_uuid(response.header("v-c-correlation-id").unwrap()));
    let date = httpdate::parse_http_date(response.header("date").unwrap()).unwrap();
    let off = SystemTime::now().duration_since(date).unwrap_or_default();
    assert!(off < Duration::from_secs(5));

    let body = response.json();
    assert_eq!(body["status"], "ACCEPTED");
    assert!(is_rfc3339_utc(body["submitTimeUtc"].as_str().unwrap()));
    let elements = body["keyInformation"].as_array().unwrap();
    let issued = emulator.issued();
    assert_eq!(elements.len(), 2);
    assert_eq!(issued.len(), 2);
    for ((element, mid), record) in elements.iter().zip(["mid_b", "mid_a"]).zip(&issued) {
        assert_eq!(element["organizationId"], mid);
        assert_eq!(element["status"], "ACTIVE");
        let external = element["externalOrganizationId"].as_str().unwrap();
        assert!(is_uuid(external));
        assert_eq!(external, external_organization_id(mid));
        assert_ne!(external, mid);
        let key = element["key"].as_str().unwrap();
        assert_eq!(BASE64.decode(key).unwrap().len(), 32);
        let key_id = uuid::Uuid::parse_str(element["keyId"].as_str().unwrap()).unwrap();
        assert_eq!(key_id.get_version_num(), 4);
        let submitted = &body["submitTimeUtc"].as_str().unwrap()[..4];
        let expires = element["expirationDate"].as_str().unwrap();
        assert!(is_rfc3339_utc(expires));
        let years: i32 = expires[..4].parse::<i32>().unwrap() - submitted.parse::<i32>().unwrap();
        assert_eq!(years, 10);
        assert_eq!(expires[4..], body["submitTimeUtc"].as_str().unwrap()[4..]);

        assert_eq!(record.organization_id, mid);
        assert_eq!(record.key, key);
        assert_eq!(record.key_id, key_id.to_string());
        assert_eq!(record.external_organization_id, external);
        assert!(!format!("{record:?}").contains(key), "Debug shows the key");
    }
    assert_eq!(emulator.requests_received(), 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn keys_are_fresh_each_time_and_external_ids_stable() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let signer = demo_signer(emulator.local_addr());
    for _ in 0..2 {
        let response = send(
            emulator.local_addr(),
            &signer.sign(&body_for(&["same_mid"])),
        )
        .await
        .unwrap();
        assert_eq!(response.status, 201);
    }
    let issued = emulator.issued();
    assert_eq!(issued.len(), 2);
    assert_ne!(issued[0].key, issued[1].key);
    assert_ne!(issued[0].key_id, issued[1].key_id);
    assert_eq!(
        issued[0].external_organization_id,
        issued[1].external_organization_id
    );
    assert_ne!(
        external_organization_id("same_mid"),
        external_organization_id("same_mie")
    );
}

#[tokio::test]
async fn refused_merchants_come_back_as_failed_elements() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let signer = demo_signer(emulator.local_addr());
    let body = json!({ "keyInformation": [
        { "organizationId": "good_one" },
        { "organizationId": "unknown_x" },
        { "organizationId": "bad-mid!" },
        { "organizationId": "" },
        { "referenceNumber": "r5" },
        { "organizationId": "a".repeat(31) },
        { "organizationId": 42 },
    ]});
    let response = send(
        emulator.local_addr(),
        &signer.sign(&serde_json::to_vec(&body).unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(response.status, 201);
    let elements = response.json()["keyInformation"]
        .as_array()
        .unwrap()
        .clone();
    let statuses: Vec<_> = elements.iter().map(|e| e["status"].clone()).collect();
    assert_eq!(
        statuses,
        ["ACTIVE", "FAILED", "FAILED", "FAILED", "FAILED", "FAILED", "FAILED"]
    );
    let reasons: Vec<_> = elements[1..]
        .iter()
        .map(|e| e["errorInformation"]["reason"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        reasons,
        [
            "INVALID_DATA",
            "INVALID_DATA",
            "MISSING_FIELD",
            "MISSING_FIELD",
            "INVALID_DATA",
            "INVALID_DATA"
        ]
    );
    let unknown = &elements[1];
    assert_eq!(unknown["organizationId"], "unknown_x");
    assert!(unknown["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(
        unknown["errorInformation"]["details"],
        json!([{ "field": "keyInformation[1].organizationId", "reason": "INVALID_DATA" }])
    );
    assert!(unknown.get("key").is_none() && unknown.get("keyId").is_none());
    assert_eq!(elements[4]["referenceNumber"], "r5");
    assert_eq!(emulator.issued().len(), 1);
}

#[tokio::test]
async fn only_policy_limits_the_merchants() {
    let config = EmulatorConfig::demo().with_merchants(MerchantPolicy::only(["allowed"]));
    let emulator = Emulator::start(config).await.unwrap();
    let signer = demo_signer(emulator.local_addr());
    let response = send(
        emulator.local_addr(),
        &signer.sign(&body_for(&["allowed", "unknown_y", "other"])),
    )
    .await
    .unwrap();
    let statuses: Vec<_> = response.json()["keyInformation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["ACTIVE", "FAILED", "FAILED"]);
}

#[tokio::test]
async fn an_empty_list_is_a_400_but_only_after_authentication() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let signer = demo_signer(emulator.local_addr());
    let response = send(emulator.local_addr(), &signer.sign(&body_for(&[])))
        .await
        .unwrap();
    assert_eq!(response.status, 400);
    let body = response.json();
    assert_eq!(body["status"], "BAD_REQUEST");
    assert_eq!(body["reason"], "MISSING_FIELD");
    assert_eq!(body["details"][0]["field"], "keyInformation");
    assert!(is_rfc3339_utc(body["submitTimeUtc"].as_str().unwrap()));

    let mut wrong = signer.clone();
    wrong.secret = BASE64.encode([7u8; 32]);
    let response = send(emulator.local_addr(), &wrong.sign(&body_for(&[])))
        .await
        .unwrap();
    assert_eq!(response.status, 401);
    assert_eq!(
        response.header(REJECTION_HEADER),
        Some("signature-mismatch")
    );
    assert!(emulator.issued().is_empty());
}

#[tokio::test]
async fn bad_bodies_are_400_invalid_data() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let signer = demo_signer(emulator.local_addr());
    let too_many: Vec<String> = (0..101).map(|i| format!("mid_{i}")).collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    for body in [
        b"{\"keyInformation\":[".to_vec(),
        b"[]".to_vec(),
        b"{\"keyInformation\":\"mid\"}".to_vec(),
        b"{\"keyInformation\":[\"mid\"]}".to_vec(),
        body_for(&too_many),
    ] {
        let response = send(emulator.local_addr(), &signer.sign(&body))
            .await
            .unwrap();
        assert_eq!(response.status, 400);
        assert_eq!(response.json()["reason"], "INVALID_DATA");
        assert_eq!(response.json()["status"], "BAD_REQUEST");
    }
    let hundred: Vec<&str> = too_many[..100].to_vec();
    let response = send(emulator.local_addr(), &signer.sign(&body_for(&hundred)))
        .await
        .unwrap();
    assert_eq!(response.status, 201);
    assert_eq!(emulator.issued().len(), 100);
}

#[tokio::test]
async fn client_reference_information_is_echoed() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let signer = demo_signer(emulator.local_addr());
    let reference = json!({ "code": "batch-7", "partner": { "developerId": "x" } });
    let body = json!({ "clientReferenceInformation": reference, "keyInformation": [{ "organizationId": "m1" }] });
    let response = send(
        emulator.local_addr(),
        &signer.sign(&serde_json::to_vec(&body).unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(response.json()["clientReferenceInformation"], reference);
}

#[tokio::test]
async fn a_refused_request_gets_cybersources_401() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let mut signer = demo_signer(emulator.local_addr());
    signer.key_id = "00000000-0000-4000-8000-000000000000".into();
    let response = send(emulator.local_addr(), &signer.sign(&body_for(&["m1"])))
        .await
        .unwrap();
    assert_eq!(response.status, 401);
    assert_eq!(
        response.json(),
        json!({ "response": { "rmsg": "Authentication Failed" } })
    );
    assert_eq!(response.header(REJECTION_HEADER), Some("unknown-key-id"));
    assert!(emulator.issued().is_empty());
}

#[tokio::test]
async fn the_host_is_signed_as_received() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let mut signer = demo_signer(emulator.local_addr());
    signer.host = "127.0.0.1".into();
    let mut parts = signer.sign(&body_for(&["m1"]));
    let host = parts.headers.iter_mut().find(|(n, _)| n == "Host").unwrap();
    host.1 = emulator.local_addr().to_string();
    let response = send(emulator.local_addr(), &parts).await.unwrap();
    assert_eq!(
        response.header(REJECTION_HEADER),
        Some("signature-mismatch")
    );
}

#[tokio::test]
async fn a_clock_offset_refuses_the_date_and_shows_in_the_response_date() {
    let config = EmulatorConfig::demo().with_clock_offset_secs(3600);
    let emulator = Emulator::start(config).await.unwrap();
    let signer = demo_signer(emulator.local_addr());
    let response = send(emulator.local_addr(), &signer.sign(&body_for(&["m1"])))
        .await
        .unwrap();
    assert_eq!(response.status, 401);
    assert_eq!(response.header(REJECTION_HEADER), Some("clock-skew"));
    let server_date = httpdate::parse_http_date(response.header("date").unwrap()).unwrap();
    let ahead = server_date.duration_since(SystemTime::now()).unwrap();
    assert!(ahead > Duration::from_secs(3590) && ahead < Duration::from_secs(3610));
}

#[tokio::test]
async fn other_paths_and_methods_get_a_json_404() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let signer = demo_signer(emulator.local_addr());
    let mut conn = Connection::open(emulator.local_addr()).await;
    for (method, target) in [
        ("GET", "/"),
        ("GET", "/kms/v2/keys-sym-pos"),
        ("POST", "/kms/v2/keys-sym"),
        ("POST", "/kms/v2/keys-sym-pos/extra"),
    ] {
        let mut parts = signer.sign(&body_for(&["m1"]));
        parts.method = method.into();
        parts.target = target.into();
        let response = conn.request(&parts).await.unwrap();
        assert_eq!(response.status, 404, "{method} {target}");
        assert!(response.json()["message"].is_string());
    }
    assert_eq!(emulator.requests_received(), 4);
    assert!(emulator.issued().is_empty());
}

#[tokio::test]
async fn keep_alive_carries_several_requests_on_one_connection() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let signer = demo_signer(emulator.local_addr());
    let mut conn = Connection::open(emulator.local_addr()).await;
    for mid in ["k1", "k2", "k3"] {
        let response = conn.request(&signer.sign(&body_for(&[mid]))).await.unwrap();
        assert_eq!(response.status, 201);
        assert_eq!(response.header("connection"), Some("keep-alive"));
    }
    assert_eq!(emulator.requests_received(), 3);

    let mut closing = signer.sign(&body_for(&["k4"]));
    closing.headers.push(("Connection".into(), "close".into()));
    let response = conn.request(&closing).await.unwrap();
    assert_eq!(response.status, 201);
    assert!(conn.is_closed_by_server().await);
}

#[tokio::test]
async fn four_concurrent_requests_are_all_answered() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let addr = emulator.local_addr();
    let signer = demo_signer(addr);
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let parts = signer.sign(&body_for(&[&format!("conc_{i}")]));
            tokio::spawn(async move { send(addr, &parts).await.unwrap().status })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 201);
    }
    assert_eq!(emulator.issued().len(), 4);
}

#[tokio::test]
async fn a_meta_key_works_over_the_wire() {
    let credential = EmulatorCredential::new(
        "3b2a1c0d-1111-4222-8333-944455556666",
        BASE64.encode([42u8; 32]),
        "portfolio_x",
        true,
    );
    let emulator = Emulator::start(EmulatorConfig::with_credential(credential))
        .await
        .unwrap();
    let mut signer = demo_signer(emulator.local_addr());
    signer.key_id = "3b2a1c0d-1111-4222-8333-944455556666".into();
    signer.secret = BASE64.encode([42u8; 32]);
    signer.header_merchant = "child_1".into();
    signer.signed_merchant = "portfolio_x".into();
    let response = send(
        emulator.local_addr(),
        &signer.sign(&body_for(&["child_1", "child_2"])),
    )
    .await
    .unwrap();
    assert_eq!(response.status, 201);
    assert_eq!(emulator.issued().len(), 2);
}

#[tokio::test]
async fn expect_continue_and_chunked_bodies_are_understood() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let signer = demo_signer(emulator.local_addr());
    let body = body_for(&["chunky"]);
    let parts = signer.sign(&body);
    let mut head = String::from("POST /kms/v2/keys-sym-pos HTTP/1.1\r\n");
    for (name, value) in &parts.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n");
    let (first, second) = body.split_at(10);
    let mut wire = head.into_bytes();
    for chunk in [first, second] {
        wire.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        wire.extend_from_slice(chunk);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"0\r\n\r\n");
    let mut conn = Connection::open(emulator.local_addr()).await;
    conn.send_raw(&wire).await;
    let interim = conn.read_response().await.unwrap();
    assert_eq!(interim.status, 100);
    let response = conn.read_response().await.unwrap();
    assert_eq!(response.status, 201);
}

#[tokio::test]
async fn unreadable_requests_get_400_and_the_server_keeps_running() {
    let emulator = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    for garbage in [
        &b"HELLO\r\n\r\n"[..],
        b"POST /kms/v2/keys-sym-pos HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        b"POST /kms/v2/keys-sym-pos HTTP/1.1\r\nbad header\r\n\r\n",
        b"POST /kms/v2/keys-sym-pos HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        b"POST /kms/v2/keys-sym-pos HTTP/1.1\r\nHost: \xff\r\n\r\n",
    ] {
        let mut conn = Connection::open(emulator.local_addr()).await;
        conn.send_raw(garbage).await;
        let response = conn.read_response().await.unwrap();
        assert_eq!(response.status, 400);
    }
    let signer = demo_signer(emulator.local_addr());
    let response = send(emulator.local_addr(), &signer.sign(&body_for(&["m1"])))
        .await
        .unwrap();
    assert_eq!(response.status, 201);
}

#[tokio::test]
async fn start_on_a_given_port_and_shutdown_frees_it() {
    let first = Emulator::start(EmulatorConfig::demo()).await.unwrap();
    let port = first.local_addr().port();
    assert_eq!(first.base_url(), format!("http://127.0.0.1:{port}"));
    first.shutdown().await;
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err());

    let second = Emulator::start_on(EmulatorConfig::demo(), port)
        .await
        .unwrap();
    assert_eq!(second.local_addr().port(), port);
    assert!(second.local_addr().ip().is_loopback());
    let signer = demo_signer(second.local_addr());
    let response = send(second.local_addr(), &signer.sign(&body_for(&["m1"])))
        .await
        .unwrap();
    assert_eq!(response.status, 201);
    second.shutdown().await;
}

#[test]
fn the_emulator_can_live_in_shared_app_state() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Emulator>();
    assert_send_sync::<EmulatorConfig>();
}

#[test]
fn the_demo_config_is_as_documented() {
    let config = EmulatorConfig::demo();
    assert_eq!(config.credentials, [EmulatorCredential::demo()]);
    let demo = &config.credentials[0];
    assert!(!demo.meta_key);
    assert_eq!(demo.organization_id, "demo_portfolio");
    assert!(is_uuid(&demo.key_id));
    assert_eq!(BASE64.decode(&demo.shared_secret).unwrap().len(), 32);
    assert_ne!(
        demo.shared_secret,
        "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE="
    );
    assert_eq!(config.merchants, MerchantPolicy::AcceptAll);
    assert_eq!(config.max_clock_skew, Duration::from_secs(300));
    assert!(!format!("{config:?}").contains(&demo.shared_secret));
}
