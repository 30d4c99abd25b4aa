//! Customers out to CSV that Excel opens correctly (UTF-8 with BOM, CRLF) and safely
//! (cells that a spreadsheet would run as a formula are escaped), plus the rejected-rows
//! download of an import.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::csv_import::CsvTable;
use super::RowError;
use crate::customer::{Customer, CustomerKind};

/// The UTF-8 byte-order mark, as a char: Excel reads a CSV as UTF-8 only when it starts
/// with it (otherwise as the system code page, which garbles Chinese).
pub const BOM: char = '\u{feff}';

/// Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a cell, apart from apostrophes already in front, starts like a formula.
fn formula_like(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(FORMULA_START)
}

/// Prefixes a cell that a spreadsheet would evaluate (`=cmd|' /C calc'!A0`, `@SUM(…)`,
/// `+86 …`) with `'`, so it is shown as text instead of run. A cell that is already
/// `'=…` gets one more `'`, so [`unescape_formula`] gives back exactly the original.
pub fn escape_formula(cell: &str) -> Cow<'_, str> {
    if formula_like(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Undoes [`escape_formula`] on import, so exporting and re-importing keeps values
/// exactly (`'+86 138…` becomes `+86 138…` again). Other leading quotes are kept.
pub fn unescape_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest,
        _ => cell,
    }
}

/// Appends one CSV record (RFC 4180 quoting, CRLF line end), every cell formula-escaped.
pub fn write_record<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    write_cells(out, cells, true);
}

/// [`write_record`] with or without the formula escaping (test files that imitate what
/// Excel writes have none).
pub fn write_cells<S: AsRef<str>>(out: &mut String, cells: &[S], escape: bool) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let cell = if escape {
            escape_formula(cell.as_ref())
        } else {
            Cow::Borrowed(cell.as_ref())
        };
        if cell.contains([',', '"', '\n', '\r']) || cell.starts_with(' ') || cell.ends_with(' ') {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
}

/// The language of the export's header row (both are recognised by the import).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum HeaderLanguage {
    /// English headers.
    #[default]
    English,
    /// Simplified Chinese headers.
    Chinese,
}

/// The export's columns: (English header, Chinese header, value).
type Column = (&'static str, &'static str, fn(&Customer) -> String);

const COLUMNS: [Column; 17] = [
    ("Name", "姓名", |c| c.name.clone()),
    ("Kind", "类型", |c| match c.kind {
        CustomerKind::Person => "person".into(),
        CustomerKind::Company => "company".into(),
    }),
    ("Company", "公司", |c| c.company.clone()),
    ("Title", "职务", |c| c.title.clone()),
    ("Email", "邮箱", |c| c.email.clone()),
    ("Phone", "电话", |c| c.phone.clone()),
    ("City", "城市", |c| c.city.clone()),
    ("Tags", "标签", |c| c.tags.join(", ")),
    ("Stage", "阶段", |c| c.stage.as_str().into()),
    ("Birthday", "生日", |c| {
        c.birthday.map(|d| d.to_string()).unwrap_or_default()
    }),
    ("Source", "来源", |c| c.source.clone()),
    ("Preferences", "偏好", |c| c.preferences.clone()),
    ("Contracted", "协议客户", |c| {
        if c.contracted { "yes" } else { "no" }.into()
    }),
    ("Notes", "备注", |c| c.notes.clone()),
    ("Owner", "负责人", |c| c.owner.clone()),
    ("Buying role", "采购角色", |c| {
        c.buying_role
            .map(|r| r.as_str().to_string())
            .unwrap_or_default()
    }),
    ("ID", "编号", |c| c.id.to_string()),
];

/// Customers (all, a search result or a segment — the caller chooses) as a CSV file
/// starting with the UTF-8 BOM. Tombstones are left out. Re-importing the file with the
/// guessed mapping reproduces every imported field.
pub fn customers_csv<'a>(
    customers: impl IntoIterator<Item = &'a Customer>,
    language: HeaderLanguage,
) -> String {
    let mut out = String::new();
    out.push(BOM);
    let headers: Vec<&str> = COLUMNS
        .iter()
        .map(|(en, zh, _)| match language {
            HeaderLanguage::English => *en,
            HeaderLanguage::Chinese => *zh,
        })
        .collect();
    write_record(&mut out, &headers);
    for customer in customers.into_iter().filter(|c| !c.deleted) {
        let cells: Vec<String> = COLUMNS
            .iter()
            .map(|(_, _, value)| value(customer))
            .collect();
        write_record(&mut out, &cells);
    }
    out
}

/// The rejected rows of an import as a CSV to fix and import again: a `Line` column,
/// the row's original cells, and an `Error` column with `message(error)` (the caller
/// passes a localised message; [`RowError::message`] is the English one).
pub fn rejected_rows_csv(
    table: &CsvTable,
    rejected: &[RowError],
    message: impl Fn(&RowError) -> String,
) -> String {
    let by_line: HashMap<u64, &[String]> = table
        .rows
        .iter()
        .map(|r| (r.line, r.cells.as_slice()))
        .collect();
    let original = |e: &RowError| by_line.get(&e.line).copied().unwrap_or(&[]);
    // Ragged rows keep all their cells; the Error column stays the last one for all.
    let width = rejected
        .iter()
        .map(|e| original(e).len())
        .chain([table.headers.len()])
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    out.push(BOM);
    let mut header = vec!["Line".to_string()];
    header.extend(table.headers.iter().cloned());
    header.resize(width + 1, String::new());
    header.push("Error".to_string());
    write_record(&mut out, &header);
    for error in rejected {
        let mut cells = vec![error.line.to_string()];
        cells.extend(original(error).iter().cloned());
        cells.resize(width + 1, String::new());
        cells.push(message(error));
        write_record(&mut out, &cells);
    }
    out
}
