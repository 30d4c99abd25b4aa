//! Search normalisation: the keys a customer is found by, and the form a typed query is
//! turned into, so "instant search" is one prefix range over an index of these keys.
//!
//! A customer matches a query when one of its [`search_keys`] starts with one of the
//! [`search_prefixes`] of the query. Chinese text has no spaces, so every suffix of a
//! CJK run is a key too ("芳" finds "王芳"). A phone number is two keys: its national
//! digits (found by their leading digits, "138 0013") and the same digits reversed (found
//! by the trailing ones, "8000", how reps remember numbers, or a landline's local number
//! without its area code). Digits in the middle of a number do not find it: a key per
//! trailing run of digits made phone numbers half of all index entries, the largest
//! IndexedDB cost of a first sync.

use crate::customer::Customer;

/// Full-width ASCII variants (what Chinese IMEs type in full-width mode) and the
/// ideographic space folded to ASCII. This is the part of NFKC that matters for search
/// here; the full NFKC tables (unicode-normalization) cost ~40 KB gzip of the app bundle.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Full-width folded to ASCII, lowercase, whitespace collapsed.
pub fn normalise(text: &str) -> String {
    let folded: String = text
        .chars()
        .map(fold_width)
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Digits of a phone number with a Chinese country prefix (+86 / 0086) dropped.
pub fn phone_digits(text: &str) -> String {
    let text = normalise(text);
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let international = text.starts_with('+') || text.starts_with("00");
    let national = if international {
        digits
            .strip_prefix("0086")
            .or_else(|| digits.strip_prefix("86"))
            .unwrap_or(&digits)
    } else {
        &digits
    };
    national.to_string()
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xAC00..=0xD7AF | 0x20000..=0x2FA1F)
}

