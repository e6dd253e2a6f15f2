//! The answers, shaped like Cybersource's, and the clock formats they use.

use std::time::SystemTime;

use serde::Serialize;
use serde_json::{json, Value};
use time::macros::format_description;
use time::OffsetDateTime;

use crate::http::Response;
use crate::verify::Rejection;

/// Header that tells tests why a request was refused (the real service does not say).
pub const REJECTION_HEADER: &str = "x-emulator-rejection";

const JSON: &str = "application/json;charset=utf-8";

/// `2023-08-07T13:07:17Z`: RFC 3339, UTC, whole seconds, as Cybersource writes times.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

pub(crate) fn to_datetime(t: SystemTime) -> OffsetDateTime {
    OffsetDateTime::from(t)
}

/// One `details` entry of a 400 or of a failed element.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct Detail {
    pub field: String,
    pub reason: &'static str,
}

/// A whole request refused before any key was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadRequest {
    pub reason: &'static str,
    pub message: String,
    pub details: Vec<Detail>,
}

/// One element of a 201's `keyInformation`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeyElement {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_number: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_organization_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_information: Option<ErrorInformation>,
}

/// Why one element failed.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ErrorInformation {
    pub reason: &'static str,
    pub details: Vec<Detail>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Accepted<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    client_reference_information: Option<&'a Value>,
    submit_time_utc: String,
    status: &'static str,
    key_information: &'a [KeyElement],
}

/// A JSON answer with Cybersource's usual headers.
pub(crate) fn json(status: u16, now: SystemTime, body: &impl Serialize) -> Response {
    json_response(status, now, body)
}

fn json_response(status: u16, now: SystemTime, body: &impl Serialize) -> Response {
    Response {
        status,
        headers: vec![
            ("Date", httpdate::fmt_http_date(now)),
            ("Content-Type", JSON.to_owned()),
            ("v-c-correlation-id", uuid::Uuid::new_v4().to_string()),
        ],
        body: serde_json::to_vec(body).unwrap_or_default(),
    }
}

/// 201 ACCEPTED with one element per requested merchant, in request order.
pub(crate) fn accepted(
    now: SystemTime,
    client_reference: Option<&Value>,
    elements: &[KeyElement],
) -> Response {
    let body = Accepted {
        client_reference_information: client_reference,
        submit_time_utc: rfc3339(to_datetime(now)),
        status: "ACCEPTED",
        key_information: elements,
    };
    json_response(201, now, &body)
}

/// 400 BAD_REQUEST.
pub(crate) fn bad_request(now: SystemTime, bad: &BadRequest) -> Response {
    let body = json!({
        "submitTimeUtc": rfc3339(to_datetime(now)),
        "status": "BAD_REQUEST",
        "reason": bad.reason,
        "message": bad.message,
        "details": bad.details,
    });
    json_response(400, now, &body)
}

/// 401 exactly as Cybersource sends it, plus the emulator's reason header.
pub(crate) fn unauthorized(now: SystemTime, rejection: &Rejection) -> Response {
    let body = json!({ "response": { "rmsg": "Authentication Failed" } });
    let mut response = json_response(401, now, &body);
    response
        .headers
        .push((REJECTION_HEADER, rejection.reason().to_owned()));
    response
}

/// 404 for a request the emulator does not serve.
pub(crate) fn not_found(now: SystemTime) -> Response {
    let body = json!({
        "submitTimeUtc": rfc3339(to_datetime(now)),
        "status": "NOT_FOUND",
        "message": "The requested resource does not exist",
    });
    json_response(404, now, &body)
}

/// 502 or 500 SERVER_ERROR.
pub(crate) fn server_error(now: SystemTime, status: u16, message: &str) -> Response {
    let body = json!({
        "submitTimeUtc": rfc3339(to_datetime(now)),
        "status": "SERVER_ERROR",
        "reason": "SYSTEM_ERROR",
        "message": message,
    });
    json_response(status, now, &body)
}

/// A request the HTTP layer could not read.
pub(crate) fn malformed(now: SystemTime, status: u16, message: &str) -> Response {
    let body = json!({
        "submitTimeUtc": rfc3339(to_datetime(now)),
        "status": "BAD_REQUEST",
        "reason": "INVALID_REQUEST",
        "message": message,
    });
    json_response(status, now, &body)
}

/// 201 whose body is an HTML page, as an intercepting proxy would answer.
pub(crate) fn garbage(now: SystemTime) -> Response {
    Response {
        status: 201,
        headers: vec![
            ("Date", httpdate::fmt_http_date(now)),
            ("Content-Type", "text/html; charset=utf-8".to_owned()),
        ],
        body: crate::faults::GARBAGE_PAGE.as_bytes().to_vec(),
    }
}
