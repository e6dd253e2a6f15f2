//! The app as a whole: the state the UI starts from, and quitting after the user confirmed.

use super::profiles::secret_stored;
use super::{payload, CmdResult};
use crate::state::AppState;
use crate::views::ProfileView;
use mpos_store::config::Settings;
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

/// What `app_state` returns.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppStateView {
    /// Every profile, without secrets.
    pub profiles: Vec<ProfileView>,
    /// The profile the main screen starts with: the last selected one, else the first, else none.
    pub active_profile: Option<String>,
    /// The settings.
    pub settings: Settings,
    /// Where secrets are kept, e.g. "GNOME Keyring (Secret Service)".
    pub keychain_name: String,
    /// The app's version.
    pub version: String,
    /// Whether each profile's `secretStored` was asked of the keychain (false in the first screen's state).
    pub secrets_checked: bool,
}

/// Everything the UI needs to draw its first screen.
#[tauri::command]
pub async fn app_state<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<AppStateView> {
    let keygen = &state.keygen;
    // Known already at start-up, except for profiles made since (the first screen never waits for it).
    let mut at_start = state.take_secrets_at_start();
    state_view(&state, &app, true, |name| {
        at_start
            .remove(name)
            .unwrap_or_else(|| secret_stored(keygen, name))
    })
    .map_err(payload)
}

/// The state of `app_state` without asking the keychain (`secretsChecked` false, no secret marked
/// stored): what the app hands the page before it loads, so the first screen is drawn without a call
/// back to Rust. The page asks `app_state` once that screen is painted.
pub fn first_screen_state<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
) -> Result<AppStateView, mpos_store::StoreError> {
    state_view(state, app, false, |_| false)
}

fn state_view<R: Runtime>(
    state: &AppState,
    app: &AppHandle<R>,
    secrets_checked: bool,
    mut secret_stored: impl FnMut(&str) -> bool,
) -> Result<AppStateView, mpos_store::StoreError> {
    let keygen = &state.keygen;
    let config = keygen.config().load()?;
    let profiles: Vec<ProfileView> = config
        .profiles
        .iter()
        .map(|p| ProfileView::new(p, secret_stored(&p.name)))
        .collect();
    let active_profile = config
        .settings
        .last_profile
        .clone()
        .filter(|name| profiles.iter().any(|p| &p.name == name))
        .or_else(|| profiles.first().map(|p| p.name.clone()));
    Ok(AppStateView {
        profiles,
        active_profile,
        settings: config.settings,
        keychain_name: keygen.secrets().name().to_string(),
        version: app.package_info().version.to_string(),
        secrets_checked,
    })
}

/// Set to 1 by the benchmark (benches/bench.py) and scripts/test-package: `app_ready` then prints
/// `ready <ms>` on stdout.
pub const BENCH_READY_ENV: &str = "MPOS_KEYGEN_BENCH_READY";

/// Called by the UI once its first screen (the merchant list, or the welcome screen) has been painted: logs
/// the time since start, and prints it for the benchmark when asked to.
#[tauri::command]
pub fn app_ready(state: State<'_, AppState>) {
    let Some(elapsed) = state.first_ready() else {
        return;
    };
    let ms = elapsed.as_secs_f64() * 1000.0;
    log::info!("first screen painted {ms:.0} ms after start");
    if std::env::var_os(BENCH_READY_ENV).is_some_and(|v| v == "1") {
        println!("ready {ms:.1}");
    }
}

/// Quits after the user confirmed closing with unsaved keys; this run's keys are zeroized on the way out.
#[tauri::command]
pub async fn app_quit<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> CmdResult<()> {
    state.set_quitting();
    state.session().clear();
    log::info!("quitting on the user's confirmation");
    app.exit(0);
    Ok(())
}
