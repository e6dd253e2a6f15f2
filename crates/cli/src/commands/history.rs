//! `mpos-keygen history`: what the vault keeps, as JSON or a table. Never a secret: the vault's
//! entries hold none, and nothing here reads the keychain.

use super::open;
use crate::args::{HistoryArgs, HistoryFormat};
use crate::error::CliError;
use crate::output::{self, table};
use mpos_core::error::exit;
use mpos_store::vault::VaultEntry;

/// Lists the kept keys, newest first.
pub fn run(args: HistoryArgs) -> Result<i32, CliError> {
    let keygen = open()?;
    let entries = keygen.vault().list(args.profile.as_deref())?;
    match args.format {
        HistoryFormat::Json => {
            let json = serde_json::to_string_pretty(&entries).map_err(|e| {
                CliError::storage("Could not encode the history as JSON.", e.to_string())
            })?;
            output::stdout(&json)?;
        }
        HistoryFormat::Text if entries.is_empty() => output::note("No generated keys are kept."),
        HistoryFormat::Text => output::stdout(&table(&rows(&entries)))?,
    }
    Ok(exit::OK)
}

fn rows(entries: &[VaultEntry]) -> Vec<Vec<String>> {
    let header = [
        "GENERATED",
        "MID",
        "MPOSUI MERCHANT ID",
        "KEY ID",
        "MODE",
        "PROFILE",
        "EXPORTED",
    ];
    let mut rows = vec![header.iter().map(|h| h.to_string()).collect()];
    rows.extend(entries.iter().map(|e| {
        vec![
            e.generated_at.clone(),
            e.cybersource_merchant_id.clone(),
            e.merchant_id.clone(),
            e.key_id.clone(),
            e.provider_mode.as_str().to_string(),
            e.profile.clone(),
            e.exported_at.clone().unwrap_or_else(|| "no".into()),
        ]
    }));
    rows
}
