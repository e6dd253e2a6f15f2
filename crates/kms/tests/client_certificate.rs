//! The client with a REST certificate: against the emulator (which verifies the JWT with its own code), and
//! against a capturing socket to read the token it sends, claim by claim.

mod test_certificates;

use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD as BASE64URL};
use base64::Engine as _;
use mpos_emulator::{Emulator, EmulatorCertificate, EmulatorConfig, REJECTION_HEADER};
use mpos_kms::{
    Auth, ClientConfig, Credentials, KeyOutcome, KmsClient, KmsError, P12Source, SecretString,
};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use test_certificates::{make, p12_for, Spec, TestCertificate, PASSWORD};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

const SERIAL: &str = "7100000000000001";

fn merchant_cert(cn: &str) -> TestCertificate {
    make(&Spec::valid(cn, SERIAL), 0)
}

fn credentials(
    file: Vec<u8>,
    password: &str,
    key_alias: Option<&str>,
    owner: Option<&str>,
    meta_key: bool,
) -> Credentials {
    Credentials {
        auth: Auth::Certificate {
            p12: P12Source::Bytes(file),
            password: SecretString::new(password.into()),
            key_alias: key_alias.map(str::to_string),
        },
        owner_id: owner.map(str::to_string),
        meta_key,
    }
}

fn client(base_url: &str, credentials: Credentials) -> Result<KmsClient, KmsError> {
    let mut config = ClientConfig::new(Url::parse(base_url).unwrap(), credentials);
    config.request_timeout = Duration::from_secs(10);
    KmsClient::new(config)
}

async fn emulator_for(cert: &TestCertificate, owner: &str, meta_key: bool) -> Emulator {
    let known = EmulatorCertificate::from_der(&cert.der, owner, meta_key).unwrap();
    Emulator::start(EmulatorConfig::with_credentials(Vec::new()).with_certificate(known))
        .await
        .unwrap()
}

fn mids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn issued_mids(outcomes: &[KeyOutcome]) -> Vec<String> {
    outcomes
        .iter()
        .map(|o| match o {
            KeyOutcome::Issued(k) => k.cybersource_merchant_id.clone(),
            KeyOutcome::Failed { error, .. } => panic!("expected a key, got {error:?}"),
        })
        .collect()
}

// ---- against the emulator ------------------------------------------------------------------------------

#[tokio::test]
async fn a_merchant_certificate_gets_a_key_from_the_emulator() {
    let cert = merchant_cert("cert_mid");
    let emulator = emulator_for(&cert, "cert_mid", false).await;
    let client = client(
        &emulator.base_url(),
        credentials(p12_for(&cert), PASSWORD, None, Some("cert_mid"), false),
    )
    .unwrap();
    assert!(client.warnings().is_empty());
    let out = client.generate(&mids(&["cert_mid"])).await.unwrap();
    assert_eq!(issued_mids(&out), ["cert_mid"]);
    assert_eq!(emulator.issued().len(), 1);
    client.test_connection().await.unwrap();
    emulator.shutdown().await;
}

