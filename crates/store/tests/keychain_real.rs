//! The OS keychain against the real Secret Service (GNOME Keyring in a private D-Bus session).
//!
//! These tests fail, on purpose, when no Secret Service is running: the project's test command always
//! starts one (see docs and /work/shared/notes/linux-test-env.md).
#![cfg(target_os = "linux")]

mod common;

use common::{
    any_file_contains, key, result_of, run_child, run_child_in_own_keyring, secret_ref,
    secret_tool_count, unique, CHILD_TASK,
};
use mpos_kms::{Environment, IssuedKey, SecretString};
use mpos_store::keychain::{key_account, profile_account, OsKeychain, SecretStore};
use mpos_store::{AuthMethod, ConfigStore, Paths, Profile, Vault, APP_ID};
use std::collections::BTreeMap;
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What `secret-tool` (libsecret, not our code) finds for an account of our service.
fn secret_tool_lookup(account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", APP_ID, "username", account])
        .output()
        .expect("secret-tool (libsecret-tools) is installed");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The `{keyId: secret}` object `secret-tool` finds in a batch entry; `None` when there is none.
fn secret_tool_batch(account: &str) -> Option<BTreeMap<String, String>> {
    let text = secret_tool_lookup(account)?;
    Some(serde_json::from_str(&text).expect("a batch entry holds a JSON object"))
}

/// A vault in `root` on the real keychain.
fn real_vault(root: &Path) -> Vault {
    Vault::new(&Paths::at(root), Arc::new(OsKeychain::new()))
}

/// Child tasks, run when another test re-executes this binary; a no-op in the normal run.
#[test]
fn child_process_entry() {
    let Ok(task) = std::env::var(CHILD_TASK) else {
        return;
    };
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    match task.as_str() {
        "read" => {
            let found = OsKeychain::new().get(&var("ACCOUNT"));
            let result = match found {
                Ok(Some(s)) if *s.expose() == var("EXPECT") => "match".to_string(),
                Ok(Some(_)) => "mismatch".to_string(),
                Ok(None) => "missing".to_string(),
                Err(e) => format!("error:{}", e.code()),
            };
            println!("RESULT:{result}");
        }
        "call" => {
            let timeout = Duration::from_millis(var("TIMEOUT_MS").parse().unwrap_or(10_000));
            let started = Instant::now();
            let kc = OsKeychain::with_timeout(timeout);
            let result = match var("OP").as_str() {
                "set" => kc
                    .set("profile:unreachable", &SecretString::new("x".into()))
                    .map(|()| None),
                _ => kc.get("profile:unreachable"),
            };
            let ms = started.elapsed().as_millis();
            match result {
                Ok(_) => println!("RESULT:ok:{ms}"),
                Err(e) => {
                    println!("RESULT:{}:{ms}", e.code());
                    println!("MESSAGE:{e}");
                }
            }
        }
        "vault-read" => {
            let found = real_vault(Path::new(&var("ROOT"))).secret(&var("KEY_ID"));
            let result = match found {
                Ok(s) if *s.expose() == var("EXPECT") => "match".to_string(),
                Ok(_) => "mismatch".to_string(),
                Err(e) => format!("error:{}", e.code()),
            };
            println!("RESULT:{result}");
        }
        "vault-forget" => {
            let vault = real_vault(Path::new(&var("ROOT")));
            let failed = var("KEY_IDS")
                .split(',')
                .filter_map(|id| vault.forget(id).err())
                .map(|e| e.code())
                .collect::<Vec<_>>();
            println!("RESULT:{}", failed.join(","));
        }
        other => panic!("unknown child task {other}"),
    }
}

#[test]
fn secret_survives_into_a_fresh_process_and_is_really_in_the_keychain() {
    let kc = OsKeychain::new();
    assert!(kc.name().contains("Secret Service"));
    kc.check()
        .expect("the test command must provide an unlocked Secret Service");
    let account = profile_account(&format!("Test profile {}", unique()));
    let secret = format!("shared-secret-{}", unique());
    kc.set(&account, &SecretString::new(secret.clone()))
        .unwrap();
    assert_eq!(kc.get(&account).unwrap().unwrap().expose(), &secret);

    let out = run_child(
        "child_process_entry",
        "read",
        &[("ACCOUNT", account.clone()), ("EXPECT", secret.clone())],
    );
    assert_eq!(result_of(&out), "match", "{out}");
    assert!(
        !out.contains(&secret),
        "the child must not print the secret"
    );
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some(secret.as_str())
    );

    // Replacing keeps one entry with the new value.
    let replaced = format!("replaced-{}", unique());
    kc.set(&account, &SecretString::new(replaced.clone()))
        .unwrap();
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some(replaced.as_str())
    );

    kc.delete(&account).unwrap();
    assert!(kc.get(&account).unwrap().is_none());
    assert_eq!(secret_tool_lookup(&account), None);
    kc.delete(&account)
        .expect("deleting a missing entry is not an error");
    let out = run_child(
        "child_process_entry",
        "read",
        &[("ACCOUNT", account), ("EXPECT", replaced)],
    );
    assert_eq!(result_of(&out), "missing", "{out}");
}

