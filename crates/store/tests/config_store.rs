//! `config.json`: defaults, round trip, concurrent writers, corrupt files, newer versions.

mod common;

use common::{result_of, run_child, CHILD_TASK};
use mpos_store::{AuthMethod, Config, ConfigStore, Paths, Profile, StoreError, Theme};
use std::fs;
use std::sync::Arc;
use std::thread;

const KEY_ID: &str = "08c94330-f618-42a3-b09d-e1e43be5efda";

fn shop() -> Profile {
    Profile::new(
        "Shop",
        "test",
        AuthMethod::SharedSecret {
            key_id: KEY_ID.into(),
        },
    )
}

fn add_many(store: &ConfigStore, prefix: &str, n: usize) {
    for i in 0..n {
        store
            .update(|cfg: &mut Config| {
                cfg.profile_mut("Shop")?
                    .add_merchant(&format!("{prefix}_{i}"), "")
            })
            .unwrap();
    }
}

/// Child tasks, run when another test re-executes this binary; a no-op in the normal run.
#[test]
fn child_process_entry() {
    let Ok(task) = std::env::var(CHILD_TASK) else {
        return;
    };
    if task == "paths" {
        match Paths::from_os() {
            Ok(p) => println!("RESULT:{}|{}", p.config_dir.display(), p.data_dir.display()),
            Err(e) => println!("RESULT:error {}: {e}", e.code()),
        }
        return;
    }
    assert_eq!(task, "add");
    let root = std::env::var("ROOT").unwrap();
    let prefix = std::env::var("PREFIX").unwrap();
    add_many(&ConfigStore::new(&Paths::at(root)), &prefix, 50);
    println!("RESULT:done");
}

#[cfg(target_os = "linux")]
#[test]
fn xdg_variables_redirect_the_os_paths() {
    let envs = [
        ("XDG_CONFIG_HOME", "/tmp/cfg-home".to_string()),
        ("XDG_DATA_HOME", "/tmp/data-home".to_string()),
    ];
    let out = result_of(&run_child("child_process_entry", "paths", &envs));
    assert_eq!(
        out,
        "/tmp/cfg-home/dev.mposkeygen.desktop|/tmp/data-home/dev.mposkeygen.desktop"
    );
}

#[test]
fn mpos_keygen_home_points_both_folders_at_one_root_on_every_os() {
    let root = tempfile::tempdir().unwrap();
    let envs = [("MPOS_KEYGEN_HOME", root.path().display().to_string())];
    let out = result_of(&run_child("child_process_entry", "paths", &envs));
    let expected = Paths::at(root.path());
    assert_eq!(
        out,
        format!(
            "{}|{}",
            expected.config_dir.display(),
            expected.data_dir.display()
        )
    );
}

#[test]
fn a_relative_mpos_keygen_home_is_refused_with_what_to_do() {
    let envs = [("MPOS_KEYGEN_HOME", "portable".to_string())];
    let out = result_of(&run_child("child_process_entry", "paths", &envs));
    assert!(out.starts_with("error invalid_input:"), "{out}");
    assert!(out.contains("absolute folder path"), "{out}");
}

#[test]
fn missing_file_gives_defaults_and_update_writes_version_1() {
    let root = tempfile::tempdir().unwrap();
    let store = ConfigStore::new(&Paths::at(root.path()));
    let c = store.load().unwrap();
    assert_eq!(c, Config::default());
    assert!(!store.path().exists(), "loading must not create the file");
    store.update(|cfg| cfg.add_profile(shop())).unwrap();
    let text = fs::read_to_string(store.path()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["profiles"][0]["auth"]["keyId"], KEY_ID);
    assert_eq!(v["settings"]["clipboardClearSecs"], 60);
    common::assert_private(store.path());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir_mode = fs::metadata(store.path().parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }
    let loaded = store.load().unwrap();
    assert_eq!(loaded.profiles[0].name, "Shop");
}

#[test]
fn a_failed_change_saves_nothing() {
    let root = tempfile::tempdir().unwrap();
    let store = ConfigStore::new(&Paths::at(root.path()));
    store.update(|cfg| cfg.add_profile(shop())).unwrap();
    let before = fs::read(store.path()).unwrap();
    let e = store
        .update(|cfg| {
            cfg.settings.theme = Theme::Dark;
            cfg.add_profile(shop())
        })
        .unwrap_err();
    assert_eq!(e.code(), "duplicate");
    assert_eq!(fs::read(store.path()).unwrap(), before);
}

