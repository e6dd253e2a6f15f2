//! Profiles: named connections (environment, credential reference, owner id) and their rules.
//!
//! A profile never holds a secret; the shared secret (or, for a REST certificate, the `.p12` password)
//! lives in the keychain under `keychain::profile_account(name)`.

use crate::config::Config;
use crate::error::StoreError;
use mpos_kms::{mid_problem, Environment};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The longest profile name, in characters.
pub const MAX_PROFILE_NAME: usize = 64;
/// The longest timeout a profile may set, in seconds.
pub const MAX_TIMEOUT_SECS: u64 = 600;

/// A named connection to a KMS environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Profile {
    /// Unique (ignoring case), 1–64 characters, no control characters.
    pub name: String,
    /// The environment token: `test`, `production`, `visa-test`, `visa-production`, `demo` or a URL.
    pub environment: String,
    /// How requests are signed; the secret part is in the keychain.
    pub auth: AuthMethod,
    /// The id that owns the credential: a MID, or a portfolio/account id for a meta key.
    pub organization_id: Option<String>,
    /// True when the credential is a portfolio/account meta key.
    pub meta_key: bool,
    /// Connect timeout; `None` uses the client's default.
    pub connect_timeout_secs: Option<u64>,
    /// Whole-request timeout; `None` uses the client's default.
    pub request_timeout_secs: Option<u64>,
    /// The merchants this profile generates keys for.
    pub merchants: Vec<Merchant>,
}

impl Default for Profile {
    fn default() -> Self {
        Self::new(
            "",
            "test",
            AuthMethod::SharedSecret {
                key_id: String::new(),
            },
        )
    }
}

/// How a profile authenticates; the secret (shared secret, .p12 password) is in the keychain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum AuthMethod {
    /// REST – Shared Secret: the key id here, the secret in the keychain.
    SharedSecret {
        /// The key's id from the Business Center (a UUID).
        key_id: String,
    },
    /// REST – Certificate (issue 6): a .p12 file, its password in the keychain.
    Certificate {
        /// Where the .p12 file is.
        p12_path: PathBuf,
        /// The key alias inside the .p12; `None` uses the owner id.
        key_alias: Option<String>,
    },
}

/// A transacting merchant of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Merchant {
    /// The Cybersource MID.
    pub mid: String,
    /// A friendly name; the MID when none was given.
    #[serde(default)]
    pub label: String,
}

impl Profile {
    /// A profile with no owner id, no merchants and default timeouts.
    pub fn new(name: impl Into<String>, environment: impl Into<String>, auth: AuthMethod) -> Self {
        Self {
            name: name.into(),
            environment: environment.into(),
            auth,
            organization_id: None,
            meta_key: false,
            connect_timeout_secs: None,
            request_timeout_secs: None,
            merchants: Vec::new(),
        }
    }

    /// The parsed environment.
    pub fn parsed_environment(&self) -> Result<Environment, StoreError> {
        Environment::parse(&self.environment).map_err(|e| StoreError::InvalidInput(e.to_string()))
    }

    /// Trims what the user typed, writes the environment as its canonical token, then validates.
    pub fn normalize(&mut self) -> Result<(), StoreError> {
        self.name = self.name.trim().to_string();
        let env = self.parsed_environment()?;
        self.environment = env.token();
        if let AuthMethod::SharedSecret { key_id } = &mut self.auth {
            *key_id = key_id.trim().to_string();
        }
        if let AuthMethod::Certificate {
            p12_path,
            key_alias,
        } = &mut self.auth
        {
            // A path typed relative to where the CLI ran must still lead to the file from anywhere else.
            if !p12_path.as_os_str().is_empty() {
                if let Ok(absolute) = std::path::absolute(&*p12_path) {
                    *p12_path = absolute;
                }
            }
            *key_alias = key_alias
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(String::from);
        }
        self.organization_id = self
            .organization_id
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(String::from);
        self.validate()
    }

