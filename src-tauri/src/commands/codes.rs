//! Device activation codes: make them for one or several merchants, copy one code or a merchant's codes (the
//! clipboard is written from Rust), download them after a native save dialog, dismiss them.
//!
//! Unlike a key's secret, the codes are shown in the window: a device is activated by typing its code. They
//! stay in this run's memory only (`CodesState`) and are dropped when they expire or the window dismisses them.

use super::{payload, problem, CmdResult};
use crate::clipboard::{copy_then_clear, SharedClipboard};
use crate::codes_session::{CodesBatch, CodesState};
use crate::state::AppState;
use crate::views::Progress;
use crate::PROGRESS_EVENT;
use mpos_core::{CodesReport, Error, ErrorPayload, Source};
use mpos_kms::SecretString;
use mpos_store::codes::{render_codes, CodesExport, CodesFormat, MerchantCodes};
use mpos_store::export::write_export;
use mpos_store::timestamp::rfc3339;
use serde::Serialize;
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

/// One merchant's codes as the window shows them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantCodesView {
    /// The MID.
    pub cybersource_merchant_id: String,
    /// Its label in the profile, or empty.
    pub label: String,
    /// The codes, in the order Cybersource sent them.
    pub codes: Vec<String>,
    /// When the first of them stops working, RFC 3339 UTC.
    pub expires_at: Option<String>,
    /// The same in milliseconds since 1970, for the window's countdown.
    pub expires_at_ms: Option<u64>,
    /// Why it got none.
    pub failure: Option<ErrorPayload>,
}

/// What `activation_codes_generate` returns.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CodesView {
    /// Names this batch for copy, download and dismiss; `null` when no merchant got codes.
    pub batch_id: Option<String>,
    /// The environment token.
    pub environment: String,
    /// `TEST` or `LIVE`.
    pub provider_mode: String,
    /// How many codes were asked for per merchant.
    pub count: u32,
    /// Every merchant asked for, in order.
    pub merchants: Vec<MerchantCodesView>,
    /// About the credential or the history (e.g. it could not note the codes).
    pub warnings: Vec<String>,
}

/// Makes `count` (1–15) activation codes for each of `mids`; emits `generate-progress` `{done,total}`.
///
/// Refused with code `busy` while another request for codes runs, so a double click sends one request.
#[tauri::command]
pub async fn activation_codes_generate<R: Runtime>(
    app: AppHandle<R>,
    codes: State<'_, CodesState>,
    profile: String,
    mids: Vec<String>,
    count: u32,
) -> CmdResult<CodesView> {
    let Some(_running) = codes.begin() else {
        return Err(problem(
            "busy",
            "Activation codes are already being made. Wait for that request to finish.",
        ));
    };
    // Connecting reads the keychain and the history is a file: blocking I/O, so the run goes to a blocking
    // thread of the same runtime instead of stalling an async worker (as for keys).
    let worker = app.clone();
    let name = profile.clone();
    let (report, labels, mut warnings) = tauri::async_runtime::spawn_blocking(move || {
        let state = worker.try_state::<AppState>().ok_or_else(|| {
            problem(
                "internal",
                "The app is shutting down; try again after it restarts.",
            )
        })?;
        tauri::async_runtime::block_on(codes_report(&worker, &state, &name, &mids, count))
    })
    .await
    .map_err(|e| {
        problem(
            "internal",
            format!("Making codes stopped unexpectedly ({e})."),
        )
    })??;
    warnings.extend(report.history_warning.clone());
    let batch = CodesBatch::from_report(&report, &labels);
    let batch_id = batch.last_expiry().map(|_| codes.insert(batch));
    log::info!(
        "activation codes with profile {profile}: {} of {} merchant(s) got codes",
        report.succeeded(),
        report.merchants.len()
    );
    Ok(view(&report, batch_id, count, &labels, warnings))
}

/// Connects with the profile and asks for the codes; also returns the profile's labels and the credential's
/// warnings.
async fn codes_report<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    profile: &str,
    mids: &[String],
    count: u32,
) -> CmdResult<(CodesReport, HashMap<String, String>, Vec<String>)> {
    let keygen = &state.keygen;
    let config = keygen.config().load().map_err(payload)?;
    let labels: HashMap<String, String> = config
        .profile(profile)
        .map(|p| {
            p.merchants
                .iter()
                .filter(|m| !m.label.trim().is_empty())
                .map(|m| (m.mid.clone(), m.label.clone()))
                .collect()
        })
        .unwrap_or_default();
    let conn = keygen
        .connect(&Source::Profile(profile.to_string()))
        .map_err(payload)?;
    let progress = |done: usize, total: usize| {
        if let Err(e) = app.emit(PROGRESS_EVENT, Progress { done, total }) {
            log::warn!("could not send progress: {e}");
        }
    };
    let report = keygen
        .activation_codes(&conn, mids, count, &progress)
        .await
        .map_err(payload)?;
    Ok((report, labels, conn.client.warnings()))
}

