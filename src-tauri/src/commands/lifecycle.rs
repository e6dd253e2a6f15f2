//! After a key is issued: its status at Cybersource, deleting keys, replacing keys. Each key is handled
//! with the profile that generated it; results come back per key, so one failure never hides the others.

use super::{payload, problem, CmdResult};
use crate::state::AppState;
use crate::views::{GenerateView, Progress};
use mpos_core::{ErrorPayload, Keygen, Source};
use mpos_store::VaultEntry;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime, State};

/// Emitted while statuses are checked: `{done, total}`.
pub const STATUS_PROGRESS_EVENT: &str = "key-status-progress";

/// One key's status as the History shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyStatusView {
    /// The key.
    pub key_id: String,
    /// `ACTIVE`, `INACTIVE`, `EXPIRED`, `NOT_FOUND`, another word as given; `None` when not read.
    pub status: Option<String>,
    /// When it expires.
    pub expiration_date: Option<String>,
    /// When it was checked.
    pub checked_at: Option<String>,
    /// A sentence to show with the status (e.g. not found although this app issued it).
    pub note: Option<String>,
    /// Why the status could not be read.
    pub error: Option<ErrorPayload>,
}

/// One key's delete result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyDeleteView {
    /// The key.
    pub key_id: String,
    /// Its merchant.
    pub cybersource_merchant_id: String,
    /// Whether it is deleted now.
    pub deleted: bool,
    /// Why it was not.
    pub error: Option<ErrorPayload>,
    /// Deleted, but something about keeping the record failed.
    pub warning: Option<String>,
}

/// What a replace did: the new keys, then the old keys deleted.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyReplaceView {
    /// The new keys (and merchants that got none), per profile involved.
    pub generated: Vec<GenerateView>,
    /// The earlier keys, per key.
    pub deleted: Vec<KeyDeleteView>,
}

/// The history lines of these keys, grouped by the profile that generated them (in first-seen order).
fn by_profile(keygen: &Keygen, key_ids: &[String]) -> CmdResult<Vec<(String, Vec<VaultEntry>)>> {
    if key_ids.is_empty() {
        return Err(problem("usage", "Choose at least one key."));
    }
    let entries = keygen.keys_by_id(key_ids).map_err(payload)?;
    let mut groups: Vec<(String, Vec<VaultEntry>)> = Vec::new();
    for e in entries {
        match groups.iter_mut().find(|(p, _)| *p == e.profile) {
            Some((_, list)) => list.push(e),
            None => groups.push((e.profile.clone(), vec![e])),
        }
    }
    Ok(groups)
}

/// Asks Cybersource for the status of these keys, one request each; emits `key-status-progress`.
#[tauri::command]
pub async fn keys_status<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    key_ids: Vec<String>,
) -> CmdResult<Vec<KeyStatusView>> {
    let keygen = &state.keygen;
    let total = key_ids.len();
    let mut views = Vec::with_capacity(total);
    for (profile, entries) in by_profile(keygen, &key_ids)? {
        let offset = views.len();
        let conn = match keygen.connect(&Source::Profile(profile.clone())) {
            Ok(conn) => conn,
            Err(e) => {
                let error = e.payload();
                views.extend(entries.iter().map(|k| KeyStatusView {
                    key_id: k.key_id.clone(),
                    status: None,
                    expiration_date: k.expiration_date.clone(),
                    checked_at: None,
                    note: None,
                    error: Some(error.clone()),
                }));
                continue;
            }
        };
        let progress = |done: usize, _: usize| {
            let _ = app.emit(
                STATUS_PROGRESS_EVENT,
                Progress {
                    done: offset + done,
                    total,
                },
            );
        };
        let report = keygen
            .key_status(&conn, &entries, &progress)
            .await
            .map_err(payload)?;
        views.extend(report.results.into_iter().map(|r| KeyStatusView {
            key_id: r.entry.key_id,
            status: r.status,
            expiration_date: r.expiration_date,
            checked_at: r.checked_at,
            note: r.note,
            error: r.error.map(payload),
        }));
    }
    Ok(views)
}

/// Deletes these keys at Cybersource; deleted keys stay in the history, marked deleted, without secret.
#[tauri::command]
pub async fn keys_delete(
    state: State<'_, AppState>,
    key_ids: Vec<String>,
) -> CmdResult<Vec<KeyDeleteView>> {
    let keygen = &state.keygen;
    let mut views = Vec::new();
    for (profile, entries) in by_profile(keygen, &key_ids)? {
        views.extend(delete_with(&state, &profile, &entries).await?);
    }
    for v in views.iter().filter(|v| v.deleted) {
        state.session().remove(&v.key_id);
    }
    Ok(views)
}

async fn delete_with(
    state: &AppState,
    profile: &str,
    entries: &[VaultEntry],
) -> CmdResult<Vec<KeyDeleteView>> {
    let keygen = &state.keygen;
    let conn = match keygen.connect(&Source::Profile(profile.to_string())) {
        Ok(conn) => conn,
        Err(e) => {
            let error = e.payload();
            return Ok(entries
                .iter()
                .map(|k| KeyDeleteView {
                    key_id: k.key_id.clone(),
                    cybersource_merchant_id: k.cybersource_merchant_id.clone(),
                    deleted: false,
                    error: Some(error.clone()),
                    warning: None,
                })
                .collect());
        }
    };
    let report = keygen.delete_keys(&conn, entries).await.map_err(payload)?;
    Ok(report.results.into_iter().map(delete_view).collect())
}

fn delete_view(r: mpos_core::DeleteResult) -> KeyDeleteView {
    KeyDeleteView {
        key_id: r.entry.key_id,
        cybersource_merchant_id: r.entry.cybersource_merchant_id,
        deleted: r.deleted,
        error: r.error.map(payload),
        warning: r.storage_warning,
    }
}

/// Generates a new key for the merchant of each of these keys (with the profile that made it), keeps it,
/// and only then deletes that merchant's earlier keys of that profile. A failed new key deletes nothing.
#[tauri::command]
pub async fn keys_replace(
    state: State<'_, AppState>,
    key_ids: Vec<String>,
) -> CmdResult<KeyReplaceView> {
    let Some(_running) = state.begin_generate() else {
        return Err(problem(
            "busy",
            "Keys are already being generated. Wait for that request to finish.",
        ));
    };
    let keygen = &state.keygen;
    let remember = keygen
        .config()
        .load()
        .map_err(payload)?
        .settings
        .remember_keys;
    let mut view = KeyReplaceView {
        generated: Vec::new(),
        deleted: Vec::new(),
    };
    for (profile, entries) in by_profile(keygen, &key_ids)? {
        let conn = keygen
            .connect(&Source::Profile(profile.clone()))
            .map_err(payload)?;
        let mut mids: Vec<String> = Vec::new();
        for e in &entries {
            if !mids.contains(&e.cybersource_merchant_id) {
                mids.push(e.cybersource_merchant_id.clone());
            }
        }
        let report = keygen
            .replace(&conn, &mids, remember, &|_, _| {})
            .await
            .map_err(payload)?;
        state.remember(&report.generated);
        view.generated
            .push(GenerateView::new(&report.generated, conn.client.warnings()));
        view.deleted
            .extend(report.deleted.results.into_iter().map(delete_view));
    }
    for v in view.deleted.iter().filter(|v| v.deleted) {
        state.session().remove(&v.key_id);
    }
    Ok(view)
}
