//! Export formats rendered and parsed back field by field, and the file writer's guarantees.

mod common;

use common::{assert_private, key};
use mpos_kms::{IssuedKey, ProviderMode, SecretString};
use mpos_store::export::{
    render, write_export, ExportBatch, ExportFailure, ExportFormat, CSV_HEADER,
};
use std::fs;
use std::path::Path;

fn batch(keys: Vec<IssuedKey>) -> ExportBatch {
    ExportBatch {
        environment: "test".into(),
        provider_mode: ProviderMode::Test,
        generated_at: "2026-11-28T14:30:00Z".into(),
        keys,
        errors: vec![ExportFailure {
            cybersource_merchant_id: "bad_mid".into(),
            message: "Refused: \"INVALID_DATA\", check the MID,\nthen retry".into(),
        }],
    }
}

fn two_keys() -> Vec<IssuedKey> {
    let mut b = key(2);
    b.expiration_date = None;
    vec![key(1), b]
}

#[test]
fn formats_parse_and_name_their_extension() {
    for (word, f, ext) in [
        ("json", ExportFormat::Json, "json"),
        ("CSV", ExportFormat::Csv, "csv"),
        ("env", ExportFormat::Env, "env"),
        ("text", ExportFormat::Text, "txt"),
        ("txt", ExportFormat::Text, "txt"),
    ] {
        assert_eq!(word.parse::<ExportFormat>().unwrap(), f);
        assert_eq!(f.extension(), ext);
    }
    let e = "xml".parse::<ExportFormat>().unwrap_err();
    assert!(e.to_string().contains("json, csv, env or text"), "{e}");
}

#[test]
fn json_round_trip() {
    let keys = two_keys();
    let out = render(&batch(keys.clone()), ExportFormat::Json).unwrap();
    assert!(out.expose().contains("\n  \"keys\""), "pretty-printed");
    let v: serde_json::Value = serde_json::from_str(out.expose()).unwrap();
    assert_eq!(v["format"], "mpos-keygen/1");
    assert_eq!(v["environment"], "test");
    assert_eq!(v["providerMode"], "TEST");
    assert_eq!(v["generatedAt"], "2026-11-28T14:30:00Z");
    let got = v["keys"].as_array().unwrap();
    assert_eq!(got.len(), 2);
    for (j, k) in got.iter().zip(&keys) {
        assert_eq!(j.as_object().unwrap().len(), 6, "{j}");
        assert_eq!(
            j["cybersourceMerchantId"],
            k.cybersource_merchant_id.as_str()
        );
        assert_eq!(
            j["merchantId"],
            k.merchant_id.as_str(),
            "merchantId is externalOrganizationId"
        );
        assert_ne!(j["merchantId"], j["cybersourceMerchantId"]);
        assert_eq!(j["merchantSecret"], k.secret.expose().as_str());
        assert_eq!(j["keyId"], k.key_id.as_str());
        assert_eq!(j["status"], "ACTIVE");
        assert_eq!(j["expirationDate"].as_str(), k.expiration_date.as_deref());
    }
    assert_eq!(v["errors"][0]["cybersourceMerchantId"], "bad_mid");
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("INVALID_DATA"));
}

#[test]
fn csv_round_trip_with_a_row_per_failure() {
    let keys = two_keys();
    let out = render(&batch(keys.clone()), ExportFormat::Csv).unwrap();
    assert!(out.expose().starts_with(&format!("{CSV_HEADER}\r\n")));
    let mut r = csv::Reader::from_reader(out.expose().as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header.join(","), CSV_HEADER);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    for (row, k) in rows.iter().zip(&keys) {
        assert_eq!(&row[0], k.cybersource_merchant_id);
        assert_eq!(&row[1], k.merchant_id);
        assert_eq!(&row[2], k.secret.expose());
        assert_eq!(&row[3], k.key_id);
        assert_eq!(&row[4], "ACTIVE");
        assert_eq!(&row[5], k.expiration_date.as_deref().unwrap_or(""));
        assert_eq!(&row[6], "TEST");
        assert_eq!(&row[7], "");
    }
    let fail = &rows[2];
    assert_eq!(&fail[0], "bad_mid");
    assert!(fail.iter().skip(1).take(5).all(str::is_empty));
    assert_eq!(&fail[6], "TEST");
    assert_eq!(
        &fail[7], "Refused: \"INVALID_DATA\", check the MID,\nthen retry",
        "RFC 4180 quoting"
    );
}

