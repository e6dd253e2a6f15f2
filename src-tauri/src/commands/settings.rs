//! Settings: theme, clipboard auto-clear, proxy, remembering generated keys.

use super::{payload, problem, CmdResult};
use crate::state::AppState;
use mpos_store::config::{Config, Settings};
use serde_json::Value;
use tauri::State;

/// Saves the settings and returns them as stored (the proxy as `{"mode":"system"|"none"}` or
/// `{"mode":"url","url":…}`). The last selected profile is kept as it is on disk: `profile_select` changes it.
///
/// Takes raw JSON so that a malformed object is answered with `{code,message,detail}` like every other error,
/// not with Tauri's bare deserialization string.
#[tauri::command]
pub async fn settings_save(state: State<'_, AppState>, settings: Value) -> CmdResult<Settings> {
    let settings: Settings = serde_json::from_value(settings).map_err(|e| {
        problem(
            "invalid_input",
            format!("These settings cannot be read: {e}"),
        )
    })?;
    settings.validate().map_err(payload)?;
    state
        .keygen
        .config()
        .update(|cfg: &mut Config| {
            let last_profile = cfg.settings.last_profile.take();
            cfg.settings = settings;
            cfg.settings.last_profile = last_profile;
            Ok(cfg.settings.clone())
        })
        .map_err(payload)
}
