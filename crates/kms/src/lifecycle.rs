//! After a key is issued: its status (`GET /kms/v2/keys-sym/{keyId}`) and deleting keys
//! (`POST /kms/v2/keys-sym/deletes`), with the same signing, limits and error mapping as generation.

use crate::answer::{error_for_status, Answer};
use crate::client::KmsClient;
use crate::error::KmsError;
use crate::mid::mid_problem;
use crate::redact::{redact, snippet};
use crate::wire::{KeyInfo, KeyResponse};
use reqwest::Method;

/// The key status path, followed by the key id.
pub const STATUS_PATH_PREFIX: &str = "/kms/v2/keys-sym/";
/// The path that deletes keys, several in one call.
pub const DELETES_PATH: &str = "/kms/v2/keys-sym/deletes";
/// Where a user does by hand what the service refused to do for us.
pub const BUSINESS_CENTER_KEYS: &str =
    "the Business Center (Payment Configuration > Key Management)";

/// A key as the lifecycle calls name it: its id and the merchant that owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    /// The key's id.
    pub key_id: String,
    /// The transacting MID the key was issued for (`organizationId`).
    pub cybersource_merchant_id: String,
}

/// What Cybersource says about one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus {
    /// The key is known; `status` is `ACTIVE`, `INACTIVE`, `EXPIRED` or another word, as given.
    Known {
        /// The key's status as Cybersource wrote it (only `ACTIVE` means it works).
        status: String,
        /// When it expires, when given.
        expiration_date: Option<String>,
    },
    /// Unknown or deleted: a 404, or a 200 whose status is `FAILED`.
    NotFound {
        /// The HTTP status of the answer (404, or 200 for a FAILED element).
        http_status: u16,
        /// Cybersource's message, redacted.
        message: String,
    },
}

/// The result of deleting one key, in the order the keys were given.
#[derive(Debug, Clone)]
pub enum DeleteOutcome {
    /// The key is gone and no longer works; `status` as Cybersource wrote it (normally `DELETED`).
    Deleted {
        /// The key.
        key: KeyRef,
        /// The element's status.
        status: String,
    },
    /// The key was not deleted: a FAILED element, or the request for it failed.
    Failed {
        /// The key.
        key: KeyRef,
        /// Why; `KmsError::MerchantRefused` for a FAILED element.
        error: KmsError,
    },
}

impl DeleteOutcome {
    /// The key this outcome is about.
    pub fn key(&self) -> &KeyRef {
        match self {
            DeleteOutcome::Deleted { key, .. } | DeleteOutcome::Failed { key, .. } => key,
        }
    }
}

/// Refuses a key id that cannot be put in a URL path as it is: Cybersource's ids are UUIDs.
pub fn key_id_problem(key_id: &str) -> Option<String> {
    if key_id.is_empty() || key_id.len() > 64 {
        return Some(format!(
            "The key id {key_id:?} is not valid: it must be 1 to 64 characters (a UUID such as \
             af922a42-6d2c-41fd-92f7-09d908647de4)."
        ));
    }
    if !key_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Some(format!(
            "The key id {key_id:?} is not valid: only letters, digits and - are allowed (a UUID)."
        ));
    }
    None
}

fn check(key: &KeyRef) -> Result<(), KmsError> {
    if let Some(problem) = key_id_problem(&key.key_id) {
        return Err(KmsError::InvalidInput(problem));
    }
    if let Some(problem) = mid_problem(&key.cybersource_merchant_id) {
        return Err(KmsError::InvalidInput(format!(
            "Merchant id {:?} of key {}: {problem}",
            key.cybersource_merchant_id, key.key_id
        )));
    }
    Ok(())
}

impl KmsClient {
    /// Asks for one key's status, signed for the merchant that owns it (a GET: no body, no digest).
    ///
    /// `Err` for input refused before the request and for answers that say nothing about the key
    /// (401, 400, 403, 5xx, network, garbage); 404 and a FAILED element are [`KeyStatus::NotFound`].
    pub async fn key_status(&self, key: &KeyRef) -> Result<KeyStatus, KmsError> {
        check(key)?;
        let (header_mid, owner) = self.signers_for(&key.cybersource_merchant_id);
        self.prepare(&owner)?;
        let url = self.url_for(&format!("{STATUS_PATH_PREFIX}{}", key.key_id))?;
        let answer = self
            .send(Method::GET, &url, None, &header_mid, &owner)
            .await?;
        status_from_answer(&answer)
    }

