//! Device activation codes: `POST /dms/v2/merchants/{MID}/activation-codes?size=N`, one call per merchant.
//!
//! Devices running the Acceptance Devices app (and iPhones with the Tap to Pay SDK) are activated with these
//! one-time codes instead of a merchant secret. A code is a short-lived secret: it travels in
//! [`SecretString`] and is redacted from every snippet and log (`token` is a redacted member name).

use crate::answer::{self, Answer};
use crate::client::KmsClient;
use crate::error::KmsError;
use crate::lenient::{lenient_secret, lenient_string, lenient_vec};
use crate::mid::mid_problem;
use crate::redact::snippet;
use crate::secret::SecretString;
use futures::stream::{self, StreamExt};
use serde::Deserialize;
use std::collections::HashSet;
use std::time::{Duration, SystemTime};

/// At most this many codes per merchant and call: the service refuses more.
pub const MAX_CODES_PER_CALL: u8 = 15;
/// Assumed when an answer gives no usable `ttl`: codes are documented as valid for 24 hours.
pub const DEFAULT_CODE_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// The body sent: documented as empty, sent as `{}` and signed like any POST body.
const BODY: &[u8] = b"{}";

/// One device activation code.
#[derive(Debug, Clone)]
pub struct ActivationCode {
    /// The code a device is activated with.
    pub code: SecretString,
    /// When it stops working: our clock when the answer arrived plus the `ttl` Cybersource gave.
    pub expires_at: SystemTime,
}

/// The result for one requested merchant, in the order the merchants were asked for.
#[derive(Debug, Clone)]
pub enum CodesOutcome {
    /// Codes were issued (normally as many as asked for; see `requested`).
    Issued {
        /// The transacting MID the codes belong to.
        cybersource_merchant_id: String,
        /// The codes, in the order Cybersource sent them.
        codes: Vec<ActivationCode>,
        /// How many were asked for.
        requested: u8,
    },
    /// No codes for this merchant.
    Failed {
        /// The MID that was asked for.
        cybersource_merchant_id: String,
        /// Why, mapped like every other call's errors.
        error: KmsError,
    },
}

impl CodesOutcome {
    /// The MID this outcome belongs to.
    pub fn cybersource_merchant_id(&self) -> &str {
        match self {
            CodesOutcome::Issued {
                cybersource_merchant_id,
                ..
            }
            | CodesOutcome::Failed {
                cybersource_merchant_id,
                ..
            } => cybersource_merchant_id,
        }
    }
}

/// The request target (path and query) that asks for `count` codes for `mid`.
pub fn activation_target(mid: &str, count: u8) -> String {
    format!("/dms/v2/merchants/{mid}/activation-codes?size={count}")
}

/// Refuses a count outside 1..=15 with a sentence that says what to do.
pub fn count_problem(count: u32) -> Option<String> {
    match count {
        0 => Some("Ask for at least one activation code.".into()),
        n if n > u32::from(MAX_CODES_PER_CALL) => Some(format!(
            "At most {MAX_CODES_PER_CALL} activation codes can be made per merchant at once (asked for {n}). \
             Ask for {MAX_CODES_PER_CALL} or fewer; run again for more."
        )),
        _ => None,
    }
}

#[derive(Deserialize)]
struct CodesResponse {
    #[serde(default, deserialize_with = "lenient_vec")]
    tokens: Vec<TokenInfo>,
}

#[derive(Deserialize)]
struct TokenInfo {
    #[serde(default, deserialize_with = "lenient_secret")]
    token: Option<SecretString>,
    #[serde(default, deserialize_with = "lenient_string")]
    ttl: Option<String>,
}

impl KmsClient {
    /// Asks for `count` activation codes for each MID; see [`KmsClient::activation_codes_with_progress`].
    pub async fn activation_codes(
        &self,
        mids: &[String],
        count: u8,
    ) -> Result<Vec<CodesOutcome>, KmsError> {
        self.activation_codes_with_progress(mids, count, &|_, _| {})
            .await
    }

