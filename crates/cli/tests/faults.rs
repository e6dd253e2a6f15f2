//! Faults the user can run into, through the built `mpos-keygen`: what they are told, the exit code, that a
//! key request is never sent twice, and that a key that was issued is never lost: it is kept (history and
//! keychain) or, when it cannot be kept, shown. See tests/FAULTS.md for where each fault is covered.
//!
//! Runs in the session scripts/test sets up (real keychain); the locked-keychain test starts a keyring of
//! its own so locking it cannot disturb tests running in parallel.

// Shared with the `cli` test binary; this one uses part of it.
#[allow(dead_code)]
#[path = "cli/harness.rs"]
mod harness;

use harness::{assert_code, stderr, stdout, Home, Kms, KEY_ID, ORG, SECRET};
use mpos_emulator::Fault;
use mpos_store::keychain::OsKeychain;
use mpos_store::paths::Paths;
use mpos_store::vault::Vault;
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The history as `mpos-keygen history --format json` lists it.
fn history(home: &Home) -> Vec<serde_json::Value> {
    let o = home
        .cmd()
        .args(["history", "--format", "json"])
        .output()
        .expect("runs");
    assert_code(&o, 0);
    serde_json::from_str::<serde_json::Value>(&stdout(&o))
        .expect("json")
        .as_array()
        .cloned()
        .expect("an array")
}

/// The home's config.json.
fn config_file(home: &Home) -> PathBuf {
    Paths::at(home.root()).config_file()
}

/// The home's vault, as the app would open it.
fn vault(home: &Home) -> Vault {
    Vault::new(&Paths::at(home.root()), Arc::new(OsKeychain::new()))
}

/// Whether any entry of our service in the session's keychain holds `secret` (asked through libsecret's
/// own tool, not our code). Linux only; on Windows the smoke test reads Wine's Credential Manager.
#[cfg(target_os = "linux")]
fn keychain_holds(secret: &str) -> bool {
    let out = std::process::Command::new("secret-tool")
        .args(["search", "--all", "service", mpos_store::paths::APP_ID])
        .output()
        .expect("secret-tool (libsecret-tools) is installed");
    String::from_utf8_lossy(&out.stdout).contains(secret)
        || String::from_utf8_lossy(&out.stderr).contains(secret)
}

fn assert_says(o: &Output, phrases: &[&str]) {
    let err = stderr(o);
    for phrase in phrases {
        assert!(
            err.contains(phrase),
            "stderr does not say {phrase:?}:\n{err}"
        );
    }
}

#[test]
fn kms_faults_say_what_happened_after_exactly_one_request_and_keep_nothing_half_done() {
    let cases: [(&str, Fault, i32, &[&str]); 6] = [
        (
            "fault-401",
            Fault::AlwaysUnauthorized,
            3,
            &[
                "refused the credentials (HTTP 401)",
                "the key id or shared secret is wrong",
            ],
        ),
        (
            "fault-5xx",
            Fault::ServerErrorOnce,
            4,
            &[
                "Cybersource had a problem (HTTP 502",
                "Try again in a few minutes",
                "nothing was retried",
            ],
        ),
        (
            "fault-garbage",
            Fault::GarbageBody,
            4,
            &["HTML page", "check Key Management in the Business Center"],
        ),
        (
            "fault-cut-off",
            Fault::CutOffBody,
            4,
            &["cut off", "Keys may have been issued"],
        ),
        (
            "fault-close",
            Fault::CloseConnection,
            4,
            &[
                "broke before the answer arrived",
                "A key may have been issued",
            ],
        ),
        (
            "fault-slow",
            Fault::Slow(Duration::from_secs(4)),
            4,
            &["did not answer within 1 s", "A key may have been issued"],
        ),
    ];
    for (profile, fault, exit, phrases) in cases {
        let kms = Kms::with_fault(fault.clone());
        let home = Home::new();
        home.add_profile(profile, &kms, SECRET);
        if matches!(fault, Fault::Slow(_)) {
            // The CLI has no timeout option; profiles made in the app can set one.
            let path = config_file(&home);
            let mut config: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            config["profiles"][0]["requestTimeoutSecs"] = 1.into();
            std::fs::write(&path, serde_json::to_vec(&config).unwrap()).unwrap();
        }
        let started = Instant::now();
        let o = home.generate(&["store_1", "--profile", profile]);
        assert_code(&o, exit);
        assert_says(&o, phrases);
        assert!(stdout(&o).is_empty(), "{fault}: nothing to write");
        assert_eq!(
            kms.requests(),
            1,
            "{fault}: a key request is never repeated"
        );
        assert!(history(&home).is_empty(), "{fault}: nothing kept");
        assert!(started.elapsed() < Duration::from_secs(20), "{fault}");

        if fault == Fault::ServerErrorOnce {
            // "Try again" is right: the next run gets its key.
            let again = home.generate(&["store_1", "--profile", profile, "--format", "env"]);
            assert_code(&again, 0);
            assert!(stdout(&again).contains(&kms.issued_for("store_1").key));
            assert_eq!(history(&home).len(), 1);
        }
    }
}

