//! Device activation codes: what the history records of them (never a code) and their export files.
//!
//! A code is a secret for its 24-hour life, so it is kept nowhere: the history notes how many were made,
//! for whom, when and until when; exports are rendered into a buffer that wipes itself and written with the
//! same atomic, 0600, refuse-to-replace discipline as key exports ([`crate::write_export`]).

use crate::error::StoreError;
use crate::export::csv_row;
use crate::history::{Event, History};
use crate::secret_buf::SecretBuf;
use crate::vault::{of_profile, Vault};
use mpos_kms::SecretString;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The `format` field of JSON code exports.
pub const CODES_JSON_FORMAT_ID: &str = "mpos-keygen-activation/1";
/// The CSV header row of code exports.
pub const CODES_CSV_HEADER: &str = "cybersource_merchant_id,code,expires_at,error";

/// One history line: N codes were made for a merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodesRecord {
    /// The profile that asked.
    pub profile: String,
    /// The environment token, e.g. `test`.
    pub environment: String,
    /// The transacting MID the codes are for.
    pub cybersource_merchant_id: String,
    /// How many codes were made.
    pub count: u32,
    /// When, RFC 3339 UTC.
    pub generated_at: String,
    /// Until when the codes work (the earliest expiry of the batch), RFC 3339 UTC.
    pub expires_at: String,
}

impl Vault {
    /// Appends one history line per merchant that got codes, in one write.
    pub fn record_codes(&self, records: &[CodesRecord]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let history: &History = &self.history;
        let _lock = history.lock()?;
        let events: Vec<Event> = records.iter().cloned().map(Event::CodesMade).collect();
        history.append(&events)
    }

    /// Every record of codes made, newest first (a batch in the order it was asked for), for one profile
    /// (named in any case, as for keys) or all.
    pub fn codes_history(&self, profile: Option<&str>) -> Result<Vec<CodesRecord>, StoreError> {
        let _lock = self.history.lock()?;
        let mut records: Vec<CodesRecord> = self
            .history
            .read()?
            .into_iter()
            .filter_map(|e| match e {
                Event::CodesMade(r) if of_profile(&r.profile, profile) => Some(r),
                _ => None,
            })
            .collect();
        // Stable: the lines of one batch share their time and keep the order they were written in.
        records.sort_by(|a, b| b.generated_at.cmp(&a.generated_at));
        Ok(records)
    }
}

/// A code export's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodesFormat {
    /// Per merchant a heading line, then one code a line: what the Business Center's .txt holds.
    Text,
    /// One row per code and per failed merchant.
    Csv,
    /// `{"format":"mpos-keygen-activation/1", …}`, pretty-printed.
    Json,
}

impl CodesFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            CodesFormat::Text => "txt",
            CodesFormat::Csv => "csv",
            CodesFormat::Json => "json",
        }
    }
}

impl fmt::Display for CodesFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CodesFormat::Text => "text",
            CodesFormat::Csv => "csv",
            CodesFormat::Json => "json",
        })
    }
}

impl FromStr for CodesFormat {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .trim_start_matches('.')
            .to_ascii_lowercase()
            .as_str()
        {
            "text" | "txt" => Ok(CodesFormat::Text),
            "csv" => Ok(CodesFormat::Csv),
            "json" => Ok(CodesFormat::Json),
            _ => Err(StoreError::InvalidInput(format!(
                "\"{s}\" is not a format for activation codes. Use text, csv or json."
            ))),
        }
    }
}

/// One merchant's codes, or why it got none.
#[derive(Debug, Clone)]
pub struct MerchantCodes {
    /// The transacting MID.
    pub cybersource_merchant_id: String,
    /// The merchant's label in the profile, if it has one (text exports show it in the heading).
    pub label: Option<String>,
    /// The codes and their expiry (RFC 3339 UTC), in the order Cybersource sent them.
    pub codes: Vec<(SecretString, String)>,
    /// Why there are no codes, when there are none.
    pub error: Option<String>,
}

/// What one code export holds.
#[derive(Debug, Clone)]
pub struct CodesExport {
    /// The environment token, e.g. `test`.
    pub environment: String,
    /// When the codes were made, RFC 3339 UTC.
    pub generated_at: String,
    /// Every merchant asked for, in order.
    pub merchants: Vec<MerchantCodes>,
}

