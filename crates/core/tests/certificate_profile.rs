//! A REST certificate profile end to end: the `.p12` path in the profile, its password in the keychain,
//! keys from an emulator that verifies the JWT. Keys and `.p12` files are made at test time.

use mpos_core::{connection, Keygen, Source};
use mpos_emulator::{Emulator, EmulatorCertificate, EmulatorConfig};
use mpos_kms::{KmsError, SecretString};
use mpos_store::config::{AuthMethod, Profile, Settings};
use mpos_store::keychain::{profile_account, MemoryStore, SecretStore};
use mpos_store::paths::Paths;
use mpos_test_certificates::{make, Spec};
use std::path::Path;
use std::sync::Arc;

const PASSWORD: &str = "p12-password-for-tests";
const MID: &str = "cert_shop_1";

/// A certificate `CN=<cn>, serialNumber=<serial>` and a `.p12` holding it with its key.
fn certificate_and_p12(cn: &str, serial: &str) -> (Vec<u8>, Vec<u8>) {
    let cert = make(&Spec::valid(cn, serial), 0);
    let p12 = cert.p12(PASSWORD);
    (cert.der, p12)
}

fn certificate_profile(environment: &str, p12_path: &Path) -> Profile {
    let mut profile = Profile::new(
        "Certificate shop",
        environment,
        AuthMethod::Certificate {
            p12_path: p12_path.to_path_buf(),
            key_alias: None,
        },
    );
    profile.organization_id = Some(MID.into());
    profile
}

#[tokio::test]
async fn a_certificate_profile_gets_keys_with_its_password_from_the_keychain() {
    let (der, p12) = certificate_and_p12(MID, "8800000000000001");
    let emulator = Emulator::start(
        EmulatorConfig::with_credentials(Vec::new())
            .with_certificate(EmulatorCertificate::from_der(&der, MID, false).unwrap()),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p12_path = dir.path().join("shop.p12");
    std::fs::write(&p12_path, p12).unwrap();

    let memory = Arc::new(MemoryStore::new());
    let keygen = Keygen::new(Paths::at(dir.path()), memory.clone());
    let profile = certificate_profile(&emulator.base_url(), &p12_path);
    keygen
        .save_profile(None, profile, Some(SecretString::new(PASSWORD.into())))
        .unwrap();
    let stored = memory
        .get(&profile_account("Certificate shop"))
        .unwrap()
        .unwrap();
    assert_eq!(stored.expose(), PASSWORD);

    let conn = keygen
        .connect(&Source::Profile("Certificate shop".into()))
        .unwrap();
    assert!(conn.client.warnings().is_empty());
    let report = keygen
        .generate(&conn, &[MID.to_string()], true, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(report.keys.len(), 1, "{:?}", report.failures);
    assert!(report.keys[0].stored);
    assert_eq!(emulator.issued().len(), 1);
    emulator.shutdown().await;
}

#[test]
fn a_certificate_profile_without_its_password_or_file_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let p12_path = dir.path().join("missing.p12");
    let profile = certificate_profile("test", &p12_path);
    let empty = MemoryStore::new();
    let err = connection::for_profile(&profile, &Settings::default(), &empty)
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("No .p12 password is stored"),
        "{err}"
    );
    assert_eq!(err.exit_code(), 2);

    let with_password = MemoryStore::new();
    with_password
        .set(
            &profile_account(&profile.name),
            &SecretString::new(PASSWORD.into()),
        )
        .unwrap();
    let err = connection::for_profile(&profile, &Settings::default(), &with_password)
        .err()
        .unwrap();
    assert!(
        matches!(&err, mpos_core::Error::Kms(KmsError::InvalidInput(m)) if m.contains("missing.p12")),
        "{err}"
    );
}

#[test]
fn saving_checks_the_p12_before_anything_is_stored() {
    let (_, p12) = certificate_and_p12(MID, "8800000000000001");
    let dir = tempfile::tempdir().unwrap();
    let p12_path = dir.path().join("shop.p12");
    std::fs::write(&p12_path, p12).unwrap();
    let memory = Arc::new(MemoryStore::new());
    let keygen = Keygen::new(Paths::at(dir.path()), memory.clone());
    let save = |profile: Profile, password: Option<&str>| {
        keygen.save_profile(None, profile, password.map(|p| SecretString::new(p.into())))
    };

    let err = save(certificate_profile("test", &p12_path), Some("wrong")).unwrap_err();
    assert!(err.to_string().contains("password is wrong"), "{err}");
    let mut other_alias = certificate_profile("test", &p12_path);
    other_alias.organization_id = Some("other_shop".into());
    let err = save(other_alias, Some(PASSWORD)).unwrap_err();
    assert!(
        err.to_string()
            .contains("It holds certificates for: cert_shop_1."),
        "{err}"
    );
    let err = save(certificate_profile("test", &p12_path), None).unwrap_err();
    assert!(
        err.to_string().contains("needs the password of its .p12"),
        "{err}"
    );
    assert!(memory.is_empty(), "nothing kept after a refusal");
    assert!(keygen.config().load().unwrap().profiles.is_empty());

    // Without an organization id or alias the file only has to hold a usable certificate.
    let mut no_alias = certificate_profile("test", &p12_path);
    no_alias.organization_id = None;
    save(no_alias, Some(PASSWORD)).unwrap();
    assert_eq!(memory.len(), 1);
}

#[test]
fn a_wrong_password_in_the_keychain_is_reported_when_connecting() {
    let (_, p12) = certificate_and_p12(MID, "8800000000000001");
    let dir = tempfile::tempdir().unwrap();
    let p12_path = dir.path().join("shop.p12");
    std::fs::write(&p12_path, p12).unwrap();
    let profile = certificate_profile("test", &p12_path);
    let secrets = MemoryStore::new();
    secrets
        .set(
            &profile_account(&profile.name),
            &SecretString::new("not-the-password".into()),
        )
        .unwrap();
    let err = connection::for_profile(&profile, &Settings::default(), &secrets)
        .err()
        .unwrap();
    assert!(err.to_string().contains("password is wrong"), "{err}");
    assert!(!err.to_string().contains("not-the-password"));
}
