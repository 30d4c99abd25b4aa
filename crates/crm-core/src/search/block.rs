//! Search blocks: customers' [`SearchEntry`]s as lines of text, about a thousand to a
//! block, which the browser stores as a few large records instead of an index entry per
//! search key, and scans in memory for a query.
//!
//! A line is `id \t name \t company \t email \t phone \n` with every field normalised
//! (normalised text has no tabs or newlines: whitespace is collapsed to single spaces).
//! A scan looks for the query's text in the whole block first and checks the match rule
//! only on the lines where it occurs.

use uuid::Uuid;

use super::{SearchEntry, SearchQuery};

/// Lines a block holds before new customers go to a new one: a block is rewritten
/// whole when one of its customers' search fields changes, and a search reads only the
/// blocks changed since it last read them.
pub const BLOCK_LINES: usize = 1024;

/// The line of customer `id`.
pub fn line(id: Uuid, entry: &SearchEntry) -> String {
    let SearchEntry {
        name,
        company,
        email,
        phone,
    } = entry;
    format!("{id}\t{name}\t{company}\t{email}\t{phone}\n")
}

/// The id and entry of one line (without its newline); `None` for a malformed line.
pub fn parse_line(line: &str) -> Option<(&str, SearchEntry<&str>)> {
    let mut fields = line.split('\t');
    let id = fields.next()?;
    let entry = SearchEntry {
        name: fields.next()?,
        company: fields.next()?,
        email: fields.next()?,
        phone: fields.next()?,
    };
    fields.next().is_none().then_some((id, entry))
}

/// A customer a scan found: ordered as the customer list is (name, then id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit<'a> {
    pub name: &'a str,
    pub id: &'a str,
}

/// The lines of one block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchBlock {
    text: String,
    /// Number of lines (kept, not counted: a first sync asks once per new customer).
    lines: usize,
}

impl SearchBlock {
    /// A block from its stored text.
    pub fn from_text(text: String) -> SearchBlock {
        let lines = text.bytes().filter(|b| *b == b'\n').count();
        SearchBlock { text, lines }
    }

    /// The text to store.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.lines
    }

    pub fn is_empty(&self) -> bool {
        self.lines == 0
    }

    /// Whether the block has no room for another customer.
    pub fn is_full(&self) -> bool {
        self.lines >= BLOCK_LINES
    }

    /// Appends the line of a customer that has none in this block (a new one).
    pub fn push(&mut self, line: &str) {
        self.text.push_str(line);
        self.lines += 1;
    }

    /// Byte range of the line of `id` (newline included).
    fn find(&self, id: Uuid) -> Option<std::ops::Range<usize>> {
        let id = id.to_string();
        let mut start = 0;
        for line in self.text.split_inclusive('\n') {
            let end = start + line.len();
            if line
                .strip_prefix(id.as_str())
                .is_some_and(|rest| rest.starts_with('\t'))
            {
                return Some(start..end);
            }
            start = end;
        }
        None
    }

    /// Puts the line of `id` (`None` removes it); returns whether the text changed.
    pub fn set(&mut self, id: Uuid, line: Option<&str>) -> bool {
        match (self.find(id), line) {
            (Some(range), Some(line)) if &self.text[range.clone()] == line => false,
            (Some(range), line) => {
                self.text.replace_range(range, line.unwrap_or_default());
                if line.is_none() {
                    self.lines -= 1;
                }
                true
            }
            (None, Some(line)) => {
                self.push(line);
                true
            }
            (None, None) => false,
        }
    }

    /// Adds every line of this block that matches `query` to `hits`.
    pub fn scan<'a>(&'a self, query: &SearchQuery, hits: &mut Vec<Hit<'a>>) {
        let text = self.text.as_str();
        let mut starts: Vec<usize> = Vec::new();
        let needles = query.needles();
        for needle in &needles {
            let mut last = None;
            for (at, _) in text.match_indices(needle) {
                let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                if last != Some(start) {
                    starts.push(start);
                    last = Some(start);
                }
            }
        }
        if needles.len() > 1 {
            starts.sort_unstable();
            starts.dedup();
        }
        for start in starts {
            let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            if let Some((id, entry)) = parse_line(&text[start..end]) {
                if entry.matches(query) {
                    hits.push(Hit {
                        name: entry.name,
                        id,
                    });
                }
            }
        }
    }
}