fn looks_like_phone(query: &str) -> bool {
    let digits = query.chars().filter(char::is_ascii_digit).count();
    digits >= 3
        && query
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// The index key prefixes a typed query is looked up by (a customer matches when one of
/// its keys starts with one of them); empty when there is nothing to search for (the list
/// then shows everyone).
pub fn search_prefixes(query: &str) -> Vec<String> {
    let q = normalise(query);
    if q.is_empty() {
        return Vec::new();
    }
    if looks_like_phone(&q) {
        let digits = phone_digits(&q);
        let reversed = reversed_phone_key(&digits);
        return vec![digits, reversed];
    }
    vec![q]
}

/// Marks the reversed-digits key of a phone number (normalised text never starts with a
/// control character, so no text key can collide with it).
const REVERSED_PHONE: char = '\u{1}';

fn reversed_phone_key(digits: &str) -> String {
    std::iter::once(REVERSED_PHONE)
        .chain(digits.chars().rev())
        .collect()
}

/// Fewest digits a phone number needs to be keyed at all.
const PHONE_KEY_MIN_DIGITS: usize = 4;

fn text_keys(text: &str, keys: &mut Vec<String>) {
    let text = normalise(text);
    if text.is_empty() {
        return;
    }
    keys.push(text.clone());
    for word in text.split(|c: char| !c.is_alphanumeric() && c != '@' && c != '.') {
        if word.is_empty() {
            continue;
        }
        keys.push(word.to_string());
        let chars: Vec<char> = word.chars().collect();
        for start in 1..chars.len() {
            if is_cjk(chars[start]) || is_cjk(chars[start - 1]) {
                keys.push(chars[start..].iter().collect());
            }
        }
    }
}

/// Every key a customer can be found by (deduplicated; empty for a deleted customer so
/// tombstones never show up in search).
pub fn search_keys(c: &Customer) -> Vec<String> {
    let mut keys = Vec::new();
    if c.deleted {
        return keys;
    }
    text_keys(&c.name, &mut keys);
    text_keys(&c.company, &mut keys);
    let email = normalise(&c.email);
    if !email.is_empty() {
        if let Some((_, domain)) = email.split_once('@') {
            keys.push(domain.to_string());
        }
        keys.push(email);
    }
    let digits = phone_digits(&c.phone);
    if digits.len() >= PHONE_KEY_MIN_DIGITS {
        keys.push(reversed_phone_key(&digits));
        keys.push(digits);
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The key the customer list is ordered by (normalised name, then id for ties).
pub fn sort_key(c: &Customer) -> String {
    format!("{}\u{0}{}", normalise(&c.name), c.id)
}

/// The same match rule the index implements, for in-memory filtering and tests.
pub fn matches(c: &Customer, query: &str) -> bool {
    let prefixes = search_prefixes(query);
    if prefixes.is_empty() {
        return !c.deleted;
    }
    search_keys(c)
        .iter()
        .any(|k| prefixes.iter().any(|p| k.starts_with(p.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn customer(name: &str, company: &str, email: &str, phone: &str) -> Customer {
        let mut c = Customer::new(Uuid::nil(), name, 0);
        c.company = company.into();
        c.email = email.into();
        c.phone = phone.into();
        c
    }

    #[track_caller]
    fn check(c: &Customer, query: &str, expected: bool) {
        assert_eq!(
            matches(c, query),
            expected,
            "query {query:?} on {:?}",
            c.name
        );
    }

    #[test]
    fn finds_by_any_part_of_name_company_email_phone() {
        let c = customer(
            "王芳",
            "上海春秋国际旅行社",
            "Wang.Fang@Example.cn",
            "+86 138 0013 8000",
        );
        for q in [
            "王",
            "王芳",
            "芳",
            "春秋",
            "旅行社",
            "上海",
            "wang.fang",
            "WANG",
            "example.cn",
        ] {
            check(&c, q, true);
        }
        for q in [
            "13800138000",
            "138 0013",
            "8000",
            "0013 8000",
            "+86 138",
            "８０００",
        ] {
            check(&c, q, true);
        }
        for q in ["李", "fang@", "9999", "国际旅行社x", "0013", "8001"] {
            check(&c, q, false);
        }
    }

    #[test]
    fn latin_names_match_by_word_prefix_and_whole_name() {
        let c = customer("Li  Wei", "Hilton Shanghai", "", "");
        check(&c, "li", true);
        check(&c, "wei", true);
        check(&c, "li w", true);
        check(&c, "Ｌｉ", true);
        check(&c, "ｌｉ　ｗｅｉ", true);
        check(&c, "shang", true);
        check(&c, "ei", false);
    }

    #[test]
    fn deleted_customers_have_no_keys() {
        let mut c = customer("Li Wei", "", "", "");
        c.deleted = true;
        assert!(search_keys(&c).is_empty());
        check(&c, "", false);
    }

    proptest! {
        #[test]
        fn normalise_is_idempotent(s in "\\PC{0,40}") {
            let once = normalise(&s);
            prop_assert_eq!(normalise(&once), once.clone());
        }

        #[test]
        fn every_name_is_found_by_itself(name in "[a-zA-Z\u{4e00}-\u{9fa5} ]{1,20}") {
            prop_assume!(!name.trim().is_empty());
            let c = customer(&name, "", "", "");
            prop_assert!(matches(&c, &name));
        }

        #[test]
        fn phone_found_by_any_trailing_four_or_more(digits in "1[3-9][0-9]{9}", cut in 0usize..8) {
            let c = customer("x", "", "", &format!("+86 {digits}"));
            prop_assert!(matches(&c, &digits[cut..]));
        }

        #[test]
        fn phone_found_by_any_leading_three_or_more(digits in "0[1-9][0-9]{9}", len in 3usize..12) {
            let c = customer("x", "", "", &digits);
            prop_assert!(matches(&c, &digits[..len]));
        }

        #[test]
        fn a_phone_is_two_keys(digits in "1[3-9][0-9]{9}") {
            let c = customer("x", "", "", &digits);
            prop_assert_eq!(search_keys(&c).len(), 1 + 2);
        }
    }
}
