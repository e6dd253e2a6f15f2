//! A generated key's secret: reveal it, copy a value (the clipboard is written from Rust), export to a file,
//! dismiss it from this run.

use super::{payload, problem, CmdResult};
use crate::clipboard::{copy_then_clear, SharedClipboard};
use crate::dialogs::pick_save_path;
use crate::state::AppState;
use mpos_kms::{IssuedKey, ProviderMode, SecretString};
use mpos_store::export::{render, write_export, ExportBatch, ExportFormat};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State};

/// A key found in this run's memory or in the vault, secret included.
pub struct FoundKey {
    /// The key.
    pub key: IssuedKey,
    /// The environment token it came from.
    pub environment: String,
    /// TEST or LIVE.
    pub provider_mode: ProviderMode,
    /// When it was generated.
    pub generated_at: String,
    /// The vault holds it.
    pub stored: bool,
}

/// Looks a key up in this run's keys first, then in the vault (reading its secret from the keychain).
pub fn find_key(state: &AppState, key_id: &str) -> CmdResult<FoundKey> {
    if let Some(k) = state.session().get(key_id) {
        return Ok(FoundKey {
            key: k.key.clone(),
            environment: k.environment.token(),
            provider_mode: k.environment.provider_mode(),
            generated_at: k.generated_at.clone(),
            stored: k.stored,
        });
    }
    let vault = state.keygen.vault();
    let entry = vault.entry(key_id).map_err(payload)?;
    let key = vault.issued_key(key_id).map_err(payload)?;
    Ok(FoundKey {
        key,
        environment: entry.environment,
        provider_mode: entry.provider_mode,
        generated_at: entry.generated_at,
        stored: true,
    })
}

/// Returns a generated key's secret: the one way a generated secret reaches the webview.
#[tauri::command]
pub async fn key_reveal(state: State<'_, AppState>, key_id: String) -> CmdResult<String> {
    let found = find_key(&state, &key_id)?;
    Ok(found.key.secret.expose().clone())
}

/// Which value `copy_value` puts on the clipboard.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum CopyField {
    /// The mposUi merchant id.
    MerchantId,
    /// The secret key.
    Secret,
    /// The key id.
    KeyId,
    /// A ready-to-paste mposUi Kotlin snippet (contains the secret).
    Snippet,
}

/// What `copy_value` returns.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyResult {
    /// Seconds until the clipboard is cleared; `null` when auto-clear is off.
    pub clears_in_secs: Option<u64>,
}

/// The mposUi Kotlin call for a key, ready to paste.
pub fn mposui_snippet(key: &IssuedKey, mode: ProviderMode) -> String {
    format!(
        "MposUi.create(\n    providerMode = ProviderMode.{},\n    merchantId = \"{}\",\n    merchantSecret = \"{}\"\n)",
        mode.as_str(),
        kotlin_escape(&key.merchant_id),
        kotlin_escape(key.secret.expose())
    )
}

fn kotlin_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('$', "\\$")
}

/// Copies one value of a key to the clipboard and schedules clearing it, if it is still ours by then.
#[tauri::command]
pub async fn copy_value<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    clipboard: State<'_, SharedClipboard>,
    key_id: String,
    field: CopyField,
) -> CmdResult<CopyResult> {
    let found = find_key(&state, &key_id)?;
    let value = SecretString::new(match field {
        CopyField::MerchantId => found.key.merchant_id.clone(),
        CopyField::KeyId => found.key.key_id.clone(),
        CopyField::Secret => found.key.secret.expose().clone(),
        CopyField::Snippet => mposui_snippet(&found.key, found.provider_mode),
    });
    let sensitive = matches!(field, CopyField::Secret | CopyField::Snippet);
    let clear_secs: u64 = state
        .keygen
        .config()
        .load()
        .map_err(payload)?
        .settings
        .clipboard_clear_secs
        .into();
    copy_then_clear(app, &state, &clipboard, value, sensitive, clear_secs)
}

/// What `export_keys` returns.
#[derive(Debug, Serialize)]
pub struct ExportResult {
    /// The user closed the save dialog.
    pub cancelled: bool,
    /// Where the file was written.
    pub path: Option<String>,
}

/// The file name the save dialog suggests: `mposui-key-<mid>.json` for one key, `mposui-keys-<date>.csv` for more.
pub fn suggested_file_name(keys: &[FoundKey], ext: &str) -> String {
    match keys {
        [one] => format!("mposui-key-{}.{ext}", one.key.cybersource_merchant_id),
        _ => {
            let now = mpos_core::keygen::now_rfc3339();
            format!("mposui-keys-{}.{ext}", now.get(..10).unwrap_or("export"))
        }
    }
}

/// Writes keys to a file the user picks in a native save dialog, then marks them exported.
#[tauri::command]
pub async fn export_keys<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    key_ids: Vec<String>,
    format: String,
) -> CmdResult<ExportResult> {
    let format: ExportFormat = format.parse().map_err(payload)?;
    let ext = format.extension();
    let keys = key_ids
        .iter()
        .map(|id| find_key(&state, id))
        .collect::<CmdResult<Vec<_>>>()?;
    let Some(first) = keys.first() else {
        return Err(problem(
            "invalid_input",
            "Choose at least one key to download.",
        ));
    };
    if keys.iter().any(|k| k.environment != first.environment) {
        return Err(problem(
            "invalid_input",
            "These keys come from different environments. Download the keys of each environment separately.",
        ));
    }
    let batch = ExportBatch {
        environment: first.environment.clone(),
        provider_mode: first.provider_mode,
        generated_at: first.generated_at.clone(),
        keys: keys.iter().map(|k| k.key.clone()).collect(),
        errors: Vec::new(),
    };
    let contents = render(&batch, format).map_err(payload)?;
    let name = suggested_file_name(&keys, ext);
    let Some(path) = pick_save_path(&app, &name, ext, "Download key").await? else {
        return Ok(ExportResult {
            cancelled: true,
            path: None,
        });
    };
    // force: the save dialog already asked before replacing an existing file.
    write_export(&path, &contents, true).map_err(payload)?;
    mark_exported(&state, &keys);
    log::info!("exported {} key(s) as {ext}", keys.len());
    Ok(ExportResult {
        cancelled: false,
        path: Some(path.display().to_string()),
    })
}

fn mark_exported(state: &AppState, keys: &[FoundKey]) {
    {
        let mut session = state.session();
        for k in keys {
            if let Some(s) = session.get_mut(&k.key.key_id) {
                s.exported = true;
            }
        }
    }
    let stored: Vec<String> = keys
        .iter()
        .filter(|k| k.stored)
        .map(|k| k.key.key_id.clone())
        .collect();
    if !stored.is_empty() {
        // The file is written; a history that misses "exported" only shows a stale badge.
        if let Err(e) = state.keygen.vault().mark_exported(&stored) {
            log::warn!("could not mark keys exported in the history: {e}");
        }
    }
}
