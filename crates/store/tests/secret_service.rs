//! Our Secret Service client (crates/store/src/secret_service.rs) against GNOME Keyring itself: what it
//! sends on the bus, items other tools made, and a keyring daemon that restarts under it.
//!
//! Like keychain_real.rs, these fail on purpose when no Secret Service is running: the test command starts
//! one.
#![cfg(target_os = "linux")]

mod common;

use common::{result_of, run_child_in_own_keyring, secret_tool_count, unique, CHILD_TASK};
use mpos_kms::SecretString;
use mpos_store::keychain::{batch_account, profile_account, OsKeychain, SecretStore};
use mpos_store::APP_ID;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Stores `secret` for `account` with libsecret's `secret-tool`, with one extra attribute so that two
/// calls with different `extra` make two items (the same attributes would replace).
fn secret_tool_store(account: &str, extra: &str, secret: &[u8]) {
    let mut child = Command::new("secret-tool")
        .args([
            "store",
            "--label=made by secret-tool",
            "service",
            APP_ID,
            "username",
            account,
        ])
        .args(["extra", extra])
        .stdin(Stdio::piped())
        .spawn()
        .expect("secret-tool (libsecret-tools) is installed");
    child.stdin.take().unwrap().write_all(secret).unwrap();
    assert!(child.wait().unwrap().success());
}

/// Child tasks, run in a D-Bus session of their own; a no-op in the normal run.
#[test]
fn child_process_entry() {
    let Ok(task) = std::env::var(CHILD_TASK) else {
        return;
    };
    assert_eq!(task, "survive-restart");
    let kc = OsKeychain::new();
    let account = profile_account("restart");
    kc.set(&account, &SecretString::new("before".into()))
        .unwrap();
    // This session's daemon (only it: other tests use another) goes away with the session we opened in
    // it, and comes back with the same keyring file.
    let status = Command::new("bash")
        .args([
            "-c",
            "pid=$(dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
               org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk '{print $2}'); \
             kill \"$pid\"; while kill -0 \"$pid\" 2>/dev/null; do sleep 0.05; done; \
             echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let read = kc.get(&account).map(|s| s.map(|s| s.expose().clone()));
    let written = kc.add(
        &batch_account("after-restart"),
        &SecretString::new("after".into()),
    );
    println!("RESULT:{read:?}/{written:?}");
}

#[test]
fn no_secret_crosses_the_bus_in_the_clear() {
    let capture = tempfile::NamedTempFile::new().unwrap();
    let mut monitor = Command::new("dbus-monitor")
        .args(["--session", "--pcap"])
        .stdout(capture.reopen().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-monitor (package dbus) is installed");
    // The pcap header is written once the monitor is attached to the bus.
    let started = Instant::now();
    while std::fs::metadata(capture.path()).unwrap().len() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "dbus-monitor did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));

    let kc = OsKeychain::new();
    let account = profile_account(&format!("on the bus {}", unique()));
    let secret = format!("bus-secret-{}", unique());
    kc.set(&account, &SecretString::new(secret.clone()))
        .unwrap();
    assert_eq!(kc.get(&account).unwrap().unwrap().expose(), &secret);
    kc.delete(&account).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    monitor.kill().unwrap();
    monitor.wait().unwrap();

    let seen = std::fs::read(capture.path()).unwrap();
    let contains = |needle: &str| seen.windows(needle.len()).any(|w| w == needle.as_bytes());
    // The attributes travel in the clear, so the capture did see our calls...
    assert!(contains(&account), "the capture holds none of our calls");
    // ...but the secret, sent to the keyring and read back, only encrypted.
    assert!(
        !contains(&secret),
        "the secret crossed the bus in the clear"
    );
}

#[test]
fn items_made_by_other_tools_are_read_replaced_and_deleted() {
    let kc = OsKeychain::new();
    let account = profile_account(&format!("from secret-tool {}", unique()));
    secret_tool_store(&account, "1", b"made elsewhere");
    assert_eq!(
        kc.get(&account).unwrap().unwrap().expose(),
        "made elsewhere"
    );

    // Setting replaces that item instead of adding a second one.
    kc.set(&account, &SecretString::new("ours now".into()))
        .unwrap();
    assert_eq!(secret_tool_count(&account), 1);
    assert_eq!(kc.get(&account).unwrap().unwrap().expose(), "ours now");

    // Two items for one account: reading names the problem and what to do; deleting removes both.
    secret_tool_store(&account, "2", b"a duplicate");
    assert_eq!(secret_tool_count(&account), 2);
    for e in [
        kc.get(&account).unwrap_err(),
        kc.set(&account, &SecretString::new("which one?".into()))
            .unwrap_err(),
    ] {
        assert_eq!(e.code(), "keychain_error");
        assert!(
            e.to_string().contains("2 keychain entries") && e.to_string().contains("Seahorse"),
            "{e}"
        );
    }
    kc.delete(&account).unwrap();
    assert_eq!(secret_tool_count(&account), 0);
    assert!(kc.get(&account).unwrap().is_none());

    // An item that holds bytes, not text, is named, not shown as garbage.
    secret_tool_store(&account, "3", &[0xff, 0xfe, 0x00, 0x80]);
    let e = kc.get(&account).unwrap_err();
    assert!(e.to_string().contains("does not hold text"), "{e}");
    kc.delete(&account).unwrap();
}

#[test]
fn a_keyring_daemon_that_restarts_is_reached_again() {
    let out = run_child_in_own_keyring("", "survive-restart", &[]);
    assert_eq!(result_of(&out), "Ok(Some(\"before\"))/Ok(())", "{out}");
}
