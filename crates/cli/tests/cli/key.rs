//! `key status|delete|replace`, `completions` and the man page, against the emulator and the real keychain.

use crate::harness::{assert_code, stderr, stdout, Home, Kms, KEY_ID, ORG, SECRET};
use mpos_emulator::{EmulatorConfig, EmulatorCredential, Fault};
use mpos_store::keychain::{OsKeychain, SecretStore};
use serde_json::Value;

const OTHER_KEY_ID: &str = "2b8d0f55-6c1e-4a7b-9d3f-1e5a7c9b0d42";
const OTHER_ORG: &str = "cli_other_org";

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// Generates keys for `mids` with `profile`; returns their ids in order.
fn generate(home: &Home, profile: &str, mids: &[&str]) -> Vec<String> {
    let mut args = mids.to_vec();
    args.extend(["--profile", profile]);
    let o = home.generate(&args);
    assert_code(&o, 0);
    json_of(&stdout(&o))["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["keyId"].as_str().unwrap().to_string())
        .collect()
}

fn key(home: &Home, args: &[&str]) -> std::process::Output {
    home.cmd().arg("key").args(args).output().expect("runs")
}

/// `profile add` pointing `name` at `kms` with the usual credential (replacing a profile of that name).
fn point(home: &Home, name: &str, kms: &Kms) {
    home.add_profile(name, kms, SECRET);
}

/// The history line of a key, as `history --format json` shows it.
fn history_entry(home: &Home, key_id: &str) -> Value {
    let o = home
        .cmd()
        .args(["history", "--format", "json"])
        .output()
        .unwrap();
    assert_code(&o, 0);
    json_of(&stdout(&o))
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["keyId"] == key_id)
        .cloned()
        .unwrap_or_else(|| panic!("{key_id} not in the history"))
}

/// Whether the key's secret is still in the keychain entry its history line names.
fn secret_in_keychain(home: &Home, key_id: &str) -> bool {
    let history = home
        .files_containing(key_id)
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n == "history.jsonl"))
        .expect("a history file names the key");
    let text = std::fs::read_to_string(history).unwrap();
    let account = text
        .lines()
        .map(json_of)
        .find(|v| v["event"] == "kept" && v["keyId"] == key_id)
        .and_then(|v| v["secretRef"].as_str().map(str::to_string))
        .expect("the kept line names its keychain entry");
    match OsKeychain::new().get(&account).expect("keychain reachable") {
        None => false,
        Some(batch) => json_of(batch.expose()).get(key_id).is_some(),
    }
}

#[test]
fn status_reads_active_then_not_found_after_delete() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("key-status", &kms, SECRET);
    let ids = generate(&home, "key-status", &["store_a"]);

    let o = key(&home, &["status", &ids[0], "--format", "json"]);
    assert_code(&o, 0);
    let doc = json_of(&stdout(&o));
    let k = &doc["keys"][0];
    assert_eq!(k["keyId"], ids[0].as_str());
    assert_eq!(k["cybersourceMerchantId"], "store_a");
    assert_eq!(k["status"], "ACTIVE");
    assert_eq!(
        k["expirationDate"],
        kms.issued_for("store_a").expiration_date.as_str()
    );
    assert!(
        k["checkedAt"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{k}"
    );
    assert_eq!(history_entry(&home, &ids[0])["lastStatus"], "ACTIVE");

    let o = key(&home, &["delete", &ids[0], "--yes"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).starts_with(&format!("deleted      {}  store_a", ids[0])),
        "{}",
        stdout(&o)
    );
    assert_eq!(kms.deleted(), vec![ids[0].clone()]);
    let line = history_entry(&home, &ids[0]);
    assert!(line["deletedAt"].is_string(), "{line}");
    assert_eq!(line["deletedBy"], "key-status");
    assert!(
        !secret_in_keychain(&home, &ids[0]),
        "a deleted key's secret leaves the keychain"
    );

    let o = key(&home, &["status", &ids[0], "--format", "json"]);
    assert_code(&o, 1);
    assert_eq!(json_of(&stdout(&o))["keys"][0]["status"], "NOT_FOUND");
    // --merchant and --all leave deleted keys out.
    let o = key(&home, &["status", "--all", "--format", "json"]);
    assert_code(&o, 0);
    assert_eq!(
        json_of(&stdout(&o))["keys"].as_array().map(Vec::len),
        Some(0)
    );
}

#[test]
fn a_delete_failing_for_one_of_three_keys_deletes_the_other_two() {
    let kms = Kms::with_config(EmulatorConfig::with_credentials(vec![
        EmulatorCredential::new(KEY_ID, SECRET, ORG, false),
        EmulatorCredential::new(OTHER_KEY_ID, SECRET, OTHER_ORG, false),
    ]));
    let home = Home::new();
    home.add_profile("key-del3", &kms, SECRET);
    home.cmd()
        .args([
            "profile",
            "add",
            "key-del3-other",
            "--env",
            &kms.url(),
            "--key-id",
            OTHER_KEY_ID,
            "--org",
            OTHER_ORG,
        ])
        .write_stdin(SECRET)
        .assert()
        .success();
    let ours = generate(&home, "key-del3", &["store_a", "store_b"]);
    let theirs = generate(&home, "key-del3-other", &["store_c"]);

    let o = key(
        &home,
        &[
            "delete",
            &ours[0],
            &theirs[0],
            &ours[1],
            "--profile",
            "key-del3",
            "--yes",
        ],
    );
    assert_code(&o, 1);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].starts_with(&format!("deleted      {}", ours[0])),
        "{out}"
    );
    assert!(
        lines[1].starts_with(&format!("not deleted  {}", theirs[0])),
        "{out}"
    );
    assert!(lines[1].contains("Business Center"), "{out}");
    assert!(
        lines[2].starts_with(&format!("deleted      {}", ours[1])),
        "{out}"
    );
    let mut expected = ours.clone();
    expected.sort();
    assert_eq!(kms.deleted(), expected);
    assert!(history_entry(&home, &theirs[0]).get("deletedAt").is_none());
    assert!(
        secret_in_keychain(&home, &theirs[0]),
        "the key not deleted keeps its secret"
    );
    assert!(!secret_in_keychain(&home, &ours[1]));
}

