//! `mpos-keygen emulator`: runs in the foreground, prints what a profile needs, stops on Ctrl-C.

use crate::harness::{assert_code, stderr, Home};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

/// A running `mpos-keygen emulator`; killed when a failing test drops it before stopping it.
struct Running(Option<Child>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts the emulator; returns it, the banner's `Label: value` lines, and the profile example.
fn start(home: &Home, extra: &[&str]) -> (Running, Vec<(String, String)>, String) {
    let mut child = home
        .std_cmd()
        .arg("emulator")
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(Some(child));
    let mut lines = BufReader::new(stdout).lines();
    let mut fields = Vec::new();
    let mut example = String::new();
    for line in lines.by_ref() {
        let line = line.expect("utf-8");
        if line.trim_start().starts_with("printf") {
            example = line.trim().to_string();
            break;
        }
        if let Some((k, v)) = line.split_once(": ") {
            fields.push((k.to_string(), v.trim().to_string()));
        }
    }
    (running, fields, example)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name}: {fields:?}"))
}

/// Sends SIGINT, as Ctrl-C would, and waits for the exit.
///
/// Unix only: on Windows Ctrl-C reaches only processes that share the sender's console, which a test
/// cannot set up for a child; there the child is ended instead (see [`stop`]).
#[cfg(unix)]
fn interrupt(running: Running) -> std::process::Output {
    use std::time::{Duration, Instant};
    let pid = running.0.as_ref().expect("still running").id();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut running = running;
    loop {
        let child = running.0.as_mut().expect("still running");
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        // Panicking here drops `running`, which kills the process.
        assert!(
            Instant::now() < deadline,
            "the emulator did not stop on Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let child = running.0.take().expect("exited");
    child.wait_with_output().expect("output")
}

/// Stops the emulator: with Ctrl-C where a test can send it (Unix), else by ending the process.
fn stop(running: Running) {
    #[cfg(unix)]
    interrupt(running);
    #[cfg(not(unix))]
    drop(running);
}

#[test]
fn emulator_prints_credentials_that_work_and_stops_on_ctrl_c() {
    let home = Home::new();
    let (child, fields, example) = start(&home, &[]);
    let url = field(&fields, "URL").to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let key_id = field(&fields, "Key id").to_string();
    let secret = field(&fields, "Shared secret").to_string();
    let org = field(&fields, "Organization id").to_string();
    assert_eq!(key_id, mpos_emulator::demo::KEY_ID);
    assert_eq!(secret, mpos_emulator::demo::SHARED_SECRET);
    assert_eq!(org, mpos_emulator::demo::ORGANIZATION_ID);
    for part in [&url, &key_id, &org, &secret, &"profile add".to_string()] {
        assert!(example.contains(part.as_str()), "{example}");
    }

    // The printed values are enough for a working profile.
    home.cmd()
        .args([
            "profile",
            "add",
            "from-emulator",
            "--env",
            &url,
            "--key-id",
            &key_id,
            "--org",
            &org,
        ])
        .write_stdin(secret.as_str())
        .assert()
        .success();
    let o = home.generate(&["emu_store_1"]);
    assert_code(&o, 0);

    #[cfg(not(unix))]
    drop(child);
    #[cfg(unix)]
    {
        let stopped = interrupt(child);
        assert_eq!(
            stopped.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&stopped.stderr)
        );
        assert!(String::from_utf8_lossy(&stopped.stderr).contains("stopped"));
    }
}

#[test]
fn emulator_fault_and_port_options() {
    let home = Home::new();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let (child, fields, _) = start(&home, &["--port", &port.to_string(), "--fault", "401"]);
    let url = field(&fields, "URL").to_string();
    assert_eq!(url, format!("http://127.0.0.1:{port}"));
    assert_eq!(field(&fields, "Fault"), "401");
    home.cmd()
        .args([
            "profile",
            "add",
            "faulty",
            "--env",
            &url,
            "--key-id",
            mpos_emulator::demo::KEY_ID,
        ])
        .args(["--org", mpos_emulator::demo::ORGANIZATION_ID])
        .write_stdin(mpos_emulator::demo::SHARED_SECRET)
        .assert()
        .success();
    assert_code(&home.generate(&["emu_store_2"]), 3);

    // The port is taken now: a second emulator on it cannot start.
    let busy = home
        .cmd()
        .args(["emulator", "--port", &port.to_string()])
        .output()
        .expect("runs");
    assert_code(&busy, 4);
    assert!(stderr(&busy).starts_with("error: "), "{}", stderr(&busy));
    stop(child);

    assert_code(
        &home
            .cmd()
            .args(["emulator", "--fault", "meltdown"])
            .output()
            .expect("runs"),
        2,
    );
}

/// `--certificate` (PEM here, DER below) makes the emulator accept a `.p12` profile made from that
/// certificate: the banner names it, and `profile test` and `generate` work against it.
#[test]
fn emulator_accepts_a_given_rest_certificate() {
    use crate::test_certificates::{self, CERT_MID, PASSWORD, SERIAL};
    use base64::Engine as _;

    let cert = test_certificates::valid();
    let dir = tempfile::tempdir().expect("tempdir");
    let p12 = cert.write_p12(dir.path(), "merchant.p12");
    let body = base64::engine::general_purpose::STANDARD.encode(&cert.der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    let pem = dir.path().join("merchant.pem");
    std::fs::write(
        &pem,
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        ),
    )
    .expect("write pem");
    let der = dir.path().join("merchant.der");
    std::fs::write(&der, &cert.der).expect("write der");

    for file in [&pem, &der] {
        let home = Home::new();
        let (child, fields, _) = start(
            &home,
            &[
                "--certificate",
                file.to_str().expect("utf-8 path"),
                "--certificate-org",
                CERT_MID,
            ],
        );
        let url = field(&fields, "URL").to_string();
        assert_eq!(
            field(&fields, "Certificate"),
            format!("serialNumber {SERIAL} for {CERT_MID}")
        );
        // The demo's shared secret still works next to the certificate.
        assert_eq!(field(&fields, "Key id"), mpos_emulator::demo::KEY_ID);

        home.cmd()
            .args(["profile", "add", "emu-cert", "--env", &url, "--p12"])
            .arg(&p12)
            .args(["--org", CERT_MID])
            .write_stdin(PASSWORD)
            .assert()
            .success();
        let tested = home
            .cmd()
            .args(["profile", "test", "emu-cert"])
            .output()
            .expect("runs");
        assert_code(&tested, 0);
        let generated = home.generate(&[CERT_MID, "--format", "json"]);
        assert_code(&generated, 0);
        let doc: serde_json::Value =
            serde_json::from_slice(&generated.stdout).expect("json output");
        assert_eq!(doc["keys"][0]["cybersourceMerchantId"], CERT_MID, "{doc}");
        stop(child);
    }
}

#[test]
fn emulator_certificate_options_are_checked() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").expect("write");
    let garbage = garbage.to_str().expect("utf-8 path");
    let run = |args: &[&str]| {
        home.cmd()
            .arg("emulator")
            .args(args)
            .output()
            .expect("runs")
    };

    // A certificate without its owner, or an owner without a certificate: clap refuses.
    assert_code(&run(&["--certificate", garbage]), 2);
    assert_code(&run(&["--certificate-org", "m"]), 2);
    let bad = run(&["--certificate", garbage, "--certificate-org", "m"]);
    assert_code(&bad, 2);
    assert!(
        stderr(&bad).contains("cannot be used as a REST certificate"),
        "{}",
        stderr(&bad)
    );
    let missing = run(&[
        "--certificate",
        "/nonexistent/c.pem",
        "--certificate-org",
        "m",
    ]);
    assert_code(&missing, 2);
    assert!(
        stderr(&missing).contains("cannot be read"),
        "{}",
        stderr(&missing)
    );
    let mismatched = run(&[
        "--certificate",
        garbage,
        "--certificate",
        garbage,
        "--certificate-org",
        "a",
        "--certificate-org",
        "b",
        "--certificate-org",
        "c",
    ]);
    assert_code(&mismatched, 2);
    assert!(
        stderr(&mismatched).contains("once per --certificate"),
        "{}",
        stderr(&mismatched)
    );
}