/// Renders a code export; the result holds codes.
pub fn render_codes(export: &CodesExport, format: CodesFormat) -> Result<SecretString, StoreError> {
    let mut out = SecretBuf::with_capacity(256 + export.merchants.len() * 512);
    match format {
        CodesFormat::Text => render_text(export, &mut out),
        CodesFormat::Csv => render_csv(export, &mut out),
        CodesFormat::Json => render_json(export, &mut out)?,
    }
    out.into_secret()
}

fn render_text(export: &CodesExport, out: &mut SecretBuf) {
    for (i, m) in export.merchants.iter().enumerate() {
        if i > 0 {
            out.push_str("\n");
        }
        out.push_str(&m.cybersource_merchant_id);
        if let Some(label) = m.label.as_deref().filter(|l| !l.trim().is_empty()) {
            out.push_str(" (");
            out.push_str(label.trim());
            out.push_str(")");
        }
        match (&m.error, m.codes.first()) {
            (Some(error), _) => {
                out.push_str(": no codes. ");
                out.push_str(error);
                out.push_str("\n");
            }
            (None, first) => {
                if let Some((_, until)) = first {
                    out.push_str(&format!(
                        ": {} activation code{}, valid until {until}\n",
                        m.codes.len(),
                        if m.codes.len() == 1 { "" } else { "s" }
                    ));
                } else {
                    out.push_str(": no codes\n");
                }
                for (code, _) in &m.codes {
                    out.push_str(code.expose());
                    out.push_str("\n");
                }
            }
        }
    }
}

