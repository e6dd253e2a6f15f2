//! REST certificate profiles (`profile add --p12`): checked before anything is stored, used by `profile
//! test` and `generate` against an emulator that knows the certificate, and the password kept out of argv,
//! files and logs.

use crate::harness::{assert_code, stderr, stdout, Home, Kms};
use crate::test_certificates::{self, CERT_MID, PASSWORD, WRONG_PASSWORD};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

/// `profile add NAME --env URL --p12 FILE --org CERT_MID EXTRA…` with `password` on stdin.
fn add_p12(
    home: &Home,
    name: &str,
    kms_url: &str,
    p12: &Path,
    password: &str,
    extra: &[&str],
) -> Output {
    home.cmd()
        .args(["profile", "add", name, "--env", kms_url, "--p12"])
        .arg(p12)
        .args(["--org", CERT_MID])
        .args(extra)
        .write_stdin(password)
        .output()
        .expect("runs")
}

fn run(home: &Home, args: &[&str]) -> Output {
    home.cmd().args(args).output().expect("runs")
}

#[test]
fn a_p12_profile_tests_and_generates_without_the_password_leaking() {
    let cert = test_certificates::valid();
    let kms = cert.kms();
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let p12 = cert.write_p12(dir.path(), "merchant.p12");
    let name = "cert-e2e";

    // The password goes in on stdin; while the process waits for it, its argv and environment are clean.
    let mut child = home
        .std_cmd()
        .args([
            "--verbose",
            "profile",
            "add",
            name,
            "--env",
            &kms.url(),
            "--p12",
        ])
        .arg(&p12)
        .args(["--org", CERT_MID])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    #[cfg(target_os = "linux")]
    crate::harness::assert_secret_not_in_process(child.id(), "--p12", PASSWORD);
    let mut stdin = child.stdin.take().expect("stdin");
    // As `echo` sends it: the line ending is not part of the password, the spaces are.
    stdin
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("write password");
    drop(stdin);
    let added = child.wait_with_output().expect("waits");
    assert_code(&added, 0);
    let add_log = stderr(&added);
    assert!(
        add_log.contains(&format!("Added profile \"{name}\"")),
        "{add_log}"
    );
    assert!(add_log.contains(".p12 password is stored in"), "{add_log}");
    assert!(
        !add_log.contains("warning:"),
        "a certificate valid for a year gives no warning:\n{add_log}"
    );

    let list = stdout(&run(&home, &["profile", "list"]));
    assert!(
        list.contains("AUTH") && list.contains("certificate") && list.contains("merchant.p12"),
        "{list}"
    );
    let shown = run(&home, &["profile", "show", name]);
    assert_code(&shown, 0);
    let show = stdout(&shown);
    for line in [
        "Authentication: REST certificate".to_string(),
        format!("Certificate file: {}", p12.display()),
        format!("Key alias: {CERT_MID} (the organization id)"),
        format!("Organization id: {CERT_MID}"),
        ".p12 password: stored in".to_string(),
    ] {
        assert!(show.contains(&line), "missing {line:?} in\n{show}");
    }
    assert!(!show.contains(PASSWORD));

    let tested = run(&home, &["--verbose", "profile", "test", name]);
    assert_code(&tested, 0);
    assert!(
        stdout(&tested).contains("Authentication worked"),
        "{}",
        stdout(&tested)
    );
    assert_eq!(kms.requests(), 1, "profile test makes one signed call");
    assert!(kms.issued().is_empty(), "a connection test issues no key");

    let generated = run(
        &home,
        &["--verbose", "generate", CERT_MID, "--format", "json"],
    );
    assert_code(&generated, 0);
    let doc: Value = serde_json::from_str(&stdout(&generated))
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(&generated)));
    let issued = kms.issued_for(CERT_MID);
    let keys = doc["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1, "{doc}");
    assert_eq!(keys[0]["cybersourceMerchantId"], CERT_MID);
    assert_eq!(
        keys[0]["merchantId"],
        mpos_emulator::external_organization_id(CERT_MID).as_str()
    );
    assert_eq!(keys[0]["merchantSecret"], issued.key.as_str());
    assert_eq!(keys[0]["keyId"], issued.key_id.as_str());
    assert_eq!(doc["errors"].as_array().map(Vec::len), Some(0));

    let logs = [add_log, stderr(&tested), stderr(&generated)].join("\n");
    assert!(
        logs.contains("DEBUG"),
        "--verbose logs at debug level:\n{logs}"
    );
    assert!(!logs.contains(PASSWORD), "the .p12 password was logged");
    assert!(!logs.contains(&issued.key), "a generated key was logged");
    assert!(home.file_count() > 0, "the config and history were written");
    assert_eq!(
        home.files_containing(PASSWORD),
        Vec::<PathBuf>::new(),
        "the .p12 password is in a file"
    );
    // As JSON writes it: Windows' backslashes are escaped.
    let p12_in_json = serde_json::to_string(&p12).expect("a path");
    assert_eq!(
        home.files_containing(p12_in_json.trim_matches('"')).len(),
        1,
        "the config keeps the .p12 path"
    );
}