#[test]
fn delete_without_a_terminal_needs_yes() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("key-yes", &kms, SECRET);
    let ids = generate(&home, "key-yes", &["store_a"]);
    let before = kms.requests();
    let o = home
        .cmd()
        .args(["key", "delete", "--merchant", "store_a"])
        .write_stdin("y\n")
        .output()
        .unwrap();
    assert_code(&o, 2);
    assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));
    assert!(stderr(&o).contains("stop working"), "{}", stderr(&o));
    assert_eq!(kms.requests(), before, "nothing was sent");
    assert!(secret_in_keychain(&home, &ids[0]));
    // A key id the history does not know is bad input.
    assert_code(
        &key(
            &home,
            &["delete", "00000000-0000-4000-8000-000000000000", "--yes"],
        ),
        2,
    );
}

#[test]
fn replace_writes_the_new_key_then_deletes_the_old_one() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("key-repl", &kms, SECRET);
    let old = generate(&home, "key-repl", &["store_a"]);
    let kept = generate(&home, "key-repl", &["store_b"]);

    let o = key(
        &home,
        &[
            "replace",
            "store_a",
            "--profile",
            "key-repl",
            "--yes",
            "--format",
            "json",
        ],
    );
    assert_code(&o, 0);
    let doc = json_of(&stdout(&o));
    let new_id = doc["keys"][0]["keyId"].as_str().unwrap().to_string();
    assert_eq!(doc["keys"][0]["cybersourceMerchantId"], "store_a");
    assert_eq!(
        doc["keys"][0]["merchantSecret"],
        kms.issued().last().unwrap().key.as_str()
    );
    assert!(
        stderr(&o).contains(&format!("deleted      {}", old[0])),
        "{}",
        stderr(&o)
    );
    assert_eq!(kms.deleted(), old);
    assert!(history_entry(&home, &old[0])["deletedAt"].is_string());
    assert!(history_entry(&home, &new_id).get("deletedAt").is_none());
    assert!(secret_in_keychain(&home, &new_id));
    assert!(
        secret_in_keychain(&home, &kept[0]),
        "another merchant's key is untouched"
    );
}

#[test]
fn a_replace_whose_new_key_fails_leaves_the_old_key_untouched() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("key-replfail", &kms, SECRET);
    let old = generate(&home, "key-replfail", &["store_a"]);
    for (fault, code) in [(Fault::AlwaysUnauthorized, 3), (Fault::ServerErrorOnce, 4)] {
        let failing = Kms::with_fault(fault);
        point(&home, "key-replfail", &failing);
        let o = key(&home, &["replace", "store_a", "--yes"]);
        assert_code(&o, code);
        assert_eq!(failing.requests(), 1, "only the generate request was sent");
        assert!(failing.deleted().is_empty());
        assert!(history_entry(&home, &old[0]).get("deletedAt").is_none());
        assert!(secret_in_keychain(&home, &old[0]));
    }
}

#[test]
fn a_401_and_a_5xx_on_status_and_delete_change_nothing() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("key-faults", &kms, SECRET);
    let ids = generate(&home, "key-faults", &["store_a"]);
    for (fault, code) in [(Fault::AlwaysUnauthorized, 3), (Fault::ServerErrorOnce, 4)] {
        for call in ["status", "delete"] {
            let failing = Kms::with_fault(fault.clone());
            point(&home, "key-faults", &failing);
            let mut args = vec![call, ids[0].as_str()];
            if call == "delete" {
                args.push("--yes");
            }
            let o = key(&home, &args);
            assert_code(&o, code);
            let line = history_entry(&home, &ids[0]);
            assert!(line.get("deletedAt").is_none(), "{call} {line}");
            assert!(line.get("lastStatus").is_none(), "{call} {line}");
            assert!(secret_in_keychain(&home, &ids[0]));
        }
    }
}

#[test]
fn completions_and_the_man_page_are_generated() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let o = home.cmd().args(["completions", shell]).output().unwrap();
        assert_code(&o, 0);
        let script = stdout(&o);
        assert!(
            script.contains("mpos-keygen") && script.contains("replace"),
            "{shell}: {script}"
        );
    }
    assert_code(
        &home.cmd().args(["completions", "tcsh"]).output().unwrap(),
        2,
    );
    let o = home.cmd().arg("manpage").output().unwrap();
    assert_code(&o, 0);
    assert!(
        stdout(&o).starts_with(".ie") || stdout(&o).contains(".TH"),
        "{}",
        stdout(&o)
    );
}
