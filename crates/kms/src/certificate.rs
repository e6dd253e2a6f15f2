//! REST certificates: the private key and the certificate inside a Cybersource `.p12` file.
//!
//! The certificate used is the one whose subject CN equals the key alias (by default the merchant or
//! owner id), exactly as Cybersource's SDKs choose it; its subject `serialNumber` becomes the JWT `kid`.

use crate::error::KmsError;
use crate::secret::SecretString;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair, RSA_PKCS1_SHA256};
use p12_keystore::error::Error as P12Error;
use p12_keystore::Pkcs12Archive;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use x509_parser::oid_registry::OID_X509_SERIALNUMBER;
use x509_parser::x509::X509Name;

/// A certificate this close to its end date gives a warning.
pub const EXPIRY_WARNING: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A `.p12` is a few KiB; anything far larger is not one, and is not read into memory.
pub const MAX_P12_BYTES: u64 = 1024 * 1024;

const BUSINESS_CENTER: &str = "the Business Center (Payment Configuration > Key Management)";

/// Where a `.p12` file comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum P12Source {
    /// A file on disk, read when the client is made.
    File(PathBuf),
    /// The file's bytes, already read.
    Bytes(Vec<u8>),
}

// The bytes are encrypted, but a dump of them helps nobody reading a log.
impl fmt::Debug for P12Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            P12Source::File(path) => f.debug_tuple("File").field(path).finish(),
            P12Source::Bytes(bytes) => write!(f, "Bytes(<{} bytes>)", bytes.len()),
        }
    }
}

impl P12Source {
    /// The file's bytes; a missing, unreadable or oversized file is `InvalidInput` naming the path.
    pub fn read(&self) -> Result<Vec<u8>, KmsError> {
        match self {
            P12Source::Bytes(bytes) => Ok(bytes.clone()),
            P12Source::File(path) => read_p12_file(path),
        }
    }
}

fn read_p12_file(path: &Path) -> Result<Vec<u8>, KmsError> {
    let shown = path.display();
    let invalid = |why: String| KmsError::InvalidInput(why);
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => invalid(format!(
            "The certificate file {shown} does not exist. Choose the .p12 file downloaded from {BUSINESS_CENTER}."
        )),
        std::io::ErrorKind::PermissionDenied => invalid(format!(
            "The certificate file {shown} cannot be read: permission denied."
        )),
        _ => invalid(format!("The certificate file {shown} cannot be read: {e}.")),
    })?;
    if !meta.is_file() {
        return Err(invalid(format!(
            "{shown} is not a file. Choose the .p12 file downloaded from {BUSINESS_CENTER}."
        )));
    }
    if meta.len() > MAX_P12_BYTES {
        return Err(invalid(format!(
            "{shown} is not a .p12 certificate file: it is {} KiB, a .p12 is a few KiB.",
            meta.len() / 1024
        )));
    }
    std::fs::read(path)
        .map_err(|e| invalid(format!("The certificate file {shown} cannot be read: {e}.")))
}

/// A loaded REST certificate: its private key, `kid` and validity. Never printed with its key.
pub struct CertificateCredential {
    key: RsaKeyPair,
    kid: String,
    key_alias: String,
    not_before: SystemTime,
    not_after: SystemTime,
    certificate_der: Vec<u8>,
}

impl fmt::Debug for CertificateCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateCredential")
            .field("kid", &self.kid)
            .field("key_alias", &self.key_alias)
            .field("not_after", &date_text(self.not_after))
            .field("key", &"<redacted>")
            .finish()
    }
}

impl CertificateCredential {
    /// Loads the certificate whose CN is `key_alias`, and its private key, from a `.p12` source.
    pub fn load(
        source: &P12Source,
        password: &SecretString,
        key_alias: &str,
    ) -> Result<Self, KmsError> {
        Self::from_pkcs12(&source.read()?, password, key_alias)
    }

    /// Loads from the bytes of a `.p12` file, checking validity against the system clock.
    pub fn from_pkcs12(
        p12: &[u8],
        password: &SecretString,
        key_alias: &str,
    ) -> Result<Self, KmsError> {
        Self::from_pkcs12_at(p12, password, key_alias, SystemTime::now())
    }

