//! The merchant CSV importer (`mpos_store::parse_merchants_csv`) on arbitrary bytes.
//!
//! Checked besides "no panic": whatever the file, only valid, distinct MIDs with clean labels come out,
//! a refused file yields no merchant, and every error names a line that exists in the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mpos_kms::is_valid_mid;
use mpos_store::csv_import::{parse_merchants_csv, MAX_CSV_ROWS};
use mpos_store::merchants::MAX_LABEL;
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    let import = parse_merchants_csv(data);

    if import.file_refused() {
        assert!(
            import.merchants.is_empty(),
            "a refused file imports nothing"
        );
    }
    assert!(import.merchants.len() <= MAX_CSV_ROWS);
    let mut mids = HashSet::new();
    for m in &import.merchants {
        assert!(is_valid_mid(&m.mid), "invalid MID imported: {:?}", m.mid);
        assert!(
            mids.insert(m.mid.to_ascii_lowercase()),
            "duplicate MID imported: {:?}",
            m.mid
        );
        assert!(!m.label.is_empty(), "an empty label becomes the MID");
        assert_eq!(m.label, m.label.trim(), "labels are trimmed");
        assert!(m.label.chars().count() <= MAX_LABEL);
        assert!(
            !m.label.chars().any(|c| c.is_control()),
            "label with a control character: {:?}",
            m.label
        );
    }
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    for e in &import.errors {
        assert!(
            e.line <= lines,
            "error on line {} of {lines}: {}",
            e.line,
            e.message
        );
        assert!(!e.message.is_empty());
    }
});
