//! Reads `tests/bad_inputs.json` for the crates' bad-input runners, and what they share: the bytes of an
//! input, a snapshot of folders, and a raw loopback HTTP responder for the `response` cases.
//!
//! Included with `#[path]` by `crates/{kms,store,cli}/tests/bad_inputs.rs`; each uses only part of it.
#![allow(dead_code)]

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Case {
    /// Unique, e.g. `mid-slash`.
    pub id: String,
    /// `mid`, `env`, `secret`, `profile`, `csv`, `response` or `cli`.
    pub surface: String,
    /// The raw `input` value; see [`bytes_of`] and the runners.
    pub input: Value,
    /// What a library error message must contain.
    pub message_contains: Option<String>,
    /// What the CLI's stderr must contain (else `message_contains`).
    pub stderr_contains: Option<String>,
    /// What the CLI's stderr must not contain.
    pub stderr_excludes: Option<String>,
    /// The CLI's exit code.
    pub exit: i32,
    /// Runners that leave the case out, and why.
    pub skip: Map<String, Value>,
}

impl Case {
    /// The text a library error must contain.
    pub fn message(&self) -> &str {
        self.message_contains
            .as_deref()
            .or(self.stderr_contains.as_deref())
            .unwrap_or_else(|| panic!("{}: no expected message", self.id))
    }

    /// The text the CLI's stderr must contain.
    pub fn stderr(&self) -> &str {
        self.stderr_contains
            .as_deref()
            .or(self.message_contains.as_deref())
            .unwrap_or_else(|| panic!("{}: no expected stderr", self.id))
    }

    /// The input as text (panics for other shapes: the table is wrong then).
    pub fn text(&self) -> &str {
        self.input
            .as_str()
            .unwrap_or_else(|| panic!("{}: input is not a string", self.id))
    }

    /// A field of an object input.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.input.get(name)
    }
}

/// Every case of the table, in file order; panics with the reason if the table is malformed.
pub fn all_cases() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bad_inputs.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).expect("bad_inputs.json is JSON");
    let cases = doc["cases"].as_array().expect("a cases array");
    let mut ids = std::collections::HashSet::new();
    cases
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().map(str::to_string);
            let id = s("id").expect("every case has an id");
            assert!(ids.insert(id.clone()), "duplicate case id {id}");
            let expect = &c["expect"];
            Case {
                surface: s("surface").unwrap_or_else(|| panic!("{id}: no surface")),
                input: c["input"].clone(),
                message_contains: expect["message_contains"].as_str().map(str::to_string),
                stderr_contains: expect["stderr_contains"].as_str().map(str::to_string),
                stderr_excludes: expect["stderr_excludes"].as_str().map(str::to_string),
                exit: expect["exit"]
                    .as_i64()
                    .unwrap_or_else(|| panic!("{id}: no expected exit code"))
                    as i32,
                skip: c["skip"].as_object().cloned().unwrap_or_default(),
                id,
            }
        })
        .collect()
}

/// The cases of these surfaces that `runner` runs (those it skips are printed with their reason).
pub fn cases_for(surfaces: &[&str], runner: &str) -> Vec<Case> {
    let mut chosen = Vec::new();
    for case in all_cases() {
        if !surfaces.contains(&case.surface.as_str()) {
            continue;
        }
        match case.skip.get(runner) {
            Some(why) => println!("skipped {} for {runner}: {why}", case.id),
            None => chosen.push(case),
        }
    }
    assert!(
        !chosen.is_empty(),
        "no case for {surfaces:?}: is the table empty?"
    );
    chosen
}

