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

/// Asserts that only the user can open `path`: mode 0600 on Unix, an owner-only ACL on Windows.
///
/// Wine (where CI runs the Windows tests) accepts an ACL but keeps none, so there the file's ACL cannot
/// be read back; real Windows must show it (docs/RELEASE-CHECKLIST.md).
pub fn assert_private(path: &Path) {
    if cfg!(windows) && std::env::var_os("WINECONFIGDIR").is_some() {
        eprintln!(
            "{}: ACL not checked, Wine keeps no file ACLs",
            path.display()
        );
        return;
    }
    assert!(
        mpos_store::privacy::is_private(path).expect("readable"),
        "{} can be opened by others",
        path.display()
    );
}