/// The first `limit` hits in list order.
pub fn first_hits(mut hits: Vec<Hit<'_>>, limit: usize) -> Vec<Hit<'_>> {
    if hits.len() > limit {
        hits.select_nth_unstable(limit);
        hits.truncate(limit);
    }
    hits.sort_unstable();
    hits
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{search::matches, Customer};

    fn customer(n: u128, name: &str, company: &str, email: &str, phone: &str) -> Customer {
        let mut c = Customer::new(Uuid::from_u128(n), name, 0);
        c.company = company.into();
        c.email = email.into();
        c.phone = phone.into();
        c
    }

    fn block_of(customers: &[Customer]) -> SearchBlock {
        let mut block = SearchBlock::default();
        for c in customers {
            let line = SearchEntry::of(c).map(|e| line(c.id, &e));
            block.set(c.id, line.as_deref());
        }
        block
    }

    fn found(block: &SearchBlock, query: &str) -> Vec<String> {
        let mut hits = Vec::new();
        block.scan(&SearchQuery::parse(query).unwrap(), &mut hits);
        first_hits(hits, usize::MAX)
            .iter()
            .map(|h| h.id.to_string())
            .collect()
    }

    #[test]
    fn a_line_reads_back_as_its_entry() {
        let c = customer(
            7,
            "王芳",
            "上海春秋",
            "Wang@Example.cn",
            "+86 138 0013 8000",
        );
        let entry = SearchEntry::of(&c).unwrap();
        let text = line(c.id, &entry);
        let (id, read) = parse_line(text.trim_end_matches('\n')).unwrap();
        assert_eq!(id, c.id.to_string());
        assert_eq!(read.name, "王芳");
        assert_eq!(read.phone, "13800138000");
        assert_eq!(read.email, "wang@example.cn");
        assert_eq!(parse_line("id\tname"), None);
    }

    #[test]
    fn set_replaces_removes_and_appends_one_line_per_customer() {
        let a = customer(1, "Li Wei", "", "", "");
        let b = customer(2, "王芳", "", "", "");
        let mut block = block_of(&[a.clone(), b.clone()]);
        assert_eq!(block.len(), 2);
        let renamed = line(
            a.id,
            &SearchEntry::of(&customer(1, "Zhou", "", "", "")).unwrap(),
        );
        assert!(block.set(a.id, Some(&renamed)));
        assert!(!block.set(a.id, Some(&renamed)), "same line: no change");
        assert_eq!(block.len(), 2);
        assert_eq!(found(&block, "zhou"), vec![a.id.to_string()]);
        assert!(found(&block, "li").is_empty());
        assert!(block.set(b.id, None));
        assert!(!block.set(b.id, None));
        assert_eq!(block.len(), 1);
        assert!(found(&block, "芳").is_empty());
        assert_eq!(block, SearchBlock::from_text(block.text().to_string()));
    }

    #[test]
    fn a_name_that_spells_an_id_does_not_hide_the_customer_it_names() {
        let a = customer(0xabcdef, "x", "", "", "");
        let b = customer(2, &a.id.to_string(), "", "", "");
        let mut block = block_of(&[b.clone(), a.clone()]);
        assert!(block.set(a.id, None));
        assert_eq!(block.len(), 1);
        assert_eq!(found(&block, &a.id.to_string()), vec![b.id.to_string()]);
    }

    #[test]
    fn hits_come_in_list_order_and_once_for_a_phone_query() {
        let a = customer(1, "b", "", "", "13800138000");
        let b = customer(2, "a", "", "", "02012348000");
        let c = customer(3, "c", "8000 Travel", "", "");
        let block = block_of(&[a.clone(), b.clone(), c.clone()]);
        // "8000" finds a and b by their trailing digits and c by its company word.
        assert_eq!(
            found(&block, "8000"),
            vec![b.id.to_string(), a.id.to_string(), c.id.to_string()]
        );
        let mut hits = Vec::new();
        block.scan(&SearchQuery::parse("8000").unwrap(), &mut hits);
        assert_eq!(first_hits(hits, 2).len(), 2);
    }

    fn arb_customer() -> impl Strategy<Value = (String, String, String, String)> {
        (
            "[a-c王芳李 ]{0,6}",
            "[a-c上海旅行社 .]{0,8}",
            "([a-c]{1,3}@[a-c]{1,3}\\.cn)?",
            "(\\+86 )?[0-9]{0,11}",
        )
    }

    proptest! {
        #[test]
        fn a_scan_finds_exactly_the_customers_that_match(
            people in prop::collection::vec(arb_customer(), 0..20),
            query in "[a-c王芳李上海旅行社 .@0-9]{1,5}",
        ) {
            let customers: Vec<Customer> = people
                .iter()
                .enumerate()
                .map(|(n, (name, company, email, phone))| customer(n as u128, name, company, email, phone))
                .collect();
            prop_assume!(SearchQuery::parse(&query).is_some());
            let block = block_of(&customers);
            let mut expected: Vec<(String, String)> = customers
                .iter()
                .filter(|c| matches(c, &query))
                .map(|c| (crate::search::normalise(&c.name), c.id.to_string()))
                .collect();
            expected.sort();
            let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
            prop_assert_eq!(found(&block, &query), expected);
        }
    }
}
