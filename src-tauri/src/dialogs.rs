//! The native file dialogs, shown from Rust: the webview gets no dialog or file-system access. An `e2e`
//! build answers them from the test seam instead (`dialog_seam.rs`), as WebDriver cannot drive them.

use crate::commands::{problem, CmdResult};
use std::path::PathBuf;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder, FilePath};

/// The file the user chose in an open dialog titled `title`, offering `extensions` under `filter`; `None`
/// when cancelled.
pub async fn pick_file<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    filter: &str,
    extensions: &[&str],
) -> CmdResult<Option<PathBuf>> {
    #[cfg(feature = "e2e")]
    if let Some(file) = crate::dialog_seam::open_file(app) {
        // The end-to-end tests point the seam at a link to the file they want chosen; resolved here, as a
        // real dialog gives the file's own path (a profile keeps the .p12, not the link).
        return Ok(Some(std::fs::canonicalize(&file).unwrap_or(file)));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    dialog(app, title)
        .add_filter(filter, extensions)
        .pick_file(move |picked| {
            let _ = tx.send(picked);
        });
    let picked = rx
        .await
        .map_err(|_| problem("dialog_error", "The file dialog closed unexpectedly."))?;
    path_of(picked, "That file cannot be opened here")
}

/// Where to write: the user's choice in a save dialog titled `title` that suggests `name` (the test seam's
/// directory in an `e2e` build).
pub async fn pick_save_path<R: Runtime>(
    app: &AppHandle<R>,
    name: &str,
    ext: &str,
    title: &str,
) -> CmdResult<Option<PathBuf>> {
    #[cfg(feature = "e2e")]
    if let Some(dir) = crate::dialog_seam::save_dir(app) {
        return Ok(Some(dir.join(name)));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    dialog(app, title)
        .set_file_name(name)
        .add_filter(ext, &[ext])
        .save_file(move |picked| {
            let _ = tx.send(picked);
        });
    let picked = rx
        .await
        .map_err(|_| problem("dialog_error", "The save dialog closed unexpectedly."))?;
    path_of(picked, "That location cannot be written here")
}

/// A dialog on top of the main window, so it cannot hide behind it.
fn dialog<R: Runtime>(app: &AppHandle<R>, title: &str) -> FileDialogBuilder<R> {
    let dialog = app.dialog().file().set_title(title);
    match app.get_webview_window("main") {
        Some(window) => dialog.set_parent(&window),
        None => dialog,
    }
}

fn path_of(picked: Option<FilePath>, refused: &str) -> CmdResult<Option<PathBuf>> {
    match picked {
        None => Ok(None),
        Some(p) => p
            .into_path()
            .map(Some)
            .map_err(|e| problem("dialog_error", format!("{refused}: {e}"))),
    }
}
