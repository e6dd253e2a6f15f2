//! Device activation codes: `POST /dms/v2/merchants/{MID}/activation-codes?size={1..15}`.
//!
//! Inferences the spec leaves open, enforced here so the client keeps to them:
//! - the request target must be exactly the path and `?size=N` (no other parameter, N in 1..=15 without
//!   leading zeros; another N is a 400 after authentication, as the real service validates after it);
//! - the `v-c-merchant-id` header must be the path's MID (else 401), and the signing line names the key's
//!   owner, the portfolio for a meta key or the merchant for its own key;
//! - a merchant's own key makes codes for its owner and, like the keys endpoint, for merchants the policy
//!   accepts; any other merchant gets 403. A meta key acting for a merchant it does not manage gets 401.

use std::time::SystemTime;

use serde_json::json;

use crate::config::{EmulatorConfig, MerchantPolicy};
use crate::http::Response;
use crate::responses::{rfc3339, to_datetime};
use crate::verify::Rejection;

/// The most codes one call may ask for.
pub const MAX_CODES: u32 = 15;
/// How long a code stays valid, in milliseconds, as the service reports it (a little under 24 hours).
pub const CODE_TTL_MS: u64 = 86_399_805;
/// The characters a code is made of (the real ones mix letters, digits and a few symbols).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789%#@";
const CODE_LEN: usize = 8;

/// The codes made for one merchant in one call.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCodes {
    /// The transacting MID of the path.
    pub organization_id: String,
    /// The codes, in the order they were sent.
    pub codes: Vec<String>,
}

// Codes are secrets while they live: a test's failure output must not print them.
impl std::fmt::Debug for IssuedCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCodes")
            .field("organization_id", &self.organization_id)
            .field("codes", &self.codes.len())
            .finish()
    }
}

/// An activation-codes request target, split into the path's MID and the raw `size` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodesTarget<'a> {
    pub mid: &'a str,
    pub size: &'a str,
}

/// Reads `/dms/v2/merchants/{MID}/activation-codes?size=N`; `None` for any other target.
pub(crate) fn parse_target(target: &str) -> Option<CodesTarget<'_>> {
    let rest = target.strip_prefix("/dms/v2/merchants/")?;
    let (mid, query) = rest.split_once("/activation-codes?")?;
    let size = query.strip_prefix("size=")?;
    if mid.is_empty() || mid.contains(['/', '?', '%']) || size.contains(['&', '=', '#']) {
        return None;
    }
    Some(CodesTarget { mid, size })
}

/// The merchant rules of the activation endpoint, checked after the signature.
pub(crate) fn check_merchant(
    config: &EmulatorConfig,
    organization_id: &str,
    meta_key: bool,
    header_mid: &str,
    target: &CodesTarget<'_>,
) -> Result<(), Rejection> {
    if header_mid != target.mid {
        return Err(Rejection::MerchantNotPath);
    }
    if meta_key && header_mid != organization_id && !config.merchants.accepts(header_mid) {
        return Err(Rejection::MerchantNotManaged);
    }
    Ok(())
}

/// The answer to an authenticated request: 201 with the codes, 400 for a bad size, 403 for a merchant the
/// key may not act for. `None` when no randomness was available (the caller answers 500).
pub(crate) fn answer(
    now: SystemTime,
    target: &CodesTarget<'_>,
    owner: &str,
    policy: &MerchantPolicy,
) -> Result<(Response, Option<IssuedCodes>), crate::issue::NoRandomness> {
    let Some(size) = parse_size(target.size) else {
        let body = json!({
            "submitTimeUtc": rfc3339(to_datetime(now)),
            "status": "BAD_REQUEST",
            "reason": "INVALID_DATA",
            "message": format!("size must be a number from 1 to {MAX_CODES}"),
            "details": [{ "field": "size", "reason": "INVALID_DATA" }],
        });
        return Ok((json(400, now, &body), None));
    };
    if target.mid != owner && !policy.accepts(target.mid) {
        let body = json!({
            "submitTimeUtc": rfc3339(to_datetime(now)),
            "status": "FORBIDDEN",
            "reason": "NOT_AUTHORIZED",
            "message": format!("The merchant {} is not managed by this organization", target.mid),
        });
        return Ok((json(403, now, &body), None));
    }
    let mut codes = Vec::with_capacity(size as usize);
    for _ in 0..size {
        codes.push(new_code()?);
    }
    let tokens: Vec<_> = codes
        .iter()
        .map(|c| json!({ "token": c, "ttl": CODE_TTL_MS }))
        .collect();
    let response = json(201, now, &json!({ "tokens": tokens }));
    Ok((
        response,
        Some(IssuedCodes {
            organization_id: target.mid.to_owned(),
            codes,
        }),
    ))
}

fn parse_size(raw: &str) -> Option<u32> {
    if raw.is_empty()
        || raw.len() > 2
        || raw.starts_with('0')
        || !raw.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    raw.parse().ok().filter(|n| (1..=MAX_CODES).contains(n))
}

fn new_code() -> Result<String, crate::issue::NoRandomness> {
    let mut bytes = [0u8; CODE_LEN];
    getrandom::fill(&mut bytes).map_err(|_| crate::issue::NoRandomness)?;
    Ok(bytes
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
        .collect())
}

fn json(status: u16, now: SystemTime, body: &serde_json::Value) -> Response {
    Response {
        status,
        headers: vec![
            ("Date", httpdate::fmt_http_date(now)),
            ("Content-Type", "application/json;charset=utf-8".to_owned()),
            ("v-c-correlation-id", uuid::Uuid::new_v4().to_string()),
        ],
        body: serde_json::to_vec(body).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_read_exactly() {
        assert_eq!(
            parse_target("/dms/v2/merchants/acme_store_042/activation-codes?size=3"),
            Some(CodesTarget {
                mid: "acme_store_042",
                size: "3"
            })
        );
        for other in [
            "/dms/v2/merchants/acme/activation-codes",
            "/dms/v2/merchants//activation-codes?size=3",
            "/dms/v2/merchants/acme/activation-codes?size=3&x=1",
            "/dms/v2/merchants/acme/activation-codes?count=3",
            "/dms/v2/merchants/a/b/activation-codes?size=3",
            "/kms/v2/keys-sym-pos",
        ] {
            assert_eq!(parse_target(other), None, "{other}");
        }
    }

    #[test]
    fn sizes_from_1_to_15_only() {
        assert_eq!(parse_size("1"), Some(1));
        assert_eq!(parse_size("15"), Some(15));
        for bad in ["0", "16", "03", "", "-1", "1.0", "100"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }

    #[test]
    fn codes_are_fresh_and_well_formed() {
        let a = new_code().unwrap();
        let b = new_code().unwrap();
        assert_eq!(a.len(), CODE_LEN);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| CODE_ALPHABET.contains(&c)));
    }
}
