//! The commands through Tauri's real IPC path (mock runtime, no display): a temp config/data folder, an
//! in-memory keychain and clipboard, and the KMS emulator (the demo's built-in one, or one started here).
//! The mock runtime cannot show a native file dialog, so what goes through one (export, CSV import, picking
//! a .p12) is tested only with the `e2e` feature's dialog seam; scripts/test runs these tests with it.

use mpos_emulator::{demo, Emulator, EmulatorConfig, Fault};
use mpos_keygen_app::{hold_close, CLOSE_REQUESTED_EVENT, PROGRESS_EVENT};
use mpos_store::keychain::{profile_account, SecretStore};
use serde_json::{json, Value};
#[cfg(feature = "e2e")]
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::Listener;
use test_certificates::{CERT_MID, PASSWORD, WRONG_PASSWORD};

mod harness;
mod test_certificates;

use harness::{harness, harness_opening, invoke_on, Harness};

/// Starts an emulator on the app's runtime, so it keeps serving while commands run.
fn emulator(fault: Fault) -> Emulator {
    tauri::async_runtime::block_on(Emulator::start(EmulatorConfig::demo().with_fault(fault)))
        .unwrap()
}

/// Saves a profile pointing at `url` with the emulator's demo credential and adds two merchants.
fn emulator_profile(h: &Harness, name: &str, url: &str, secret: &str) {
    h.ok(
        "profile_save",
        json!({ "input": { "name": name, "environment": url, "keyId": demo::KEY_ID,
                "organizationId": demo::ORGANIZATION_ID, "metaKey": false, "secret": secret } }),
    );
    h.ok(
        "merchant_add",
        json!({ "profile": name, "mid": "shop_berlin_1", "label": "Berlin" }),
    );
    h.ok(
        "merchant_add",
        json!({ "profile": name, "mid": "shop_munich_2", "label": "Munich" }),
    );
}

fn assert_payload(e: &Value, code: &str) {
    assert_eq!(e["code"], code, "{e}");
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
    assert!(e["detail"].is_string(), "{e}");
}

#[test]
fn first_run_state_is_empty_with_defaults() {
    let h = harness();
    let s = h.ok("app_state", json!({}));
    assert_eq!(s["profiles"], json!([]));
    assert_eq!(s["activeProfile"], Value::Null);
    assert_eq!(s["settings"]["clipboardClearSecs"], 60);
    assert_eq!(s["settings"]["rememberKeys"], true);
    assert_eq!(s["settings"]["proxy"], json!({ "mode": "system" }));
    assert_eq!(s["keychainName"], h.secrets.name());
    assert!(s["version"].as_str().is_some_and(|v| !v.is_empty()));
}

#[test]
fn the_first_painted_screen_is_reported_once() {
    let h = harness();
    assert_eq!(h.ok("app_ready", json!({})), Value::Null);
    assert_eq!(
        h.state().first_ready(),
        None,
        "app_ready took the start-up time"
    );
    // A reloaded page reports again; start-up happened once, so nothing more is logged.
    assert_eq!(h.ok("app_ready", json!({})), Value::Null);
    let fresh = harness();
    assert!(fresh.state().first_ready().is_some());
    assert_eq!(fresh.state().first_ready(), None);
}