#[test]
fn no_connection_says_what_to_check() {
    let home = Home::new();
    let closed = mpos_test_net::ClosedPort::new();
    for (profile, env, phrases) in [
        (
            "fault-refused",
            closed.url(),
            vec![
                "Nothing accepted the connection to 127.0.0.1",
                "Check the base URL and port",
            ],
        ),
        (
            "fault-dns",
            "https://kms-keygen-test.invalid".to_string(),
            vec![
                "Could not find the server kms-keygen-test.invalid",
                "name lookup (DNS) failed",
            ],
        ),
    ] {
        home.cmd()
            .args([
                "profile", "add", profile, "--env", &env, "--key-id", KEY_ID, "--org", ORG,
            ])
            .write_stdin(SECRET)
            .assert()
            .success();
        let before = home.snapshot();
        let o = home.generate(&["store_1", "--profile", profile]);
        assert_code(&o, 4);
        assert_says(&o, &phrases);
        assert!(stdout(&o).is_empty());
        assert_eq!(home.snapshot(), before, "{profile}: nothing written");
    }
}

/// Linux only: the keychain is made unreachable through a D-Bus address that leads nowhere.
#[cfg(target_os = "linux")]
#[test]
fn an_unreachable_keychain_stops_a_profile_before_any_request() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("fault-no-keychain", &kms, SECRET);
    let before = home.snapshot();
    let o = home
        .cmd()
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/mpos-test/bus",
        )
        .args(["generate", "store_1", "--profile", "fault-no-keychain"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    assert_code(&o, 5);
    assert_says(&o, &["GNOME Keyring"]);
    assert_eq!(kms.requests(), 0, "no secret, no request");
    assert_eq!(home.snapshot(), before);
}

/// Linux only: a private D-Bus session with its own GNOME Keyring, locked with secret-tool.
#[cfg(target_os = "linux")]
#[test]
fn a_locked_keychain_refuses_the_profile_and_still_shows_a_key_it_cannot_keep() {
    let kms = Kms::start();
    let home = Home::new();
    let runtime = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    // The keyring daemon keeps its keyrings under XDG_DATA_HOME: a folder of its own, so it neither opens
    // nor locks the session's keyring, whatever password that one has.
    let keyrings = tempfile::tempdir().unwrap();
    // A keyring of its own, unlocked to save the profile, then locked.
    let script = r#"
        echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        printf %s "$SECRET" | "$BIN" profile add fault-locked --env "$URL" --key-id "$KEY_ID" --org "$ORG" \
            >"$OUT/add.out" 2>"$OUT/add.err"; echo $? >"$OUT/add.code"
        secret-tool lock --collection=login >/dev/null 2>&1
        "$BIN" generate store_locked --profile fault-locked >"$OUT/profile.out" 2>"$OUT/profile.err"
        echo $? >"$OUT/profile.code"
        MPOS_KEYGEN_ENV="$URL" MPOS_KEYGEN_KEY_ID="$KEY_ID" MPOS_KEYGEN_SECRET="$SECRET" MPOS_KEYGEN_ORG="$ORG" \
            "$BIN" generate store_direct --format env >"$OUT/direct.out" 2>"$OUT/direct.err"
        echo $? >"$OUT/direct.code"
    "#;
    let mut cmd = std::process::Command::new("timeout");
    home.apply(&mut cmd);
    let session = cmd
        .args(["120", "dbus-run-session", "--", "bash", "-c", script])
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env("XDG_DATA_HOME", keyrings.path())
        .env("BIN", harness::bin())
        .env("URL", kms.url())
        .env("KEY_ID", KEY_ID)
        .env("ORG", ORG)
        .env("SECRET", SECRET)
        .env("OUT", out.path())
        .stdin(Stdio::null())
        .output()
        .expect("dbus-run-session runs");
    // Its stderr holds the keyring's complaints about having no display for an unlock prompt.
    assert!(
        session.status.success(),
        "the private session ran: {}",
        stderr(&session)
    );
    let read = |name: &str| std::fs::read_to_string(out.path().join(name)).unwrap_or_default();
    assert_eq!(read("add.code").trim(), "0", "{}", read("add.err"));

    assert_eq!(read("profile.code").trim(), "5", "{}", read("profile.err"));
    assert!(
        read("profile.err").contains("unlock"),
        "{}",
        read("profile.err")
    );
    assert!(
        kms.issued()
            .iter()
            .all(|r| r.organization_id != "store_locked"),
        "no request without the profile's secret"
    );

    // Direct credentials need no keychain: the key is issued, cannot be kept, and is shown.
    let issued = kms.issued_for("store_direct");
    assert_eq!(read("direct.code").trim(), "0", "{}", read("direct.err"));
    assert!(read("direct.out").contains(&issued.key), "the key is shown");
    let warning = read("direct.err");
    assert!(warning.starts_with("warning: "), "{warning}");
    assert!(
        warning.contains("not stored") || warning.contains("could not be stored"),
        "{warning}"
    );
}

#[test]
fn an_export_that_fails_after_the_key_arrived_leaves_the_key_in_the_history() {
    let kms = Kms::with_fault(Fault::Slow(Duration::from_secs(2)));
    let home = Home::new();
    home.add_profile("fault-export", &kms, SECRET);
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("exports");
    std::fs::create_dir(&folder).unwrap();
    let target = folder.join("keys.json");
    let child = home
        .std_cmd()
        .args(["generate", "store_1", "--profile", "fault-export", "--out"])
        .arg(&target)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    // While the answer is on its way, the folder checked before the request goes away (a USB stick
    // pulled, a share unmounted): a file now stands where it was, which nobody, root included, can write into.
    let deadline = Instant::now() + Duration::from_secs(15);
    while kms.requests() == 0 {
        assert!(Instant::now() < deadline, "the request never arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::rename(&folder, dir.path().join("moved")).unwrap();
    std::fs::write(&folder, "not a folder").unwrap();
    let o = child.wait_with_output().expect("waits");

    assert_code(&o, 5);
    assert_says(&o, &["Could not write", "The keys are kept in the history"]);
    let issued = kms.issued_for("store_1");
    let kept = history(&home);
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["keyId"], issued.key_id.as_str());
    assert_eq!(
        kept[0]["exportedAt"],
        serde_json::Value::Null,
        "not marked exported"
    );
    // Recoverable: the app can show and export it again from the vault.
    let vault = vault(&home);
    let secret = vault.secret(&issued.key_id).expect("the secret is kept");
    assert_eq!(secret.expose(), &issued.key);
    #[cfg(target_os = "linux")]
    assert!(keychain_holds(&issued.key), "libsecret finds it too");
    assert!(!stdout(&o).contains(&issued.key), "kept, so not printed");
    vault.forget(&issued.key_id).expect("forgotten again");
    #[cfg(target_os = "linux")]
    assert!(!keychain_holds(&issued.key));
}

/// Linux only: the full disk is a file-size limit (bash `ulimit -f`).
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_prints_the_keys_that_could_be_kept_nowhere() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("fault-disk-full", &kms, SECRET);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("keys.json");
    // A file-size limit of 1 KiB makes every write past it fail with "File too large", like a full disk:
    // the history append and the export both fail. SIGXFSZ is ignored so the write fails, not the process.
    let mut cmd = std::process::Command::new("bash");
    home.apply(&mut cmd);
    let o = cmd
        .args([
            "-c",
            r#"trap '' XFSZ; ulimit -f 1; exec "$BIN" generate store_1 store_2 store_3 --profile fault-disk-full --out "$TARGET""#,
        ])
        .env("BIN", harness::bin())
        .env("TARGET", &target)
        .output()
        .expect("bash runs");

    assert_code(&o, 5);
    assert_says(
        &o,
        &["Could not write", "printed to standard output instead"],
    );
    let printed: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("the keys as JSON");
    for mid in ["store_1", "store_2", "store_3"] {
        let issued = kms.issued_for(mid);
        assert!(
            printed["keys"]
                .as_array()
                .expect("keys")
                .iter()
                .any(|k| k["merchantSecret"] == issued.key.as_str()),
            "{mid}'s key is shown"
        );
        assert!(
            !keychain_holds(&issued.key),
            "a key the history does not list leaves no secret in the keychain"
        );
    }
    assert!(!target.exists(), "no partial export");
    assert!(history(&home).is_empty());
}

#[test]
fn a_corrupt_config_is_kept_aside_and_nothing_is_asked_for() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("fault-config", &kms, SECRET);
    let path = config_file(&home);
    let damaged = br#"{"version":1,"profiles":[{"name":"fault-config","#;
    std::fs::write(&path, damaged).unwrap();

    let o = home.generate(&["store_1", "--profile", "fault-config"]);
    assert_code(&o, 5);
    assert_says(&o, &["could not be read", "It was kept as"]);
    assert_eq!(kms.requests(), 0);
    let backups: Vec<PathBuf> = home
        .snapshot()
        .into_keys()
        .filter(|p| p.to_string_lossy().contains("config.json.corrupt-"))
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(
        std::fs::read(&backups[0]).unwrap(),
        damaged,
        "the backup holds what was there"
    );

    // The next command starts from a fresh file and says so plainly.
    let list = home.cmd().args(["profile", "list"]).output().expect("runs");
    assert_code(&list, 0);
}

