//! The mPOS Key Generator desktop app: window setup and thin commands over `mpos-core`.

pub mod clipboard;
pub mod codes_session;
pub mod commands;
#[cfg(feature = "e2e")]
pub mod dialog_seam;
pub mod dialogs;
pub mod state;
pub mod views;

use clipboard::SharedClipboard;
use state::AppState;
use tauri::{AppHandle, Builder, Emitter, Manager, Runtime, Window, WindowEvent};

/// Emitted as `{ count }` when the window is asked to close while generated keys are neither stored nor exported,
/// with `codes` too when activation codes were neither copied nor downloaded.
pub const CLOSE_REQUESTED_EVENT: &str = "close-requested-with-unsaved-keys";

/// Emitted while `generate_keys` runs: `{ done, total }`.
pub const PROGRESS_EVENT: &str = "generate-progress";

/// Registers the commands, the close guard and the clipboard; generic so tests use `tauri::test::mock_builder()`.
///
/// The caller manages an [`AppState`] (and may manage a [`SharedClipboard`] first, as tests do, to replace the
/// system clipboard).
pub fn build<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder
        .invoke_handler(tauri::generate_handler![
            commands::app::app_state,
            commands::app::app_quit,
            commands::app::app_ready,
            commands::profiles::profile_save,
            commands::profiles::profile_delete,
            commands::profiles::profile_test,
            commands::profiles::profile_select,
            commands::profiles::demo_profile_create,
            commands::profiles::pick_p12_file,
            commands::profiles::certificate_aliases,
            commands::merchants::merchant_add,
            commands::merchants::merchant_update,
            commands::merchants::merchant_remove,
            commands::merchants::merchant_import_csv,
            commands::generate::generate_keys,
            commands::keys::key_reveal,
            commands::keys::copy_value,
            commands::keys::export_keys,
            commands::history::history_list,
            commands::history::history_forget,
            commands::history::history_codes,
            commands::lifecycle::keys_status,
            commands::lifecycle::keys_delete,
            commands::lifecycle::keys_replace,
            commands::settings::settings_save,
            commands::codes::activation_codes_generate,
            commands::codes::activation_codes_copy,
            commands::codes::activation_codes_export,
            commands::codes::activation_codes_clear,
        ])
        .manage(codes_session::CodesState::default())
        .on_window_event(on_window_event)
        .setup(|app| {
            // `manage` keeps the first value: a clipboard a test managed before stays in place.
            app.manage(SharedClipboard::system(app.handle().clone()));
            commands::codes::expire_in_background(app.handle());
            Ok(())
        })
}

/// Keeps the window open while a generated key exists only in memory, and lets the UI ask the user.
fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event {
        if hold_close(window.app_handle()) {
            api.prevent_close();
        }
    }
}

/// Decides a close request: `true` when it must be held back because generated keys are neither stored nor
/// exported; the UI is then sent `close-requested-with-unsaved-keys` and calls `app_quit` once the user agrees.
pub fn hold_close<R: Runtime>(app: &AppHandle<R>) -> bool {
    let Some(state) = app.try_state::<AppState>() else {
        return false;
    };
    let unsaved = state.unsaved_count();
    let codes = app
        .try_state::<codes_session::CodesState>()
        .map_or(0, |c| c.unsaved_count());
    if state.is_quitting() || unsaved + codes == 0 {
        return false;
    }
    log::info!("close held back: {unsaved} key(s) neither stored nor exported, {codes} activation code(s) neither copied nor downloaded");
    let mut payload = serde_json::json!({ "count": unsaved });
    if codes > 0 {
        payload["codes"] = codes.into();
    }
    if let Err(e) = app.emit(CLOSE_REQUESTED_EVENT, payload) {
        log::warn!("could not tell the window about unsaved keys: {e}");
    }
    true
}

/// Starts the desktop app with the OS config dirs and keychain.
pub fn run() {
    let started = std::time::Instant::now();
    #[cfg(target_os = "linux")]
    draw_without_gpu_buffers();
    let keygen = match mpos_core::Keygen::open_os() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("mPOS Key Generator cannot start: {e}");
            std::process::exit(1);
        }
    };
    let state = AppState::new(keygen)
        .started_at(started)
        .check_secrets_in_background();
    // Single-instance first: a second launch only focuses the running window.
    let builder = Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        .plugin(log_plugin())
        .plugin(tauri_plugin_window_state::Builder::new().build())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .manage(state);
    #[cfg(feature = "e2e")]
    let builder = builder.manage(dialog_seam::DialogSeam::from_env());
    let app = build(builder)
        .build(tauri::generate_context!("../tauri.conf.json"))
        .and_then(|app| open_main_window(&app).map(|()| app));
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("mPOS Key Generator stopped with an error: {e}");
            std::process::exit(1);
        }
    }
}

/// Opens the main window (`"create": false` in tauri.conf.json) with the state its first screen is drawn
/// from already in the page, as `window.__MPOS_KEYGEN_START__`: the first screen then needs no call back to
/// Rust, whose first answer costs more than drawing the screen. No secret is in it (see `first_screen_state`).
fn open_main_window<R: Runtime>(app: &tauri::App<R>) -> tauri::Result<()> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .cloned()
        .unwrap_or_default();
    let mut window = tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?;
    let state = app.state::<AppState>();
    match commands::app::first_screen_state(app.handle(), &state) {
        Ok(view) => {
            let json = serde_json::to_string(&view)?;
            window =
                window.initialization_script(format!("window.__MPOS_KEYGEN_START__ = {json};"));
        }
        // The page asks `app_state` instead, which reports the problem where the user sees it.
        Err(e) => log::warn!("the first screen's state could not be read: {e}"),
    }
    window.build().map(drop)
}

/// Makes WebKitGTK draw the page in shared memory instead of GPU (DMA-BUF) buffers, unless the user chose.
///
/// Why: the GPU path loads a GL stack into the web process (Mesa and LLVM where GL runs in software): 84 MiB
/// more PSS on our Xvfb machine (benches/run.sh, "GPU path" rows), and this window of forms and lists never
/// animates enough to gain from it. It also sidesteps WebKitGTK's blank-window bugs on some NVIDIA drivers.
/// Runs first in `run`, before any thread exists, because it changes the process environment.
#[cfg(target_os = "linux")]
fn draw_without_gpu_buffers() {
    const VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
    if std::env::var_os(VAR).is_none() {
        std::env::set_var(VAR, "1");
    }
}

/// A rotating file in the app's log dir at info level. Nothing in this crate logs a secret; the HTTP client's
/// chatty dependencies are held at warn so request internals never reach the file.
fn log_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    use tauri_plugin_log::{RotationStrategy, Target, TargetKind};
    tauri_plugin_log::Builder::new()
        .clear_targets()
        .target(Target::new(TargetKind::LogDir {
            file_name: Some("mpos-keygen".into()),
        }))
        .target(Target::new(TargetKind::Stderr))
        .level(log::LevelFilter::Info)
        .level_for("reqwest", log::LevelFilter::Warn)
        .level_for("hyper", log::LevelFilter::Warn)
        .level_for("hyper_util", log::LevelFilter::Warn)
        .max_file_size(1_000_000)
        .rotation_strategy(RotationStrategy::KeepSome(5))
        .build()
}