    /// Deletes keys: one request per merchant (a meta key: per 100 keys, named for the first one's
    /// merchant). `Err` only for input refused before any request; afterwards every key gets a
    /// [`DeleteOutcome`] in input order, so one failed key never hides the others.
    pub async fn delete_keys(&self, keys: &[KeyRef]) -> Result<Vec<DeleteOutcome>, KmsError> {
        for key in keys {
            check(key)?;
        }
        let mut groups: Vec<Vec<usize>> = Vec::new();
        if self.meta_key_with_owner() {
            let all: Vec<usize> = (0..keys.len()).collect();
            groups.extend(all.chunks(self.chunk_size()).map(<[usize]>::to_vec));
        } else {
            // A merchant's own key acts for that merchant only: one request per merchant.
            for (i, key) in keys.iter().enumerate() {
                match groups
                    .iter_mut()
                    .find(|g| keys[g[0]].cybersource_merchant_id == key.cybersource_merchant_id)
                {
                    Some(group) if group.len() < self.chunk_size() => group.push(i),
                    _ => groups.push(vec![i]),
                }
            }
        }
        for group in &groups {
            self.prepare(&self.signers_for(&keys[group[0]].cybersource_merchant_id).1)?;
        }
        let url = self.url_for(DELETES_PATH)?;
        let mut outcomes: Vec<Option<DeleteOutcome>> = vec![None; keys.len()];
        for group in groups {
            let chunk: Vec<KeyRef> = group.iter().map(|&i| keys[i].clone()).collect();
            let (header_mid, owner) = self.signers_for(&chunk[0].cybersource_merchant_id);
            let body = delete_body(&chunk);
            let results = match self
                .send(Method::POST, &url, Some(&body), &header_mid, &owner)
                .await
            {
                Ok(answer) => delete_outcomes(&chunk, &answer),
                Err(error) => chunk
                    .into_iter()
                    .map(|key| DeleteOutcome::Failed {
                        key,
                        error: error.clone(),
                    })
                    .collect(),
            };
            for (slot, outcome) in group.into_iter().zip(results) {
                outcomes[slot] = Some(outcome);
            }
        }
        Ok(outcomes.into_iter().flatten().collect())
    }
}

/// The exact bytes of a delete request: compact JSON, `organizationId` then `keyId`.
pub fn delete_body(keys: &[KeyRef]) -> Vec<u8> {
    let items: Vec<String> = keys
        .iter()
        .map(|k| {
            format!(
                "{{\"organizationId\":{},\"keyId\":{}}}",
                serde_json::Value::String(k.cybersource_merchant_id.clone()),
                serde_json::Value::String(k.key_id.clone())
            )
        })
        .collect();
    format!("{{\"keyInformation\":[{}]}}", items.join(",")).into_bytes()
}

fn parse(answer: &Answer) -> Result<KeyResponse, KmsError> {
    let body = &answer.body;
    let what = if body.trim_ascii_start().is_empty() {
        "the answer was empty"
    } else if body.trim_ascii_start().starts_with(b"<") {
        "the answer is an HTML page, not Cybersource's JSON (a proxy may have answered: check the base URL \
         and proxy settings)"
    } else {
        "the answer is not Cybersource's JSON"
    };
    if !body.trim_ascii_start().starts_with(b"{") {
        return Err(unreadable(answer, what));
    }
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        unreadable(
            answer,
            if e.is_eof() {
                "the answer was cut off"
            } else {
                what
            },
        )
    })?;
    // The status call answers one object, the delete call an array: accept either for both.
    if let Some(info) = value.get_mut("keyInformation") {
        if info.is_object() {
            *info = serde_json::Value::Array(vec![info.take()]);
        }
    }
    serde_json::from_value(value).map_err(|_| unreadable(answer, what))
}