    /// Asks for `count` activation codes for each MID, one call per merchant with the configured bounded
    /// concurrency, reporting `(merchants done, total)` as calls finish.
    ///
    /// `Err` only for input refused before any request (a count outside 1..=15, a bad or repeated MID, a
    /// certificate that cannot be used); afterwards every MID gets its own [`CodesOutcome`], in input order.
    /// The header names the path's MID; the signature's owner is the profile's organization id (the portfolio
    /// for a meta key), or the MID itself when none is set.
    pub async fn activation_codes_with_progress(
        &self,
        mids: &[String],
        count: u8,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<Vec<CodesOutcome>, KmsError> {
        if let Some(problem) = count_problem(u32::from(count)) {
            return Err(KmsError::InvalidInput(problem));
        }
        let mut seen = HashSet::new();
        for mid in mids {
            if let Some(problem) = mid_problem(mid) {
                return Err(KmsError::InvalidInput(format!(
                    "Merchant id {mid:?}: {problem}"
                )));
            }
            if !seen.insert(mid.as_str()) {
                return Err(KmsError::InvalidInput(format!(
                    "The merchant id {mid} is listed twice; ask for more codes with the count instead."
                )));
            }
        }
        let mut calls = Vec::with_capacity(mids.len());
        for mid in mids {
            let owner = self.owner_id.clone().unwrap_or_else(|| mid.clone());
            self.auth.prepare(&owner)?;
            let url = self.url_for(&activation_target(mid, count))?;
            calls.push((mid, owner, url));
        }

        let total = mids.len();
        progress(0, total);
        let futures: Vec<_> = calls
            .iter()
            .map(|(mid, owner, url)| self.codes_for_one(mid, owner, url, count))
            .collect();
        let mut results = stream::iter(futures).buffered(self.config.concurrency);
        let mut outcomes = Vec::with_capacity(total);
        while let Some(outcome) = results.next().await {
            outcomes.push(outcome);
            progress(outcomes.len(), total);
        }
        Ok(outcomes)
    }

    async fn codes_for_one(
        &self,
        mid: &str,
        owner: &str,
        url: &url::Url,
        count: u8,
    ) -> CodesOutcome {
        let result = match self
            .send(reqwest::Method::POST, url, Some(BODY), mid, owner)
            .await
        {
            Ok(answer) if (200..300).contains(&answer.status) => read_codes(mid, &answer, count),
            Ok(answer) => Err(answer::error_for_status(&answer)),
            Err(error) => Err(error),
        };
        match result {
            Ok(codes) => CodesOutcome::Issued {
                cybersource_merchant_id: mid.to_string(),
                codes,
                requested: count,
            },
            Err(error) => CodesOutcome::Failed {
                cybersource_merchant_id: mid.to_string(),
                error,
            },
        }
    }
}

/// The codes of a 2xx answer; an answer without a single usable code is an error.
fn read_codes(mid: &str, answer: &Answer, count: u8) -> Result<Vec<ActivationCode>, KmsError> {
    let unreadable = |what: &str| {
        KmsError::UnexpectedResponse {
        status: answer.status,
        message: format!(
            "Cybersource answered HTTP {} but {what}, so no activation code for {mid} could be read. Unused \
             codes expire on their own within 24 hours; try again.",
            answer.status
        ),
        snippet: snippet(&answer.body),
    }
    };
    let body = answer.body.trim_ascii_start();
    if !body.starts_with(b"{") {
        return Err(unreadable(if body.is_empty() {
            "the answer was empty"
        } else {
            "the answer is not JSON"
        }));
    }
    let parsed: CodesResponse = serde_json::from_slice(&answer.body).map_err(|e| {
        unreadable(if e.is_eof() {
            "the answer was cut off"
        } else {
            "the answer is not valid JSON"
        })
    })?;
    let codes: Vec<ActivationCode> = parsed
        .tokens
        .into_iter()
        .filter_map(|t| {
            let code = t.token.filter(|c| !c.expose().trim().is_empty())?;
            let ttl = t
                .ttl
                .as_deref()
                .and_then(|ms| ms.trim().parse::<f64>().ok())
                .filter(|ms| ms.is_finite() && *ms > 0.0)
                .map(|ms| Duration::from_millis(ms as u64))
                .unwrap_or_else(|| {
                    log::warn!(
                        "an activation code for {mid} came without a usable ttl; assuming 24 hours"
                    );
                    DEFAULT_CODE_TTL
                });
            Some(ActivationCode {
                code,
                expires_at: answer.received_at + ttl,
            })
        })
        .collect();
    if codes.is_empty() {
        return Err(unreadable("it holds no activation code"));
    }
    if codes.len() != usize::from(count) {
        log::warn!(
            "asked for {count} activation codes for {mid}, got {}",
            codes.len()
        );
    }
    Ok(codes)
}
