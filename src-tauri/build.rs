//! Runs tauri-build with an app manifest, so the app's own commands get `allow-*` permissions and are
//! denied unless a capability grants them (without a manifest Tauri allows every app command).

/// Every `#[tauri::command]` the webview may call; `capabilities/default.json` grants exactly these.
const COMMANDS: &[&str] = &[
    "app_state",
    "profile_save",
    "profile_delete",
    "profile_test",
    "profile_select",
    "demo_profile_create",
    "pick_p12_file",
    "certificate_aliases",
    "merchant_add",
    "merchant_update",
    "merchant_remove",
    "merchant_import_csv",
    "generate_keys",
    "key_reveal",
    "copy_value",
    "export_keys",
    "history_list",
    "history_forget",
    "history_codes",
    "keys_status",
    "keys_delete",
    "keys_replace",
    "settings_save",
    "app_quit",
    "app_ready",
    "activation_codes_generate",
    "activation_codes_copy",
    "activation_codes_export",
    "activation_codes_clear",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("failed to run tauri-build");
}
