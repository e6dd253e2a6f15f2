//! Helpers shared by the integration tests.
#![allow(dead_code)]

use mpos_kms::{IssuedKey, SecretString};
use mpos_store::Vault;
use std::path::Path;
use std::process::Command;

/// Set in a re-executed test binary to say which child task to run.
pub const CHILD_TASK: &str = "MPOS_STORE_TEST_CHILD";

/// A sample key; `i` makes ids, MIDs and secrets unique.
pub fn key(i: usize) -> IssuedKey {
    IssuedKey {
        cybersource_merchant_id: format!("shop_{i:04}"),
        merchant_id: format!("8f0c{i:04}-ext-org"),
        secret: SecretString::new(format!("c2VjcmV0LWtleS17aX0t{i:06}+/w==")),
        key_id: uuid::Uuid::new_v4().to_string(),
        status: "ACTIVE".into(),
        expiration_date: Some("2027-11-28T14:30:00Z".into()),
    }
}

/// A unique suffix so parallel tests never share a keychain entry.
pub fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Re-runs this test binary with only `test_name`, `CHILD_TASK=task` and `envs`; returns its stdout.
pub fn run_child(test_name: &str, task: &str, envs: &[(&str, String)]) -> String {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut cmd = Command::new(exe);
    // The child sees only the folder override the test gives it, not one set around the test run.
    cmd.args(["--exact", test_name, "--nocapture", "--test-threads=1"])
        .env(CHILD_TASK, task)
        .env_remove("MPOS_KEYGEN_HOME");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("re-running the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "child {task} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Re-runs this test binary's `child_process_entry` with `CHILD_TASK=task` and `envs` in a D-Bus session and
/// GNOME Keyring of its own (unlocked, password `pw`), after the shell commands `then`: what it does to its
/// keyring cannot disturb the other tests. Returns stdout, with stderr after it.
pub fn run_child_in_own_keyring(then: &str, task: &str, envs: &[(&str, &str)]) -> String {
    let (data, runtime) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let exe = std::env::current_exe().expect("the test binary's path");
    let script = format!(
        "echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; {then} \
         exec '{}' --exact child_process_entry --nocapture --test-threads=1",
        exe.display()
    );
    let mut cmd = Command::new("timeout");
    cmd.args(["60", "dbus-run-session", "--", "bash", "-c", &script])
        .env("XDG_DATA_HOME", data.path())
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env(CHILD_TASK, task);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .expect("dbus-run-session (package dbus) is installed");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// How many items of our service `secret-tool search --all` finds for `account`.
pub fn secret_tool_count(account: &str) -> usize {
    let out = Command::new("secret-tool")
        .args([
            "search",
            "--all",
            "service",
            mpos_store::APP_ID,
            "username",
            account,
        ])
        .output()
        .expect("secret-tool (libsecret-tools) is installed");
    // One `[/org/freedesktop/secrets/collection/…]` header per item; never print the output (secrets).
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("[/"))
        .count()
}

/// The value after `RESULT:` in a child's output.
pub fn result_of(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.split_once("RESULT:").map(|(_, r)| r))
        .unwrap_or_else(|| panic!("no RESULT line in:\n{stdout}"))
        .to_string()
}

/// True when any file under `root` contains `needle`.
pub fn any_file_contains(root: &Path, needle: &str) -> bool {
    let Ok(dir) = std::fs::read_dir(root) else {
        return false;
    };
    dir.flatten().any(|e| {
        let p = e.path();
        if p.is_dir() {
            any_file_contains(&p, needle)
        } else {
            std::fs::read(&p)
                .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
                .unwrap_or(false)
        }
    })
}

/// The `secretRef` (batch keychain account) the history's last `kept` line of `key_id` names, if any.
pub fn secret_ref(vault: &Vault, key_id: &str) -> Option<String> {
    let text = std::fs::read_to_string(vault.history_path()).unwrap();
    let line = text
        .lines()
        .rev()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["event"] == "kept" && v["keyId"] == key_id)
        .expect("a kept line");
    line.get("secretRef")
        .and_then(|r| r.as_str())
        .map(str::to_string)
}

pub mod private;
