//! What the commands send to the webview, in the camelCase shapes of docs/ARCHITECTURE.md. None of these types
//! carries a secret: a generated secret leaves Rust only as the plain string `key_reveal` returns.

use crate::state::SessionKey;
use mpos_core::GenerateReport;
use mpos_kms::Environment;
use mpos_store::config::{AuthMethod, Profile};
use mpos_store::vault::VaultEntry;
use serde::Serialize;

/// A profile without its secret.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    /// The profile's name.
    pub name: String,
    /// The environment token (`test`, `production`, …, `demo` or a base URL).
    pub environment: String,
    /// A human label, e.g. "Cybersource test".
    pub environment_label: String,
    /// `TEST` or `LIVE`.
    pub provider_mode: String,
    /// `sharedSecret` or `certificate`.
    pub auth_type: String,
    /// The REST key id (shared secret), if any.
    pub key_id: Option<String>,
    /// Where the `.p12` file is (certificate); the file itself never leaves Rust.
    pub p12_path: Option<String>,
    /// The key alias inside the `.p12` (certificate); `None` uses the organization id.
    pub key_alias: Option<String>,
    /// The id that owns the credential.
    pub organization_id: Option<String>,
    /// Whether the credential is a portfolio/account meta key.
    pub meta_key: bool,
    /// Whether its secret is in the keychain (always true for the demo, whose credential is built in).
    pub secret_stored: bool,
    /// The built-in offline demo.
    pub is_demo: bool,
    /// Its merchants, in order.
    pub merchants: Vec<MerchantView>,
}

/// A merchant of a profile.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantView {
    /// The transacting Cybersource MID.
    pub mid: String,
    /// The friendly label.
    pub label: String,
}

impl ProfileView {
    /// Builds the view; `secret_stored` is the caller's keychain check.
    pub fn new(profile: &Profile, secret_stored: bool) -> Self {
        let env = Environment::parse(&profile.environment).ok();
        let is_demo = env == Some(Environment::Demo);
        let (auth_type, key_id, p12_path, key_alias) = match &profile.auth {
            AuthMethod::SharedSecret { key_id } => {
                ("sharedSecret", Some(key_id.clone()), None, None)
            }
            AuthMethod::Certificate {
                p12_path,
                key_alias,
            } => (
                "certificate",
                None,
                Some(p12_path.display().to_string()),
                key_alias.clone(),
            ),
        };
        Self {
            name: profile.name.clone(),
            environment: profile.environment.clone(),
            environment_label: env
                .as_ref()
                .map(Environment::label)
                .unwrap_or_else(|| profile.environment.clone()),
            provider_mode: env
                .as_ref()
                .map(|e| e.provider_mode().as_str())
                .unwrap_or("TEST")
                .to_string(),
            auth_type: auth_type.to_string(),
            key_id,
            p12_path,
            key_alias,
            organization_id: profile.organization_id.clone(),
            meta_key: profile.meta_key,
            secret_stored: is_demo || secret_stored,
            is_demo,
            merchants: profile
                .merchants
                .iter()
                .map(|m| MerchantView {
                    mid: m.mid.clone(),
                    label: m.label.clone(),
                })
                .collect(),
        }
    }
}

/// A generated key without its secret.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    /// The id Cybersource gave the key.
    pub key_id: String,
    /// The transacting MID it was generated for.
    pub cybersource_merchant_id: String,
    /// The mposUi merchant id (`externalOrganizationId`).
    pub merchant_id: String,
    /// Normally `ACTIVE`.
    pub status: String,
    /// RFC 3339, when Cybersource gave one.
    pub expiration_date: Option<String>,
    /// `TEST` or `LIVE`.
    pub provider_mode: String,
    /// The profile it was generated with.
    pub profile: String,
    /// The vault holds it.
    pub stored: bool,
    /// It was written to a file.
    pub exported: bool,
}

impl From<&SessionKey> for KeyView {
    fn from(k: &SessionKey) -> Self {
        Self {
            key_id: k.key.key_id.clone(),
            cybersource_merchant_id: k.key.cybersource_merchant_id.clone(),
            merchant_id: k.key.merchant_id.clone(),
            status: k.key.status.clone(),
            expiration_date: k.key.expiration_date.clone(),
            provider_mode: k.environment.provider_mode().as_str().to_string(),
            profile: k.profile.clone(),
            stored: k.stored,
            exported: k.exported,
        }
    }
}

