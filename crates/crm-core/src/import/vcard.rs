//! vCard 2.1 / 3.0 / 4.0 (`.vcf`) to customer drafts, one result per card.
//!
//! A small parser of our own rather than the `ical` crate: ical 0.11 rejects the bare
//! 2.1 parameters phones still write (`TEL;CELL:`), breaks on quoted-printable soft line
//! breaks (continuation lines that start with `=`), drops the space before a fold, and
//! one bad line derails every following card. Here a bad card is one rejected card.
//!
//! Handled: several cards per file, folded lines (CRLF/LF + space or tab), 2.1
//! `ENCODING=QUOTED-PRINTABLE` with soft breaks and `CHARSET=` (UTF-8, GBK, GB2312…),
//! bare 2.1 parameters, property groups (`item1.EMAIL`), quoted parameter values that
//! contain `:` or `;` (4.0 `LABEL="…"`), `tel:` URIs, backslash escapes, and Apple's
//! year-less birthdays.

use chrono::NaiveDate;
use encoding_rs::{Encoding, GB18030};
use serde::{Deserialize, Serialize};

use super::encoding::{self, TextEncoding};
use super::{ImportDraft, ImportError, RowError, RowProblem};
use crate::customer::{Customer, CustomerKind};

/// One card of the file: where it starts and what it became.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VcardCard {
    /// 1-based line of its `BEGIN:VCARD`.
    pub line: u64,
    /// The card's `VERSION` ("2.1", "3.0", "4.0"; empty when missing).
    pub version: String,
    /// The draft, or why the card cannot be imported.
    pub draft: Result<ImportDraft, RowError>,
}

/// Reads a `.vcf` file: size and binary checks, decoding (UTF-8, else GB18030, or the
/// override), then every card.
pub fn read_vcards(
    bytes: &[u8],
    encoding: Option<TextEncoding>,
    max_bytes: u64,
) -> Result<Vec<VcardCard>, ImportError> {
    encoding::check_file(bytes, max_bytes)?;
    let decoded = encoding::decode(bytes, encoding);
    encoding::check_text(&decoded.text)?;
    parse_vcards(&decoded.text)
}

/// Every card in `text`; [`ImportError::NoCards`] when there is none.
pub fn parse_vcards(text: &str) -> Result<Vec<VcardCard>, ImportError> {
    let mut cards = Vec::new();
    let mut open: Option<(u64, Vec<Property>)> = None;
    for (line, logical) in logical_lines(text) {
        let Some(property) = parse_property(&logical) else {
            continue;
        };
        match property.name.as_str() {
            "BEGIN" if property.value.trim().eq_ignore_ascii_case("VCARD") => {
                if let Some((start, _)) = open.take() {
                    cards.push(unterminated(start));
                }
                open = Some((line, Vec::new()));
            }
            "END" if property.value.trim().eq_ignore_ascii_case("VCARD") => {
                if let Some((start, properties)) = open.take() {
                    cards.push(card_from(start, &properties));
                }
            }
            _ => {
                if let Some((_, properties)) = open.as_mut() {
                    properties.push(property);
                }
            }
        }
    }
    if let Some((start, _)) = open {
        cards.push(unterminated(start));
    }
    if cards.is_empty() {
        return Err(ImportError::NoCards);
    }
    Ok(cards)
}

/// One card to a validated customer built on `base`, or the card's line and reasons.
pub fn import_card(
    card: &VcardCard,
    base: &Customer,
    today: NaiveDate,
) -> Result<Customer, RowError> {
    match &card.draft {
        Ok(draft) => draft
            .apply(base, today)
            .map_err(|errors| RowError::fields(card.line, errors)),
        Err(e) => Err(e.clone()),
    }
}

fn unterminated(line: u64) -> VcardCard {
    VcardCard {
        line,
        version: String::new(),
        draft: Err(RowError {
            line,
            problems: vec![RowProblem::Unterminated],
        }),
    }
}

