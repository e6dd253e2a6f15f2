//! The three lists of the app's commands agree: the handlers registered in `lib.rs`, the app manifest in
//! `build.rs` (which makes an `allow-*` permission for each) and the main window's capability. A command
//! missing from the capability is refused in the window; one granted but not registered is dead weight.

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The quoted names between `start` and the next `end` in `text`.
fn quoted_between(text: &str, start: &str, end: &str) -> BTreeSet<String> {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not found"))
        + start.len();
    let block = &text[from..from + text[from..].find(end).unwrap()];
    block
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn registered_manifest_and_capability_commands_are_the_same() {
    let lib = read("src/lib.rs");
    let from = lib.find("generate_handler![").unwrap();
    let block = &lib[from..from + lib[from..].find(']').unwrap()];
    let registered: BTreeSet<String> = block
        .split(',')
        .filter_map(|path| path.trim().rsplit("::").next())
        .filter(|name| !name.is_empty() && !name.contains('['))
        .map(str::to_owned)
        .collect();

    let manifest = quoted_between(&read("build.rs"), "const COMMANDS: &[&str] = &[", "];");

    let capability: serde_json::Value =
        serde_json::from_str(&read("capabilities/default.json")).unwrap();
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|name| name.replace('-', "_"))
        .collect();

    assert!(
        registered.len() > 20,
        "parsed too few handlers: {registered:?}"
    );
    assert_eq!(registered, manifest, "lib.rs handlers vs build.rs COMMANDS");
    assert_eq!(
        registered, granted,
        "lib.rs handlers vs capabilities/default.json"
    );
}
