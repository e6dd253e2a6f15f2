//! The `#[tauri::command]`s the webview calls, one module per area (see docs/ARCHITECTURE.md, "Tauri
//! commands"). They live in modules, not in `lib.rs`, because a command defined at the crate root clashes with
//! its own generated macro (E0255). Each is thin glue over `mpos-core` and rejects with `{code,message,detail}`.

pub mod app;
pub mod codes;
pub mod generate;
pub mod history;
pub mod keys;
pub mod lifecycle;
pub mod merchants;
pub mod profiles;
pub mod settings;

use mpos_core::{Error, ErrorPayload};

/// What every command returns.
pub type CmdResult<T> = Result<T, ErrorPayload>;

/// Maps any core, store or KMS error to the UI's payload.
pub fn payload<E: Into<Error>>(e: E) -> ErrorPayload {
    e.into().payload()
}

/// A payload for a problem found in this crate, with its own stable code.
pub fn problem(code: &str, message: impl Into<String>) -> ErrorPayload {
    ErrorPayload {
        code: code.to_string(),
        message: message.into(),
        detail: String::new(),
    }
}
