//! Reading merchant lists from CSV (`mid,label`), reporting every bad line by its number.
//!
//! Accepted: UTF-8 with or without BOM, `,` or `;` as separator (detected, or an Excel `sep=` line),
//! RFC 4180 quoting, an optional header row, blank lines, rows without a label.

use crate::merchants::clean_merchant;
use crate::profiles::Merchant;
use std::collections::HashMap;

/// The most merchant rows one file may hold.
pub const MAX_CSV_ROWS: usize = 10_000;
/// The largest file accepted, in bytes (5 MB).
pub const MAX_CSV_BYTES: usize = 5 * 1024 * 1024;

/// The result of reading a CSV file: the good merchants and a problem per bad line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvImport {
    /// Good rows, in file order, without duplicates.
    pub merchants: Vec<Merchant>,
    /// One entry per bad line; line 0 means the whole file was refused (too big, wrong encoding).
    pub errors: Vec<CsvLineError>,
}

/// A problem with one line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvLineError {
    /// 1-based line number in the file; 0 for the file as a whole.
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

impl CsvImport {
    /// True when the whole file was refused, so not even its good lines can be imported.
    pub fn file_refused(&self) -> bool {
        self.errors.iter().any(|e| e.line == 0)
    }

    fn refuse(message: String) -> Self {
        Self {
            merchants: Vec::new(),
            errors: vec![CsvLineError { line: 0, message }],
        }
    }
}

/// Parses a merchant list; never fails as a whole, bad lines are listed in `errors`.
pub fn parse_merchants_csv(bytes: &[u8]) -> CsvImport {
    if bytes.len() > MAX_CSV_BYTES {
        return CsvImport::refuse(format!(
            "The file is {:.1} MB; at most 5 MB can be imported. Split it into smaller files.",
            bytes.len() as f64 / (1024.0 * 1024.0)
        ));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return CsvImport::refuse(
            "The file is saved as UTF-16. Save it again as \"CSV UTF-8\" and import that file."
                .into(),
        );
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (delimiter, skip_first_line) = detect_delimiter(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut out = CsvImport::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut first_row = true;
    let mut rows = 0usize;
    let mut record = csv::ByteRecord::new();
    // csv's own line counter skips blank lines; users need the line their editor shows.
    let newlines: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .map(|(i, _)| i)
        .collect();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = line_of(
                    bytes,
                    &newlines,
                    e.position().map_or(0, |p| p.byte() as usize),
                );
                out.errors.push(CsvLineError {
                    line: line.max(1),
                    message: format!("Line {} could not be read as CSV ({e}).", line.max(1)),
                });
                break;
            }
        }
        let line = line_of(
            bytes,
            &newlines,
            record.position().map_or(0, |p| p.byte() as usize),
        );
        if skip_first_line && line == 1 {
            continue;
        }
        let mut fields = Vec::with_capacity(record.len());
        let mut utf8 = true;
        for raw in record.iter() {
            match std::str::from_utf8(raw) {
                Ok(s) => fields.push(s.trim()),
                Err(_) => utf8 = false,
            }
        }
        let bad = |message: String| CsvLineError {
            line,
            message: format!("Line {line}: {message}"),
        };
        if !utf8 {
            out.errors.push(bad(
                "it is not UTF-8 text. Save the file as \"CSV UTF-8\".".into()
            ));
            first_row = false;
            continue;
        }
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        if std::mem::take(&mut first_row) && is_header(&fields) {
            continue;
        }
        rows += 1;
        if rows > MAX_CSV_ROWS {
            return CsvImport::refuse(format!(
                "The file has more than {MAX_CSV_ROWS} merchants (line {line} is the first one over). Split \
                 it into smaller files."
            ));
        }
        let used = fields
            .iter()
            .rposition(|f| !f.is_empty())
            .map_or(0, |i| i + 1);
        if used > 2 {
            out.errors.push(bad(format!(
                "it has {used} columns; expected mid,label. Put a label that contains the separator in double \
                 quotes."
            )));
            continue;
        }
        let label = fields.get(1).copied().unwrap_or("");
        let merchant = match clean_merchant(fields[0], label) {
            Ok(m) => m,
            Err(why) => {
                out.errors.push(bad(why));
                continue;
            }
        };
        // MIDs compare ignoring case, so the lowercase form is the key.
        let key = merchant.mid.to_ascii_lowercase();
        if let Some(earlier) = seen.get(&key) {
            out.errors.push(bad(format!(
                "merchant {} already appears on line {earlier}.",
                merchant.mid
            )));
            continue;
        }
        seen.insert(key, line);
        out.merchants.push(merchant);
    }
    out
}

/// The 1-based line of the record starting at byte `start` (blank lines before it do not count).
fn line_of(bytes: &[u8], newlines: &[usize], start: usize) -> usize {
    let skipped = bytes.get(start..).map_or(0, |rest| {
        rest.iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count()
    });
    newlines.partition_point(|&n| n < start + skipped) + 1
}

/// `;` when the first non-blank line has more semicolons than commas outside quotes, else `,`.
/// An Excel `sep=;` first line decides instead, and is skipped.
fn detect_delimiter(bytes: &[u8]) -> (u8, bool) {
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let trimmed = first_line.strip_suffix(b"\r").unwrap_or(first_line);
    if let Some([d @ (b',' | b';')]) = trimmed.strip_prefix(b"sep=") {
        return (*d, true);
    }
    let line = bytes
        .split(|&b| b == b'\n')
        .find(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
        .unwrap_or(&[]);
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    (if semicolons > commas { b';' } else { b',' }, false)
}

/// A first row like `mid,label` or `Merchant ID;Name` is a header, not a merchant.
fn is_header(fields: &[&str]) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase()
    };
    let first = norm(fields[0]);
    let known_first = [
        "mid",
        "merchantid",
        "merchant",
        "cybersourcemerchantid",
        "cybersourcemid",
        "transactingmid",
        "organizationid",
        "orgid",
    ];
    if known_first.contains(&first.as_str()) {
        return true;
    }
    let second = fields.get(1).map(|s| norm(s)).unwrap_or_default();
    let known_second = ["label", "name", "merchantname", "description"];
    known_second.contains(&second.as_str()) && mpos_kms::mid_problem(fields[0]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_detection() {
        assert_eq!(detect_delimiter(b"a;b\n"), (b';', false));
        assert_eq!(detect_delimiter(b"a,\"x;y;z\"\n"), (b',', false));
        assert_eq!(detect_delimiter(b"\n\n a;b"), (b';', false));
        assert_eq!(detect_delimiter(b"sep=;\r\na,b"), (b';', true));
    }

    #[test]
    fn header_detection() {
        assert!(is_header(&["mid", "label"]));
        assert!(is_header(&["Merchant ID", "Name"]));
        assert!(is_header(&["MID"]));
        assert!(is_header(&["Händler-Nr.", "Label"]));
        assert!(!is_header(&["acme_1", "label"]));
    }
}
