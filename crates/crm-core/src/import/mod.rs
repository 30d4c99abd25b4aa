//! Import, export and duplicates, as pure functions: bytes in, values out.
//!
//! The browser reads the file, hands the bytes to [`csv_import::read_csv`] or
//! [`vcard::read_vcards`], lets the user adjust the guessed [`mapping::ColumnMapping`],
//! builds each customer with [`mapping::import_row`] / [`ImportDraft::apply`], checks it
//! against existing customers with [`dedupe::DuplicateIndex`] and writes the valid ones
//! in one transaction. Nothing here reads a clock, an RNG or a file: ids, "now" and
//! "today" are passed in.
//!
//! Every failure is a value the UI can show: a whole file is refused with an
//! [`ImportError`]; a single row or card is rejected with a [`RowError`] carrying its
//! 1-based line number and every reason at once, and the other rows still import.

pub mod backup;
pub mod bench;
pub mod csv_import;
pub mod dedupe;
pub mod encoding;
pub mod export;
pub mod fields;
pub mod mapping;
pub mod merge_customers;
pub mod values;
pub mod vcard;

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::customer::{Customer, CustomerDraft};
use crate::validation::{self, FieldError, Problem, SHORT_MAX};

/// Largest file the import accepts (50 MB): bigger files are refused before parsing so
/// a wrong file (a video, a database dump) cannot freeze the tab.
pub const MAX_IMPORT_BYTES: u64 = 50 * 1024 * 1024;

/// How many rows the mapping step previews.
pub const PREVIEW_ROWS: usize = 20;

/// Why a whole file is refused. Each variant maps to one message per locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ImportError {
    /// No bytes, or only whitespace and a byte-order mark.
    #[error("the file is empty")]
    Empty,
    /// Over the size limit the caller passed.
    #[error("the file is too large ({size} bytes; at most {max})")]
    TooLarge { size: u64, max: u64 },
    /// An Excel workbook (.xlsx zip or legacy .xls) instead of a CSV export of it.
    #[error("this is an Excel workbook, not a CSV file: save it as \"CSV UTF-8\" first")]
    Spreadsheet,
    /// Binary data (NUL bytes, a PDF, an image…).
    #[error("this is not a text file (CSV or vCard)")]
    NotText,
    /// A CSV with a header row and no data rows.
    #[error("the file has a header row but no data rows")]
    HeaderOnly,
    /// A vCard file without a single `BEGIN:VCARD`.
    #[error("no contact cards (BEGIN:VCARD) were found in the file")]
    NoCards,
}

/// The two file kinds the Import file input accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// Comma/semicolon/tab separated values.
    Csv,
    /// vCard 2.1/3.0/4.0 (`.vcf`).
    Vcard,
}

/// Tells a vCard file from a CSV by its content (file names lie: phones export `.txt`,
/// users rename), so one file input serves both.
pub fn sniff_kind(bytes: &[u8]) -> FileKind {
    let text = encoding::decode(&bytes[..bytes.len().min(4096)], None).text;
    let start = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let head: String = start.chars().take(11).collect();
    if head.eq_ignore_ascii_case("BEGIN:VCARD") {
        FileKind::Vcard
    } else {
        FileKind::Csv
    }
}

/// A customer as read from one row or card, before validation: the form's draft plus
/// the fields the New customer form does not have (source, contracted flag).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportDraft {
    /// Everything the customer form validates.
    pub draft: CustomerDraft,
    /// Where the customer came from (trade fair, referral…).
    pub source: String,
    /// Contracted-organisation flag.
    pub contracted: bool,
}

impl ImportDraft {
    /// Validates like the customer form ([`CustomerDraft::apply`]) and sets the extra
    /// fields; every field error is returned at once.
    pub fn apply(&self, base: &Customer, today: NaiveDate) -> Result<Customer, Vec<FieldError>> {
        let source = self.source.trim();
        let source_check = validation::max_len(source, SHORT_MAX);
        match (self.draft.apply(base, today), source_check) {
            (Ok(mut customer), Ok(())) => {
                customer.source = source.to_string();
                customer.contracted = self.contracted;
                Ok(customer)
            }
            (Ok(_), Err(problem)) => Err(vec![FieldError::new("source", problem)]),
            (Err(mut errors), check) => {
                if let Err(problem) = check {
                    errors.push(FieldError::new("source", problem));
                }
                Err(errors)
            }
        }
    }
}

/// One reason a row or card is rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RowProblem {
    /// A field failed validation (the same reasons the customer form shows).
    #[error("{field} {problem}")]
    Field { field: String, problem: Problem },
    /// The row has fewer cells than the header: its values would shift columns.
    #[error("has {found} cells, the header has {expected}")]
    TooFewCells { expected: usize, found: usize },
    /// The row has more non-empty cells than the header (an unquoted delimiter?).
    #[error("has {found} cells, the header has {expected} (is a comma unquoted?)")]
    TooManyCells { expected: usize, found: usize },
    /// A quote opened in this row is never closed: the rest of the file became one cell.
    #[error("a quote opened in this row is never closed")]
    UnclosedQuote,
    /// A choice column (stage, kind, contracted) holds a value that is not a choice.
    #[error("{field} \"{value}\" is not one of the allowed values")]
    UnknownChoice { field: String, value: String },
    /// A vCard without FN or N (nothing to call the customer).
    #[error("the card has no name (FN or N)")]
    NoName,
    /// A vCard whose `END:VCARD` is missing (a truncated file).
    #[error("the card is not terminated by END:VCARD")]
    Unterminated,
}

impl From<FieldError> for RowProblem {
    fn from(e: FieldError) -> Self {
        RowProblem::Field {
            field: e.field.to_string(),
            problem: e.problem,
        }
    }
}

/// A rejected row or card: where it starts in the file (1-based line) and every reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// 1-based line of the file where the row (or card) starts.
    pub line: u64,
    /// Every reason, in column order.
    pub problems: Vec<RowProblem>,
}

impl RowError {
    /// Wraps the field errors of a failed [`ImportDraft::apply`].
    pub fn fields(line: u64, errors: Vec<FieldError>) -> Self {
        RowError {
            line,
            problems: errors.into_iter().map(RowProblem::from).collect(),
        }
    }

    /// The reasons as one English sentence (the error column of the rejected-rows CSV;
    /// the UI translates [`RowProblem`]s itself).
    pub fn message(&self) -> String {
        self.problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message())
    }
}