fn view(
    report: &CodesReport,
    batch_id: Option<String>,
    count: u32,
    labels: &HashMap<String, String>,
    warnings: Vec<String>,
) -> CodesView {
    CodesView {
        batch_id,
        environment: report.environment.token(),
        provider_mode: report.environment.provider_mode().as_str().to_string(),
        count,
        merchants: report
            .merchants
            .iter()
            .map(|m| {
                let expires = m.expires_at();
                MerchantCodesView {
                    cybersource_merchant_id: m.cybersource_merchant_id.clone(),
                    label: labels
                        .get(&m.cybersource_merchant_id)
                        .cloned()
                        .unwrap_or_default(),
                    codes: m.codes.iter().map(|c| c.code.expose().clone()).collect(),
                    expires_at: expires.map(rfc3339),
                    expires_at_ms: expires.and_then(|t| {
                        t.duration_since(UNIX_EPOCH)
                            .ok()
                            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                    }),
                    failure: m.error.clone().map(|e| Error::from(e).payload()),
                }
            })
            .collect(),
        warnings,
    }
}

fn expired() -> ErrorPayload {
    problem(
        "codes_expired",
        "These activation codes have expired or were dismissed. Make new ones.",
    )
}

/// Copies one code (`index`), or all of a merchant's codes one a line (`index` absent); the clipboard is
/// cleared after the configured time if it still holds them.
#[tauri::command]
pub async fn activation_codes_copy<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    codes: State<'_, CodesState>,
    clipboard: State<'_, SharedClipboard>,
    batch_id: String,
    mid: String,
    index: Option<usize>,
) -> CmdResult<crate::commands::keys::CopyResult> {
    let value = {
        let mut batches = codes.batches();
        let merchant = batches
            .get_mut(&batch_id)
            .and_then(|b| b.merchants.iter_mut().find(|m| m.mid == mid))
            .ok_or_else(expired)?;
        let now = SystemTime::now();
        let chosen: Vec<&mut crate::codes_session::SessionCode> = match index {
            Some(i) => merchant.codes.get_mut(i).into_iter().collect(),
            None => merchant.codes.iter_mut().collect(),
        };
        if chosen.is_empty() || chosen.iter().any(|c| c.expires_at <= now) {
            return Err(expired());
        }
        let mut text = String::new();
        for c in chosen {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(c.code.expose());
            c.copied = true;
        }
        SecretString::new(text)
    };
    let clear_secs: u64 = state
        .keygen
        .config()
        .load()
        .map_err(payload)?
        .settings
        .clipboard_clear_secs
        .into();
    copy_then_clear(app, &state, &clipboard, value, true, clear_secs)
}

/// Writes a batch's codes (text like the Business Center's .txt, CSV or JSON) to a file the user picks in a
/// native save dialog.
#[tauri::command]
pub async fn activation_codes_export<R: Runtime>(
    app: AppHandle<R>,
    codes: State<'_, CodesState>,
    batch_id: String,
    format: String,
) -> CmdResult<crate::commands::keys::ExportResult> {
    let format: CodesFormat = format.parse().map_err(payload)?;
    let (contents, name) = {
        let batches = codes.batches();
        let batch = batches.get(&batch_id).ok_or_else(expired)?;
        let export = CodesExport {
            environment: batch.environment.clone(),
            generated_at: batch.generated_at.clone(),
            merchants: batch
                .merchants
                .iter()
                .map(|m| MerchantCodes {
                    cybersource_merchant_id: m.mid.clone(),
                    label: m.label.clone(),
                    codes: m
                        .codes
                        .iter()
                        .map(|c| (c.code.clone(), rfc3339(c.expires_at)))
                        .collect(),
                    error: m.error.clone(),
                })
                .collect(),
        };
        let contents = render_codes(&export, format).map_err(payload)?;
        let name = match batch.merchants.as_slice() {
            [one] => format!("activation-codes-{}.{}", one.mid, format.extension()),
            _ => format!(
                "activation-codes-{}.{}",
                batch.generated_at.get(..10).unwrap_or("export"),
                format.extension()
            ),
        };
        (contents, name)
    };
    let ext = format.extension();
    let Some(path) =
        crate::dialogs::pick_save_path(&app, &name, ext, "Download activation codes").await?
    else {
        return Ok(crate::commands::keys::ExportResult {
            cancelled: true,
            path: None,
        });
    };
    // force: the save dialog already asked before replacing an existing file.
    write_export(&path, &contents, true).map_err(payload)?;
    if let Some(batch) = codes.batches().get_mut(&batch_id) {
        batch.downloaded = true;
    }
    log::info!("activation codes downloaded as {ext}");
    Ok(crate::commands::keys::ExportResult {
        cancelled: false,
        path: Some(path.display().to_string()),
    })
}

/// Forgets a batch's codes: they expired in the window, or the user dismissed them.
#[tauri::command]
pub async fn activation_codes_clear(
    codes: State<'_, CodesState>,
    batch_id: String,
) -> CmdResult<()> {
    codes.remove(&batch_id);
    Ok(())
}

/// Drops every batch once its codes have expired, even if the window never asks again.
pub fn expire_in_background<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            match app.try_state::<CodesState>() {
                // `batches()` drops the expired ones.
                Some(codes) => drop(codes.batches()),
                None => return,
            }
        }
    });
}
