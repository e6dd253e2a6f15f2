//! `merchant add | list | remove | import`, and choosing the profile they belong to.

use crate::harness::{assert_code, stderr, stdout, Home, Kms, SECRET};

#[test]
fn merchants_are_added_listed_and_removed() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("merchants-one", &kms, SECRET);

    // With a single profile, --profile is not needed.
    assert_code(
        &home
            .cmd()
            .args(["merchant", "add", "store_1", "--label", "Shop one, Berlin"])
            .output()
            .expect("runs"),
        0,
    );
    assert_code(
        &home
            .cmd()
            .args(["merchant", "add", "store_2", "--profile", "merchants-one"])
            .output()
            .expect("runs"),
        0,
    );
    let list = stdout(
        &home
            .cmd()
            .args(["merchant", "list"])
            .output()
            .expect("runs"),
    );
    assert!(
        list.contains("store_1") && list.contains("Shop one, Berlin") && list.contains("store_2"),
        "{list}"
    );

    assert_code(
        &home
            .cmd()
            .args(["merchant", "remove", "store_2"])
            .output()
            .expect("runs"),
        0,
    );
    let list = stdout(
        &home
            .cmd()
            .args(["merchant", "list"])
            .output()
            .expect("runs"),
    );
    assert!(
        list.contains("store_1") && !list.contains("store_2"),
        "{list}"
    );

    let bad = home
        .cmd()
        .args(["merchant", "add", "bad-mid"])
        .output()
        .expect("runs");
    assert_code(&bad, 2);
    assert!(
        stderr(&bad).contains("bad-mid") || stderr(&bad).contains('-'),
        "{}",
        stderr(&bad)
    );
    assert_code(
        &home
            .cmd()
            .args(["merchant", "remove", "never_added"])
            .output()
            .expect("runs"),
        2,
    );

    // A second profile makes the default ambiguous: the error names both.
    home.add_profile("merchants-two", &kms, SECRET);
    let ambiguous = home
        .cmd()
        .args(["merchant", "list"])
        .output()
        .expect("runs");
    assert_code(&ambiguous, 2);
    let err = stderr(&ambiguous);
    assert!(
        err.starts_with("error: ")
            && err.contains("merchants-one")
            && err.contains("merchants-two"),
        "{err}"
    );
    let other = home
        .cmd()
        .args(["merchant", "list", "--profile", "merchants-two"])
        .output()
        .expect("runs");
    assert_code(&other, 0);
    assert!(!stdout(&other).contains("store_1"));
    assert_code(
        &home
            .cmd()
            .args(["merchant", "list", "--profile", "nobody"])
            .output()
            .expect("runs"),
        2,
    );
}

#[test]
fn csv_import_refuses_bad_lines_unless_only_good() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("merchants-csv", &kms, SECRET);
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("stores.csv");
    std::fs::write(
        &csv,
        "mid,label\nstore_3,Three\nbad mid,Broken\nstore_4,\"Four, with a comma\"\n",
    )
    .expect("write csv");

    let refused = home
        .cmd()
        .args(["merchant", "import"])
        .arg(&csv)
        .output()
        .expect("runs");
    assert_code(&refused, 2);
    assert!(
        stderr(&refused).contains("3"),
        "the bad line is named: {}",
        stderr(&refused)
    );
    assert!(
        !stdout(
            &home
                .cmd()
                .args(["merchant", "list"])
                .output()
                .expect("runs")
        )
        .contains("store_3"),
        "nothing added"
    );

    let imported = home
        .cmd()
        .args(["merchant", "import", "--only-good"])
        .arg(&csv)
        .output()
        .expect("runs");
    assert_code(&imported, 0);
    assert!(
        stderr(&imported).contains("Added 2"),
        "{}",
        stderr(&imported)
    );
    let list = stdout(
        &home
            .cmd()
            .args(["merchant", "list"])
            .output()
            .expect("runs"),
    );
    assert!(
        list.contains("store_3")
            && list.contains("Four, with a comma")
            && !list.contains("bad mid"),
        "{list}"
    );

    let missing = home
        .cmd()
        .args(["merchant", "import"])
        .arg(dir.path().join("nope.csv"))
        .output()
        .expect("runs");
    assert_code(&missing, 2);
}
