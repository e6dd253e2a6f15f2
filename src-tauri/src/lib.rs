//! The mPOS Key Generator desktop app: window setup and thin commands over `mpos-core`.

/// Starts the desktop app.
pub fn run() {
    tauri::Builder::default()
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("error while running the app");
}
