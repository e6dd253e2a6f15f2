//! Cybersource KMS for mposUi: HTTP Signature signing, the `POST /kms/v2/keys-sym-pos` client, models and
//! errors. No GUI dependency: the CLI and the desktop app both build on it.

mod answer;
pub mod client;
pub mod environment;
pub mod error;
mod lenient;
pub mod mid;
pub mod model;
mod network;
pub mod redact;
pub mod secret;
pub mod signing;
pub mod wire;

pub use client::{Auth, ClientConfig, Credentials, KmsClient, ProxyChoice};
pub use environment::{Environment, EnvironmentError, ProviderMode};
pub use error::KmsError;
pub use mid::{is_valid_mid, mid_problem};
pub use model::{IssuedKey, KeyOutcome};
pub use redact::redact;
pub use secret::{SecretString, Sensitive};
