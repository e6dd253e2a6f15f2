//! The client against a tiny raw TCP responder on loopback that writes exact bytes: faults no real server
//! produces on demand (HTML pages, cut-off bodies, dropped connections, slow answers, TLS mismatches).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use mpos_kms::error::NetworkKind;
use mpos_kms::{
    Auth, ClientConfig, Credentials, KeyOutcome, KmsClient, KmsError, ProxyChoice, SecretString,
};
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use url::Url;

const KEY_ID: &str = "08c94330-f618-42a3-b09d-e1e43be5efda";
const SECRET: &str = "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=";

// ---- the responder ------------------------------------------------------------------------------------

/// What the responder does with one connection.
enum Step {
    /// Read the request, then write these bytes and close.
    Reply(Vec<u8>),
    /// Read the request, wait, then write and close.
    ReplyAfter(Duration, Vec<u8>),
    /// Read whatever arrives first (a TLS hello, not HTTP), then write these bytes and close.
    Blurt(Vec<u8>),
}

/// Serves one [`Step`] per connection, in order, on 127.0.0.1; stops after the last step or 10 s idle.
struct Responder {
    base_url: Url,
    /// Connections accepted, whether or not a request could be read on them.
    accepted: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Vec<u8>>>>,
    task: JoinHandle<()>,
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Responder {
    async fn start(steps: Vec<Step>) -> Responder {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let accepted = Arc::new(AtomicUsize::new(0));
        let accepts = accepted.clone();
        let task = tokio::spawn(async move {
            for step in steps {
                let Ok(Ok((mut sock, _))) =
                    tokio::time::timeout(Duration::from_secs(10), listener.accept()).await
                else {
                    return;
                };
                accepts.fetch_add(1, Ordering::SeqCst);
                let reply = match step {
                    Step::Blurt(bytes) => {
                        let mut hello = [0u8; 4096];
                        let _ = tokio::time::timeout(Duration::from_secs(5), sock.read(&mut hello))
                            .await;
                        bytes
                    }
                    Step::Reply(bytes) => {
                        let request = read_request(&mut sock).await;
                        seen.lock().unwrap().push(request);
                        bytes
                    }
                    Step::ReplyAfter(delay, bytes) => {
                        let request = read_request(&mut sock).await;
                        seen.lock().unwrap().push(request);
                        tokio::time::sleep(delay).await;
                        bytes
                    }
                };
                // The client may have given up already; that is what some tests are about.
                let _ = sock.write_all(&reply).await;
                let _ = sock.shutdown().await;
            }
        });
        Responder {
            base_url,
            accepted,
            requests,
            task,
        }
    }

    fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    fn request(&self, i: usize) -> String {
        String::from_utf8_lossy(&self.requests.lock().unwrap()[i]).into_owned()
    }
}

/// Reads one HTTP/1.1 request (headers and a Content-Length body), at most 256 KiB, at most 5 s.
async fn read_request(sock: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let deadline = Instant::now() + Duration::from_secs(5);
    while buf.len() < 256 * 1024 {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, sock.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    buf
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A complete HTTP/1.1 answer that closes the connection.
fn http(status: &str, extra_headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{extra_headers}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn keys_body(mids: &[&str]) -> String {
    let items: Vec<String> = mids
        .iter()
        .map(|m| {
            format!(
                r#"{{"organizationId":"{m}","externalOrganizationId":"ext-{m}","key":"SECRET-{m}","keyId":"kid-{m}","status":"ACTIVE"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"status":"ACCEPTED","keyInformation":[{}]}}"#,
        items.join(",")
    )
}

// ---- the client -----------------------------------------------------------------------------------------

fn config(base_url: Url) -> ClientConfig {
    let credentials = Credentials {
        auth: Auth::SharedSecret {
            key_id: KEY_ID.into(),
            secret: SecretString::new(SECRET.into()),
        },
        owner_id: Some("owner_mid".into()),
        meta_key: false,
    };
    let mut cfg = ClientConfig::new(base_url, credentials);
    cfg.proxy = ProxyChoice::None;
    cfg.connect_timeout = Duration::from_secs(3);
    cfg.request_timeout = Duration::from_secs(5);
    cfg
}

fn client(base_url: Url) -> KmsClient {
    KmsClient::new(config(base_url)).unwrap()
}

fn mids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

async fn only_error(client: &KmsClient, mid: &str) -> KmsError {
    let out = client.generate(&mids(&[mid])).await.unwrap();
    assert_eq!(out.len(), 1);
    match out.into_iter().next().unwrap() {
        KeyOutcome::Failed {
            cybersource_merchant_id,
            error,
        } => {
            assert_eq!(cybersource_merchant_id, mid);
            error
        }
        KeyOutcome::Issued(k) => panic!("expected a failure, got {k:?}"),
    }
}

// ---- the request on the wire ------------------------------------------------------------------------------

#[tokio::test]
async fn the_signed_host_is_the_host_sent_and_the_signature_verifies() {
    let r = Responder::start(vec![Step::Reply(http(
        "201 Created",
        "",
        &keys_body(&["m_1", "m_2"]),
    ))])
    .await;
    let out = client(r.base_url.clone())
        .generate(&mids(&["m_1", "m_2"]))
        .await
        .unwrap();
    assert!(
        out.iter().all(|o| matches!(o, KeyOutcome::Issued(_))),
        "{out:?}"
    );

    let raw = r.request(0);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("POST /kms/v2/keys-sym-pos HTTP/1.1"));
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    assert_eq!(
        head.to_ascii_lowercase().matches("\r\nhost:").count(),
        1,
        "one Host header"
    );
    let host = format!("127.0.0.1:{}", r.base_url.port().unwrap());
    assert_eq!(headers["host"], host);
    assert_eq!(
        body,
        r#"{"keyInformation":[{"organizationId":"m_1"},{"organizationId":"m_2"}]}"#
    );
    assert_eq!(
        headers["digest"],
        format!("SHA-256={}", BASE64.encode(Sha256::digest(body.as_bytes())))
    );
    assert_eq!(headers["v-c-merchant-id"], "owner_mid");
    assert_eq!(headers["content-type"], "application/json;charset=utf-8");
    assert_eq!(headers["accept"], "application/hal+json;charset=utf-8");
    assert_eq!(
        headers["user-agent"],
        format!("mpos-keygen/{}", env!("CARGO_PKG_VERSION"))
    );
    assert!(headers["date"].ends_with(" GMT"), "{}", headers["date"]);

    // Verified here with hmac directly, not with the crate's signer.
    let signing = format!(
        "host: {host}\ndate: {}\nrequest-target: post /kms/v2/keys-sym-pos\ndigest: {}\nv-c-merchant-id: owner_mid",
        headers["date"], headers["digest"]
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&BASE64.decode(SECRET).unwrap()).unwrap();
    mac.update(signing.as_bytes());
    let expected = BASE64.encode(mac.finalize().into_bytes());
    assert_eq!(
        headers["signature"],
        format!(
            r#"keyid="{KEY_ID}", algorithm="HmacSHA256", headers="host date request-target digest v-c-merchant-id", signature="{expected}""#
        )
    );
}

#[tokio::test]
async fn an_explicit_proxy_receives_the_request() {
    let proxy = Responder::start(vec![Step::Reply(http(
        "201 Created",
        "",
        &keys_body(&["m_1"]),
    ))])
    .await;
    let mut cfg = config(Url::parse("http://127.0.0.1:9").unwrap());
    cfg.proxy = ProxyChoice::Url(proxy.base_url.to_string());
    let out = KmsClient::new(cfg)
        .unwrap()
        .generate(&mids(&["m_1"]))
        .await
        .unwrap();
    assert!(
        matches!(&out[0], KeyOutcome::Issued(k) if k.merchant_id == "ext-m_1"),
        "{out:?}"
    );
    assert!(proxy
        .request(0)
        .starts_with("POST http://127.0.0.1:9/kms/v2/keys-sym-pos HTTP/1.1\r\n"));
    assert!(
        proxy.request(0).contains("\r\nhost: 127.0.0.1:9\r\n"),
        "{}",
        proxy.request(0)
    );
}

// ---- answers that are not Cybersource's -------------------------------------------------------------------

#[tokio::test]
async fn an_html_page_is_an_unexpected_response() {
    let page =
        "<html><head><title>Login required</title></head><body>Corporate proxy</body></html>";
    let r = Responder::start(vec![Step::Reply(http(
        "200 OK",
        "Content-Type: text/html\r\n",
        page,
    ))])
    .await;
    match only_error(&client(r.base_url.clone()), "m_1").await {
        KmsError::UnexpectedResponse {
            status,
            message,
            snippet,
        } => {
            assert_eq!(status, 200);
            assert!(
                message.starts_with("Cybersource answered HTTP 200 but the answer is an HTML page"),
                "{message}"
            );
            assert!(
                message.contains("check the base URL and proxy settings"),
                "{message}"
            );
            assert_eq!(snippet, page);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_empty_body_is_an_unexpected_response() {
    let r = Responder::start(vec![Step::Reply(http("201 Created", "", ""))]).await;
    match only_error(&client(r.base_url.clone()), "m_1").await {
        KmsError::UnexpectedResponse {
            status: 201,
            message,
            snippet,
        } => {
            assert!(
                message.starts_with("Cybersource answered HTTP 201 but the answer was empty"),
                "{message}"
            );
            assert!(message.contains("Keys may have been issued"), "{message}");
            assert!(snippet.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_cut_off_body_is_unexpected_and_its_snippet_redacted() {
    let partial = r#"{"keyInformation":[{"organizationId":"m_1","key":"TOPSECRET"#;
    let reply = format!(
        "HTTP/1.1 201 Created\r\nContent-Length: 500\r\nConnection: close\r\n\r\n{partial}"
    );
    let r = Responder::start(vec![Step::Reply(reply.into_bytes())]).await;
    let client = client(r.base_url.clone());
    match only_error(&client, "m_1").await {
        KmsError::UnexpectedResponse {
            status: 201,
            message,
            snippet,
        } => {
            assert!(
                message.starts_with(&format!(
                    "The answer (HTTP 201) was cut off after {} bytes",
                    partial.len()
                )),
                "{message}"
            );
            assert_eq!(
                snippet,
                r#"{"keyInformation":[{"organizationId":"m_1","key":"<redacted>""#
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.request_count(), 1, "never sent twice");
}

#[tokio::test]
async fn a_connection_closed_mid_response_may_have_reached_the_server() {
    let r = Responder::start(vec![Step::Reply(b"HTTP/1.1 201 Cre".to_vec())]).await;
    match only_error(&client(r.base_url.clone()), "m_1").await {
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
            assert!(message.contains("A key may have been issued"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.request_count(), 1, "never sent twice");
}

#[tokio::test]
async fn a_slow_answer_times_out_without_a_retry() {
    let slow = Step::ReplyAfter(
        Duration::from_secs(3),
        http("201 Created", "", &keys_body(&["m_1"])),
    );
    let r = Responder::start(vec![slow]).await;
    let mut cfg = config(r.base_url.clone());
    cfg.request_timeout = Duration::from_millis(400);
    let started = Instant::now();
    match only_error(&KmsClient::new(cfg).unwrap(), "m_1").await {
        KmsError::Network {
            kind: NetworkKind::Timeout,
            message,
            may_have_reached_server: true,
        } => {
            assert!(message.contains("did not answer within 0.4 s"), "{message}");
            assert!(message.contains("A key may have been issued"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // A generous bound: only a client that ignored its timeout would get near it.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(r.request_count(), 1);
}

#[tokio::test]
async fn an_oversized_answer_is_refused_with_bounded_memory() {
    let big = format!(r#"{{"junk":"{}"}}"#, "x".repeat(1_200_000));
    let r = Responder::start(vec![Step::Reply(http("201 Created", "", &big))]).await;
    match only_error(&client(r.base_url.clone()), "m_1").await {
        KmsError::UnexpectedResponse {
            status: 201,
            message,
            snippet,
        } => {
            assert!(message.contains("is larger than 1024 KiB"), "{message}");
            assert!(snippet.chars().count() <= 201);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let r = Responder::start(vec![Step::Reply(http(
        "307 Temporary Redirect",
        "Location: http://127.0.0.1:9/\r\n",
        "",
    ))])
    .await;
    match only_error(&client(r.base_url.clone()), "m_1").await {
        KmsError::UnexpectedResponse {
            status: 307,
            message,
            ..
        } => {
            assert!(message.contains("Redirects are not followed"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.request_count(), 1);
}

// ---- no connection at all ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_closed_port_is_connection_refused_after_two_quick_retries() {
    let closed = mpos_test_net::ClosedPort::new();
    let port = closed.port();
    let client = client(Url::parse(&closed.url()).unwrap());
    let started = Instant::now();
    match only_error(&client, "m_1").await {
        KmsError::Network {
            kind: NetworkKind::ConnectionRefused,
            message,
            may_have_reached_server: false,
        } => {
            assert!(
                message.starts_with(&format!(
                    "Nothing accepted the connection to 127.0.0.1:{port}"
                )),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Two pauses (200 ms + 600 ms) show the two retries of a failed connect.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(800) && took < Duration::from_secs(30),
        "{took:?}"
    );
}

#[tokio::test]
async fn an_unknown_host_is_a_dns_failure() {
    let client = client(Url::parse("https://kms-keygen-test.invalid").unwrap());
    match only_error(&client, "m_1").await {
        KmsError::Network {
            kind: NetworkKind::Dns,
            message,
            may_have_reached_server: false,
        } => {
            assert!(
                message.starts_with("Could not find the server kms-keygen-test.invalid"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_tls_failure_and_not_retried() {
    let r = Responder::start(vec![
        Step::Blurt(http("400 Bad Request", "", "plain http")),
        Step::Blurt(vec![]),
    ])
    .await;
    let port = r.base_url.port().unwrap();
    let client = client(Url::parse(&format!("https://127.0.0.1:{port}")).unwrap());
    match only_error(&client, "m_1").await {
        KmsError::Network {
            kind: NetworkKind::Tls,
            message,
            may_have_reached_server: false,
        } => {
            assert!(
                message.starts_with(&format!(
                    "The secure (TLS) connection to 127.0.0.1:{port} failed"
                )),
                "{message}"
            );
            assert!(message.contains("certificate store"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // The client returns only after any retries, so a second connection would be counted by now.
    assert_eq!(r.connections(), 1, "a TLS failure is not retried");
}

// ---- chunks ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_failed_chunk_fails_only_its_merchants_and_is_not_retried() {
    let server_error =
        r#"{"status":"SERVER_ERROR","reason":"SYSTEM_ERROR","message":"General system failure."}"#;
    let r = Responder::start(vec![
        Step::Reply(http("201 Created", "", &keys_body(&["a_1", "a_2"]))),
        Step::Reply(http("500 Internal Server Error", "", server_error)),
        Step::Reply(http("201 Created", "", &keys_body(&["c_1"]))),
    ])
    .await;
    let mut cfg = config(r.base_url.clone());
    cfg.chunk_size = 2;
    cfg.concurrency = 1;
    let progress = Mutex::new(Vec::new());
    let out = KmsClient::new(cfg)
        .unwrap()
        .generate_with_progress(
            &mids(&["a_1", "a_2", "b_1", "b_2", "c_1"]),
            &|done, total| progress.lock().unwrap().push((done, total)),
        )
        .await
        .unwrap();
    let order: Vec<&str> = out.iter().map(|o| o.cybersource_merchant_id()).collect();
    assert_eq!(order, ["a_1", "a_2", "b_1", "b_2", "c_1"]);
    assert!(matches!(&out[0], KeyOutcome::Issued(k) if k.secret.expose() == "SECRET-a_1"));
    assert!(matches!(&out[4], KeyOutcome::Issued(k) if k.key_id == "kid-c_1"));
    for o in &out[2..4] {
        match o {
            KeyOutcome::Failed {
                error:
                    KmsError::Server {
                        status: 500,
                        reason,
                        message,
                        ..
                    },
                ..
            } => {
                assert_eq!(reason.as_deref(), Some("SYSTEM_ERROR"));
                assert!(
                    message.contains("nothing was retried automatically"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(r.request_count(), 3, "the 500 was not retried");
    assert_eq!(*progress.lock().unwrap(), [(0, 5), (2, 5), (4, 5), (5, 5)]);
}

// ---- input refused before any request -------------------------------------------------------------------

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let r = Responder::start(vec![Step::Reply(http("201 Created", "", "{}"))]).await;
    let mut cfg = config(r.base_url.clone());
    cfg.credentials.owner_id = None;
    let no_owner = KmsClient::new(cfg).unwrap();
    match no_owner.generate(&mids(&["a", "b"])).await {
        Err(KmsError::InvalidInput(m)) => assert!(
            m.contains("set the organization id that owns the key"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
    match no_owner.test_connection().await {
        Err(KmsError::InvalidInput(m)) => assert!(m.contains("organization id"), "{m}"),
        other => panic!("{other:?}"),
    }
    let client = client(r.base_url.clone());
    match client.generate(&mids(&["good", "bad mid"])).await {
        Err(KmsError::InvalidInput(m)) => {
            assert!(m.contains("\"bad mid\"") && m.contains("a space"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    match client.generate(&mids(&["twice", "twice"])).await {
        Err(KmsError::InvalidInput(m)) => assert!(m.contains("twice is listed twice"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(client.generate(&[]).await.unwrap().is_empty());
    assert_eq!(r.request_count(), 0);
}

#[test]
fn bad_configurations_are_refused() {
    let base = Url::parse("https://apitest.cybersource.com").unwrap();
    let refuse = |cfg: ClientConfig, word: &str| match KmsClient::new(cfg) {
        Err(KmsError::InvalidInput(m)) => assert!(m.contains(word), "{word}: {m}"),
        other => panic!("{word}: {other:?}"),
    };
    let mut c = config(Url::parse("http://gw.example.com").unwrap());
    c.proxy = ProxyChoice::System;
    refuse(c, "Plain http:// is only allowed to this computer");
    let mut c = config(base.clone());
    c.credentials.auth = Auth::SharedSecret {
        key_id: KEY_ID.into(),
        secret: SecretString::new("%%%".into()),
    };
    refuse(c, "not valid base64");
    let mut c = config(base.clone());
    c.credentials.auth = Auth::SharedSecret {
        key_id: " ".into(),
        secret: SecretString::new(SECRET.into()),
    };
    refuse(c, "key id is empty");
    let mut c = config(base.clone());
    c.credentials.owner_id = Some("not/valid".into());
    refuse(c, "organization id that owns the key is not valid");
    let mut c = config(base.clone());
    c.proxy = ProxyChoice::Url("not a url".into());
    refuse(c, "not a valid proxy URL");
    let mut c = config(base.clone());
    c.proxy = ProxyChoice::Url("socks5://127.0.0.1:1080".into());
    refuse(c, "socks5:// is not supported");
    let mut c = config(base.clone());
    c.chunk_size = 0;
    refuse(c, "at least 1");
    let mut c = config(base);
    c.request_timeout = Duration::ZERO;
    refuse(c, "longer than zero");
}

#[test]
fn debug_output_hides_secrets_and_proxy_passwords() {
    let mut c = config(Url::parse("https://apitest.cybersource.com").unwrap());
    c.proxy = ProxyChoice::Url("http://user:hunter2@proxy.example.com:8080".into());
    let shown = format!("{c:?}");
    assert!(
        !shown.contains(SECRET) && !shown.contains("hunter2"),
        "{shown}"
    );
    assert!(shown.contains("proxy.example.com"));
}

// ---- test_connection -------------------------------------------------------------------------------------

#[tokio::test]
async fn test_connection_accepts_a_400_and_reports_a_401() {
    let r = Responder::start(vec![
        Step::Reply(http(
            "400 Bad Request",
            "",
            r#"{"status":"BAD_REQUEST","reason":"MISSING_FIELD"}"#,
        )),
        Step::Reply(http(
            "401 Unauthorized",
            "",
            r#"{"response":{"rmsg":"Authentication Failed"}}"#,
        )),
    ])
    .await;
    let client = client(r.base_url.clone());
    client.test_connection().await.unwrap();
    assert!(
        r.request(0).ends_with("\r\n\r\n{\"keyInformation\":[]}"),
        "{}",
        r.request(0)
    );
    match client.test_connection().await {
        Err(KmsError::AuthenticationRefused { message, .. }) => {
            assert!(
                message.starts_with("Cybersource refused the credentials (HTTP 401)"),
                "{message}"
            );
            assert!(
                message.ends_with("Cybersource said: \"Authentication Failed\"."),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}
