//! A fixed-size set of customer indices, one bit each: rule conditions produce these and
//! AND/OR/NOT combine them a word (64 customers) at a time.

use serde::{Deserialize, Serialize};

/// Members of a segment: bit `i` is set when customer `i` of the
/// [`SegmentColumns`](super::SegmentColumns) belongs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Bitset {
    words: Vec<u64>,
    len: usize,
}

impl Bitset {
    /// No members out of `len` customers.
    pub fn empty(len: usize) -> Self {
        Bitset {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    /// Every one of `len` customers.
    pub fn full(len: usize) -> Self {
        let mut set = Bitset {
            words: vec![u64::MAX; len.div_ceil(64)],
            len,
        };
        set.clear_tail();
        set
    }

    /// The customers `i < len` for which `member(i)` holds, built a word at a time;
    /// `member` is called once per index, in increasing order.
    // Hot per-customer helper: inlined even at the bundle's opt-level "z".
    #[inline(always)]
    pub fn from_fn(len: usize, mut member: impl FnMut(usize) -> bool) -> Self {
        let mut words = Vec::with_capacity(len.div_ceil(64));
        let mut base = 0;
        while base < len {
            let end = (base + 64).min(len);
            let mut word = 0u64;
            for i in base..end {
                word |= (member(i) as u64) << (i - base);
            }
            words.push(word);
            base = end;
        }
        Bitset { words, len }
    }

    fn clear_tail(&mut self) {
        let rest = self.len % 64;
        if rest != 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= (1u64 << rest) - 1;
            }
        }
    }

    /// Number of customers the set ranges over (members or not).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set ranges over no customers at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of members.
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether customer `i` is a member.
    pub fn contains(&self, i: usize) -> bool {
        i < self.len && self.words[i / 64] & (1 << (i % 64)) != 0
    }

    /// Keeps the members that are also in `other` (AND). Both range over the same customers.
    pub fn and_with(&mut self, other: &Bitset) {
        debug_assert_eq!(self.len, other.len);
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= b;
        }
    }

    /// Adds the members of `other` (OR).
    pub fn or_with(&mut self, other: &Bitset) {
        debug_assert_eq!(self.len, other.len);
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    /// Everyone who was not a member (NOT).
    pub fn complement(mut self) -> Self {
        for w in &mut self.words {
            *w = !*w;
        }
        self.clear_tail();
        self
    }

    /// Member indices in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &word)| {
            let mut w = word;
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let bit = w.trailing_zeros() as usize;
                    w &= w - 1;
                    wi * 64 + bit
                })
            })
        })
    }

    /// Member indices as a list (what the worker posts back to the page).
    pub fn to_indices(&self) -> Vec<u32> {
        self.iter().map(|i| i as u32).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn set_algebra_matches_bools(
            a in proptest::collection::vec(any::<bool>(), 0..200),
            seed in any::<u64>(),
        ) {
            let b: Vec<bool> = (0..a.len()).map(|i| (seed >> (i % 64)) & 1 == 1).collect();
            let sa = Bitset::from_fn(a.len(), |i| a[i]);
            let sb = Bitset::from_fn(b.len(), |i| b[i]);
            prop_assert_eq!(sa.count(), a.iter().filter(|x| **x).count());
            let members: Vec<usize> = (0..a.len()).filter(|i| a[*i]).collect();
            prop_assert_eq!(sa.iter().collect::<Vec<_>>(), members);
            let mut and = sa.clone();
            and.and_with(&sb);
            let mut or = sa.clone();
            or.or_with(&sb);
            let not = sa.clone().complement();
            for i in 0..a.len() {
                prop_assert_eq!(and.contains(i), a[i] && b[i]);
                prop_assert_eq!(or.contains(i), a[i] || b[i]);
                prop_assert_eq!(not.contains(i), !a[i]);
            }
            prop_assert_eq!(not.count(), a.len() - sa.count());
            prop_assert_eq!(Bitset::full(a.len()).count(), a.len());
            prop_assert_eq!(Bitset::empty(a.len()).count(), 0);
            prop_assert!(!sa.contains(a.len()));
        }
    }
}
