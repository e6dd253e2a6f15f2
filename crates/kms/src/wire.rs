//! The JSON bodies of `POST /kms/v2/keys-sym-pos`, tolerant of unknown fields.
//!
//! Every response field is optional and read leniently (a number where a string was expected becomes its
//! text, an object becomes `None`): Cybersource's error shapes vary between services, and an odd field must
//! never cost us a key that was already issued.

use crate::lenient::{lenient_option, lenient_secret, lenient_string, lenient_vec};
use crate::secret::SecretString;
use serde::{Deserialize, Serialize};

/// The request body: one element per merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyRequest {
    /// The merchants keys are asked for.
    #[serde(rename = "keyInformation")]
    pub key_information: Vec<KeyRequestItem>,
}

/// One merchant in a [`KeyRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyRequestItem {
    /// The transacting Cybersource MID.
    #[serde(rename = "organizationId")]
    pub organization_id: String,
}

impl KeyRequest {
    /// A request for these MIDs, in this order.
    pub fn for_mids(mids: &[String]) -> Self {
        KeyRequest {
            key_information: mids
                .iter()
                .map(|m| KeyRequestItem {
                    organization_id: m.clone(),
                })
                .collect(),
        }
    }

    /// The exact bytes to send (and digest): compact JSON.
    pub fn to_body(&self) -> Vec<u8> {
        // Hand-written so that serialization cannot fail: the only values are strings.
        let mut out = String::from("{\"keyInformation\":[");
        for (i, item) in self.key_information.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"organizationId\":");
            out.push_str(&json_string(&item.organization_id));
            out.push('}');
        }
        out.push_str("]}");
        out.into_bytes()
    }
}

fn json_string(s: &str) -> String {
    // serde_json's escaping, so our bytes equal what `serde_json::to_vec` would produce.
    serde_json::Value::String(s.to_string()).to_string()
}

/// A 2xx answer: one element per merchant asked for.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KeyResponse {
    /// When Cybersource handled the request.
    #[serde(deserialize_with = "lenient_string")]
    pub submit_time_utc: Option<String>,
    /// Overall status, e.g. `ACCEPTED`; each element still has its own.
    #[serde(deserialize_with = "lenient_string")]
    pub status: Option<String>,
    /// One element per merchant.
    #[serde(deserialize_with = "lenient_vec")]
    pub key_information: Vec<KeyInfo>,
}

/// One merchant's result: a key (`ACTIVE`) or a refusal (`FAILED`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KeyInfo {
    /// The transacting MID.
    #[serde(deserialize_with = "lenient_string")]
    pub organization_id: Option<String>,
    /// The mposUi merchant id.
    #[serde(deserialize_with = "lenient_string")]
    pub external_organization_id: Option<String>,
    /// The secret key, shown once.
    #[serde(deserialize_with = "lenient_secret")]
    pub key: Option<SecretString>,
    /// The key's id.
    #[serde(deserialize_with = "lenient_string")]
    pub key_id: Option<String>,
    /// `ACTIVE` or `FAILED`.
    #[serde(deserialize_with = "lenient_string")]
    pub status: Option<String>,
    /// When the key expires (RFC 3339).
    #[serde(deserialize_with = "lenient_string")]
    pub expiration_date: Option<String>,
    /// Why a FAILED element failed.
    #[serde(deserialize_with = "lenient_string")]
    pub message: Option<String>,
    /// Structured reason of a FAILED element.
    #[serde(deserialize_with = "lenient_option")]
    pub error_information: Option<ErrorInformation>,
}

/// `errorInformation` of a FAILED element.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ErrorInformation {
    /// `MISSING_FIELD`, `INVALID_DATA`, …
    #[serde(deserialize_with = "lenient_string")]
    pub reason: Option<String>,
    /// A message, when the service puts it here rather than on the element.
    #[serde(deserialize_with = "lenient_string")]
    pub message: Option<String>,
    /// Field-level reasons.
    #[serde(deserialize_with = "lenient_vec")]
    pub details: Vec<FieldDetail>,
}

/// One `{field, reason}` pair.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct FieldDetail {
    /// The field, e.g. `keyInformation[0].organizationId`.
    #[serde(deserialize_with = "lenient_string")]
    pub field: Option<String>,
    /// Why, e.g. `INVALID_DATA`.
    #[serde(deserialize_with = "lenient_string")]
    pub reason: Option<String>,
}

/// Any error body: 400 `{status, reason, message, details}`, 401 `{"response":{"rmsg":…}}`, 5xx
/// `{status, reason, message}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorBody {
    /// `BAD_REQUEST`, `SERVER_ERROR`, …
    #[serde(deserialize_with = "lenient_string")]
    pub status: Option<String>,
    /// `INVALID_DATA`, `SYSTEM_ERROR`, …
    #[serde(deserialize_with = "lenient_string")]
    pub reason: Option<String>,
    /// Cybersource's message.
    #[serde(deserialize_with = "lenient_string")]
    pub message: Option<String>,
    /// Field-level reasons.
    #[serde(deserialize_with = "lenient_vec")]
    pub details: Vec<FieldDetail>,
    /// The 401 shape.
    #[serde(deserialize_with = "lenient_option")]
    pub response: Option<RmsgWrapper>,
}

