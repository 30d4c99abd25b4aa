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
                Bitset::from_fn(n, |i| hits[self.city.codes[i] as usize])
            }
            Rule::Tags { op, tags } => self.eval_tags(*op, tags),
            Rule::Stage { any_of } => {
                let m: [bool; 4] = mask(any_of);
                Bitset::from_fn(n, |i| m[self.stage[i] as usize])
            }
            Rule::Kind { any_of } => {
                let m: [bool; 2] = mask(any_of);
                Bitset::from_fn(n, |i| m[self.kind[i] as usize])
            }
            Rule::Tier { any_of } => {
                let m: [bool; 5] = mask(any_of);
                Bitset::from_fn(n, |i| m[self.tier[i] as usize])
            }
            Rule::RfmScore { op, value } => Bitset::from_fn(n, |i| {
                self.tier[i] != Tier::NoPurchases && op.holds(self.score[i] as i64, *value)
            }),
            Rule::Pyramid { any_of } => {
                let m: [bool; 5] = mask(any_of);
                Bitset::from_fn(n, |i| m[self.pyramid[i] as usize])
            }
            Rule::Vip { is } => Bitset::from_fn(n, |i| self.vip[i] == *is),
            Rule::Lifecycle { any_of } => {
                let m: [bool; 3] = mask(any_of);
                Bitset::from_fn(n, |i| m[self.lifecycle[i] as usize])
            }
            Rule::DaysSinceContact { op, value } => Bitset::from_fn(n, |i| {
                let last = self.last_contact[i];
                let days = if last == NEVER {
                    i64::MAX
                } else {
                    self.today_day as i64 - last as i64
                };
                op.holds(days, *value)
            }),
            Rule::InteractionCount { kind, op, value } => Bitset::from_fn(n, |i| {
                let count = match kind {
                    None => self.interactions[i],
                    Some(k) => self.kind_counts[i][*k as usize],
                };
                op.holds(count as i64, *value)
            }),
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
                    Bitset::from_fn(n, |i| op.holds(self.pyramid_spend[i], *value_minor))
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
            Bitset::from_fn(self.len(), |i| hits[col.codes[i] as usize])
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
        let seen = |i: usize| {
            self.tags
                .tags(i)
                .iter()
                .fold(0u64, |acc, t| acc | bits[*t as usize])
        };
        let n = self.len();
        match op {
            TagOp::Any => Bitset::from_fn(n, |i| seen(i) != 0),
            TagOp::All => Bitset::from_fn(n, |i| seen(i) == all),
            TagOp::None => Bitset::from_fn(n, |i| seen(i) == 0),
        }
    }
}
