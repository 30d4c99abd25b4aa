//! Calendar months and periods over the monthly purchase buckets of
//! [`Aggregates`](crate::aggregates::Aggregates).
//!
//! Aggregates keep purchases per calendar month, so every period here is a whole number
//! of calendar months: exact on the buckets, never an approximation that would need the
//! interactions themselves. "The last 3 months" is the month of today and the two before
//! it (today's month counts whole: it holds nothing after today).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::aggregates::MonthBucket;

/// A calendar month as `year * 12 + month0`, the index of [`MonthBucket::month`].
/// Written `"YYYY-MM"` in JSON so saved segments stay readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth(pub i32);

impl YearMonth {
    /// The month a date falls in.
    pub fn of(date: NaiveDate) -> Self {
        YearMonth(date.year() * 12 + date.month0() as i32)
    }

    /// `month` is 1–12; `None` otherwise.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        (1..=12)
            .contains(&month)
            .then(|| YearMonth(year * 12 + month as i32 - 1))
    }

    /// Calendar year.
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// Month of the year, 1–12.
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// The month `n` months earlier (saturating at the ends of `i32`).
    pub fn minus(self, n: u32) -> Self {
        YearMonth(self.0.saturating_sub(n.min(i32::MAX as u32) as i32))
    }

    /// The first day of the month (`None` outside chrono's date range).
    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// Why a `"YYYY-MM"` text is not a month.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a month (use YYYY-MM)")]
pub struct BadMonth(pub String);

impl FromStr for YearMonth {
    type Err = BadMonth;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadMonth(s.to_string());
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        YearMonth::new(year, month).ok_or_else(bad)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// An inclusive range of months; empty when `first > last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MonthRange {
    pub first: YearMonth,
    pub last: YearMonth,
}

impl MonthRange {
    /// The `months` calendar months ending with the month of `today` (empty for 0).
    pub fn ending(today: NaiveDate, months: u32) -> Self {
        let last = YearMonth::of(today);
        MonthRange {
            first: YearMonth(last.0.saturating_sub(months.min(i32::MAX as u32) as i32) + 1),
            last,
        }
    }

    /// Every month there is.
    pub const ALL: MonthRange = MonthRange {
        first: YearMonth(i32::MIN),
        last: YearMonth(i32::MAX),
    };

    /// Whether `month` lies in the range.
    pub fn contains(&self, month: i32) -> bool {
        self.first.0 <= month && month <= self.last.0
    }
}

/// A spend / purchase period of a rule or of the pyramid, resolved against today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Period {
    /// The `months` calendar months ending with the month of today.
    LastMonths { months: u32 },
    /// From month `from` to month `to`, both included.
    Between { from: YearMonth, to: YearMonth },
    /// Everything ever bought.
    AllTime,
}

impl Default for Period {
    /// One year: the seeds' evaluation period.
    fn default() -> Self {
        Period::LastMonths { months: 12 }
    }
}

/// Longest "last N months" accepted (20 years).
pub const MAX_PERIOD_MONTHS: u32 = 240;

/// Why a period is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum PeriodProblem {
    #[error("the number of months must be between 1 and {max}")]
    MonthsOutOfRange { max: u32 },
    #[error("the period ends before it starts")]
    EndsBeforeStart,
}

impl Period {
    /// The months this period covers as of `today`.
    pub fn resolve(&self, today: NaiveDate) -> MonthRange {
        match *self {
            Period::LastMonths { months } => MonthRange::ending(today, months),
            Period::Between { from, to } => MonthRange {
                first: from,
                last: to,
            },
            Period::AllTime => MonthRange::ALL,
        }
    }

    /// Checks the period can mean something (a rule with an empty period is a mistake).
    pub fn validate(&self) -> Result<(), PeriodProblem> {
        match *self {
            Period::LastMonths { months } if months == 0 || months > MAX_PERIOD_MONTHS => {
                Err(PeriodProblem::MonthsOutOfRange {
                    max: MAX_PERIOD_MONTHS,
                })
            }
            Period::Between { from, to } if from > to => Err(PeriodProblem::EndsBeforeStart),
            _ => Ok(()),
        }
    }
}