    /// Loads from the bytes of a `.p12` file, checking validity at `now`.
    pub fn from_pkcs12_at(
        p12: &[u8],
        password: &SecretString,
        key_alias: &str,
        now: SystemTime,
    ) -> Result<Self, KmsError> {
        let alias = key_alias.trim();
        if alias.is_empty() || alias.chars().any(char::is_control) {
            return Err(KmsError::InvalidInput(
                "The key alias is empty or contains a line break. Enter the merchant id the REST \
                 certificate was created for."
                    .into(),
            ));
        }
        let archive = open_archive(p12, password)?;
        let certificates: Vec<ParsedCertificate> = archive
            .certs
            .iter()
            .filter_map(|bag| ParsedCertificate::parse(bag.cert.as_der()))
            .collect();
        // p12-keystore does not zeroize its decrypted key bytes; they are dropped with `archive` below,
        // and only the key pair inside aws-lc (which wipes its memory) is kept.
        let keys: Vec<RsaKeyPair> = archive
            .keys
            .iter()
            .filter_map(|bag| RsaKeyPair::from_pkcs8(bag.key.as_der()).ok())
            .collect();
        let has_other_keys = archive.keys.len() > keys.len();
        drop(archive);

        let candidates: Vec<&ParsedCertificate> = certificates
            .iter()
            .filter(|c| c.common_names.iter().any(|cn| cn == alias))
            .collect();
        if candidates.is_empty() {
            return Err(no_certificate_for(alias, &certificates));
        }
        // Several certificates for one alias (a renewed one kept next to the old): the newest that has
        // its private key in the file.
        let (certificate, key) = candidates
            .iter()
            .filter_map(|c| {
                let key = keys
                    .iter()
                    .position(|k| k.public_key().as_ref() == c.rsa_public_key.as_slice())?;
                Some((*c, key))
            })
            .max_by_key(|(c, _)| c.not_after)
            .ok_or_else(|| no_key_for(alias, keys.is_empty(), has_other_keys))?;

        if now > certificate.not_after {
            return Err(KmsError::InvalidInput(format!(
                "The REST certificate for {alias} expired on {}. Create a new one in {BUSINESS_CENTER} \
                 and choose its .p12 file.",
                date_text(certificate.not_after)
            )));
        }
        if now < certificate.not_before {
            return Err(KmsError::InvalidInput(format!(
                "The REST certificate for {alias} is only valid from {}. Check this computer's date and time.",
                date_text(certificate.not_before)
            )));
        }
        let kid = certificate.serial_number.clone().ok_or_else(|| {
            KmsError::InvalidInput(format!(
                "The certificate for {alias} has no serialNumber in its subject, which Cybersource needs \
                 as the key id. It is not a Cybersource REST certificate: download the .p12 from \
                 {BUSINESS_CENTER}."
            ))
        })?;
        let (not_before, not_after, certificate_der) = (
            certificate.not_before,
            certificate.not_after,
            certificate.der.clone(),
        );
        let key = keys.into_iter().nth(key).ok_or_else(|| {
            KmsError::InvalidInput("The private key could not be taken from the .p12 file.".into())
        })?;
        Ok(CertificateCredential {
            key,
            kid,
            key_alias: alias.to_string(),
            not_before,
            not_after,
            certificate_der,
        })
    }

    /// The JWT `kid`: the certificate subject's serialNumber attribute.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The key alias the certificate was chosen by (its subject CN).
    pub fn key_alias(&self) -> &str {
        &self.key_alias
    }

    /// The first moment the certificate is valid.
    pub fn not_before(&self) -> SystemTime {
        self.not_before
    }

    /// The last moment the certificate is valid.
    pub fn not_after(&self) -> SystemTime {
        self.not_after
    }

