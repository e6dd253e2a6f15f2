//! The clipboard behind `copy_value`: the system one through the clipboard-manager plugin, or an in-memory one
//! for tests without a display. Copying happens here in Rust so a copied secret never enters the webview.

use std::sync::{Arc, Mutex};
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