/// `{"rmsg": "…"}` inside a 401 body.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RmsgWrapper {
    /// A message, sometimes itself JSON text.
    #[serde(deserialize_with = "lenient_string")]
    pub rmsg: Option<String>,
}

/// `rmsg` when it holds JSON text such as `{"error":"UNAUTHORIZED_USER","error_description":"…"}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RmsgJson {
    #[serde(deserialize_with = "lenient_string")]
    error: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    error_description: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    message: Option<String>,
}

impl ErrorBody {
    /// Parses an error body; `None` when it is not a JSON object (HTML, empty, cut off).
    pub fn parse(body: &[u8]) -> Option<ErrorBody> {
        let trimmed = body.trim_ascii_start();
        if !trimmed.starts_with(b"{") {
            return None;
        }
        serde_json::from_slice(body).ok()
    }

    /// The most useful human text in the body: `message`, else the 401 `rmsg` (unwrapped if it is JSON).
    pub fn server_message(&self) -> Option<String> {
        if let Some(m) = non_blank(&self.message) {
            return Some(m);
        }
        let rmsg = self.response.as_ref().and_then(|r| non_blank(&r.rmsg))?;
        if rmsg.trim_start().starts_with('{') {
            if let Ok(inner) = serde_json::from_str::<RmsgJson>(&rmsg) {
                let text = non_blank(&inner.error_description)
                    .or_else(|| non_blank(&inner.message))
                    .or_else(|| non_blank(&inner.error));
                if let Some(t) = text {
                    return Some(match non_blank(&inner.error) {
                        Some(code) if code != t => format!("{t} ({code})"),
                        _ => t,
                    });
                }
            }
        }
        Some(rmsg)
    }

    /// `field: reason` per line.
    pub fn details_text(&self) -> String {
        details_text(&self.details)
    }
}

impl KeyInfo {
    /// The best message for a FAILED element.
    pub fn failure_message(&self) -> Option<String> {
        non_blank(&self.message).or_else(|| {
            self.error_information
                .as_ref()
                .and_then(|e| non_blank(&e.message))
        })
    }

    /// `errorInformation.reason`, when given.
    pub fn failure_reason(&self) -> Option<String> {
        self.error_information
            .as_ref()
            .and_then(|e| non_blank(&e.reason))
    }

    /// `field: reason` per line from `errorInformation.details`.
    pub fn failure_details(&self) -> String {
        self.error_information
            .as_ref()
            .map(|e| details_text(&e.details))
            .unwrap_or_default()
    }
}

