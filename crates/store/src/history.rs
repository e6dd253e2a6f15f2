//! `history.jsonl`: the vault's metadata as an append-only log of events, one JSON object per line.
//!
//! Appending under the file's lock with one write and an fsync means concurrent writers never lose a
//! line and a batch of 1,000 keys costs one write. A line that cannot be parsed is never dropped
//! silently: the whole file is copied aside, the readable lines are kept, and `Corrupt` is reported.

use crate::atomic::{self, FileLock};
use crate::error::StoreError;
use crate::vault::VaultEntry;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One line of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "event",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub(crate) enum Event {
    /// A key was generated and its secret stored in the keychain (boxed: by far the largest event).
    Kept(Box<Kept>),
    /// These keys were written to an export file.
    Exported { key_ids: Vec<String>, at: String },
    /// The key's secret was deleted from the keychain; the line stays as a tombstone.
    Forgotten { key_id: String, at: String },
    /// Device activation codes were made for a merchant: how many, when, until when; never the codes.
    CodesMade(crate::codes::CodesRecord),
    /// Cybersource was asked for the key's status.
    StatusChecked {
        key_id: String,
        status: String,
        at: String,
    },
    /// The key was deleted at Cybersource by this profile; its secret leaves the keychain.
    Deleted {
        key_id: String,
        profile: String,
        at: String,
    },
}

/// A kept key as its history line holds it: the entry, and which keychain entry holds its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Kept {
    /// What the vault shows of the key.
    #[serde(flatten)]
    pub(crate) entry: VaultEntry,
    /// The batch entry holding the secret, `keys:<batchId>`. Absent in lines written before batches
    /// existed: their secret is in its own entry, `key:<keyId>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) secret_ref: Option<String>,
}

const KNOWN_EVENTS: [&str; 6] = [
    "kept",
    "exported",
    "forgotten",
    "codesMade",
    "statusChecked",
    "deleted",
];

/// The history file and its lock.
#[derive(Debug, Clone)]
pub(crate) struct History {
    path: PathBuf,
}

impl History {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self { path }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the history's lock (creating the data folder on first use).
    pub(crate) fn lock(&self) -> Result<FileLock, StoreError> {
        if let Some(dir) = self.path.parent() {
            atomic::ensure_private_dir(dir)?;
        }
        FileLock::acquire(&self.path)
    }

    /// Appends events in one write; the caller holds the lock.
    pub(crate) fn append(&self, events: &[Event]) -> Result<(), StoreError> {
        let mut buf = Vec::with_capacity(events.len() * 400);
        for event in events {
            serde_json::to_writer(&mut buf, event).map_err(|e| StoreError::Io {
                path: self.path.clone(),
                message: format!(
                    "Could not encode the key history ({e}); please report this as a bug."
                ),
            })?;
            buf.push(b'\n');
        }
        atomic::append_synced(&self.path, &buf)
    }

    /// Reads every event; the caller holds the lock. Unparsable lines: see the module docs.
    pub(crate) fn read(&self) -> Result<Vec<Event>, StoreError> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::io("read", &self.path, &e)),
        };
        let mut events = Vec::new();
        let mut good_lines: Vec<&[u8]> = Vec::new();
        let mut bad = 0usize;
        for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match parse_line(line) {
                Parsed::Event(event) => {
                    events.push(*event);
                    good_lines.push(line);
                }
                Parsed::FromNewerVersion => good_lines.push(line),
                Parsed::Bad => {
                    log::warn!("{} line {} is not readable", self.path.display(), index + 1);
                    bad += 1;
                }
            }
        }
        if bad > 0 {
            let backup = atomic::copy_aside(&self.path)?;
            let mut kept = good_lines.join(&b'\n');
            if !kept.is_empty() {
                kept.push(b'\n');
            }
            atomic::write_atomic(&self.path, &kept)?;
            return Err(StoreError::Corrupt {
                path: self.path.clone(),
                backup,
            });
        }
        Ok(events)
    }
}

enum Parsed {
    Event(Box<Event>),
    FromNewerVersion,
    Bad,
}

fn parse_line(line: &[u8]) -> Parsed {
    if let Ok(event) = serde_json::from_slice::<Event>(line) {
        return Parsed::Event(Box::new(event));
    }
    // Only a line that is not one of our events is parsed a second time, to see what it is.
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(line) else {
        return Parsed::Bad;
    };
    match value.get("event").and_then(|k| k.as_str()) {
        // A newer version may log events we do not know; keep their lines, skip them here.
        Some(kind) if !KNOWN_EVENTS.contains(&kind) => Parsed::FromNewerVersion,
        _ => Parsed::Bad,
    }
}

