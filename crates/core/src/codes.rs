//! Device activation codes for many merchants: ask, note in the history how many were made (never a code),
//! report per merchant. Codes live only in the returned report; the caller shows, copies or writes them.

use crate::connection::Connection;
use crate::error::{exit, kms_exit_code, Error};
use crate::keygen::{now_rfc3339, Keygen};
use mpos_kms::activation::count_problem;
use mpos_kms::{ActivationCode, CodesOutcome, Environment, KmsError};
use mpos_store::codes::{CodesExport, CodesRecord, MerchantCodes};
use mpos_store::timestamp::rfc3339;
use std::collections::{HashMap, HashSet};
use std::time::SystemTime;

/// One merchant's codes, or why it got none.
#[derive(Debug, Clone)]
pub struct MerchantCodesResult {
    /// The MID asked for.
    pub cybersource_merchant_id: String,
    /// The codes (empty when `error` is set).
    pub codes: Vec<ActivationCode>,
    /// How many were asked for.
    pub requested: u32,
    /// Why there are none.
    pub error: Option<KmsError>,
}

impl MerchantCodesResult {
    /// When the first of its codes stops working.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.codes.iter().map(|c| c.expires_at).min()
    }
}

/// The result of one activation-codes run, in the order the merchants were asked for.
#[derive(Debug, Clone)]
pub struct CodesReport {
    /// Where the codes came from.
    pub environment: Environment,
    /// The profile name (or the environment token for direct credentials).
    pub profile: String,
    /// When the run finished, RFC 3339 UTC.
    pub generated_at: String,
    /// Every merchant asked for.
    pub merchants: Vec<MerchantCodesResult>,
    /// Set when the history could not note the codes (the codes themselves are fine).
    pub history_warning: Option<String>,
}

impl CodesReport {
    /// How many merchants got codes.
    pub fn succeeded(&self) -> usize {
        self.merchants.iter().filter(|m| m.error.is_none()).count()
    }

    /// The export writer's shape; `labels` maps MIDs to their labels in the profile.
    pub fn export(&self, labels: &HashMap<String, String>) -> CodesExport {
        CodesExport {
            environment: self.environment.token(),
            generated_at: self.generated_at.clone(),
            merchants: self
                .merchants
                .iter()
                .map(|m| MerchantCodes {
                    cybersource_merchant_id: m.cybersource_merchant_id.clone(),
                    label: labels.get(&m.cybersource_merchant_id).cloned(),
                    codes: m
                        .codes
                        .iter()
                        .map(|c| (c.code.clone(), rfc3339(c.expires_at)))
                        .collect(),
                    error: m.error.as_ref().map(ToString::to_string),
                })
                .collect(),
        }
    }

    /// As for keys: 0 all merchants got codes, 1 some did; with none, the code of what stopped them.
    pub fn exit_code(&self) -> i32 {
        let errors: Vec<&KmsError> = self
            .merchants
            .iter()
            .filter_map(|m| m.error.as_ref())
            .collect();
        if errors.is_empty() {
            return exit::OK;
        }
        if self.succeeded() > 0 {
            return exit::PARTIAL;
        }
        errors
            .iter()
            .map(|e| kms_exit_code(e))
            .filter(|&code| code != exit::PARTIAL)
            .min_by_key(|&code| match code {
                exit::AUTH => 0,
                exit::NETWORK => 1,
                _ => 2,
            })
            .unwrap_or(exit::PARTIAL)
    }
}

impl Keygen {
    /// Asks for `count` (1–15) activation codes per merchant and notes in the history how many were made.
    ///
    /// A count outside 1–15 or no merchant is refused before any request (`Error::Usage`, exit 2).
    pub async fn activation_codes(
        &self,
        conn: &Connection,
        mids: &[String],
        count: u32,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<CodesReport, Error> {
        if let Some(problem) = count_problem(count) {
            return Err(Error::Usage(problem));
        }
        let mut seen = HashSet::new();
        let mids: Vec<String> = mids
            .iter()
            .map(|m| m.trim().to_string())
            .filter(|m| seen.insert(m.clone()))
            .collect();
        if mids.is_empty() {
            return Err(Error::Usage(
                "Choose at least one merchant to make activation codes for.".into(),
            ));
        }
        let count_u8 = u8::try_from(count).unwrap_or(u8::MAX);
        let outcomes = conn
            .client
            .activation_codes_with_progress(&mids, count_u8, progress)
            .await?;
        let generated_at = now_rfc3339();
        let merchants: Vec<MerchantCodesResult> = outcomes
            .into_iter()
            .map(|o| match o {
                CodesOutcome::Issued {
                    cybersource_merchant_id,
                    codes,
                    ..
                } => MerchantCodesResult {
                    cybersource_merchant_id,
                    codes,
                    requested: count,
                    error: None,
                },
                CodesOutcome::Failed {
                    cybersource_merchant_id,
                    error,
                } => MerchantCodesResult {
                    cybersource_merchant_id,
                    codes: Vec::new(),
                    requested: count,
                    error: Some(error),
                },
            })
            .collect();
        let records: Vec<CodesRecord> = merchants
            .iter()
            .filter_map(|m| {
                Some(CodesRecord {
                    profile: conn.profile.clone(),
                    environment: conn.environment.token(),
                    cybersource_merchant_id: m.cybersource_merchant_id.clone(),
                    count: u32::try_from(m.codes.len()).unwrap_or(u32::MAX),
                    generated_at: generated_at.clone(),
                    expires_at: rfc3339(m.expires_at()?),
                })
            })
            .collect();
        let history_warning = self.vault().record_codes(&records).err().map(|e| {
            log::warn!("activation codes were made but the history could not note them: {e}");
            format!("The codes were made, but the history could not note them: {e}")
        });
        log::info!(
            "activation codes: {} merchant(s) asked, {} got codes",
            merchants.len(),
            records.len()
        );
        Ok(CodesReport {
            environment: conn.environment.clone(),
            profile: conn.profile.clone(),
            generated_at,
            merchants,
            history_warning,
        })
    }
}
