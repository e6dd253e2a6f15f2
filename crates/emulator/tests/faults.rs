//! What each injected fault looks like from the client's side of the socket.

mod common;

use std::time::{Duration, Instant};

use common::{body_for, demo_signer, send, Connection};
use mpos_emulator::{Emulator, EmulatorConfig, Fault, REJECTION_HEADER};
use serde_json::json;

async fn start(fault: Fault) -> Emulator {
    Emulator::start(EmulatorConfig::demo().with_fault(fault))
        .await
        .unwrap()
}

#[tokio::test]
async fn server_error_once_fails_the_first_post_only() {
    let emulator = start(Fault::ServerErrorOnce).await;
    let signer = demo_signer(emulator.local_addr());
    let request = signer.sign(&body_for(&["m1"]));

    let first = send(emulator.local_addr(), &request).await.unwrap();
    assert_eq!(first.status, 502);
    let body = first.json();
    assert_eq!(body["status"], "SERVER_ERROR");
    assert_eq!(body["reason"], "SYSTEM_ERROR");
    assert!(body["message"].is_string());
    assert!(emulator.issued().is_empty());

    let second = send(emulator.local_addr(), &request).await.unwrap();
    assert_eq!(second.status, 201);
    assert_eq!(emulator.issued().len(), 1);
    assert_eq!(emulator.requests_received(), 2);
}

#[tokio::test]
async fn always_unauthorized_refuses_a_good_request() {
    let emulator = start(Fault::AlwaysUnauthorized).await;
    let signer = demo_signer(emulator.local_addr());
    for _ in 0..2 {
        let response = send(emulator.local_addr(), &signer.sign(&body_for(&["m1"])))
            .await
            .unwrap();
        assert_eq!(response.status, 401);
        assert_eq!(
            response.json(),
            json!({ "response": { "rmsg": "Authentication Failed" } })
        );
        assert_eq!(
            response.header(REJECTION_HEADER),
            Some("fault-always-unauthorized")
        );
    }
    assert!(emulator.issued().is_empty());
}

#[tokio::test]
async fn slow_waits_before_answering_normally() {
    let delay = Duration::from_millis(400);
    let emulator = start(Fault::Slow(delay)).await;
    let signer = demo_signer(emulator.local_addr());
    let began = Instant::now();
    let response = send(emulator.local_addr(), &signer.sign(&body_for(&["m1"])))
        .await
        .unwrap();
    assert!(began.elapsed() >= delay);
    assert_eq!(response.status, 201);
}

#[tokio::test]
async fn slow_does_not_hold_up_shutdown() {
    let emulator = start(Fault::Slow(Duration::from_secs(60))).await;
    let addr = emulator.local_addr();
    let parts = demo_signer(addr).sign(&body_for(&["m1"]));
    let waiting = tokio::spawn(async move { send(addr, &parts).await });
    while emulator.requests_received() == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::timeout(Duration::from_secs(5), emulator.shutdown())
        .await
        .expect("shutdown waited for the slow answer");
    assert!(waiting.await.unwrap().is_none());
}

#[tokio::test]
async fn garbage_answers_201_with_an_html_page() {
    let emulator = start(Fault::GarbageBody).await;
    let signer = demo_signer(emulator.local_addr());
    let response = send(emulator.local_addr(), &signer.sign(&body_for(&["m1"])))
        .await
        .unwrap();
    assert_eq!(response.status, 201);
    assert!(response
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(response.body.starts_with(b"<!DOCTYPE html>"));
    assert!(serde_json::from_slice::<serde_json::Value>(&response.body).is_err());
    assert!(emulator.issued().is_empty());
}

#[tokio::test]
async fn cut_off_announces_more_than_it_sends_then_closes() {
    let emulator = start(Fault::CutOffBody).await;
    let signer = demo_signer(emulator.local_addr());
    let mut conn = Connection::open(emulator.local_addr()).await;
    let response = conn
        .request(&signer.sign(&body_for(&["m1", "m2"])))
        .await
        .unwrap();
    assert_eq!(response.status, 201);
    assert!(!response.complete);
    let announced: usize = response.header("content-length").unwrap().parse().unwrap();
    assert!(response.body.len() < announced);
    assert!(serde_json::from_slice::<serde_json::Value>(&response.body).is_err());
    assert!(conn.is_closed_by_server().await);
    // The keys were made and lost in transit, as when a real connection drops.
    assert_eq!(emulator.issued().len(), 2);
}

#[tokio::test]
async fn close_reads_the_request_and_hangs_up_without_a_byte() {
    let emulator = start(Fault::CloseConnection).await;
    let signer = demo_signer(emulator.local_addr());
    let mut conn = Connection::open(emulator.local_addr()).await;
    assert!(conn
        .request(&signer.sign(&body_for(&["m1"])))
        .await
        .is_none());
    assert_eq!(emulator.requests_received(), 1);
    assert!(emulator.issued().is_empty());
}

#[tokio::test]
async fn faults_leave_other_paths_alone() {
    for fault in [
        Fault::CloseConnection,
        Fault::GarbageBody,
        Fault::ServerErrorOnce,
    ] {
        let emulator = start(fault).await;
        let mut parts = demo_signer(emulator.local_addr()).sign(&body_for(&["m1"]));
        parts.target = "/elsewhere".into();
        let response = send(emulator.local_addr(), &parts).await.unwrap();
        assert_eq!(response.status, 404);
    }
}
