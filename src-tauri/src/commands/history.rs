//! The key history: what the vault keeps (never a secret here), and forgetting a key; and the record of
//! activation codes made (never a code: how many, for whom, when, until when).

use super::{payload, CmdResult};
use crate::state::AppState;
use crate::views::HistoryView;
use mpos_store::codes::CodesRecord;
use tauri::State;

/// Generated keys the vault keeps, newest first, optionally of one profile only.
#[tauri::command]
pub async fn history_list(
    state: State<'_, AppState>,
    profile: Option<String>,
) -> CmdResult<Vec<HistoryView>> {
    let entries = state
        .keygen
        .vault()
        .list(profile.as_deref())
        .map_err(payload)?;
    Ok(entries.iter().map(HistoryView::from).collect())
}

/// Deletes a key from the vault (secret from the keychain, entry from the history) and from this run.
#[tauri::command]
pub async fn history_forget(state: State<'_, AppState>, key_id: String) -> CmdResult<()> {
    state.keygen.vault().forget(&key_id).map_err(payload)?;
    state.session().remove(&key_id);
    log::info!("a key was forgotten from the history");
    Ok(())
}

/// The activation codes made, newest first (a batch's merchants in their order), optionally of one
/// profile only.
#[tauri::command]
pub async fn history_codes(
    state: State<'_, AppState>,
    profile: Option<String>,
) -> CmdResult<Vec<CodesRecord>> {
    state
        .keygen
        .vault()
        .codes_history(profile.as_deref())
        .map_err(payload)
}
