//! The whole CLI flow with known secrets, then a search for them everywhere they must not be: every file
//! the commands could write (home, config, data, cache, state, temp folders), the stdout and stderr of
//! every command (all run with --verbose), and the command line and environment of every process running
//! meanwhile (sampled from /proc, so helper processes count too). The only place a secret may be is the
//! export file it was explicitly written to.

//!
//! Linux only: it samples /proc. On Windows, tests/windows/smoke.sh scans the Wine user profile instead.
#![cfg(target_os = "linux")]

// Shared with the `cli` test binary; this one uses part of it.
#[allow(dead_code)]
#[path = "cli/harness.rs"]
mod harness;

use harness::{bin, contains, wait_for_exec, Kms, KEY_ID, ORG, SECRET, WRONG_SECRET};
use mpos_emulator::{EmulatorConfig, EmulatorCredential, Fault};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Private folders for everything the commands may write.
struct Root {
    dir: tempfile::TempDir,
}

impl Root {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in [
            "home", "app", "config", "data", "cache", "state", "tmp", "exports",
        ] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        Self { dir }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.env("HOME", self.path("home"))
            .env("MPOS_KEYGEN_HOME", self.path("app"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CACHE_HOME", self.path("cache"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("TMPDIR", self.path("tmp"));
        for var in [
            "MPOS_KEYGEN_ENV",
            "MPOS_KEYGEN_KEY_ID",
            "MPOS_KEYGEN_SECRET",
            "MPOS_KEYGEN_ORG",
            "MPOS_KEYGEN_META_KEY",
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
            "RUST_LOG",
        ] {
            c.env_remove(var);
        }
        c.arg("--verbose").args(args);
        c
    }

    /// Every file under the root with its bytes.
    fn files(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.insert(path.clone(), std::fs::read(&path).unwrap_or_default());
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(self.dir.path(), &mut out);
        out
    }
}

/// What was read of one process: its command line, and its environment when it is one of ours.
type Seen = BTreeMap<u32, (Vec<u8>, Vec<u8>)>;

/// Reads the command line of every process, and the environment of ours, until stopped.
struct ProcSampler {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ProcSampler {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(BTreeMap::new()));
        let (stopped, found) = (stop.clone(), seen.clone());
        let me = std::process::id();
        let thread = std::thread::spawn(move || {
            // Bounded: the flow takes seconds; the sampler stops when told or after two minutes.
            let deadline = std::time::Instant::now() + Duration::from_secs(120);
            while !stopped.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                for entry in std::fs::read_dir("/proc").unwrap().flatten() {
                    let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                        continue;
                    };
                    if pid == me {
                        continue;
                    }
                    let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
                    if cmdline.is_empty() {
                        continue;
                    }
                    let environ = if contains(&cmdline, b"mpos-keygen") {
                        std::fs::read(entry.path().join("environ")).unwrap_or_default()
                    } else {
                        Vec::new()
                    };
                    found.lock().unwrap().insert(pid, (cmdline, environ));
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        Self {
            stop,
            seen,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> Seen {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().expect("sampler");
        }
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

/// A secret in the forms it could leak in: its text, and its decoded bytes.
struct Needle {
    what: String,
    forms: Vec<Vec<u8>>,
}

impl Needle {
    fn new(what: impl Into<String>, base64_text: &str) -> Self {
        let mut forms = vec![base64_text.as_bytes().to_vec()];
        if let Some(raw) = decode_base64(base64_text).filter(|raw| raw.len() >= 8) {
            forms.push(raw);
        }
        Self {
            what: what.into(),
            forms,
        }
    }

    fn found_in(&self, bytes: &[u8]) -> bool {
        self.forms.iter().any(|f| contains(bytes, f))
    }
}

/// Standard base64 (padding optional); `None` for anything else. Enough to know a secret's raw bytes.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        bits = (bits << 6) | ALPHABET.iter().position(|&a| a == c)? as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

fn run(out: &mut Vec<(String, Output)>, label: &str, mut cmd: Command) {
    let o = cmd.output().expect("runs");
    out.push((label.to_string(), o));
}

#[test]
fn no_secret_outside_the_export_it_was_written_to() {
    // Slow answers keep each generate running long enough to be seen by the sampler.
    let kms = Kms::with_config(
        EmulatorConfig::with_credential(EmulatorCredential::new(KEY_ID, SECRET, ORG, false))
            .with_fault(Fault::Slow(Duration::from_millis(300))),
    );
    let root = Root::new();
    let sampler = ProcSampler::start();
    let mut outputs: Vec<(String, Output)> = Vec::new();

    // The secret goes in on stdin; the command waits for it, so its argv is surely read meanwhile.
    for (name, secret) in [("scan", SECRET), ("scan-wrong", WRONG_SECRET)] {
        let mut child = root
            .cmd(&[
                "profile",
                "add",
                name,
                "--env",
                &kms.url(),
                "--key-id",
                KEY_ID,
                "--org",
                ORG,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for_exec(child.id());
        std::thread::sleep(Duration::from_millis(20));
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(format!("{secret}\n").as_bytes()).unwrap();
        drop(stdin);
        outputs.push((
            format!("profile add {name}"),
            child.wait_with_output().unwrap(),
        ));
    }
    let exports = root.path("exports");
    let export = |file: &str| exports.join(file).to_string_lossy().into_owned();
    let steps: Vec<(&str, Vec<String>)> = vec![
        (
            "profile test",
            vec!["profile".into(), "test".into(), "scan".into()],
        ),
        (
            "merchant add",
            vec![
                "merchant".into(),
                "add".into(),
                "scan_all_1".into(),
                "--profile".into(),
                "scan".into(),
            ],
        ),
        (
            "merchant add",
            vec![
                "merchant".into(),
                "add".into(),
                "scan_all_2".into(),
                "--profile".into(),
                "scan".into(),
            ],
        ),
        (
            "generate json",
            vec![
                "generate".into(),
                "scan_json".into(),
                "--profile".into(),
                "scan".into(),
                "--format".into(),
                "json".into(),
                "--out".into(),
                export("keys.json"),
            ],
        ),
        (
            "generate csv",
            vec![
                "generate".into(),
                "scan_csv".into(),
                "--profile".into(),
                "scan".into(),
                "--format".into(),
                "csv".into(),
                "--out".into(),
                export("keys.csv"),
            ],
        ),
        (
            "generate env",
            vec![
                "generate".into(),
                "scan_env".into(),
                "--profile".into(),
                "scan".into(),
                "--format".into(),
                "env".into(),
                "--out".into(),
                export("keys.env"),
            ],
        ),
        (
            "generate text",
            vec![
                "generate".into(),
                "scan_text".into(),
                "--profile".into(),
                "scan".into(),
                "--format".into(),
                "text".into(),
                "--out".into(),
                export("keys.txt"),
            ],
        ),
        (
            "generate all",
            vec![
                "generate".into(),
                "--all".into(),
                "--profile".into(),
                "scan".into(),
                "--out".into(),
                export("all.json"),
            ],
        ),
        (
            "generate partial",
            vec![
                "generate".into(),
                "scan_part".into(),
                "unknown_scan".into(),
                "--profile".into(),
                "scan".into(),
                "--out".into(),
                export("partial.json"),
            ],
        ),
        (
            "generate refused",
            vec![
                "generate".into(),
                "scan_refused".into(),
                "--profile".into(),
                "scan-wrong".into(),
                "--out".into(),
                export("refused.json"),
            ],
        ),
        (
            "generate exists",
            vec![
                "generate".into(),
                "scan_exists".into(),
                "--profile".into(),
                "scan".into(),
                "--out".into(),
                export("keys.json"),
            ],
        ),
        ("history", vec!["history".into()]),
        (
            "history json",
            vec!["history".into(), "--format".into(), "json".into()],
        ),
        (
            "profile show",
            vec!["profile".into(), "show".into(), "scan".into()],
        ),
        ("profile list", vec!["profile".into(), "list".into()]),
        (
            "merchant list",
            vec![
                "merchant".into(),
                "list".into(),
                "--profile".into(),
                "scan".into(),
            ],
        ),
    ];
    for (label, args) in &steps {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&mut outputs, label, root.cmd(&args));
    }
    let processes = sampler.finish();

    // What must be found nowhere else: both shared secrets and every key the emulator issued.
    let issued = kms.issued();
    let mut needles = vec![
        Needle::new("the shared secret", SECRET),
        Needle::new("the wrong shared secret", WRONG_SECRET),
    ];
    for record in &issued {
        needles.push(Needle::new(
            format!("the key of {}", record.organization_id),
            &record.key,
        ));
    }
    // Where each key may be: the export it was written to.
    let allowed: BTreeMap<PathBuf, Vec<&str>> = [
        ("keys.json", vec!["scan_json"]),
        ("keys.csv", vec!["scan_csv"]),
        ("keys.env", vec!["scan_env"]),
        ("keys.txt", vec!["scan_text"]),
        ("all.json", vec!["scan_all_1", "scan_all_2"]),
        ("partial.json", vec!["scan_part"]),
    ]
    .into_iter()
    .map(|(file, mids)| (exports.join(file), mids))
    .collect();

    let mut found = Vec::new();
    let files = root.files();
    for (path, bytes) in &files {
        let may_hold = allowed.get(path).cloned().unwrap_or_default();
        for needle in &needles {
            let is_allowed = may_hold
                .iter()
                .any(|mid| needle.what == format!("the key of {mid}"));
            if needle.found_in(bytes) && !is_allowed {
                found.push(format!("{} in the file {}", needle.what, path.display()));
            }
        }
    }
    for (label, o) in &outputs {
        for needle in &needles {
            if needle.found_in(&o.stdout) {
                found.push(format!("{} on the stdout of {label}", needle.what));
            }
            if needle.found_in(&o.stderr) {
                found.push(format!("{} on the stderr of {label}", needle.what));
            }
        }
    }
    let mut ours = 0;
    for (pid, (cmdline, environ)) in &processes {
        if contains(cmdline, b"mpos-keygen") {
            ours += 1;
        }
        for needle in &needles {
            if needle.found_in(cmdline) {
                found.push(format!(
                    "{} in the command line of process {pid}",
                    needle.what
                ));
            }
            if needle.found_in(environ) {
                found.push(format!(
                    "{} in the environment of process {pid}",
                    needle.what
                ));
            }
        }
    }
    println!(
        "scanned {} files, {} commands' output, {} processes ({ours} of mpos-keygen) for {} secrets: {} found",
        files.len(),
        outputs.len(),
        processes.len(),
        needles.len(),
        found.len()
    );
    assert!(
        found.is_empty(),
        "secrets where they must not be:\n{}",
        found.join("\n")
    );

    // The scan was real: the flow worked, and the search finds secrets where they are.
    let codes: Vec<(&str, Option<i32>)> = outputs
        .iter()
        .map(|(l, o)| (l.as_str(), o.status.code()))
        .collect();
    let expected_code = |label: &str| match label {
        "generate partial" => 1,
        "generate refused" => 3,
        "generate exists" => 2,
        _ => 0,
    };
    for (label, code) in &codes {
        assert_eq!(*code, Some(expected_code(label)), "{label}: {codes:?}");
    }
    assert!(
        outputs.iter().any(|(_, o)| contains(&o.stderr, b"DEBUG")),
        "--verbose logged at debug level"
    );
    assert_eq!(
        issued.len(),
        7,
        "json, csv, env, text, two for --all, one of the partial batch"
    );
    for (path, mids) in &allowed {
        let bytes = &files[path];
        for mid in mids {
            let key = &issued
                .iter()
                .find(|r| r.organization_id == *mid)
                .unwrap_or_else(|| panic!("{mid} got a key"))
                .key;
            assert!(
                contains(bytes, key.as_bytes()),
                "{} holds {mid}'s key",
                path.display()
            );
        }
    }
    assert!(
        files.keys().any(|p| p.ends_with("config.json"))
            && files.keys().any(|p| p.ends_with("history.jsonl")),
        "the config and the history were written and searched"
    );
    assert!(
        ours >= steps.len() / 2,
        "the sampler saw the commands run ({ours})"
    );
}