/// Applies the events in order: the current state of every key ever kept, in the order kept.
pub(crate) fn replay(events: Vec<Event>) -> Vec<Kept> {
    let mut records: Vec<Kept> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for event in events {
        match event {
            Event::Kept(record) => match index.get(&record.entry.key_id) {
                Some(&i) => records[i] = *record,
                None => {
                    index.insert(record.entry.key_id.clone(), records.len());
                    records.push(*record);
                }
            },
            Event::Exported { key_ids, at } => {
                for id in key_ids {
                    if let Some(&i) = index.get(&id) {
                        let entry = &mut records[i].entry;
                        if entry.forgotten_at.is_none() {
                            entry.exported_at = Some(at.clone());
                        }
                    }
                }
            }
            Event::Forgotten { key_id, at } => {
                if let Some(&i) = index.get(&key_id) {
                    records[i].entry.forgotten_at = Some(at);
                }
            }
            Event::CodesMade(_) => {}
            Event::StatusChecked { key_id, status, at } => {
                if let Some(&i) = index.get(&key_id) {
                    records[i].entry.last_status = Some(status);
                    records[i].entry.checked_at = Some(at);
                }
            }
            Event::Deleted {
                key_id,
                profile,
                at,
            } => {
                if let Some(&i) = index.get(&key_id) {
                    records[i].entry.deleted_at = Some(at);
                    records[i].entry.deleted_by = Some(profile);
                }
            }
        }
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD_LINE: &str = r#"{"event":"kept","keyId":"k1","cybersourceMerchantId":"shop_1","merchantId":"m1","status":"ACTIVE","expirationDate":null,"profile":"Shop","environment":"test","providerMode":"TEST","generatedAt":"2025-01-02T03:04:05Z","exportedAt":null,"forgottenAt":null}"#;

    #[test]
    fn a_line_from_before_batches_has_no_secret_ref() {
        let Parsed::Event(event) = parse_line(OLD_LINE.as_bytes()) else {
            panic!("the old line must parse")
        };
        let Event::Kept(kept) = *event else {
            panic!("{event:?}")
        };
        assert_eq!(kept.entry.key_id, "k1");
        assert_eq!(kept.secret_ref, None);
    }

    #[test]
    fn a_kept_line_carries_its_secret_ref_flat() {
        let Parsed::Event(event) = parse_line(OLD_LINE.as_bytes()) else {
            panic!("the old line must parse")
        };
        let Event::Kept(mut kept) = *event else {
            panic!("{event:?}")
        };
        kept.secret_ref = Some("keys:b1".into());
        let line = serde_json::to_string(&Event::Kept(kept.clone())).unwrap();
        assert!(
            line.starts_with(r#"{"event":"kept","keyId":"k1","#),
            "{line}"
        );
        assert!(line.ends_with(r#","secretRef":"keys:b1"}"#), "{line}");
        let Parsed::Event(back) = parse_line(line.as_bytes()) else {
            panic!("{line}")
        };
        assert_eq!(*back, Event::Kept(kept));
    }

    #[test]
    fn an_export_line_marks_only_keys_kept_and_not_forgotten_before_it() {
        let kept = |id: &str| {
            let Parsed::Event(event) = parse_line(OLD_LINE.replace("k1", id).as_bytes()) else {
                panic!("the old line must parse")
            };
            *event
        };
        let exported = |ids: &[&str], at: &str| Event::Exported {
            key_ids: ids.iter().map(|id| id.to_string()).collect(),
            at: at.into(),
        };
        let records = replay(vec![
            kept("a"),
            kept("b"),
            Event::Forgotten {
                key_id: "b".into(),
                at: "t1".into(),
            },
            exported(&["a", "b", "unknown", "c"], "t2"),
            kept("c"),
        ]);
        let exported_at: Vec<(&str, Option<&str>)> = records
            .iter()
            .map(|r| (r.entry.key_id.as_str(), r.entry.exported_at.as_deref()))
            .collect();
        assert_eq!(
            exported_at,
            [("a", Some("t2")), ("b", None), ("c", None)],
            "no record for an unknown id, none marked that was forgotten or kept later"
        );
    }
}
