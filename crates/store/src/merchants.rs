//! Merchants of a profile: add, rename, remove and import, with the same rules everywhere.

use crate::csv_import::CsvImport;
use crate::error::StoreError;
use crate::profiles::{Merchant, Profile};
use mpos_kms::mid_problem;

/// The longest merchant label, in characters.
pub const MAX_LABEL: usize = 80;

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Merchants added to the profile.
    pub added: usize,
    /// Good lines whose MID the profile already had (left unchanged).
    pub already_present: usize,
    /// Lines with a problem that were left out (only with `only_good`).
    pub bad_lines: usize,
}

impl ImportSummary {
    /// Everything not added: MIDs already present plus bad lines.
    pub fn skipped(&self) -> usize {
        self.already_present + self.bad_lines
    }
}

/// Why a label is refused, or `None`; `label` is expected trimmed.
pub fn label_problem(label: &str) -> Option<String> {
    let len = label.chars().count();
    if len > MAX_LABEL {
        return Some(format!(
            "The label is {len} characters long; use at most {MAX_LABEL}."
        ));
    }
    if label.chars().any(char::is_control) {
        return Some("The label contains a line break or control character; remove it.".into());
    }
    None
}

/// Trims a MID and a label and checks both; an empty label becomes the MID.
pub(crate) fn clean_merchant(mid: &str, label: &str) -> Result<Merchant, String> {
    let mid = mid.trim();
    if let Some(why) = mid_problem(mid) {
        return Err(why);
    }
    let label = label.trim();
    if let Some(why) = label_problem(label) {
        return Err(why);
    }
    let label = if label.is_empty() { mid } else { label };
    Ok(Merchant {
        mid: mid.to_string(),
        label: label.to_string(),
    })
}

/// MIDs compare without regard to case, so `ACME_1` and `acme_1` are one merchant.
pub(crate) fn same_mid(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

impl Profile {
    /// The merchant with this MID (ignoring case).
    pub fn merchant(&self, mid: &str) -> Option<&Merchant> {
        let mid = mid.trim();
        self.merchants.iter().find(|m| same_mid(&m.mid, mid))
    }

    /// Adds a merchant; an empty label becomes the MID; a MID already in the profile is refused.
    pub fn add_merchant(&mut self, mid: &str, label: &str) -> Result<(), StoreError> {
        let merchant = clean_merchant(mid, label).map_err(StoreError::InvalidInput)?;
        if let Some(existing) = self.merchant(&merchant.mid) {
            return Err(StoreError::Duplicate(format!(
                "Merchant {} is already in profile \"{}\" (as \"{}\").",
                existing.mid, self.name, existing.label
            )));
        }
        self.merchants.push(merchant);
        Ok(())
    }

    /// Gives a merchant a new label; an empty label becomes the MID.
    pub fn rename_merchant(&mut self, mid: &str, label: &str) -> Result<(), StoreError> {
        let cleaned = clean_merchant(mid, label).map_err(StoreError::InvalidInput)?;
        let name = self.name.clone();
        let merchant = self
            .merchants
            .iter_mut()
            .find(|m| same_mid(&m.mid, &cleaned.mid))
            .ok_or_else(|| not_in_profile(&cleaned.mid, &name))?;
        merchant.label = cleaned.label;
        Ok(())
    }

    /// Removes a merchant and returns it.
    pub fn remove_merchant(&mut self, mid: &str) -> Result<Merchant, StoreError> {
        let mid = mid.trim();
        let index = self
            .merchants
            .iter()
            .position(|m| same_mid(&m.mid, mid))
            .ok_or_else(|| not_in_profile(mid, &self.name))?;
        Ok(self.merchants.remove(index))
    }

    /// Adds the merchants of a parsed CSV file; MIDs already present are left unchanged.
    ///
    /// All or nothing: when any line has a problem nothing is added, unless `only_good`, which adds
    /// the good lines and counts the bad ones.
    pub fn import_merchants(
        &mut self,
        import: &CsvImport,
        only_good: bool,
    ) -> Result<ImportSummary, StoreError> {
        if import.file_refused() {
            let why = import
                .errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or_default();
            return Err(StoreError::InvalidInput(why));
        }
        if !import.errors.is_empty() && !only_good {
            let first = &import.errors[0];
            return Err(StoreError::InvalidInput(format!(
                "{} line(s) of the file have problems, so nothing was imported (first: line {}: {}). Fix the \
                 file, or import only the good lines.",
                import.errors.len(),
                first.line,
                first.message
            )));
        }
        let mut summary = ImportSummary {
            bad_lines: import.errors.len(),
            ..ImportSummary::default()
        };
        for m in &import.merchants {
            if self.merchant(&m.mid).is_some() {
                summary.already_present += 1;
            } else {
                self.merchants.push(m.clone());
                summary.added += 1;
            }
        }
        Ok(summary)
    }
}

fn not_in_profile(mid: &str, profile: &str) -> StoreError {
    StoreError::NotFound(format!("Merchant {mid} is not in profile \"{profile}\"."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_import::parse_merchants_csv;
    use crate::profiles::AuthMethod;

    fn profile() -> Profile {
        Profile::new(
            "Shop",
            "test",
            AuthMethod::SharedSecret {
                key_id: String::new(),
            },
        )
    }

    #[test]
    fn add_rename_remove() {
        let mut p = profile();
        p.add_merchant("  acme_1 ", "  Main store  ").unwrap();
        p.add_merchant("acme_2", "").unwrap();
        assert_eq!(
            p.merchants[0],
            Merchant {
                mid: "acme_1".into(),
                label: "Main store".into()
            }
        );
        assert_eq!(p.merchants[1].label, "acme_2");
        assert_eq!(
            p.add_merchant("ACME_1", "again").unwrap_err().code(),
            "duplicate"
        );
        assert!(p
            .add_merchant("bad mid", "x")
            .unwrap_err()
            .to_string()
            .contains("a space"));
        assert!(p
            .add_merchant("ok_1", &"l".repeat(81))
            .unwrap_err()
            .to_string()
            .contains("at most 80"));
        p.add_merchant("ok_2", &"l".repeat(80)).unwrap();
        p.rename_merchant("acme_2", "Kiosk").unwrap();
        assert_eq!(p.merchant("ACME_2").unwrap().label, "Kiosk");
        p.rename_merchant("acme_2", " ").unwrap();
        assert_eq!(p.merchant("acme_2").unwrap().label, "acme_2");
        assert_eq!(
            p.rename_merchant("nope", "x").unwrap_err().code(),
            "not_found"
        );
        assert_eq!(p.remove_merchant("acme_1").unwrap().label, "Main store");
        assert_eq!(p.remove_merchant("acme_1").unwrap_err().code(), "not_found");
    }

    #[test]
    fn import_is_all_or_nothing_unless_only_good() {
        let csv = parse_merchants_csv(b"m1,One\nbad mid,Two\nm3\nexisting,Old\n");
        assert_eq!(csv.errors.len(), 1);
        let mut p = profile();
        p.add_merchant("existing", "Kept label").unwrap();
        let e = p.import_merchants(&csv, false).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert_eq!(p.merchants.len(), 1);
        let s = p.import_merchants(&csv, true).unwrap();
        assert_eq!(
            s,
            ImportSummary {
                added: 2,
                already_present: 1,
                bad_lines: 1
            }
        );
        assert_eq!(s.skipped(), 2);
        assert_eq!(p.merchant("existing").unwrap().label, "Kept label");
        assert_eq!(p.merchant("m3").unwrap().label, "m3");
    }
}
