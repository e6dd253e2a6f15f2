//! Misbehaviour the emulator can be told to show, so the client's error paths get exercised.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// How long `slow` waits: longer than the client's default 30 s request timeout.
pub const DEFAULT_SLOW: Duration = Duration::from_secs(60);

/// One fault per run, applied to the served POSTs (keys and activation codes; other paths still get 404).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Fault {
    /// Behave like the real service.
    #[default]
    None,
    /// The first POST gets a 502 SERVER_ERROR before any checking; later ones are normal.
    ServerErrorOnce,
    /// Every POST gets 401 Authentication Failed, whatever it carries.
    AlwaysUnauthorized,
    /// Wait this long before answering (then answer normally).
    Slow(Duration),
    /// 201 with an HTML page, as an intercepting proxy would send; nothing is issued.
    GarbageBody,
    /// Issue keys, announce the full Content-Length, write only part of the body, close.
    CutOffBody,
    /// Read the request, then close the connection without a byte of answer.
    CloseConnection,
}

impl Fault {
    /// The names `FromStr` understands (`slow` also takes `slow:SECONDS`).
    pub const NAMES: [&'static str; 7] = [
        "none", "5xx-once", "401", "slow", "garbage", "cut-off", "close",
    ];
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fault = match s {
            "none" => Fault::None,
            "5xx-once" => Fault::ServerErrorOnce,
            "401" => Fault::AlwaysUnauthorized,
            "slow" => Fault::Slow(DEFAULT_SLOW),
            "garbage" => Fault::GarbageBody,
            "cut-off" => Fault::CutOffBody,
            "close" => Fault::CloseConnection,
            other => match other.strip_prefix("slow:").map(str::parse::<u64>) {
                Some(Ok(secs)) => Fault::Slow(Duration::from_secs(secs)),
                _ => {
                    return Err(format!(
                        "unknown fault {other:?}; expected one of {} (or slow:SECONDS)",
                        Fault::NAMES.join(", ")
                    ))
                }
            },
        };
        Ok(fault)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::None => f.write_str("none"),
            Fault::ServerErrorOnce => f.write_str("5xx-once"),
            Fault::AlwaysUnauthorized => f.write_str("401"),
            Fault::Slow(d) if *d == DEFAULT_SLOW => f.write_str("slow"),
            Fault::Slow(d) => write!(f, "slow:{}", d.as_secs()),
            Fault::GarbageBody => f.write_str("garbage"),
            Fault::CutOffBody => f.write_str("cut-off"),
            Fault::CloseConnection => f.write_str("close"),
        }
    }
}

/// The page a corporate proxy might answer with instead of the service's JSON.
pub(crate) const GARBAGE_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Web Filter Notification</title></head>\n\
<body><h1>Access to this site is being checked</h1>\n\
<p>Your request is being inspected by the corporate proxy. Please wait or contact your IT help desk.</p>\n\
</body></html>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips() {
        for name in Fault::NAMES {
            let fault: Fault = name.parse().unwrap();
            assert_eq!(fault.to_string(), name);
        }
    }

    #[test]
    fn slow_takes_seconds_and_unknown_names_are_refused() {
        assert_eq!(
            "slow:3".parse::<Fault>(),
            Ok(Fault::Slow(Duration::from_secs(3)))
        );
        assert_eq!("slow".parse::<Fault>(), Ok(Fault::Slow(DEFAULT_SLOW)));
        assert!("slow:x".parse::<Fault>().is_err());
        assert!("500".parse::<Fault>().unwrap_err().contains("5xx-once"));
    }
}
