//! What the KMS call returns to our callers, independent of the wire format.

use crate::error::KmsError;
use crate::secret::SecretString;

/// A key Cybersource issued for one merchant.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// The transacting Cybersource MID (`organizationId`).
    pub cybersource_merchant_id: String,
    /// The mposUi merchant id (`externalOrganizationId`), not the MID.
    pub merchant_id: String,
    /// The Acceptance Devices Secret Key (`key`), shown once by Cybersource.
    pub secret: SecretString,
    /// The id Cybersource gave the key (`keyId`).
    pub key_id: String,
    /// The key's status, normally `ACTIVE`.
    pub status: String,
    /// When the key expires, as Cybersource wrote it (RFC 3339).
    pub expiration_date: Option<String>,
}

/// The result for one requested merchant, in the order the merchants were asked for.
#[derive(Debug, Clone)]
pub enum KeyOutcome {
    /// A key was issued.
    Issued(IssuedKey),
    /// No key for this merchant: refused per key, or its chunk's request failed.
    Failed {
        /// The MID that was asked for.
        cybersource_merchant_id: String,
        /// Why; `KmsError::MerchantRefused` for a per-key FAILED element.
        error: KmsError,
    },
}

impl KeyOutcome {
    /// The MID this outcome belongs to.
    pub fn cybersource_merchant_id(&self) -> &str {
        match self {
            KeyOutcome::Issued(k) => &k.cybersource_merchant_id,
            KeyOutcome::Failed {
                cybersource_merchant_id,
                ..
            } => cybersource_merchant_id,
        }
    }
}