/// Physical lines joined into logical ones, each with the line number it starts on.
fn logical_lines(text: &str) -> Vec<(u64, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let owned;
    let text = if text.contains('\r') && !text.contains('\n') {
        owned = text.replace('\r', "\n");
        owned.as_str()
    } else {
        text
    };
    let mut out: Vec<(u64, String)> = Vec::new();
    let mut current: Option<(u64, String)> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let number = i as u64 + 1;
        if let Some((_, logical)) = current.as_mut() {
            if logical.ends_with('=')
                && is_quoted_printable(logical)
                && !raw.trim().eq_ignore_ascii_case("END:VCARD")
            {
                // Quoted-printable soft line break: "=" + newline joins the lines.
                logical.pop();
                let folded = raw.strip_prefix([' ', '\t']).filter(|r| r.starts_with('='));
                logical.push_str(folded.unwrap_or(raw));
                continue;
            }
            if let Some(rest) = raw.strip_prefix([' ', '\t']) {
                // RFC 6350 §3.2 folding: newline + one space or tab is removed.
                logical.push_str(rest);
                continue;
            }
        }
        if let Some(done) = current.take() {
            out.push(done);
        }
        if !raw.trim().is_empty() {
            current = Some((number, raw.to_string()));
        }
    }
    out.extend(current);
    out
}

/// Whether a logical line's parameters say quoted-printable (`ENCODING=…` or bare 2.1).
fn is_quoted_printable(line: &str) -> bool {
    let head = match split_at_value(line) {
        Some((head, _)) => head,
        None => line,
    };
    head.to_ascii_uppercase().contains("QUOTED-PRINTABLE")
}

/// Splits at the first `:` that is not inside a double-quoted parameter value.
fn split_at_value(line: &str) -> Option<(&str, &str)> {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return Some((&line[..i], &line[i + 1..])),
            _ => {}
        }
    }
    None
}

