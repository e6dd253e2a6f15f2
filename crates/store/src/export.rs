//! Export files, one writer for the app and the CLI: JSON, CSV, .env and text, as product.md fixes them.
//!
//! Rendered output holds secrets, so it is built in a buffer that wipes itself and returned as a
//! `SecretString`; files are written atomically with mode 0600 and never replace a file unless asked.

use crate::atomic;
use crate::error::StoreError;
use crate::secret_buf::SecretBuf;
use mpos_kms::{IssuedKey, ProviderMode, SecretString};
use serde::Serialize;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// The `format` field of JSON exports.
pub const JSON_FORMAT_ID: &str = "mpos-keygen/1";
/// The CSV header row.
pub const CSV_HEADER: &str =
    "cybersource_merchant_id,merchant_id,merchant_secret,key_id,status,expiration_date,provider_mode,error";

/// An export file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// `{"format":"mpos-keygen/1", …}`, pretty-printed.
    Json,
    /// One row per key and per failure, RFC 4180 quoting.
    Csv,
    /// `MPOSUI_*=` lines for exactly one key.
    Env,
    /// `Label: value` lines for people.
    Text,
}

impl ExportFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
            ExportFormat::Env => "env",
            ExportFormat::Text => "txt",
        }
    }

    /// The format's name as users type it.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
            ExportFormat::Env => "env",
            ExportFormat::Text => "text",
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExportFormat {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .trim_start_matches('.')
            .to_ascii_lowercase()
            .as_str()
        {
            "json" => Ok(ExportFormat::Json),
            "csv" => Ok(ExportFormat::Csv),
            "env" | "dotenv" => Ok(ExportFormat::Env),
            "text" | "txt" => Ok(ExportFormat::Text),
            _ => Err(StoreError::InvalidInput(format!(
                "\"{s}\" is not an export format. Use json, csv, env or text."
            ))),
        }
    }
}

/// What one export holds.
#[derive(Debug, Clone)]
pub struct ExportBatch {
    /// The environment token, e.g. `test`.
    pub environment: String,
    /// TEST or LIVE.
    pub provider_mode: ProviderMode,
    /// When the keys were generated, RFC 3339 UTC.
    pub generated_at: String,
    /// The keys, with their secrets.
    pub keys: Vec<IssuedKey>,
    /// Merchants that got no key.
    pub errors: Vec<ExportFailure>,
}

/// A merchant that got no key, as exports list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportFailure {
    /// The MID asked for.
    pub cybersource_merchant_id: String,
    /// Why it got no key.
    pub message: String,
}

/// Renders a batch; the result holds secrets.
pub fn render(batch: &ExportBatch, format: ExportFormat) -> Result<SecretString, StoreError> {
    let estimate = 512
        + batch.keys.len() * 600
        + batch
            .errors
            .iter()
            .map(|e| 80 + e.message.len() * 2)
            .sum::<usize>();
    let mut out = SecretBuf::with_capacity(estimate);
    match format {
        ExportFormat::Json => render_json(batch, &mut out)?,
        ExportFormat::Csv => render_csv(batch, &mut out),
        ExportFormat::Env => render_env(batch, &mut out)?,
        ExportFormat::Text => render_text(batch, &mut out),
    }
    out.into_secret()
}

