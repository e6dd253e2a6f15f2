//! CSV merchant import: formats accepted, every kind of bad line with its number, limits.

use mpos_store::csv_import::{parse_merchants_csv, MAX_CSV_BYTES, MAX_CSV_ROWS};
use mpos_store::{AuthMethod, ImportSummary, Merchant, Profile};

fn m(mid: &str, label: &str) -> Merchant {
    Merchant {
        mid: mid.into(),
        label: label.into(),
    }
}

fn lines_of(import: &mpos_store::CsvImport) -> Vec<usize> {
    import.errors.iter().map(|e| e.line).collect()
}

#[test]
fn a_good_file_with_header_crlf_and_blank_lines() {
    let csv = b"mid,label\r\nacme_1,Main store\r\n\r\nacme_2\r\n  acme_3 , Kiosk  \r\n";
    let r = parse_merchants_csv(csv);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(
        r.merchants,
        vec![
            m("acme_1", "Main store"),
            m("acme_2", "acme_2"),
            m("acme_3", "Kiosk")
        ]
    );
}

#[test]
fn no_header_and_other_header_words() {
    assert_eq!(
        parse_merchants_csv(b"acme_1,One\n").merchants,
        vec![m("acme_1", "One")]
    );
    let r = parse_merchants_csv(b"Merchant ID;Name\nacme_1;One\n");
    assert_eq!(r.merchants, vec![m("acme_1", "One")]);
    assert!(r.errors.is_empty());
}

#[test]
fn utf8_bom_is_accepted() {
    let r = parse_merchants_csv("\u{FEFF}mid,label\nacme_1,Café Müller\n".as_bytes());
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.merchants, vec![m("acme_1", "Café Müller")]);
}

#[test]
fn semicolons_are_detected() {
    let r = parse_merchants_csv(
        "mid;label\nacme_1;Store, Berlin\nacme_2;\"Kiosk; Station\"\n".as_bytes(),
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(
        r.merchants,
        vec![m("acme_1", "Store, Berlin"), m("acme_2", "Kiosk; Station")]
    );
    let r = parse_merchants_csv(b"sep=;\nacme_1;One\n");
    assert_eq!(r.merchants, vec![m("acme_1", "One")]);
}

#[test]
fn quoted_labels_with_commas_and_quotes() {
    let r = parse_merchants_csv(
        b"acme_1,\"Store, Berlin\"\nacme_2,\"The \"\"Best\"\" Shop\"\n\"acme_3\",\"\"\n",
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(
        r.merchants,
        vec![
            m("acme_1", "Store, Berlin"),
            m("acme_2", "The \"Best\" Shop"),
            m("acme_3", "acme_3")
        ]
    );
}

#[test]
fn every_kind_of_bad_line_is_reported_with_its_number() {
    let mut csv = Vec::new();
    csv.extend_from_slice(b"mid,label\n"); // 1
    csv.extend_from_slice(b"acme_1,Good\n"); // 2
    csv.extend_from_slice(b"bad mid,Space\n"); // 3
    csv.extend_from_slice(b"acme_4,Label,extra\n"); // 4
    csv.extend_from_slice(b"acme_5,Caf\xE9\n"); // 5: Latin-1, not UTF-8
    csv.extend_from_slice(b"\n"); // 6: blank
    csv.extend_from_slice(b"ACME_1,Again\n"); // 7: duplicate of line 2
    csv.extend_from_slice(format!("acme_8,{}\n", "x".repeat(81)).as_bytes()); // 8
    csv.extend_from_slice(format!("{},Long\n", "m".repeat(31)).as_bytes()); // 9
    csv.extend_from_slice(b"acme_10,\"Two\nlines\"\n"); // 10-11: line break in label
    csv.extend_from_slice(b"acme_12,Trailing,,\n"); // 12: empty extra fields are fine
    let r = parse_merchants_csv(&csv);
    assert_eq!(lines_of(&r), vec![3, 4, 5, 7, 8, 9, 10], "{:#?}", r.errors);
    let msg = |line: usize| {
        r.errors
            .iter()
            .find(|e| e.line == line)
            .unwrap()
            .message
            .clone()
    };
    assert!(
        msg(3).starts_with("Line 3:") && msg(3).contains("a space"),
        "{}",
        msg(3)
    );
    assert!(msg(4).contains("3 columns"), "{}", msg(4));
    assert!(msg(5).contains("UTF-8"), "{}", msg(5));
    assert!(msg(7).contains("already appears on line 2"), "{}", msg(7));
    assert!(msg(8).contains("at most 80"), "{}", msg(8));
    assert!(msg(9).contains("at most 30"), "{}", msg(9));
    assert!(msg(10).contains("line break"), "{}", msg(10));
    assert_eq!(
        r.merchants,
        vec![m("acme_1", "Good"), m("acme_12", "Trailing")]
    );
    assert!(!r.file_refused());
}

#[test]
fn all_or_nothing_unless_only_good() {
    let r = parse_merchants_csv(b"acme_1,One\nbad-mid,Two\nacme_3,Three\n");
    let mut p = Profile::new(
        "Shop",
        "test",
        AuthMethod::SharedSecret {
            key_id: String::new(),
        },
    );
    let e = p.import_merchants(&r, false).unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(e.to_string().contains("line 2"), "{e}");
    assert!(p.merchants.is_empty());
    let s = p.import_merchants(&r, true).unwrap();
    assert_eq!(
        s,
        ImportSummary {
            added: 2,
            already_present: 0,
            bad_lines: 1
        }
    );
    let again = p
        .import_merchants(&parse_merchants_csv(b"acme_1,New label\n"), false)
        .unwrap();
    assert_eq!(again.already_present, 1);
    assert_eq!(p.merchant("acme_1").unwrap().label, "One");
}

#[test]
fn row_limit() {
    let mut csv = String::from("mid,label\n");
    for i in 0..MAX_CSV_ROWS {
        csv.push_str(&format!("m{i},Shop {i}\n"));
    }
    let r = parse_merchants_csv(csv.as_bytes());
    assert!(r.errors.is_empty());
    assert_eq!(r.merchants.len(), MAX_CSV_ROWS);
    csv.push_str("one_more,Too many\n");
    let r = parse_merchants_csv(csv.as_bytes());
    assert!(r.file_refused() && r.merchants.is_empty());
    assert!(
        r.errors[0].message.contains("more than 10000"),
        "{}",
        r.errors[0].message
    );
    let mut p = Profile::new(
        "Shop",
        "test",
        AuthMethod::SharedSecret {
            key_id: String::new(),
        },
    );
    assert!(
        p.import_merchants(&r, true).is_err(),
        "a refused file imports nothing even with only_good"
    );
}

#[test]
fn size_limit_and_utf16() {
    let big = vec![b'a'; MAX_CSV_BYTES + 1];
    let r = parse_merchants_csv(&big);
    assert!(r.file_refused());
    assert!(
        r.errors[0].message.contains("at most 5 MB"),
        "{}",
        r.errors[0].message
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("m,l".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let r = parse_merchants_csv(&utf16);
    assert!(r.file_refused() && r.errors[0].message.contains("UTF-16"));
}

#[test]
fn empty_input_is_empty_not_an_error() {
    let r = parse_merchants_csv(b"");
    assert!(r.merchants.is_empty() && r.errors.is_empty());
    let r = parse_merchants_csv(b"mid,label\n\n\n");
    assert!(r.merchants.is_empty() && r.errors.is_empty());
}
