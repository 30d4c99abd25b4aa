//! Search normalisation and the match rule: the keys a customer is found by and the
//! form a typed query is turned into.
//!
//! A customer matches a query when one of its keys ([`SearchEntry::keys`]) starts with
//! one of the query's prefixes ([`SearchQuery`]). Chinese text has no spaces, so every
//! suffix of a CJK run is a key too ("芳" finds "王芳"). A phone number is two keys: its
//! national digits (found by their leading digits, "138 0013") and the same digits
//! reversed (found by the trailing ones, "8000", how reps remember numbers, or a
//! landline's local number without its area code). Digits in the middle of a number do
//! not find it.
//!
//! The keys are a definition, not what is stored: the browser keeps each customer's
//! [`SearchEntry`] as one line of a [`block`] and checks the rule on the fields in place
//! ([`SearchEntry::matches`]), because an IndexedDB index entry per key (about eleven per
//! customer, most of them CJK suffixes) was the largest cost of storing a first sync.

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

/// Calls `visit` with every key of one normalised text field (the whole text, each
/// word, each suffix of a word that starts at or after a CJK character); stops and
/// returns true as soon as `visit` does. Every key is a slice of `text`.
fn visit_text_keys<'a>(text: &'a str, visit: &mut impl FnMut(&'a str) -> bool) -> bool {
    if text.is_empty() {
        return false;
    }
    if visit(text) {
        return true;
    }
    for word in text.split(|c: char| !c.is_alphanumeric() && c != '@' && c != '.') {
        if word.is_empty() {
            continue;
        }
        if visit(word) {
            return true;
        }
        let mut previous: Option<char> = None;
        for (at, c) in word.char_indices() {
            if previous.is_some_and(|p| is_cjk(p) || is_cjk(c)) && visit(&word[at..]) {
                return true;
            }
            previous = Some(c);
        }
    }
    false
}

/// The normalised fields a customer is found by. `S` is `String` for an entry made
/// from a customer and `&str` for one read in place from a stored search block
/// ([`block`]), so a search allocates nothing per customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchEntry<S = String> {
    pub name: S,
    pub company: S,
    pub email: S,
    /// National digits of the phone number; empty when it has too few to be keyed.
    pub phone: S,
}

impl SearchEntry {
    /// The entry of a customer; `None` for a deleted one, so tombstones never show up in
    /// search.
    pub fn of(c: &Customer) -> Option<SearchEntry> {
        if c.deleted {
            return None;
        }
        let mut phone = phone_digits(&c.phone);
        if phone.len() < PHONE_KEY_MIN_DIGITS {
            phone.clear();
        }
        Some(SearchEntry {
            name: normalise(&c.name),
            company: normalise(&c.company),
            email: normalise(&c.email),
            phone,
        })
    }
}

impl<S: AsRef<str>> SearchEntry<S> {
    /// Calls `visit` with every key except the reversed phone digits; stops and returns
    /// true as soon as `visit` does.
    fn visit_keys<'a>(&'a self, mut visit: impl FnMut(&'a str) -> bool) -> bool {
        let email = self.email.as_ref();
        let phone = self.phone.as_ref();
        visit_text_keys(self.name.as_ref(), &mut visit)
            || visit_text_keys(self.company.as_ref(), &mut visit)
            || email
                .split_once('@')
                .is_some_and(|(_, domain)| visit(domain))
            || (!email.is_empty() && visit(email))
            || (!phone.is_empty() && visit(phone))
    }

    /// Every key, deduplicated and sorted: the rule [`SearchEntry::matches`] implements
    /// without building them.
    pub fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        self.visit_keys(|key| {
            keys.push(key.to_string());
            false
        });
        let phone = self.phone.as_ref();
        if !phone.is_empty() {
            keys.push(reversed_phone_key(phone));
        }
        keys.sort();
        keys.dedup();
        keys
    }

    /// Whether one of the entry's keys starts with one of the query's prefixes.
    pub fn matches(&self, query: &SearchQuery) -> bool {
        let phone = self.phone.as_ref();
        self.visit_keys(|key| query.prefixes.iter().any(|p| key.starts_with(p.as_str())))
            || query
                .phone_tail
                .as_deref()
                .is_some_and(|tail| !phone.is_empty() && phone.ends_with(tail))
    }
}

/// A typed query as the prefixes a customer's keys are matched against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// A key must start with one of these.
    pub prefixes: Vec<String>,
    /// For a query that looks like a phone number: its digits, which also match the end
    /// of a phone number (its reversed-digits key).
    pub phone_tail: Option<String>,
}

impl SearchQuery {
    /// The query; `None` when there is nothing to search for (the list then shows
    /// everyone).
    pub fn parse(query: &str) -> Option<SearchQuery> {
        let q = normalise(query);
        if q.is_empty() {
            return None;
        }
        Some(match looks_like_phone(&q) {
            true => {
                let digits = phone_digits(&q);
                SearchQuery {
                    prefixes: vec![digits.clone()],
                    phone_tail: Some(digits),
                }
            }
            false => SearchQuery {
                prefixes: vec![q],
                phone_tail: None,
            },
        })
    }

    /// Every text a matching entry's fields contain (what a search block is scanned for
    /// before a line is checked), each once.
    pub fn needles(&self) -> Vec<&str> {
        let mut needles: Vec<&str> = self.prefixes.iter().map(String::as_str).collect();
        needles.extend(self.phone_tail.as_deref());
        needles.sort_unstable();
        needles.dedup();
        needles
    }
}

/// Every key a customer can be found by (deduplicated; empty for a deleted customer).
pub fn search_keys(c: &Customer) -> Vec<String> {
    SearchEntry::of(c).map(|e| e.keys()).unwrap_or_default()
}

/// The key the customer list is ordered by (normalised name, then id for ties).
pub fn sort_key(c: &Customer) -> String {
    format!("{}\u{0}{}", normalise(&c.name), c.id)
}

/// Whether `c` matches a typed query (everyone live matches an empty one).
pub fn matches(c: &Customer, query: &str) -> bool {
    match (SearchEntry::of(c), SearchQuery::parse(query)) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(entry), Some(query)) => entry.matches(&query),
    }
}

/// The plain key rule [`matches`] implements: some key starts with some prefix (the
/// reversed phone prefix marked like its key).
#[cfg(test)]
fn matches_by_keys(c: &Customer, query: &str) -> bool {
    let Some(query) = SearchQuery::parse(query) else {
        return !c.deleted;
    };
    let mut prefixes = query.prefixes;
    prefixes.extend(query.phone_tail.as_deref().map(reversed_phone_key));
    search_keys(c)
        .iter()
        .any(|k| prefixes.iter().any(|p| k.starts_with(p.as_str())))
}

pub mod block;

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
        fn matching_in_place_is_the_key_rule(
            name in "[a-c王芳 ]{0,5}",
            company in "[a-c上海 .@]{0,6}",
            email in "([a-c]{1,3}@[a-c.]{1,3})?",
            phone in "[0-9 +]{0,12}",
            query in "[a-c王芳上海 .@0-9+]{0,5}",
        ) {
            let c = customer(&name, &company, &email, &phone);
            prop_assert_eq!(matches(&c, &query), matches_by_keys(&c, &query));
        }

        #[test]
        fn a_phone_is_two_keys(digits in "1[3-9][0-9]{9}") {
            let c = customer("x", "", "", &digits);
            prop_assert_eq!(search_keys(&c).len(), 1 + 2);
        }
    }
}
