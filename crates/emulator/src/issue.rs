//! Reading a key request body and making the keys it asks for.

use std::fmt;
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

use crate::config::{is_well_formed_mid, MerchantPolicy, MAX_MID_LEN};
use crate::responses::{rfc3339, to_datetime, BadRequest, Detail, ErrorInformation, KeyElement};

/// At most this many merchants per request.
///
/// Inference: Cybersource documents no limit; the emulator enforces the client's chunk size so that a
/// client which forgets to chunk fails here rather than in production.
pub const MAX_ELEMENTS: usize = 100;

/// Issued keys stay valid this many years.
const VALIDITY_YEARS: i32 = 10;

/// One key the emulator handed out.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedRecord {
    /// The transacting MID it was asked for.
    pub organization_id: String,
    /// The Payworks merchant id (mposUi's `merchantId`).
    pub external_organization_id: String,
    /// The secret key, base64 (mposUi's `merchantSecret`).
    pub key: String,
    /// The key's id.
    pub key_id: String,
    /// When it expires, RFC 3339.
    pub expiration_date: String,
}

impl fmt::Debug for IssuedRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedRecord")
            .field("organization_id", &self.organization_id)
            .field("external_organization_id", &self.external_organization_id)
            .field("key", &"<redacted>")
            .field("key_id", &self.key_id)
            .field("expiration_date", &self.expiration_date)
            .finish()
    }
}

/// The `externalOrganizationId` the emulator gives a MID: a UUID derived from it, stable across runs.
pub fn external_organization_id(mid: &str) -> String {
    let hash = Sha256::digest(format!("mpos-emulator external organization id\n{mid}"));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// A body that passed the request-level checks.
#[derive(Debug)]
pub(crate) struct KeyRequest {
    pub client_reference: Option<Value>,
    items: Vec<Item>,
}

#[derive(Debug)]
struct Item {
    organization_id: Option<Value>,
    reference_number: Option<Value>,
}

/// Request-level checks; per-merchant problems are left for [`issue`] to report per element.
pub(crate) fn parse_request(body: &[u8]) -> Result<KeyRequest, BadRequest> {
    let value: Value = serde_json::from_slice(body).map_err(|e| BadRequest {
        reason: "INVALID_DATA",
        message: format!("Malformed request: the body is not valid JSON ({e})"),
        details: Vec::new(),
    })?;
    let Value::Object(mut root) = value else {
        return Err(invalid("body", "The request body must be a JSON object"));
    };
    let client_reference = match root.remove("clientReferenceInformation") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(v),
        Some(_) => {
            return Err(invalid(
                "clientReferenceInformation",
                "clientReferenceInformation must be an object",
            ))
        }
    };
    let list = match root.remove("keyInformation") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        None | Some(Value::Null) => return Err(missing_key_information()),
        Some(Value::Array(_)) => return Err(missing_key_information()),
        Some(_) => return Err(invalid("keyInformation", "keyInformation must be an array")),
    };
    if list.len() > MAX_ELEMENTS {
        return Err(invalid(
            "keyInformation",
            &format!(
                "keyInformation holds {} elements; at most {MAX_ELEMENTS} are allowed",
                list.len()
            ),
        ));
    }
    let mut items = Vec::with_capacity(list.len());
    for (i, element) in list.into_iter().enumerate() {
        let Value::Object(mut element) = element else {
            return Err(invalid(
                &format!("keyInformation[{i}]"),
                "each keyInformation element must be an object",
            ));
        };
        items.push(Item {
            organization_id: element.remove("organizationId"),
            reference_number: element.remove("referenceNumber"),
        });
    }
    Ok(KeyRequest {
        client_reference,
        items,
    })
}

fn invalid(field: &str, message: &str) -> BadRequest {
    BadRequest {
        reason: "INVALID_DATA",
        message: format!(
            "Declined - One or more fields in the request contains invalid data: {message}"
        ),
        details: vec![Detail {
            field: field.to_owned(),
            reason: "INVALID_DATA",
        }],
    }
}

fn missing_key_information() -> BadRequest {
    BadRequest {
        reason: "MISSING_FIELD",
        message: "Declined - The request is missing one or more fields".to_owned(),
        details: vec![Detail {
            field: "keyInformation".to_owned(),
            reason: "MISSING_FIELD",
        }],
    }
}

/// The OS random source failed; no key can be made.
#[derive(Debug)]
pub(crate) struct NoRandomness;

