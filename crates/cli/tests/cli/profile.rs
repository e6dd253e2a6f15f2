//! `profile add | list | show | test | remove`, with the secret kept out of argv and files.

use crate::harness::{assert_code, stderr, stdout, Home, Kms, KEY_ID, ORG, SECRET};
use std::io::Write;
use std::process::Stdio;

#[test]
fn profile_lifecycle() {
    let kms = Kms::start();
    let home = Home::new();
    let name = "life-cycle";

    // The secret goes in on stdin; while the process waits for it, its argv and environment are clean.
    let mut child = home
        .std_cmd()
        .args([
            "profile",
            "add",
            name,
            "--env",
            &kms.url(),
            "--key-id",
            KEY_ID,
            "--org",
            ORG,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    #[cfg(target_os = "linux")]
    crate::harness::assert_secret_not_in_process(child.id(), "profile", SECRET);
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(format!("{SECRET}\n").as_bytes())
        .expect("write secret");
    drop(stdin);
    let added = child.wait_with_output().expect("waits");
    assert_code(&added, 0);
    assert!(
        stderr(&added).contains(&format!("Added profile \"{name}\"")),
        "{}",
        stderr(&added)
    );

    let listed = home.cmd().args(["profile", "list"]).output().expect("runs");
    assert_code(&listed, 0);
    let list = stdout(&listed);
    assert!(
        list.contains(name) && list.contains(&kms.url()) && list.contains(KEY_ID),
        "{list}"
    );

    let shown = home
        .cmd()
        .args(["profile", "show", name])
        .output()
        .expect("runs");
    assert_code(&shown, 0);
    let show = stdout(&shown);
    for line in [
        format!("Name: {name}"),
        format!("Key id: {KEY_ID}"),
        format!("Organization id: {ORG}"),
        "Provider mode: TEST".to_string(),
        "Meta key: no".to_string(),
        "Secret: stored in".to_string(),
    ] {
        assert!(show.contains(&line), "missing {line:?} in\n{show}");
    }
    assert!(!show.contains(SECRET));

    let tested = home
        .cmd()
        .args(["profile", "test", name])
        .output()
        .expect("runs");
    assert_code(&tested, 0);
    assert!(
        stdout(&tested).contains("Authentication worked"),
        "{}",
        stdout(&tested)
    );
    assert_eq!(
        kms.requests(),
        1,
        "profile test makes exactly one signed call"
    );
    assert!(
        kms.issued().is_empty(),
        "a connection test never issues a key"
    );

    let removed = home
        .cmd()
        .args(["profile", "remove", name])
        .output()
        .expect("runs");
    assert_code(&removed, 0);
    assert!(!stdout(&home.cmd().args(["profile", "list"]).output().expect("runs")).contains(name));
    let gone = home
        .cmd()
        .args(["profile", "show", name])
        .output()
        .expect("runs");
    assert_code(&gone, 2);
    assert!(stderr(&gone).starts_with("error: "), "{}", stderr(&gone));
}

#[test]
fn adding_again_replaces_the_credential_and_keeps_merchants() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("replaced", &kms, SECRET);
    home.cmd()
        .args(["merchant", "add", "kept_store"])
        .assert()
        .success();
    let again = home
        .cmd()
        .args([
            "profile",
            "add",
            "replaced",
            "--env",
            &kms.url(),
            "--key-id",
            KEY_ID,
            "--org",
            ORG,
            "--meta-key",
        ])
        .write_stdin(SECRET)
        .output()
        .expect("runs");
    assert_code(&again, 0);
    assert!(
        stderr(&again).contains("Replaced profile"),
        "{}",
        stderr(&again)
    );
    let show = stdout(
        &home
            .cmd()
            .args(["profile", "show", "replaced"])
            .output()
            .expect("runs"),
    );
    assert!(
        show.contains("Meta key: yes") && show.contains("kept_store"),
        "{show}"
    );
}

#[test]
fn bad_profile_input_is_refused_before_asking_for_a_secret() {
    let home = Home::new();
    for args in [
        vec![
            "profile", "add", "x", "--env", "staging", "--key-id", KEY_ID,
        ],
        vec![
            "profile",
            "add",
            "x",
            "--env",
            "http://gateway.example.com",
            "--key-id",
            KEY_ID,
        ],
        vec![
            "profile",
            "add",
            "x",
            "--env",
            "test",
            "--key-id",
            KEY_ID,
            "--meta-key",
        ],
        vec![
            "profile", "add", "x", "--env", "test", "--key-id", KEY_ID, "--p12", "cert.p12",
        ],
    ] {
        let o = home
            .cmd()
            .args(&args)
            .write_stdin(SECRET)
            .output()
            .expect("runs");
        assert_code(&o, 2);
    }
    let empty = home
        .cmd()
        .args(["profile", "add", "x", "--env", "test", "--key-id", KEY_ID])
        .write_stdin("\n")
        .output()
        .expect("runs");
    assert_code(&empty, 2);
    assert!(stderr(&empty).contains("No secret"), "{}", stderr(&empty));
    let listed = stdout(&home.cmd().args(["profile", "list"]).output().expect("runs"));
    assert!(listed.is_empty(), "nothing was added: {listed}");
}