#[test]
fn a_corrupt_history_is_kept_aside_and_new_keys_are_still_kept() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("fault-history", &kms, SECRET);
    assert_code(
        &home.generate(&["store_1", "--profile", "fault-history"]),
        0,
    );
    let path = home
        .snapshot()
        .into_keys()
        .find(|p| p.ends_with("history.jsonl"))
        .expect("a history");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"event\":\"kept\",\"keyId\":\n");
    std::fs::write(&path, &bytes).unwrap();

    // `generate` only appends to the history (never reads it), so the damage does not stop it.
    let o = home.generate(&["store_2", "--profile", "fault-history", "--format", "env"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains(&kms.issued_for("store_2").key),
        "the new key is shown"
    );
    // The first command that reads it says what happened.
    let read = home
        .cmd()
        .args(["history", "--format", "json"])
        .output()
        .expect("runs");
    assert_ne!(read.status.code(), Some(0));
    assert_says(&read, &["could not be read", "It was kept as"]);
    let kept = history(&home);
    let ids: Vec<&str> = kept.iter().filter_map(|e| e["keyId"].as_str()).collect();
    for mid in ["store_1", "store_2"] {
        assert!(
            ids.contains(&kms.issued_for(mid).key_id.as_str()),
            "{mid} is still listed"
        );
    }
    let backup = home
        .snapshot()
        .into_iter()
        .find(|(p, _)| p.to_string_lossy().contains("history.jsonl.corrupt-"))
        .expect("the damaged history was kept aside");
    assert!(
        backup.1.starts_with(&bytes),
        "the backup holds the damaged file"
    );
}