    /// Checks every field; the message names the field and what to enter.
    pub fn validate(&self) -> Result<(), StoreError> {
        let bad = |m: String| Err(StoreError::InvalidInput(m));
        if let Some(why) = name_problem(&self.name) {
            return bad(why);
        }
        let env = self.parsed_environment()?;
        match &self.auth {
            AuthMethod::SharedSecret { key_id } => {
                if let Some(why) = key_id_problem(key_id, &env) {
                    return bad(why);
                }
            }
            AuthMethod::Certificate {
                p12_path,
                key_alias,
            } => {
                if p12_path.as_os_str().is_empty() {
                    return bad("Choose the .p12 certificate file for this profile.".into());
                }
                if key_alias
                    .as_deref()
                    .is_some_and(|a| a.chars().any(char::is_control))
                {
                    return bad("The key alias contains a control character; type it again.".into());
                }
            }
        }
        if let Some(org) = &self.organization_id {
            if let Some(why) = mid_problem(org) {
                return bad(format!("Organization id: {why}"));
            }
        }
        if self.meta_key && self.organization_id.is_none() {
            return bad(
                "A meta key needs the portfolio or account id that owns it: enter it as the organization id."
                    .into(),
            );
        }
        for (what, secs) in [
            ("connect", self.connect_timeout_secs),
            ("request", self.request_timeout_secs),
        ] {
            if let Some(s) = secs {
                if s == 0 || s > MAX_TIMEOUT_SECS {
                    return bad(format!(
                        "The {what} timeout is {s} seconds; use 1 to {MAX_TIMEOUT_SECS}, or leave it empty."
                    ));
                }
            }
        }
        Ok(())
    }
}

fn name_problem(name: &str) -> Option<String> {
    let len = name.chars().count();
    if name.trim().is_empty() {
        return Some("The profile name is empty. Give it a name, e.g. \"Test shop\".".into());
    }
    if len > MAX_PROFILE_NAME {
        return Some(format!(
            "The profile name is {len} characters long; use at most {MAX_PROFILE_NAME}."
        ));
    }
    if name.chars().any(char::is_control) {
        return Some(
            "The profile name contains a line break or control character; remove it.".into(),
        );
    }
    None
}

