//! Loading a REST certificate from a `.p12`: which certificate is chosen, and every way it can fail.

mod test_certificates;

use mpos_kms::{certificate_names, CertificateCredential, KmsError, P12Source, SecretString};
use std::time::Duration;
use test_certificates::{legacy_p12, make, p12, p12_for, Entry, Spec, PASSWORD};

fn password() -> SecretString {
    SecretString::new(PASSWORD.into())
}

fn load(p12: &[u8], alias: &str) -> Result<CertificateCredential, KmsError> {
    CertificateCredential::from_pkcs12(p12, &password(), alias)
}

/// The message of an `InvalidInput`, or a panic naming what came instead.
fn invalid_input(result: Result<CertificateCredential, KmsError>) -> String {
    match result {
        Err(KmsError::InvalidInput(message)) => message,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn the_certificate_named_by_the_alias_gives_its_serial_number_as_kid() {
    let cert = make(&Spec::valid("merchant_42", "7000000000000001"), 0);
    let loaded = load(&p12_for(&cert), "merchant_42").unwrap();
    assert_eq!(loaded.kid(), "7000000000000001");
    assert_eq!(loaded.key_alias(), "merchant_42");
    assert_eq!(loaded.certificate_der(), cert.der.as_slice());
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
}

#[test]
fn legacy_encrypted_files_load_too() {
    let cert = make(&Spec::valid("merchant_42", "7000000000000001"), 0);
    let file = legacy_p12(
        &[Entry::KeyWith(&cert.key_pkcs8, vec![&cert.der])],
        PASSWORD,
    );
    assert_eq!(
        load(&file, "merchant_42").unwrap().kid(),
        "7000000000000001"
    );
}

#[test]
fn the_alias_picks_among_several_certificates() {
    // Like a Business Center file: the merchant's key and certificate, plus a CA certificate.
    let merchant = make(&Spec::valid("merchant_42", "7000000000000001"), 0);
    let ca = make(&Spec::valid("CyberSourceCertAuth", "7000000000000009"), 1);
    let file = p12(
        &[
            Entry::KeyWith(&merchant.key_pkcs8, vec![&merchant.der, &ca.der]),
            Entry::CertificateOnly(&ca.der),
        ],
        PASSWORD,
    );
    let loaded = load(&file, " merchant_42 ").unwrap();
    assert_eq!(loaded.kid(), "7000000000000001");
    // Only the certificate with its key in the file is an alias to offer.
    assert_eq!(
        certificate_names(&file, &password()).unwrap(),
        ["merchant_42"]
    );
    assert!(matches!(
        certificate_names(&file, &SecretString::new("wrong".into())),
        Err(KmsError::InvalidInput(m)) if m.contains("password is wrong")
    ));
    // The CA certificate matches its alias, but its private key is not in the file.
    let message = invalid_input(load(&file, "CyberSourceCertAuth"));
    assert!(
        message.contains("belongs to another certificate"),
        "{message}"
    );
}

#[test]
fn a_wrong_password_says_so_and_never_echoes_it() {
    let cert = make(&Spec::valid("merchant_42", "7000000000000001"), 0);
    let typed = SecretString::new("hunter2-wrong-password".into());
    for file in [
        p12_for(&cert),
        legacy_p12(
            &[Entry::KeyWith(&cert.key_pkcs8, vec![&cert.der])],
            PASSWORD,
        ),
    ] {
        let err = CertificateCredential::from_pkcs12(&file, &typed, "merchant_42").unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(shown.contains("password is wrong"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

#[test]
fn no_certificate_for_the_alias_lists_the_names_found() {
    let other = make(&Spec::valid("other_merchant", "7000000000000002"), 0);
    let ca = make(&Spec::valid("CyberSourceCertAuth", "7000000000000009"), 1);
    let file = p12(
        &[
            Entry::KeyWith(&other.key_pkcs8, vec![&other.der]),
            Entry::CertificateOnly(&ca.der),
        ],
        PASSWORD,
    );
    let message = invalid_input(load(&file, "merchant_42"));
    assert!(
        message.contains("no certificate for the key alias \"merchant_42\""),
        "{message}"
    );
    assert!(
        message.contains("CyberSourceCertAuth, other_merchant"),
        "{message}"
    );
}

#[test]
fn an_expired_certificate_is_refused_with_its_date() {
    let spec = Spec::expired("merchant_42", "7000000000000001", 3);
    let expected_date = format!(
        "{:04}-{:02}-{:02}",
        spec.not_after.year(),
        u8::from(spec.not_after.month()),
        spec.not_after.day()
    );
    let cert = make(&spec, 0);
    let message = invalid_input(load(&p12_for(&cert), "merchant_42"));
    assert!(
        message.contains(&format!("expired on {expected_date}")),
        "{message}"
    );
}

#[test]
fn a_certificate_expiring_within_30_days_warns() {
    let soon = make(&Spec::expiring("merchant_42", "7000000000000001", 10), 0);
    let loaded = load(&p12_for(&soon), "merchant_42").unwrap();
    let warnings = loaded.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("merchant_42") && warnings[0].contains("expires on"));

    let day = Duration::from_secs(24 * 60 * 60);
    let ten_days_before = loaded.not_after() - 10 * day;
    assert!(loaded.warnings_at(ten_days_before)[0].contains("(in 10 days)"));
    assert!(loaded.warnings_at(loaded.not_after() - 31 * day).is_empty());
    assert!(loaded.warnings_at(loaded.not_after() - day / 2)[0].contains("within a day"));
}

#[test]
fn a_certificate_not_yet_valid_is_refused() {
    let now = time::OffsetDateTime::now_utc();
    let spec = Spec {
        not_before: now + time::Duration::days(2),
        not_after: now + time::Duration::days(400),
        ..Spec::valid("merchant_42", "7000000000000001")
    };
    let message = invalid_input(load(&p12_for(&make(&spec, 0)), "merchant_42"));
    assert!(message.contains("only valid from"), "{message}");
}

#[test]
fn a_certificate_without_serial_number_cannot_name_a_kid() {
    let spec = Spec {
        serial: None,
        ..Spec::valid("merchant_42", "")
    };
    let message = invalid_input(load(&p12_for(&make(&spec, 0)), "merchant_42"));
    assert!(message.contains("no serialNumber"), "{message}");
}

#[test]
fn a_file_without_the_private_key_is_refused() {
    let cert = make(&Spec::valid("merchant_42", "7000000000000001"), 0);
    let file = p12(&[Entry::CertificateOnly(&cert.der)], PASSWORD);
    let message = invalid_input(load(&file, "merchant_42"));
    assert!(message.contains("holds no private key"), "{message}");
}

#[test]
fn a_key_of_another_certificate_is_refused() {
    let cert = make(&Spec::valid("merchant_42", "7000000000000001"), 0);
    let other_key = make(&Spec::valid("x", "1"), 1).key_pkcs8;
    let file = p12(&[Entry::KeyWith(&other_key, vec![&cert.der])], PASSWORD);
    let message = invalid_input(load(&file, "merchant_42"));
    assert!(
        message.contains("belongs to another certificate"),
        "{message}"
    );
}

#[test]
fn files_that_are_not_p12_are_named_as_such() {
    let cert = make(&Spec::valid("merchant_42", "7000000000000001"), 0);
    let pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_vec();
    for (what, bytes) in [
        ("a DER certificate", cert.der.clone()),
        ("a PKCS#8 key", cert.key_pkcs8.clone()),
        ("random text", b"hello, this is not a p12".to_vec()),
        ("an empty file", Vec::new()),
    ] {
        let message = invalid_input(load(&bytes, "merchant_42"));
        assert!(message.contains("not a .p12"), "{what}: {message}");
    }
    assert!(invalid_input(load(&pem, "merchant_42")).contains("PEM"));
    // Well-formed start, broken inside.
    let mut damaged = p12_for(&cert);
    damaged.truncate(damaged.len() / 2);
    assert!(invalid_input(load(&damaged, "merchant_42")).contains("could not be decrypted"));
}

#[test]
fn an_empty_alias_is_refused() {
    let cert = make(&Spec::valid("merchant_42", "7000000000000001"), 0);
    assert!(invalid_input(load(&p12_for(&cert), "  ")).contains("key alias is empty"));
}

#[test]
fn a_file_on_disk_loads_and_a_missing_one_is_named() {
    let cert = make(&Spec::valid("merchant_42", "7000000000000001"), 0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("merchant_42.p12");
    std::fs::write(&path, p12_for(&cert)).unwrap();
    let source = P12Source::File(path.clone());
    let loaded = CertificateCredential::load(&source, &password(), "merchant_42").unwrap();
    assert_eq!(loaded.kid(), "7000000000000001");

    let missing = P12Source::File(dir.path().join("gone.p12"));
    let message = invalid_input(CertificateCredential::load(
        &missing,
        &password(),
        "merchant_42",
    ));
    assert!(
        message.contains("gone.p12") && message.contains("does not exist"),
        "{message}"
    );
    let folder = P12Source::File(dir.path().to_path_buf());
    let message = invalid_input(CertificateCredential::load(
        &folder,
        &password(),
        "merchant_42",
    ));
    assert!(message.contains("is not a file"), "{message}");
}

#[test]
fn debug_output_never_shows_the_key() {
    let cert = make(&Spec::valid("merchant_42", "7000000000000001"), 0);
    let loaded = load(&p12_for(&cert), "merchant_42").unwrap();
    let shown = format!("{loaded:?}");
    assert!(
        shown.contains("7000000000000001") && shown.contains("redacted"),
        "{shown}"
    );
}
