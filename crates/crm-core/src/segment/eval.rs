//! Rule evaluation over [`SegmentColumns`]: each condition scans the one column it names
//! into a [`Bitset`]; groups combine bitsets a word at a time.

use super::bitset::Bitset;
use super::columns::{SegmentColumns, NEVER};
use super::period::totals;
use super::rfm::Tier;
use super::rules::{Rule, RuleError, TagOp, TextField, TextOp};
use super::text::{CodeColumn, TextColumn};
use crate::search::normalise;

/// Enums whose values index small lookup tables (their declaration order).
trait Index: Copy {
    fn index(self) -> usize;
}

macro_rules! index_by_discriminant {
    ($($t:ty),*) => {$(
        impl Index for $t {
            #[inline(always)]
            fn index(self) -> usize {
                self as usize
            }
        }
    )*};
}
index_by_discriminant!(
    crate::customer::Stage,
    crate::customer::CustomerKind,
    super::rfm::Tier,
    super::pyramid::PyramidLevel,
    super::lifecycle::Lifecycle
);

/// Members whose enum value is marked in `table`.
fn by_table<T: Index>(values: &[T], table: &[bool]) -> Bitset {
    Bitset::from_fn(values.len(), |i| table[values[i].index()])
}

/// Members whose interned value id is marked in `hits`.
fn by_code(codes: &[u32], hits: &[bool]) -> Bitset {
    Bitset::from_fn(codes.len(), |i| hits[codes[i] as usize])
}

/// `table[value.index()]` is true for the values a condition lists.
fn mask<T: Index, const N: usize>(any_of: &[T]) -> [bool; N] {
    let mut table = [false; N];
    for v in any_of {
        table[v.index()] = true;
    }
    table
}

impl SegmentColumns {
    /// Members of the segment `rule` selects, or every problem of the rule.
    pub fn evaluate(&self, rule: &Rule) -> Result<Bitset, Vec<RuleError>> {
        let errors = rule.validate();
        if errors.is_empty() {
            Ok(self.eval(rule))
        } else {
            Err(errors)
        }
    }

    /// How many customers `rule` selects (the rule builder's live count).
    pub fn count(&self, rule: &Rule) -> Result<usize, Vec<RuleError>> {
        self.evaluate(rule).map(|members| members.count())
    }