    /// The certificate itself, DER (public; lets a caller show or check it).
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate_der
    }

    /// Warnings to show the user now, e.g. that the certificate expires within 30 days.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings_at(SystemTime::now())
    }

    /// Warnings as of `now`.
    pub fn warnings_at(&self, now: SystemTime) -> Vec<String> {
        let Ok(left) = self.not_after.duration_since(now) else {
            return vec![format!(
                "The REST certificate for {} expired on {}.",
                self.key_alias,
                date_text(self.not_after)
            )];
        };
        if left > EXPIRY_WARNING {
            return Vec::new();
        }
        let days = left.as_secs() / (24 * 60 * 60);
        let when = match days {
            0 => "within a day".to_string(),
            1 => "in 1 day".to_string(),
            n => format!("in {n} days"),
        };
        vec![format!(
            "The REST certificate for {} expires on {} ({when}). Create a new one in {BUSINESS_CENTER} \
             before then, and choose its .p12 file in this profile.",
            self.key_alias,
            date_text(self.not_after)
        )]
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message` (the JWS signing input).
    pub(crate) fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>, KmsError> {
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| {
                KmsError::InvalidInput(
                    "The certificate's private key could not sign the request.".into(),
                )
            })?;
        Ok(signature)
    }
}

/// The key aliases a `.p12` can be used with: the subject CNs of its certificates whose private key is in
/// the file too, sorted. Checks the password; lets a settings screen offer the aliases to choose from.
pub fn certificate_names(p12: &[u8], password: &SecretString) -> Result<Vec<String>, KmsError> {
    let archive = open_archive(p12, password)?;
    let public_keys: Vec<Vec<u8>> = archive
        .keys
        .iter()
        .filter_map(|bag| RsaKeyPair::from_pkcs8(bag.key.as_der()).ok())
        .map(|key| key.public_key().as_ref().to_vec())
        .collect();
    let mut names: Vec<String> = archive
        .certs
        .iter()
        .filter_map(|bag| ParsedCertificate::parse(bag.cert.as_der()))
        .filter(|c| public_keys.contains(&c.rsa_public_key))
        .flat_map(|c| c.common_names)
        .collect();
    names.sort_unstable();
    names.dedup();
    Ok(names)
}

/// What the loader needs from one certificate of the file.
struct ParsedCertificate {
    common_names: Vec<String>,
    serial_number: Option<String>,
    not_before: SystemTime,
    not_after: SystemTime,
    /// The subjectPublicKey bits: an RSAPublicKey (RFC 8017) for an RSA certificate.
    rsa_public_key: Vec<u8>,
    der: Vec<u8>,
}

impl ParsedCertificate {
    fn parse(der: &[u8]) -> Option<Self> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        let validity = cert.validity();
        Some(ParsedCertificate {
            common_names: strings(cert.subject().iter_common_name()),
            serial_number: first_string(cert.subject(), &OID_X509_SERIALNUMBER),
            not_before: to_system_time(validity.not_before.timestamp()),
            not_after: to_system_time(validity.not_after.timestamp()),
            rsa_public_key: cert.public_key().subject_public_key.data.to_vec(),
            der: der.to_vec(),
        })
    }
}

fn strings<'a>(
    attributes: impl Iterator<Item = &'a x509_parser::x509::AttributeTypeAndValue<'a>>,
) -> Vec<String> {
    attributes
        .filter_map(|a| a.as_str().ok())
        .map(str::to_string)
        .collect()
}

fn first_string(name: &X509Name<'_>, oid: &x509_parser::der_parser::Oid<'_>) -> Option<String> {
    name.iter_by_oid(oid)
        .filter_map(|a| a.as_str().ok())
        .map(str::trim)
        .find(|s| !s.is_empty())
        .map(str::to_string)
}

fn to_system_time(unix_secs: i64) -> SystemTime {
    let magnitude = Duration::from_secs(unix_secs.unsigned_abs());
    let shifted = if unix_secs >= 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    };
    shifted.unwrap_or(UNIX_EPOCH)
}

/// `2026-12-01`, UTC.
fn date_text(t: SystemTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::OffsetDateTime::from(t)
        .format(&format)
        .unwrap_or_else(|_| "an unknown date".into())
}

/// Opens the archive, turning p12-keystore's errors into what the user should do.
fn open_archive(p12: &[u8], password: &SecretString) -> Result<Pkcs12Archive, KmsError> {
    if p12.trim_ascii_start().starts_with(b"-----BEGIN") {
        return Err(KmsError::InvalidInput(
            "This is a PEM text file, not a .p12 file. Choose the .p12 file downloaded from the \
             Business Center."
                .into(),
        ));
    }
    if !looks_like_pfx(p12) {
        return Err(KmsError::InvalidInput(
            "This file is not a .p12 (PKCS#12) certificate file. Choose the .p12 file downloaded from \
             the Business Center."
                .into(),
        ));
    }
    Pkcs12Archive::from_pkcs12(p12, password.expose()).map_err(|e| {
        KmsError::InvalidInput(match e {
            P12Error::MacError(_) => "The .p12 password is wrong. Enter the password that was set \
                 when the certificate was created in the Business Center."
                .into(),
            P12Error::UnsupportedEncryptionScheme | P12Error::UnsupportedMacAlgorithm => {
                "The .p12 file uses an encryption this app cannot read. Download it again from the \
                 Business Center."
                    .into()
            }
            // Without a MAC, a wrong password shows up as undecryptable or unparsable contents.
            _ => "The .p12 file could not be decrypted: the password is probably wrong, or the file is \
                 damaged. Check the password, or download the file again."
                .into(),
        })
    })
}

/// A PFX is a DER (or BER) SEQUENCE whose first element is `INTEGER 3`: cheap, and it tells a `.p12`
/// apart from a certificate, a key or a random file before any password is tried.
fn looks_like_pfx(bytes: &[u8]) -> bool {
    let [0x30, length, rest @ ..] = bytes else {
        return false;
    };
    let skip = match *length {
        // The short form, or BER's indefinite length: no length bytes to skip.
        0..=0x80 => 0,
        0x81..=0x84 => usize::from(length - 0x80),
        _ => return false,
    };
    rest.get(skip..skip + 3) == Some(&[0x02, 0x01, 0x03][..])
}

fn no_certificate_for(alias: &str, certificates: &[ParsedCertificate]) -> KmsError {
    let mut names: Vec<&str> = certificates
        .iter()
        .flat_map(|c| c.common_names.iter().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    let found = if names.is_empty() {
        "It holds no certificate with a common name.".to_string()
    } else {
        format!("It holds certificates for: {}.", names.join(", "))
    };
    KmsError::InvalidInput(format!(
        "The .p12 file has no certificate for the key alias \"{alias}\". {found} Set the key alias to the \
         merchant id the certificate was created for."
    ))
}

fn no_key_for(alias: &str, no_rsa_keys: bool, has_other_keys: bool) -> KmsError {
    let why = if has_other_keys && no_rsa_keys {
        "its private key is not an RSA key of 2048 to 8192 bits, as Cybersource REST certificates have"
            .to_string()
    } else if no_rsa_keys {
        "the file holds no private key (only certificates)".to_string()
    } else {
        "the private key in the file belongs to another certificate".to_string()
    };
    KmsError::InvalidInput(format!(
        "The .p12 file has the certificate for {alias}, but {why}. Download the .p12 with its private key \
         from {BUSINESS_CENTER}."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pfx_shape_is_recognised() {
        assert!(looks_like_pfx(&[0x30, 0x05, 0x02, 0x01, 0x03, 0x30, 0x00]));
        assert!(looks_like_pfx(&[0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03]));
        assert!(looks_like_pfx(&[0x30, 0x80, 0x02, 0x01, 0x03]));
        // A certificate starts SEQUENCE { SEQUENCE ... }, a PEM file with text.
        assert!(!looks_like_pfx(&[0x30, 0x82, 0x01, 0x00, 0x30, 0x82]));
        assert!(!looks_like_pfx(b"-----BEGIN CERTIFICATE-----"));
        assert!(!looks_like_pfx(&[]));
        assert!(!looks_like_pfx(&[0x30, 0x85, 0, 0, 0, 0, 0, 2, 1, 3]));
    }

    #[test]
    fn source_debug_hides_the_bytes() {
        let shown = format!("{:?}", P12Source::Bytes(vec![0xAB; 3]));
        assert_eq!(shown, "Bytes(<3 bytes>)");
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = P12Source::File("/nonexistent/dir/merchant.p12".into())
            .read()
            .unwrap_err();
        assert!(
            matches!(&err, KmsError::InvalidInput(m) if m.contains("/nonexistent/dir/merchant.p12") && m.contains("does not exist")),
            "{err:?}"
        );
    }

    #[test]
    fn dates_are_utc_days() {
        let t = UNIX_EPOCH + Duration::from_secs(1_796_115_605);
        assert_eq!(date_text(t), "2026-12-01");
        assert_eq!(to_system_time(-5), UNIX_EPOCH - Duration::from_secs(5));
    }
}
