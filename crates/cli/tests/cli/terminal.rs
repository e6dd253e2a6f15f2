//! Behaviour that only shows on a terminal, under a real pseudo-terminal from util-linux `script`.

use crate::harness::{assert_code, bin, contains, stderr, stdout, Home, Kms, KEY_ID, ORG, SECRET};
use crate::test_certificates::{CERT_MID, PASSWORD};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

/// `script` running `line` on a new pseudo-terminal, with this home's environment.
fn on_terminal(home: &Home, line: &str) -> Command {
    let mut script = Command::new("script");
    home.apply(&mut script);
    script.args(["-qec", line, "/dev/null"]);
    script
}

#[test]
fn the_secret_prompt_on_a_terminal_does_not_echo() {
    let kms = Kms::start();
    let home = Home::new();
    let line = format!(
        "{} profile add on-a-tty --env {} --key-id {KEY_ID} --org {ORG}",
        bin().display(),
        kms.url()
    );
    let mut child = on_terminal(&home, &line)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs");
    let mut out = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let mut chunk = [0u8; 512];
    while !contains(&seen, b"(input hidden): ") {
        let n = out.read(&mut chunk).expect("read");
        assert!(n > 0, "no prompt: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&chunk[..n]);
    }
    // The prompt is written just before echo is switched off; a person never types that fast.
    std::thread::sleep(Duration::from_millis(500));
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(format!("{SECRET}\n").as_bytes())
        .expect("type");
    out.read_to_end(&mut seen).expect("read rest");
    drop(stdin);
    assert!(
        child.wait().expect("exits").success(),
        "{}",
        String::from_utf8_lossy(&seen)
    );
    let transcript = String::from_utf8_lossy(&seen);
    assert!(
        !transcript.contains(SECRET),
        "the secret was echoed:\n{transcript}"
    );
    assert!(transcript.contains("Added profile"), "{transcript}");

    let test = home
        .cmd()
        .args(["profile", "test", "on-a-tty"])
        .output()
        .expect("runs");
    assert_code(&test, 0);
}

#[test]
fn the_p12_password_prompt_on_a_terminal_does_not_echo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (kms, p12) = crate::certificate::kms_and_p12(dir.path());
    let home = Home::new();
    let line = format!(
        "{} profile add cert-on-a-tty --env {} --p12 {} --org {CERT_MID}",
        bin().display(),
        kms.url(),
        p12.display()
    );
    let mut child = on_terminal(&home, &line)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs");
    let mut out = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let mut chunk = [0u8; 512];
    while !contains(&seen, b"(input hidden): ") {
        let n = out.read(&mut chunk).expect("read");
        assert!(n > 0, "no prompt: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&chunk[..n]);
    }
    assert!(
        contains(&seen, b".p12 password for profile \"cert-on-a-tty\""),
        "{}",
        String::from_utf8_lossy(&seen)
    );
    // The prompt is written just before echo is switched off; a person never types that fast.
    std::thread::sleep(Duration::from_millis(500));
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("type");
    out.read_to_end(&mut seen).expect("read rest");
    drop(stdin);
    assert!(
        child.wait().expect("exits").success(),
        "{}",
        String::from_utf8_lossy(&seen)
    );
    let transcript = String::from_utf8_lossy(&seen);
    assert!(
        !transcript.contains(PASSWORD),
        "the password was echoed:\n{transcript}"
    );
    assert!(transcript.contains("Added profile"), "{transcript}");
    assert_code(
        &home
            .cmd()
            .args(["profile", "test", "cert-on-a-tty"])
            .output()
            .expect("runs"),
        0,
    );
}

#[test]
fn large_batches_show_progress_on_a_terminal_only() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("progress", &kms, SECRET);
    let mids: Vec<String> = (0..150).map(|i| format!("bulk_{i:03}")).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bulk.csv");
    let line = format!(
        "{} generate {} --format csv --out {}",
        bin().display(),
        mids.join(" "),
        file.display()
    );
    let o = on_terminal(&home, &line).output().expect("script runs");
    assert_code(&o, 0);
    let transcript = stdout(&o);
    assert!(
        transcript.contains("Generating keys: 150/150"),
        "{transcript}"
    );
    assert_eq!(kms.issued().len(), 150);

    // Without a terminal, stderr carries no progress line.
    let piped = home.generate(&["bulk_000", "--format", "csv"]);
    assert_code(&piped, 0);
    assert!(!stderr(&piped).contains("Generating keys"));
    let mut args: Vec<&str> = mids.iter().map(String::as_str).collect();
    args.extend(["--format", "csv"]);
    let many = home.generate(&args);
    assert_code(&many, 0);
    assert!(
        !stderr(&many).contains("Generating keys"),
        "{}",
        stderr(&many)
    );
}