#[test]
fn a_wrong_password_is_refused_and_nothing_is_stored() {
    let cert = test_certificates::valid();
    let kms = cert.kms();
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let p12 = cert.write_p12(dir.path(), "merchant.p12");
    assert_code(
        &add_p12(&home, "cert-kept", &kms.url(), &p12, PASSWORD, &[]),
        0,
    );
    let before = home.snapshot();

    let wrong = add_p12(&home, "cert-wrong", &kms.url(), &p12, WRONG_PASSWORD, &[]);
    assert_code(&wrong, 2);
    assert!(
        stderr(&wrong).starts_with("error: The .p12 password is wrong."),
        "{}",
        stderr(&wrong)
    );
    // Replacing a working profile with a wrong password leaves the old one, and its password, in place.
    let replaced = add_p12(&home, "cert-kept", &kms.url(), &p12, WRONG_PASSWORD, &[]);
    assert_code(&replaced, 2);
    assert_eq!(home.snapshot(), before, "the config or history changed");
    assert!(!stdout(&run(&home, &["profile", "list"])).contains("cert-wrong"));
    assert_code(&run(&home, &["profile", "show", "cert-wrong"]), 2);
    assert_code(&run(&home, &["profile", "test", "cert-kept"]), 0);
    assert!(!stderr(&wrong).contains(WRONG_PASSWORD));
}

#[test]
fn an_expired_certificate_is_refused() {
    let cert = test_certificates::expired(3);
    let kms = cert.kms();
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let p12 = cert.write_p12(dir.path(), "old.p12");
    let o = add_p12(&home, "cert-expired", &kms.url(), &p12, PASSWORD, &[]);
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains(&format!("The REST certificate for {CERT_MID} expired on")),
        "{err}"
    );
    assert!(stdout(&run(&home, &["profile", "list"])).is_empty());
    assert_eq!(kms.requests(), 0);
}

#[test]
fn a_key_alias_not_in_the_file_is_refused_naming_those_found() {
    let cert = test_certificates::valid();
    let kms = cert.kms();
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let p12 = cert.write_p12(dir.path(), "merchant.p12");
    let o = add_p12(
        &home,
        "cert-alias",
        &kms.url(),
        &p12,
        PASSWORD,
        &["--key-alias", "other_mid"],
    );
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("no certificate for the key alias \"other_mid\""),
        "{err}"
    );
    assert!(
        err.contains(&format!("It holds certificates for: {CERT_MID}.")),
        "{err}"
    );
    assert!(stdout(&run(&home, &["profile", "list"])).is_empty());

    // The right alias, given explicitly, is shown as given.
    let ok = add_p12(
        &home,
        "cert-alias",
        &kms.url(),
        &p12,
        PASSWORD,
        &["--key-alias", CERT_MID],
    );
    assert_code(&ok, 0);
    let show = stdout(&run(&home, &["profile", "show", "cert-alias"]));
    assert!(show.contains(&format!("Key alias: {CERT_MID}\n")), "{show}");
    assert!(stdout(&run(&home, &["profile", "list"])).contains(&format!("(alias {CERT_MID})")));
}

