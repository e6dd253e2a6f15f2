//! `generate` in every format, each parsed back field by field against what the emulator issued.

use crate::harness::{assert_code, stderr, stdout, Home, Kms, SECRET};
use serde_json::Value;

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

#[test]
fn json_holds_every_field() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("gen-json", &kms, SECRET);
    let o = home.generate(&["store_a", "store_b", "--profile", "gen-json"]);
    assert_code(&o, 0);
    let doc = json_of(&stdout(&o));
    assert_eq!(doc["format"], "mpos-keygen/1");
    assert_eq!(doc["environment"], kms.url());
    assert_eq!(doc["providerMode"], "TEST");
    let generated_at = doc["generatedAt"].as_str().expect("generatedAt");
    assert!(
        generated_at.ends_with('Z') && generated_at.len() == 20,
        "{generated_at}"
    );
    assert_eq!(doc["errors"].as_array().map(Vec::len), Some(0));
    let keys = doc["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 2);
    for (key, mid) in keys.iter().zip(["store_a", "store_b"]) {
        let issued = kms.issued_for(mid);
        assert_eq!(key["cybersourceMerchantId"], mid);
        assert_eq!(key["merchantId"], issued.external_organization_id.as_str());
        assert_ne!(
            key["merchantId"], mid,
            "merchantId is the externalOrganizationId, not the MID"
        );
        assert_eq!(key["merchantSecret"], issued.key.as_str());
        assert_eq!(key["keyId"], issued.key_id.as_str());
        assert_eq!(key["status"], "ACTIVE");
        assert_eq!(key["expirationDate"], issued.expiration_date.as_str());
    }
    assert!(stderr(&o).contains("Wrote 2 keys"), "{}", stderr(&o));
}

#[test]
fn csv_holds_every_field() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("gen-csv", &kms, SECRET);
    let o = home.generate(&["store_c", "store_d", "--format", "csv"]);
    assert_code(&o, 0);
    let text = stdout(&o);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(
        header.join(","),
        "cybersource_merchant_id,merchant_id,merchant_secret,key_id,status,expiration_date,provider_mode,error"
    );
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(rows.len(), 2, "{text}");
    for (row, mid) in rows.iter().zip(["store_c", "store_d"]) {
        let issued = kms.issued_for(mid);
        assert_eq!(&row[0], mid);
        assert_eq!(&row[1], issued.external_organization_id);
        assert_eq!(&row[2], issued.key);
        assert_eq!(&row[3], issued.key_id);
        assert_eq!(&row[4], "ACTIVE");
        assert_eq!(&row[5], issued.expiration_date);
        assert_eq!(&row[6], "TEST");
        assert_eq!(&row[7], "");
    }
}

#[test]
fn env_holds_the_three_mposui_variables() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("gen-env", &kms, SECRET);
    let o = home.generate(&["store_e", "--format", "env"]);
    assert_code(&o, 0);
    let issued = kms.issued_for("store_e");
    let vars: Vec<(String, String)> = stdout(&o)
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("not NAME=value: {l}"));
            (
                k.to_string(),
                v.trim_matches('"').trim_matches('\'').to_string(),
            )
        })
        .collect();
    assert_eq!(
        vars,
        vec![
            ("MPOSUI_PROVIDER_MODE".to_string(), "TEST".to_string()),
            (
                "MPOSUI_MERCHANT_ID".to_string(),
                issued.external_organization_id.clone()
            ),
            ("MPOSUI_MERCHANT_SECRET".to_string(), issued.key.clone()),
        ]
    );
}

#[test]
fn text_has_one_label_and_value_per_line() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("gen-text", &kms, SECRET);
    let o = home.generate(&["store_t", "--format", "text"]);
    assert_code(&o, 0);
    let text = stdout(&o);
    let issued = kms.issued_for("store_t");
    let values: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once(": ").map(|(_, v)| v.trim()))
        .collect();
    for expected in [
        "store_t",
        issued.external_organization_id.as_str(),
        issued.key.as_str(),
        issued.key_id.as_str(),
        "ACTIVE",
        issued.expiration_date.as_str(),
        "TEST",
    ] {
        assert!(
            values.contains(&expected),
            "no line with value {expected:?} in\n{text}"
        );
    }
}

