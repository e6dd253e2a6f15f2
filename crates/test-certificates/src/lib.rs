//! REST certificates made at test time for the workspace's tests: RSA keys and self-signed certificates
//! (rcgen), wrapped in `.p12` files (p12-keystore's writer). No private key is ever committed. A dev-dependency
//! only: nothing that ships links it.

use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
    PrivateKeyChain,
};
use rcgen::{CertificateParams, DistinguishedName, DnType, DnValue, KeyPair, PKCS_RSA_SHA256};
use std::sync::OnceLock;
use time::{Duration, OffsetDateTime};

/// A certificate and the PKCS#8 DER of its private key.
#[derive(Clone)]
pub struct TestCertificate {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// Its private key, PKCS#8 DER.
    pub key_pkcs8: Vec<u8>,
}

impl TestCertificate {
    /// The usual Business Center download: this key with its certificate, protected by `password`.
    pub fn p12(&self, password: &str) -> Vec<u8> {
        p12(
            &[Entry::KeyWith(&self.key_pkcs8, vec![&self.der])],
            password,
        )
    }
}

/// What goes into one certificate.
pub struct Spec<'a> {
    /// The subject's common name (Cybersource puts the MID there).
    pub cn: &'a str,
    /// The subject's serialNumber (the JWT `kid`), if any.
    pub serial: Option<&'a str>,
    /// Valid from.
    pub not_before: OffsetDateTime,
    /// Valid until.
    pub not_after: OffsetDateTime,
}

impl<'a> Spec<'a> {
    /// Valid from yesterday for a year.
    pub fn valid(cn: &'a str, serial: &'a str) -> Spec<'a> {
        let now = OffsetDateTime::now_utc();
        Spec {
            cn,
            serial: Some(serial),
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(365),
        }
    }

    /// Ended `days_ago` days ago.
    pub fn expired(cn: &'a str, serial: &'a str, days_ago: i64) -> Spec<'a> {
        let now = OffsetDateTime::now_utc();
        Spec {
            not_before: now - Duration::days(400),
            not_after: now - Duration::days(days_ago),
            ..Spec::valid(cn, serial)
        }
    }

    /// Ends in `days` days.
    pub fn expiring(cn: &'a str, serial: &'a str, days: i64) -> Spec<'a> {
        Spec {
            not_after: OffsetDateTime::now_utc() + Duration::days(days),
            ..Spec::valid(cn, serial)
        }
    }
}

/// Key generation is slow: at most two RSA keys per test binary, each made when first asked for and shared
/// by every certificate.
pub fn key(which: usize) -> KeyPair {
    static KEYS: [OnceLock<Vec<u8>>; 2] = [OnceLock::new(), OnceLock::new()];
    let der = KEYS[which].get_or_init(|| {
        KeyPair::generate_for(&PKCS_RSA_SHA256)
            .expect("RSA key")
            .serialize_der()
    });
    KeyPair::try_from(der.as_slice()).expect("stored key")
}

/// A self-signed certificate for `spec`, with key number `which` (0 or 1).
pub fn make(spec: &Spec<'_>, which: usize) -> TestCertificate {
    let key = key(which);
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, spec.cn);
    if let Some(serial) = spec.serial {
        name.push(
            DnType::CustomDnType(vec![2, 5, 4, 5]),
            DnValue::PrintableString(serial.try_into().unwrap()),
        );
    }
    params.distinguished_name = name;
    params.not_before = spec.not_before;
    params.not_after = spec.not_after;
    let cert = params.self_signed(&key).unwrap();
    TestCertificate {
        der: cert.der().to_vec(),
        key_pkcs8: key.serialize_der(),
    }
}

/// What goes into one `.p12`.
pub enum Entry<'a> {
    /// A private key with its certificate chain (leaf first).
    KeyWith(&'a [u8], Vec<&'a [u8]>),
    /// A certificate alone (like the CA certificates Cybersource puts next to the merchant's).
    CertificateOnly(&'a [u8]),
}

/// A `.p12` with modern encryption (PBES2, AES-256, HMAC-SHA256).
pub fn p12(entries: &[Entry<'_>], password: &str) -> Vec<u8> {
    keystore(entries).writer(password).write().unwrap()
}

/// A `.p12` with the legacy encryption older tools (and many Business Center downloads) use.
pub fn legacy_p12(entries: &[Entry<'_>], password: &str) -> Vec<u8> {
    keystore(entries)
        .writer(password)
        .encryption_algorithm(EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
        .mac_algorithm(MacAlgorithm::HmacSha1)
        .write()
        .unwrap()
}

fn keystore(entries: &[Entry<'_>]) -> KeyStore {
    let mut store = KeyStore::new();
    for (i, entry) in entries.iter().enumerate() {
        let alias = format!("entry{i}");
        match entry {
            Entry::KeyWith(key, chain) => {
                let certs = chain.iter().map(|der| Certificate::from_der(der).unwrap());
                let chain = PrivateKeyChain::new(
                    alias.as_bytes(),
                    PrivateKey::from_der(key).unwrap(),
                    certs,
                );
                store.add_entry(&alias, KeyStoreEntry::PrivateKeyChain(chain));
            }
            Entry::CertificateOnly(der) => {
                let cert = Certificate::from_der(der).unwrap();
                store.add_entry(&alias, KeyStoreEntry::Certificate(cert));
            }
        }
    }
    store
}
