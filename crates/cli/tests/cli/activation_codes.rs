//! `activation-codes` against the emulator: 1, 15 and 16 codes, several merchants with one refused, the
//! faults, `--out` discipline, and a scan that no code is left in any file but the export.

use crate::harness::{assert_code, stderr, stdout, Home, Kms, SECRET};
use mpos_emulator::Fault;
use serde_json::Value;
use std::process::Output;

fn codes(home: &Home, args: &[&str]) -> Output {
    home.cmd()
        .arg("activation-codes")
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn one_code_by_default_as_the_business_centers_text() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("codes-one", &kms, SECRET);
    let o = codes(&home, &["store_a"]);
    assert_code(&o, 0);
    let made = kms.codes_issued();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].organization_id, "store_a");
    assert_eq!(made[0].codes.len(), 1);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("store_a: 1 activation code, valid until "),
        "{text}"
    );
    assert_eq!(lines[1], made[0].codes[0]);
    assert!(
        stderr(&o).contains("Wrote 1 activation code for 1 merchant"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn fifteen_codes_as_json_with_their_expiry() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("codes-15", &kms, SECRET);
    let o = codes(&home, &["store_b", "--count", "15", "--format", "json"]);
    assert_code(&o, 0);
    let doc: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(doc["format"], "mpos-keygen-activation/1");
    assert_eq!(doc["environment"], kms.url());
    assert_eq!(doc["errors"].as_array().map(Vec::len), Some(0));
    let list = doc["codes"].as_array().expect("codes");
    let made = &kms.codes_issued()[0].codes;
    assert_eq!(list.len(), 15);
    let generated = time::OffsetDateTime::parse(
        doc["generatedAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    for (entry, code) in list.iter().zip(made) {
        assert_eq!(entry["cybersourceMerchantId"], "store_b");
        assert_eq!(entry["code"].as_str(), Some(code.as_str()));
        let expires = time::OffsetDateTime::parse(
            entry["expiresAt"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let valid = expires - generated;
        assert!(
            valid > time::Duration::hours(23) && valid <= time::Duration::hours(24),
            "{valid}"
        );
    }
}

#[test]
fn sixteen_codes_are_refused_before_any_request() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("codes-16", &kms, SECRET);
    let before = home.snapshot();
    let requests = kms.requests();
    for count in ["16", "0"] {
        let o = codes(&home, &["store_c", "--count", count]);
        assert_code(&o, 2);
        assert!(stdout(&o).is_empty());
    }
    let o = codes(&home, &["store_c", "--count", "16"]);
    assert!(stderr(&o).contains("At most 15"), "{}", stderr(&o));
    assert_eq!(kms.requests(), requests, "nothing was sent");
    assert_eq!(home.snapshot(), before, "nothing was written");
}

#[test]
fn several_merchants_with_one_refused_still_write_the_others() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("codes-many", &kms, SECRET);
    let o = codes(
        &home,
        &[
            "store_d",
            "unknown_shop",
            "store_e",
            "--count",
            "2",
            "--format",
            "csv",
        ],
    );
    assert_code(&o, 1);
    let text = stdout(&o);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader
            .headers()
            .unwrap()
            .iter()
            .collect::<Vec<_>>()
            .join(","),
        "cybersource_merchant_id,code,expires_at,error"
    );
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 5, "{text}");
    let made = kms.codes_issued();
    let for_mid = |mid: &str| {
        made.iter()
            .find(|m| m.organization_id == mid)
            .unwrap()
            .codes
            .clone()
    };
    let expected = [
        ("store_d", for_mid("store_d")[0].clone()),
        ("store_d", for_mid("store_d")[1].clone()),
        ("store_e", for_mid("store_e")[0].clone()),
        ("store_e", for_mid("store_e")[1].clone()),
    ];
    let good: Vec<_> = rows.iter().filter(|r| r[3].is_empty()).collect();
    assert_eq!(good.len(), 4);
    for (row, (mid, code)) in good.iter().zip(expected) {
        assert_eq!(&row[0], mid);
        assert_eq!(&row[1], code);
    }
    let refused = rows
        .iter()
        .find(|r| &r[0] == "unknown_shop")
        .expect("a row for the refused merchant");
    assert!(refused[3].contains("403"), "{:?}", refused);
    assert!(
        stderr(&o).contains("1 of 3 merchants got no activation codes"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn all_merchants_of_the_profile_with_their_labels() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("codes-all", &kms, SECRET);
    for (mid, label) in [("shop_x", "Shop X, Berlin"), ("shop_y", "Shop Y")] {
        home.cmd()
            .args([
                "merchant",
                "add",
                mid,
                "--label",
                label,
                "--profile",
                "codes-all",
            ])
            .assert()
            .success();
    }
    let o = codes(&home, &["--all", "--count", "3"]);
    assert_code(&o, 0);
    let text = stdout(&o);
    assert!(
        text.contains("shop_x (Shop X, Berlin): 3 activation codes"),
        "{text}"
    );
    assert!(
        text.contains("shop_y (Shop Y): 3 activation codes"),
        "{text}"
    );
    for batch in kms.codes_issued() {
        for code in &batch.codes {
            assert!(
                text.lines().any(|l| l == code),
                "{code} missing from {text}"
            );
        }
    }
}

#[test]
fn out_is_atomic_private_and_never_replaced_without_force() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("codes-out", &kms, SECRET);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("codes.txt");
    let out_arg = out.to_string_lossy().into_owned();
    let o = codes(&home, &["store_f", "--count", "2", "--out", &out_arg]);
    assert_code(&o, 0);
    assert!(stdout(&o).is_empty(), "codes go to the file only");
    let first = std::fs::read_to_string(&out).unwrap();
    assert!(first.contains(&kms.codes_issued()[0].codes[1]));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    let requests = kms.requests();
    let o = codes(&home, &["store_f", "--out", &out_arg]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(kms.requests(), requests, "refused before any request");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), first);

    let o = codes(&home, &["store_f", "--out", &out_arg, "--force"]);
    assert_code(&o, 0);
    let second = std::fs::read_to_string(&out).unwrap();
    assert!(second.contains(&kms.codes_issued()[1].codes[0]));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
}

