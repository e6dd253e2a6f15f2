//! The `profile` and `csv` rows of `tests/bad_inputs.json` against the store: each is refused with its
//! reason, and config.json stays byte for byte as it was (every file under the config and data folders is
//! compared before and after).

#[path = "../../../tests/bad_inputs_table.rs"]
mod table;

use mpos_store::config::{AuthMethod, ConfigStore, Profile};
use mpos_store::csv_import::parse_merchants_csv;
use mpos_store::paths::Paths;
use table::{bytes_of, cases_for, changes, report, snapshot, Case};

const KEY_ID: &str = "08c94330-f618-42a3-b09d-e1e43be5efda";
const BASE_PROFILE: &str = "Bad inputs base";

/// A config with one good profile holding one merchant, so there is something to damage.
fn store_with_a_profile(dir: &std::path::Path) -> (Paths, ConfigStore) {
    let paths = Paths::at(dir);
    let store = ConfigStore::new(&paths);
    store
        .update(|cfg| {
            let mut p = Profile::new(
                BASE_PROFILE,
                "test",
                AuthMethod::SharedSecret {
                    key_id: KEY_ID.into(),
                },
            );
            p.organization_id = Some("acme_portfolio".into());
            p.add_merchant("acme_0", "Existing store")?;
            cfg.add_profile(p)
        })
        .expect("a good profile is saved");
    (paths, store)
}

/// A valid new profile with the case's fields put in.
fn profile_of(case: &Case) -> Profile {
    let text = |name: &str, default: &str| match case.field(name) {
        Some(v) => v.as_str().map(str::to_string),
        None => Some(default.to_string()),
    };
    let number = |name: &str| case.field(name).and_then(|v| v.as_u64());
    let mut p = Profile::new(
        text("name", "New profile").unwrap_or_default(),
        text("env", "test").unwrap_or_default(),
        AuthMethod::SharedSecret {
            key_id: text("key_id", KEY_ID).unwrap_or_default(),
        },
    );
    p.organization_id = text("org", "acme_portfolio");
    p.meta_key = case
        .field("meta_key")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    p.connect_timeout_secs = number("connect_timeout_secs");
    p.request_timeout_secs = number("request_timeout_secs");
    p
}

#[test]
fn bad_profiles_are_refused_and_the_config_is_untouched() {
    let cases = cases_for(&["profile"], "store");
    let dir = tempfile::tempdir().unwrap();
    let (paths, store) = store_with_a_profile(dir.path());
    let mut failures = Vec::new();
    for case in &cases {
        let before = snapshot(&[&paths.config_dir, &paths.data_dir]);
        match store.update(|cfg| cfg.add_profile(profile_of(case))) {
            Err(e) if e.to_string().contains(case.message()) => {}
            Err(e) => failures.push(format!(
                "{}: {e:?} does not say {:?}",
                case.id,
                case.message()
            )),
            Ok(()) => failures.push(format!("{}: accepted", case.id)),
        }
        let changed = changes(&before, &snapshot(&[&paths.config_dir, &paths.data_dir]));
        if !changed.is_empty() {
            failures.push(format!("{}: {}", case.id, changed.join(", ")));
        }
    }
    assert_eq!(store.load().unwrap().profiles.len(), 1);
    report("store profile", cases.len(), &failures);
}

#[test]
fn bad_csv_files_import_nothing_and_the_config_is_untouched() {
    let cases = cases_for(&["csv"], "store");
    let dir = tempfile::tempdir().unwrap();
    let (paths, store) = store_with_a_profile(dir.path());
    let mut failures = Vec::new();
    for case in &cases {
        let parsed = parse_merchants_csv(&bytes_of(&case.input));
        if !parsed
            .errors
            .iter()
            .any(|e| e.message.contains(case.message()))
        {
            failures.push(format!(
                "{}: no line error says {:?}: {:?}",
                case.id,
                case.message(),
                parsed.errors.iter().take(3).collect::<Vec<_>>()
            ));
        }
        let before = snapshot(&[&paths.config_dir, &paths.data_dir]);
        // All or nothing, as the app and the CLI import by default.
        match store.update(|cfg| {
            cfg.profile_mut(BASE_PROFILE)?
                .import_merchants(&parsed, false)
        }) {
            Err(e) if e.to_string().contains(case.message()) => {}
            Err(e) => failures.push(format!(
                "{}: {e} does not say {:?}",
                case.id,
                case.message()
            )),
            Ok(summary) => failures.push(format!("{}: imported {summary:?}", case.id)),
        }
        let changed = changes(&before, &snapshot(&[&paths.config_dir, &paths.data_dir]));
        if !changed.is_empty() {
            failures.push(format!("{}: {}", case.id, changed.join(", ")));
        }
    }
    let merchants = &store.load().unwrap().profiles[0].merchants;
    assert_eq!(merchants.len(), 1, "{merchants:?}");
    report("store csv", cases.len(), &failures);
}