#[test]
fn files_that_are_not_a_readable_p12_are_refused() {
    let cert = test_certificates::valid();
    let kms = cert.kms();
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let der = dir.path().join("merchant.cer");
    std::fs::write(&der, &cert.der).expect("write");
    let pem = dir.path().join("merchant.pem");
    std::fs::write(
        &pem,
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    )
    .expect("write");
    for (file, message) in [
        (der, "is not a .p12 (PKCS#12) certificate file"),
        (pem, "This is a PEM text file, not a .p12 file"),
        (dir.path().join("missing.p12"), "does not exist"),
    ] {
        let o = add_p12(&home, "cert-bad-file", &kms.url(), &file, PASSWORD, &[]);
        assert_code(&o, 2);
        assert!(stderr(&o).contains(message), "{}", stderr(&o));
    }
    assert!(stdout(&run(&home, &["profile", "list"])).is_empty());
}

#[test]
fn a_certificate_expiring_soon_warns_at_add_test_and_generate() {
    let cert = test_certificates::expiring(10);
    let kms = cert.kms();
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let p12 = cert.write_p12(dir.path(), "soon.p12");
    let warning = format!("warning: The REST certificate for {CERT_MID} expires on");

    let added = add_p12(&home, "cert-soon", &kms.url(), &p12, PASSWORD, &[]);
    assert_code(&added, 0);
    assert!(stderr(&added).contains(&warning), "{}", stderr(&added));
    let tested = run(&home, &["profile", "test", "cert-soon"]);
    assert_code(&tested, 0);
    assert!(stderr(&tested).contains(&warning), "{}", stderr(&tested));
    let generated = run(&home, &["generate", CERT_MID, "--format", "env"]);
    assert_code(&generated, 0);
    let err = stderr(&generated);
    assert_eq!(err.matches(&warning).count(), 1, "warned once:\n{err}");
    assert!(
        !stdout(&generated).contains("warning"),
        "warnings stay out of the export"
    );
}

#[test]
fn key_id_and_p12_are_one_or_the_other() {
    let home = Home::new();
    let neither = run(&home, &["profile", "add", "x", "--env", "test"]);
    assert_code(&neither, 2);
    assert!(
        stderr(&neither).contains("--key-id") && stderr(&neither).contains("--p12"),
        "{}",
        stderr(&neither)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let p12 = test_certificates::valid().write_p12(dir.path(), "merchant.p12");
    let p12 = p12.to_str().expect("utf-8");
    for args in [
        &["--env", "test", "--key-id", "k", "--p12", p12][..],
        &["--env", "test", "--key-id", "k", "--key-alias", "a"][..],
        &["--env", "test", "--p12", p12, "--key-alias", " "][..],
        &["--env", "demo", "--p12", p12][..],
    ] {
        let o = home
            .cmd()
            .args(["profile", "add", "x"])
            .args(args)
            .write_stdin(PASSWORD)
            .output()
            .expect("runs");
        assert_code(&o, 2);
        assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));
    }
    assert!(stdout(&run(&home, &["profile", "list"])).is_empty());
}

/// A certificate profile with a MID of its own, shared with terminal.rs (which runs on Linux only).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub fn kms_and_p12(dir: &Path) -> (Kms, PathBuf) {
    let cert = test_certificates::valid();
    let p12 = cert.write_p12(dir, "merchant.p12");
    (cert.kms(), p12)
}