#[test]
fn no_session_bus_fails_fast_with_a_fix() {
    let started = Instant::now();
    let out = run_child(
        "child_process_entry",
        "call",
        &[(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/mpos-test/bus".into(),
        )],
    );
    let elapsed = started.elapsed();
    let result = result_of(&out);
    assert!(result.starts_with("keychain_unavailable:"), "{out}");
    let ms: u64 = result.rsplit(':').next().unwrap().parse().unwrap();
    assert!(
        ms < 3_000 && elapsed < Duration::from_secs(8),
        "took {ms} ms in the call, {elapsed:?} overall"
    );
    let message = out
        .lines()
        .find_map(|l| l.strip_prefix("MESSAGE:"))
        .unwrap();
    assert!(
        message.contains("Install and unlock GNOME Keyring or KWallet"),
        "{message}"
    );
    assert!(
        message.contains("D-Bus session with gnome-keyring-daemon"),
        "{message}"
    );
}

#[test]
fn a_bus_that_never_answers_times_out_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("silent-bus");
    let listener = UnixListener::bind(&socket).unwrap();
    // Accept connections and hold them open without ever answering the D-Bus handshake.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    let started = Instant::now();
    let out = run_child(
        "child_process_entry",
        "call",
        &[
            (
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}", socket.display()),
            ),
            ("TIMEOUT_MS", "1500".into()),
        ],
    );
    let result = result_of(&out);
    assert!(result.starts_with("keychain_timeout:"), "{out}");
    let ms: u64 = result.rsplit(':').next().unwrap().parse().unwrap();
    assert!((1_400..5_000).contains(&ms), "{ms} ms");
    assert!(started.elapsed() < Duration::from_secs(20));
    let message = out
        .lines()
        .find_map(|l| l.strip_prefix("MESSAGE:"))
        .unwrap();
    assert!(message.contains("unlock"), "{message}");
}

#[test]
fn a_locked_keyring_says_to_unlock_it() {
    let stdout = run_child_in_own_keyring(
        "secret-tool lock --collection=login >/dev/null 2>&1;",
        "call",
        &[("OP", "set")],
    );
    let result = result_of(&stdout);
    // GNOME Keyring answers a locked collection with an unlock prompt; headless, the prompt is dismissed.
    assert!(
        result.starts_with("keychain_denied:") || result.starts_with("keychain_locked:"),
        "{stdout}"
    );
    let message = stdout
        .lines()
        .find_map(|l| l.strip_prefix("MESSAGE:"))
        .unwrap();
    assert!(message.contains("unlock"), "{message}");
}