/// One element per requested merchant, in order, and a record of every key made.
pub(crate) fn issue(
    request: &KeyRequest,
    policy: &MerchantPolicy,
    now: SystemTime,
) -> Result<(Vec<KeyElement>, Vec<IssuedRecord>), NoRandomness> {
    let expiration = rfc3339(ten_years_after(to_datetime(now)));
    let mut elements = Vec::with_capacity(request.items.len());
    let mut issued = Vec::new();
    for (i, item) in request.items.iter().enumerate() {
        let mid = match item.organization_id.as_ref() {
            Some(Value::String(mid)) => mid.as_str(),
            _ => "",
        };
        let element = match refusal(item.organization_id.as_ref(), policy) {
            Some((reason, message)) => failed(i, item, reason, message),
            None => {
                let record = new_key(mid, &expiration)?;
                let element = active(item, &record);
                issued.push(record);
                element
            }
        };
        elements.push(element);
    }
    Ok((elements, issued))
}

/// Why no key is made for this organizationId, if there is a reason.
fn refusal(value: Option<&Value>, policy: &MerchantPolicy) -> Option<(&'static str, String)> {
    let mid = match value {
        None | Some(Value::Null) => {
            return Some(("MISSING_FIELD", "organizationId is missing".to_owned()))
        }
        Some(Value::String(mid)) if mid.is_empty() => {
            return Some(("MISSING_FIELD", "organizationId is empty".to_owned()))
        }
        Some(Value::String(mid)) => mid,
        Some(_) => return Some(("INVALID_DATA", "organizationId must be a string".to_owned())),
    };
    if !is_well_formed_mid(mid) {
        return Some((
            "INVALID_DATA",
            format!("organizationId must be 1 to {MAX_MID_LEN} characters of A-Z, a-z, 0-9 and _"),
        ));
    }
    if !policy.accepts(mid) {
        return Some((
            "INVALID_DATA",
            "organizationId is not a merchant this key may generate keys for".to_owned(),
        ));
    }
    None
}

fn failed(index: usize, item: &Item, reason: &'static str, message: String) -> KeyElement {
    KeyElement {
        organization_id: item
            .organization_id
            .as_ref()
            .and_then(Value::as_str)
            .map(str::to_owned),
        reference_number: item.reference_number.clone(),
        external_organization_id: None,
        key: None,
        key_id: None,
        status: "FAILED",
        expiration_date: None,
        message: Some(message),
        error_information: Some(ErrorInformation {
            reason,
            details: vec![Detail {
                field: format!("keyInformation[{index}].organizationId"),
                reason,
            }],
        }),
    }
}

fn active(item: &Item, record: &IssuedRecord) -> KeyElement {
    KeyElement {
        organization_id: Some(record.organization_id.clone()),
        reference_number: item.reference_number.clone(),
        external_organization_id: Some(record.external_organization_id.clone()),
        key: Some(record.key.clone()),
        key_id: Some(record.key_id.clone()),
        status: "ACTIVE",
        expiration_date: Some(record.expiration_date.clone()),
        message: None,
        error_information: None,
    }
}

fn new_key(mid: &str, expiration: &str) -> Result<IssuedRecord, NoRandomness> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|_| NoRandomness)?;
    Ok(IssuedRecord {
        organization_id: mid.to_owned(),
        external_organization_id: external_organization_id(mid),
        key: BASE64.encode(secret),
        key_id: uuid::Uuid::new_v4().to_string(),
        expiration_date: expiration.to_owned(),
    })
}

/// The same calendar moment ten years on (29 February becomes 28 February).
fn ten_years_after(t: OffsetDateTime) -> OffsetDateTime {
    let year = t.year() + VALIDITY_YEARS;
    t.replace_year(year)
        .or_else(|_| t.replace_day(28).and_then(|d| d.replace_year(year)))
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn keys_expire_ten_calendar_years_later() {
        let t = datetime!(2023-08-07 13:07:17 UTC);
        assert_eq!(rfc3339(ten_years_after(t)), "2033-08-07T13:07:17Z");
        let leap = datetime!(2024-02-29 00:00:00 UTC);
        assert_eq!(rfc3339(ten_years_after(leap)), "2034-02-28T00:00:00Z");
    }

    #[test]
    fn external_ids_are_stable_uuids_that_differ_per_mid() {
        let a = external_organization_id("acme");
        assert_eq!(a, external_organization_id("acme"));
        assert_ne!(a, external_organization_id("acmf"));
        assert!(uuid::Uuid::parse_str(&a).is_ok());
    }
}