#[test]
fn two_writers_with_separate_stores_lose_no_merchant() {
    let root = tempfile::tempdir().unwrap();
    let paths = Paths::at(root.path());
    ConfigStore::new(&paths)
        .update(|cfg| cfg.add_profile(shop()))
        .unwrap();
    let paths = Arc::new(paths);
    let handles: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|prefix| {
            let paths = paths.clone();
            thread::spawn(move || add_many(&ConfigStore::new(&paths), prefix, 50))
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let c = ConfigStore::new(&paths).load().unwrap();
    assert_eq!(c.profile("Shop").unwrap().merchants.len(), 100);
}

#[test]
fn two_processes_lose_no_merchant() {
    let root = tempfile::tempdir().unwrap();
    let paths = Paths::at(root.path());
    ConfigStore::new(&paths)
        .update(|cfg| cfg.add_profile(shop()))
        .unwrap();
    let root_s = root.path().display().to_string();
    let handles: Vec<_> = ["p", "q"]
        .into_iter()
        .map(|prefix| {
            let envs = [("ROOT", root_s.clone()), ("PREFIX", prefix.to_string())];
            thread::spawn(move || result_of(&run_child("child_process_entry", "add", &envs)))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), "done");
    }
    let c = ConfigStore::new(&paths).load().unwrap();
    let merchants = &c.profile("Shop").unwrap().merchants;
    assert_eq!(merchants.len(), 100);
    for prefix in ["p", "q"] {
        for i in 0..50 {
            assert!(
                merchants.iter().any(|m| m.mid == format!("{prefix}_{i}")),
                "{prefix}_{i} lost"
            );
        }
    }
}

#[test]
fn a_corrupt_config_is_moved_aside_and_reported_never_reset_silently() {
    let root = tempfile::tempdir().unwrap();
    let store = ConfigStore::new(&Paths::at(root.path()));
    store.update(|cfg| cfg.add_profile(shop())).unwrap();
    let damaged = b"{\"version\":1,\"profiles\":[{\"name\":\"Shop\"".to_vec();
    fs::write(store.path(), &damaged).unwrap();

    let e = store.load().unwrap_err();
    let StoreError::Corrupt { path, backup } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(path, store.path());
    assert_eq!(e.code(), "corrupt_file");
    assert!(e.to_string().contains(&backup.display().to_string()), "{e}");
    let name = backup.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("config.json.corrupt-") && name.ends_with('Z'),
        "{name}"
    );
    assert_eq!(
        fs::read(backup).unwrap(),
        damaged,
        "the backup holds what was there"
    );
    assert!(!store.path().exists());

    // Reported once; then the app starts from the defaults and can save again.
    assert_eq!(store.load().unwrap(), Config::default());
    store.update(|cfg| cfg.add_profile(shop())).unwrap();
    assert_eq!(store.load().unwrap().profiles.len(), 1);
}

#[test]
fn update_on_a_corrupt_file_reports_it_too() {
    let root = tempfile::tempdir().unwrap();
    let store = ConfigStore::new(&Paths::at(root.path()));
    fs::create_dir_all(store.path().parent().unwrap()).unwrap();
    fs::write(store.path(), b"not json at all").unwrap();
    let e = store.update(|cfg| cfg.add_profile(shop())).unwrap_err();
    assert_eq!(e.code(), "corrupt_file");
    store.update(|cfg| cfg.add_profile(shop())).unwrap();
}

#[test]
fn a_config_from_a_newer_version_is_read_but_not_overwritten() {
    let root = tempfile::tempdir().unwrap();
    let store = ConfigStore::new(&Paths::at(root.path()));
    fs::create_dir_all(store.path().parent().unwrap()).unwrap();
    let newer = br#"{"version":2,"profiles":[],"settings":{"theme":"dark"},"somethingNew":{}}"#;
    fs::write(store.path(), newer).unwrap();
    assert_eq!(store.load().unwrap().settings.theme, Theme::Dark);
    let e = store.update(|cfg| cfg.add_profile(shop())).unwrap_err();
    assert!(e.to_string().contains("newer version"), "{e}");
    assert_eq!(fs::read(store.path()).unwrap(), newer);
}
