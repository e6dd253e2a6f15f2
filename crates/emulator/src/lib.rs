//! A local emulator of Cybersource's `POST /kms/v2/keys-sym-pos`, the call that generates mposUi
//! "Acceptance Devices Secret Keys", of the calls that check a key's status and delete keys, and of
//! `POST /dms/v2/merchants/{MID}/activation-codes?size=N`, the call that makes one-time device activation
//! codes (its inferences: see the `activation` module).
//!
//! The real endpoint cannot be reached from our machines, so tests, the app's offline demo and
//! `mpos-keygen emulator` run against this one. It verifies every request as the spec says (its own
//! verifier, sharing no code with `mpos-kms`), answers like the real service, and can inject faults.
//!
//! Inferences the spec leaves open, enforced here so the client keeps to them:
//! - at most [`MAX_ELEMENTS`] merchants per request (the client chunks);
//! - with a meta key, the `v-c-merchant-id` header is the first merchant of the request body;
//! - a REST certificate JWT's `exp` is exactly `iat` + 120 and its `jti` is never accepted twice.

#![warn(missing_docs)]

mod activation;
mod certificate;
mod config;
mod faults;
mod http;
mod issue;
mod jwt;
mod lifecycle;
mod responses;
mod route;
mod server;
mod verify;

pub use activation::{IssuedCodes, CODE_TTL_MS, MAX_CODES};
pub use certificate::{CertificateError, EmulatorCertificate};
pub use config::{
    demo, is_well_formed_mid, EmulatorConfig, EmulatorCredential, MerchantPolicy,
    DEFAULT_MAX_CLOCK_SKEW, MAX_MID_LEN,
};
pub use faults::{Fault, DEFAULT_SLOW};
pub use issue::{external_organization_id, IssuedRecord, MAX_ELEMENTS};
pub use jwt::{
    authenticate, verify_jwt, SeenTokens, JWT_ALGORITHM, JWT_LIFETIME_SECS, MAX_IAT_SKEW,
};
pub use lifecycle::{DELETES_PATH, STATUS_PATH_PREFIX};
pub use responses::REJECTION_HEADER;
pub use server::Emulator;
pub use verify::{
    digest_of, verify, Rejection, RequestParts, Verified, ALGORITHM, KEYS_PATH, SIGNED_HEADERS,
    SIGNED_HEADERS_GET,
};
