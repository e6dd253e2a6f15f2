//! The one error type of the KMS crate: each variant is something a caller can act on.

/// What went wrong talking to the KMS, with a plain-language message that says what to do next.
///
/// `Clone`, because a failed request is reported against every merchant of its chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KmsError {
    /// Our own input was wrong (a MID, a key id, a secret that is not base64, a base URL, …).
    #[error("{0}")]
    InvalidInput(String),

    /// Cybersource refused the credentials (HTTP 401).
    #[error("{message}")]
    AuthenticationRefused {
        /// One sentence naming the likely causes, clock skew first when it was measured.
        message: String,
        /// Our clock minus the server's `Date`, in seconds, when the server sent one.
        clock_skew_secs: Option<i64>,
        /// Cybersource's own body text (redacted), for a "Details" view.
        detail: String,
    },

    /// Cybersource answered, but refused to issue a key for this merchant (a FAILED element).
    #[error("No key for {mid}: {message}")]
    MerchantRefused {
        /// The MID that was refused.
        mid: String,
        /// Cybersource's message, or our explanation of its reason.
        message: String,
        /// `MISSING_FIELD`, `INVALID_DATA`, … when given.
        reason: Option<String>,
        /// Field-level details, one `field: reason` per line.
        detail: String,
    },

    /// The request was refused as a whole (400, 403, 404 and other 4xx but 401).
    #[error("{message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Cybersource's `reason`, when given.
        reason: Option<String>,
        /// Plain-language message including Cybersource's own.
        message: String,
        /// The response body (redacted, shortened), for a "Details" view.
        detail: String,
    },

    /// Cybersource had a problem (5xx). Never retried automatically: a retry could issue a second key.
    #[error("{message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// `SYSTEM_ERROR`, `SERVER_TIMEOUT`, … when given.
        reason: Option<String>,
        /// Plain-language message including Cybersource's own, ending in what to do.
        message: String,
        /// The response body (redacted, shortened).
        detail: String,
    },

    /// The answer was not what Cybersource sends: HTML from a proxy, an empty or cut-off body, wrong JSON.
    #[error("{message}")]
    UnexpectedResponse {
        /// HTTP status.
        status: u16,
        /// Plain-language message.
        message: String,
        /// The first 200 characters of the body, redacted.
        snippet: String,
    },

    /// Not asked for: the user stopped the batch (Ctrl-C) before this merchant's request was sent.
    #[error("{0}")]
    Interrupted(String),

    /// The request did not get an answer: DNS, refused, timeout, TLS, proxy.
    #[error("{message}")]
    Network {
        /// Which kind of network failure.
        kind: NetworkKind,
        /// Plain-language message that says what to check.
        message: String,
        /// Whether the request may have reached the server (then a key may have been issued).
        may_have_reached_server: bool,
    },
}

/// The kinds of network failure a user can tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkKind {
    /// The host name could not be resolved.
    Dns,
    /// Nobody listens at that address, or a firewall refused.
    ConnectionRefused,
    /// No answer in time (connect or whole request).
    Timeout,
    /// TLS handshake or certificate problem.
    Tls,
    /// The connection broke mid-response, a proxy failed, or something else.
    Other,
}

impl KmsError {
    /// A stable machine-readable code for the UI and logs, e.g. `auth_refused`.
    pub fn code(&self) -> &'static str {
        match self {
            KmsError::InvalidInput(_) => "invalid_input",
            KmsError::AuthenticationRefused { .. } => "auth_refused",
            KmsError::MerchantRefused { .. } => "merchant_refused",
            KmsError::Rejected { .. } => "request_rejected",
            KmsError::Server { .. } => "server_error",
            KmsError::UnexpectedResponse { .. } => "unexpected_response",
            KmsError::Network { .. } => "network",
            KmsError::Interrupted(_) => "interrupted",
        }
    }

    /// Extra information for a "Details" view (Cybersource's own status, reason and message).
    pub fn detail(&self) -> String {
        match self {
            KmsError::InvalidInput(_) | KmsError::Interrupted(_) => String::new(),
            KmsError::AuthenticationRefused { detail, .. } => format!("HTTP 401\n{detail}"),
            KmsError::MerchantRefused { reason, detail, .. } => {
                join_detail(None, reason.as_deref(), detail)
            }
            KmsError::Rejected {
                status,
                reason,
                detail,
                ..
            }
            | KmsError::Server {
                status,
                reason,
                detail,
                ..
            } => join_detail(Some(*status), reason.as_deref(), detail),
            KmsError::UnexpectedResponse {
                status, snippet, ..
            } => {
                format!("HTTP {status}\n{snippet}")
            }
            KmsError::Network { kind, .. } => format!("{kind:?}"),
        }
    }
}

fn join_detail(status: Option<u16>, reason: Option<&str>, detail: &str) -> String {
    let mut out = Vec::new();
    if let Some(s) = status {
        out.push(format!("HTTP {s}"));
    }
    if let Some(r) = reason {
        out.push(format!("reason: {r}"));
    }
    if !detail.is_empty() {
        out.push(detail.to_string());
    }
    out.join("\n")
}