/// A merchant that got no key in a generate run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureView {
    /// The MID that was asked for.
    pub cybersource_merchant_id: String,
    /// Stable code, e.g. `merchant_refused`, `auth_refused`.
    pub code: String,
    /// One sentence that says what happened and what to do.
    pub message: String,
    /// Cybersource's status, reason and message.
    pub detail: String,
}

/// What `generate_keys` returns.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateView {
    /// The environment token.
    pub environment: String,
    /// `TEST` or `LIVE`.
    pub provider_mode: String,
    /// Keys issued, in the order asked for.
    pub keys: Vec<KeyView>,
    /// Merchants without a key.
    pub failures: Vec<FailureView>,
    /// Set when keys were issued but could not be stored: download or copy them now.
    pub storage_warning: Option<String>,
    /// About the credential, e.g. a REST certificate expiring within 30 days.
    pub warnings: Vec<String>,
}

impl GenerateView {
    /// Builds the view of a report whose keys the session already holds; `warnings` are the credential's.
    pub fn new(report: &GenerateReport, warnings: Vec<String>) -> Self {
        let provider_mode = report.provider_mode().as_str().to_string();
        Self {
            environment: report.environment.token(),
            provider_mode: provider_mode.clone(),
            keys: report
                .keys
                .iter()
                .map(|k| KeyView {
                    key_id: k.key.key_id.clone(),
                    cybersource_merchant_id: k.key.cybersource_merchant_id.clone(),
                    merchant_id: k.key.merchant_id.clone(),
                    status: k.key.status.clone(),
                    expiration_date: k.key.expiration_date.clone(),
                    provider_mode: provider_mode.clone(),
                    profile: report.profile.clone(),
                    stored: k.stored,
                    exported: false,
                })
                .collect(),
            failures: report
                .failures
                .iter()
                .map(|f| FailureView {
                    cybersource_merchant_id: f.cybersource_merchant_id.clone(),
                    code: f.error.code().to_string(),
                    message: f.error.to_string(),
                    detail: f.error.detail(),
                })
                .collect(),
            storage_warning: report.storage_warning.clone(),
            warnings,
        }
    }
}

/// A key from the history: a [`KeyView`] plus when, where, and when it was exported.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryView {
    /// The key's fields.
    #[serde(flatten)]
    pub key: KeyView,
    /// When it was generated, RFC 3339 UTC.
    pub generated_at: String,
    /// When it was last written to a file.
    pub exported_at: Option<String>,
    /// The environment token.
    pub environment: String,
    /// The status Cybersource last reported, when it was asked.
    pub last_status: Option<String>,
    /// When it was asked.
    pub checked_at: Option<String>,
    /// When the key was deleted at Cybersource (its secret is gone then).
    pub deleted_at: Option<String>,
    /// The profile that deleted it.
    pub deleted_by: Option<String>,
}

impl From<&VaultEntry> for HistoryView {
    fn from(e: &VaultEntry) -> Self {
        Self {
            key: KeyView {
                key_id: e.key_id.clone(),
                cybersource_merchant_id: e.cybersource_merchant_id.clone(),
                merchant_id: e.merchant_id.clone(),
                status: e.status.clone(),
                expiration_date: e.expiration_date.clone(),
                provider_mode: e.provider_mode.as_str().to_string(),
                profile: e.profile.clone(),
                stored: e.deleted_at.is_none(),
                exported: e.exported_at.is_some(),
            },
            generated_at: e.generated_at.clone(),
            exported_at: e.exported_at.clone(),
            environment: e.environment.clone(),
            last_status: e.last_status.clone(),
            checked_at: e.checked_at.clone(),
            deleted_at: e.deleted_at.clone(),
            deleted_by: e.deleted_by.clone(),
        }
    }
}

/// The payload of `generate-progress`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Progress {
    /// Merchants answered so far.
    pub done: usize,
    /// Merchants asked for.
    pub total: usize,
}
