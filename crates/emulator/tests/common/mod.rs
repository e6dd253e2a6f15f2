//! Test helpers: a tiny signer and a raw HTTP/1.1 client, written here and not taken from mpos-kms,
//! so the emulator is checked against an independent reading of the spec.
#![allow(dead_code)] // each test file uses a different part

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use mpos_emulator::RequestParts;
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// What to sign: the header merchant and the merchant on the signing line differ for a meta key.
#[derive(Clone)]
pub struct Signer {
    pub key_id: String,
    pub secret: String,
    pub host: String,
    pub date: String,
    pub header_merchant: String,
    pub signed_merchant: String,
}

impl Signer {
    /// A signed `POST /kms/v2/keys-sym-pos` carrying `body`.
    pub fn sign(&self, body: &[u8]) -> RequestParts {
        let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(body)));
        let signing_string = format!(
            "host: {}\ndate: {}\nrequest-target: post /kms/v2/keys-sym-pos\ndigest: {}\nv-c-merchant-id: {}",
            self.host, self.date, digest, self.signed_merchant
        );
        let secret = BASE64.decode(&self.secret).unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&secret).unwrap();
        mac.update(signing_string.as_bytes());
        let signature = BASE64.encode(mac.finalize().into_bytes());
        let header = format!(
            "keyid=\"{}\", algorithm=\"HmacSHA256\", headers=\"host date request-target digest v-c-merchant-id\", signature=\"{signature}\"",
            self.key_id
        );
        RequestParts {
            method: "POST".into(),
            target: "/kms/v2/keys-sym-pos".into(),
            headers: vec![
                ("Host".into(), self.host.clone()),
                ("Date".into(), self.date.clone()),
                (
                    "Content-Type".into(),
                    "application/json;charset=utf-8".into(),
                ),
                ("Accept".into(), "application/hal+json;charset=utf-8".into()),
                ("Digest".into(), digest),
                ("v-c-merchant-id".into(), self.header_merchant.clone()),
                ("Signature".into(), header),
            ],
            body: body.to_vec(),
        }
    }
}

/// A signer for the demo credential against a running emulator, dated now.
pub fn demo_signer(addr: SocketAddr) -> Signer {
    Signer {
        key_id: mpos_emulator::demo::KEY_ID.into(),
        secret: mpos_emulator::demo::SHARED_SECRET.into(),
        host: addr.to_string(),
        date: httpdate::fmt_http_date(SystemTime::now()),
        header_merchant: mpos_emulator::demo::ORGANIZATION_ID.into(),
        signed_merchant: mpos_emulator::demo::ORGANIZATION_ID.into(),
    }
}

/// `{"keyInformation":[{"organizationId":..},..]}`.
pub fn body_for(mids: &[&str]) -> Vec<u8> {
    let list: Vec<_> = mids
        .iter()
        .map(|m| serde_json::json!({ "organizationId": m }))
        .collect();
    serde_json::to_vec(&serde_json::json!({ "keyInformation": list })).unwrap()
}

/// The request as bytes on the wire, with Content-Length.
pub fn wire(parts: &RequestParts) -> Vec<u8> {
    let mut head = format!("{} {} HTTP/1.1\r\n", parts.method, parts.target);
    for (name, value) in &parts.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", parts.body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&parts.body);
    bytes
}

/// A response as read off the socket.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the whole announced Content-Length arrived.
    pub complete: bool,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// One connection that can carry several requests.
pub struct Connection {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> Connection {
        let (reader, writer) = TcpStream::connect(addr).await.unwrap().into_split();
        Connection {
            reader: BufReader::new(reader),
            writer,
        }
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.unwrap();
    }

    /// The next response, or `None` if the server closed before sending a status line.
    pub async fn read_response(&mut self) -> Option<RawResponse> {
        let mut status_line = String::new();
        if self.reader.read_line(&mut status_line).await.ok()? == 0 {
            return None;
        }
        let status = status_line.split(' ').nth(1)?.parse().ok()?;
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.ok()?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':')?;
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
        let mut response = RawResponse {
            status,
            headers,
            body: Vec::new(),
            complete: false,
        };
        if status < 200 {
            response.complete = true;
            return Some(response);
        }
        let length: usize = response.header("content-length")?.parse().ok()?;
        let mut body = vec![0; length];
        let mut read = 0;
        while read < length {
            match self.reader.read(&mut body[read..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => read += n,
            }
        }
        body.truncate(read);
        response.complete = read == length;
        response.body = body;
        Some(response)
    }

    pub async fn request(&mut self, parts: &RequestParts) -> Option<RawResponse> {
        self.send_raw(&wire(parts)).await;
        self.read_response().await
    }

    /// Whether the server has closed its side (reads end of stream within a second).
    pub async fn is_closed_by_server(&mut self) -> bool {
        let mut byte = [0u8; 1];
        matches!(
            tokio::time::timeout(Duration::from_secs(1), self.reader.read(&mut byte)).await,
            Ok(Ok(0)) | Ok(Err(_))
        )
    }
}

/// One request on a fresh connection.
pub async fn send(addr: SocketAddr, parts: &RequestParts) -> Option<RawResponse> {
    Connection::open(addr).await.request(parts).await
}
