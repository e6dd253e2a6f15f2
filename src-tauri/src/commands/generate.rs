//! Generating keys: one request at a time, progress as events, every key kept for this run.

use super::{payload, problem, CmdResult};
use crate::state::AppState;
use crate::views::{GenerateView, Progress};
use crate::PROGRESS_EVENT;
use mpos_core::{GenerateReport, Source};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

/// Generates keys for `mids` with `profile`; emits `generate-progress` `{done,total}` while it runs.
///
/// Refused with code `busy` while another generate runs, so a double click never sends two requests (each
/// request issues keys that Cybersource shows only once).
#[tauri::command]
pub async fn generate_keys<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    profile: String,
    mids: Vec<String>,
) -> CmdResult<GenerateView> {
    let Some(_running) = state.begin_generate() else {
        return Err(problem(
            "busy",
            "Keys are already being generated. Wait for that request to finish.",
        ));
    };
    // Keeping the keys does blocking keychain and file I/O (a keychain call may wait up to its timeout), so
    // the whole run goes to a blocking thread of the same runtime instead of stalling an async worker.
    let worker = app.clone();
    let name = profile.clone();
    let (report, warnings) = tauri::async_runtime::spawn_blocking(move || {
        let state = worker.try_state::<AppState>().ok_or_else(|| {
            problem(
                "internal",
                "The app is shutting down; try again after it restarts.",
            )
        })?;
        tauri::async_runtime::block_on(generate_report(&worker, &state, &name, &mids))
    })
    .await
    .map_err(|e| {
        problem(
            "internal",
            format!("Generating stopped unexpectedly ({e}). Check History before trying again."),
        )
    })??;
    log::info!(
        "generated {} key(s) with profile {profile}, {} merchant(s) failed",
        report.keys.len(),
        report.failures.len()
    );
    Ok(GenerateView::new(&report, warnings))
}

/// Connects with the profile and asks for the keys; the vault keeps them when "remember" is on, this run always.
/// Also returns the credential's warnings (a REST certificate expiring soon).
async fn generate_report<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    profile: &str,
    mids: &[String],
) -> CmdResult<(GenerateReport, Vec<String>)> {
    let keygen = &state.keygen;
    let remember = keygen
        .config()
        .load()
        .map_err(payload)?
        .settings
        .remember_keys;
    let conn = keygen
        .connect(&Source::Profile(profile.to_string()))
        .map_err(payload)?;
    let progress = |done: usize, total: usize| {
        if let Err(e) = app.emit(PROGRESS_EVENT, Progress { done, total }) {
            log::warn!("could not send generate progress: {e}");
        }
    };
    let report = keygen
        .generate(&conn, mids, remember, &progress)
        .await
        .map_err(payload)?;
    // Into this run's memory at once, so copy and export work even if the window reloads meanwhile.
    state.remember(&report);
    Ok((report, conn.client.warnings()))
}