/// Purchases, items and spend summed over some months of one customer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub purchases: u32,
    pub items: u32,
    pub spend_minor: i64,
}

/// Sums the buckets (sorted by month, as [`Aggregates`](crate::aggregates::Aggregates)
/// keeps them) that fall in `range`. Walks from the newest month, since periods are
/// usually recent.
// Hot per-customer helper: inlined even at the bundle's opt-level "z".
#[inline(always)]
pub fn totals(buckets: &[MonthBucket], range: MonthRange) -> Totals {
    let mut t = Totals::default();
    for b in buckets.iter().rev() {
        if b.month > range.last.0 {
            continue;
        }
        if b.month < range.first.0 {
            break;
        }
        t.purchases = t.purchases.saturating_add(b.purchases);
        t.items = t.items.saturating_add(b.items);
        t.spend_minor = t.spend_minor.saturating_add(b.spend_minor);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn bucket(month: YearMonth, spend: i64) -> MonthBucket {
        MonthBucket {
            month: month.0,
            purchases: 1,
            items: 2,
            spend_minor: spend,
        }
    }

    #[test]
    fn months_print_and_parse_as_yyyy_mm() {
        let m = YearMonth::of(date(2026, 1, 31));
        assert_eq!(m, YearMonth::new(2026, 1).unwrap());
        assert_eq!(m.0, crate::aggregates::month_index(date(2026, 1, 5)));
        assert_eq!(m.to_string(), "2026-01");
        assert_eq!("2026-01".parse::<YearMonth>(), Ok(m));
        assert_eq!(m.minus(1).to_string(), "2025-12");
        assert_eq!(m.first_day(), Some(date(2026, 1, 1)));
        for bad in ["2026-13", "2026-00", "2026-1", "26-01", "2026/01", ""] {
            assert!(bad.parse::<YearMonth>().is_err(), "{bad}");
        }
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, "\"2026-01\"");
        assert_eq!(serde_json::from_str::<YearMonth>(&json).unwrap(), m);
    }

    #[test]
    fn last_months_end_with_the_month_of_today() {
        let today = date(2026, 11, 30);
        let r = Period::LastMonths { months: 12 }.resolve(today);
        assert_eq!(r.first.to_string(), "2025-12");
        assert_eq!(r.last.to_string(), "2026-11");
        let r = Period::LastMonths { months: 1 }.resolve(today);
        assert_eq!((r.first, r.last), (r.last, YearMonth::of(today)));
        let empty = MonthRange::ending(today, 0);
        assert!(!empty.contains(YearMonth::of(today).0));
    }

    #[test]
    fn totals_sum_only_the_months_in_range() {
        let m = |y, mo| YearMonth::new(y, mo).unwrap();
        let buckets = [
            bucket(m(2025, 11), 100),
            bucket(m(2025, 12), 200),
            bucket(m(2026, 6), 400),
            bucket(m(2026, 12), 800),
        ];
        let range = MonthRange {
            first: m(2025, 12),
            last: m(2026, 11),
        };
        assert_eq!(
            totals(&buckets, range),
            Totals {
                purchases: 2,
                items: 4,
                spend_minor: 600
            }
        );
        assert_eq!(totals(&buckets, MonthRange::ALL).spend_minor, 1500);
        assert_eq!(totals(&[], range), Totals::default());
    }

    #[test]
    fn periods_validate_and_round_trip() {
        assert!(Period::LastMonths { months: 0 }.validate().is_err());
        assert!(Period::LastMonths { months: 241 }.validate().is_err());
        assert!(Period::LastMonths { months: 240 }.validate().is_ok());
        let from = YearMonth::new(2026, 3).unwrap();
        let to = YearMonth::new(2026, 1).unwrap();
        assert_eq!(
            Period::Between { from, to }.validate(),
            Err(PeriodProblem::EndsBeforeStart)
        );
        let p = Period::Between { from: to, to: from };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"type":"between","from":"2026-01","to":"2026-03"}"#
        );
        assert_eq!(serde_json::from_str::<Period>(&json).unwrap(), p);
        assert_eq!(
            serde_json::from_str::<Period>(r#"{"type":"last_months","months":3}"#).unwrap(),
            Period::LastMonths { months: 3 }
        );
    }
}