fn unreadable(answer: &Answer, what: &str) -> KmsError {
    KmsError::UnexpectedResponse {
        status: answer.status,
        message: format!(
            "Cybersource answered HTTP {} but {what}. Nothing was changed here; check the key in {BUSINESS_CENTER_KEYS}.",
            answer.status
        ),
        snippet: snippet(&answer.body),
    }
}

pub(crate) fn status_from_answer(answer: &Answer) -> Result<KeyStatus, KmsError> {
    if answer.status == 404 {
        let message = crate::wire::ErrorBody::parse(&answer.body)
            .and_then(|b| b.server_message())
            .map(|m| redact(&m))
            .unwrap_or_else(|| "The key was not found.".into());
        return Ok(KeyStatus::NotFound {
            http_status: 404,
            message,
        });
    }
    if !(200..300).contains(&answer.status) {
        return Err(error_for_status(answer));
    }
    let parsed = parse(answer)?;
    let Some(info) = parsed.key_information.first() else {
        return Err(unreadable(answer, "it holds no keyInformation"));
    };
    let status = trimmed(&info.status).unwrap_or_default();
    if status.eq_ignore_ascii_case("FAILED") {
        return Ok(KeyStatus::NotFound {
            http_status: answer.status,
            message: info
                .failure_message()
                .map(|m| redact(&m))
                .unwrap_or_else(|| "The key is not found or no longer usable.".into()),
        });
    }
    if status.is_empty() {
        return Err(unreadable(answer, "it gives the key no status"));
    }
    Ok(KeyStatus::Known {
        status,
        expiration_date: trimmed(&info.expiration_date),
    })
}

pub(crate) fn delete_outcomes(keys: &[KeyRef], answer: &Answer) -> Vec<DeleteOutcome> {
    let fail_all = |error: KmsError| {
        keys.iter()
            .map(|key| DeleteOutcome::Failed {
                key: key.clone(),
                error: error.clone(),
            })
            .collect()
    };
    if !(200..300).contains(&answer.status) {
        return fail_all(error_for_status(answer));
    }
    let parsed = match parse(answer) {
        Ok(parsed) => parsed,
        Err(error) => return fail_all(error),
    };
    let elements = &parsed.key_information;
    let mut used = vec![false; elements.len()];
    let same_count = elements.len() == keys.len();
    keys.iter()
        .enumerate()
        .map(|(i, key)| {
            let found = (0..elements.len())
                .find(|&j| !used[j] && trimmed(&elements[j].key_id).as_deref() == Some(&key.key_id))
                .or_else(|| (same_count && !used[i] && trimmed(&elements[i].key_id).is_none()).then_some(i));
            match found {
                Some(j) => {
                    used[j] = true;
                    delete_element(key, &elements[j], answer)
                }
                None => DeleteOutcome::Failed {
                    key: key.clone(),
                    error: KmsError::UnexpectedResponse {
                        status: answer.status,
                        message: format!(
                            "Cybersource's answer has no result for key {}, so it may or may not be deleted: \
                             check its status.",
                            key.key_id
                        ),
                        snippet: snippet(&answer.body),
                    },
                },
            }
        })
        .collect()
}

fn delete_element(key: &KeyRef, e: &KeyInfo, answer: &Answer) -> DeleteOutcome {
    let status = trimmed(&e.status).unwrap_or_default();
    if status.eq_ignore_ascii_case("FAILED") {
        let said = e
            .failure_message()
            .map(|m| redact(&m))
            .unwrap_or_else(|| "Cybersource gave no reason".into());
        return DeleteOutcome::Failed {
            key: key.clone(),
            error: KmsError::MerchantRefused {
                mid: key.cybersource_merchant_id.clone(),
                message: format!(
                    "key {} was not deleted: {}. Delete it in {BUSINESS_CENTER_KEYS}.",
                    key.key_id,
                    said.trim_end_matches('.')
                ),
                reason: e.failure_reason(),
                detail: redact(&e.failure_details()),
            },
        };
    }
    if status.is_empty() {
        return DeleteOutcome::Failed {
            key: key.clone(),
            error: unreadable(answer, "it gives the key no status"),
        };
    }
    DeleteOutcome::Deleted {
        key: key.clone(),
        status,
    }
}

fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
