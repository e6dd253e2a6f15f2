//! The shared secret and generated keys stay out of files and `--verbose` logs.

use crate::harness::{assert_code, stderr, stdout, Home, Kms, KEY_ID, ORG, SECRET};

#[test]
fn verbose_logs_and_files_never_hold_a_secret() {
    let kms = Kms::start();
    let home = Home::new();
    let add = home
        .cmd()
        .args([
            "--verbose",
            "profile",
            "add",
            "secret-check",
            "--env",
            &kms.url(),
            "--key-id",
            KEY_ID,
            "--org",
            ORG,
        ])
        .write_stdin(SECRET)
        .output()
        .expect("runs");
    assert_code(&add, 0);
    let test = home
        .cmd()
        .args(["profile", "test", "secret-check", "--verbose"])
        .output()
        .expect("runs");
    assert_code(&test, 0);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("keys.json");
    let generate = home
        .cmd()
        .args([
            "--verbose",
            "generate",
            "secret_store",
            "--out",
            out.to_str().expect("utf-8"),
        ])
        .output()
        .expect("runs");
    assert_code(&generate, 0);
    let issued = kms.issued_for("secret_store");

    let logs = [stderr(&add), stderr(&test), stderr(&generate)].join("\n");
    assert!(
        logs.contains("DEBUG"),
        "--verbose logs at debug level:\n{logs}"
    );
    assert!(!logs.contains(SECRET), "the shared secret was logged");
    assert!(!logs.contains(&issued.key), "a generated key was logged");
    assert!(stdout(&generate).is_empty());

    assert!(home.file_count() > 0, "the config and history were written");
    assert_eq!(
        home.files_containing(SECRET),
        Vec::<std::path::PathBuf>::new(),
        "the shared secret is in a file"
    );
    assert_eq!(
        home.files_containing(&issued.key),
        Vec::<std::path::PathBuf>::new(),
        "a generated key is in a file"
    );
    assert!(
        home.files_containing(&issued.key_id).len() == 1,
        "the history holds the key's metadata"
    );
}
