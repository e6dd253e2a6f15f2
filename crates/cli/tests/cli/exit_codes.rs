//! Exit codes 1 to 5, each provoked for real.

use crate::harness::{assert_code, stderr, stdout, Home, Kms, KEY_ID, ORG, SECRET, WRONG_SECRET};
use mpos_emulator::Fault;

#[test]
fn some_merchants_failing_is_1_and_the_rest_is_written() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("exit-partial", &kms, SECRET);
    let o = home.generate(&["store_ok", "unknown_x"]);
    assert_code(&o, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(doc["keys"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        doc["keys"][0]["merchantSecret"],
        kms.issued_for("store_ok").key.as_str()
    );
    assert_eq!(doc["errors"][0]["cybersourceMerchantId"], "unknown_x");
    let err = stderr(&o);
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") && first.contains("1 of 2"),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.trim_start().starts_with("unknown_x: ")),
        "{err}"
    );

    let only_bad = home.generate(&["unknown_y"]);
    assert_code(&only_bad, 1);
    assert!(stdout(&only_bad).is_empty());
    assert!(
        stderr(&only_bad).contains("unknown_y"),
        "{}",
        stderr(&only_bad)
    );
}

#[test]
fn bad_input_is_2_before_any_request() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("exit-usage", &kms, SECRET);
    for args in [
        vec!["bad-mid"],
        vec!["store_1", "--bogus"],
        vec!["store_1", "store_2", "--format", "env"],
        vec!["store_1", "--format", "yaml"],
        vec!["store_1", "--all"],
        vec![],
    ] {
        let o = home.generate(&args);
        assert_code(&o, 2);
        assert!(stderr(&o).starts_with("error"), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
    assert!(stderr(&home.generate(&["bad-mid"])).contains("bad-mid"));
    assert_eq!(kms.requests(), 0, "nothing reached the server");
}

#[test]
fn no_profile_and_no_variables_explains_both() {
    let o = Home::new().generate(&["store_1"]);
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("--profile") && err.contains("MPOS_KEYGEN_"),
        "{err}"
    );
}

#[test]
fn refused_authentication_is_3() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("exit-auth", &kms, WRONG_SECRET);
    let test = home
        .cmd()
        .args(["profile", "test", "exit-auth"])
        .output()
        .expect("runs");
    assert_code(&test, 3);
    assert!(stderr(&test).starts_with("error: "), "{}", stderr(&test));
    let o = home.generate(&["store_1", "store_2"]);
    assert_code(&o, 3);
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert!(
        err.starts_with("error: ") && err.contains("store_1") && err.contains("store_2"),
        "{err}"
    );
    assert!(kms.issued().is_empty());
}

#[test]
fn server_error_is_4() {
    let kms = Kms::with_fault(Fault::ServerErrorOnce);
    let home = Home::new();
    home.add_profile("exit-5xx", &kms, SECRET);
    let o = home.generate(&["store_1"]);
    assert_code(&o, 4);
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));
}

#[test]
fn closed_port_is_4() {
    let closed = mpos_test_net::ClosedPort::new();
    let home = Home::new();
    home.cmd()
        .args([
            "profile",
            "add",
            "exit-closed",
            "--env",
            &closed.url(),
            "--key-id",
            KEY_ID,
            "--org",
            ORG,
        ])
        .write_stdin(SECRET)
        .assert()
        .success();
    let o = home.generate(&["store_1"]);
    assert_code(&o, 4);
    assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));
}

#[test]
fn unwritable_out_is_5() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("exit-storage", &kms, SECRET);
    let dir = tempfile::tempdir().expect("tempdir");

    // A path under a regular file cannot be created by anyone, root included.
    let not_a_folder = dir.path().join("plain-file");
    std::fs::write(&not_a_folder, "x").expect("write");
    let o = home.generate(&[
        "store_1",
        "--out",
        not_a_folder.join("keys.json").to_str().expect("utf-8"),
    ]);
    assert_code(&o, 5);
    assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));

    // A read-only folder (Unix modes); root may write anyway, so this half is checked only where it
    // really is read-only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let read_only = dir.path().join("read-only");
        std::fs::create_dir(&read_only).expect("mkdir");
        std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o555))
            .expect("chmod");
        let enforced = std::fs::write(read_only.join("probe"), "x").is_err();
        let o = home.generate(&[
            "store_2",
            "--out",
            read_only.join("keys.json").to_str().expect("utf-8"),
        ]);
        if enforced {
            assert_code(&o, 5);
            assert!(!read_only.join("keys.json").exists());
        } else {
            assert_code(&o, 0);
        }
        std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o755))
            .expect("chmod back");
    }
}
