//! Text columns for rule conditions: high-cardinality fields (name, email…) as one
//! string arena, low-cardinality ones (city, source, owner, tags) interned to ids.
//!
//! Text is compared the way search compares it ([`crate::search::normalise`]: full-width
//! folded, lowercase, whitespace collapsed). Arena text is stored raw and folded while a
//! condition scans it, so building columns costs a copy, not a fold of every string.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::search::normalise;

/// Full-width ASCII and the ideographic space folded to ASCII (as `search` does).
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// CJK ideographs have no case and are never whitespace: the common case in this book.
fn is_caseless_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF)
}

/// Writes `normalise(text)` into `out` (cleared first) without allocating per call.
pub(crate) fn fold_into(text: &str, out: &mut String) {
    out.clear();
    let mut space = false;
    let mut put = |c: char, out: &mut String| {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    };
    for c in text.chars().map(fold_width) {
        if c.is_ascii() {
            put(c.to_ascii_lowercase(), out);
        } else if is_caseless_cjk(c) {
            put(c, out);
        } else {
            for lower in c.to_lowercase() {
                put(lower, out);
            }
        }
    }
}

/// Strings of one field for every customer, back to back in one buffer.
#[derive(Debug, Clone, Default)]
pub(crate) struct TextColumn {
    bytes: String,
    ends: Vec<u32>,
}

impl TextColumn {
    pub(crate) fn with_capacity(rows: usize) -> Self {
        TextColumn {
            bytes: String::with_capacity(rows * 32),
            ends: Vec::with_capacity(rows),
        }
    }

    pub(crate) fn push(&mut self, text: &str) {
        self.bytes.push_str(text);
        self.ends.push(self.bytes.len() as u32);
    }

    // Hot per-customer helper: inlined even at the bundle's opt-level "z".
    #[inline(always)]
    pub(crate) fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// The same strings, folded for comparisons (made on a column's first text condition).
    pub(crate) fn folded(&self) -> TextColumn {
        let mut out = TextColumn {
            bytes: String::with_capacity(self.bytes.len() + self.bytes.len() / 8),
            ends: Vec::with_capacity(self.ends.len()),
        };
        let mut buf = String::new();
        for i in 0..self.ends.len() {
            fold_into(self.get(i), &mut buf);
            out.push(&buf);
        }
        out
    }
}

/// FxHash (rustc's hasher): interning 100k short strings with SipHash costs several
/// milliseconds more, and these keys come from the user's own data, not an attacker.
#[derive(Default)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(tail) ^ rest.len() as u64);
    }
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Distinct values of a field, with their folded form for comparisons.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dict {
    pub(crate) folded: Vec<String>,
}

impl Dict {
    /// Which entries a condition value selects: equal after folding, or containing it.
    pub(crate) fn matching(&self, folded_value: &str, contains: bool) -> Vec<bool> {
        self.folded
            .iter()
            .map(|entry| {
                if contains {
                    entry.contains(folded_value)
                } else {
                    entry == folded_value
                }
            })
            .collect()
    }
}

/// Assigns ids to distinct raw strings while columns are built.
pub(crate) struct Interner<'a> {
    ids: HashMap<&'a str, u32, BuildHasherDefault<FxHasher>>,
    dict: Dict,
}

impl<'a> Interner<'a> {
    pub(crate) fn new() -> Self {
        Interner {
            ids: HashMap::default(),
            dict: Dict::default(),
        }
    }

    pub(crate) fn intern(&mut self, raw: &'a str) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(raw).or_insert_with(|| {
            self.dict.folded.push(normalise(raw));
            next
        })
    }

    pub(crate) fn finish(self) -> Dict {
        self.dict
    }
}

/// One interned value per customer (city, source, owner).
#[derive(Debug, Clone, Default)]
pub(crate) struct CodeColumn {
    pub(crate) dict: Dict,
    pub(crate) codes: Vec<u32>,
}

/// Interned tags per customer, as offsets into one list of tag ids.
#[derive(Debug, Clone, Default)]
pub(crate) struct TagColumn {
    pub(crate) dict: Dict,
    pub(crate) ends: Vec<u32>,
    pub(crate) ids: Vec<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folding_matches_search() {
        let mut out = String::new();
        for text in ["  ＶＩＰ　客户 ", "Müller  GmbH", "", " \t ", "上海"] {
            fold_into(text, &mut out);
            assert_eq!(out, normalise(text), "{text:?}");
        }
    }

    #[test]
    fn interning_gives_one_id_per_distinct_raw_value() {
        let mut interner = Interner::new();
        let ids: Vec<u32> = ["上海", "北京", "上海", "VIP", "vip"]
            .iter()
            .map(|s| interner.intern(s))
            .collect();
        assert_eq!(ids, [0, 1, 0, 2, 3]);
        let dict = interner.finish();
        assert_eq!(dict.matching("vip", false), [false, false, true, true]);
        assert_eq!(dict.matching("海", true), [true, false, false, false]);
    }

    #[test]
    fn the_arena_returns_each_string() {
        let mut col = TextColumn::with_capacity(3);
        for s in ["王芳", "", "Emma Smith"] {
            col.push(s);
        }
        assert_eq!(
            [col.get(0), col.get(1), col.get(2)],
            ["王芳", "", "Emma Smith"]
        );
    }

    proptest! {
        #[test]
        fn fold_into_is_normalise(text in "[ a-zA-Z\u{3000}\u{FF01}-\u{FF5E}\u{0085}\u{000B}\u{00A0}王芳ÄÖßİΣ\t]{0,16}") {
            let mut out = String::new();
            fold_into(&text, &mut out);
            prop_assert_eq!(out, normalise(&text));
        }
    }
}
