//! The shared test certificates (crates/test-certificates) as the CLI tests use them: one merchant's
//! certificate in a `.p12` with a distinctive password, and an emulator that knows it.

use crate::harness::Kms;
use mpos_emulator::{EmulatorCertificate, EmulatorConfig};
use mpos_test_certificates::{make, Spec};
use std::ops::Deref;
use std::path::{Path, PathBuf};

/// The `.p12` password: spaces included (allowed in a password) and distinctive, so a leak is easy to find.
pub const PASSWORD: &str = "cli p12 pass-phrase 7f3a9c";
/// A password the test files were not made with.
pub const WRONG_PASSWORD: &str = "not the p12 password 0000";
/// The merchant the certificate is made for: its subject CN and the owner the emulator knows.
pub const CERT_MID: &str = "cli_cert_mid";
/// The certificate subject's serialNumber: the JWT `kid`.
pub const SERIAL: &str = "5500000000000777";

/// A certificate for [`CERT_MID`] and its private key.
pub struct TestCertificate(mpos_test_certificates::TestCertificate);

impl Deref for TestCertificate {
    type Target = mpos_test_certificates::TestCertificate;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// Valid from yesterday for a year.
pub fn valid() -> TestCertificate {
    TestCertificate(make(&Spec::valid(CERT_MID, SERIAL), 0))
}

/// Ended `days_ago` days ago.
pub fn expired(days_ago: i64) -> TestCertificate {
    TestCertificate(make(&Spec::expired(CERT_MID, SERIAL, days_ago), 0))
}

/// Ends in `days` days.
pub fn expiring(days: i64) -> TestCertificate {
    TestCertificate(make(&Spec::expiring(CERT_MID, SERIAL, days), 0))
}

impl TestCertificate {
    /// The usual Business Center download: the key and its certificate, protected by [`PASSWORD`].
    pub fn p12(&self) -> Vec<u8> {
        self.0.p12(PASSWORD)
    }

    /// Writes [`TestCertificate::p12`] to `dir/name`.
    pub fn write_p12(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.p12()).expect("write p12");
        path
    }

    /// An emulator accepting JWTs signed with this certificate for [`CERT_MID`], and no shared secret.
    pub fn kms(&self) -> Kms {
        let known = EmulatorCertificate::from_der(&self.der, CERT_MID, false).expect("known");
        Kms::with_config(EmulatorConfig::with_credentials(Vec::new()).with_certificate(known))
    }
}
