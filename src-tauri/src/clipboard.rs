//! The clipboard behind `copy_value`: the system one through the clipboard-manager plugin, or an in-memory one
//! for tests without a display. Copying happens here in Rust so a copied secret never enters the webview.

use crate::commands::keys::CopyResult;
use crate::commands::{problem, CmdResult};
use crate::state::AppState;
use mpos_kms::SecretString;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime};

/// Plain-text clipboard operations `copy_value` needs.
pub trait TextClipboard: Send + Sync {
    /// Puts `text` on the clipboard; `sensitive` asks clipboard managers to keep it out of their history.
    fn write(&self, text: &str, sensitive: bool) -> Result<(), String>;
    /// What the clipboard holds now.
    fn read(&self) -> Result<String, String>;
    /// Empties the clipboard.
    fn clear(&self) -> Result<(), String>;
}

/// The clipboard the commands use, managed as app state.
#[derive(Clone)]
pub struct SharedClipboard(pub Arc<dyn TextClipboard>);

impl SharedClipboard {
    /// The system clipboard, through the clipboard-manager plugin.
    pub fn system<R: Runtime>(app: AppHandle<R>) -> Self {
        Self(Arc::new(SystemClipboard(app)))
    }

    /// An in-memory clipboard (tests).
    pub fn memory() -> (Self, Arc<MemoryClipboard>) {
        let memory = Arc::new(MemoryClipboard::default());
        (Self(memory.clone()), memory)
    }
}

/// The system clipboard via `tauri-plugin-clipboard-manager`.
struct SystemClipboard<R: Runtime>(AppHandle<R>);

impl<R: Runtime> SystemClipboard<R> {
    fn with<T>(
        &self,
        f: impl FnOnce(
            &tauri_plugin_clipboard_manager::Clipboard<R>,
        ) -> tauri_plugin_clipboard_manager::Result<T>,
    ) -> Result<T, String> {
        // try_state: a missing plugin is an error to report, not a panic.
        let clipboard = self
            .0
            .try_state::<tauri_plugin_clipboard_manager::Clipboard<R>>()
            .ok_or_else(|| "the clipboard is not available in this build".to_string())?;
        f(clipboard.inner()).map_err(|e| e.to_string())
    }
}

impl<R: Runtime> TextClipboard for SystemClipboard<R> {
    fn write(&self, text: &str, sensitive: bool) -> Result<(), String> {
        self.with(|c| {
            if sensitive {
                c.write_secret(text)
            } else {
                c.write_text(text)
            }
        })
    }

    fn read(&self) -> Result<String, String> {
        self.with(|c| c.read_text())
    }

    fn clear(&self) -> Result<(), String> {
        self.with(|c| c.clear())
    }
}

/// A clipboard that lives in memory, for tests without a display.
#[derive(Default)]
pub struct MemoryClipboard(Mutex<Option<String>>);

impl MemoryClipboard {
    /// What it holds now.
    pub fn contents(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces its content, as another app copying something would.
    pub fn set(&self, text: &str) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(text.to_string());
    }
}

impl TextClipboard for MemoryClipboard {
    fn write(&self, text: &str, _sensitive: bool) -> Result<(), String> {
        self.set(text);
        Ok(())
    }

    fn read(&self) -> Result<String, String> {
        Ok(self.contents().unwrap_or_default())
    }

    fn clear(&self) -> Result<(), String> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }
}

/// Puts `value` on the clipboard and, unless `clear_secs` is 0, clears it after that many seconds if it still
/// holds `value` and no newer copy was made meanwhile.
pub fn copy_then_clear<R: Runtime>(
    app: AppHandle<R>,
    state: &AppState,
    clipboard: &SharedClipboard,
    value: SecretString,
    sensitive: bool,
    clear_secs: u64,
) -> CmdResult<CopyResult> {
    let generation = state.next_clipboard_generation();
    clipboard.0.write(value.expose(), sensitive).map_err(|e| {
        problem(
            "clipboard_error",
            format!("Could not copy to the clipboard ({e})."),
        )
    })?;
    if clear_secs == 0 {
        return Ok(CopyResult {
            clears_in_secs: None,
        });
    }
    let clip = clipboard.0.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(Duration::from_secs(clear_secs)).await;
        let Some(state) = app.try_state::<AppState>() else {
            return;
        };
        // A newer copy owns the clipboard now; its own timer clears it.
        if state.clipboard_generation() != generation {
            return;
        }
        // Runs on a runtime worker, never the main thread, where reading the clipboard can deadlock GTK.
        match clip.read() {
            Ok(now) if now == *value.expose() => {
                if let Err(e) = clip.clear() {
                    log::warn!("could not clear the clipboard: {e}");
                }
            }
            Ok(_) => {} // the user copied something else since: leave it.
            Err(e) => log::warn!("could not read the clipboard to clear it: {e}"),
        }
    });
    Ok(CopyResult {
        clears_in_secs: Some(clear_secs),
    })
}
