//! What every CLI test needs: a real emulator on loopback, private config/data dirs, and the built binary.

use mpos_emulator::{
    Emulator, EmulatorConfig, EmulatorCredential, Fault, IssuedCodes, IssuedRecord,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

/// The key id the test emulator knows.
pub const KEY_ID: &str = "7a9c1e44-3b2d-4f6a-8e15-c0d2b4a6f801";
/// Its shared secret (base64); distinctive, so a leak is easy to grep for.
pub const SECRET: &str = "Y2xpLXRlc3Qtc2hhcmVkLXNlY3JldC0wMTIzNDU2Nzg5";
/// A well-formed secret the emulator does not accept.
pub const WRONG_SECRET: &str = "d3Jvbmctc2VjcmV0LWZvci10aGUtY2xpLXRlc3RzLXh5eg==";
/// The organization that owns the key.
pub const ORG: &str = "cli_test_portfolio";

#[path = "../../../store/tests/common/private.rs"]
pub mod private;

/// The built `mpos-keygen`.
pub fn bin() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("mpos-keygen")
}

/// An emulator serving on its own runtime for as long as the test holds it.
pub struct Kms {
    runtime: tokio::runtime::Runtime,
    emulator: Option<Emulator>,
}

impl Kms {
    /// Knows [`KEY_ID`]/[`SECRET`] owned by [`ORG`]; every MID but `unknown*` gets a key.
    pub fn start() -> Self {
        Self::with_fault(Fault::None)
    }

    /// The same, misbehaving as told.
    pub fn with_fault(fault: Fault) -> Self {
        Self::with_config(
            EmulatorConfig::with_credential(EmulatorCredential::new(KEY_ID, SECRET, ORG, false))
                .with_fault(fault),
        )
    }

    /// An emulator with exactly this configuration (e.g. one knowing a REST certificate).
    pub fn with_config(config: EmulatorConfig) -> Self {
        // Multi-threaded, so it keeps serving while the test thread waits on a child process.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let emulator = runtime
            .block_on(Emulator::start(config))
            .expect("emulator starts on loopback");
        Self {
            runtime,
            emulator: Some(emulator),
        }
    }

    fn emulator(&self) -> &Emulator {
        self.emulator.as_ref().expect("running")
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.emulator().base_url()
    }

    /// Every key it issued.
    pub fn issued(&self) -> Vec<IssuedRecord> {
        self.emulator().issued()
    }

    /// The issued key for `mid`.
    pub fn issued_for(&self, mid: &str) -> IssuedRecord {
        self.issued()
            .into_iter()
            .find(|r| r.organization_id == mid)
            .unwrap_or_else(|| panic!("nothing issued for {mid}"))
    }

    /// Every batch of activation codes it made.
    pub fn codes_issued(&self) -> Vec<IssuedCodes> {
        self.emulator().codes_issued()
    }

    /// The ids of the keys it deleted, sorted.
    pub fn deleted(&self) -> Vec<String> {
        self.emulator().deleted()
    }

    /// How many requests reached it.
    pub fn requests(&self) -> usize {
        self.emulator().requests_received()
    }
}

impl Drop for Kms {
    fn drop(&mut self) {
        if let Some(e) = self.emulator.take() {
            self.runtime.block_on(e.shutdown());
        }
    }
}

/// A private config and data dir (`MPOS_KEYGEN_HOME`, honoured on every OS); the keychain is the
/// session's real one.
pub struct Home {
    root: TempDir,
}

impl Home {
    /// Fresh, empty dirs.
    pub fn new() -> Self {
        Self {
            root: TempDir::new().expect("tempdir"),
        }
    }

    /// The folder `MPOS_KEYGEN_HOME` points at.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The binary with this home, no pipeline variables and no proxy.
    pub fn cmd(&self) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.std_cmd())
    }

    /// The same as a `std::process::Command`, for tests that watch the process while it runs.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(bin());
        self.apply(&mut c);
        c
    }

    /// Gives `c` this home's dirs and removes pipeline variables, proxies and log settings.
    pub fn apply(&self, c: &mut std::process::Command) {
        c.env("MPOS_KEYGEN_HOME", self.root.path());
        for var in [
            "MPOS_KEYGEN_ENV",
            "MPOS_KEYGEN_KEY_ID",
            "MPOS_KEYGEN_SECRET",
            "MPOS_KEYGEN_ORG",
            "MPOS_KEYGEN_META_KEY",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "RUST_LOG",
        ] {
            c.env_remove(var);
        }
    }

    /// `profile add NAME` against `kms` with `secret` on stdin; must succeed.
    pub fn add_profile(&self, name: &str, kms: &Kms, secret: &str) {
        self.cmd()
            .args([
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
            .write_stdin(secret)
            .assert()
            .success();
    }

    /// `generate ARGS…` with the given output captured.
    pub fn generate(&self, args: &[&str]) -> Output {
        self.cmd()
            .arg("generate")
            .args(args)
            .output()
            .expect("runs")
    }

    /// Files under the config and data dirs whose bytes contain `needle`.
    pub fn files_containing(&self, needle: &str) -> Vec<PathBuf> {
        let mut found = Vec::new();
        walk(self.root(), &mut |path| {
            if std::fs::read(path)
                .map(|b| contains(&b, needle.as_bytes()))
                .unwrap_or(false)
            {
                found.push(path.to_path_buf());
            }
        });
        found
    }

    /// Every file under the config and data dirs with its bytes, to show a refused command changed nothing.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        walk(self.root(), &mut |path| {
            files.insert(path.to_path_buf(), std::fs::read(path).expect("readable"));
        });
        files
    }

    /// How many files the config and data dirs hold (to show the search above had something to search).
    pub fn file_count(&self) -> usize {
        let mut n = 0;
        walk(self.root(), &mut |_| n += 1);
        n
    }
}

fn walk(dir: &Path, visit: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, visit);
        } else {
            visit(&path);
        }
    }
}

/// Asserts that `secret` is in neither the command line nor the environment of process `pid`, read
/// from /proc once they show `cmd_marker` and `MPOS_KEYGEN_HOME` (so the right process was read).
///
/// Linux only (procfs); Wine shows no command line of a program started from outside it.
#[cfg(target_os = "linux")]
pub fn assert_secret_not_in_process(pid: u32, cmd_marker: &str, secret: &str) {
    wait_for_exec(pid);
    for (part, marker) in [("cmdline", cmd_marker), ("environ", "MPOS_KEYGEN_HOME")] {
        let bytes = std::fs::read(format!("/proc/{pid}/{part}")).expect("procfs");
        assert!(
            contains(&bytes, marker.as_bytes()),
            "{part} was read from the right process"
        );
        assert!(
            !contains(&bytes, secret.as_bytes()),
            "the secret is in the process {part}"
        );
    }
}

/// Waits until the kernel has given the new process its argv: the parent is resumed by exec closing a
/// pipe, slightly before `/proc/PID/cmdline` is filled in.
#[cfg(target_os = "linux")]
pub fn wait_for_exec(pid: u32) {
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read(format!("/proc/{pid}/cmdline")).map_or(true, |b| b.is_empty()) {
        assert!(
            Instant::now() < deadline,
            "process {pid} never showed its argv"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Byte-wise substring search.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code, with the output shown when the test fails.
pub fn code(o: &Output) -> i32 {
    o.status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal\nstderr: {}", stderr(o)))
}

/// Asserts the exit code, showing both streams on failure.
pub fn assert_code(o: &Output, expected: i32) {
    assert_eq!(
        code(o),
        expected,
        "stdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}