/// Writes rendered output to `path`: atomic, mode 0600, and an existing file is only replaced with
/// `force`. On any error no partial file is left behind.
pub fn write_export(path: &Path, content: &SecretString, force: bool) -> Result<(), StoreError> {
    if path.is_dir() {
        return Err(StoreError::InvalidInput(format!(
            "{} is a folder. Give a file name, e.g. {}.",
            path.display(),
            path.join("keys.json").display()
        )));
    }
    atomic::write_new(path, content.expose().as_bytes(), force)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonExport<'a> {
    format: &'static str,
    environment: &'a str,
    provider_mode: ProviderMode,
    generated_at: &'a str,
    keys: Vec<JsonKey<'a>>,
    errors: &'a [ExportFailure],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonKey<'a> {
    cybersource_merchant_id: &'a str,
    merchant_id: &'a str,
    merchant_secret: &'a str,
    key_id: &'a str,
    status: &'a str,
    expiration_date: Option<&'a str>,
}

fn render_json(batch: &ExportBatch, out: &mut SecretBuf) -> Result<(), StoreError> {
    let doc = JsonExport {
        format: JSON_FORMAT_ID,
        environment: &batch.environment,
        provider_mode: batch.provider_mode,
        generated_at: &batch.generated_at,
        keys: batch
            .keys
            .iter()
            .map(|k| JsonKey {
                cybersource_merchant_id: &k.cybersource_merchant_id,
                merchant_id: &k.merchant_id,
                merchant_secret: k.secret.expose(),
                key_id: &k.key_id,
                status: &k.status,
                expiration_date: k.expiration_date.as_deref(),
            })
            .collect(),
        errors: &batch.errors,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(|e| {
        StoreError::InvalidInput(format!("The export could not be rendered as JSON ({e})."))
    })?;
    out.push_str("\n");
    Ok(())
}

fn render_csv(batch: &ExportBatch, out: &mut SecretBuf) {
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    let mode = batch.provider_mode.as_str();
    for k in &batch.keys {
        let expiry = k.expiration_date.as_deref().unwrap_or("");
        let row = [
            &k.cybersource_merchant_id,
            &k.merchant_id,
            k.secret.expose(),
            &k.key_id,
            &k.status,
            expiry,
            mode,
            "",
        ];
        csv_row(out, &row);
    }
    for e in &batch.errors {
        csv_row(
            out,
            &[
                &e.cybersource_merchant_id,
                "",
                "",
                "",
                "",
                "",
                mode,
                &e.message,
            ],
        );
    }
}

/// One RFC 4180 row: fields with a comma, quote or line break are quoted, quotes doubled.
pub(crate) fn csv_row(out: &mut SecretBuf, fields: &[&str]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(",");
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push_str("\"");
            for (j, part) in field.split('"').enumerate() {
                if j > 0 {
                    out.push_str("\"\"");
                }
                out.push_str(part);
            }
            out.push_str("\"");
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

fn render_env(batch: &ExportBatch, out: &mut SecretBuf) -> Result<(), StoreError> {
    let [key] = batch.keys.as_slice() else {
        return Err(StoreError::InvalidInput(format!(
            "The .env format holds exactly one key, and this export has {}. Use json, csv or text for several \
             keys.",
            batch.keys.len()
        )));
    };
    env_line(out, "MPOSUI_PROVIDER_MODE", batch.provider_mode.as_str());
    env_line(out, "MPOSUI_MERCHANT_ID", &key.merchant_id);
    env_line(out, "MPOSUI_MERCHANT_SECRET", key.secret.expose());
    Ok(())
}

/// `NAME=value`; values outside a plain character set are double-quoted with `\` escapes.
fn env_line(out: &mut SecretBuf, name: &str, value: &str) {
    out.push_str(name);
    out.push_str("=");
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-+/=.:@".contains(c));
    if plain {
        out.push_str(value);
    } else {
        out.push_str("\"");
        for c in value.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '$' => out.push_str("\\$"),
                c => out.push(c.encode_utf8(&mut [0u8; 4]).as_bytes()),
            }
        }
        out.push_str("\"");
    }
    out.push_str("\n");
}

fn render_text(batch: &ExportBatch, out: &mut SecretBuf) {
    let mode = batch.provider_mode.as_str();
    text_line(out, "Environment", &batch.environment);
    text_line(out, "Provider mode", mode);
    text_line(out, "Generated at", &batch.generated_at);
    for k in &batch.keys {
        out.push_str("\n");
        text_line(out, "Cybersource merchant id", &k.cybersource_merchant_id);
        text_line(out, "mposUi merchant id", &k.merchant_id);
        text_line(out, "Merchant secret", k.secret.expose());
        text_line(out, "Key id", &k.key_id);
        text_line(out, "Status", &k.status);
        text_line(
            out,
            "Expiration date",
            k.expiration_date.as_deref().unwrap_or("not given"),
        );
        text_line(out, "Provider mode", mode);
    }
    for e in &batch.errors {
        out.push_str("\n");
        text_line(out, "Cybersource merchant id", &e.cybersource_merchant_id);
        text_line(out, "Error", &e.message);
    }
}

/// `Label: value`, with line breaks in the value flattened so every field stays on its line.
fn text_line(out: &mut SecretBuf, label: &str, value: &str) {
    out.push_str(label);
    out.push_str(": ");
    for part in value
        .split(['\r', '\n'])
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        if part.0 > 0 {
            out.push_str(" ");
        }
        out.push_str(part.1);
    }
    out.push_str("\n");
}
