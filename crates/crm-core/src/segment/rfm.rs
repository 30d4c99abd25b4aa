//! RFM scoring and tiers, as seed 003 gives them (PRODUCT.md): R by time since the last
//! purchase, F by purchases and M by average purchase value within a one-year window,
//! score = 1·R + 3·F + 4·M, tiers Platinum 36–40, Gold 26–35, Silver 17–25, Bronze ≤ 16.
//!
//! Exactness with monthly buckets:
//! - **Window** (F and M): the `window_months` calendar months ending with the month of
//!   today, i.e. from the 1st of the month eleven months back to today. A purchase in
//!   the partial twelfth month back (at most a year old, but older than that 1st) is
//!   outside: the window never reaches past one year. Customers with no purchase in it
//!   are unscored ([`Tier::NoPurchases`]).
//! - **R** comes from `last_purchase` to the day: "≤ k months" means on or after the date
//!   k calendar months before today (chrono's month arithmetic, clamped to the month's
//!   last day: one month before 31 March is 28/29 February).
//! - **M** compares the exact average (spend ÷ purchases) with the thresholds by
//!   multiplying instead of dividing, so ¥299.99 is below ¥300 and never rounds up.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::period::{totals, MonthRange, Totals, YearMonth};
use super::{SettingsError, SettingsProblem};
use crate::aggregates::{Aggregates, MonthBucket};

/// Which value the M score rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonetaryBasis {
    /// Average purchase value in the window (the seed's table; the default).
    #[default]
    Average,
    /// Total spend in the window (a setting, off by default; the thresholds then need
    /// raising by the user, since the table's amounts are per purchase).
    Total,
}

/// Weights of the three scores in the total (seed: 1, 3, 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmWeights {
    pub recency: u32,
    pub frequency: u32,
    pub monetary: u32,
}

/// Lowest total score of each tier; anything below `silver` is Bronze.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierThresholds {
    pub platinum: u32,
    pub gold: u32,
    pub silver: u32,
}

/// Everything the RFM settings screen edits. `Default` is seed 003's table.
///
/// Each four-entry list gives the bound for scores 5, 4, 3 and 2 in that order; score 1
/// is whatever is left (and at least one purchase in the window).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RfmSettings {
    /// Evaluation period in calendar months (seed: one year).
    pub window_months: u32,
    /// R: at most this many months since the last purchase (seed: 1, 3, 4, 7).
    pub recency_months: [u32; 4],
    /// F: at least this many purchases in the window (seed: 6, 4, 3, 2).
    pub frequency_min: [u32; 4],
    /// M: at least this value in minor units (seed: ¥2,000, ¥1,000, ¥500, ¥300).
    pub monetary_min_minor: [i64; 4],
    pub monetary_basis: MonetaryBasis,
    pub weights: RfmWeights,
    pub tiers: TierThresholds,
}

impl Default for RfmSettings {
    fn default() -> Self {
        RfmSettings {
            window_months: 12,
            recency_months: [1, 3, 4, 7],
            frequency_min: [6, 4, 3, 2],
            monetary_min_minor: [200_000, 100_000, 50_000, 30_000],
            monetary_basis: MonetaryBasis::Average,
            weights: RfmWeights {
                recency: 1,
                frequency: 3,
                monetary: 4,
            },
            tiers: TierThresholds {
                platinum: 36,
                gold: 26,
                silver: 17,
            },
        }
    }
}

/// Largest weight accepted (keeps every score far from overflow).
pub const MAX_WEIGHT: u32 = 100;
/// Longest window accepted, in months.
pub const MAX_WINDOW_MONTHS: u32 = 120;

fn strictly(values: &[i64], falling: bool) -> bool {
    values
        .windows(2)
        .all(|w| if falling { w[0] > w[1] } else { w[0] < w[1] })
}

impl RfmSettings {
    /// Highest total score these weights allow (40 with the seed's).
    pub fn max_score(&self) -> u32 {
        5 * (self.weights.recency + self.weights.frequency + self.weights.monetary)
    }