#[test]
fn all_generates_for_every_merchant_of_the_profile() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("gen-all", &kms, SECRET);
    for mid in ["all_1", "all_2", "all_3"] {
        home.cmd().args(["merchant", "add", mid]).assert().success();
    }
    let o = home.generate(&["--all"]);
    assert_code(&o, 0);
    let doc = json_of(&stdout(&o));
    let mids: Vec<&str> = doc["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["cybersourceMerchantId"].as_str())
        .collect();
    assert_eq!(mids, ["all_1", "all_2", "all_3"]);
    assert_eq!(kms.issued().len(), 3);
}

#[test]
fn out_writes_a_private_file_and_refuses_to_replace_it_without_force() {
    use crate::harness::assert_private;
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("gen-out", &kms, SECRET);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("keys.json");
    let path = file.to_str().expect("utf-8 path");

    let first = home.generate(&["store_o", "--out", path]);
    assert_code(&first, 0);
    assert!(
        stdout(&first).is_empty(),
        "the keys went to the file, not stdout"
    );
    // Unix: mode 0600. Windows: a protected ACL that allows the current user only.
    assert_private(&file);
    let written = std::fs::read_to_string(&file).expect("read");
    assert_eq!(
        json_of(&written)["keys"][0]["merchantSecret"],
        kms.issued_for("store_o").key.as_str()
    );

    let requests = kms.requests();
    let refused = home.generate(&["store_p", "--out", path]);
    assert_code(&refused, 2);
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    assert_eq!(
        kms.requests(),
        requests,
        "refused before any key was asked for"
    );
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        written,
        "the file is untouched"
    );

    let forced = home.generate(&["store_p", "--out", path, "--force"]);
    assert_code(&forced, 0);
    let replaced = json_of(&std::fs::read_to_string(&file).expect("read"));
    assert_eq!(replaced["keys"][0]["cybersourceMerchantId"], "store_p");
    assert_private(&file);
}

#[test]
fn a_demo_profile_needs_no_secret_and_no_server() {
    let home = Home::new();
    let added = home
        .cmd()
        .args([
            "profile",
            "add",
            "demo-only",
            "--env",
            "demo",
            "--key-id",
            "demo",
        ])
        .output()
        .expect("runs");
    assert_code(&added, 0);
    let o = home.generate(&["demo_store_001", "--format", "env"]);
    assert_code(&o, 0);
    let text = stdout(&o);
    assert!(
        text.starts_with("MPOSUI_PROVIDER_MODE=TEST\nMPOSUI_MERCHANT_ID="),
        "{text}"
    );
    assert!(text.contains("MPOSUI_MERCHANT_SECRET="), "{text}");
}

/// Unix only: a test can send SIGINT, as Ctrl-C does, to a child; a Windows console's Ctrl-C reaches only
/// processes attached to the sender's console (the handler is the same `tokio::signal::ctrl_c`).
#[cfg(unix)]
#[test]
fn ctrl_c_during_a_batch_sends_no_more_requests_and_keeps_and_writes_what_was_issued() {
    use std::time::{Duration, Instant};
    // Slow answers: the first four chunks (100 merchants each) are in flight when Ctrl-C comes, the
    // fifth (50) has not been sent.
    let kms = Kms::with_fault(mpos_emulator::Fault::Slow(Duration::from_secs(2)));
    let home = Home::new();
    home.add_profile("gen-ctrl-c", &kms, SECRET);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("keys.json");
    let mids: Vec<String> = (0..450).map(|i| format!("batch_{i:03}")).collect();
    let child = home
        .std_cmd()
        .args(["generate", "--profile", "gen-ctrl-c", "--out"])
        .arg(&file)
        .args(&mids)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    let deadline = Instant::now() + Duration::from_secs(20);
    while kms.requests() < 4 {
        assert!(Instant::now() < deadline, "four requests never arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let o = child.wait_with_output().expect("waits");

    assert_code(&o, 130);
    assert!(stderr(&o).contains("Stopping"), "{}", stderr(&o));
    assert_eq!(kms.requests(), 4, "no request after Ctrl-C");
    let written = json_of(&std::fs::read_to_string(&file).expect("the export was written"));
    let keys = written["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 400, "every key of the answered requests");
    for key in keys {
        let mid = key["cybersourceMerchantId"].as_str().expect("mid");
        assert_eq!(key["merchantSecret"], kms.issued_for(mid).key.as_str());
    }
    let errors = written["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 50, "the merchants never asked for are listed");
    assert!(errors
        .iter()
        .all(|e| e["message"].as_str().unwrap_or("").contains("Ctrl-C")));
    let history = home
        .cmd()
        .args(["history", "--profile", "gen-ctrl-c", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(
        json_of(&stdout(&history)).as_array().expect("array").len(),
        400,
        "every issued key is kept"
    );
}
