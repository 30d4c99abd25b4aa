//! The JSON backup: one versioned envelope holding every record type, written in
//! chunks (so a big database never becomes one giant string) and parsed back with a
//! clear error for a wrong file, a newer format or a broken record.
//!
//! ```json
//! {"format":"field-crm-backup","version":1,"created_ms":1764500000000,
//!  "records":{"customers":[…],"interactions":[…]}}
//! ```
//! New record types (deals, tickets, campaigns) are new keys under `records`: older
//! backups simply lack them (`#[serde(default)]`), and an older app reading a newer
//! backup sees them in [`BackupRecords::other`] and can say what it cannot restore.
//! `version` changes only for incompatible changes; a newer version is refused.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::customer::Customer;
use crate::interaction::Interaction;

/// The `format` tag that tells our backup from any other JSON file.
pub const BACKUP_FORMAT: &str = "field-crm-backup";

/// The envelope version this code writes and the newest it reads.
pub const BACKUP_VERSION: u32 = 1;

/// A whole backup in memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backup {
    /// Always [`BACKUP_FORMAT`].
    pub format: String,
    /// Envelope version.
    pub version: u32,
    /// When it was made (ms since the Unix epoch, from the caller's clock).
    pub created_ms: i64,
    /// Every record, tombstones included (so a restore keeps deletions).
    pub records: BackupRecords,
}

/// Records by type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BackupRecords {
    /// Customers.
    #[serde(default)]
    pub customers: Vec<Customer>,
    /// Interactions.
    #[serde(default)]
    pub interactions: Vec<Interaction>,
    /// Record types this version does not know (written by a newer app).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl Backup {
    /// A backup of these records.
    pub fn new(created_ms: i64, customers: Vec<Customer>, interactions: Vec<Interaction>) -> Self {
        Backup {
            format: BACKUP_FORMAT.to_string(),
            version: BACKUP_VERSION,
            created_ms,
            records: BackupRecords {
                customers,
                interactions,
                other: BTreeMap::new(),
            },
        }
    }

    /// Record types in the file that this version cannot restore (non-empty only).
    pub fn unknown_record_types(&self) -> Vec<String> {
        self.records
            .other
            .iter()
            .filter(|(_, v)| !matches!(v, Value::Array(a) if a.is_empty()))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Consistency problems a restore should show before writing anything.
    pub fn problems(&self) -> Vec<BackupProblem> {
        let mut problems = Vec::new();
        let mut customers = HashSet::new();
        for c in &self.records.customers {
            if !customers.insert(c.id) {
                problems.push(BackupProblem::DuplicateId(c.id));
            }
        }
        let mut interactions = HashSet::new();
        for i in &self.records.interactions {
            if !interactions.insert(i.id) {
                problems.push(BackupProblem::DuplicateId(i.id));
            }
            if !customers.contains(&i.customer_id) {
                problems.push(BackupProblem::MissingCustomer {
                    interaction: i.id,
                    customer: i.customer_id,
                });
            }
        }
        problems
    }
}

/// A consistency problem inside a well-formed backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum BackupProblem {
    /// Two records of one type share an id.
    #[error("two records have the id {0}")]
    DuplicateId(Uuid),
    /// An interaction refers to a customer that is not in the backup.
    #[error("interaction {interaction} refers to customer {customer}, which is missing")]
    MissingCustomer { interaction: Uuid, customer: Uuid },
}

/// Why a file cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum BackupError {
    /// Not JSON at all.
    #[error("this is not a backup file (not JSON: {message})")]
    NotJson { message: String },
    /// JSON, but not our envelope.
    #[error("this JSON file is not a Field CRM backup")]
    WrongFormat,
    /// Written by a newer app version.
    #[error("this backup was made by a newer version (format {found}; this app reads up to {supported})")]
    TooNew { found: u32, supported: u32 },
    /// Our envelope with a record that does not parse.
    #[error("the backup is damaged: {message}")]
    Damaged { message: String },
    /// Restore is only into an empty database.
    #[error("restore needs an empty database: this one has {records} records")]
    NotEmpty { records: u64 },
}

/// Just the envelope's header, read before the records.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u32>,
}

/// Parses a backup file, checking the envelope first so a wrong or newer file gets
/// its own message rather than a serde error.
pub fn parse_backup(bytes: &[u8]) -> Result<Backup, BackupError> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let header: Header = serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => BackupError::WrongFormat,
        _ => BackupError::NotJson {
            message: e.to_string(),
        },
    })?;
    if header.format.as_deref() != Some(BACKUP_FORMAT) {
        return Err(BackupError::WrongFormat);
    }
    match header.version {
        Some(v) if v > BACKUP_VERSION => {
            return Err(BackupError::TooNew {
                found: v,
                supported: BACKUP_VERSION,
            })
        }
        Some(_) => {}
        None => return Err(BackupError::WrongFormat),
    }
    serde_json::from_slice(bytes).map_err(|e| BackupError::Damaged {
        message: e.to_string(),
    })
}

/// Refuses a restore into a database that already holds records (`records` = how many
/// the store has, tombstones included).
pub fn check_restore_target(records: u64) -> Result<(), BackupError> {
    if records == 0 {
        Ok(())
    } else {
        Err(BackupError::NotEmpty { records })
    }
}

/// Writes a backup piece by piece: `start`, then for each record type `section` and
/// any number of `records` batches, then `finish`. The browser appends the pieces to a
/// `Blob`, so 100,000 customers and a million interactions never sit in one string.
#[derive(Debug, Default)]
pub struct BackupWriter {
    sections: usize,
    in_section: usize,
}

impl BackupWriter {
    /// The envelope's opening.
    pub fn start(created_ms: i64) -> (BackupWriter, String) {
        let head = format!(
            "{{\"format\":\"{BACKUP_FORMAT}\",\"version\":{BACKUP_VERSION},\"created_ms\":{created_ms},\"records\":{{"
        );
        (BackupWriter::default(), head)
    }

    /// Opens the array of one record type (`"customers"`, `"interactions"`, later
    /// `"deals"`…), closing the previous one.
    pub fn section(&mut self, name: &str) -> String {
        let mut out = String::new();
        if self.sections > 0 {
            out.push_str("],");
        }
        self.sections += 1;
        self.in_section = 0;
        out.push_str(&Value::String(name.to_string()).to_string());
        out.push_str(":[");
        out
    }

    /// A batch of records of the current section.
    pub fn records<T: Serialize>(&mut self, batch: &[T]) -> Result<String, serde_json::Error> {
        let mut out = String::new();
        for record in batch {
            if self.in_section > 0 {
                out.push(',');
            }
            self.in_section += 1;
            out.push_str(&serde_json::to_string(record)?);
        }
        Ok(out)
    }

    /// The envelope's end.
    pub fn finish(self) -> String {
        if self.sections > 0 { "]}}" } else { "}}" }.to_string()
    }
}

/// A whole backup as one string (small databases, tests).
pub fn backup_json(backup: &Backup) -> Result<String, serde_json::Error> {
    let (mut writer, mut out) = BackupWriter::start(backup.created_ms);
    out.push_str(&writer.section("customers"));
    out.push_str(&writer.records(&backup.records.customers)?);
    out.push_str(&writer.section("interactions"));
    out.push_str(&writer.records(&backup.records.interactions)?);
    for (name, value) in &backup.records.other {
        out.push_str(&writer.section(name));
        if let Value::Array(items) = value {
            out.push_str(&writer.records(items)?);
        }
    }
    out.push_str(&writer.finish());
    Ok(out)
}
