//! The generate-and-keep workflow shared by the `mpos-keygen` CLI and the desktop app: resolve credentials,
//! ask the KMS, keep every issued key in the vault before anyone shows or exports it, report per merchant.

pub mod codes;
pub mod connection;
pub mod demo;
pub mod error;
pub mod keygen;
pub mod lifecycle;
pub mod remember;
pub mod report;

pub use codes::{CodesReport, MerchantCodesResult};
pub use connection::{Connection, DirectCredentials, Source};
pub use error::{Error, ErrorPayload};
pub use keygen::{Keygen, DEMO_PROFILE};
pub use lifecycle::{DeleteReport, DeleteResult, ReplaceReport, StatusReport, StatusResult};
pub use remember::{KeychainCheck, Remember};
pub use report::{Failure, GenerateReport, GeneratedKey};