#[test]
fn a_401_a_5xx_and_a_cut_off_answer_write_nothing_and_say_why() {
    for (fault, exit, says) in [
        (Fault::AlwaysUnauthorized, 3, "HTTP 401"),
        (Fault::ServerErrorOnce, 4, "HTTP 502"),
        (Fault::CutOffBody, 4, "cut off"),
    ] {
        let kms = Kms::with_fault(fault.clone());
        let home = Home::new();
        home.add_profile("codes-fault", &kms, SECRET);
        let o = codes(&home, &["store_g", "--count", "3"]);
        assert_code(&o, exit);
        assert!(stdout(&o).is_empty(), "{fault:?}: {}", stdout(&o));
        assert!(stderr(&o).contains(says), "{fault:?}: {}", stderr(&o));
        for batch in kms.codes_issued() {
            for code in &batch.codes {
                assert!(
                    !stderr(&o).contains(code.as_str()),
                    "{fault:?}: a code in stderr"
                );
            }
        }
    }
}

#[test]
fn no_code_is_left_in_the_log_history_or_config() {
    let kms = Kms::start();
    let home = Home::new();
    home.add_profile("codes-scan", &kms, SECRET);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("codes.json");
    let out_arg = out.to_string_lossy().into_owned();
    let runs = [
        codes(
            &home,
            &[
                "--verbose",
                "scan_a",
                "scan_b",
                "--count",
                "15",
                "--format",
                "json",
                "--out",
                &out_arg,
            ],
        ),
        codes(
            &home,
            &[
                "--verbose",
                "scan_c",
                "unknown_scan",
                "--count",
                "4",
                "--format",
                "csv",
            ],
        ),
    ];
    assert_code(&runs[0], 0);
    assert_code(&runs[1], 1);
    let made: Vec<String> = kms
        .codes_issued()
        .into_iter()
        .flat_map(|b| b.codes)
        .collect();
    assert_eq!(made.len(), 34);
    assert!(home.file_count() > 0, "the scan has files to search");
    let export = std::fs::read_to_string(&out).unwrap();
    for code in &made {
        assert!(
            home.files_containing(code).is_empty(),
            "a code was kept in {:?}",
            home.files_containing(code)
        );
        for run in &runs {
            assert!(
                !stderr(run).contains(code.as_str()),
                "a code in the log (stderr --verbose)"
            );
        }
    }
    assert_eq!(
        made[..30]
            .iter()
            .filter(|c| export.contains(c.as_str()))
            .count(),
        30
    );
    // The history notes what was made, for whom and until when.
    let history = home.files_containing("\"codesMade\"");
    assert_eq!(history.len(), 1, "{history:?}");
    let text = std::fs::read_to_string(&history[0]).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &Value| v["event"] == "codesMade")
        .collect();
    let counts: Vec<(String, u64)> = lines
        .iter()
        .map(|l| {
            (
                l["cybersourceMerchantId"].as_str().unwrap().to_owned(),
                l["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("scan_a".to_owned(), 15),
            ("scan_b".to_owned(), 15),
            ("scan_c".to_owned(), 4)
        ]
    );
    for l in &lines {
        assert_eq!(l["profile"], "codes-scan");
        assert!(l["expiresAt"].as_str().unwrap() > l["generatedAt"].as_str().unwrap());
    }

    // `history` shows them too, newest first, after the note that no key is kept; never a code.
    let shown = home.cmd().args(["history"]).output().unwrap();
    assert_code(&shown, 0);
    assert!(stderr(&shown).contains("No generated keys are kept."));
    let table = stdout(&shown);
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip_while(|l| !l.starts_with("MADE"))
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    // Both runs may fall in one second (the times have seconds): then the file's order stays.
    assert!(rows.windows(2).all(|w| w[0][0] >= w[1][0]), "{table}");
    let mut shown_counts: Vec<(&str, &str)> = rows.iter().map(|r| (r[1], r[2])).collect();
    shown_counts.sort();
    assert_eq!(
        shown_counts,
        [("scan_a", "15"), ("scan_b", "15"), ("scan_c", "4")],
        "{table}"
    );
    assert!(made.iter().all(|c| !table.contains(c.as_str())));

    // The profile may be named in any case, as for keys.
    let cased = home
        .cmd()
        .args(["history", "--profile", "CODES-SCAN"])
        .output()
        .unwrap();
    assert_code(&cased, 0);
    assert_eq!(stdout(&cased), table);
}
