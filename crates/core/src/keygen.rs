//! `Keygen`: the app's and the CLI's one entry point to profiles, the vault and key generation.

use crate::connection::{self, Connection, Source};
use crate::demo;
use crate::error::Error;
use crate::remember::{KeychainCheck, Remember};
use crate::report::{Failure, GenerateReport, GeneratedKey};
use mpos_kms::{Environment, IssuedKey, KeyOutcome, SecretString};
use mpos_store::config::{AuthMethod, Config, ConfigStore, Profile};
use mpos_store::keychain::{profile_account, OsKeychain, SecretStore};
use mpos_store::paths::Paths;
/// The store's clock helpers, used here and by the app and CLI: one definition of each.
pub use mpos_store::timestamp::{ms_since, now_rfc3339};
use mpos_store::vault::Vault;
use std::collections::HashSet;
use std::sync::Arc;

/// The name the demo profile is created with.
pub const DEMO_PROFILE: &str = "Demo (offline)";

/// Profiles, keychain and vault, opened once and shared by every command.
pub struct Keygen {
    paths: Paths,
    config: ConfigStore,
    secrets: Arc<dyn SecretStore>,
    vault: Vault,
}

impl Keygen {
    /// Opens the stores at `paths` with the given secret store.
    pub fn new(paths: Paths, secrets: Arc<dyn SecretStore>) -> Self {
        let config = ConfigStore::new(&paths);
        let vault = Vault::new(&paths, secrets.clone());
        Self {
            paths,
            config,
            secrets,
            vault,
        }
    }

    /// Opens the OS config/data dirs and the OS keychain.
    pub fn open_os() -> Result<Self, Error> {
        let paths = Paths::from_os()?;
        Ok(Self::new(paths, Arc::new(OsKeychain::new())))
    }

    /// Where the files live.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// Profiles, merchants and settings.
    pub fn config(&self) -> &ConfigStore {
        &self.config
    }

    /// Generated keys.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// The keychain.
    pub fn secrets(&self) -> &dyn SecretStore {
        self.secrets.as_ref()
    }

    /// The keychain, for work on another thread.
    pub fn shared_secrets(&self) -> Arc<dyn SecretStore> {
        self.secrets.clone()
    }

    /// Saves a profile; a given secret goes to the keychain before the profile is written.
    ///
    /// `original` is the name being edited (`None` adds a new profile). Renaming moves the stored secret.
    pub fn save_profile(
        &self,
        original: Option<&str>,
        profile: Profile,
        secret: Option<SecretString>,
    ) -> Result<(), Error> {
        let certificate = matches!(profile.auth, AuthMethod::Certificate { .. });
        if let Some(s) = &secret {
            if s.expose().trim().is_empty() {
                return Err(Error::Usage(if certificate {
                    "The .p12 password is empty. Enter the password set when the certificate was created."
                        .into()
                } else {
                    "The shared secret is empty. Paste the secret shown in the Business Center."
                        .into()
                }));
            }
        }
        let needs_secret = Environment::parse(&profile.environment)
            .map(|e| e != Environment::Demo)
            .unwrap_or(true);
        // A wrong .p12 password, alias or file is refused here rather than at the first request.
        if let (true, true, Some(password)) = (certificate, needs_secret, &secret) {
            connection::check_certificate(&profile, password)?;
        }
        // So is a shared secret that is not base64: stored, it would only fail when keys are asked for.
        if let (false, true, Some(shared)) = (certificate, needs_secret, &secret) {
            mpos_kms::signing::decode_shared_secret(shared)?;
        }
        // Normalized and checked against the current config before any secret is stored: a refused
        // profile must leave no secret behind (nor replace the secret of the profile that has this name),
        // and the secret must be filed under the name the profile is saved with (trimmed).
        let mut profile = profile;
        profile.normalize()?;
        let mut dry_run = self.config.load()?;
        match original {
            Some(old) => dry_run.replace_profile(old, profile.clone())?,
            None => dry_run.add_profile(profile.clone())?,
        }
        let renamed_from = original.filter(|o| *o != profile.name);
        let new_account = profile_account(&profile.name);
        match (&secret, renamed_from) {
            (Some(s), _) => self.secrets.set(&new_account, s)?,
            (None, Some(old)) => {
                if let Some(s) = self.secrets.get(&profile_account(old))? {
                    self.secrets.set(&new_account, &s)?;
                }
            }
            (None, None) if needs_secret && original.is_none() => {
                return Err(Error::Usage(if certificate {
                    format!(
                        "Profile \"{}\" needs the password of its .p12 file.",
                        profile.name
                    )
                } else {
                    format!(
                        "Profile \"{}\" needs its shared secret. Paste the secret from the Business Center.",
                        profile.name
                    )
                }))
            }
            (None, None) => {}
        }
        let name = profile.name.clone();
        self.config.update(|cfg: &mut Config| match original {
            Some(old) => cfg.replace_profile(old, profile),
            None => cfg.add_profile(profile),
        })?;
        if let Some(old) = renamed_from {
            // The profile is saved under its new name; the old secret is no longer referenced.
            let _ = self.secrets.delete(&profile_account(old));
        }
        log::info!("profile saved: {name}");
        Ok(())
    }

    /// Removes a profile and its secret.
    pub fn remove_profile(&self, name: &str) -> Result<(), Error> {
        self.config
            .update(|cfg: &mut Config| cfg.remove_profile(name))?;
        self.secrets.delete(&profile_account(name))?;
        Ok(())
    }

