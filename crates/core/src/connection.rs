//! Turning a profile, or the `MPOS_KEYGEN_*` environment variables, into a ready KMS client.

use crate::demo;
use crate::error::Error;
use mpos_kms::{
    certificate_names, Auth, CertificateCredential, ClientConfig, Credentials, Environment,
    KmsClient, KmsError, P12Source, ProxyChoice, SecretString,
};
use mpos_store::config::{AuthMethod, Profile, ProxySetting, Settings};
use mpos_store::keychain::{profile_account, SecretStore};
use std::time::Duration;

/// Where the credentials for a call come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A saved profile, by name.
    Profile(String),
    /// Credentials given directly, e.g. from environment variables in a pipeline.
    Direct(DirectCredentials),
}

/// Credentials that do not live in a profile.
#[derive(Debug, Clone)]
pub struct DirectCredentials {
    /// Where to send requests.
    pub environment: Environment,
    /// The REST shared secret's key id.
    pub key_id: String,
    /// The REST shared secret.
    pub secret: SecretString,
    /// The id that owns the key; `None` means the single MID being generated.
    pub owner_id: Option<String>,
    /// Whether the key is a meta key of a portfolio or account.
    pub meta_key: bool,
}

/// The pipeline variables: `MPOS_KEYGEN_ENV`, `_KEY_ID`, `_SECRET`, `_ORG`, `_META_KEY`.
pub mod vars {
    /// The environment token.
    pub const ENV: &str = "MPOS_KEYGEN_ENV";
    /// The key id.
    pub const KEY_ID: &str = "MPOS_KEYGEN_KEY_ID";
    /// The shared secret.
    pub const SECRET: &str = "MPOS_KEYGEN_SECRET";
    /// The id that owns the key.
    pub const ORG: &str = "MPOS_KEYGEN_ORG";
    /// `1` for a meta key.
    pub const META_KEY: &str = "MPOS_KEYGEN_META_KEY";
}

impl DirectCredentials {
    /// Reads the pipeline variables through `get`; `Ok(None)` when none of them is set.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, Error> {
        let env = get(vars::ENV).filter(|v| !v.trim().is_empty());
        let key_id = get(vars::KEY_ID).filter(|v| !v.trim().is_empty());
        let secret = get(vars::SECRET).filter(|v| !v.is_empty());
        if env.is_none() && key_id.is_none() && secret.is_none() {
            return Ok(None);
        }
        let environment = Environment::parse(env.as_deref().unwrap_or("test"))
            .map_err(|e| Error::Usage(format!("{}: {e}", vars::ENV)))?;
        if environment == Environment::Demo {
            return Ok(Some(Self::demo()));
        }
        let key_id = key_id.ok_or_else(|| {
            Error::Usage(format!(
                "{} is set but {} is missing.",
                vars::SECRET,
                vars::KEY_ID
            ))
        })?;
        let secret = secret.ok_or_else(|| {
            Error::Usage(format!(
                "{} is set but {} is missing.",
                vars::KEY_ID,
                vars::SECRET
            ))
        })?;
        let meta_key = matches!(
            get(vars::META_KEY).as_deref().map(str::trim),
            Some("1" | "true" | "yes")
        );
        let owner_id = get(vars::ORG)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        if meta_key && owner_id.is_none() {
            return Err(Error::Usage(format!(
                "{}=1 needs {} set to the portfolio or account id that owns the meta key.",
                vars::META_KEY,
                vars::ORG
            )));
        }
        Ok(Some(Self {
            environment,
            key_id: key_id.trim().to_string(),
            secret: SecretString::new(secret),
            owner_id,
            meta_key,
        }))
    }

    /// The offline demo's credentials.
    pub fn demo() -> Self {
        Self {
            environment: Environment::Demo,
            key_id: mpos_emulator::demo::KEY_ID.to_string(),
            secret: SecretString::new(mpos_emulator::demo::SHARED_SECRET.to_string()),
            owner_id: Some(mpos_emulator::demo::ORGANIZATION_ID.to_string()),
            meta_key: false,
        }
    }
}

/// A resolved connection: the client and what the results will be labelled with.
pub struct Connection {
    /// The ready client.
    pub client: KmsClient,
    /// Where it sends requests.
    pub environment: Environment,
    /// The profile name, or `environment` for direct credentials.
    pub profile: String,
}

