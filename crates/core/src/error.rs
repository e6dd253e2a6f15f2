//! The one error of the workflow, mapped once to the UI's `{code, message, detail}` and the CLI's exit codes.

use mpos_kms::KmsError;
use mpos_store::StoreError;
use serde::Serialize;

/// Anything the generate-and-keep workflow can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Talking to the KMS failed, or it refused.
    #[error(transparent)]
    Kms(#[from] KmsError),
    /// Reading or writing profiles, the keychain, the vault or a file failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The request itself is wrong (missing profile, nothing to generate, conflicting options).
    #[error("{0}")]
    Usage(String),
}

/// How the UI receives an error: a stable code, one plain sentence, and the raw detail behind a toggle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorPayload {
    /// Stable machine-readable code, e.g. `auth_refused`, `keychain_unavailable`.
    pub code: String,
    /// One sentence that says what happened and what to do.
    pub message: String,
    /// Cybersource's status, reason and message, or other technical detail; may be empty.
    pub detail: String,
}

/// The CLI's exit codes, as the product spec fixes them.
pub mod exit {
    /// Every key generated.
    pub const OK: i32 = 0;
    /// Some merchants failed; the rest were still written.
    pub const PARTIAL: i32 = 1;
    /// Bad usage or input.
    pub const USAGE: i32 = 2;
    /// Authentication refused.
    pub const AUTH: i32 = 3;
    /// Network or server error.
    pub const NETWORK: i32 = 4;
    /// Keychain or file storage error.
    pub const STORAGE: i32 = 5;
    /// Stopped with Ctrl-C; what was issued before is kept and written (128 + SIGINT, as shells say).
    pub const INTERRUPTED: i32 = 130;
}

impl Error {
    /// The stable code shown to the UI.
    pub fn code(&self) -> String {
        match self {
            Error::Kms(e) => e.code().to_string(),
            Error::Store(e) => e.code().to_string(),
            Error::Usage(_) => "usage".to_string(),
        }
    }

    /// Technical detail for a "Details" view.
    pub fn detail(&self) -> String {
        match self {
            Error::Kms(e) => e.detail(),
            Error::Store(_) | Error::Usage(_) => String::new(),
        }
    }

    /// The exit code the CLI ends with.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Kms(e) => kms_exit_code(e),
            Error::Store(StoreError::InvalidInput(_))
            | Error::Store(StoreError::NotFound(_))
            | Error::Store(StoreError::Duplicate(_))
            | Error::Store(StoreError::ExportExists { .. })
            | Error::Usage(_) => exit::USAGE,
            Error::Store(_) => exit::STORAGE,
        }
    }

    /// The structured form the UI receives.
    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code(),
            message: self.to_string(),
            detail: self.detail(),
        }
    }
}

/// The exit code for a KMS failure.
pub fn kms_exit_code(e: &KmsError) -> i32 {
    match e {
        KmsError::InvalidInput(_) => exit::USAGE,
        KmsError::AuthenticationRefused { .. } => exit::AUTH,
        KmsError::MerchantRefused { .. } => exit::PARTIAL,
        KmsError::Rejected { .. }
        | KmsError::Server { .. }
        | KmsError::UnexpectedResponse { .. }
        | KmsError::Network { .. } => exit::NETWORK,
        KmsError::Interrupted(_) => exit::INTERRUPTED,
    }
}

impl From<&Error> for ErrorPayload {
    fn from(e: &Error) -> Self {
        e.payload()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mpos_kms::error::NetworkKind;

    #[test]
    fn exit_codes_follow_the_spec() {
        let auth = Error::Kms(KmsError::AuthenticationRefused {
            message: "refused".into(),
            clock_skew_secs: None,
            detail: String::new(),
        });
        assert_eq!(auth.exit_code(), 3);
        let net = Error::Kms(KmsError::Network {
            kind: NetworkKind::ConnectionRefused,
            message: "down".into(),
            may_have_reached_server: false,
        });
        assert_eq!(net.exit_code(), 4);
        assert_eq!(Error::Usage("no".into()).exit_code(), 2);
        assert_eq!(
            Error::Kms(KmsError::InvalidInput("bad mid".into())).exit_code(),
            2
        );
    }

    #[test]
    fn payload_carries_code_message_and_detail() {
        let e = Error::Kms(KmsError::Server {
            status: 502,
            reason: Some("SYSTEM_ERROR".into()),
            message: "Cybersource had a problem. Try again in a few minutes.".into(),
            detail: "upstream".into(),
        });
        let p = e.payload();
        assert_eq!(p.code, "server_error");
        assert!(p.message.contains("Try again"));
        assert!(p.detail.contains("502") && p.detail.contains("SYSTEM_ERROR"));
    }
}