fn key_id_problem(key_id: &str, env: &Environment) -> Option<String> {
    if key_id.is_empty() {
        return Some(
            "The key id is empty. Copy it from the Business Center: Payment Configuration > Key Management."
                .into(),
        );
    }
    // The demo's built-in credential is whatever the emulator accepts; real key ids are UUIDs.
    let uuid_like = key_id.len() == 36 && uuid::Uuid::try_parse(key_id).is_ok();
    if *env != Environment::Demo && !uuid_like {
        return Some(format!(
            "\"{key_id}\" does not look like a key id. A REST shared secret key id looks like \
             08c94330-f618-42a3-b09d-e1e43be5efda (the key's id in Key Management, not the secret)."
        ));
    }
    None
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

impl Config {
    /// The profile called `name` (ignoring case).
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles
            .iter()
            .find(|p| p.name == name)
            .or_else(|| self.profiles.iter().find(|p| same_name(&p.name, name)))
    }

    /// The profile called `name` (ignoring case), for changes; `NotFound` names the existing ones.
    pub fn profile_mut(&mut self, name: &str) -> Result<&mut Profile, StoreError> {
        let index = self.profile_index(name)?;
        Ok(&mut self.profiles[index])
    }

    fn profile_index(&self, name: &str) -> Result<usize, StoreError> {
        self.profiles
            .iter()
            .position(|p| p.name == name)
            .or_else(|| self.profiles.iter().position(|p| same_name(&p.name, name)))
            .ok_or_else(|| {
                let known: Vec<&str> = self.profiles.iter().map(|p| p.name.as_str()).collect();
                StoreError::NotFound(if known.is_empty() {
                    format!("There is no profile \"{name}\"; no profiles exist yet. Add one first.")
                } else {
                    format!(
                        "There is no profile \"{name}\". Profiles: {}.",
                        known.join(", ")
                    )
                })
            })
    }

    /// Adds a new profile after normalizing and validating it; its name must be unused (ignoring case).
    pub fn add_profile(&mut self, mut profile: Profile) -> Result<(), StoreError> {
        profile.normalize()?;
        self.check_name_free(&profile.name, None)?;
        for m in &profile.merchants {
            if let Some(why) = mid_problem(&m.mid) {
                return Err(StoreError::InvalidInput(format!(
                    "Merchant {}: {why}",
                    m.mid
                )));
            }
        }
        self.profiles.push(profile);
        Ok(())
    }

    /// Replaces the connection fields of the profile `original` (it may be renamed); its merchants stay.
    pub fn replace_profile(
        &mut self,
        original: &str,
        mut profile: Profile,
    ) -> Result<(), StoreError> {
        profile.normalize()?;
        let index = self.profile_index(original)?;
        self.check_name_free(&profile.name, Some(index))?;
        let old = &mut self.profiles[index];
        let old_name = std::mem::replace(&mut old.name, profile.name.clone());
        profile.merchants = std::mem::take(&mut old.merchants);
        *old = profile;
        if self
            .settings
            .last_profile
            .as_deref()
            .is_some_and(|l| same_name(l, &old_name))
        {
            self.settings.last_profile = Some(self.profiles[index].name.clone());
        }
        Ok(())
    }

    /// Removes a profile (and forgets it as the last used one); returns what was removed.
    pub fn remove_profile(&mut self, name: &str) -> Result<Profile, StoreError> {
        let index = self.profile_index(name)?;
        let removed = self.profiles.remove(index);
        if self
            .settings
            .last_profile
            .as_deref()
            .is_some_and(|l| same_name(l, &removed.name))
        {
            self.settings.last_profile = None;
        }
        Ok(removed)
    }

    fn check_name_free(&self, name: &str, except: Option<usize>) -> Result<(), StoreError> {
        let taken = self
            .profiles
            .iter()
            .enumerate()
            .any(|(i, p)| Some(i) != except && same_name(&p.name, name));
        if taken {
            return Err(StoreError::Duplicate(format!(
                "A profile called \"{name}\" already exists (names ignore upper/lower case). Choose another name."
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_ID: &str = "08c94330-f618-42a3-b09d-e1e43be5efda";

    fn shared(name: &str) -> Profile {
        Profile::new(
            name,
            "test",
            AuthMethod::SharedSecret {
                key_id: KEY_ID.into(),
            },
        )
    }

    #[test]
    fn json_shape_is_camel_case_and_tagged() {
        let mut p = shared("Shop");
        p.organization_id = Some("acme_1".into());
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v["auth"],
            serde_json::json!({"type":"sharedSecret","keyId":KEY_ID})
        );
        assert_eq!(v["organizationId"], "acme_1");
        assert_eq!(v["metaKey"], false);
        let cert = AuthMethod::Certificate {
            p12_path: "/k/a.p12".into(),
            key_alias: None,
        };
        let v = serde_json::to_value(&cert).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type":"certificate","p12Path":"/k/a.p12","keyAlias":null})
        );
        let back: Profile =
            serde_json::from_str(r#"{"name":"X","auth":{"type":"sharedSecret","keyId":"k"}}"#)
                .unwrap();
        assert_eq!(back.environment, "test");
        assert!(back.merchants.is_empty());
    }

    #[test]
    fn a_relative_p12_path_is_stored_absolute_and_the_alias_trimmed() {
        let mut p = Profile::new(
            "Cert",
            "test",
            AuthMethod::Certificate {
                p12_path: "certs/shop.p12".into(),
                key_alias: Some("  shop_mid ".into()),
            },
        );
        p.normalize().unwrap();
        let AuthMethod::Certificate {
            p12_path,
            key_alias,
        } = &p.auth
        else {
            panic!("still a certificate profile");
        };
        assert!(p12_path.is_absolute(), "{p12_path:?}");
        assert!(p12_path.ends_with("certs/shop.p12"), "{p12_path:?}");
        assert_eq!(key_alias.as_deref(), Some("shop_mid"));

        let mut empty = Profile::new(
            "Cert",
            "test",
            AuthMethod::Certificate {
                p12_path: "".into(),
                key_alias: None,
            },
        );
        assert!(empty.normalize().unwrap_err().to_string().contains(".p12"));
    }

    #[test]
    fn validation_messages_name_the_field() {
        let cases: Vec<(Profile, &str)> = vec![
            (shared(""), "empty"),
            (shared(&"n".repeat(65)), "at most 64"),
            (shared("a\nb"), "control"),
            (
                Profile {
                    environment: "staging".into(),
                    ..shared("x")
                },
                "not an environment",
            ),
            (
                Profile::new("x", "test", AuthMethod::SharedSecret { key_id: "".into() }),
                "key id is empty",
            ),
            (
                Profile::new(
                    "x",
                    "test",
                    AuthMethod::SharedSecret {
                        key_id: "hunter2".into(),
                    },
                ),
                "does not look like",
            ),
            (
                Profile {
                    organization_id: Some("a b".into()),
                    ..shared("x")
                },
                "Organization id",
            ),
            (
                Profile {
                    meta_key: true,
                    ..shared("x")
                },
                "meta key",
            ),
            (
                Profile {
                    connect_timeout_secs: Some(0),
                    ..shared("x")
                },
                "timeout",
            ),
        ];
        for (p, word) in cases {
            let e = p.validate().unwrap_err();
            assert!(e.to_string().contains(word), "{word}: {e}");
            assert_eq!(e.code(), "invalid_input");
        }
        assert!(shared(&"n".repeat(64)).validate().is_ok());
        let demo = Profile::new(
            "Demo",
            "demo",
            AuthMethod::SharedSecret {
                key_id: "demo-key".into(),
            },
        );
        assert!(demo.validate().is_ok());
    }

    #[test]
    fn names_are_unique_ignoring_case_and_normalized() {
        let mut c = Config::default();
        let mut p = shared("  Shop ");
        p.environment = "PROD".into();
        c.add_profile(p).unwrap();
        assert_eq!(c.profiles[0].name, "Shop");
        assert_eq!(c.profiles[0].environment, "production");
        let e = c.add_profile(shared("SHOP")).unwrap_err();
        assert_eq!(e.code(), "duplicate");
        assert!(c.profile("shop").is_some());
        assert_eq!(c.profile_mut("nope").unwrap_err().code(), "not_found");
    }

    #[test]
    fn replace_keeps_merchants_and_follows_a_rename() {
        let mut c = Config::default();
        let mut p = shared("Shop");
        p.merchants.push(Merchant {
            mid: "m1".into(),
            label: "One".into(),
        });
        c.add_profile(p).unwrap();
        c.add_profile(shared("Other")).unwrap();
        c.settings.last_profile = Some("Shop".into());
        c.replace_profile("Shop", shared("Shop 2")).unwrap();
        assert_eq!(c.profiles[0].name, "Shop 2");
        assert_eq!(c.profiles[0].merchants.len(), 1);
        assert_eq!(c.settings.last_profile.as_deref(), Some("Shop 2"));
        assert_eq!(
            c.replace_profile("Shop 2", shared("other"))
                .unwrap_err()
                .code(),
            "duplicate"
        );
        c.replace_profile("Shop 2", shared("SHOP 2")).unwrap();
        c.remove_profile("shop 2").unwrap();
        assert_eq!(c.settings.last_profile, None);
        assert_eq!(c.profiles.len(), 1);
    }
}
