//! Every row of `tests/bad_inputs.json` through the built `mpos-keygen`: the exit code and message the table
//! gives, no request to the KMS (except the `response` rows, exactly one), nothing changed under the config
//! and data folders, and no secret left in the keychain by a refused `profile add`.
//!
//! Runs in the session scripts/test sets up (real keychain); names are unique to this file because the
//! keychain is shared with tests running in parallel.

// Shared with the `cli` test binary; this one uses part of it.
#[allow(dead_code)]
#[path = "cli/harness.rs"]
mod harness;
#[path = "../../../tests/bad_inputs_table.rs"]
mod table;

use harness::{code, stderr, Home, Kms, KEY_ID, ORG, SECRET};
use mpos_store::keychain::{profile_account, OsKeychain, SecretStore};
use std::process::Output;
use table::{bytes_of, cases_for, changes, report, Case, RawResponder};

/// What every case must show, whatever the command.
fn check(case: &Case, what: &str, out: &Output, changed: Vec<String>, failures: &mut Vec<String>) {
    let err = stderr(out);
    let fail = |why: String| format!("{} ({what}): {why}\nstderr: {err}", case.id);
    if code(out) != case.exit {
        failures.push(fail(format!("exit {} instead of {}", code(out), case.exit)));
    }
    if !err.contains(case.stderr()) {
        failures.push(fail(format!("stderr does not say {:?}", case.stderr())));
    }
    if let Some(never) = &case.stderr_excludes {
        if err.contains(never.as_str()) {
            failures.push(fail(format!("stderr holds {never:?} raw")));
        }
    }
    if err.contains("panicked") {
        failures.push(fail("the process panicked".into()));
    }
    if !changed.is_empty() {
        failures.push(fail(changed.join(", ")));
    }
}

/// Runs `cmd` and checks it left the home as it was and sent nothing to `kms`.
fn run_checked(
    case: &Case,
    what: &str,
    home: &Home,
    kms: &Kms,
    mut cmd: assert_cmd::Command,
    failures: &mut Vec<String>,
) {
    let before = home.snapshot();
    let requests = kms.requests();
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{} ({what}) did not start: {e}", case.id));
    check(
        case,
        what,
        &out,
        changes(&before, &home.snapshot()),
        failures,
    );
    if kms.requests() != requests {
        failures.push(format!("{} ({what}): a request reached the KMS", case.id));
    }
}

/// A home with one working profile (and a merchant), so refused commands have something to damage.
fn home_with_profile(kms: &Kms, name: &str) -> Home {
    let home = Home::new();
    home.add_profile(name, kms, SECRET);
    home.cmd()
        .args(["merchant", "add", "acme_0", "--profile", name])
        .assert()
        .success();
    home
}

#[test]
fn bad_merchant_ids_exit_2_and_send_nothing() {
    let kms = Kms::start();
    let profile = "bad-inputs-mid";
    let home = home_with_profile(&kms, profile);
    let cases = cases_for(&["mid"], "cli");
    let mut failures = Vec::new();
    for case in &cases {
        let mut generate = home.cmd();
        generate.args(["generate", case.text(), "--profile", profile]);
        run_checked(case, "generate", &home, &kms, generate, &mut failures);
        let mut add = home.cmd();
        add.args(["merchant", "add", case.text(), "--profile", profile]);
        run_checked(case, "merchant add", &home, &kms, add, &mut failures);
    }
    report("cli mid", cases.len(), &failures);
}