    /// Every problem of these settings at once, for the settings screen. Scoring itself
    /// never fails: odd settings give odd scores, not panics.
    pub fn validate(&self) -> Vec<SettingsError> {
        let mut errors = Vec::new();
        let mut push = |field, problem| errors.push(SettingsError { field, problem });
        if !(1..=MAX_WINDOW_MONTHS).contains(&self.window_months) {
            push(
                "rfm.window_months",
                SettingsProblem::OutOfRange {
                    min: 1,
                    max: MAX_WINDOW_MONTHS as i64,
                },
            );
        }
        let recency = self.recency_months.map(i64::from);
        if recency[0] < 1 || !strictly(&recency, false) {
            push("rfm.recency_months", SettingsProblem::NotStricter);
        } else if recency[3] >= self.window_months as i64 {
            push(
                "rfm.recency_months",
                SettingsProblem::OutOfRange {
                    min: 1,
                    max: self.window_months as i64 - 1,
                },
            );
        }
        let frequency = self.frequency_min.map(i64::from);
        if frequency[3] < 2 || !strictly(&frequency, true) {
            push("rfm.frequency_min", SettingsProblem::NotStricter);
        }
        if self.monetary_min_minor[3] < 1 || !strictly(&self.monetary_min_minor, true) {
            push("rfm.monetary_min_minor", SettingsProblem::NotStricter);
        }
        let w = self.weights;
        if [w.recency, w.frequency, w.monetary]
            .iter()
            .any(|w| *w > MAX_WEIGHT)
        {
            push(
                "rfm.weights",
                SettingsProblem::OutOfRange {
                    min: 0,
                    max: MAX_WEIGHT as i64,
                },
            );
        } else if w.recency + w.frequency + w.monetary == 0 {
            push("rfm.weights", SettingsProblem::AllZero);
        } else {
            let t = self.tiers;
            if !(t.platinum > t.gold && t.gold > t.silver && t.silver >= 1) {
                push("rfm.tiers", SettingsProblem::NotStricter);
            } else if t.platinum > self.max_score() {
                push(
                    "rfm.tiers",
                    SettingsProblem::Unreachable {
                        max: self.max_score(),
                    },
                );
            }
        }
        errors
    }
}

/// A customer's RFM class: one of the four tiers, or unscored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Platinum,
    Gold,
    Silver,
    Bronze,
    /// No purchase in the window: not scored (seed: 无订购顾客).
    NoPurchases,
}

impl Tier {
    /// Best first, "no purchases" last (the dashboard's bar order).
    pub const ALL: [Tier; 5] = [
        Tier::Platinum,
        Tier::Gold,
        Tier::Silver,
        Tier::Bronze,
        Tier::NoPurchases,
    ];

    /// Stable name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Platinum => "platinum",
            Tier::Gold => "gold",
            Tier::Silver => "silver",
            Tier::Bronze => "bronze",
            Tier::NoPurchases => "no_purchases",
        }
    }

    /// The tier of a total score (never [`Tier::NoPurchases`]: a score means purchases).
    pub fn for_score(score: u32, tiers: &TierThresholds) -> Tier {
        if score >= tiers.platinum {
            Tier::Platinum
        } else if score >= tiers.gold {
            Tier::Gold
        } else if score >= tiers.silver {
            Tier::Silver
        } else {
            Tier::Bronze
        }
    }
}

/// A scored customer: the three 1–5 scores, the weighted total and its tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rfm {
    pub r: u8,
    pub f: u8,
    pub m: u8,
    pub score: u32,
    pub tier: Tier,
}

/// RFM settings resolved against one `today` (cut-off dates computed once), so scoring
/// 100k customers is a few comparisons each.
#[derive(Debug, Clone)]
pub struct RfmScorer {
    /// Day numbers (days from CE): a last purchase on or after `recency_from[k]` scores 5 − k.
    recency_from: [i32; 4],
    window: MonthRange,
    settings: RfmSettings,
}