/// Splits on `separator` outside double quotes.
fn split_outside_quotes(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == separator && !quoted {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

/// One content line: `[group.]NAME;PARAM=VALUE,VALUE;BARE:value`.
#[derive(Debug, Clone, PartialEq)]
struct Property {
    /// Upper-case name without its group.
    name: String,
    /// Upper-case parameter names with their values (quotes removed).
    params: Vec<(String, Vec<String>)>,
    /// The raw value (still encoded and escaped).
    value: String,
}

impl Property {
    fn param<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.params
            .iter()
            .filter(move |(n, _)| n == name)
            .flat_map(|(_, values)| values.iter().map(String::as_str))
    }

    /// TYPE values, lower case, including 2.1 bare types and a 4.0 `PREF` parameter.
    fn types(&self) -> Vec<String> {
        let mut types: Vec<String> = self.param("TYPE").map(str::to_ascii_lowercase).collect();
        if self.param("PREF").next().is_some() {
            types.push("pref".to_string());
        }
        types
    }
}

fn parse_property(line: &str) -> Option<Property> {
    let (head, value) = split_at_value(line)?;
    let mut parts = split_outside_quotes(head, ';').into_iter();
    let name = parts.next()?.trim();
    let name = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
    if name.is_empty() {
        return None;
    }
    let mut params = Vec::new();
    for part in parts {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (key, values) = match part.split_once('=') {
            Some((key, values)) => (key.trim().to_ascii_uppercase(), values),
            None => {
                // vCard 2.1 bare parameter: an encoding, a charset-less value, or a type.
                let upper = part.to_ascii_uppercase();
                let key = match upper.as_str() {
                    "QUOTED-PRINTABLE" | "BASE64" | "8BIT" | "7BIT" | "B" => "ENCODING",
                    _ => "TYPE",
                };
                (key.to_string(), part)
            }
        };
        // A quoted TYPE list (`TYPE="work,voice"`, RFC 6350) is still a list.
        let values = split_outside_quotes(values, ',')
            .into_iter()
            .map(|v| v.trim().trim_matches('"'))
            .flat_map(|v| match key.as_str() {
                "TYPE" => v.split(',').map(str::trim).collect::<Vec<_>>(),
                _ => vec![v],
            })
            .map(str::to_string)
            .collect();
        params.push((key, values));
    }
    Some(Property {
        name,
        params,
        value: value.to_string(),
    })
}

/// Decodes `=XX` escapes; a `=` not followed by two hex digits is kept as is.
fn quoted_printable_bytes(value: &str) -> Vec<u8> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(byte) = hex {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// The value as text: quoted-printable decoded with its CHARSET (UTF-8 by default,
/// GB18030 when that fails), base64 (photos, keys) dropped.
fn text_value(p: &Property) -> String {
    let encoding = p
        .param("ENCODING")
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    match encoding.as_str() {
        "QUOTED-PRINTABLE" => {
            let bytes = quoted_printable_bytes(&p.value);
            let charset = p
                .param("CHARSET")
                .next()
                .and_then(|label| Encoding::for_label(label.as_bytes()));
            match charset {
                Some(charset) => charset.decode_without_bom_handling(&bytes).0.into_owned(),
                None => match std::str::from_utf8(&bytes) {
                    Ok(text) => text.to_string(),
                    Err(_) => GB18030.decode_without_bom_handling(&bytes).0.into_owned(),
                },
            }
        }
        "B" | "BASE64" => String::new(),
        _ => p.value.clone(),
    }
}

/// Splits a structured value on unescaped `separator` and unescapes each component.
/// vCard 2.1 only escapes `\;` (a Windows path in a 2.1 note keeps its backslashes).
fn components(value: &str, separator: char, v21: bool) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') if !v21 => current.push('\n'),
                Some(e @ (';' | '\\')) => current.push(e),
                Some(e @ (',' | ':')) if !v21 => current.push(e),
                Some(other) => {
                    current.push('\\');
                    current.push(other);
                }
                None => current.push('\\'),
            }
        } else if c == separator {
            parts.push(std::mem::take(&mut current).trim().to_string());
        } else {
            current.push(c);
        }
    }
    parts.push(current.trim().to_string());
    parts
}

/// A whole text value, unescaped (NUL never occurs, so nothing is split).
fn unescaped(p: &Property, v21: bool) -> String {
    components(&text_value(p), '\u{0}', v21).concat()
}