    /// Creates the demo profile with sample merchants, or returns the one that exists.
    pub fn ensure_demo_profile(&self) -> Result<Profile, Error> {
        let profile = self.config.update(|cfg: &mut Config| {
            if let Some(p) = cfg.profiles.iter().find(|p| p.environment == "demo") {
                return Ok(p.clone());
            }
            let mut p = Profile::new(
                DEMO_PROFILE,
                "demo",
                AuthMethod::SharedSecret {
                    key_id: mpos_emulator::demo::KEY_ID.to_string(),
                },
            );
            p.organization_id = Some(mpos_emulator::demo::ORGANIZATION_ID.to_string());
            for (mid, label) in demo::sample_merchants() {
                p.add_merchant(mid, label)?;
            }
            cfg.add_profile(p.clone())?;
            Ok(p)
        })?;
        Ok(profile)
    }

    /// Resolves where credentials come from into a ready client.
    pub fn connect(&self, source: &Source) -> Result<Connection, Error> {
        self.connect_with(&self.config.load()?, source)
    }

    /// [`Keygen::connect`] with the config the caller has already read (so it is not read twice).
    pub fn connect_with(&self, config: &Config, source: &Source) -> Result<Connection, Error> {
        match source {
            Source::Profile(name) => {
                let profile = config
                    .profile(name)
                    .ok_or_else(|| unknown_profile(name, config))?;
                connection::for_profile(profile, &config.settings, self.secrets.as_ref())
            }
            Source::Direct(direct) => connection::for_direct(direct, &config.settings),
        }
    }

    /// Makes a signed call that cannot issue a key, to check the credentials.
    pub async fn test_connection(&self, source: &Source) -> Result<(), Error> {
        let conn = self.connect(source)?;
        conn.client.test_connection().await?;
        Ok(())
    }

    /// Starts asking the keychain whether it is reachable, on a thread of its own (see [`Remember`]).
    pub fn start_keychain_check(&self) -> KeychainCheck {
        KeychainCheck::start(self.secrets.clone())
    }

    /// Generates keys for `mids`, keeps them in the vault (when `remember` says so) before returning them.
    ///
    /// A key that could not be kept is still returned, marked not stored, with a warning: never lost.
    pub async fn generate(
        &self,
        conn: &Connection,
        mids: &[String],
        remember: impl Into<Remember>,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<GenerateReport, Error> {
        let remember = remember.into();
        let mids = dedupe(mids);
        if mids.is_empty() {
            return Err(Error::Usage(
                "Choose at least one merchant to generate a key for.".into(),
            ));
        }
        let asked = std::time::Instant::now();
        let outcomes = conn.client.generate_with_progress(&mids, progress).await?;
        log::debug!("timing: request {:.1} ms", ms_since(asked));
        let mut issued: Vec<IssuedKey> = Vec::new();
        let mut failures = Vec::new();
        for outcome in outcomes {
            match outcome {
                KeyOutcome::Issued(key) => issued.push(key),
                KeyOutcome::Failed {
                    cybersource_merchant_id,
                    error,
                } => failures.push(Failure {
                    cybersource_merchant_id,
                    error,
                }),
            }
        }
        let waiting = std::time::Instant::now();
        let keep = !issued.is_empty() && remember.decide();
        log::debug!(
            "timing: keychain check, after the request {:.1} ms",
            ms_since(waiting)
        );
        let keeping = std::time::Instant::now();
        let (stored_ids, storage_warning) = if keep {
            self.keep(&issued, conn)
        } else {
            (HashSet::new(), None)
        };
        log::debug!("timing: keychain and history {:.1} ms", ms_since(keeping));
        Ok(GenerateReport {
            environment: conn.environment.clone(),
            profile: conn.profile.clone(),
            generated_at: now_rfc3339(),
            keys: issued
                .into_iter()
                .map(|key| {
                    let stored = stored_ids.contains(&key.key_id);
                    GeneratedKey { key, stored }
                })
                .collect(),
            failures,
            storage_warning,
        })
    }
}

impl Keygen {
    /// Keeps issued keys in the vault; returns the ids kept and, when some were not, what to tell the user.
    fn keep(&self, issued: &[IssuedKey], conn: &Connection) -> (HashSet<String>, Option<String>) {
        let problem = match self
            .vault
            .keep_each(issued, &conn.profile, &conn.environment)
        {
            Ok(report) if report.not_kept.is_empty() => {
                return (report.kept.into_iter().map(|e| e.key_id).collect(), None)
            }
            Ok(report) => {
                let first = &report.not_kept[0].error;
                let kept = report.kept.into_iter().map(|e| e.key_id).collect();
                (kept, first.to_string())
            }
            Err(e) => (HashSet::new(), e.to_string()),
        };
        log::warn!(
            "generated keys could not all be kept in the vault: {}",
            problem.1
        );
        (
            problem.0,
            Some(format!(
                "Some keys were generated but could not be stored: {} Download or copy them now: \
                 Cybersource cannot show them again.",
                problem.1
            )),
        )
    }
}

fn unknown_profile(name: &str, config: &Config) -> Error {
    let known: Vec<&str> = config.profiles.iter().map(|p| p.name.as_str()).collect();
    if known.is_empty() {
        Error::Usage(format!("There is no profile \"{name}\" (no profiles yet). Add one with: mpos-keygen profile add"))
    } else {
        Error::Usage(format!(
            "There is no profile \"{name}\". Profiles: {}.",
            known.join(", ")
        ))
    }
}

fn dedupe(mids: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    mids.iter()
        .map(|m| m.trim().to_string())
        .filter(|m| seen.insert(m.clone()))
        .collect()
}
