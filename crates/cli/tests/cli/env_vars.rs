//! Credentials from `MPOS_KEYGEN_*` variables: no profile needed; kept when a keychain answers, and
//! still written (with a warning) when none does.

use crate::harness::{assert_code, stderr, stdout, Home, Kms, KEY_ID, ORG, SECRET};

fn with_vars(home: &Home, kms: &Kms) -> assert_cmd::Command {
    let mut c = home.cmd();
    c.env("MPOS_KEYGEN_ENV", kms.url())
        .env("MPOS_KEYGEN_KEY_ID", KEY_ID)
        .env("MPOS_KEYGEN_SECRET", SECRET)
        .env("MPOS_KEYGEN_ORG", ORG);
    c
}

#[test]
fn variables_replace_a_profile_and_the_key_is_kept() {
    let kms = Kms::start();
    let home = Home::new();
    let o = with_vars(&home, &kms)
        .args(["generate", "env_store_1"])
        .output()
        .expect("runs");
    assert_code(&o, 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let issued = kms.issued_for("env_store_1");
    assert_eq!(
        doc["keys"][0]["merchantId"],
        issued.external_organization_id.as_str()
    );
    assert_eq!(doc["keys"][0]["merchantSecret"], issued.key.as_str());
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));

    let history = home
        .cmd()
        .args(["history", "--format", "json"])
        .output()
        .expect("runs");
    assert_code(&history, 0);
    let listed: serde_json::Value = serde_json::from_str(&stdout(&history)).expect("json");
    assert_eq!(listed[0]["keyId"], issued.key_id.as_str(), "{listed}");
}

/// Linux only: the keychain is made unreachable through a D-Bus address that leads nowhere.
#[cfg(target_os = "linux")]
#[test]
fn without_a_keychain_the_key_is_still_written_with_a_warning() {
    let kms = Kms::start();
    let home = Home::new();
    let o = with_vars(&home, &kms)
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .args(["generate", "env_store_2", "--format", "env"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("runs");
    assert_code(&o, 0);
    let issued = kms.issued_for("env_store_2");
    assert!(stdout(&o).contains(&issued.key), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("warning: ") && err.contains("not stored"),
        "{err}"
    );
}

#[test]
fn half_set_variables_are_a_usage_error() {
    let kms = Kms::start();
    let home = Home::new();
    let o = home
        .cmd()
        .env("MPOS_KEYGEN_KEY_ID", KEY_ID)
        .args(["generate", "store_1"])
        .output()
        .expect("runs");
    assert_code(&o, 2);
    assert!(stderr(&o).contains("MPOS_KEYGEN_SECRET"), "{}", stderr(&o));
    let all = with_vars(&home, &kms)
        .args(["generate", "--all"])
        .output()
        .expect("runs");
    assert_code(&all, 2);
    assert_eq!(kms.requests(), 0);
}
