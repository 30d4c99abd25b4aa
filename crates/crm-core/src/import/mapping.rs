//! Which CSV column holds which customer field: a guess from English and Chinese header
//! names (remembering the user's last choices), and the row → customer step that
//! validates every row on its own so one bad row never fails the rest.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::csv_import::{CsvRow, CsvTable};
use super::export::unescape_formula;
use super::{ImportDraft, RowError, RowProblem, PREVIEW_ROWS};
use crate::customer::Customer;

pub use super::fields::{header_key, ImportField};
use super::values::{clean_tags, join_name, normalise_date, parse_flag, parse_kind, parse_stage};

/// One column of the file and the field it goes to (`None` = not imported).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappedColumn {
    /// The header as in the file.
    pub header: String,
    /// The target field, or `None` to ignore the column.
    pub field: Option<ImportField>,
}

/// The mapping step's state: one entry per column, in file order. Serialisable so the
/// app can store the last mapping and offer it again for the next file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// One entry per header, in file order.
    pub columns: Vec<MappedColumn>,
}

/// What stops a mapping from being used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum MappingProblem {
    /// No column gives the name (nor a first/last name pair).
    #[error("no column is mapped to Name")]
    NoName,
    /// A single-valued field is fed by several columns.
    #[error("several columns are mapped to {field:?}")]
    Repeated { field: ImportField },
}

impl ColumnMapping {
    /// The field of column `index`.
    pub fn field(&self, index: usize) -> Option<ImportField> {
        self.columns.get(index).and_then(|c| c.field)
    }

    /// Whether some column maps to `field`.
    pub fn has(&self, field: ImportField) -> bool {
        self.columns.iter().any(|c| c.field == Some(field))
    }

    /// Why this mapping cannot start an import (the Start import button stays disabled
    /// while this is non-empty).
    pub fn problems(&self) -> Vec<MappingProblem> {
        let mut problems = Vec::new();
        let name_parts = self.has(ImportField::GivenName) || self.has(ImportField::FamilyName);
        if !self.has(ImportField::Name) && !name_parts {
            problems.push(MappingProblem::NoName);
        }
        for field in ImportField::ALL {
            let n = self
                .columns
                .iter()
                .filter(|c| c.field == Some(field))
                .count();
            if n > 1 && !field.allows_several() {
                problems.push(MappingProblem::Repeated { field });
            }
        }
        problems
    }
}

/// Guesses a field for every header. Headers the `remembered` mapping knows (same text)
/// keep the user's earlier choice, including "ignore"; the rest are matched by exact
/// spelling first, then by a contained fragment. Each field is given to one column at
/// most, except tags and notes.
pub fn guess_mapping(headers: &[String], remembered: Option<&ColumnMapping>) -> ColumnMapping {
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    let mut fields: Vec<Option<ImportField>> = vec![None; headers.len()];
    let mut decided = vec![false; headers.len()];
    if let Some(remembered) = remembered {
        for (i, header) in headers.iter().enumerate() {
            let earlier = remembered
                .columns
                .iter()
                .find(|c| c.header.trim() == header.trim());
            if let Some(earlier) = earlier {
                let taken = earlier
                    .field
                    .is_some_and(|f| !f.allows_several() && fields.contains(&Some(f)));
                if !taken {
                    fields[i] = earlier.field;
                    decided[i] = true;
                }
            }
        }
    }
    // Pass 1: exact spellings; pass 2: contained fragments.
    for exact in [true, false] {
        for field in ImportField::ALL {
            if fields.contains(&Some(field)) && !field.allows_several() {
                continue;
            }
            let aliases = if exact {
                field.exact_aliases()
            } else {
                field.contained_aliases()
            };
            'aliases: for alias in aliases {
                for (i, key) in keys.iter().enumerate() {
                    let hit = if exact {
                        key == alias
                    } else {
                        key.contains(alias)
                    };
                    if hit && !decided[i] && fields[i].is_none() {
                        fields[i] = Some(field);
                        if !field.allows_several() {
                            break 'aliases;
                        }
                    }
                }
            }
        }
    }
    account_and_contact(&keys, &decided, &mut fields);
    ColumnMapping {
        columns: headers
            .iter()
            .zip(fields)
            .map(|(header, field)| MappedColumn {
                header: header.clone(),
                field,
            })
            .collect(),
    }
}

