//! After a key is issued: `GET /kms/v2/keys-sym/{keyId}` (its status) and `POST /kms/v2/keys-sym/deletes`.
//!
//! The emulator remembers which organization's credential issued each key. A request may see or delete a
//! key only when it is signed by that organization and names the key's merchant (the `v-c-merchant-id`
//! header of a meta key's status request; the element's `organizationId` of a delete): otherwise the
//! element is FAILED, as for "a key of another merchant". A key never issued or already deleted: 404
//! for a status request, FAILED in a delete.

use std::collections::{HashMap, HashSet};
use std::time::SystemTime;

use serde::Serialize;
use serde_json::{json, Value};

use crate::config::EmulatorConfig;
use crate::http::Response;
use crate::issue::{IssuedRecord, MAX_ELEMENTS};
use crate::responses::{self, rfc3339, to_datetime, BadRequest, Detail, ErrorInformation};
use crate::verify::Verified;

/// The key status path, followed by the key id.
pub const STATUS_PATH_PREFIX: &str = "/kms/v2/keys-sym/";
/// The path that deletes keys.
pub const DELETES_PATH: &str = "/kms/v2/keys-sym/deletes";

/// What the emulator knows about the keys it issued after issuing them.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    /// Key id → the organization whose credential issued it.
    issuer: HashMap<String, String>,
    deleted: HashSet<String>,
    /// Statuses set by tests (`INACTIVE`, `EXPIRED`, …) instead of `ACTIVE`.
    status: HashMap<String, String>,
}

impl Keys {
    /// Remembers who issued these keys.
    pub(crate) fn issued_by(&mut self, organization_id: &str, records: &[IssuedRecord]) {
        for r in records {
            self.issuer
                .insert(r.key_id.clone(), organization_id.to_owned());
        }
    }

    /// Sets the status a key reports from now on.
    pub(crate) fn set_status(&mut self, key_id: &str, status: &str) {
        self.status.insert(key_id.to_owned(), status.to_owned());
    }

    /// Ids of the keys deleted so far.
    pub(crate) fn deleted(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.deleted.iter().cloned().collect();
        ids.sort();
        ids
    }

    fn live<'a>(&self, key_id: &str, issued: &'a [IssuedRecord]) -> Option<&'a IssuedRecord> {
        if self.deleted.contains(key_id) {
            return None;
        }
        issued.iter().find(|r| r.key_id == key_id)
    }

    fn may_act_on(&self, who: &Verified, record: &IssuedRecord, merchant: &str) -> bool {
        self.issuer.get(&record.key_id) == Some(&who.organization_id)
            && record.organization_id == merchant
    }
}