/// Asserts every check and reports all failing cases at once, so one run shows the whole picture.
pub fn report(runner: &str, ran: usize, failures: &[String]) {
    println!(
        "{runner}: {ran} bad inputs checked, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {ran} bad inputs misbehaved:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The chunks of an input's bytes, produced lazily so a 50 MB body never sits in memory at once.
pub fn chunks_of(v: &Value) -> Box<dyn Iterator<Item = Vec<u8>>> {
    match v {
        Value::String(s) => Box::new(std::iter::once(s.as_bytes().to_vec())),
        Value::Object(o) if o.contains_key("hex") => {
            let hex = o["hex"].as_str().expect("hex is a string");
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
                .collect();
            Box::new(std::iter::once(bytes))
        }
        Value::Object(o) => {
            let text = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let (prefix, line, suffix) = (text("prefix"), text("line"), text("suffix"));
            let count = o["count"].as_u64().expect("count") as usize;
            // Lines are batched into ~64 KiB chunks: few writes, little memory. Lines without a
            // number are all alike, so their chunk is built once and copied.
            let per_chunk = (64 * 1024 / line.len().max(1)).max(1);
            let numbered = line.contains("{i}");
            let same = line.repeat(per_chunk).into_bytes();
            let body = (0..count).step_by(per_chunk).map(move |start| {
                let end = (start + per_chunk).min(count);
                if !numbered {
                    return same[..(end - start) * line.len()].to_vec();
                }
                (start..end)
                    .flat_map(|i| line.replace("{i}", &i.to_string()).into_bytes())
                    .collect()
            });
            Box::new(
                std::iter::once(prefix.into_bytes())
                    .chain(body)
                    .chain(std::iter::once(suffix.into_bytes())),
            )
        }
        other => panic!("not an input: {other}"),
    }
}

/// All the bytes of an input.
pub fn bytes_of(v: &Value) -> Vec<u8> {
    chunks_of(v).flatten().collect()
}

/// How many bytes an input has.
pub fn len_of(v: &Value) -> usize {
    match v.get("line").and_then(Value::as_str) {
        // Counted, not built, when every line is the same.
        Some(line) if !line.contains("{i}") => {
            let text = |k: &str| v.get(k).and_then(Value::as_str).map_or(0, str::len);
            text("prefix")
                + line.len() * v["count"].as_u64().expect("count") as usize
                + text("suffix")
        }
        _ => chunks_of(v).map(|c| c.len()).sum(),
    }
}

/// Every file under these folders with its bytes (missing folders are empty).
pub fn snapshot(roots: &[&Path]) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.insert(path, bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    for root in roots {
        walk(root, &mut out);
    }
    out
}

/// What changed between two snapshots, in words (empty when nothing did).
pub fn changes(
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (path, bytes) in after {
        match before.get(path) {
            None => out.push(format!("created {}", path.display())),
            Some(old) if old != bytes => out.push(format!("changed {}", path.display())),
            Some(_) => {}
        }
    }
    for path in before.keys().filter(|p| !after.contains_key(*p)) {
        out.push(format!("removed {}", path.display()));
    }
    out
}

/// A one-shot HTTP/1.1 server on 127.0.0.1 that answers every request with one status and body, written
/// as raw bytes, and counts what it received and how much of the body the client accepted.
pub struct RawResponder {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    requests: Arc<AtomicUsize>,
    body_bytes_sent: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl RawResponder {
    /// Serves `status` and the body of `body` (an input value) until dropped, at most 20 s.
    pub fn start(status: u16, body: Value) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(AtomicUsize::new(0));
        let body_bytes_sent = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (seen, sent, stopped) = (requests.clone(), body_bytes_sent.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline && !stopped.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((sock, _)) => {
                        seen.fetch_add(1, Ordering::SeqCst);
                        serve(sock, status, &body, &sent);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self {
            url,
            requests,
            body_bytes_sent,
            thread: Some(thread),
            stop,
        }
    }

    /// Connections that sent a request.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Body bytes the client's socket accepted before it stopped reading.
    pub fn body_bytes_sent(&self) -> usize {
        self.body_bytes_sent.load(Ordering::SeqCst)
    }
}

impl Drop for RawResponder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut sock: TcpStream, status: u16, body: &Value, sent: &AtomicUsize) {
    let _ = sock.set_nonblocking(false);
    let _ = sock.set_read_timeout(Some(Duration::from_secs(5)));
    // A client that stops reading (as it must, past 1 MiB) must not keep this thread for long.
    let _ = sock.set_write_timeout(Some(Duration::from_secs(1)));
    read_request(&mut sock);
    let head = format!(
        "HTTP/1.1 {status} Test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        len_of(body)
    );
    if sock.write_all(head.as_bytes()).is_err() {
        return;
    }
    for chunk in chunks_of(body) {
        if sock.write_all(&chunk).is_err() {
            break;
        }
        sent.fetch_add(chunk.len(), Ordering::SeqCst);
    }
    // The request was read whole, so closing sends a clean FIN (no reset that could eat the answer).
    let _ = sock.shutdown(Shutdown::Write);
}

/// Reads one request's head and its Content-Length body (at most 1 MiB, within the read timeout).
fn read_request(sock: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    while buf.len() < 1024 * 1024 {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return;
            }
        }
        match sock.read(&mut chunk) {
            Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return,
        }
    }
}

/// The peak resident memory of this process so far (Linux `VmHWM`), in bytes.
pub fn peak_rss_bytes() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