/// Day number used for cheap date comparisons in columns.
pub(crate) fn day(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

impl RfmScorer {
    /// Resolves `settings` for scoring as of `today`.
    pub fn new(today: NaiveDate, settings: &RfmSettings) -> Self {
        let recency_from = settings.recency_months.map(|months| {
            day(today
                .checked_sub_months(Months::new(months))
                .unwrap_or(NaiveDate::MIN))
        });
        RfmScorer {
            recency_from,
            window: MonthRange::ending(today, settings.window_months),
            settings: settings.clone(),
        }
    }

    /// The months F and M are counted over.
    pub fn window(&self) -> MonthRange {
        self.window
    }

    /// Scores one customer from its aggregates (`None`: no purchase in the window).
    pub fn score(&self, agg: &Aggregates) -> Option<Rfm> {
        self.score_buckets(agg.last_purchase.map(|at| day(at.date())), &agg.months)
    }

    /// Scores from the last purchase's day number and the monthly buckets.
    pub(crate) fn score_buckets(
        &self,
        last_purchase_day: Option<i32>,
        buckets: &[MonthBucket],
    ) -> Option<Rfm> {
        self.score_totals(last_purchase_day, totals(buckets, self.window), buckets)
    }

    /// As [`RfmScorer::score_buckets`] with the window's totals already summed.
    pub(crate) fn score_totals(
        &self,
        last_purchase_day: Option<i32>,
        t: Totals,
        buckets: &[MonthBucket],
    ) -> Option<Rfm> {
        if t.purchases == 0 {
            return None;
        }
        // Aggregates always carry last_purchase with a bucket; should a store lose it,
        // the newest bucket's first day is the safe (lowest) recency.
        let last = last_purchase_day.unwrap_or_else(|| {
            buckets
                .iter()
                .rev()
                .find(|b| self.window.contains(b.month))
                .and_then(|b| YearMonth(b.month).first_day())
                .map_or(i32::MIN, day)
        });
        Some(self.score_parts(last, t))
    }

    fn score_parts(&self, last_purchase_day: i32, t: Totals) -> Rfm {
        let s = &self.settings;
        let r = score_by(|k| last_purchase_day >= self.recency_from[k]);
        let f = score_by(|k| t.purchases >= s.frequency_min[k]);
        let m = score_by(|k| {
            let min = s.monetary_min_minor[k];
            match s.monetary_basis {
                MonetaryBasis::Average => {
                    t.spend_minor as i128 >= min as i128 * t.purchases as i128
                }
                MonetaryBasis::Total => t.spend_minor >= min,
            }
        });
        let w = s.weights;
        let score = (w.recency.saturating_mul(r as u32))
            .saturating_add(w.frequency.saturating_mul(f as u32))
            .saturating_add(w.monetary.saturating_mul(m as u32));
        Rfm {
            r,
            f,
            m,
            score,
            tier: Tier::for_score(score, &s.tiers),
        }
    }
}

/// 5 for the first bound `k` (0-based, scores 5..2) that `meets`, 1 if none does.
fn score_by(meets: impl Fn(usize) -> bool) -> u8 {
    (0..4).find(|&k| meets(k)).map_or(1, |k| 5 - k as u8)
}

/// Scores one customer (convenience for the customer page; columns use [`RfmScorer`]).
pub fn score(agg: &Aggregates, today: NaiveDate, settings: &RfmSettings) -> Option<Rfm> {
    RfmScorer::new(today, settings).score(agg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregates::month_index;
    use chrono::NaiveDateTime;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const TODAY: (i32, u32, u32) = (2026, 11, 30);

    fn today() -> NaiveDate {
        date(TODAY.0, TODAY.1, TODAY.2)
    }

    fn noon(d: NaiveDate) -> NaiveDateTime {
        d.and_hms_opt(12, 0, 0).unwrap()
    }

    /// A customer whose `purchases` purchases of `yuan` each all happened on `last`.
    fn agg(last: NaiveDate, purchases: u32, each_minor: i64) -> Aggregates {
        Aggregates {
            interactions: purchases,
            purchases,
            spend_minor: each_minor * purchases as i64,
            last_contact: Some(noon(last)),
            last_purchase: Some(noon(last)),
            next_visit: None,
            months: vec![MonthBucket {
                month: month_index(last),
                purchases,
                items: purchases,
                spend_minor: each_minor * purchases as i64,
            }],
            weeks: Vec::new(),
        }
    }

    #[track_caller]
    fn check(agg: &Aggregates, expected: Option<(u8, u8, u8, u32, Tier)>) {
        let got =
            score(agg, today(), &RfmSettings::default()).map(|r| (r.r, r.f, r.m, r.score, r.tier));
        assert_eq!(got, expected);
    }

    #[test]
    fn the_seeds_worked_example_is_silver() {
        // Last purchase two months ago, 5 purchases of ¥300: R4 F4 M2 → 4 + 12 + 8 = 24.
        let two_months_ago = today().checked_sub_months(Months::new(2)).unwrap();
        let a = agg(two_months_ago, 5, 30_000);
        check(&a, Some((4, 4, 2, 24, Tier::Silver)));
        // The same purchases spread over months score the same.
        let mut spread = a.clone();
        spread.months = (0..5)
            .map(|k| MonthBucket {
                month: month_index(two_months_ago) - k,
                purchases: 1,
                items: 1,
                spend_minor: 30_000,
            })
            .rev()
            .collect();
        check(&spread, Some((4, 4, 2, 24, Tier::Silver)));
    }

    #[test]
    fn recency_boundaries() {
        // today 2026-11-30: 1 month back is 10-30, 3 → 08-30, 4 → 07-30, 7 → 04-30.
        for (last, r) in [
            (date(2026, 11, 30), 5),
            (date(2026, 10, 30), 5),
            (date(2026, 10, 29), 4),
            (date(2026, 8, 30), 4),
            (date(2026, 8, 29), 3),
            (date(2026, 7, 30), 3),
            (date(2026, 7, 29), 2),
            (date(2026, 4, 30), 2),
            (date(2026, 4, 29), 1),
            (date(2025, 12, 1), 1),
        ] {
            let got = score(&agg(last, 1, 100), today(), &RfmSettings::default()).unwrap();
            assert_eq!(got.r, r, "last purchase {last}");
        }
        // A purchase later than today (a skewed clock) is as recent as can be.
        let future = score(
            &agg(date(2026, 11, 30), 1, 100),
            date(2026, 11, 1),
            &RfmSettings::default(),
        );
        assert_eq!(future.map(|r| r.r), Some(5));
    }

    #[test]
    fn recency_clamps_to_the_end_of_shorter_months() {
        let today = date(2026, 3, 31);
        let r = |last| {
            score(&agg(last, 1, 100), today, &RfmSettings::default())
                .unwrap()
                .r
        };
        assert_eq!(r(date(2026, 2, 28)), 5);
        assert_eq!(r(date(2026, 2, 27)), 4);
    }

    #[test]
    fn the_window_is_twelve_calendar_months_ending_this_month() {
        // 2025-12-01 is inside, 2025-11-30 (exactly a year ago) is not: month granularity.
        check(
            &agg(date(2025, 12, 1), 1, 100),
            Some((1, 1, 1, 8, Tier::Bronze)),
        );
        check(&agg(date(2025, 11, 30), 1, 100), None);
        check(&Aggregates::default(), None);
        // Buckets after today's month are not in the window either.
        check(&agg(date(2026, 12, 1), 1, 100), None);
    }

    #[test]
    fn without_last_purchase_the_newest_bucket_gives_recency() {
        // A store that lost `last_purchase`: its month's 1st is the (lowest) recency.
        let mut a = agg(date(2026, 10, 20), 1, 100);
        a.last_purchase = None;
        let got = score(&a, today(), &RfmSettings::default()).unwrap();
        assert_eq!(
            got.r, 4,
            "2026-10-01 is more than a month before 2026-11-30"
        );
    }

    #[test]
    fn frequency_boundaries() {
        for (purchases, f) in [(1, 1), (2, 2), (3, 3), (4, 4), (5, 4), (6, 5), (60, 5)] {
            let got = score(
                &agg(today(), purchases, 100),
                today(),
                &RfmSettings::default(),
            )
            .unwrap();
            assert_eq!(got.f, f, "{purchases} purchases");
        }
    }

    #[test]
    fn monetary_boundaries_on_the_average() {
        for (each, m) in [
            (0, 1),
            (29_999, 1),
            (30_000, 2),
            (49_999, 2),
            (50_000, 3),
            (99_999, 3),
            (100_000, 4),
            (199_999, 4),
            (200_000, 5),
            (9_000_000, 5),
        ] {
            let got = score(&agg(today(), 3, each), today(), &RfmSettings::default()).unwrap();
            assert_eq!(got.m, m, "{each} fen each");
        }
        // The exact average: ¥899.99 over 3 purchases is just below ¥300 each.
        let mut a = agg(today(), 3, 30_000);
        a.months[0].spend_minor = 89_999;
        assert_eq!(score(&a, today(), &RfmSettings::default()).unwrap().m, 1);
    }

    #[test]
    fn monetary_on_the_total_is_a_setting() {
        let settings = RfmSettings {
            monetary_basis: MonetaryBasis::Total,
            ..RfmSettings::default()
        };
        // 5 × ¥300 = ¥1,500 in total → M4 instead of M2.
        let got = score(&agg(today(), 5, 30_000), today(), &settings).unwrap();
        assert_eq!((got.m, got.score), (4, 5 + 12 + 16));
    }

    #[test]
    fn tier_boundaries() {
        let t = RfmSettings::default().tiers;
        for (score, tier) in [
            (40, Tier::Platinum),
            (36, Tier::Platinum),
            (35, Tier::Gold),
            (26, Tier::Gold),
            (25, Tier::Silver),
            (17, Tier::Silver),
            (16, Tier::Bronze),
            (8, Tier::Bronze),
        ] {
            assert_eq!(Tier::for_score(score, &t), tier, "score {score}");
        }
        // Reached through real inputs: R5 F5 M4 = 36, R5 F4 M4 = 33, R2 F4 M3 = 26,
        // R1 F4 M2 = 21… down to R5 F1 M2 = 16.
        for (months_ago, purchases, each, total, tier) in [
            (0, 6, 100_000, 36, Tier::Platinum),
            (0, 6, 99_999, 32, Tier::Gold),
            (5, 4, 50_000, 26, Tier::Gold),
            (8, 2, 200_000, 27, Tier::Gold),
            (8, 2, 199_999, 23, Tier::Silver),
            (8, 4, 1, 17, Tier::Silver),
            (0, 1, 30_000, 16, Tier::Bronze),
        ] {
            let last = today().checked_sub_months(Months::new(months_ago)).unwrap();
            let got = score(
                &agg(last, purchases, each),
                today(),
                &RfmSettings::default(),
            )
            .unwrap();
            assert_eq!(
                (got.score, got.tier),
                (total, tier),
                "{months_ago} {purchases} {each}"
            );
        }
    }

    #[test]
    fn weights_and_thresholds_are_editable() {
        let mut s = RfmSettings {
            weights: RfmWeights {
                recency: 2,
                frequency: 2,
                monetary: 2,
            },
            ..RfmSettings::default()
        };
        let got = score(&agg(today(), 1, 200_000), today(), &s).unwrap();
        assert_eq!((got.r, got.f, got.m, got.score), (5, 1, 5, 22));
        s.frequency_min = [2, 1, 1, 1];
        assert_eq!(score(&agg(today(), 1, 1), today(), &s).unwrap().f, 4);
    }

    #[test]
    fn settings_validate() {
        assert_eq!(RfmSettings::default().validate(), vec![]);
        assert_eq!(RfmSettings::default().max_score(), 40);
        let fields = |s: RfmSettings| -> Vec<&'static str> {
            s.validate().into_iter().map(|e| e.field).collect()
        };
        let d = RfmSettings::default;
        assert_eq!(
            fields(RfmSettings {
                window_months: 0,
                ..d()
            }),
            ["rfm.window_months", "rfm.recency_months"]
        );
        assert_eq!(
            fields(RfmSettings {
                recency_months: [1, 3, 3, 7],
                ..d()
            }),
            ["rfm.recency_months"]
        );
        assert_eq!(
            fields(RfmSettings {
                recency_months: [1, 3, 4, 12],
                ..d()
            }),
            ["rfm.recency_months"]
        );
        assert_eq!(
            fields(RfmSettings {
                frequency_min: [6, 4, 3, 1],
                ..d()
            }),
            ["rfm.frequency_min"]
        );
        assert_eq!(
            fields(RfmSettings {
                monetary_min_minor: [1, 2, 3, 4],
                ..d()
            }),
            ["rfm.monetary_min_minor"]
        );
        let zero = RfmWeights {
            recency: 0,
            frequency: 0,
            monetary: 0,
        };
        assert_eq!(
            fields(RfmSettings {
                weights: zero,
                ..d()
            }),
            ["rfm.weights"]
        );
        let tiers = TierThresholds {
            platinum: 41,
            gold: 26,
            silver: 17,
        };
        let e = RfmSettings { tiers, ..d() }.validate();
        assert_eq!(e[0].problem, SettingsProblem::Unreachable { max: 40 });
        let tiers = TierThresholds {
            platinum: 26,
            gold: 26,
            silver: 17,
        };
        assert_eq!(fields(RfmSettings { tiers, ..d() }), ["rfm.tiers"]);
    }

    #[test]
    fn settings_round_trip_and_fill_missing_fields_with_defaults() {
        let s = RfmSettings::default();
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["recency_months"], serde_json::json!([1, 3, 4, 7]));
        assert_eq!(json["monetary_basis"], "average");
        assert_eq!(serde_json::from_value::<RfmSettings>(json).unwrap(), s);
        let partial: RfmSettings = serde_json::from_str(r#"{"monetary_basis":"total"}"#).unwrap();
        assert_eq!(partial.monetary_basis, MonetaryBasis::Total);
        assert_eq!(partial.weights, s.weights);
    }
}