/// The answer to a status request that passed authentication.
pub(crate) fn status(
    keys: &Keys,
    issued: &[IssuedRecord],
    who: &Verified,
    key_id: &str,
    now: SystemTime,
) -> Response {
    let Some(record) = keys.live(key_id, issued) else {
        let body = json!({
            "submitTimeUtc": rfc3339(to_datetime(now)),
            "status": "NOT_FOUND",
            "message": format!("The key {key_id} was not found"),
        });
        return responses::json(404, now, &body);
    };
    // A merchant's own key is signed for its owner; a meta key names the key's merchant in the header.
    let merchant = if who.meta_key {
        who.merchant_id.as_str()
    } else {
        record.organization_id.as_str()
    };
    let element = if keys.may_act_on(who, record, merchant) {
        let status = keys
            .status
            .get(key_id)
            .map(String::as_str)
            .unwrap_or("ACTIVE");
        json!({
            "organizationId": record.organization_id,
            "keyId": record.key_id,
            "status": status,
            "expirationDate": record.expiration_date,
        })
    } else {
        json!({
            "keyId": key_id,
            "status": "FAILED",
            "message": "The key does not belong to this merchant",
            "errorInformation": {
                "reason": "INVALID_DATA",
                "details": [{ "field": "keyId", "reason": "INVALID_DATA" }],
            },
        })
    };
    let body = json!({
        "submitTimeUtc": rfc3339(to_datetime(now)),
        "status": "ACCEPTED",
        "keyInformation": element,
    });
    responses::json(200, now, &body)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeleteElement {
    #[serde(skip_serializing_if = "Option::is_none")]
    organization_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_information: Option<ErrorInformation>,
}

/// The answer to a delete request that passed authentication; deletes what may be deleted.
pub(crate) fn delete(
    keys: &mut Keys,
    issued: &[IssuedRecord],
    who: &Verified,
    config: &EmulatorConfig,
    body: &[u8],
    now: SystemTime,
) -> Response {
    let items = match parse_delete(body) {
        Ok(items) => items,
        Err(bad) => return responses::bad_request(now, &bad),
    };
    let mut elements = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let org = item.get("organizationId").and_then(Value::as_str);
        let key_id = item.get("keyId").and_then(Value::as_str);
        let failed = |field: &str, reason: &'static str, message: &str| DeleteElement {
            organization_id: org.map(str::to_owned),
            key_id: key_id.map(str::to_owned),
            status: "FAILED",
            message: Some(message.to_owned()),
            error_information: Some(ErrorInformation {
                reason,
                details: vec![Detail {
                    field: format!("keyInformation[{i}].{field}"),
                    reason,
                }],
            }),
        };
        let element = match (org, key_id) {
            (None, _) => failed(
                "organizationId",
                "MISSING_FIELD",
                "organizationId is missing",
            ),
            (_, None) => failed("keyId", "MISSING_FIELD", "keyId is missing"),
            (Some(org), Some(key_id)) => match keys.live(key_id, issued) {
                None => failed("keyId", "INVALID_DATA", "The key was not found"),
                Some(record)
                    if !keys.may_act_on(who, record, org)
                        || (who.meta_key && !config.merchants.accepts(org)) =>
                {
                    failed(
                        "keyId",
                        "INVALID_DATA",
                        "The key does not belong to this merchant",
                    )
                }
                Some(_) => {
                    keys.deleted.insert(key_id.to_owned());
                    DeleteElement {
                        organization_id: Some(org.to_owned()),
                        key_id: Some(key_id.to_owned()),
                        status: "DELETED",
                        message: None,
                        error_information: None,
                    }
                }
            },
        };
        elements.push(element);
    }
    log::info!(
        "emulator: delete request for {} key(s), {} deleted",
        elements.len(),
        elements.iter().filter(|e| e.status == "DELETED").count()
    );
    let body = json!({
        "submitTimeUtc": rfc3339(to_datetime(now)),
        "status": "ACCEPTED",
        "keyInformation": elements,
    });
    responses::json(200, now, &body)
}

fn parse_delete(body: &[u8]) -> Result<Vec<serde_json::Map<String, Value>>, BadRequest> {
    let bad = |reason: &'static str, field: &str, message: String| BadRequest {
        reason,
        message,
        details: vec![Detail {
            field: field.to_owned(),
            reason,
        }],
    };
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        bad(
            "INVALID_DATA",
            "body",
            format!("Malformed request: the body is not valid JSON ({e})"),
        )
    })?;
    let list = match value.get("keyInformation") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        _ => {
            return Err(bad(
                "MISSING_FIELD",
                "keyInformation",
                "Declined - The request is missing one or more fields".to_owned(),
            ))
        }
    };
    if list.len() > MAX_ELEMENTS {
        return Err(bad(
            "INVALID_DATA",
            "keyInformation",
            format!(
                "keyInformation holds {} elements; at most {MAX_ELEMENTS} are allowed",
                list.len()
            ),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, e)| match e {
            Value::Object(map) => Ok(map.clone()),
            _ => Err(bad(
                "INVALID_DATA",
                &format!("keyInformation[{i}]"),
                "each keyInformation element must be an object".to_owned(),
            )),
        })
        .collect()
}
