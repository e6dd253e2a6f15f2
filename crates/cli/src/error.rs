//! The CLI's failure: an exit code, one plain line for stderr, and the detail that follows it.

use mpos_core::error::exit;
use mpos_kms::KmsError;
use mpos_store::StoreError;

/// Why a command stopped, already mapped to the exit code the spec fixes.
#[derive(Debug)]
pub struct CliError {
    /// The process exit code (2 to 5; 1 only for a partial batch).
    pub code: i32,
    /// One sentence: what happened and what to do.
    pub message: String,
    /// Technical detail printed after the message; may be empty.
    pub detail: String,
}

impl CliError {
    /// Bad usage or input (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(exit::USAGE, message, "")
    }

    /// A keychain or file problem (exit 5).
    pub fn storage(message: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(exit::STORAGE, message, detail)
    }

    /// Any code with its message and detail.
    pub fn new(code: i32, message: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            detail: detail.into(),
        }
    }
}

impl From<mpos_core::Error> for CliError {
    fn from(e: mpos_core::Error) -> Self {
        Self::new(e.exit_code(), e.to_string(), e.detail())
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        mpos_core::Error::from(e).into()
    }
}

impl From<KmsError> for CliError {
    fn from(e: KmsError) -> Self {
        mpos_core::Error::from(e).into()
    }
}