#[tokio::test]
async fn without_owner_or_alias_the_one_mid_asked_for_names_the_certificate() {
    let cert = merchant_cert("lone_mid");
    let emulator = emulator_for(&cert, "lone_mid", false).await;
    let client = client(
        &emulator.base_url(),
        credentials(p12_for(&cert), PASSWORD, None, None, false),
    )
    .unwrap();
    let out = client.generate(&mids(&["lone_mid"])).await.unwrap();
    assert_eq!(issued_mids(&out), ["lone_mid"]);

    // Another MID has no certificate in the file: refused before anything is sent.
    let before = emulator.requests_received();
    let err = client.generate(&mids(&["other_mid"])).await.unwrap_err();
    assert!(
        matches!(&err, KmsError::InvalidInput(m) if m.contains("\"other_mid\"") && m.contains("lone_mid")),
        "{err:?}"
    );
    assert_eq!(emulator.requests_received(), before);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_meta_certificate_gets_keys_for_several_merchants() {
    let cert = make(&Spec::valid("cert_portfolio", SERIAL), 0);
    let emulator = emulator_for(&cert, "cert_portfolio", true).await;
    let mut config = ClientConfig::new(
        Url::parse(&emulator.base_url()).unwrap(),
        credentials(p12_for(&cert), PASSWORD, None, Some("cert_portfolio"), true),
    );
    config.chunk_size = 2;
    let client = KmsClient::new(config).unwrap();
    let out = client
        .generate(&mids(&["child_1", "child_2", "child_3"]))
        .await
        .unwrap();
    assert_eq!(issued_mids(&out), ["child_1", "child_2", "child_3"]);
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_explicit_key_alias_wins_over_the_owner_id() {
    let cert = merchant_cert("alias_in_file");
    let emulator = emulator_for(&cert, "cert_mid", false).await;
    let client = client(
        &emulator.base_url(),
        credentials(
            p12_for(&cert),
            PASSWORD,
            Some("alias_in_file"),
            Some("cert_mid"),
            false,
        ),
    )
    .unwrap();
    let out = client.generate(&mids(&["cert_mid"])).await.unwrap();
    assert_eq!(issued_mids(&out), ["cert_mid"]);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_certificate_the_emulator_does_not_know_is_refused_as_authentication() {
    let cert = merchant_cert("cert_mid");
    // Same CN and serial, another key: the emulator's check of the signature fails.
    let impostor = make(&Spec::valid("cert_mid", SERIAL), 1);
    let emulator = emulator_for(&impostor, "cert_mid", false).await;
    let client = client(
        &emulator.base_url(),
        credentials(p12_for(&cert), PASSWORD, None, Some("cert_mid"), false),
    )
    .unwrap();
    let out = client.generate(&mids(&["cert_mid"])).await.unwrap();
    match &out[0] {
        KeyOutcome::Failed {
            error: KmsError::AuthenticationRefused { .. },
            ..
        } => {}
        other => panic!("expected an authentication failure, got {other:?}"),
    }
    assert!(emulator.issued().is_empty());
    emulator.shutdown().await;
}

#[tokio::test]
async fn unusable_certificates_are_refused_when_the_client_is_made() {
    let url = "http://127.0.0.1:9";
    let cert = merchant_cert("cert_mid");
    let expired = make(&Spec::expired("cert_mid", SERIAL, 1), 0);
    let cases = [
        (
            credentials(p12_for(&cert), "wrong", None, Some("cert_mid"), false),
            "password is wrong",
        ),
        (
            credentials(p12_for(&cert), PASSWORD, None, Some("someone_else"), false),
            "It holds certificates for: cert_mid.",
        ),
        (
            credentials(p12_for(&expired), PASSWORD, None, Some("cert_mid"), false),
            "expired on",
        ),
        (
            credentials(
                b"not a p12".to_vec(),
                PASSWORD,
                None,
                Some("cert_mid"),
                false,
            ),
            "not a .p12",
        ),
    ];
    for (credentials, expected) in cases {
        match client(url, credentials) {
            Err(KmsError::InvalidInput(m)) => assert!(m.contains(expected), "{expected}: {m}"),
            other => panic!("{expected}: {other:?}"),
        }
    }
    let missing = Credentials {
        auth: Auth::Certificate {
            p12: P12Source::File("/nonexistent/merchant.p12".into()),
            password: SecretString::new(PASSWORD.into()),
            key_alias: None,
        },
        owner_id: Some("cert_mid".into()),
        meta_key: false,
    };
    assert!(
        matches!(client(url, missing), Err(KmsError::InvalidInput(m)) if m.contains("/nonexistent/merchant.p12"))
    );
}

#[tokio::test]
async fn a_certificate_expiring_soon_is_a_warning_of_the_client() {
    let soon = make(&Spec::expiring("cert_mid", SERIAL, 12), 0);
    let client = client(
        "http://127.0.0.1:9",
        credentials(p12_for(&soon), PASSWORD, None, Some("cert_mid"), false),
    )
    .unwrap();
    let warnings = client.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("expires on"), "{}", warnings[0]);
}

#[test]
fn debug_of_credentials_and_client_hides_password_and_file_bytes() {
    let shown = format!(
        "{:?}",
        credentials(b"secret-bytes".to_vec(), "hunter2", None, None, false)
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("<12 bytes>"), "{shown}");

    let cert = merchant_cert("cert_mid");
    let file = p12_for(&cert);
    let client = client(
        "http://127.0.0.1:9",
        credentials(file.clone(), PASSWORD, None, Some("cert_mid"), false),
    )
    .unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(
        shown.contains(&format!("p12_bytes: Some({})", file.len())),
        "{shown}"
    );
    // The first bytes of the file, as Debug would print a Vec<u8>, are nowhere.
    assert!(
        !shown.contains(&format!("[{}, {}, {}", file[0], file[1], file[2])),
        "{shown}"
    );
}

// ---- the request on the wire --------------------------------------------------------------------------

/// One request as read by the capturing socket.
struct Captured {
    head: Vec<(String, String)>,
    body: Vec<u8>,
    raw: Vec<u8>,
}

impl Captured {
    fn header(&self, name: &str) -> Option<&str> {
        self.head
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one request and answers 400 (which `test_connection` takes as "authenticated").
async fn capture_one(listener: TcpListener) -> Captured {
    let (stream, _) = listener.accept().await.unwrap();
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let mut raw = Vec::new();
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        raw.extend_from_slice(line.as_bytes());
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            head.push((name.to_string(), value.trim().to_string()));
        }
    }
    let length: usize = head
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.unwrap();
    raw.extend_from_slice(&body);
    let answer = br#"{"status":"BAD_REQUEST","reason":"MISSING_FIELD","message":"empty"}"#;
    let response = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        answer.len()
    );
    writer.write_all(response.as_bytes()).await.unwrap();
    writer.write_all(answer).await.unwrap();
    Captured { head, body, raw }
}

fn decode_json(part: &str) -> Value {
    serde_json::from_slice(&BASE64URL.decode(part).expect("base64url")).expect("JSON")
}

#[tokio::test]
async fn the_jwt_carries_exactly_the_spec_header_and_claims() {
    let cert = make(&Spec::valid("cert_portfolio", SERIAL), 0);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let capture = tokio::spawn(capture_one(listener));
    let client = client(
        &format!("http://{host}"),
        credentials(p12_for(&cert), PASSWORD, None, Some("cert_portfolio"), true),
    )
    .unwrap();
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    client.test_connection().await.unwrap();
    let sent = capture.await.unwrap();

    // Headers: the JWT in Authorization, Date and v-c-merchant-id as usual, no Signature or Digest.
    assert!(sent.header("signature").is_none() && sent.header("digest").is_none());
    let date = httpdate::parse_http_date(sent.header("date").unwrap()).unwrap();
    assert_eq!(sent.header("v-c-merchant-id"), Some("cert_portfolio"));
    assert_eq!(sent.header("host"), Some(host.as_str()));
    let token = sent
        .header("authorization")
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);

    let header = decode_json(parts[0]);
    assert_eq!(
        header,
        serde_json::json!({ "kid": SERIAL, "alg": "RS256", "typ": "JWT" })
    );

    let claims = decode_json(parts[1]);
    let object = claims.as_object().unwrap();
    let mut names: Vec<&str> = object.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "digest",
            "digestAlgorithm",
            "exp",
            "iat",
            "iss",
            "jti",
            "request-host",
            "request-method",
            "request-resource-path",
            "v-c-jwt-version",
            "v-c-merchant-id",
        ]
    );
    let iat = claims["iat"].as_u64().unwrap();
    assert!(
        iat >= before && iat <= before + 5,
        "iat {iat}, now {before}"
    );
    assert_eq!(
        date.duration_since(UNIX_EPOCH).unwrap().as_secs(),
        iat,
        "Date and iat are the same instant"
    );
    assert_eq!(claims["exp"].as_u64().unwrap(), iat + 120);
    assert_eq!(claims["request-method"], "POST");
    assert_eq!(claims["request-host"], host.as_str());
    assert_eq!(claims["request-resource-path"], "/kms/v2/keys-sym-pos");
    assert_eq!(claims["iss"], "cert_portfolio");
    let jti = claims["jti"].as_str().unwrap();
    assert_eq!(
        uuid::Uuid::parse_str(jti).unwrap().get_version_num(),
        4,
        "{jti}"
    );
    assert_eq!(claims["v-c-jwt-version"], "2");
    assert_eq!(claims["v-c-merchant-id"], "cert_portfolio");
    assert_eq!(claims["digest"], BASE64.encode(Sha256::digest(&sent.body)));
    assert_eq!(claims["digestAlgorithm"], "SHA-256");

    // The signature is RS256 by the certificate's key over `header.claims`.
    let public_key = rsa_public_key_of(&cert.der);
    let signature = BASE64URL.decode(parts[2]).unwrap();
    aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        &public_key,
    )
    .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
    .expect("valid RS256 signature");
}