/// Bidirectional-text marks (invisible) that iOS wraps phone numbers in.
fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Removes the invisible direction marks and no-break spaces iOS puts around numbers.
fn clean_phone(text: &str) -> String {
    let text = text.trim();
    let text = text
        .strip_prefix("tel:")
        .or_else(|| text.strip_prefix("TEL:"))
        .unwrap_or(text);
    let text = text.split(';').next().unwrap_or(text);
    text.chars()
        .filter(|c| !is_direction_mark(*c))
        .map(|c| if c == '\u{a0}' { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Picks the best value: lowest rank first, file order among equals.
fn best<T: Clone>(candidates: &[(u8, T)]) -> Option<(usize, T)> {
    candidates
        .iter()
        .enumerate()
        .min_by_key(|(i, (rank, _))| (*rank, *i))
        .map(|(i, (_, v))| (i, v.clone()))
}

/// A `BDAY` as `YYYY-MM-DD`; otherwise (no year, free text) the text to keep in the
/// notes, since a customer's birthday field needs a full date.
fn birthday(p: &Property, text: &str) -> Result<String, String> {
    let date = text.trim().split('T').next().unwrap_or("").replace('-', "");
    if date.len() != 8 || !date.chars().all(|c| c.is_ascii_digit()) {
        return Err(text.trim().to_string());
    }
    let (y, m, d) = (&date[..4], &date[4..6], &date[6..]);
    // Apple writes a year-less birthday with a placeholder year named by this parameter.
    if p.param("X-APPLE-OMIT-YEAR").next() == Some(y) {
        return Err(format!("--{m}-{d}"));
    }
    let number = |s: &str| s.parse::<u32>().ok();
    match (number(y), number(m), number(d)) {
        (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d)
            .map(|date| date.format("%Y-%m-%d").to_string())
            .ok_or_else(|| text.trim().to_string()),
        _ => Err(text.trim().to_string()),
    }
}

/// Google Contacts' system groups, exported as CATEGORIES but not tags anyone chose.
const SYSTEM_GROUPS: [&str; 2] = ["myContacts", "starred"];

/// One card's properties to a draft: the first FN/N/ORG/TITLE, the best TEL (mobile,
/// then preferred; never a fax) and EMAIL (preferred) with the others kept in the
/// notes, the city of the preferred ADR, BDAY, NOTE and CATEGORIES.
fn card_from(line: u64, properties: &[Property]) -> VcardCard {
    let version = properties
        .iter()
        .find(|p| p.name == "VERSION")
        .map(|p| p.value.trim().to_string())
        .unwrap_or_default();
    let v21 = version == "2.1";
    let mut out = ImportDraft::default();
    let mut full_name = String::new();
    let mut structured_name: Vec<String> = Vec::new();
    let mut company = String::new();
    let mut phones: Vec<(u8, String)> = Vec::new();
    let mut emails: Vec<(u8, String)> = Vec::new();
    let mut cities: Vec<(u8, String)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut extra: Vec<String> = Vec::new();
    let mut tags: Vec<String> = Vec::new();
    let mut is_company = false;
    for p in properties {
        let types = p.types();
        let pref = types.iter().any(|t| t == "pref");
        match p.name.as_str() {
            "FN" if full_name.is_empty() => full_name = unescaped(p, v21),
            "N" if structured_name.is_empty() => {
                structured_name = components(&text_value(p), ';', v21)
            }
            "ORG" if company.is_empty() => {
                company = components(&text_value(p), ';', v21)
                    .into_iter()
                    .next()
                    .unwrap_or_default()
            }
            "TITLE" if out.draft.title.is_empty() => out.draft.title = unescaped(p, v21),
            "KIND" => is_company |= p.value.trim().eq_ignore_ascii_case("org"),
            "X-ABSHOWAS" => is_company |= p.value.trim().eq_ignore_ascii_case("COMPANY"),
            "TEL" => {
                let number = clean_phone(&unescaped(p, v21));
                let fax = types.iter().any(|t| t == "fax" || t == "pager");
                let mobile = types.iter().any(|t| t == "cell" || t == "mobile");
                let rank = match (fax, mobile, pref) {
                    (true, _, _) => 3,
                    (_, true, _) => 0,
                    (_, _, true) => 1,
                    _ => 2,
                };
                if !number.is_empty() {
                    phones.push((rank, number));
                }
            }
            "EMAIL" => {
                let email = unescaped(p, v21);
                let email = email
                    .strip_prefix("mailto:")
                    .unwrap_or(&email)
                    .trim()
                    .to_string();
                if !email.is_empty() {
                    emails.push((if pref { 0 } else { 1 }, email));
                }
            }
            "ADR" => {
                let parts = components(&text_value(p), ';', v21);
                let locality = parts.get(3).filter(|s| !s.is_empty());
                let city = locality.or_else(|| parts.get(4).filter(|s| !s.is_empty()));
                if let Some(city) = city {
                    cities.push((if pref { 0 } else { 1 }, city.clone()));
                }
            }
            "BDAY" if out.draft.birthday.is_empty() => match birthday(p, &unescaped(p, v21)) {
                Ok(date) => out.draft.birthday = date,
                Err(text) if !text.is_empty() => extra.push(format!("Birthday: {text}")),
                Err(_) => {}
            },
            "NOTE" => {
                let note = unescaped(p, v21);
                if !note.is_empty() {
                    notes.push(note);
                }
            }
            "CATEGORIES" => {
                for tag in components(&text_value(p), ',', v21) {
                    if !tag.is_empty() && !SYSTEM_GROUPS.contains(&tag.as_str()) {
                        tags.push(tag);
                    }
                }
            }
            _ => {}
        }
    }
    let name_from_parts = || {
        let part = |i: usize| structured_name.get(i).map(String::as_str).unwrap_or("");
        let given = [part(1), part(2)]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        super::values::join_name(&given, part(0))
    };
    let mut name = full_name.trim().to_string();
    if name.is_empty() {
        name = name_from_parts();
    }
    if is_company {
        out.draft.kind = CustomerKind::Company;
        if name.is_empty() {
            name = company.clone();
        }
        if name == company {
            company.clear();
        }
    }
    let draft = &mut out.draft;
    draft.name = name;
    draft.company = company;
    if let Some((i, phone)) = best(&phones) {
        draft.phone = phone;
        let others: Vec<&str> = phones
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, (_, p))| p.as_str())
            .collect();
        if !others.is_empty() {
            extra.insert(0, format!("Tel: {}", others.join(", ")));
        }
    }
    if let Some((i, email)) = best(&emails) {
        draft.email = email;
        let others: Vec<&str> = emails
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, (_, e))| e.as_str())
            .collect();
        if !others.is_empty() {
            extra.push(format!("Email: {}", others.join(", ")));
        }
    }
    if let Some((_, city)) = best(&cities) {
        draft.city = city;
    }
    draft.tags = tags.join(", ");
    notes.extend(extra);
    draft.notes = notes.join("\n");
    let draft = if out.draft.name.trim().is_empty() {
        Err(RowError {
            line,
            problems: vec![RowProblem::NoName],
        })
    } else {
        Ok(out)
    };
    VcardCard {
        line,
        version,
        draft,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties() {
        let p = parse_property("item1.EMAIL;type=INTERNET;type=pref:li@example.cn").unwrap();
        assert_eq!(p.name, "EMAIL");
        assert_eq!(p.types(), ["internet", "pref"]);
        let p = parse_property("TEL;CELL;PREF:+86 138").unwrap();
        assert_eq!(p.types(), ["cell", "pref"]);
        let p = parse_property(r#"ADR;LABEL="a:b;c":;;x;Y"#).unwrap();
        assert_eq!(p.value, ";;x;Y");
        let p = parse_property(r#"TEL;VALUE=uri;TYPE="work,voice";PREF=1:tel:+1-418"#).unwrap();
        assert_eq!(p.types(), ["work", "voice", "pref"]);
        assert_eq!(clean_phone(&p.value), "+1-418");
        assert!(parse_property("no colon here").is_none());
    }

    #[test]
    fn quoted_printable() {
        assert_eq!(quoted_printable_bytes("=E5=BC=A0"), "张".as_bytes());
        assert_eq!(quoted_printable_bytes("a=3Db=\n"), b"a=b=\n");
        assert_eq!(quoted_printable_bytes("=4"), b"=4");
        assert_eq!(quoted_printable_bytes("x=zz"), b"x=zz");
    }

    #[test]
    fn escapes() {
        assert_eq!(components(r"a\,b;c\;d\nx", ';', false), ["a,b", "c;d\nx"]);
        assert_eq!(
            components(r"C:\new\dir;x\;y", ';', true),
            [r"C:\new\dir", "x;y"]
        );
    }

    #[test]
    fn folding_and_soft_breaks() {
        let text =
            "NOTE:Some long \r\n text\r\nNOTE;ENCODING=QUOTED-PRINTABLE:=E5=BC=\r\n=A0\r\n\r\nX:1";
        let lines = logical_lines(text);
        assert_eq!(
            lines,
            vec![
                (1, "NOTE:Some long text".to_string()),
                (3, "NOTE;ENCODING=QUOTED-PRINTABLE:=E5=BC=A0".to_string()),
                (6, "X:1".to_string()),
            ]
        );
    }
}
