//! Cybersource KMS for mposUi: HTTP Signature signing, REST certificate JWTs, the `POST /kms/v2/keys-sym-pos`
//! client, device activation codes, models and errors. No GUI dependency: the CLI and the desktop app both
//! build on it.

pub mod activation;
mod answer;
mod authenticate;
pub mod certificate;
pub mod client;
pub mod environment;
pub mod error;
pub mod jwt;
mod lenient;
pub mod lifecycle;
pub mod mid;
pub mod model;
mod network;
pub mod redact;
pub mod secret;
pub mod signing;
pub mod wire;

pub use activation::{ActivationCode, CodesOutcome, MAX_CODES_PER_CALL};
pub use certificate::{certificate_names, CertificateCredential, P12Source};
pub use client::{Auth, ClientConfig, Credentials, KmsClient, ProxyChoice, StopHandle};
pub use environment::{Environment, EnvironmentError, ProviderMode};
pub use error::KmsError;
pub use lifecycle::{DeleteOutcome, KeyRef, KeyStatus};
pub use mid::{is_valid_mid, mid_problem};
pub use model::{IssuedKey, KeyOutcome};
pub use redact::redact;
pub use secret::{SecretString, Sensitive};

/// Reads one HTTP answer (status, optional `Date`, body) into per-merchant outcomes exactly as the client
/// does after a request for `mids`. An entry point for the fuzzer and tests of the response parser; not
/// part of the supported API.
#[doc(hidden)]
pub fn outcomes_from_answer(
    mids: &[String],
    status: u16,
    server_date: Option<std::time::SystemTime>,
    body: &[u8],
) -> Vec<KeyOutcome> {
    let answer = answer::Answer {
        status,
        server_date,
        received_at: std::time::SystemTime::now(),
        body: zeroize::Zeroizing::new(body.to_vec()),
    };
    answer::outcomes(mids, &answer)
}

/// Reads one answer to a key status request, as the client does. For the fuzzer and tests only.
#[doc(hidden)]
pub fn key_status_from_answer(status: u16, body: &[u8]) -> Result<KeyStatus, KmsError> {
    lifecycle::status_from_answer(&raw_answer(status, body))
}

/// Reads one answer to a delete request for `keys`, as the client does. For the fuzzer and tests only.
#[doc(hidden)]
pub fn delete_outcomes_from_answer(
    keys: &[KeyRef],
    status: u16,
    body: &[u8],
) -> Vec<DeleteOutcome> {
    lifecycle::delete_outcomes(keys, &raw_answer(status, body))
}

fn raw_answer(status: u16, body: &[u8]) -> answer::Answer {
    answer::Answer {
        status,
        server_date: None,
        received_at: std::time::SystemTime::now(),
        body: zeroize::Zeroizing::new(body.to_vec()),
    }
}
