//! What one generate run produced: kept keys, refused merchants, and how to sum it up.

use crate::error::{exit, kms_exit_code};
use mpos_kms::{Environment, IssuedKey, KmsError, ProviderMode};
use mpos_store::export::{ExportBatch, ExportFailure};

/// A key that was issued, and whether the vault kept it.
#[derive(Debug, Clone)]
pub struct GeneratedKey {
    /// The key as Cybersource issued it.
    pub key: IssuedKey,
    /// True once the secret is in the keychain and the metadata in the history.
    pub stored: bool,
}

/// A merchant that got no key, and why.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The MID that was asked for.
    pub cybersource_merchant_id: String,
    /// Why it got no key.
    pub error: KmsError,
}

/// The result of one generate run, in the order the merchants were asked for.
#[derive(Debug, Clone)]
pub struct GenerateReport {
    /// Where the keys came from.
    pub environment: Environment,
    /// The profile name (or the environment token for direct credentials).
    pub profile: String,
    /// When the run finished, RFC 3339 UTC.
    pub generated_at: String,
    /// Keys issued.
    pub keys: Vec<GeneratedKey>,
    /// Merchants refused or not reached.
    pub failures: Vec<Failure>,
    /// Set when issued keys could not be kept in the vault: they exist only in this report.
    pub storage_warning: Option<String>,
}

impl GenerateReport {
    /// TEST or LIVE, from the environment.
    pub fn provider_mode(&self) -> ProviderMode {
        self.environment.provider_mode()
    }

    /// The batch in the shape the export writer takes.
    pub fn export_batch(&self) -> ExportBatch {
        ExportBatch {
            environment: self.environment.token(),
            provider_mode: self.provider_mode(),
            generated_at: self.generated_at.clone(),
            keys: self.keys.iter().map(|k| k.key.clone()).collect(),
            errors: self
                .failures
                .iter()
                .map(|f| ExportFailure {
                    cybersource_merchant_id: f.cybersource_merchant_id.clone(),
                    message: f.error.to_string(),
                })
                .collect(),
        }
    }

    /// 0 when every merchant got a key, 1 when some did; with none, the code of what stopped them.
    pub fn exit_code(&self) -> i32 {
        if self.failures.is_empty() {
            return exit::OK;
        }
        if self
            .failures
            .iter()
            .any(|f| matches!(f.error, KmsError::Interrupted(_)))
        {
            return exit::INTERRUPTED;
        }
        if !self.keys.is_empty() {
            return exit::PARTIAL;
        }
        // Nothing was issued: the most telling request-level failure decides (auth before network).
        self.failures
            .iter()
            .map(|f| kms_exit_code(&f.error))
            .filter(|&code| code != exit::PARTIAL)
            .min_by_key(|&code| match code {
                exit::AUTH => 0,
                exit::NETWORK => 1,
                _ => 2,
            })
            .unwrap_or(exit::PARTIAL)
    }
}
