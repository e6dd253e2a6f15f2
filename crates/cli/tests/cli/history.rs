//! `history`: every kept key, never a secret.

use crate::harness::{assert_code, stdout, Home, Kms, SECRET};

#[test]
fn history_lists_kept_keys_without_secrets() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("hist-one", &kms, SECRET);
    home.add_profile("hist-two", &kms, SECRET);
    assert_code(
        &home.generate(&["hist_a", "hist_b", "--profile", "hist-one"]),
        0,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("c.csv");
    assert_code(
        &home.generate(&[
            "hist_c",
            "--profile",
            "hist-two",
            "--format",
            "csv",
            "--out",
            out.to_str().expect("utf-8"),
        ]),
        0,
    );
    let secrets: Vec<String> = kms.issued().into_iter().map(|r| r.key).collect();
    assert_eq!(secrets.len(), 3);

    let json = home
        .cmd()
        .args(["history", "--format", "json"])
        .output()
        .expect("runs");
    assert_code(&json, 0);
    let text = stdout(&json);
    let entries: Vec<serde_json::Value> = serde_json::from_str(&text).expect("json array");
    assert_eq!(entries.len(), 3, "{text}");
    for mid in ["hist_a", "hist_b", "hist_c"] {
        let issued = kms.issued_for(mid);
        let entry = entries
            .iter()
            .find(|e| e["cybersourceMerchantId"] == mid)
            .unwrap_or_else(|| panic!("{mid} missing"));
        assert_eq!(
            entry["merchantId"],
            issued.external_organization_id.as_str()
        );
        assert_eq!(entry["keyId"], issued.key_id.as_str());
        assert_eq!(entry["providerMode"], "TEST");
    }
    let c = entries
        .iter()
        .find(|e| e["cybersourceMerchantId"] == "hist_c")
        .expect("hist_c");
    assert_eq!(c["profile"], "hist-two");
    assert!(
        c["exportedAt"].is_string(),
        "--out marks the key exported: {c}"
    );

    let filtered = home
        .cmd()
        .args(["history", "--profile", "hist-one", "--format", "json"])
        .output()
        .expect("runs");
    let filtered: Vec<serde_json::Value> =
        serde_json::from_str(&stdout(&filtered)).expect("json array");
    assert_eq!(filtered.len(), 2);

    let table = home.cmd().arg("history").output().expect("runs");
    assert_code(&table, 0);
    let table = stdout(&table);
    assert!(
        table.contains("hist_a") && table.contains("hist_c"),
        "{table}"
    );
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()) && !table.contains(secret.as_str()),
            "history printed a secret"
        );
    }
}