#[test]
fn vault_with_the_real_keychain_keeps_no_secret_in_files() {
    let root = tempfile::tempdir().unwrap();
    let paths = Paths::at(root.path());
    let kc: Arc<dyn SecretStore> = Arc::new(OsKeychain::new());
    let vault = Vault::new(&paths, kc.clone());

    // A profile whose shared secret goes to the keychain, as the app saves it.
    let profile_name = format!("Shop {}", unique());
    let profile_secret = format!("profile-secret-{}", unique());
    kc.set(
        &profile_account(&profile_name),
        &SecretString::new(profile_secret.clone()),
    )
    .unwrap();
    ConfigStore::new(&paths)
        .update(|cfg| {
            let auth = AuthMethod::SharedSecret {
                key_id: "08c94330-f618-42a3-b09d-e1e43be5efda".into(),
            };
            cfg.add_profile(Profile::new(profile_name.clone(), "test", auth))
        })
        .unwrap();

    let keys: Vec<_> = (0..3).map(key).collect();
    let kept = vault
        .keep_all(&keys, &profile_name, &Environment::Test)
        .unwrap();
    assert_eq!(kept.len(), 3);
    let account = secret_ref(&vault, &keys[0].key_id).unwrap();
    assert_eq!(secret_tool_count(&account), 1);
    let held = secret_tool_batch(&account).unwrap();
    assert_eq!(held.len(), 3);
    for k in &keys {
        assert_eq!(&held[&k.key_id], k.secret.expose());
        assert_eq!(secret_tool_lookup(&key_account(&k.key_id)), None);
        assert_eq!(vault.secret(&k.key_id).unwrap().expose(), k.secret.expose());
        let out = run_child(
            "child_process_entry",
            "vault-read",
            &[
                ("ROOT", root.path().display().to_string()),
                ("KEY_ID", k.key_id.clone()),
                ("EXPECT", k.secret.expose().clone()),
            ],
        );
        assert_eq!(result_of(&out), "match");
        assert!(!out.contains(k.secret.expose().as_str()));
    }
    let listed = vault.list(Some(&profile_name)).unwrap();
    assert_eq!(
        listed.iter().map(|e| &e.key_id).collect::<Vec<_>>(),
        keys.iter().map(|k| &k.key_id).collect::<Vec<_>>()
    );
    vault.mark_exported(&[keys[0].key_id.as_str()]).unwrap();

    for k in &keys {
        assert!(
            !any_file_contains(root.path(), k.secret.expose()),
            "a key secret reached a file"
        );
    }
    assert!(
        !any_file_contains(root.path(), &profile_secret),
        "the profile secret reached a file"
    );
    assert!(
        any_file_contains(root.path(), &keys[0].key_id),
        "metadata is in the history"
    );

    vault.forget(&keys[1].key_id).unwrap();
    let held = secret_tool_batch(&account).unwrap();
    assert!(!held.contains_key(&keys[1].key_id) && held.len() == 2);
    assert_eq!(
        vault.secret(&keys[1].key_id).unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        vault
            .list(None)
            .unwrap()
            .iter()
            .filter(|e| e.profile == profile_name)
            .count(),
        2
    );
    for k in [&keys[0], &keys[2]] {
        vault.forget(&k.key_id).unwrap();
    }
    assert_eq!(
        secret_tool_lookup(&account),
        None,
        "the last key takes the entry"
    );
    kc.delete(&profile_account(&profile_name)).unwrap();
}

