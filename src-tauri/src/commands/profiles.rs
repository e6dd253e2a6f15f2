//! Profiles: save (secret write-only), delete, test the connection, select, create the demo; for a REST
//! certificate profile, choose the `.p12` file (in Rust: its bytes never reach the webview) and list its aliases.

use super::{payload, problem, CmdResult};
use crate::dialogs::pick_file;
use crate::state::AppState;
use crate::views::ProfileView;
use mpos_core::{Keygen, Source};
use mpos_kms::{certificate_names, Environment, P12Source, SecretString};
use mpos_store::config::{AuthMethod, Config, Profile};
use mpos_store::keychain::profile_account;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tauri::{AppHandle, Runtime, State};

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
    /// `sharedSecret` (the default) or `certificate`.
    #[serde(default)]
    pub auth_type: Option<String>,
    /// The REST shared secret's key id.
    #[serde(default)]
    pub key_id: String,
    /// The `.p12` file of a certificate profile, as `pick_p12_file` returned it.
    #[serde(default)]
    pub p12_path: Option<String>,
    /// The key alias inside the `.p12`; empty uses the organization id.
    #[serde(default)]
    pub key_alias: Option<String>,
    /// The id that owns the credential (MID, or portfolio/account id for a meta key).
    #[serde(default)]
    pub organization_id: Option<String>,
    /// Whether the credential is a meta key.
    #[serde(default)]
    pub meta_key: bool,
    /// The shared secret, or the `.p12` password of a certificate profile; absent or empty keeps the stored
    /// one when editing.
    #[serde(default)]
    pub secret: Option<SecretString>,
}

/// What `profile_save` returns: the saved profile (no secret) and what to tell the user about its credential.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedProfile {
    /// The profile as saved.
    #[serde(flatten)]
    pub profile: ProfileView,
    /// E.g. a REST certificate expiring within 30 days.
    pub warnings: Vec<String>,
}

/// What `profile_test` returns.
#[derive(Debug, Serialize)]
pub struct TestResult {
    /// A sentence to show.
    pub message: String,
    /// E.g. a REST certificate expiring within 30 days.
    pub warnings: Vec<String>,
}

/// What `pick_p12_file` returns.
#[derive(Debug, Default, Serialize)]
pub struct PickedFile {
    /// The user closed the dialog without a file.
    pub cancelled: bool,
    /// The chosen file; the webview only ever sees this path, never the file's bytes.
    pub path: Option<String>,
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

/// The credential the form describes; an unknown `authType` is refused rather than guessed.
fn auth_from(input: &ProfileInput) -> CmdResult<AuthMethod> {
    match input.auth_type.as_deref().unwrap_or("sharedSecret") {
        "sharedSecret" => Ok(AuthMethod::SharedSecret {
            key_id: input.key_id.clone(),
        }),
        "certificate" => {
            let path = input.p12_path.as_deref().map(str::trim).unwrap_or("");
            if path.is_empty() {
                return Err(problem(
                    "invalid_input",
                    "Choose the .p12 file downloaded from the Business Center (Payment Configuration > \
                     Key Management).",
                ));
            }
            Ok(AuthMethod::Certificate {
                p12_path: PathBuf::from(path),
                key_alias: input.key_alias.clone(),
            })
        }
        other => Err(problem(
            "invalid_input",
            format!("Unknown authentication \"{other}\": use sharedSecret or certificate."),
        )),
    }
}

/// Builds the profile to save; an edit starts from the original to keep its timeouts (the store keeps its
/// merchants, trims, and checks every field).
fn profile_from(input: &ProfileInput, config: &Config) -> CmdResult<Profile> {
    let auth = auth_from(input)?;
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
    Ok(profile)
}

/// The credential's warnings for a saved profile: loading a certificate profile's client loads its `.p12`.
/// A certificate that cannot be loaded now (e.g. a new file checked against the stored password) is
/// reported as a warning: the profile is saved, and generating would fail with the same message.
fn credential_warnings(keygen: &Keygen, name: &str) -> Vec<String> {
    match keygen.connect(&Source::Profile(name.to_string())) {
        Ok(conn) => conn.client.warnings(),
        Err(e) => vec![e.to_string()],
    }
}

/// Adds or edits a profile; a given secret goes to the keychain. Returns the profile without secret.
#[tauri::command]
pub async fn profile_save(
    state: State<'_, AppState>,
    input: ProfileInput,
) -> CmdResult<SavedProfile> {
    let keygen = &state.keygen;
    let config = keygen.config().load().map_err(payload)?;
    let profile = profile_from(&input, &config)?;
    let certificate = matches!(profile.auth, AuthMethod::Certificate { .. });
    let name = profile.name.clone();
    // An empty secret field on an edit means "keep the stored one".
    let secret = input.secret.filter(|s| !s.expose().trim().is_empty());
    let original = input.original_name.as_deref().filter(|o| !o.is_empty());
    keygen
        .save_profile(original, profile, secret)
        .map_err(payload)?;
    let profile = view_of(keygen, &name)?;
    let warnings = if certificate && !profile.is_demo {
        credential_warnings(keygen, &name)
    } else {
        Vec::new()
    };
    Ok(SavedProfile { profile, warnings })
}

/// Asks for a REST certificate `.p12` file with a native open dialog and returns its path; the file is read
/// only in Rust, when a profile is saved, tested or used.
#[tauri::command]
pub async fn pick_p12_file<R: Runtime>(app: AppHandle<R>) -> CmdResult<PickedFile> {
    let picked = pick_file(
        &app,
        "Choose the REST certificate (.p12 file)",
        "REST certificate (.p12, .pfx)",
        &["p12", "pfx"],
    )
    .await?;
    let Some(path) = picked else {
        return Ok(PickedFile {
            cancelled: true,
            path: None,
        });
    };
    // The path goes back through the webview into profile_save: a name that is not UTF-8 would not survive.
    let path = path.to_str().map(String::from).ok_or_else(|| {
        problem(
            "invalid_input",
            "The file's path has characters this app cannot keep. Move or rename the .p12 file and choose it again.",
        )
    })?;
    Ok(PickedFile {
        cancelled: false,
        path: Some(path),
    })
}

/// The key aliases (certificate CNs) a `.p12` can be used with; checks the password, stores nothing.
#[tauri::command]
pub async fn certificate_aliases(path: String, password: SecretString) -> CmdResult<Vec<String>> {
    let bytes = P12Source::File(PathBuf::from(path))
        .read()
        .map_err(payload)?;
    certificate_names(&bytes, &password).map_err(payload)
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
        warnings: conn.client.warnings(),
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
