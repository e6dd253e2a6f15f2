//! Reads Cybersource's HTTP answer: per-merchant outcomes for a 2xx, one `KmsError` for anything else.

use crate::error::KmsError;
use crate::model::{IssuedKey, KeyOutcome};
use crate::redact::{redact, snippet};
use crate::wire::{ErrorBody, KeyInfo, KeyResponse};
use std::time::SystemTime;
use zeroize::Zeroizing;

/// Our clock and Cybersource's may differ this much before a 401 blames the clock first.
pub const MAX_CLOCK_SKEW_SECS: i64 = 120;

const MAYBE_ISSUED: &str =
    "Keys may have been issued: check Key Management in the Business Center before \
                            trying again, because trying again issues more keys.";
const NOT_RETRIED: &str =
    "Try again in a few minutes; nothing was retried automatically because a retry could \
                           issue a second key.";

/// One complete HTTP answer.
pub(crate) struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The server's `Date` header, when it sent a valid one.
    pub server_date: Option<SystemTime>,
    /// When we received the answer, to compare with `server_date`.
    pub received_at: SystemTime,
    /// The body, wiped on drop because a 2xx body holds secret keys.
    pub body: Zeroizing<Vec<u8>>,
}

/// The outcome for each of `mids` (in that order) from the answer to the request that asked for them.
pub(crate) fn outcomes(mids: &[String], answer: &Answer) -> Vec<KeyOutcome> {
    let fail_all = |error: KmsError| -> Vec<KeyOutcome> {
        mids.iter()
            .map(|m| KeyOutcome::Failed {
                cybersource_merchant_id: m.clone(),
                error: error.clone(),
            })
            .collect()
    };
    if !(200..300).contains(&answer.status) {
        return fail_all(error_for_status(answer));
    }
    let parsed = match parse_success(&answer.body) {
        Ok(parsed) => parsed,
        Err(what) => {
            return fail_all(KmsError::UnexpectedResponse {
                status: answer.status,
                message: format!(
                    "Cybersource answered HTTP {} but {what}, so the keys could not be read. {MAYBE_ISSUED}",
                    answer.status
                ),
                snippet: snippet(&answer.body),
            })
        }
    };
    match_elements(mids, &parsed.key_information, answer)
}

fn parse_success(body: &[u8]) -> Result<KeyResponse, String> {
    if !body.trim_ascii_start().starts_with(b"{") {
        return Err(describe_non_json(body));
    }
    serde_json::from_slice(body).map_err(|e| {
        if e.is_eof() {
            "the answer was cut off".to_string()
        } else {
            "the answer is not valid JSON".to_string()
        }
    })
}

fn describe_non_json(body: &[u8]) -> String {
    let start = body.trim_ascii_start();
    if start.is_empty() {
        "the answer was empty".into()
    } else if start.starts_with(b"<") {
        "the answer is an HTML page, not Cybersource's JSON (a proxy, firewall or login page may have answered \
         instead: check the base URL and proxy settings)"
            .into()
    } else {
        "the answer is not JSON".into()
    }
}

/// Pairs each MID with its element: by `organizationId`, else by position when the counts agree and the
/// element does not name a merchant.
fn match_elements(mids: &[String], elements: &[KeyInfo], answer: &Answer) -> Vec<KeyOutcome> {
    let mut used = vec![false; elements.len()];
    let same_count = elements.len() == mids.len();
    mids.iter()
        .enumerate()
        .map(|(i, mid)| {
            let org = |e: &KeyInfo| e.organization_id.as_deref().map(str::trim).map(str::to_string);
            let found = (0..elements.len())
                .find(|&j| !used[j] && org(&elements[j]).as_deref() == Some(mid.as_str()))
                .or_else(|| {
                    (0..elements.len()).find(|&j| {
                        !used[j] && org(&elements[j]).is_some_and(|o| o.eq_ignore_ascii_case(mid))
                    })
                })
                .or_else(|| (same_count && !used[i] && org(&elements[i]).is_none()).then_some(i));
            match found {
                Some(j) => {
                    used[j] = true;
                    element_outcome(mid, &elements[j], answer)
                }
                None => KeyOutcome::Failed {
                    cybersource_merchant_id: mid.clone(),
                    error: KmsError::UnexpectedResponse {
                        status: answer.status,
                        message: format!(
                            "Cybersource's answer has no result for {mid} ({} results for {} merchants). \
                             {MAYBE_ISSUED}",
                            elements.len(),
                            mids.len()
                        ),
                        snippet: snippet(&answer.body),
                    },
                },
            }
        })
        .collect()
}

fn element_outcome(mid: &str, e: &KeyInfo, answer: &Answer) -> KeyOutcome {
    let failed = |error| KeyOutcome::Failed {
        cybersource_merchant_id: mid.to_string(),
        error,
    };
    let status = e.status.as_deref().map(str::trim).unwrap_or("");
    if status.eq_ignore_ascii_case("FAILED") {
        return failed(merchant_refused(mid, e));
    }
    let present = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let secret = e.key.clone().filter(|k| !k.expose().trim().is_empty());
    let merchant_id = present(&e.external_organization_id);
    let key_id = present(&e.key_id);
    match (secret, merchant_id, key_id) {
        (Some(secret), Some(merchant_id), Some(key_id)) => {
            if !status.eq_ignore_ascii_case("ACTIVE") {
                log::warn!("key {key_id} for {mid} came back with status {status:?}, not ACTIVE");
            }
            KeyOutcome::Issued(IssuedKey {
                cybersource_merchant_id: mid.to_string(),
                merchant_id,
                secret,
                key_id,
                status: if status.is_empty() {
                    "UNKNOWN".into()
                } else {
                    status.to_string()
                },
                expiration_date: present(&e.expiration_date),
            })
        }
        (secret, merchant_id, key_id) => {
            let missing: Vec<&str> = [
                (secret.is_none(), "key"),
                (key_id.is_none(), "keyId"),
                (
                    merchant_id.is_none(),
                    "externalOrganizationId (the mposUi merchant id)",
                ),
            ]
            .into_iter()
            .filter_map(|(gone, name)| gone.then_some(name))
            .collect();
            let shown_status = if status.is_empty() {
                "no status"
            } else {
                status
            };
            failed(KmsError::UnexpectedResponse {
                status: answer.status,
                message: format!(
                    "Cybersource's result for {mid} ({shown_status}) has no {}, so no usable key came back. \
                     {MAYBE_ISSUED}",
                    missing.join(", ")
                ),
                snippet: snippet(&answer.body),
            })
        }
    }
}