#[test]
fn a_thousand_keys_are_one_keychain_item_and_fast() {
    let root = tempfile::tempdir().unwrap();
    let vault = real_vault(root.path());
    let keys: Vec<IssuedKey> = (0..1000).map(key).collect();
    let started = Instant::now();
    let report = vault.keep_each(&keys, "Big", &Environment::Test).unwrap();
    let took = started.elapsed();
    println!("keep_each of 1,000 keys in the real keychain took {took:?}");
    assert_eq!(report.kept.len(), 1000);
    assert!(report.not_kept.is_empty());

    let account = secret_ref(&vault, &keys[0].key_id).unwrap();
    let history = std::fs::read_to_string(vault.history_path()).unwrap();
    let naming = format!("\"secretRef\":\"{account}\"");
    assert_eq!(
        history.lines().filter(|l| l.contains(&naming)).count(),
        1000
    );
    assert_eq!(secret_tool_count(&account), 1, "one keychain item");
    let held = secret_tool_batch(&account).unwrap();
    assert_eq!(held.len(), 1000);
    assert!(keys.iter().all(|k| &held[&k.key_id] == k.secret.expose()));
    for k in [&keys[0], &keys[999]] {
        assert_eq!(secret_tool_count(&key_account(&k.key_id)), 0);
    }

    // Forgetting one rewrites the entry; the other 999 stay readable.
    vault.forget(&keys[500].key_id).unwrap();
    let held = secret_tool_batch(&account).unwrap();
    assert_eq!(held.len(), 999);
    assert!(!held.contains_key(&keys[500].key_id));
    for k in [&keys[0], &keys[499], &keys[501], &keys[999]] {
        assert_eq!(vault.secret(&k.key_id).unwrap().expose(), k.secret.expose());
    }
    assert_eq!(
        vault.secret(&keys[500].key_id).unwrap_err().code(),
        "not_found"
    );
    assert!(!any_file_contains(root.path(), keys[1].secret.expose()));
    OsKeychain::new().delete(&account).unwrap();
}

#[test]
fn two_processes_forgetting_keys_of_one_batch_keep_each_others_changes() {
    let root = tempfile::tempdir().unwrap();
    let vault = real_vault(root.path());
    let keys: Vec<IssuedKey> = (0..10).map(key).collect();
    vault.keep_all(&keys, "Shop", &Environment::Test).unwrap();
    let account = secret_ref(&vault, &keys[0].key_id).unwrap();

    let exe = std::env::current_exe().unwrap();
    // Both children start before either is waited for, so their forgets overlap.
    let spawned: Vec<_> = [&keys[0..4], &keys[4..8]]
        .iter()
        .map(|half| {
            let ids: Vec<&str> = half.iter().map(|k| k.key_id.as_str()).collect();
            Command::new(&exe)
                .args(["--exact", "child_process_entry", "--nocapture"])
                .env(CHILD_TASK, "vault-forget")
                .env("ROOT", root.path())
                .env("KEY_IDS", ids.join(","))
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in spawned {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert_eq!(result_of(&stdout), "", "no forget failed");
    }
    let held = secret_tool_batch(&account).unwrap();
    let mut expect = vec![&keys[8].key_id, &keys[9].key_id];
    expect.sort();
    assert_eq!(held.keys().collect::<Vec<_>>(), expect);
    assert_eq!(vault.list(None).unwrap().len(), 2);
    for k in &keys[8..] {
        vault.forget(&k.key_id).unwrap();
    }
    assert_eq!(secret_tool_lookup(&account), None);
}

#[test]
fn a_key_kept_in_its_own_entry_before_batches_is_still_read_and_forgotten() {
    let root = tempfile::tempdir().unwrap();
    let vault = real_vault(root.path());
    let k = key(1);
    let line = serde_json::json!({
        "event": "kept", "keyId": k.key_id, "cybersourceMerchantId": k.cybersource_merchant_id,
        "merchantId": k.merchant_id, "status": "ACTIVE", "expirationDate": null, "profile": "Shop",
        "environment": "test", "providerMode": "TEST", "generatedAt": "2025-01-02T03:04:05Z",
        "exportedAt": null, "forgottenAt": null
    });
    std::fs::create_dir_all(vault.history_path().parent().unwrap()).unwrap();
    std::fs::write(vault.history_path(), format!("{line}\n")).unwrap();
    let account = key_account(&k.key_id);
    OsKeychain::new().set(&account, &k.secret).unwrap();

    assert_eq!(vault.secret(&k.key_id).unwrap().expose(), k.secret.expose());
    vault.forget(&k.key_id).unwrap();
    assert_eq!(secret_tool_lookup(&account), None);
    assert!(vault.list(None).unwrap().is_empty());
}
