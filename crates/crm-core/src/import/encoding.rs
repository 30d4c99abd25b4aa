//! Bytes to text: refuse files that are not text, detect the encoding (UTF-8 with or
//! without BOM, Excel's UTF-16 "Unicode text", or GB18030/GBK as Excel writes CSVs on
//! Chinese Windows) with a user override, and sniff the CSV delimiter.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use serde::{Deserialize, Serialize};

use super::ImportError;

/// The text encodings an import can be read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    /// UTF-8, with or without a byte-order mark ("CSV UTF-8" in Excel).
    Utf8,
    /// GB18030, a superset of GBK and GB2312: Excel's plain "CSV" on Chinese Windows.
    Gb18030,
    /// UTF-16 little endian with BOM: Excel's "Unicode text" (tab separated).
    Utf16Le,
    /// UTF-16 big endian with BOM.
    Utf16Be,
    /// Windows-1252: Excel's plain "CSV" on Western Windows. Never detected, only chosen.
    Windows1252,
}

impl TextEncoding {
    /// Every choice, in the order the override menu lists them.
    pub const ALL: [TextEncoding; 5] = [
        TextEncoding::Utf8,
        TextEncoding::Gb18030,
        TextEncoding::Utf16Le,
        TextEncoding::Utf16Be,
        TextEncoding::Windows1252,
    ];

    /// The name users know the encoding by (the override menu's labels).
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Gb18030 => "GB18030 / GBK",
            TextEncoding::Utf16Le => "UTF-16 LE",
            TextEncoding::Utf16Be => "UTF-16 BE",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }

    fn encoding(self) -> &'static Encoding {
        match self {
            TextEncoding::Utf8 => UTF_8,
            TextEncoding::Gb18030 => GB18030,
            TextEncoding::Utf16Le => UTF_16LE,
            TextEncoding::Utf16Be => UTF_16BE,
            TextEncoding::Windows1252 => WINDOWS_1252,
        }
    }

    fn from_encoding(e: &'static Encoding) -> TextEncoding {
        if e == UTF_16LE {
            TextEncoding::Utf16Le
        } else if e == UTF_16BE {
            TextEncoding::Utf16Be
        } else {
            TextEncoding::Utf8
        }
    }
}

/// Decoded text and how it was read, so the UI can show "read as GB18030" and warn
/// when characters could not be decoded (then the user picks another encoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text without its byte-order mark.
    pub text: String,
    /// The encoding used.
    pub encoding: TextEncoding,
    /// Whether the bytes started with a byte-order mark.
    pub had_bom: bool,
    /// Whether some bytes were invalid and replaced by U+FFFD.
    pub had_errors: bool,
}

/// Decodes `bytes` with `choice`, or with the detected encoding when `None`.
///
/// Detection: a byte-order mark wins; otherwise valid UTF-8 is UTF-8; otherwise bytes
/// that are valid GB18030 are GB18030 (Chinese Excel's default); otherwise UTF-8 with
/// replacement characters and `had_errors` set.
pub fn decode(bytes: &[u8], choice: Option<TextEncoding>) -> Decoded {
    let bom = Encoding::for_bom(bytes);
    if let Some(choice) = choice {
        let (text, had_errors) = choice.encoding().decode_with_bom_removal(bytes);
        return Decoded {
            text: text.into_owned(),
            encoding: choice,
            had_bom: bom.is_some_and(|(e, _)| e == choice.encoding()),
            had_errors,
        };
    }
    if let Some((encoding, bom_len)) = bom {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text: text.into_owned(),
            encoding: TextEncoding::from_encoding(encoding),
            had_bom: true,
            had_errors,
        };
    }
    let decoded = |text: Cow<'_, str>, encoding, had_errors| Decoded {
        text: text.into_owned(),
        encoding,
        had_bom: false,
        had_errors,
    };
    if let Ok(text) = std::str::from_utf8(bytes) {
        return decoded(Cow::Borrowed(text), TextEncoding::Utf8, false);
    }
    if let Some(text) = GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        return decoded(text, TextEncoding::Gb18030, false);
    }
    let (text, had_errors) = UTF_8.decode_without_bom_handling(bytes);
    decoded(text, TextEncoding::Utf8, had_errors)
}

/// The encoding [`decode`] would pick for these bytes.
pub fn detect_encoding(bytes: &[u8]) -> TextEncoding {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        TextEncoding::from_encoding(encoding)
    } else if std::str::from_utf8(bytes).is_ok() {
        TextEncoding::Utf8
    } else if GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .is_some()
    {
        TextEncoding::Gb18030
    } else {
        TextEncoding::Utf8
    }
}

/// How far into a file the binary checks look.
const SNIFF_BYTES: usize = 64 * 1024;