/// `profile add` for a case: its fields over a valid profile; the shared secret on stdin.
fn profile_add(home: &Home, kms: &Kms, case: &Case) -> (assert_cmd::Command, String) {
    let text = |name: &str| {
        case.field(name)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let name = match case.surface.as_str() {
        "profile" => text("name"),
        _ => None,
    }
    .unwrap_or_else(|| format!("bad-inputs-{}", case.id));
    let env = match case.surface.as_str() {
        "env" => case.text().to_string(),
        _ => text("env").unwrap_or_else(|| kms.url()),
    };
    let secret = match case.surface.as_str() {
        "secret" => case.text().to_string(),
        _ => SECRET.to_string(),
    };
    let mut cmd = home.cmd();
    cmd.args(["profile", "add", &name, "--env", &env, "--key-id"]);
    cmd.arg(text("key_id").unwrap_or_else(|| KEY_ID.to_string()));
    match case.field("org") {
        Some(serde_json::Value::Null) => {}
        Some(v) => {
            cmd.args(["--org", v.as_str().expect("org is text")]);
        }
        None => {
            cmd.args(["--org", ORG]);
        }
    }
    if case.field("meta_key").and_then(|v| v.as_bool()) == Some(true) {
        cmd.arg("--meta-key");
    }
    cmd.write_stdin(secret);
    (cmd, name)
}

#[test]
fn bad_profiles_environments_and_secrets_are_refused_and_nothing_is_stored() {
    let kms = Kms::start();
    let home = home_with_profile(&kms, "bad-inputs-profile-base");
    let keychain = OsKeychain::new();
    let cases = cases_for(&["env", "secret", "profile"], "cli");
    let mut failures = Vec::new();
    for case in &cases {
        let (cmd, name) = profile_add(&home, &kms, case);
        run_checked(case, "profile add", &home, &kms, cmd, &mut failures);
        // Neither under the name as typed nor as it would be saved (trimmed). A name with a control
        // character cannot even name a keychain entry, so nothing can be there.
        if name.chars().any(char::is_control) {
            continue;
        }
        for account in [profile_account(&name), profile_account(name.trim())] {
            match keychain.get(&account) {
                Ok(None) => {}
                Ok(Some(_)) => {
                    failures.push(format!("{}: a secret was left in the keychain", case.id));
                    let _ = keychain.delete(&account);
                }
                Err(e) => failures.push(format!("{}: keychain: {e}", case.id)),
            }
        }
    }
    report("cli profile/env/secret", cases.len(), &failures);
}

#[test]
fn bad_csv_files_are_refused_whole() {
    let kms = Kms::start();
    let profile = "bad-inputs-csv";
    let home = home_with_profile(&kms, profile);
    let dir = tempfile::tempdir().unwrap();
    let cases = cases_for(&["csv"], "cli");
    let mut failures = Vec::new();
    for case in &cases {
        let file = dir.path().join(format!("{}.csv", case.id));
        std::fs::write(&file, bytes_of(&case.input)).unwrap();
        let mut import = home.cmd();
        import
            .args(["merchant", "import", "--profile", profile])
            .arg(&file);
        run_checked(case, "merchant import", &home, &kms, import, &mut failures);
    }
    report("cli csv", cases.len(), &failures);
}

#[test]
fn bad_answers_end_with_a_clear_error_and_nothing_kept() {
    let home = Home::new();
    let cases = cases_for(&["response"], "cli");
    let mut failures = Vec::new();
    for case in &cases {
        let status = case
            .field("status")
            .and_then(|s| s.as_u64())
            .expect("status") as u16;
        let responder = RawResponder::start(status, case.field("body").cloned().expect("body"));
        let before = home.snapshot();
        // Pipeline variables: no profile on disk, so any file written would be the command's doing.
        let out = home
            .cmd()
            .args(["generate", "acme_1"])
            .env("MPOS_KEYGEN_ENV", &responder.url)
            .env("MPOS_KEYGEN_KEY_ID", KEY_ID)
            .env("MPOS_KEYGEN_SECRET", SECRET)
            .env("MPOS_KEYGEN_ORG", ORG)
            .output()
            .expect("runs");
        check(
            case,
            "generate",
            &out,
            changes(&before, &home.snapshot()),
            &mut failures,
        );
        if responder.requests() != 1 {
            failures.push(format!(
                "{}: {} requests; a key request is never repeated",
                case.id,
                responder.requests()
            ));
        }
    }
    report("cli response", cases.len(), &failures);
}

#[test]
fn bad_command_lines_exit_with_their_code_and_change_nothing() {
    let kms = Kms::start();
    let profile = "bad-inputs-cli";
    let home = home_with_profile(&kms, profile);
    let dir = tempfile::tempdir().unwrap();
    let fill = |s: &str| {
        s.replace("{profile}", profile)
            .replace("{tmp}", dir.path().to_str().expect("utf-8 temp dir"))
            .replace("{kms}", &kms.url())
    };
    let cases = cases_for(&["cli"], "cli");
    let mut failures = Vec::new();
    for case in &cases {
        let mut cmd = home.cmd();
        for arg in case.field("args").and_then(|a| a.as_array()).expect("args") {
            cmd.arg(fill(arg.as_str().expect("args are text")));
        }
        if let Some(vars) = case.field("env").and_then(|e| e.as_object()) {
            for (name, value) in vars {
                cmd.env(name, fill(value.as_str().expect("env values are text")));
            }
        }
        run_checked(case, "command", &home, &kms, cmd, &mut failures);
    }
    report("cli command lines", cases.len(), &failures);
}
