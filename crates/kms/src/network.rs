//! Turns a transport failure into a [`KmsError::Network`] a user can act on.

use crate::error::{KmsError, NetworkKind};
use std::error::Error as StdError;
use std::io;
use std::time::Duration;

/// What the message needs to know about the request that failed.
pub(crate) struct Context<'a> {
    /// The host (and port) we talked to.
    pub host: &'a str,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Whether a proxy was configured; then "could not connect" may be about the proxy.
    pub via_proxy: bool,
}

/// Whether the request never left this computer: only then is sending it again safe.
pub(crate) fn is_connect_failure(err: &reqwest::Error) -> bool {
    err.is_connect()
}

/// Classifies a reqwest error by walking its source chain.
pub(crate) fn kind_of(err: &reqwest::Error) -> NetworkKind {
    if err.is_timeout() {
        return NetworkKind::Timeout;
    }
    if err.is_dns() {
        return NetworkKind::Dns;
    }
    let mut kind = NetworkKind::Other;
    for_each_cause(err, |cause| {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            match io.kind() {
                io::ErrorKind::ConnectionRefused => kind = NetworkKind::ConnectionRefused,
                io::ErrorKind::TimedOut => kind = NetworkKind::Timeout,
                _ => {}
            }
        }
        if cause.downcast_ref::<rustls::Error>().is_some() {
            kind = NetworkKind::Tls;
        }
        let text = cause.to_string().to_ascii_lowercase();
        if kind == NetworkKind::Other {
            if text.contains("dns error") || text.contains("failed to lookup address") {
                kind = NetworkKind::Dns;
            } else if text.contains("certificate") || text.contains("tls handshake") {
                kind = NetworkKind::Tls;
            }
        }
    });
    kind
}

/// Calls `f` for every error in the chain. An `io::Error` is followed into the error it wraps, because its
/// `source()` skips that error and goes straight to the wrapped error's own source.
fn for_each_cause(err: &(dyn StdError + 'static), mut f: impl FnMut(&(dyn StdError + 'static))) {
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    let mut depth = 0;
    while let Some(cause) = next {
        f(cause);
        depth += 1;
        let wrapped = cause
            .downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn StdError + 'static));
        // Source chains are short; the bound only guards against a pathological cycle.
        next = if depth < 32 {
            wrapped.or_else(|| cause.source())
        } else {
            None
        };
    }
}

/// The innermost description, e.g. "Connection refused (os error 111)".
fn root_cause(err: &reqwest::Error) -> String {
    let mut last = err.to_string();
    for_each_cause(err, |cause| last = cause.to_string());
    last
}

/// Maps a failed request (no HTTP answer at all) to a plain-language `Network` error.
pub(crate) fn network_error(err: &reqwest::Error, ctx: &Context<'_>) -> KmsError {
    let connect = is_connect_failure(err);
    let kind = kind_of(err);
    let host = ctx.host;
    let cause = root_cause(err);
    let proxy_hint = if ctx.via_proxy {
        " (a proxy is configured: check it too)"
    } else {
        ""
    };
    let maybe_issued =
        "A key may have been issued: check Key Management in the Business Center before trying \
                        again, because trying again issues another key.";
    let message = match (kind, connect) {
        (NetworkKind::Dns, _) => format!(
            "Could not find the server {host}: the name lookup (DNS) failed{proxy_hint}. Check the base URL \
             and your internet connection. ({cause})"
        ),
        (NetworkKind::ConnectionRefused, _) => format!(
            "Nothing accepted the connection to {host}{proxy_hint}. Check the base URL and port, and that no \
             firewall blocks it. ({cause})"
        ),
        (NetworkKind::Timeout, true) => format!(
            "No connection to {host} within {} s{proxy_hint}. Check your internet connection, firewall and \
             proxy settings, then try again.",
            ctx.connect_timeout.as_secs_f32()
        ),
        (NetworkKind::Timeout, false) => format!(
            "{host} did not answer within {} s. {maybe_issued} If the service is just slow, allow a longer \
             request timeout.",
            ctx.request_timeout.as_secs_f32()
        ),
        (NetworkKind::Tls, _) => format!(
            "The secure (TLS) connection to {host} failed: {cause}. Check the base URL (https:// to a server \
             that speaks HTTPS). If your network inspects HTTPS traffic, its root certificate must be \
             installed in the system's certificate store."
        ),
        (NetworkKind::Other, true) => {
            format!("Could not connect to {host}{proxy_hint}: {cause}. Check the base URL and your network.")
        }
        (NetworkKind::Other, false) => format!(
            "The connection to {host} broke before the answer arrived ({cause}). {maybe_issued}"
        ),
    };
    KmsError::Network {
        kind,
        message,
        may_have_reached_server: !connect,
    }
}
