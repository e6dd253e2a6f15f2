//! `--help` and `--version`.

use crate::harness::{assert_code, stdout, Home};

#[test]
fn version_names_the_tool() {
    let o = Home::new().cmd().arg("--version").output().expect("runs");
    assert_code(&o, 0);
    assert_eq!(
        stdout(&o).trim(),
        format!("mpos-keygen {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn every_command_has_help_with_an_example() {
    let home = Home::new();
    let commands: &[&[&str]] = &[
        &[],
        &["profile"],
        &["profile", "add"],
        &["profile", "list"],
        &["profile", "show"],
        &["profile", "remove"],
        &["profile", "test"],
        &["merchant"],
        &["merchant", "add"],
        &["merchant", "list"],
        &["merchant", "remove"],
        &["merchant", "import"],
        &["generate"],
        &["history"],
        &["key"],
        &["key", "status"],
        &["key", "delete"],
        &["key", "replace"],
        &["completions"],
        &["emulator"],
    ];
    for command in commands {
        let o = home
            .cmd()
            .args(*command)
            .arg("--help")
            .output()
            .expect("runs");
        assert_code(&o, 0);
        let text = stdout(&o);
        assert!(text.contains("Usage: mpos-keygen"), "{command:?}: {text}");
        assert!(
            text.contains("Example"),
            "{command:?} has no example: {text}"
        );
    }
    let generate = stdout(
        &home
            .cmd()
            .args(["generate", "--help"])
            .output()
            .expect("runs"),
    );
    for word in [
        "json",
        "csv",
        "env",
        "text",
        "--out",
        "--force",
        "--all",
        "Exit codes",
        "MPOS_KEYGEN_",
    ] {
        assert!(generate.contains(word), "generate --help lacks {word}");
    }
    let add = stdout(
        &home
            .cmd()
            .args(["profile", "add", "--help"])
            .output()
            .expect("runs"),
    );
    for word in [
        "--key-id",
        "--p12",
        "--key-alias",
        "--meta-key",
        "--org",
        "Payment Configuration > Key Management",
        "\"REST – Shared Secret\"",
        "\"REST – Certificate\"",
    ] {
        assert!(
            add.contains(word),
            "profile add --help lacks {word}:\n{add}"
        );
    }
}

#[test]
fn no_command_is_a_usage_error() {
    let o = Home::new().cmd().output().expect("runs");
    assert_code(&o, 2);
}