fn render_csv(export: &CodesExport, out: &mut SecretBuf) {
    out.push_str(CODES_CSV_HEADER);
    out.push_str("\r\n");
    for m in &export.merchants {
        for (code, expires_at) in &m.codes {
            csv_row(
                out,
                &[&m.cybersource_merchant_id, code.expose(), expires_at, ""],
            );
        }
        if let Some(error) = &m.error {
            csv_row(out, &[&m.cybersource_merchant_id, "", "", error]);
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonExport<'a> {
    format: &'static str,
    environment: &'a str,
    generated_at: &'a str,
    codes: Vec<JsonCode<'a>>,
    errors: Vec<JsonError<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonCode<'a> {
    cybersource_merchant_id: &'a str,
    code: &'a str,
    expires_at: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonError<'a> {
    cybersource_merchant_id: &'a str,
    message: &'a str,
}

fn render_json(export: &CodesExport, out: &mut SecretBuf) -> Result<(), StoreError> {
    let doc = JsonExport {
        format: CODES_JSON_FORMAT_ID,
        environment: &export.environment,
        generated_at: &export.generated_at,
        codes: export
            .merchants
            .iter()
            .flat_map(|m| {
                m.codes.iter().map(|(code, expires_at)| JsonCode {
                    cybersource_merchant_id: &m.cybersource_merchant_id,
                    code: code.expose(),
                    expires_at,
                })
            })
            .collect(),
        errors: export
            .merchants
            .iter()
            .filter_map(|m| {
                m.error.as_deref().map(|message| JsonError {
                    cybersource_merchant_id: &m.cybersource_merchant_id,
                    message,
                })
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(|e| {
        StoreError::InvalidInput(format!("The codes could not be rendered as JSON ({e})."))
    })?;
    out.push_str("\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::Paths;
    use crate::MemoryStore;
    use std::sync::Arc;

    fn sample() -> CodesExport {
        let code = |c: &str| {
            (
                SecretString::new(c.into()),
                "2026-12-03T11:00:00Z".to_string(),
            )
        };
        CodesExport {
            environment: "test".into(),
            generated_at: "2026-12-02T11:00:00Z".into(),
            merchants: vec![
                MerchantCodes {
                    cybersource_merchant_id: "shop_a".into(),
                    label: Some("Shop, \"A\"".into()),
                    codes: vec![code("%N5wU2jH"), code("a,b\"c")],
                    error: None,
                },
                MerchantCodes {
                    cybersource_merchant_id: "unknown_x".into(),
                    label: None,
                    codes: vec![],
                    error: Some("Cybersource refused the request (HTTP 403).".into()),
                },
            ],
        }
    }

    #[test]
    fn text_is_a_heading_then_one_code_a_line() {
        let text = render_codes(&sample(), CodesFormat::Text).unwrap();
        assert_eq!(
            text.expose(),
            "shop_a (Shop, \"A\"): 2 activation codes, valid until 2026-12-03T11:00:00Z\n%N5wU2jH\na,b\"c\n\n\
             unknown_x: no codes. Cybersource refused the request (HTTP 403).\n"
        );
    }

    #[test]
    fn csv_quotes_per_rfc_4180() {
        let csv = render_codes(&sample(), CodesFormat::Csv).unwrap();
        assert_eq!(
            csv.expose(),
            "cybersource_merchant_id,code,expires_at,error\r\n\
             shop_a,%N5wU2jH,2026-12-03T11:00:00Z,\r\n\
             shop_a,\"a,b\"\"c\",2026-12-03T11:00:00Z,\r\n\
             unknown_x,,,Cybersource refused the request (HTTP 403).\r\n"
        );
    }

    #[test]
    fn json_has_the_contracts_shape() {
        let json = render_codes(&sample(), CodesFormat::Json).unwrap();
        let v: serde_json::Value = serde_json::from_str(json.expose()).unwrap();
        assert_eq!(v["format"], "mpos-keygen-activation/1");
        assert_eq!(v["environment"], "test");
        assert_eq!(v["generatedAt"], "2026-12-02T11:00:00Z");
        assert_eq!(v["codes"].as_array().unwrap().len(), 2);
        assert_eq!(v["codes"][0]["cybersourceMerchantId"], "shop_a");
        assert_eq!(v["codes"][0]["code"], "%N5wU2jH");
        assert_eq!(v["codes"][0]["expiresAt"], "2026-12-03T11:00:00Z");
        assert_eq!(v["errors"][0]["cybersourceMerchantId"], "unknown_x");
        assert!(v["errors"][0]["message"].as_str().unwrap().contains("403"));
    }

    #[test]
    fn formats_parse_as_users_type_them() {
        assert_eq!("TXT".parse::<CodesFormat>().unwrap(), CodesFormat::Text);
        assert_eq!(".csv".parse::<CodesFormat>().unwrap(), CodesFormat::Csv);
        assert!("env".parse::<CodesFormat>().is_err());
    }

    #[test]
    fn the_history_records_counts_and_times_but_no_code() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::at(dir.path());
        let vault = Vault::new(&paths, Arc::new(MemoryStore::default()));
        let record = CodesRecord {
            profile: "Shop".into(),
            environment: "test".into(),
            cybersource_merchant_id: "shop_a".into(),
            count: 3,
            generated_at: "2026-12-02T11:00:00Z".into(),
            expires_at: "2026-12-03T11:00:00Z".into(),
        };
        vault.record_codes(std::slice::from_ref(&record)).unwrap();
        assert_eq!(
            vault.codes_history(Some("Shop")).unwrap(),
            vec![record.clone()]
        );
        assert_eq!(vault.codes_history(Some("shop")).unwrap(), vec![record]);
        assert!(vault.codes_history(Some("Other")).unwrap().is_empty());
        // Key history is untouched by code lines.
        assert!(vault.list(None).unwrap().is_empty());
        let line = std::fs::read_to_string(vault.history_path()).unwrap();
        assert!(
            line.starts_with(r#"{"event":"codesMade","profile":"Shop""#),
            "{line}"
        );
    }

    #[test]
    fn codes_are_listed_newest_first_and_a_batch_in_its_order() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::new(&Paths::at(dir.path()), Arc::new(MemoryStore::default()));
        let at = |mid: &str, time: &str| CodesRecord {
            profile: "Shop".into(),
            environment: "test".into(),
            cybersource_merchant_id: mid.into(),
            count: 1,
            generated_at: time.into(),
            expires_at: "2026-12-04T00:00:00Z".into(),
        };
        vault
            .record_codes(&[at("first", "2026-12-02T09:00:00Z")])
            .unwrap();
        vault
            .record_codes(&[
                at("b1", "2026-12-02T11:00:00Z"),
                at("b2", "2026-12-02T11:00:00Z"),
            ])
            .unwrap();
        vault
            .record_codes(&[at("second", "2026-12-02T10:00:00Z")])
            .unwrap();
        let order: Vec<String> = vault
            .codes_history(None)
            .unwrap()
            .into_iter()
            .map(|r| r.cybersource_merchant_id)
            .collect();
        assert_eq!(order, ["b1", "b2", "second", "first"]);
    }
}
