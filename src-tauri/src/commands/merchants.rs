//! Merchants of a profile: add, relabel, remove, import from CSV.

use super::profiles::view_of;
use super::{payload, problem, CmdResult};
use crate::dialogs::pick_file;
use crate::state::AppState;
use crate::views::ProfileView;
use mpos_store::config::{Config, Profile};
use mpos_store::csv_import::{parse_merchants_csv, CsvLineError};
use mpos_store::StoreError;
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

/// What `merchant_import_csv` returns.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportResult {
    /// The user closed the dialog without a file.
    pub cancelled: bool,
    /// Merchants added.
    pub added: usize,
    /// Good rows whose MID the profile already had.
    pub skipped: usize,
    /// Rows that could not be read; nothing is added when there are some and `onlyGood` was false.
    pub errors: Vec<ImportError>,
}

/// One unreadable CSV row.
#[derive(Debug, Serialize)]
pub struct ImportError {
    /// 1-based line number in the file.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl From<&CsvLineError> for ImportError {
    /// The store's message starts with "Line N: " for the CLI; the UI shows the line number itself.
    fn from(e: &CsvLineError) -> Self {
        let prefix = format!("Line {}: ", e.line);
        let message = e
            .message
            .strip_prefix(&prefix)
            .unwrap_or(&e.message)
            .to_string();
        Self {
            line: e.line,
            message,
        }
    }
}

/// Runs `change` on the profile named `name` inside a locked config update.
fn update_profile<T>(
    state: &AppState,
    name: &str,
    change: impl FnOnce(&mut Profile) -> Result<T, StoreError>,
) -> CmdResult<T> {
    state
        .keygen
        .config()
        .update(|cfg: &mut Config| change(cfg.profile_mut(name)?))
        .map_err(payload)
}

/// Changes the profile named `name` and returns its new view.
fn with_profile(
    state: &AppState,
    name: &str,
    change: impl FnOnce(&mut Profile) -> Result<(), StoreError>,
) -> CmdResult<ProfileView> {
    update_profile(state, name, change)?;
    view_of(&state.keygen, name)
}

/// Adds a merchant to a profile.
#[tauri::command]
pub async fn merchant_add(
    state: State<'_, AppState>,
    profile: String,
    mid: String,
    label: String,
) -> CmdResult<ProfileView> {
    with_profile(&state, &profile, |p| p.add_merchant(&mid, &label))
}

/// Changes a merchant's label.
#[tauri::command]
pub async fn merchant_update(
    state: State<'_, AppState>,
    profile: String,
    mid: String,
    label: String,
) -> CmdResult<ProfileView> {
    with_profile(&state, &profile, |p| p.rename_merchant(&mid, &label))
}

/// Removes a merchant from a profile.
#[tauri::command]
pub async fn merchant_remove(
    state: State<'_, AppState>,
    profile: String,
    mid: String,
) -> CmdResult<ProfileView> {
    with_profile(&state, &profile, |p| p.remove_merchant(&mid).map(|_| ()))
}

/// Asks for a CSV file (`mid,label`) and adds its merchants to the profile.
///
/// With errors in the file and `only_good` false nothing is added, so the user can fix the file or choose to
/// import only the good rows.
#[tauri::command]
pub async fn merchant_import_csv<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    profile: String,
    only_good: bool,
) -> CmdResult<ImportResult> {
    let Some(path) = pick_file(
        &app,
        "Import merchants from CSV",
        "CSV (mid,label)",
        &["csv", "txt"],
    )
    .await?
    else {
        return Ok(ImportResult {
            cancelled: true,
            ..Default::default()
        });
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        problem(
            "file_error",
            format!("Could not read {}: {e}", path.display()),
        )
    })?;
    let import = parse_merchants_csv(&bytes);
    let errors: Vec<ImportError> = import.errors.iter().map(ImportError::from).collect();
    // All or nothing unless asked for the good lines: the UI lists the problems and offers that choice.
    if !errors.is_empty() && !only_good && !import.file_refused() {
        return Ok(ImportResult {
            errors,
            ..Default::default()
        });
    }
    let summary = update_profile(&state, &profile, |p| p.import_merchants(&import, only_good))?;
    log::info!(
        "imported {} merchants into profile {profile} ({} already there)",
        summary.added,
        summary.already_present
    );
    Ok(ImportResult {
        cancelled: false,
        added: summary.added,
        skipped: summary.already_present,
        errors,
    })
}