/// Joins `{field, reason}` pairs as `field: reason` lines.
pub fn details_text(details: &[FieldDetail]) -> String {
    details
        .iter()
        .filter_map(|d| match (non_blank(&d.field), non_blank(&d.reason)) {
            (Some(f), Some(r)) => Some(format!("{f}: {r}")),
            (Some(x), None) | (None, Some(x)) => Some(x),
            (None, None) => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn non_blank(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_body_is_compact_json_in_input_order() {
        let body = KeyRequest::for_mids(&["mid_one".into(), "mid_two".into()]).to_body();
        assert_eq!(
            body,
            br#"{"keyInformation":[{"organizationId":"mid_one"},{"organizationId":"mid_two"}]}"#
        );
        assert_eq!(
            KeyRequest::for_mids(&[]).to_body(),
            br#"{"keyInformation":[]}"#
        );
    }

    #[test]
    fn request_body_equals_serde_json() {
        let req = KeyRequest::for_mids(&["händler \"x\"\n".into(), "a".into()]);
        assert_eq!(req.to_body(), serde_json::to_vec(&req).unwrap());
    }

    #[test]
    fn success_with_unknown_fields() {
        let body = br#"{"submitTimeUtc":"2023-08-07T13:07:17Z","status":"ACCEPTED","_links":{"self":"x"},
            "keyInformation":[{"organizationId":"transacting_MID","externalOrganizationId":"MerchantId",
            "key":"SecretKey","keyId":"af922a42","status":"ACTIVE","expirationDate":"2033-08-07T13:07:17Z",
            "newThing":[1,2,{"a":null}]}]}"#;
        let r: KeyResponse = serde_json::from_slice(body).unwrap();
        assert_eq!(r.status.as_deref(), Some("ACCEPTED"));
        let k = &r.key_information[0];
        assert_eq!(k.organization_id.as_deref(), Some("transacting_MID"));
        assert_eq!(k.external_organization_id.as_deref(), Some("MerchantId"));
        assert_eq!(
            k.key.as_ref().map(|s| s.expose().as_str()),
            Some("SecretKey")
        );
        assert_eq!(k.key_id.as_deref(), Some("af922a42"));
        assert_eq!(k.expiration_date.as_deref(), Some("2033-08-07T13:07:17Z"));
    }

    #[test]
    fn failed_element() {
        let body =
            br#"{"status":"ACCEPTED","keyInformation":[{"organizationId":"bad","status":"FAILED",
            "message":"Organization not found","errorInformation":{"reason":"INVALID_DATA",
            "details":[{"field":"keyInformation[0].organizationId","reason":"INVALID_DATA"}]}}]}"#;
        let r: KeyResponse = serde_json::from_slice(body).unwrap();
        let k = &r.key_information[0];
        assert_eq!(k.status.as_deref(), Some("FAILED"));
        assert!(k.key.is_none());
        assert_eq!(
            k.failure_message().as_deref(),
            Some("Organization not found")
        );
        assert_eq!(k.failure_reason().as_deref(), Some("INVALID_DATA"));
        assert_eq!(
            k.failure_details(),
            "keyInformation[0].organizationId: INVALID_DATA"
        );
    }

    #[test]
    fn odd_types_are_tolerated() {
        let body =
            br#"{"status":7,"keyInformation":[{"organizationId":12,"key":null,"status":["?"],
            "errorInformation":"text","keyId":{"x":1}}, "not an object", 5],"submitTimeUtc":true}"#;
        let r: KeyResponse = serde_json::from_slice(body).unwrap();
        assert_eq!(r.status.as_deref(), Some("7"));
        assert_eq!(r.submit_time_utc.as_deref(), Some("true"));
        assert_eq!(r.key_information.len(), 1, "non-objects are dropped");
        let k = &r.key_information[0];
        assert_eq!(k.organization_id.as_deref(), Some("12"));
        assert!(
            k.key.is_none()
                && k.status.is_none()
                && k.key_id.is_none()
                && k.error_information.is_none()
        );

        let r: KeyResponse = serde_json::from_slice(br#"{"keyInformation":{"a":1}}"#).unwrap();
        assert!(r.key_information.is_empty());
        let r: KeyResponse = serde_json::from_slice(b"{}").unwrap();
        assert!(r.key_information.is_empty());
    }

    #[test]
    fn error_400() {
        let e = ErrorBody::parse(br#"{"submitTimeUtc":"x","status":"BAD_REQUEST","reason":"INVALID_DATA",
            "message":"Declined - One or more fields in the request contains invalid data",
            "details":[{"field":"keyInformation","reason":"MISSING_FIELD"},{"field":"x"}],"extra":1}"#)
        .unwrap();
        assert_eq!(e.reason.as_deref(), Some("INVALID_DATA"));
        assert_eq!(
            e.server_message().as_deref(),
            Some("Declined - One or more fields in the request contains invalid data")
        );
        assert_eq!(e.details_text(), "keyInformation: MISSING_FIELD\nx");
    }

    #[test]
    fn error_401_plain_and_json_rmsg() {
        let e = ErrorBody::parse(br#"{"response":{"rmsg":"Authentication Failed"}}"#).unwrap();
        assert_eq!(e.server_message().as_deref(), Some("Authentication Failed"));

        let e = ErrorBody::parse(
            br#"{"response":{"rmsg":"{\"error\":\"UNAUTHORIZED_USER\",\"error_description\":\"UNAUTHORIZED USER\"}"}}"#,
        )
        .unwrap();
        assert_eq!(
            e.server_message().as_deref(),
            Some("UNAUTHORIZED USER (UNAUTHORIZED_USER)")
        );

        let e = ErrorBody::parse(br#"{"response":{"rmsg":"{broken json"}}"#).unwrap();
        assert_eq!(e.server_message().as_deref(), Some("{broken json"));

        let e = ErrorBody::parse(br#"{"response":"nope"}"#).unwrap();
        assert_eq!(e.server_message(), None);
    }

    #[test]
    fn error_5xx() {
        let e = ErrorBody::parse(br#"{"status":"SERVER_ERROR","reason":"SYSTEM_ERROR","message":"Error - General system failure."}"#)
            .unwrap();
        assert_eq!(e.status.as_deref(), Some("SERVER_ERROR"));
        assert_eq!(e.reason.as_deref(), Some("SYSTEM_ERROR"));
        assert_eq!(
            e.server_message().as_deref(),
            Some("Error - General system failure.")
        );
    }

    #[test]
    fn non_json_error_bodies_are_none() {
        for body in [
            &b""[..],
            b"<html>502</html>",
            b"  ",
            b"{\"message\":\"cut",
            b"[1]",
            b"null",
        ] {
            assert!(
                ErrorBody::parse(body).is_none(),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
        assert!(ErrorBody::parse(b"  {}").is_some());
    }
}