#[test]
fn env_holds_exactly_one_key() {
    let k = key(7);
    let mut b = batch(vec![k.clone()]);
    b.provider_mode = ProviderMode::Live;
    let out = render(&b, ExportFormat::Env).unwrap();
    let lines: Vec<&str> = out.expose().lines().collect();
    assert_eq!(
        lines,
        vec![
            "MPOSUI_PROVIDER_MODE=LIVE".to_string(),
            format!("MPOSUI_MERCHANT_ID={}", k.merchant_id),
            format!("MPOSUI_MERCHANT_SECRET={}", k.secret.expose()),
        ]
    );
    for n in [0, 2] {
        let e = render(&batch((0..n).map(key).collect()), ExportFormat::Env).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.to_string().contains("exactly one key"), "{e}");
    }
}

#[test]
fn env_quotes_unusual_values() {
    let mut k = key(1);
    k.merchant_id = "a b\"c$".into();
    let out = render(&batch(vec![k]), ExportFormat::Env).unwrap();
    assert!(
        out.expose()
            .contains("MPOSUI_MERCHANT_ID=\"a b\\\"c\\$\"\n"),
        "{}",
        out.expose()
    );
}

#[test]
fn text_has_a_labelled_line_per_field_and_a_blank_line_between_keys() {
    let keys = two_keys();
    let out = render(&batch(keys.clone()), ExportFormat::Text).unwrap();
    let blocks: Vec<&str> = out.expose().trim_end().split("\n\n").collect();
    assert_eq!(
        blocks.len(),
        4,
        "header, two keys, one failure:\n{}",
        out.expose()
    );
    let fields = |block: &str| -> Vec<(String, String)> {
        block
            .lines()
            .map(|l| {
                let (k, v) = l
                    .split_once(": ")
                    .unwrap_or_else(|| panic!("not `Label: value`: {l}"));
                (k.to_string(), v.to_string())
            })
            .collect()
    };
    let head = fields(blocks[0]);
    assert_eq!(head[0], ("Environment".into(), "test".into()));
    assert_eq!(head[1], ("Provider mode".into(), "TEST".into()));
    for (block, k) in blocks[1..3].iter().zip(&keys) {
        let f = fields(block);
        let get = |label: &str| {
            f.iter()
                .find(|(l, _)| l == label)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(get("Cybersource merchant id"), k.cybersource_merchant_id);
        assert_eq!(get("mposUi merchant id"), k.merchant_id);
        assert_eq!(get("Merchant secret"), *k.secret.expose());
        assert_eq!(get("Key id"), k.key_id);
        assert_eq!(get("Status"), "ACTIVE");
        assert_eq!(
            get("Expiration date"),
            k.expiration_date.clone().unwrap_or("not given".into())
        );
    }
    let fail = fields(blocks[3]);
    assert_eq!(fail[0].1, "bad_mid");
    assert_eq!(
        fail[1],
        (
            "Error".into(),
            "Refused: \"INVALID_DATA\", check the MID, then retry".into()
        )
    );
}

fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn write_export_refuses_to_replace_unless_forced_and_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.json");
    let first = SecretString::new("first".into());
    write_export(&path, &first, false).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "first");
    // Unix: mode 0600; Windows: a protected ACL allowing the current user only.
    assert_private(&path);

    let e = write_export(&path, &SecretString::new("second".into()), false).unwrap_err();
    assert_eq!(e.code(), "export_exists");
    assert!(e.to_string().contains("--force"), "{e}");
    assert_eq!(fs::read_to_string(&path).unwrap(), "first");

    #[cfg(unix)]
    fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    write_export(&path, &SecretString::new("third".into()), true).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "third");
    assert_private(&path);
    assert_eq!(leftovers(dir.path()), vec!["keys.json".to_string()]);
}