fn merchant_refused(mid: &str, e: &KeyInfo) -> KmsError {
    let reason = e.failure_reason();
    let explanation = match reason.as_deref() {
        Some("MISSING_FIELD") => "a required field was missing",
        Some("INVALID_DATA") => "the merchant id was not accepted",
        _ => "Cybersource gave no reason",
    };
    let said = e
        .failure_message()
        .map(|m| redact(&m))
        .unwrap_or_else(|| explanation.to_string());
    KmsError::MerchantRefused {
        mid: mid.to_string(),
        message: format!(
            "{said}. Check that the merchant id is right and belongs to the organization that owns the key."
        ),
        reason,
        detail: redact(&e.failure_details()),
    }
}

/// Our clock minus the server's, in whole seconds.
pub(crate) fn clock_skew_secs(answer: &Answer) -> Option<i64> {
    let server = answer.server_date?;
    Some(match answer.received_at.duration_since(server) {
        Ok(ahead) => ahead.as_secs() as i64,
        Err(behind) => -(behind.duration().as_secs() as i64),
    })
}

/// The error for a non-2xx answer.
pub(crate) fn error_for_status(answer: &Answer) -> KmsError {
    let status = answer.status;
    let parsed = ErrorBody::parse(&answer.body);
    if status == 401 {
        return authentication_refused(answer, parsed.as_ref());
    }
    let cybersource_said = |b: &ErrorBody| {
        b.server_message()
            .map(|m| format!(": \"{}\"", redact(m.trim_end_matches('.'))))
            .unwrap_or_default()
    };
    match (status, parsed) {
        (400..=599, Some(body)) => {
            let reason = body.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
            let reason_part = reason.as_deref().map(|r| format!(", {r}")).unwrap_or_default();
            let details = redact(&body.details_text());
            let detail = if details.is_empty() { snippet(&answer.body) } else { details };
            let said = cybersource_said(&body);
            if status >= 500 {
                KmsError::Server {
                    status,
                    message: format!("Cybersource had a problem (HTTP {status}{reason_part}){said}. {NOT_RETRIED}"),
                    reason,
                    detail,
                }
            } else {
                KmsError::Rejected {
                    status,
                    message: format!(
                        "Cybersource refused the request (HTTP {status}{reason_part}){said}. {}",
                        rejected_hint(status)
                    ),
                    reason,
                    detail,
                }
            }
        }
        (400..=599, None) => KmsError::UnexpectedResponse {
            status,
            message: format!(
                "Got HTTP {status} but {}.{}",
                describe_non_json(&answer.body),
                if status >= 500 { format!(" {NOT_RETRIED}") } else { String::new() }
            ),
            snippet: snippet(&answer.body),
        },
        (300..=399, _) => KmsError::UnexpectedResponse {
            status,
            message: format!(
                "The server answered with a redirect (HTTP {status}) instead of Cybersource's answer. Redirects \
                 are not followed for key requests: check the base URL."
            ),
            snippet: snippet(&answer.body),
        },
        _ => KmsError::UnexpectedResponse {
            status,
            message: format!("The server answered with an unexpected HTTP {status}. Check the base URL."),
            snippet: snippet(&answer.body),
        },
    }
}

fn rejected_hint(status: u16) -> &'static str {
    match status {
        400 => "Check the merchant ids and try again.",
        403 => "The key may not be allowed to create keys for this merchant: check the key's permissions \
                and the organization id in the Business Center.",
        404 => "Check the base URL: no key service was found there.",
        429 => "Too many requests: wait a minute, then try again.",
        _ => "Check the settings of this profile.",
    }
}

fn authentication_refused(answer: &Answer, body: Option<&ErrorBody>) -> KmsError {
    let skew = clock_skew_secs(answer);
    let mut message = String::new();
    if let Some(s) = skew.filter(|s| s.abs() > MAX_CLOCK_SKEW_SECS) {
        let minutes = (s.abs() + 30) / 60;
        let direction = if s > 0 { "ahead of" } else { "behind" };
        message.push_str(&format!(
            "This computer's clock is off by {minutes} minutes ({direction} Cybersource's). Set the date and \
             time correctly (turn on automatic time), then try again. "
        ));
    }
    message.push_str(
        "Cybersource refused the credentials (HTTP 401). Likely causes: the key id or shared secret is wrong or \
         incomplete; the secret is from the other environment (test keys work only on test, production keys \
         only on production); the key is not a REST shared secret key; or the organization id sent as \
         v-c-merchant-id does not own the key.",
    );
    if let Some(said) = body.and_then(ErrorBody::server_message) {
        message.push_str(&format!(
            " Cybersource said: \"{}\".",
            redact(said.trim_end_matches('.'))
        ));
    }
    KmsError::AuthenticationRefused {
        message,
        clock_skew_secs: skew,
        detail: snippet(&answer.body),
    }
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