#[tokio::test]
async fn a_captured_request_replayed_to_the_emulator_is_refused() {
    let cert = merchant_cert("cert_mid");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let capture = tokio::spawn(capture_one(listener));
    let client = client(
        &format!("http://{host}"),
        credentials(p12_for(&cert), PASSWORD, None, Some("cert_mid"), false),
    )
    .unwrap();
    let outcome = client.generate(&mids(&["cert_mid"])).await.unwrap();
    assert!(
        matches!(&outcome[0], KeyOutcome::Failed { .. }),
        "the capture answers 400"
    );
    let sent = capture.await.unwrap();

    let emulator = emulator_for(&cert, "cert_mid", false).await;
    let first = raw_exchange(emulator.local_addr(), &sent.raw).await;
    assert!(first.starts_with("HTTP/1.1 201"), "{first}");
    let second = raw_exchange(emulator.local_addr(), &sent.raw).await;
    assert!(second.starts_with("HTTP/1.1 401"), "{second}");
    assert!(
        second.contains(&format!("{REJECTION_HEADER}: jwt-replayed")),
        "{second}"
    );
    assert_eq!(emulator.issued().len(), 1);
    emulator.shutdown().await;
}

/// Sends raw request bytes on a fresh connection and returns the whole answer as text.
async fn raw_exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The captured request may ask to keep the connection open; close our side after sending.
    stream.write_all(request).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("an answer in time")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// The RSAPublicKey inside a certificate's SubjectPublicKeyInfo.
fn rsa_public_key_of(cert_der: &[u8]) -> Vec<u8> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der).unwrap();
    cert.public_key().subject_public_key.data.to_vec()
}
