//! Profiles: save (secret write-only), delete, test the connection, select, create the demo.

use super::{payload, problem, CmdResult};
use crate::state::AppState;
use crate::views::ProfileView;
use mpos_core::{Keygen, Source};
use mpos_kms::{Environment, SecretString};
use mpos_store::config::{AuthMethod, Config, Profile};
use mpos_store::keychain::profile_account;
use serde::{Deserialize, Serialize};
use tauri::State;

/// What the profile form sends. The secret comes in here and is never sent back.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileInput {
    /// The name being edited; absent for a new profile.
    #[serde(default)]
    pub original_name: Option<String>,
    /// The profile's (new) name.
    pub name: String,
    /// An environment token or base URL.
    pub environment: String,
    /// The REST shared secret's key id.
    #[serde(default)]
    pub key_id: String,
    /// The id that owns the credential (MID, or portfolio/account id for a meta key).
    #[serde(default)]
    pub organization_id: Option<String>,
    /// Whether the credential is a meta key.
    #[serde(default)]
    pub meta_key: bool,
    /// The shared secret; absent or empty keeps the stored one when editing.
    #[serde(default)]
    pub secret: Option<SecretString>,
}

/// What `profile_test` returns.
#[derive(Debug, Serialize)]
pub struct TestResult {
    /// A sentence to show.
    pub message: String,
}

/// Whether the keychain holds a secret for `name`; an unreachable keychain counts as "not stored".
pub fn secret_stored(keygen: &Keygen, name: &str) -> bool {
    matches!(keygen.secrets().get(&profile_account(name)), Ok(Some(_)))
}

/// The view of the profile named `name`, as saved now.
pub fn view_of(keygen: &Keygen, name: &str) -> CmdResult<ProfileView> {
    let config = keygen.config().load().map_err(payload)?;
    let profile = config
        .profile(name)
        .ok_or_else(|| problem("not_found", format!("There is no profile \"{name}\".")))?;
    Ok(ProfileView::new(profile, secret_stored(keygen, name)))
}

/// Builds the profile to save; an edit starts from the original to keep its timeouts (the store keeps its
/// merchants, trims, and checks every field).
fn profile_from(input: &ProfileInput, config: &Config) -> Profile {
    let auth = AuthMethod::SharedSecret {
        key_id: input.key_id.clone(),
    };
    let mut profile = match input
        .original_name
        .as_deref()
        .and_then(|o| config.profile(o))
    {
        Some(existing) => existing.clone(),
        None => Profile::new(
            input.name.as_str(),
            input.environment.as_str(),
            auth.clone(),
        ),
    };
    profile.name = input.name.trim().to_string();
    profile.environment = input.environment.clone();
    profile.auth = auth;
    profile.organization_id = input.organization_id.clone();
    profile.meta_key = input.meta_key;
    profile
}

/// Adds or edits a profile; a given secret goes to the keychain. Returns the profile without secret.
#[tauri::command]
pub async fn profile_save(
    state: State<'_, AppState>,
    input: ProfileInput,
) -> CmdResult<ProfileView> {
    let keygen = &state.keygen;
    let config = keygen.config().load().map_err(payload)?;
    let profile = profile_from(&input, &config);
    let name = profile.name.clone();
    // An empty secret field on an edit means "keep the stored one".
    let secret = input.secret.filter(|s| !s.expose().trim().is_empty());
    let original = input.original_name.as_deref().filter(|o| !o.is_empty());
    keygen
        .save_profile(original, profile, secret)
        .map_err(payload)?;
    view_of(keygen, &name)
}

/// Deletes a profile and its stored secret.
#[tauri::command]
pub async fn profile_delete(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    state.keygen.remove_profile(&name).map_err(payload)
}

/// Makes a signed call that cannot issue a key, to check the profile's credentials.
#[tauri::command]
pub async fn profile_test(state: State<'_, AppState>, name: String) -> CmdResult<TestResult> {
    let source = Source::Profile(name.clone());
    let conn = state.keygen.connect(&source).map_err(payload)?;
    // "Cybersource test", or the gateway's own URL rather than "Custom: <url>".
    let target = match &conn.environment {
        Environment::Custom(url) => url.as_str().trim_end_matches('/').to_string(),
        other => other.label(),
    };
    conn.client.test_connection().await.map_err(payload)?;
    log::info!("connection test passed for profile {name}");
    Ok(TestResult {
        message: format!("Connected: {target} accepted the credentials of \"{name}\"."),
    })
}

/// Makes `name` the profile the main screen starts with.
#[tauri::command]
pub async fn profile_select(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    state
        .keygen
        .config()
        .update(|cfg: &mut Config| {
            let chosen = cfg.profile_mut(&name)?.name.clone();
            cfg.settings.last_profile = Some(chosen);
            Ok(())
        })
        .map_err(payload)
}

/// Creates the offline demo profile (or returns the existing one) and selects it.
#[tauri::command]
pub async fn demo_profile_create(state: State<'_, AppState>) -> CmdResult<ProfileView> {
    let keygen = &state.keygen;
    let profile = keygen.ensure_demo_profile().map_err(payload)?;
    keygen
        .config()
        .update(|cfg: &mut Config| {
            cfg.settings.last_profile = Some(profile.name.clone());
            Ok::<_, mpos_store::StoreError>(())
        })
        .map_err(payload)?;
    Ok(ProfileView::new(&profile, true))
}