/// Headers that name the account (the company) in B2B CRM exports.
const ACCOUNT_KEYS: [&str; 5] = ["客户名称", "客户", "customername", "account", "accountname"];
/// Headers that name the person at that account.
const CONTACT_KEYS: [&str; 5] = [
    "联系人",
    "联系人姓名",
    "contact",
    "contactname",
    "contactperson",
];

/// B2B exports ("客户名称, 联系人, 联系电话…") call the company the customer and the
/// person the contact: when both columns exist and nothing else is the company, the
/// account column is the company and the contact column the name.
fn account_and_contact(keys: &[String], decided: &[bool], fields: &mut [Option<ImportField>]) {
    if fields.contains(&Some(ImportField::Company)) {
        return;
    }
    let find =
        |set: &[&str]| (0..keys.len()).find(|&i| !decided[i] && set.contains(&keys[i].as_str()));
    if let (Some(account), Some(contact)) = (find(&ACCOUNT_KEYS), find(&CONTACT_KEYS)) {
        if fields[account] == Some(ImportField::Name) && fields[contact].is_none() {
            fields[account] = Some(ImportField::Company);
            fields[contact] = Some(ImportField::Name);
        }
    }
}

/// Problems that make a row unreadable, found before looking at values: a ragged row
/// (its cells would land in the wrong fields) or an unclosed quote.
fn structural_problems(row: &CsvRow, width: usize) -> Vec<RowProblem> {
    let mut problems = Vec::new();
    if row.unclosed_quote {
        problems.push(RowProblem::UnclosedQuote);
    }
    let found = row.cells.len();
    if found < width {
        problems.push(RowProblem::TooFewCells {
            expected: width,
            found,
        });
    } else if row.cells[width..].iter().any(|c| !c.trim().is_empty()) {
        // Trailing empty cells ("a,b,c,,") are what spreadsheets write; harmless.
        problems.push(RowProblem::TooManyCells {
            expected: width,
            found,
        });
    }
    problems
}

fn push_joined(target: &mut String, value: &str, separator: &str) {
    if !target.is_empty() {
        target.push_str(separator);
    }
    target.push_str(value);
}

fn set_first(target: &mut String, value: &str) {
    if target.is_empty() {
        *target = value.to_string();
    }
}

/// Reads one row into a draft without validating the values; choice columns that do
/// not parse are reported next to it.
fn build_draft(mapping: &ColumnMapping, row: &CsvRow) -> (ImportDraft, Vec<RowProblem>) {
    let mut out = ImportDraft::default();
    let mut problems = Vec::new();
    let (mut given, mut family) = (String::new(), String::new());
    let mut unknown = |field: &str, value: &str| {
        problems.push(RowProblem::UnknownChoice {
            field: field.to_string(),
            value: value.to_string(),
        })
    };
    for (i, cell) in row.cells.iter().enumerate() {
        let Some(field) = mapping.field(i) else {
            continue;
        };
        let value = unescape_formula(cell.trim());
        if value.is_empty() {
            continue;
        }
        let d = &mut out.draft;
        match field {
            ImportField::Name => set_first(&mut d.name, value),
            ImportField::GivenName => set_first(&mut given, value),
            ImportField::FamilyName => set_first(&mut family, value),
            ImportField::Company => set_first(&mut d.company, value),
            ImportField::Title => set_first(&mut d.title, value),
            ImportField::Email => set_first(&mut d.email, value),
            ImportField::Phone => set_first(&mut d.phone, value),
            ImportField::City => set_first(&mut d.city, value),
            ImportField::Tags => push_joined(&mut d.tags, &clean_tags(value), ", "),
            ImportField::Birthday => set_first(&mut d.birthday, &normalise_date(value)),
            ImportField::Source => set_first(&mut out.source, value),
            ImportField::Preferences => push_joined(&mut d.preferences, value, "\n"),
            ImportField::Notes => push_joined(&mut d.notes, value, "\n"),
            ImportField::Stage => match parse_stage(value) {
                Some(stage) => d.stage = stage,
                None => unknown("stage", value),
            },
            ImportField::Kind => match parse_kind(value) {
                Some(kind) => d.kind = kind,
                None => unknown("kind", value),
            },
            ImportField::Contracted => match parse_flag(value) {
                Some(flag) => out.contracted = flag,
                None => unknown("contracted", value),
            },
        }
    }
    if out.draft.name.trim().is_empty() {
        out.draft.name = join_name(&given, &family);
    }
    (out, problems)
}

