//! REST certificates the emulator knows: each one's public key, subject serialNumber and owner.

use std::fmt;

use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::DirectoryString;

/// The subject attribute Cybersource uses as the JWT `kid`.
const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");

/// A REST certificate the emulator accepts JWTs from, and who owns it.
#[derive(Clone, PartialEq, Eq)]
pub struct EmulatorCertificate {
    /// The certificate subject's serialNumber attribute: the JWT `kid`.
    pub serial_number: String,
    /// The certificate's SubjectPublicKeyInfo, DER (an RSA key).
    pub public_key_der: Vec<u8>,
    /// The merchant, account or portfolio id that owns the certificate.
    pub organization_id: String,
    /// A meta key: `iss` names the owner, `v-c-merchant-id` the transacting merchant.
    pub meta_key: bool,
}

/// Why a certificate cannot be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The bytes are not a DER X.509 certificate.
    #[error("not a DER X.509 certificate: {0}")]
    Parse(String),
    /// The subject has no serialNumber attribute, so no JWT could name it.
    #[error("the certificate subject has no serialNumber attribute (the JWT kid)")]
    NoSerialNumber,
}

impl EmulatorCertificate {
    /// A certificate from its parts.
    pub fn new(
        serial_number: impl Into<String>,
        public_key_der: Vec<u8>,
        organization_id: impl Into<String>,
        meta_key: bool,
    ) -> Self {
        EmulatorCertificate {
            serial_number: serial_number.into(),
            public_key_der,
            organization_id: organization_id.into(),
            meta_key,
        }
    }

    /// Takes the public key and the subject serialNumber from a DER certificate.
    pub fn from_der(
        certificate_der: &[u8],
        organization_id: impl Into<String>,
        meta_key: bool,
    ) -> Result<Self, CertificateError> {
        let parse = |e: x509_cert::der::Error| CertificateError::Parse(e.to_string());
        let certificate = x509_cert::Certificate::from_der(certificate_der).map_err(parse)?;
        let tbs = certificate.tbs_certificate();
        let serial_number = tbs
            .subject()
            .by_oid::<DirectoryString>(SERIAL_NUMBER)
            .map_err(parse)?
            .map(|s| s.value().trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or(CertificateError::NoSerialNumber)?;
        let public_key_der = tbs.subject_public_key_info().to_der().map_err(parse)?;
        Ok(EmulatorCertificate::new(
            serial_number,
            public_key_der,
            organization_id,
            meta_key,
        ))
    }
}

// A public key is no secret, but hundreds of bytes of it make a config dump unreadable.
impl fmt::Debug for EmulatorCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorCertificate")
            .field("serial_number", &self.serial_number)
            .field(
                "public_key_der",
                &format_args!("<{} bytes>", self.public_key_der.len()),
            )
            .field("organization_id", &self.organization_id)
            .field("meta_key", &self.meta_key)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_parse_error() {
        assert!(matches!(
            EmulatorCertificate::from_der(b"not a certificate", "m", false),
            Err(CertificateError::Parse(_))
        ));
    }

    #[test]
    fn debug_shows_the_key_length_only() {
        let c = EmulatorCertificate::new("123", vec![7; 300], "m", false);
        let shown = format!("{c:?}");
        assert!(
            shown.contains("<300 bytes>") && shown.contains("\"123\""),
            "{shown}"
        );
    }
}