    fn eval(&self, rule: &Rule) -> Bitset {
        let n = self.len();
        match rule {
            Rule::And { rules } => {
                let mut acc = Bitset::full(n);
                for r in rules {
                    acc.and_with(&self.eval(r));
                }
                acc
            }
            Rule::Or { rules } => {
                let mut acc = Bitset::empty(n);
                for r in rules {
                    acc.or_with(&self.eval(r));
                }
                acc
            }
            Rule::Not { rule } => self.eval(rule).complement(),
            Rule::Text { field, op, value } => self.eval_text(*field, *op, value),
            Rule::City { any_of } => {
                let mut hits = vec![false; self.city.dict.folded.len()];
                for city in any_of {
                    for (hit, m) in hits
                        .iter_mut()
                        .zip(self.city.dict.matching(&normalise(city), false))
                    {
                        *hit |= m;
                    }
                }
                by_code(&self.city.codes, &hits)
            }
            Rule::Tags { op, tags } => self.eval_tags(*op, tags),
            Rule::Stage { any_of } => by_table(&self.stage, &mask::<_, 4>(any_of)),
            Rule::Kind { any_of } => by_table(&self.kind, &mask::<_, 2>(any_of)),
            Rule::Tier { any_of } => by_table(&self.tier, &mask::<_, 5>(any_of)),
            Rule::RfmScore { op, value } => {
                let (tier, score) = (&self.tier[..], &self.score[..]);
                Bitset::from_fn(n, |i| {
                    tier[i] != Tier::NoPurchases && op.holds(score[i] as i64, *value)
                })
            }
            Rule::Pyramid { any_of } => by_table(&self.pyramid, &mask::<_, 5>(any_of)),
            Rule::Vip { is } => {
                let vip = &self.vip[..];
                Bitset::from_fn(n, |i| vip[i] == *is)
            }
            Rule::Lifecycle { any_of } => by_table(&self.lifecycle, &mask::<_, 3>(any_of)),
            Rule::DaysSinceContact { op, value } => {
                let last_contact = &self.last_contact[..];
                Bitset::from_fn(n, |i| {
                    let last = last_contact[i];
                    let days = if last == NEVER {
                        i64::MAX
                    } else {
                        self.today_day as i64 - last as i64
                    };
                    op.holds(days, *value)
                })
            }
            Rule::InteractionCount { kind, op, value } => match kind {
                None => {
                    let counts = &self.interactions[..];
                    Bitset::from_fn(n, |i| op.holds(counts[i] as i64, *value))
                }
                Some(kind) => {
                    let (counts, k) = (&self.kind_counts[..], *kind as usize);
                    Bitset::from_fn(n, |i| op.holds(counts[i][k] as i64, *value))
                }
            },
            Rule::PurchaseCount { period, op, value } => {
                let range = period.resolve(self.today);
                Bitset::from_fn(n, |i| {
                    op.holds(totals(self.buckets_of(i), range).purchases as i64, *value)
                })
            }
            Rule::Spend {
                period,
                op,
                value_minor,
            } => {
                let range = period.resolve(self.today);
                if range == self.pyramid_range {
                    let spend = &self.pyramid_spend[..];
                    Bitset::from_fn(n, |i| op.holds(spend[i], *value_minor))
                } else {
                    Bitset::from_fn(n, |i| {
                        op.holds(totals(self.buckets_of(i), range).spend_minor, *value_minor)
                    })
                }
            }
        }
    }

    fn eval_text(&self, field: TextField, op: TextOp, value: &str) -> Bitset {
        let needle = normalise(value);
        let contains = op == TextOp::Contains;
        let codes = |col: &CodeColumn| {
            let hits = col.dict.matching(&needle, contains);
            by_code(&col.codes, &hits)
        };
        let text = |slot: usize, raw: &TextColumn| {
            let folded = self.folded[slot].get_or_init(|| raw.folded());
            Bitset::from_fn(self.len(), |i| {
                let value = folded.get(i);
                if contains {
                    value.contains(needle.as_str())
                } else {
                    value == needle
                }
            })
        };
        match field {
            TextField::City => codes(&self.city),
            TextField::Source => codes(&self.source),
            TextField::Owner => codes(&self.owner),
            TextField::Name => text(0, &self.name),
            TextField::Company => text(1, &self.company),
            TextField::Title => text(2, &self.title),
            TextField::Email => text(3, &self.email),
            TextField::Phone => text(4, &self.phone),
        }
    }

    fn eval_tags(&self, op: TagOp, tags: &[String]) -> Bitset {
        let mut wanted: Vec<String> = tags.iter().map(|t| normalise(t)).collect();
        wanted.sort();
        wanted.dedup();
        // For each distinct tag of the book: which wanted tags (bit j) it is.
        let bits: Vec<u64> = self
            .tags
            .dict
            .folded
            .iter()
            .map(|tag| match wanted.binary_search(tag) {
                Ok(j) => 1u64 << j,
                Err(_) => 0,
            })
            .collect();
        let all = u64::MAX >> (64 - wanted.len().clamp(1, 64));
        let (ends, ids) = (&self.tags.ends[..], &self.tags.ids[..]);
        let mut start = 0;
        Bitset::from_fn(self.len(), |i| {
            let end = ends[i] as usize;
            let seen = ids[start..end]
                .iter()
                .fold(0u64, |acc, t| acc | bits[*t as usize]);
            start = end;
            match op {
                TagOp::Any => seen != 0,
                TagOp::All => seen == all,
                TagOp::None => seen == 0,
            }
        })
    }
}