const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const BINARY_MAGIC: [&[u8]; 5] = [b"%PDF-", b"\x89PNG", b"GIF8", b"\xFF\xD8\xFF", b"\x7FELF"];

/// Refuses, before any parsing, files that are empty, larger than `max_bytes`, Excel
/// workbooks or binary. `max_bytes` is a parameter so tests need no 50 MB input.
pub fn check_file(bytes: &[u8], max_bytes: u64) -> Result<(), ImportError> {
    let size = bytes.len() as u64;
    if size > max_bytes {
        return Err(ImportError::TooLarge {
            size,
            max: max_bytes,
        });
    }
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if bytes.starts_with(b"PK\x03\x04") {
        let tail = &bytes[bytes.len().saturating_sub(SNIFF_BYTES)..];
        let excel = |b: &[u8]| b.windows(3).any(|w| w == b"xl/");
        return Err(if excel(head) || excel(tail) {
            ImportError::Spreadsheet
        } else {
            ImportError::NotText
        });
    }
    if bytes.starts_with(&OLE_MAGIC) {
        return Err(ImportError::Spreadsheet);
    }
    if BINARY_MAGIC.iter().any(|m| bytes.starts_with(m)) {
        return Err(ImportError::NotText);
    }
    let utf16 = matches!(Encoding::for_bom(bytes), Some((e, _)) if e == UTF_16LE || e == UTF_16BE);
    if !utf16 && head.contains(&0) {
        return Err(ImportError::NotText);
    }
    Ok(())
}

/// Refuses decoded text that is blank or mostly control characters (a binary file that
/// slipped through [`check_file`], or text read in a wrong UTF-16 byte order).
pub fn check_text(text: &str) -> Result<(), ImportError> {
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        return Err(ImportError::Empty);
    }
    let mut total = 0usize;
    let mut control = 0usize;
    for c in text.chars().take(10_000) {
        total += 1;
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c') {
            control += 1;
        }
    }
    if control > 5 && control * 100 > total {
        return Err(ImportError::NotText);
    }
    Ok(())
}

/// The CSV delimiters the import understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delimiter {
    /// `,` — the default.
    Comma,
    /// `;` — Excel in locales whose decimal separator is a comma.
    Semicolon,
    /// Tab — Excel's "Unicode text" and copy-paste from spreadsheets.
    Tab,
}

impl Delimiter {
    /// Every choice, in sniffing preference order for ties.
    pub const ALL: [Delimiter; 3] = [Delimiter::Comma, Delimiter::Semicolon, Delimiter::Tab];

    /// The delimiter character.
    pub fn as_char(self) -> char {
        match self {
            Delimiter::Comma => ',',
            Delimiter::Semicolon => ';',
            Delimiter::Tab => '\t',
        }
    }

    /// Parses the character (`sep=` lines, the override menu).
    pub fn from_char(c: char) -> Option<Delimiter> {
        Delimiter::ALL.into_iter().find(|d| d.as_char() == c)
    }
}

/// How many records the delimiter sniffer looks at.
const SNIFF_RECORDS: usize = 20;

/// Guesses the delimiter from the first records: the candidate that appears in the
/// header row and the same number of times in most following rows (quoted text is
/// skipped, so commas inside quoted notes do not count). Comma when nothing fits.
pub fn sniff_delimiter(text: &str) -> Delimiter {
    let mut rows: Vec<[usize; 3]> = Vec::new();
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    let mut blank = true;
    for c in text.chars().take(SNIFF_BYTES) {
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' | '\r' if !in_quotes => {
                if !blank {
                    rows.push(counts);
                    if rows.len() == SNIFF_RECORDS {
                        break;
                    }
                }
                counts = [0; 3];
                blank = true;
                continue;
            }
            _ => {
                if !in_quotes {
                    if let Some(i) = Delimiter::ALL.iter().position(|d| d.as_char() == c) {
                        counts[i] += 1;
                    }
                }
            }
        }
        blank = false;
    }
    if !blank && rows.len() < SNIFF_RECORDS {
        rows.push(counts);
    }
    let Some(header) = rows.first() else {
        return Delimiter::Comma;
    };
    let mut best: Option<((usize, usize), Delimiter)> = None;
    for (i, delimiter) in Delimiter::ALL.into_iter().enumerate() {
        if header[i] == 0 {
            continue;
        }
        let consistent = rows[1..].iter().filter(|r| r[i] == header[i]).count();
        let score = (consistent, header[i]);
        if best.is_none_or(|(b, _)| score > b) {
            best = Some((score, delimiter));
        }
    }
    best.map_or(Delimiter::Comma, |(_, d)| d)
}