/// Reads one row into a draft. A ragged row or an unreadable choice value is an error
/// here; field values are validated by [`ImportDraft::apply`] (see [`import_row`]).
pub fn row_draft(mapping: &ColumnMapping, row: &CsvRow) -> Result<ImportDraft, RowError> {
    let structural = structural_problems(row, mapping.columns.len());
    if !structural.is_empty() {
        return Err(RowError {
            line: row.line,
            problems: structural,
        });
    }
    match build_draft(mapping, row) {
        (draft, problems) if problems.is_empty() => Ok(draft),
        (_, problems) => Err(RowError {
            line: row.line,
            problems,
        }),
    }
}

/// One row to a validated customer built on `base` (a fresh `Customer::new(id, "", now)`
/// from the caller), or the row's line with every reason it is rejected.
pub fn import_row(
    mapping: &ColumnMapping,
    row: &CsvRow,
    base: &Customer,
    today: NaiveDate,
) -> Result<Customer, RowError> {
    let structural = structural_problems(row, mapping.columns.len());
    if !structural.is_empty() {
        return Err(RowError {
            line: row.line,
            problems: structural,
        });
    }
    let (draft, mut problems) = build_draft(mapping, row);
    match draft.apply(base, today) {
        Ok(customer) if problems.is_empty() => Ok(customer),
        Ok(_) => Err(RowError {
            line: row.line,
            problems,
        }),
        Err(errors) => {
            problems.extend(errors.into_iter().map(RowProblem::from));
            Err(RowError {
                line: row.line,
                problems,
            })
        }
    }
}

/// One previewed row: its cells and, if it would be rejected, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    /// 1-based line where the row starts.
    pub line: u64,
    /// The cells as in the file.
    pub cells: Vec<String>,
    /// Empty when the row would import.
    pub problems: Vec<RowProblem>,
}

/// The first [`PREVIEW_ROWS`] rows with their verdicts under `mapping`, so the user
/// sees a wrong mapping or encoding before starting the import.
pub fn preview(table: &CsvTable, mapping: &ColumnMapping, today: NaiveDate) -> Vec<PreviewRow> {
    let base = Customer::new(uuid::Uuid::nil(), "", 0);
    table
        .head(PREVIEW_ROWS)
        .iter()
        .map(|row| PreviewRow {
            line: row.line,
            cells: row.cells.clone(),
            problems: import_row(mapping, row, &base, today)
                .err()
                .map(|e| e.problems)
                .unwrap_or_default(),
        })
        .collect()
}

/// The verdict on a whole file before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowCheck {
    /// Rows that would import.
    pub valid: usize,
    /// Rows that would be rejected, in file order.
    pub rejected: Vec<RowError>,
}

/// Validates every row of the file (ids and times do not matter for validity).
pub fn check_rows(table: &CsvTable, mapping: &ColumnMapping, today: NaiveDate) -> RowCheck {
    let base = Customer::new(uuid::Uuid::nil(), "", 0);
    let mut check = RowCheck {
        valid: 0,
        rejected: Vec::new(),
    };
    for row in &table.rows {
        match import_row(mapping, row, &base, today) {
            Ok(_) => check.valid += 1,
            Err(e) => check.rejected.push(e),
        }
    }
    check
}
