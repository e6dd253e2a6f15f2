//! The shared test certificates (crates/test-certificates), with the password this crate's tests use.
#![allow(dead_code)] // each test file uses a different part

pub use mpos_test_certificates::*;

pub const PASSWORD: &str = "correct horse battery staple";

/// The usual file: the merchant's key and certificate.
pub fn p12_for(cert: &TestCertificate) -> Vec<u8> {
    cert.p12(PASSWORD)
}