#[test]
fn demo_generate_reveal_and_history_without_secrets() {
    let h = harness();
    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = progress.clone();
    h.app.listen_any(PROGRESS_EVENT, move |e| {
        seen.lock().unwrap().push(e.payload().to_string())
    });

    let demo = h.ok("demo_profile_create", json!({}));
    assert_eq!(demo["isDemo"], true);
    assert_eq!(demo["providerMode"], "TEST");
    assert_eq!(demo["secretStored"], true);
    let name = demo["name"].as_str().unwrap().to_string();
    assert!(demo["merchants"].as_array().unwrap().len() >= 2);
    assert_eq!(h.ok("app_state", json!({}))["activeProfile"], name);

    let result = h.ok(
        "generate_keys",
        json!({ "profile": name, "mids": ["demo_store_001", "demo_store_002"] }),
    );
    let keys = result["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{result}");
    assert_eq!(result["failures"], json!([]));
    assert_eq!(result["providerMode"], "TEST");
    assert_eq!(keys[0]["cybersourceMerchantId"], "demo_store_001");
    assert_eq!(keys[1]["cybersourceMerchantId"], "demo_store_002");
    for k in keys {
        assert_eq!(k["stored"], true);
        assert_eq!(k["exported"], false);
        assert_eq!(k["status"], "ACTIVE");
        assert_eq!(k["profile"], name);
        assert!(
            k.get("secret").is_none() && k.get("merchantSecret").is_none(),
            "{k}"
        );
    }
    let progress = progress.lock().unwrap().clone();
    assert_eq!(
        progress.last().map(String::as_str),
        Some(r#"{"done":2,"total":2}"#),
        "{progress:?}"
    );

    let secrets: Vec<String> = keys
        .iter()
        .map(|k| {
            h.ok("key_reveal", json!({ "keyId": k["keyId"] }))
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(secrets.iter().all(|s| s.len() >= 16), "{secrets:?}");
    assert_ne!(secrets[0], secrets[1]);

    let history = h.ok("history_list", json!({ "profile": name }));
    let rows = history.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        assert_eq!(row["stored"], true);
        assert_eq!(row["environment"], "demo");
        assert!(row["generatedAt"].as_str().unwrap().ends_with('Z'));
        assert_eq!(row["exportedAt"], Value::Null);
    }
    let all = h.ok("history_list", json!({}));
    assert_eq!(all.as_array().unwrap().len(), 2);
    let everything = format!("{result}{history}{}", h.ok("app_state", json!({})));
    for s in &secrets {
        assert!(
            !everything.contains(s.as_str()),
            "a secret reached the UI outside key_reveal"
        );
    }

    // Stored keys stay reachable from the history after this run's memory dropped them.
    let id = keys[0]["keyId"].clone();
    h.state().session().remove(id.as_str().unwrap());
    assert_eq!(
        h.ok("key_reveal", json!({ "keyId": id })),
        json!(secrets[0])
    );
    h.ok("history_forget", json!({ "keyId": id }));
    assert_payload(&h.err("key_reveal", json!({ "keyId": id })), "not_found");
    assert_eq!(h.ok("history_list", json!({})).as_array().unwrap().len(), 1);
}

#[test]
fn a_second_generate_while_one_runs_is_refused() {
    let h = harness();
    let slow = emulator(Fault::Slow(Duration::from_millis(1500)));
    emulator_profile(&h, "Slow", &slow.base_url(), demo::SHARED_SECRET);

    let first_window = h.window.clone();
    let first = std::thread::spawn(move || {
        invoke_on(
            &first_window,
            "generate_keys",
            json!({ "profile": "Slow", "mids": ["shop_berlin_1"] }),
        )
    });
    std::thread::sleep(Duration::from_millis(400));
    let refused = h.err(
        "generate_keys",
        json!({ "profile": "Slow", "mids": ["shop_munich_2"] }),
    );
    assert_payload(&refused, "busy");
    let first = first.join().unwrap().expect("the first generate completes");
    assert_eq!(first["keys"].as_array().unwrap().len(), 1);
    assert_eq!(
        slow.requests_received(),
        1,
        "the refused click sent no request"
    );

    // Once the first finished, the slot is free again.
    let state = h.state();
    let _held = state.begin_generate().expect("free after the run");
    assert_payload(
        &h.err(
            "generate_keys",
            json!({ "profile": "Slow", "mids": ["shop_munich_2"] }),
        ),
        "busy",
    );
}

#[test]
fn profile_secret_is_write_only() {
    let h = harness();
    let emu = emulator(Fault::None);
    emulator_profile(&h, "Acme test", &emu.base_url(), demo::SHARED_SECRET);
    let stored = h
        .secrets
        .get(&profile_account("Acme test"))
        .unwrap()
        .expect("secret in the keychain");
    assert_eq!(stored.expose(), demo::SHARED_SECRET);

    let state = h.ok("app_state", json!({}));
    let p = &state["profiles"][0];
    assert_eq!(p["secretStored"], true);
    assert_eq!(p["isDemo"], false);
    assert_eq!(p["authType"], "sharedSecret");
    assert_eq!(p["keyId"], demo::KEY_ID);
    assert_eq!(p["environment"], emu.base_url());
    assert_eq!(
        p["merchants"][1],
        json!({ "mid": "shop_munich_2", "label": "Munich" })
    );
    assert!(!state.to_string().contains(demo::SHARED_SECRET));

    // Editing without a secret keeps the stored one; renaming moves it.
    let edited = h.ok(
        "profile_save",
        json!({ "input": { "originalName": "Acme test", "name": "Acme", "environment": emu.base_url(),
                "keyId": demo::KEY_ID, "organizationId": demo::ORGANIZATION_ID, "metaKey": false, "secret": "" } }),
    );
    assert_eq!(edited["secretStored"], true);
    assert_eq!(edited["merchants"].as_array().unwrap().len(), 2);
    assert!(!edited.to_string().contains(demo::SHARED_SECRET));
    let test = h.ok("profile_test", json!({ "name": "Acme" }));
    let expected = format!(
        "Connected: {} accepted the credentials of \"Acme\".",
        emu.base_url()
    );
    assert_eq!(test["message"], expected);

    // A new profile without its secret is refused with a sentence that says what to do.
    let e = h.err(
        "profile_save",
        json!({ "input": { "name": "No secret", "environment": "test", "keyId": demo::KEY_ID, "metaKey": false } }),
    );
    assert_payload(&e, "usage");

    h.ok("profile_delete", json!({ "name": "Acme" }));
    assert!(h.secrets.get(&profile_account("Acme")).unwrap().is_none());
    assert_payload(
        &h.err("profile_delete", json!({ "name": "Acme" })),
        "not_found",
    );
}

#[test]
fn wrong_secret_is_reported_per_merchant_as_auth_refused() {
    let h = harness();
    let emu = emulator(Fault::None);
    emulator_profile(
        &h,
        "Wrong",
        &emu.base_url(),
        "d3Jvbmcgc2VjcmV0IHdyb25nIHNlY3JldCEhISE=",
    );
    let result = h.ok(
        "generate_keys",
        json!({ "profile": "Wrong", "mids": ["shop_berlin_1"] }),
    );
    assert_eq!(result["keys"], json!([]));
    let failure = &result["failures"][0];
    assert_eq!(failure["cybersourceMerchantId"], "shop_berlin_1");
    assert_eq!(failure["code"], "auth_refused");
    assert!(
        failure["detail"].as_str().unwrap().contains("401"),
        "{failure}"
    );
    assert_payload(
        &h.err("profile_test", json!({ "name": "Wrong" })),
        "auth_refused",
    );
}

#[test]
fn copy_writes_the_clipboard_and_clears_only_our_own_value() {
    let h = harness();
    let name = h.ok("demo_profile_create", json!({}))["name"].clone();
    let result = h.ok(
        "generate_keys",
        json!({ "profile": name, "mids": ["demo_store_001"] }),
    );
    let key = &result["keys"][0];
    let id = key["keyId"].clone();
    let secret = h.ok("key_reveal", json!({ "keyId": id }));

    let copied = h.ok("copy_value", json!({ "keyId": id, "field": "merchantId" }));
    assert_eq!(copied, json!({ "clearsInSecs": 60 }));
    assert_eq!(
        h.clipboard.contents().as_deref(),
        key["merchantId"].as_str()
    );
    h.ok("copy_value", json!({ "keyId": id, "field": "keyId" }));
    assert_eq!(h.clipboard.contents().as_deref(), id.as_str());
    h.ok("copy_value", json!({ "keyId": id, "field": "snippet" }));
    let snippet = h.clipboard.contents().unwrap();
    assert!(snippet.starts_with("MposUi.create("), "{snippet}");
    assert!(
        snippet.contains("providerMode = ProviderMode.TEST"),
        "{snippet}"
    );
    assert!(
        snippet.contains(&format!(
            "merchantId = \"{}\"",
            key["merchantId"].as_str().unwrap()
        )),
        "{snippet}"
    );
    assert!(
        snippet.contains(&format!(
            "merchantSecret = \"{}\"",
            secret.as_str().unwrap()
        )),
        "{snippet}"
    );
    assert_payload(
        &h.err(
            "copy_value",
            json!({ "keyId": "no-such-key", "field": "secret" }),
        ),
        "not_found",
    );

    // Auto-clear after 1 s: ours is cleared, something the user copied since is left alone.
    let mut settings = h.ok("app_state", json!({}))["settings"].clone();
    settings["clipboardClearSecs"] = json!(1);
    h.ok("settings_save", json!({ "settings": settings }));
    assert_eq!(
        h.ok("copy_value", json!({ "keyId": id, "field": "secret" })),
        json!({ "clearsInSecs": 1 })
    );
    assert_eq!(h.clipboard.contents().as_deref(), secret.as_str());
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(
        h.clipboard.contents(),
        None,
        "the copied secret was cleared"
    );

    h.ok("copy_value", json!({ "keyId": id, "field": "secret" }));
    h.clipboard.set("something the user copied");
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(
        h.clipboard.contents().as_deref(),
        Some("something the user copied")
    );

    settings["clipboardClearSecs"] = json!(0);
    h.ok("settings_save", json!({ "settings": settings }));
    assert_eq!(
        h.ok("copy_value", json!({ "keyId": id, "field": "secret" })),
        json!({ "clearsInSecs": null })
    );
}

#[cfg(feature = "e2e")]
#[test]
fn export_writes_the_file_and_marks_keys_exported() {
    let h = harness();
    let name = h.ok("demo_profile_create", json!({}))["name"].clone();
    let result = h.ok(
        "generate_keys",
        json!({ "profile": name, "mids": ["demo_store_001", "demo_store_002"] }),
    );
    let keys = result["keys"].as_array().unwrap();
    let first = &keys[0];
    let secret = h.ok("key_reveal", json!({ "keyId": first["keyId"] }));

    let one = h.ok(
        "export_keys",
        json!({ "keyIds": [first["keyId"]], "format": "json" }),
    );
    assert_eq!(one["cancelled"], false);
    let path = PathBuf::from(one["path"].as_str().unwrap());
    assert_eq!(path, h.save_dir.join("mposui-key-demo_store_001.json"));
    let file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(file["format"], "mpos-keygen/1");
    assert_eq!(file["environment"], "demo");
    assert_eq!(file["providerMode"], "TEST");
    let k = &file["keys"][0];
    assert_eq!(k["cybersourceMerchantId"], "demo_store_001");
    assert_eq!(k["merchantId"], first["merchantId"]);
    assert_eq!(k["merchantSecret"], secret);
    assert_eq!(k["keyId"], first["keyId"]);
    assert!(mpos_store::privacy::is_private(&path).unwrap());
    // The dialog already asked before replacing: a second download of the same key overwrites.
    h.ok(
        "export_keys",
        json!({ "keyIds": [first["keyId"]], "format": "json" }),
    );

    let ids: Vec<Value> = keys.iter().map(|k| k["keyId"].clone()).collect();
    let both = h.ok("export_keys", json!({ "keyIds": ids, "format": "csv" }));
    let csv_path = PathBuf::from(both["path"].as_str().unwrap());
    let csv_name = csv_path.file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        csv_name.starts_with("mposui-keys-20") && csv_name.ends_with(".csv"),
        "{csv_name}"
    );
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(
        csv.starts_with("cybersource_merchant_id,merchant_id,merchant_secret,key_id"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 3, "{csv}");

    let history = h.ok("history_list", json!({}));
    assert!(history
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["exported"] == true && r["exportedAt"].is_string()));
    assert_payload(
        &h.err("export_keys", json!({ "keyIds": ids, "format": "env" })),
        "invalid_input",
    );
    assert_payload(
        &h.err("export_keys", json!({ "keyIds": ids, "format": "xml" })),
        "invalid_input",
    );
    assert_payload(
        &h.err("export_keys", json!({ "keyIds": [], "format": "json" })),
        "invalid_input",
    );
}

#[test]
fn close_is_held_back_while_a_key_is_neither_stored_nor_exported() {
    let h = harness();
    let mut settings = h.ok("app_state", json!({}))["settings"].clone();
    settings["rememberKeys"] = json!(false);
    h.ok("settings_save", json!({ "settings": settings }));
    let name = h.ok("demo_profile_create", json!({}))["name"].clone();
    let result = h.ok(
        "generate_keys",
        json!({ "profile": name, "mids": ["demo_store_001"] }),
    );
    let id = result["keys"][0]["keyId"].clone();
    assert_eq!(result["keys"][0]["stored"], false);
    // Not stored, yet copy and reveal work from this run's memory.
    assert!(h
        .ok("key_reveal", json!({ "keyId": id }))
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    assert_eq!(h.ok("history_list", json!({})), json!([]));

    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = asked.clone();
    h.app.listen_any(CLOSE_REQUESTED_EVENT, move |e| {
        seen.lock().unwrap().push(e.payload().to_string())
    });
    assert!(hold_close(h.app.handle()), "closing now would lose the key");
    assert_eq!(*asked.lock().unwrap(), vec![r#"{"count":1}"#.to_string()]);

    #[cfg(feature = "e2e")]
    {
        // Downloaded: nothing would be lost, the window may close without asking.
        h.ok("export_keys", json!({ "keyIds": [id], "format": "text" }));
        assert!(!hold_close(h.app.handle()));
        assert_eq!(asked.lock().unwrap().len(), 1);

        // Another unsaved key: the question comes back, counting only that key.
        h.ok(
            "generate_keys",
            json!({ "profile": name, "mids": ["demo_store_002"] }),
        );
        assert!(hold_close(h.app.handle()));
        assert_eq!(asked.lock().unwrap().last().unwrap(), r#"{"count":1}"#);
    }

    // After the user confirmed quitting (app_quit sets this first), the guard lets go.
    h.state().set_quitting();
    assert!(!hold_close(h.app.handle()));
}

#[test]
fn merchants_and_csv_import() {
    let h = harness();
    let emu = emulator(Fault::None);
    emulator_profile(&h, "Shop", &emu.base_url(), demo::SHARED_SECRET);
    let p = h.ok(
        "merchant_update",
        json!({ "profile": "Shop", "mid": "shop_berlin_1", "label": "Berlin Mitte" }),
    );
    assert_eq!(p["merchants"][0]["label"], "Berlin Mitte");
    assert_payload(
        &h.err(
            "merchant_add",
            json!({ "profile": "Shop", "mid": "bad mid!", "label": "" }),
        ),
        "invalid_input",
    );
    assert_payload(
        &h.err(
            "merchant_add",
            json!({ "profile": "Shop", "mid": "shop_berlin_1", "label": "" }),
        ),
        "duplicate",
    );
    let p = h.ok(
        "merchant_remove",
        json!({ "profile": "Shop", "mid": "shop_munich_2" }),
    );
    assert_eq!(p["merchants"].as_array().unwrap().len(), 1);
    #[cfg(feature = "e2e")]
    csv_import_through_the_open_dialog(&h);
}

/// The CSV import of `merchants_and_csv_import`, on its profile "Shop" holding `shop_berlin_1`.
#[cfg(feature = "e2e")]
fn csv_import_through_the_open_dialog(h: &Harness) {
    std::fs::write(
        &h.open_file,
        "mid,label\nshop_berlin_1,Again\nshop_hamburg_3,Hamburg\nbad mid,Broken\n",
    )
    .unwrap();
    let all_or_nothing = h.ok(
        "merchant_import_csv",
        json!({ "profile": "Shop", "onlyGood": false }),
    );
    assert_eq!(all_or_nothing["added"], 0);
    assert_eq!(all_or_nothing["errors"][0]["line"], 4);
    let message = all_or_nothing["errors"][0]["message"].as_str().unwrap();
    assert!(
        !message.starts_with("Line"),
        "the line number is a field of its own: {message}"
    );
    assert!(message.contains("space"), "{message}");
    assert_eq!(
        h.ok("app_state", json!({}))["profiles"][0]["merchants"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let good = h.ok(
        "merchant_import_csv",
        json!({ "profile": "Shop", "onlyGood": true }),
    );
    assert_eq!(good["cancelled"], false);
    assert_eq!(good["added"], 1);
    assert_eq!(good["skipped"], 1);
    let mids: Vec<Value> = h.ok("app_state", json!({}))["profiles"][0]["merchants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["mid"].clone())
        .collect();
    assert_eq!(mids, vec![json!("shop_berlin_1"), json!("shop_hamburg_3")]);
}

#[test]
fn settings_round_trip_and_validation() {
    let h = harness();
    h.ok("demo_profile_create", json!({}));
    let saved = h.ok(
        "settings_save",
        json!({ "settings": { "theme": "dark", "clipboardClearSecs": 30, "proxy": { "mode": "none" },
                              "rememberKeys": false, "lastProfile": "ignored" } }),
    );
    assert_eq!(saved["theme"], "dark");
    assert_eq!(saved["clipboardClearSecs"], 30);
    assert_eq!(saved["rememberKeys"], false);
    assert_eq!(saved["proxy"], json!({ "mode": "none" }));
    let last = &saved["lastProfile"];
    assert_eq!(
        last, "Demo (offline)",
        "profile_select owns the last profile"
    );
    let proxy = json!({ "mode": "url", "url": "http://proxy.example.com:3128" });
    let saved = h.ok("settings_save", json!({ "settings": { "proxy": proxy } }));
    assert_eq!(saved["proxy"], proxy);
    assert_eq!(h.ok("app_state", json!({}))["settings"], saved);

    let bad_proxy =
        json!({ "settings": { "proxy": { "mode": "url", "url": "proxy.example.com" } } });
    assert_payload(&h.err("settings_save", bad_proxy), "invalid_input");
    let too_long = json!({ "settings": { "clipboardClearSecs": 999_999 } });
    assert_payload(&h.err("settings_save", too_long), "invalid_input");
    let malformed = json!({ "settings": { "clipboardClearSecs": "soon" } });
    assert_payload(&h.err("settings_save", malformed), "invalid_input");
    assert_payload(
        &h.err("profile_select", json!({ "name": "Nope" })),
        "not_found",
    );
}

/// Starts an emulator that knows `cert`, on the app's runtime.
fn certificate_emulator(cert: &test_certificates::TestCertificate) -> Emulator {
    tauri::async_runtime::block_on(Emulator::start(cert.emulator_config())).unwrap()
}

/// The `profile_save` input of a REST certificate profile for [`CERT_MID`].
fn certificate_input(name: &str, url: &str, p12: &str, password: &str) -> Value {
    json!({ "input": { "name": name, "environment": url, "authType": "certificate", "p12Path": p12,
            "organizationId": CERT_MID, "metaKey": false, "secret": password } })
}

#[test]
fn certificate_profile_picks_saves_tests_and_generates_without_the_password() {
    let cert = test_certificates::valid();
    let h = harness_opening("merchant.p12");
    cert.write_p12(h.open_file.parent().unwrap(), "merchant.p12");
    let kms = certificate_emulator(&cert);
    let url = kms.base_url();

    let path = h.open_file.display().to_string();
    // The seam answers the open dialog; only the path comes back.
    #[cfg(feature = "e2e")]
    assert_eq!(
        h.ok("pick_p12_file", json!({})),
        json!({ "cancelled": false, "path": path })
    );

    assert_eq!(
        h.ok(
            "certificate_aliases",
            json!({ "path": path, "password": PASSWORD })
        ),
        json!([CERT_MID])
    );
    let wrong = h.err(
        "certificate_aliases",
        json!({ "path": path, "password": WRONG_PASSWORD }),
    );
    assert_payload(&wrong, "invalid_input");
    assert!(!wrong.to_string().contains(WRONG_PASSWORD), "{wrong}");

    // A wrong password is refused before anything is stored.
    let refused = h.err(
        "profile_save",
        certificate_input("cert", &url, &path, WRONG_PASSWORD),
    );
    assert_payload(&refused, "invalid_input");
    assert!(
        refused["message"].as_str().unwrap().contains("password"),
        "{refused}"
    );
    assert_eq!(h.ok("app_state", json!({}))["profiles"], json!([]));
    assert_eq!(h.secrets.get(&profile_account("cert")).unwrap(), None);

    let saved = h.ok(
        "profile_save",
        certificate_input("cert", &url, &path, PASSWORD),
    );
    assert_eq!(saved["authType"], "certificate", "{saved}");
    assert_eq!(saved["p12Path"], path.as_str());
    assert_eq!(saved["keyAlias"], Value::Null);
    assert_eq!(saved["keyId"], Value::Null);
    assert_eq!(saved["secretStored"], true);
    assert_eq!(
        saved["warnings"],
        json!([]),
        "a certificate valid for a year gives no warning"
    );
    assert_eq!(
        h.secrets
            .get(&profile_account("cert"))
            .unwrap()
            .map(|s| s.expose().to_string()),
        Some(PASSWORD.to_string()),
        "the .p12 password is in the keychain"
    );

    let tested = h.ok("profile_test", json!({ "name": "cert" }));
    assert!(
        tested["message"].as_str().unwrap().starts_with("Connected"),
        "{tested}"
    );
    assert_eq!(tested["warnings"], json!([]));

    h.ok(
        "merchant_add",
        json!({ "profile": "cert", "mid": CERT_MID, "label": "Certificate shop" }),
    );
    let generated = h.ok(
        "generate_keys",
        json!({ "profile": "cert", "mids": [CERT_MID] }),
    );
    assert_eq!(generated["failures"], json!([]), "{generated}");
    assert_eq!(generated["warnings"], json!([]));
    assert_eq!(generated["keys"][0]["cybersourceMerchantId"], CERT_MID);
    assert_eq!(
        generated["keys"][0]["merchantId"],
        mpos_emulator::external_organization_id(CERT_MID).as_str()
    );

    // An edit without a password keeps the stored one, and a key alias is kept as typed.
    let edited = h.ok(
        "profile_save",
        json!({ "input": { "originalName": "cert", "name": "cert", "environment": url,
                "authType": "certificate", "p12Path": path, "keyAlias": CERT_MID,
                "organizationId": CERT_MID, "metaKey": false } }),
    );
    assert_eq!(edited["keyAlias"], CERT_MID, "{edited}");
    assert_eq!(edited["warnings"], json!([]));

    // The password went in once and never came back, in any answer.
    let state = h.ok("app_state", json!({}));
    for answer in [&saved, &tested, &generated, &edited, &state] {
        assert!(!answer.to_string().contains(PASSWORD), "{answer}");
    }
    assert_eq!(state["profiles"][0]["p12Path"], path.as_str());
}

#[test]
fn an_expiring_certificate_warns_on_save_test_and_generate() {
    let cert = test_certificates::expiring(10);
    let h = harness_opening("soon.p12");
    cert.write_p12(h.open_file.parent().unwrap(), "soon.p12");
    let kms = certificate_emulator(&cert);
    let path = h.open_file.display().to_string();

    let saved = h.ok(
        "profile_save",
        certificate_input("soon", &kms.base_url(), &path, PASSWORD),
    );
    let expires = |answer: &Value| {
        let warnings = answer["warnings"].as_array().cloned().unwrap_or_default();
        assert_eq!(warnings.len(), 1, "{answer}");
        let text = warnings[0].as_str().unwrap().to_string();
        assert!(
            text.contains("expires on") && text.contains(CERT_MID),
            "{text}"
        );
    };
    expires(&saved);
    expires(&h.ok("profile_test", json!({ "name": "soon" })));
    h.ok(
        "merchant_add",
        json!({ "profile": "soon", "mid": CERT_MID, "label": "" }),
    );
    let generated = h.ok(
        "generate_keys",
        json!({ "profile": "soon", "mids": [CERT_MID] }),
    );
    assert_eq!(
        generated["keys"].as_array().map(Vec::len),
        Some(1),
        "{generated}"
    );
    expires(&generated);
}

#[test]
fn certificate_input_is_checked() {
    let cert = test_certificates::expired(2);
    let h = harness_opening("old.p12");
    cert.write_p12(h.open_file.parent().unwrap(), "old.p12");
    let path = h.open_file.display().to_string();
    let url = "http://127.0.0.1:9";

    // An expired certificate, a missing file, no file, an unknown kind: refused, nothing saved.
    let expired = h.err(
        "profile_save",
        certificate_input("old", url, &path, PASSWORD),
    );
    assert_payload(&expired, "invalid_input");
    assert!(
        expired["message"].as_str().unwrap().contains("expired"),
        "{expired}"
    );
    let missing = h.err(
        "profile_save",
        certificate_input("old", url, "/nonexistent/merchant.p12", PASSWORD),
    );
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("does not exist"),
        "{missing}"
    );
    assert_payload(
        &h.err(
            "profile_save",
            certificate_input("old", url, "  ", PASSWORD),
        ),
        "invalid_input",
    );
    let unknown = h.err(
        "profile_save",
        json!({ "input": { "name": "odd", "environment": url, "authType": "oauth",
                "keyId": demo::KEY_ID, "secret": "s" } }),
    );
    assert_payload(&unknown, "invalid_input");
    assert_eq!(h.ok("app_state", json!({}))["profiles"], json!([]));
    assert!(h.secrets.get(&profile_account("old")).unwrap().is_none());

    // A shared secret profile still works without authType, and says nothing about certificates.
    let shared = h.ok(
        "profile_save",
        json!({ "input": { "name": "shared", "environment": url, "keyId": demo::KEY_ID,
                "metaKey": false, "secret": "c29tZSBzZWNyZXQ=" } }),
    );
    assert_eq!(shared["authType"], "sharedSecret");
    assert_eq!(shared["p12Path"], Value::Null);
    assert_eq!(shared["warnings"], json!([]));
}

#[test]
fn keys_status_delete_and_replace_per_key_with_the_demo() {
    let h = harness();
    let name = h.ok("demo_profile_create", json!({}))["name"]
        .as_str()
        .unwrap()
        .to_string();
    let generate = |mid: &str| -> String {
        let r = h.ok("generate_keys", json!({ "profile": name, "mids": [mid] }));
        r["keys"][0]["keyId"].as_str().unwrap().to_string()
    };
    let first = generate("demo_store_001");
    let second = generate("demo_store_002");
    let third = generate("demo_store_002");

    let statuses = h.ok("keys_status", json!({ "keyIds": [first, second] }));
    assert_eq!(statuses[0]["status"], "ACTIVE", "{statuses}");
    assert_eq!(statuses[1]["status"], "ACTIVE");
    assert!(statuses[0]["checkedAt"].is_string());

    let deleted = h.ok("keys_delete", json!({ "keyIds": [first] }));
    assert_eq!(deleted[0]["deleted"], true, "{deleted}");
    assert_payload(
        &h.invoke("key_reveal", json!({ "keyId": first }))
            .unwrap_err(),
        "not_found",
    );
    let after = h.ok("keys_status", json!({ "keyIds": [first] }));
    assert_eq!(after[0]["status"], "NOT_FOUND", "{after}");

    // Replace: a new key for demo_store_002, then both earlier keys of that merchant are deleted.
    let replaced = h.ok("keys_replace", json!({ "keyIds": [second] }));
    let new_key = replaced["generated"][0]["keys"][0]["keyId"]
        .as_str()
        .unwrap()
        .to_string();
    let gone: Vec<&str> = replaced["deleted"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["deleted"] == true)
        .map(|d| d["keyId"].as_str().unwrap())
        .collect();
    assert_eq!(gone.len(), 2, "{replaced}");
    assert!(gone.contains(&second.as_str()) && gone.contains(&third.as_str()));

    let history = h.ok("history_list", json!({ "profile": name }));
    let line = |id: &str| {
        history
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["keyId"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        history.as_array().unwrap().len(),
        4,
        "deleted keys stay listed"
    );
    for id in [&first, &second, &third] {
        assert!(line(id)["deletedAt"].is_string(), "{id}");
        assert_eq!(line(id)["deletedBy"], name.as_str());
        assert_eq!(line(id)["stored"], false);
    }
    assert!(line(&new_key)["deletedAt"].is_null());
    assert!(h.invoke("keys_delete", json!({ "keyIds": [] })).is_err());
}
