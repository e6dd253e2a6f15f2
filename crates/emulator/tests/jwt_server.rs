//! REST certificate JWTs against the emulator over real loopback sockets.

mod common;
mod jwt_signer;

use common::send;
use jwt_signer::{certificate, JwtCase};
use mpos_emulator::{
    CertificateError, Emulator, EmulatorCertificate, EmulatorConfig, REJECTION_HEADER,
};
use serde_json::json;

#[tokio::test]
async fn a_jwt_request_gets_keys_and_its_replay_gets_401() {
    let cert = certificate("jwt_mid", "5500000000000042");
    let config = EmulatorConfig::with_credentials(Vec::new())
        .with_certificate(cert.emulator("jwt_mid", false));
    let emulator = Emulator::start(config).await.unwrap();
    let host = emulator.local_addr().to_string();
    let parts = JwtCase::new(&cert, &host, "jwt_mid", "jwt_mid", &["jwt_mid"]).parts(&cert);

    let first = send(emulator.local_addr(), &parts).await.unwrap();
    assert_eq!(first.status, 201, "{:?}", first.header(REJECTION_HEADER));
    let body = first.json();
    assert_eq!(body["status"], "ACCEPTED");
    assert_eq!(body["keyInformation"][0]["organizationId"], "jwt_mid");
    assert_eq!(body["keyInformation"][0]["status"], "ACTIVE");
    assert_eq!(emulator.issued().len(), 1);

    let replay = send(emulator.local_addr(), &parts).await.unwrap();
    assert_eq!(replay.status, 401);
    assert_eq!(replay.header(REJECTION_HEADER), Some("jwt-replayed"));
    assert_eq!(
        replay.json(),
        json!({ "response": { "rmsg": "Authentication Failed" } })
    );
    assert_eq!(emulator.issued().len(), 1, "no key for a replay");
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_unknown_certificate_gets_401_with_its_reason() {
    let known = certificate("jwt_mid", "5500000000000042");
    let stranger = certificate("jwt_mid", "5500000000000099");
    let config = EmulatorConfig::with_credentials(Vec::new())
        .with_certificate(known.emulator("jwt_mid", false));
    let emulator = Emulator::start(config).await.unwrap();
    let host = emulator.local_addr().to_string();
    let parts = JwtCase::new(&stranger, &host, "jwt_mid", "jwt_mid", &["jwt_mid"]).parts(&stranger);
    let response = send(emulator.local_addr(), &parts).await.unwrap();
    assert_eq!(response.status, 401);
    assert_eq!(response.header(REJECTION_HEADER), Some("unknown-kid"));
    assert!(emulator.issued().is_empty());
    emulator.shutdown().await;
}

#[test]
fn a_certificate_without_serial_number_cannot_be_configured() {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "no_serial");
    let der = params.self_signed(&key).unwrap().der().to_vec();
    assert_eq!(
        EmulatorCertificate::from_der(&der, "no_serial", false),
        Err(CertificateError::NoSerialNumber)
    );
}
