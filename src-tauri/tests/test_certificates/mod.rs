//! REST certificates made at test time: an RSA key and self-signed certificates (rcgen), wrapped in `.p12`
//! files (p12-keystore's writer), and an emulator config that knows them. No private key is ever committed.
//! Copied from crates/cli/tests/cli/test_certificates.rs (itself adapted from crates/kms/tests).

use mpos_emulator::{EmulatorCertificate, EmulatorConfig};
use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
use rcgen::{CertificateParams, DistinguishedName, DnType, DnValue, KeyPair, PKCS_RSA_SHA256};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use time::{Duration, OffsetDateTime};

/// The `.p12` password: spaces included (allowed in a password) and distinctive, so a leak is easy to find.
pub const PASSWORD: &str = "app p12 pass-phrase 4e81d2";
/// A password the test files were not made with.
pub const WRONG_PASSWORD: &str = "not the p12 password 0000";
/// The merchant the certificate is made for: its subject CN and the owner the emulator knows.
pub const CERT_MID: &str = "app_cert_mid";
/// The certificate subject's serialNumber: the JWT `kid`.
pub const SERIAL: &str = "5500000000000777";

/// A certificate and the PKCS#8 DER of its private key.
pub struct TestCertificate {
    pub der: Vec<u8>,
    pub key_pkcs8: Vec<u8>,
}

/// Valid from yesterday for a year.
pub fn valid() -> TestCertificate {
    let now = OffsetDateTime::now_utc();
    make(now - Duration::days(1), now + Duration::days(365))
}

/// Ended `days_ago` days ago.
pub fn expired(days_ago: i64) -> TestCertificate {
    let now = OffsetDateTime::now_utc();
    make(now - Duration::days(400), now - Duration::days(days_ago))
}

/// Ends in `days` days.
pub fn expiring(days: i64) -> TestCertificate {
    let now = OffsetDateTime::now_utc();
    make(now - Duration::days(1), now + Duration::days(days))
}

/// RSA key generation is slow: one key per test binary, shared by every certificate.
fn key() -> KeyPair {
    static KEY: OnceLock<Vec<u8>> = OnceLock::new();
    let der = KEY.get_or_init(|| {
        KeyPair::generate_for(&PKCS_RSA_SHA256)
            .expect("RSA key")
            .serialize_der()
    });
    KeyPair::try_from(der.as_slice()).expect("stored key")
}

/// A self-signed `CN=CERT_MID, serialNumber=SERIAL` certificate valid in the given window.
fn make(not_before: OffsetDateTime, not_after: OffsetDateTime) -> TestCertificate {
    let key = key();
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, CERT_MID);
    name.push(
        DnType::CustomDnType(vec![2, 5, 4, 5]),
        DnValue::PrintableString(SERIAL.try_into().expect("printable")),
    );
    params.distinguished_name = name;
    params.not_before = not_before;
    params.not_after = not_after;
    let cert = params.self_signed(&key).expect("self-signed");
    TestCertificate {
        der: cert.der().to_vec(),
        key_pkcs8: key.serialize_der(),
    }
}

impl TestCertificate {
    /// The usual Business Center download: the key and its certificate, protected by [`PASSWORD`].
    pub fn p12(&self) -> Vec<u8> {
        let chain = PrivateKeyChain::new(
            "entry0".as_bytes(),
            PrivateKey::from_der(&self.key_pkcs8).expect("key"),
            [Certificate::from_der(&self.der).expect("certificate")],
        );
        let mut store = KeyStore::new();
        store.add_entry("entry0", KeyStoreEntry::PrivateKeyChain(chain));
        store.writer(PASSWORD).write().expect("p12")
    }

    /// Writes [`TestCertificate::p12`] to `dir/name`.
    pub fn write_p12(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.p12()).expect("write p12");
        path
    }

    /// An emulator config accepting JWTs signed with this certificate for [`CERT_MID`], and no shared secret.
    pub fn emulator_config(&self) -> EmulatorConfig {
        let known = EmulatorCertificate::from_der(&self.der, CERT_MID, false).expect("known");
        EmulatorConfig::with_credentials(Vec::new()).with_certificate(known)
    }
}
