//! The four lists of the app's commands agree: the handlers registered in `lib.rs`, the app manifest in
//! `build.rs` (which makes an `allow-*` permission for each), the main window's capability, and the calls
//! in `ui/js/api.js`, the UI's only way to the backend. A command missing from the capability is refused in
//! the window; one granted but not registered, or registered but never called, is dead weight.

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The text of `text` from just after `start` up to the next `end`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not found"))
        + start.len();
    &text[from..from + text[from..].find(end).unwrap()]
}

/// Every name in double quotes.
fn quoted(text: &str) -> BTreeSet<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn registered_manifest_capability_and_ui_commands_are_the_same() {
    let registered: BTreeSet<String> = between(&read("src/lib.rs"), "generate_handler![", "]")
        .split(',')
        .filter_map(|path| path.trim().rsplit("::").next())
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect();

    let manifest = quoted(between(
        &read("build.rs"),
        "const COMMANDS: &[&str] = &[",
        "];",
    ));

    let capability: serde_json::Value =
        serde_json::from_str(&read("capabilities/default.json")).unwrap();
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|name| name.replace('-', "_"))
        .collect();

    let called: BTreeSet<String> = read("../ui/js/api.js")
        .split("call('")
        .skip(1)
        .map(|rest| rest[..rest.find('\'').unwrap()].to_owned())
        .collect();

    // A parser that found nothing would make every comparison below pass.
    assert!(registered.contains("app_state") && registered.contains("app_ready"));
    assert_eq!(registered, manifest, "lib.rs handlers vs build.rs COMMANDS");
    assert_eq!(
        registered, granted,
        "lib.rs handlers vs capabilities/default.json"
    );
    assert_eq!(
        registered, called,
        "lib.rs handlers vs calls in ui/js/api.js"
    );
}
