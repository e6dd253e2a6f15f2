//! Where keys are generated: Cybersource's hosts, a custom gateway, or the offline demo.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;
use url::Url;

/// The mposUi provider mode a key works in: TEST keys come from test hosts, LIVE keys from production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ProviderMode {
    /// mposUi `ProviderMode.TEST`.
    Test,
    /// mposUi `ProviderMode.LIVE`.
    Live,
}

impl ProviderMode {
    /// The word mposUi uses: `TEST` or `LIVE`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderMode::Test => "TEST",
            ProviderMode::Live => "LIVE",
        }
    }
}

impl fmt::Display for ProviderMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A KMS environment, parsed from the token users type (`test`, `production`, …, or a base URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// Cybersource sandbox, `https://apitest.cybersource.com`.
    Test,
    /// Cybersource production, `https://api.cybersource.com`.
    Production,
    /// Visa Acceptance sandbox, `https://apitest.visaacceptance.com`.
    VisaTest,
    /// Visa Acceptance production, `https://api.visaacceptance.com`.
    VisaProduction,
    /// The built-in offline emulator; its address is only known once it runs.
    Demo,
    /// A gateway or test server: `https://` anywhere, `http://` only on a loopback address.
    Custom(Url),
}

/// Why an environment token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EnvironmentError(pub String);

impl Environment {
    /// Parses `test`, `production`, `visa-test`, `visa-production`, `demo` or a base URL.
    pub fn parse(token: &str) -> Result<Self, EnvironmentError> {
        let token = token.trim();
        match token.to_ascii_lowercase().as_str() {
            "test" | "sandbox" => return Ok(Environment::Test),
            "production" | "prod" | "live" => return Ok(Environment::Production),
            "visa-test" => return Ok(Environment::VisaTest),
            "visa-production" | "visa-prod" => return Ok(Environment::VisaProduction),
            "demo" => return Ok(Environment::Demo),
            _ => {}
        }
        if !token.contains("://") {
            return Err(EnvironmentError(format!(
                "\"{token}\" is not an environment. Use test, production, visa-test, visa-production, demo, \
                 or a base URL such as https://gateway.example.com."
            )));
        }
        Self::custom(token).map(Environment::Custom)
    }

    /// Validates a custom base URL: https anywhere, http only to loopback, no credentials, query or fragment.
    pub fn custom(raw: &str) -> Result<Url, EnvironmentError> {
        let url = Url::parse(raw)
            .map_err(|e| EnvironmentError(format!("\"{raw}\" is not a valid URL ({e}).")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(EnvironmentError(
                "The base URL must not contain a user name or password; credentials belong in the profile."
                    .into(),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(EnvironmentError(
                "The base URL must not have a query (?…) or fragment (#…).".into(),
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| EnvironmentError(format!("\"{raw}\" has no host name.")))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(host) => {}
            "http" => {
                return Err(EnvironmentError(format!(
                    "Plain http:// is only allowed to this computer (localhost, 127.0.0.1, ::1), not to {host}. \
                     Use https://."
                )))
            }
            other => {
                return Err(EnvironmentError(format!(
                    "The base URL must start with https:// (it starts with {other}://)."
                )))
            }
        }
        if url.path() != "/" && !url.path().is_empty() {
            return Err(EnvironmentError(format!(
                "The base URL must not have a path (found \"{}\"); give only scheme, host and port.",
                url.path()
            )));
        }
        Ok(url)
    }

    /// The base URL requests go to; `None` for the demo, whose address the caller supplies.
    pub fn base_url(&self) -> Option<Url> {
        let fixed = |s: &str| Some(Url::parse(s).expect("built-in URL"));
        match self {
            Environment::Test => fixed("https://apitest.cybersource.com"),
            Environment::Production => fixed("https://api.cybersource.com"),
            Environment::VisaTest => fixed("https://apitest.visaacceptance.com"),
            Environment::VisaProduction => fixed("https://api.visaacceptance.com"),
            Environment::Demo => None,
            Environment::Custom(url) => Some(url.clone()),
        }
    }

    /// LIVE for the production hosts; TEST for sandboxes, the demo and custom gateways.
    pub fn provider_mode(&self) -> ProviderMode {
        match self {
            Environment::Production | Environment::VisaProduction => ProviderMode::Live,
            _ => ProviderMode::Test,
        }
    }

    /// The token this environment is written as in config files and exports.
    pub fn token(&self) -> String {
        match self {
            Environment::Test => "test".into(),
            Environment::Production => "production".into(),
            Environment::VisaTest => "visa-test".into(),
            Environment::VisaProduction => "visa-production".into(),
            Environment::Demo => "demo".into(),
            Environment::Custom(url) => url.as_str().trim_end_matches('/').to_string(),
        }
    }

    /// A human label for the UI, e.g. "Cybersource test".
    pub fn label(&self) -> String {
        match self {
            Environment::Test => "Cybersource test".into(),
            Environment::Production => "Cybersource production".into(),
            Environment::VisaTest => "Visa Acceptance test".into(),
            Environment::VisaProduction => "Visa Acceptance production".into(),
            Environment::Demo => "Demo (offline)".into(),
            Environment::Custom(url) => format!("Custom: {}", url.as_str().trim_end_matches('/')),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.token())
    }
}

/// True for `localhost` and loopback IP literals (127.0.0.0/8, ::1).
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_environments() {
        assert_eq!(Environment::parse("test").unwrap(), Environment::Test);
        assert_eq!(
            Environment::parse(" Production ").unwrap(),
            Environment::Production
        );
        assert_eq!(
            Environment::parse("visa-production")
                .unwrap()
                .base_url()
                .unwrap()
                .as_str(),
            "https://api.visaacceptance.com/"
        );
        assert_eq!(
            Environment::parse("production").unwrap().provider_mode(),
            ProviderMode::Live
        );
        assert_eq!(
            Environment::parse("demo").unwrap().provider_mode(),
            ProviderMode::Test
        );
    }

    #[test]
    fn custom_urls() {
        assert!(Environment::parse("https://gw.example.com:8443").is_ok());
        assert!(Environment::parse("http://127.0.0.1:9000").is_ok());
        assert!(Environment::parse("http://localhost:9000/").is_ok());
        assert!(Environment::parse("http://[::1]:9000").is_ok());
        for bad in [
            "http://gw.example.com",
            "http://10.0.0.1:80",
            "ftp://gw.example.com",
            "https://user:pw@gw.example.com",
            "https://gw.example.com/kms",
            "https://gw.example.com/?a=b",
            "gw.example.com",
            "https://",
        ] {
            assert!(Environment::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn token_round_trips() {
        for t in [
            "test",
            "production",
            "visa-test",
            "visa-production",
            "demo",
            "https://gw.example.com:8443",
        ] {
            assert_eq!(Environment::parse(t).unwrap().token(), t);
        }
    }
}
