//! The app on Tauri's mock runtime, called through the real IPC path: shared by the command tests.
// Each test file is its own crate and uses part of this.
#![allow(dead_code)]

use mpos_core::Keygen;
use mpos_keygen_app::build;
use mpos_keygen_app::clipboard::{MemoryClipboard, SharedClipboard};
#[cfg(feature = "e2e")]
use mpos_keygen_app::dialog_seam::DialogSeam;
use mpos_keygen_app::state::AppState;
use mpos_store::keychain::MemoryStore;
use mpos_store::paths::Paths;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

/// The app on the mock runtime with its main window, over a temp folder, an in-memory keychain and
/// clipboard, and (with the `e2e` feature) the dialog seam.
pub struct Harness {
    pub app: App<MockRuntime>,
    pub window: WebviewWindow<MockRuntime>,
    pub clipboard: Arc<MemoryClipboard>,
    pub secrets: Arc<MemoryStore>,
    #[cfg(feature = "e2e")]
    pub save_dir: PathBuf,
    pub open_file: PathBuf,
    pub root: tempfile::TempDir,
}

/// A harness whose open dialogs answer with `merchants.csv` in its temp folder.
pub fn harness() -> Harness {
    harness_opening("merchants.csv")
}

/// A harness whose open dialogs (with the `e2e` feature) answer with `file` in its temp folder.
pub fn harness_opening(file: &str) -> Harness {
    let root = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let keygen = Keygen::new(Paths::at(root.path()), secrets.clone());
    let open_file = root.path().join(file);
    let (shared, clipboard) = SharedClipboard::memory();
    let builder = build(mock_builder())
        .manage(shared)
        .manage(AppState::new(keygen));
    #[cfg(feature = "e2e")]
    let save_dir = root.path().join("exports");
    #[cfg(feature = "e2e")]
    let builder = {
        std::fs::create_dir_all(&save_dir).unwrap();
        builder.manage(DialogSeam {
            save_dir: Some(save_dir.clone()),
            open_file: Some(open_file.clone()),
        })
    };
    let app = builder.build(mock_context(noop_assets())).unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Harness {
        app,
        window,
        clipboard,
        secrets,
        #[cfg(feature = "e2e")]
        save_dir,
        open_file,
        root,
    }
}

impl Harness {
    /// Calls a command as the webview would.
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke_on(&self.window, cmd, args)
    }

    /// The command's answer; panics on an error.
    pub fn ok(&self, cmd: &str, args: Value) -> Value {
        self.invoke(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    /// The command's error; panics on success.
    pub fn err(&self, cmd: &str, args: Value) -> Value {
        match self.invoke(cmd, args) {
            Ok(v) => panic!("{cmd} should fail, returned {v}"),
            Err(e) => e,
        }
    }

    /// The app's state.
    pub fn state(&self) -> tauri::State<'_, AppState> {
        self.app.state::<AppState>()
    }
}

/// Calls a command on `window` as the webview would.
pub fn invoke_on(
    window: &WebviewWindow<MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}