/// Builds the client for a profile: its secret (shared secret or `.p12` password) comes from the keychain,
/// the demo's is built in. A REST certificate is loaded here, so a wrong password, alias or file, or an
/// expired certificate, is reported now; `client.warnings()` tells of one expiring within 30 days.
pub fn for_profile(
    profile: &Profile,
    settings: &Settings,
    secrets: &dyn SecretStore,
) -> Result<Connection, Error> {
    let environment =
        Environment::parse(&profile.environment).map_err(|e| Error::Usage(e.to_string()))?;
    let credentials = if environment == Environment::Demo {
        demo::credentials()
    } else {
        let stored = secrets.get(&profile_account(&profile.name))?;
        let auth = match &profile.auth {
            AuthMethod::SharedSecret { key_id } => Auth::SharedSecret {
                key_id: key_id.clone(),
                secret: stored.ok_or_else(|| missing_secret(profile, "shared secret"))?,
            },
            // The .p12 stays where the user keeps it (the profile holds its path); its password is the secret.
            AuthMethod::Certificate {
                p12_path,
                key_alias,
            } => Auth::Certificate {
                p12: P12Source::File(p12_path.clone()),
                password: stored.ok_or_else(|| missing_secret(profile, ".p12 password"))?,
                key_alias: key_alias.clone(),
            },
        };
        Credentials {
            auth,
            owner_id: profile.organization_id.clone(),
            meta_key: profile.meta_key,
        }
    };
    let mut config = client_config(&environment, credentials, settings)?;
    if let Some(secs) = profile.connect_timeout_secs {
        config.connect_timeout = Duration::from_secs(secs);
    }
    if let Some(secs) = profile.request_timeout_secs {
        config.request_timeout = Duration::from_secs(secs);
    }
    Ok(Connection {
        client: KmsClient::new(config)?,
        environment,
        profile: profile.name.clone(),
    })
}

fn missing_secret(profile: &Profile, what: &str) -> Error {
    Error::Usage(format!(
        "No {what} is stored for profile \"{}\". Enter it again in Settings \
         (or: mpos-keygen profile add … to replace the profile).",
        profile.name
    ))
}

/// Checks a REST certificate profile's `.p12` with its password, before the profile is saved: the file
/// opens, and holds a usable certificate for the key alias (else the organization id). Returns warnings to
/// show, e.g. a certificate expiring within 30 days; nothing for a shared secret profile.
pub fn check_certificate(profile: &Profile, password: &SecretString) -> Result<Vec<String>, Error> {
    let AuthMethod::Certificate {
        p12_path,
        key_alias,
    } = &profile.auth
    else {
        return Ok(Vec::new());
    };
    let source = P12Source::File(p12_path.clone());
    let alias = key_alias
        .as_deref()
        .or(profile.organization_id.as_deref())
        .map(str::trim)
        .filter(|a| !a.is_empty());
    if let Some(alias) = alias {
        return Ok(CertificateCredential::load(&source, password, alias)?.warnings());
    }
    // No alias yet: each request picks the certificate of the merchant asked for; the file must hold one.
    if certificate_names(&source.read()?, password)?.is_empty() {
        return Err(KmsError::InvalidInput(
            "The .p12 file holds no certificate together with its private key. Download the .p12 \
             from the Business Center (Payment Configuration > Key Management) again."
                .into(),
        )
        .into());
    }
    Ok(Vec::new())
}

/// Builds the client for direct credentials.
pub fn for_direct(direct: &DirectCredentials, settings: &Settings) -> Result<Connection, Error> {
    let credentials = Credentials {
        auth: Auth::SharedSecret {
            key_id: direct.key_id.clone(),
            secret: direct.secret.clone(),
        },
        owner_id: direct.owner_id.clone(),
        meta_key: direct.meta_key,
    };
    let config = client_config(&direct.environment, credentials, settings)?;
    Ok(Connection {
        client: KmsClient::new(config)?,
        environment: direct.environment.clone(),
        profile: direct.environment.token(),
    })
}

fn client_config(
    environment: &Environment,
    credentials: Credentials,
    settings: &Settings,
) -> Result<ClientConfig, Error> {
    let base_url = match environment.base_url() {
        Some(url) => url,
        None => demo::base_url()?,
    };
    let mut config = ClientConfig::new(base_url, credentials);
    config.proxy = match &settings.proxy {
        ProxySetting::System => ProxyChoice::System,
        ProxySetting::None => ProxyChoice::None,
        ProxySetting::Url(url) => ProxyChoice::Url(url.clone()),
    };
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn no_variables_means_no_direct_credentials() {
        assert!(DirectCredentials::from_vars(vars_of(&[]))
            .unwrap()
            .is_none());
    }

    #[test]
    fn full_set_is_read() {
        let d = DirectCredentials::from_vars(vars_of(&[
            (vars::ENV, "production"),
            (vars::KEY_ID, "08c94330-f618-42a3-b09d-e1e43be5efda"),
            (vars::SECRET, "c2VjcmV0"),
            (vars::ORG, "portfolio_1"),
            (vars::META_KEY, "1"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(d.environment, Environment::Production);
        assert!(d.meta_key);
        assert_eq!(d.owner_id.as_deref(), Some("portfolio_1"));
        assert_eq!(d.secret.expose(), "c2VjcmV0");
    }

    #[test]
    fn half_a_credential_is_a_usage_error() {
        let e = DirectCredentials::from_vars(vars_of(&[(vars::KEY_ID, "abc")])).unwrap_err();
        assert!(e.to_string().contains(vars::SECRET), "{e}");
        assert_eq!(e.exit_code(), 2);
        let e = DirectCredentials::from_vars(vars_of(&[
            (vars::KEY_ID, "abc"),
            (vars::SECRET, "c2VjcmV0"),
            (vars::META_KEY, "1"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains(vars::ORG), "{e}");
        let e = DirectCredentials::from_vars(vars_of(&[(vars::ENV, "staging")])).unwrap_err();
        assert!(e.to_string().contains("not an environment"), "{e}");
    }
}
