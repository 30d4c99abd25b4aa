//! CSV files to a header row plus data rows, each with the 1-based line it starts on, so
//! a rejected row can be reported by the line the user sees in their editor (quoted
//! cells may span several lines).

use serde::{Deserialize, Serialize};

use super::encoding::{self, Delimiter, TextEncoding};
use super::{ImportError, MAX_IMPORT_BYTES};

/// How to read a CSV file; `None` means detect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvOptions {
    /// Encoding override (the user's choice after a garbled preview).
    pub encoding: Option<TextEncoding>,
    /// Delimiter override.
    pub delimiter: Option<Delimiter>,
    /// Size limit in bytes ([`MAX_IMPORT_BYTES`] in the app).
    pub max_bytes: u64,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            encoding: None,
            delimiter: None,
            max_bytes: MAX_IMPORT_BYTES,
        }
    }
}

/// One data row as it appears in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvRow {
    /// 1-based line where the row starts.
    pub line: u64,
    /// The cells as written (quotes removed, not trimmed).
    pub cells: Vec<String>,
    /// The row ends inside a quote that is never closed (only ever the last row).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unclosed_quote: bool,
}

/// A parsed CSV file: what the mapping step and the row import work on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvTable {
    /// The encoding the bytes were read as.
    pub encoding: TextEncoding,
    /// Some bytes could not be decoded (the preview will show U+FFFD): suggest an override.
    pub had_decode_errors: bool,
    /// The delimiter used.
    pub delimiter: Delimiter,
    /// 1-based line of the header row.
    pub header_line: u64,
    /// Header cells, trimmed; a blank header becomes "Column N".
    pub headers: Vec<String>,
    /// Data rows, blank rows (only empty cells) left out.
    pub rows: Vec<CsvRow>,
}

impl CsvTable {
    /// The first `n` rows: what the mapping step previews.
    pub fn head(&self, n: usize) -> &[CsvRow] {
        &self.rows[..self.rows.len().min(n)]
    }
}

/// Reads a CSV file: size and binary checks, decoding, delimiter sniffing, parsing.
pub fn read_csv(bytes: &[u8], options: &CsvOptions) -> Result<CsvTable, ImportError> {
    encoding::check_file(bytes, options.max_bytes)?;
    let decoded = encoding::decode(bytes, options.encoding);
    encoding::check_text(&decoded.text)?;
    let parsed = parse_csv(&decoded.text, options.delimiter)?;
    Ok(CsvTable {
        encoding: decoded.encoding,
        had_decode_errors: decoded.had_errors,
        delimiter: parsed.delimiter,
        header_line: parsed.header_line,
        headers: parsed.headers,
        rows: parsed.rows,
    })
}

/// The text-level part of [`CsvTable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCsv {
    /// The delimiter used (given, from a `sep=` line, or sniffed).
    pub delimiter: Delimiter,
    /// 1-based line of the header row.
    pub header_line: u64,
    /// Header cells, trimmed.
    pub headers: Vec<String>,
    /// Non-blank data rows.
    pub rows: Vec<CsvRow>,
}

/// Parses decoded text. Understands Excel's `sep=;` first line, CRLF / LF / old-Mac CR
/// line ends, quoted cells with delimiters, doubled quotes and newlines. Rows of any
/// length are kept (ragged rows are a row error later, not a parse failure).
pub fn parse_csv(text: &str, delimiter: Option<Delimiter>) -> Result<ParsedCsv, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let owned;
    let text = if text.contains('\r') && !text.contains('\n') {
        owned = text.replace('\r', "\n");
        owned.as_str()
    } else {
        text
    };
    let (sep_line, body, line_offset) = split_sep_line(text);
    let delimiter = delimiter
        .or(sep_line)
        .unwrap_or_else(|| encoding::sniff_delimiter(body));

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter.as_char() as u8)
        .from_reader(body.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut header: Option<(u64, Vec<String>)> = None;
    let mut rows = Vec::new();
    let mut last_start = 0usize;
    // Lines are counted here from byte offsets: the csv crate's own line numbers are
    // one short after CRLF and blank lines (it counts the '\n' of "\r\n" late).
    let mut counted = (0usize, 1 + line_offset);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => return Err(ImportError::NotText),
        }
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let start = start
            + body.as_bytes()[start.min(body.len())..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        let newlines = body.as_bytes()[counted.0..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        counted = (start, counted.1 + newlines as u64);
        let line = counted.1;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        last_start = start;
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if header.is_none() {
            header = Some((line, cells));
        } else {
            rows.push(CsvRow {
                line,
                cells,
                unclosed_quote: false,
            });
        }
    }
    let Some((header_line, header)) = header else {
        return Err(ImportError::Empty);
    };
    if rows.is_empty() {
        return Err(ImportError::HeaderOnly);
    }
    if ends_in_open_quote(&body[last_start.min(body.len())..], delimiter.as_char()) {
        if let Some(last) = rows.last_mut() {
            last.unclosed_quote = true;
        }
    }
    let headers = header
        .iter()
        .enumerate()
        .map(|(i, h)| match h.trim() {
            "" => format!("Column {}", i + 1),
            h => h.to_string(),
        })
        .collect();
    Ok(ParsedCsv {
        delimiter,
        header_line,
        headers,
        rows,
    })
}

/// Excel's `sep=;` hint line: the delimiter, the text after it, and the line offset.
fn split_sep_line(text: &str) -> (Option<Delimiter>, &str, u64) {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let first = first.trim_end_matches('\r');
    let hint = first
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("sep="))
        .and_then(|_| {
            let mut chars = first[4..].chars();
            let d = chars.next()?;
            chars.next().is_none().then_some(d)
        })
        .and_then(Delimiter::from_char);
    match hint {
        Some(d) => (Some(d), rest, 1),
        None => (None, text, 0),
    }
}

/// Whether a record starting at the beginning of `tail` runs to the end of the text
/// inside a quoted cell (RFC 4180 quoting, as the csv crate reads it).
fn ends_in_open_quote(tail: &str, delimiter: char) -> bool {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    for c in tail.chars() {
        let boundary = c == delimiter || c == '\n' || c == '\r';
        state = match state {
            State::FieldStart if c == '"' => State::Quoted,
            State::FieldStart | State::Unquoted if boundary => State::FieldStart,
            State::FieldStart | State::Unquoted => State::Unquoted,
            State::Quoted if c == '"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if c == '"' => State::Quoted,
            State::QuoteInQuoted if boundary => State::FieldStart,
            State::QuoteInQuoted => State::Unquoted,
        };
    }
    state == State::Quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_quote_detection() {
        assert!(ends_in_open_quote("a,\"b\nc", ','));
        assert!(!ends_in_open_quote("a,\"b\nc\"", ','));
        assert!(!ends_in_open_quote("a,\"b \"\"x\"\" c\"", ','));
        assert!(!ends_in_open_quote("a,5\" screen", ','));
        assert!(ends_in_open_quote("a;\"b;c", ';'));
    }

    #[test]
    fn sep_line() {
        assert_eq!(split_sep_line("sep=;\r\na;b").0, Some(Delimiter::Semicolon));
        assert_eq!(split_sep_line("SEP=\t\na").0, Some(Delimiter::Tab));
        assert_eq!(split_sep_line("sep=;x\na").0, None);
        assert_eq!(split_sep_line("name,sep=;").0, None);
    }
}
