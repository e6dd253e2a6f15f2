//! Which of the served calls a request line is for; anything else is answered 404 before verifying.

use crate::activation::{self, CodesTarget};
use crate::lifecycle::{DELETES_PATH, STATUS_PATH_PREFIX};
use crate::verify::KEYS_PATH;

/// The requests the emulator serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route<'a> {
    /// `POST /kms/v2/keys-sym-pos`.
    Generate,
    /// `GET /kms/v2/keys-sym/{keyId}`.
    Status(&'a str),
    /// `POST /kms/v2/keys-sym/deletes`.
    Delete,
    /// `POST /dms/v2/merchants/{MID}/activation-codes?size=N`.
    Codes(CodesTarget<'a>),
}

impl<'a> Route<'a> {
    /// The route of a request line, `None` for anything else.
    pub(crate) fn of(method: &str, target: &'a str) -> Option<Route<'a>> {
        match method {
            "POST" if target == KEYS_PATH => Some(Route::Generate),
            "POST" if target == DELETES_PATH => Some(Route::Delete),
            "POST" => activation::parse_target(target).map(Route::Codes),
            "GET" => {
                let id = target.strip_prefix(STATUS_PATH_PREFIX)?;
                let plain =
                    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                plain.then_some(Route::Status(id))
            }
            _ => None,
        }
    }

    /// Whether requests of this route carry a JSON body (and so a digest).
    pub(crate) fn has_body(&self) -> bool {
        !matches!(self, Route::Status(_))
    }
}