#[test]
fn long_paths_and_folders_with_spaces_work() {
    let dir = tempfile::tempdir().unwrap();
    // Past Windows' classic 260-character limit, in folders with spaces.
    let mut folder = dir.path().to_path_buf();
    while folder.as_os_str().len() < 300 {
        folder.push("Merchant exports for the new stores");
    }
    fs::create_dir_all(&folder).unwrap();
    let path = folder.join("keys for Café Zürich.json");
    write_export(&path, &SecretString::new("long".into()), false).unwrap();
    write_export(&path, &SecretString::new("longer".into()), true).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "longer");
    assert_private(&path);
    assert_eq!(
        leftovers(&folder),
        vec!["keys for Café Zürich.json".to_string()]
    );
}

/// Windows only: there a file that another program holds open without sharing (Excel does so with a
/// CSV file) cannot be replaced, where Unix replaces it under the reader's feet.
#[cfg(windows)]
#[test]
fn a_file_held_open_by_another_program_is_not_replaced_and_the_message_says_what_to_close() {
    use std::os::windows::fs::OpenOptionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.csv");
    write_export(&path, &SecretString::new("old".into()), false).unwrap();
    let held = fs::OpenOptions::new()
        .read(true)
        .share_mode(0)
        .open(&path)
        .unwrap();
    let e = write_export(&path, &SecretString::new("new".into()), true).unwrap_err();
    assert_eq!(e.code(), "io_error");
    assert!(e.to_string().contains("another program has it open"), "{e}");
    drop(held);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "old",
        "the old file is intact"
    );
    assert_eq!(
        leftovers(dir.path()),
        vec!["keys.csv".to_string()],
        "no temp file left"
    );
    write_export(&path, &SecretString::new("new".into()), true).unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "new",
        "replaced once it is closed"
    );
}

#[test]
fn write_export_into_a_missing_folder_or_onto_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let e = write_export(
        &dir.path().join("nope/keys.json"),
        &SecretString::new("x".into()),
        false,
    )
    .unwrap_err();
    assert_eq!(e.code(), "io_error");
    assert!(e.to_string().contains("does not exist"), "{e}");
    let e = write_export(dir.path(), &SecretString::new("x".into()), true).unwrap_err();
    assert!(e.to_string().contains("is a folder"), "{e}");
}

#[cfg(unix)]
/// A folder nobody can create files in, even root: chmod first, `chattr +i` when we are root.
struct ReadOnlyDir {
    path: std::path::PathBuf,
    immutable: bool,
    _dir: Option<tempfile::TempDir>,
}

#[cfg(unix)]
impl ReadOnlyDir {
    fn new() -> Self {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o555)).unwrap();
        let mut me = Self {
            path,
            immutable: false,
            _dir: Some(dir),
        };
        if me.writable() {
            // Root ignores permissions; the immutable flag stops root too.
            let ok = std::process::Command::new("chattr")
                .arg("+i")
                .arg(&me.path)
                .status()
                .is_ok_and(|s| s.success());
            me.immutable = ok;
        }
        if me.writable() {
            // Last resort: sysfs refuses new files for everyone.
            me = Self {
                path: std::path::PathBuf::from("/sys/kernel"),
                immutable: false,
                _dir: None,
            };
        }
        assert!(
            !me.writable(),
            "could not make a read-only folder for the test"
        );
        me
    }

    fn writable(&self) -> bool {
        let probe = self.path.join(".probe");
        let ok = fs::write(&probe, b"x").is_ok();
        let _ = fs::remove_file(&probe);
        ok
    }
}

#[cfg(unix)]
impl Drop for ReadOnlyDir {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.immutable {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&self.path)
                .status();
        }
        if self._dir.is_some() {
            let _ = fs::set_permissions(&self.path, fs::Permissions::from_mode(0o755));
        }
    }
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_gives_a_clear_error_and_leaves_nothing() {
    let ro = ReadOnlyDir::new();
    let before = leftovers(&ro.path);
    for force in [false, true] {
        let e = write_export(
            &ro.path.join("keys.json"),
            &SecretString::new("secret".into()),
            force,
        )
        .unwrap_err();
        assert_eq!(e.code(), "io_error");
        let msg = e.to_string();
        assert!(
            msg.contains("permission denied") || msg.contains("read-only"),
            "{msg}"
        );
        assert!(msg.contains("Choose a folder"), "{msg}");
    }
    assert_eq!(leftovers(&ro.path), before, "nothing may be left behind");
}
