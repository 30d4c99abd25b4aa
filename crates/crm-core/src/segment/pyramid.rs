//! The customer spend pyramid (seed 001, 客户金字塔): by spend in a chosen period, the top
//! 1 % are VIP, the top 5 % (VIP included) major, the top 20 % ordinary, the rest small.
//!
//! - **Who is ranked**: customers with spend > 0 in the period. Others are
//!   [`PyramidLevel::NoSpend`] and do not count in the percentages.
//! - **Rounding**: each cumulative share is rounded to the nearest whole customer, halves
//!   up: of 250 paying customers 1 % is 2.5 → 3 VIP. With fewer than 50 paying customers
//!   there is no VIP (1 % of 49 rounds to 0); with a single one it is small.
//! - **Ties**: customers who spent the same are at the same level. A customer is in the
//!   top `k` when fewer than `k` customers spent strictly more, so a tie across a cut puts
//!   the whole tied group in the higher level and that level grows past its share.
//! - The cuts are found by selection (O(n)), not by sorting.

use serde::{Deserialize, Serialize};

use super::period::Period;
use super::{SettingsError, SettingsProblem};

/// The four levels, plus no spend in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PyramidLevel {
    Vip,
    Major,
    Ordinary,
    Small,
    /// Spent nothing in the period: outside the pyramid.
    NoSpend,
}

impl PyramidLevel {
    /// Top first, "no spend" last (the chart's order).
    pub const ALL: [PyramidLevel; 5] = [
        PyramidLevel::Vip,
        PyramidLevel::Major,
        PyramidLevel::Ordinary,
        PyramidLevel::Small,
        PyramidLevel::NoSpend,
    ];

    /// Stable name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PyramidLevel::Vip => "vip",
            PyramidLevel::Major => "major",
            PyramidLevel::Ordinary => "ordinary",
            PyramidLevel::Small => "small",
            PyramidLevel::NoSpend => "no_spend",
        }
    }
}

/// The period and the cumulative shares, in basis points (1 % = 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PyramidSettings {
    /// Spend is summed over this period (default: the last 12 months).
    pub period: Period,
    /// Top share that is VIP (default 1 %).
    pub vip_basis_points: u32,
    /// Top share that is major or VIP (default 5 %).
    pub major_basis_points: u32,
    /// Top share that is ordinary, major or VIP (default 20 %).
    pub ordinary_basis_points: u32,
}

impl Default for PyramidSettings {
    fn default() -> Self {
        PyramidSettings {
            period: Period::default(),
            vip_basis_points: 100,
            major_basis_points: 500,
            ordinary_basis_points: 2_000,
        }
    }
}

impl PyramidSettings {
    /// Every problem at once, for the settings screen.
    pub fn validate(&self) -> Vec<SettingsError> {
        let mut errors = Vec::new();
        if let Err(problem) = self.period.validate() {
            errors.push(SettingsError {
                field: "pyramid.period",
                problem: SettingsProblem::Period(problem),
            });
        }
        let (v, m, o) = (
            self.vip_basis_points,
            self.major_basis_points,
            self.ordinary_basis_points,
        );
        if !(0 < v && v <= m && m <= o && o <= 10_000) {
            errors.push(SettingsError {
                field: "pyramid.basis_points",
                problem: SettingsProblem::NotStricter,
            });
        }
        errors
    }

    /// How many of `paying` customers each cumulative share is: `[vip, major, ordinary]`,
    /// rounded half up and never more than `paying`.
    pub fn cut_counts(&self, paying: usize) -> [usize; 3] {
        [
            self.vip_basis_points,
            self.major_basis_points,
            self.ordinary_basis_points,
        ]
        .map(|bp| {
            let k = (paying as u128 * bp as u128 + 5_000) / 10_000;
            (k as usize).min(paying)
        })
    }
}

/// Lowest spend (minor units) that reaches each level; `None` when the level is empty
/// because its share rounds to nobody.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PyramidThresholds {
    pub vip_min_minor: Option<i64>,
    pub major_min_minor: Option<i64>,
    pub ordinary_min_minor: Option<i64>,
}

impl PyramidThresholds {
    /// The level of one customer's spend in the period.
    pub fn level(&self, spend_minor: i64) -> PyramidLevel {
        let reaches = |min: Option<i64>| min.is_some_and(|min| spend_minor >= min);
        if spend_minor <= 0 {
            PyramidLevel::NoSpend
        } else if reaches(self.vip_min_minor) {
            PyramidLevel::Vip
        } else if reaches(self.major_min_minor) {
            PyramidLevel::Major
        } else if reaches(self.ordinary_min_minor) {
            PyramidLevel::Ordinary
        } else {
            PyramidLevel::Small
        }
    }
}

/// The `k`-th largest value (1-based) of `values[..]`, rearranging them; the slice is
/// left partitioned so the next, smaller `k` can search only the top part.
fn kth_largest(values: &mut [i64], k: usize) -> i64 {
    let at = values.len() - k;
    *values.select_nth_unstable(at).1
}

/// The spend thresholds of the pyramid over the customers' spends in the period.
pub fn thresholds(spends: &[i64], settings: &PyramidSettings) -> PyramidThresholds {
    let mut paying: Vec<i64> = spends.iter().copied().filter(|s| *s > 0).collect();
    let [vip, major, ordinary] = settings.cut_counts(paying.len());
    let mut out = PyramidThresholds::default();
    // Select the widest cut first, then search only the part above it for the narrower.
    let mut top: &mut [i64] = &mut paying;
    for (k, slot) in [
        (ordinary, &mut out.ordinary_min_minor),
        (major, &mut out.major_min_minor),
        (vip, &mut out.vip_min_minor),
    ] {
        if k == 0 || k > top.len() {
            continue;
        }
        *slot = Some(kth_largest(top, k));
        let len = top.len();
        top = &mut top[len - k..];
    }
    out
}

/// Number of customers and their spend per level, for the dashboard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PyramidSummary {
    /// Customers with spend > 0 in the period (the base of the percentages).
    pub paying: usize,
    /// Customers per level, in [`PyramidLevel::ALL`] order.
    pub counts: [usize; 5],
    /// Spend per level in minor units, in [`PyramidLevel::ALL`] order.
    pub spend_minor: [i64; 5],
    pub thresholds: PyramidThresholds,
}

impl PyramidSummary {
    /// Customers at `level`.
    pub fn count(&self, level: PyramidLevel) -> usize {
        self.counts[level as usize]
    }
}

/// Levels of every customer from their spends in the period, with the summary.
pub fn classify(spends: &[i64], settings: &PyramidSettings) -> (Vec<PyramidLevel>, PyramidSummary) {
    let t = thresholds(spends, settings);
    let mut summary = PyramidSummary {
        thresholds: t,
        ..PyramidSummary::default()
    };
    let levels = spends
        .iter()
        .map(|&spend| {
            let level = t.level(spend);
            summary.counts[level as usize] += 1;
            summary.spend_minor[level as usize] += spend.max(0);
            level
        })
        .collect();
    summary.paying = spends.len() - summary.counts[PyramidLevel::NoSpend as usize];
    (levels, summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use PyramidLevel::*;

    fn levels(spends: &[i64]) -> Vec<PyramidLevel> {
        classify(spends, &PyramidSettings::default()).0
    }

    #[test]
    fn empty_and_single_customer() {
        let (l, s) = classify(&[], &PyramidSettings::default());
        assert!(l.is_empty());
        assert_eq!(s.paying, 0);
        assert_eq!(levels(&[0]), [NoSpend]);
        assert_eq!(levels(&[-5]), [NoSpend]);
        assert_eq!(levels(&[100]), [Small]);
    }

    #[test]
    fn a_hundred_customers_split_1_4_15_80() {
        let spends: Vec<i64> = (1..=100).rev().chain([0, 0]).collect();
        let (l, s) = classify(&spends, &PyramidSettings::default());
        assert_eq!(s.counts, [1, 4, 15, 80, 2]);
        assert_eq!(s.paying, 100);
        assert_eq!(
            (l[0], l[1], l[4], l[5], l[19], l[20], l[101]),
            (Vip, Major, Major, Ordinary, Ordinary, Small, NoSpend)
        );
        assert_eq!(s.thresholds.vip_min_minor, Some(100));
        assert_eq!(s.thresholds.major_min_minor, Some(96));
        assert_eq!(s.thresholds.ordinary_min_minor, Some(81));
        assert_eq!(s.spend_minor[0], 100);
    }

    #[test]
    fn shares_round_half_up() {
        let s = PyramidSettings::default();
        assert_eq!(s.cut_counts(49), [0, 2, 10]);
        assert_eq!(s.cut_counts(50), [1, 3, 10]);
        assert_eq!(s.cut_counts(250), [3, 13, 50]);
        assert_eq!(s.cut_counts(1), [0, 0, 0]);
        assert_eq!(s.cut_counts(3), [0, 0, 1]);
    }

    #[test]
    fn ties_across_a_cut_share_the_higher_level() {
        // 100 paying; the top two tie, so both are VIP although 1 % is one customer.
        let mut spends: Vec<i64> = (1..=98).collect();
        spends.extend([500, 500]);
        let (_, s) = classify(&spends, &PyramidSettings::default());
        assert_eq!(s.counts[..4], [2, 3, 15, 80]);
        // Everybody equal: everybody in the top level that has anyone.
        assert_eq!(levels(&[7; 100]), vec![Vip; 100]);
        // Of 10: 1 % is 0.1 → nobody, 5 % is 0.5 → one (halves up), so all ten are major.
        assert_eq!(levels(&[7; 10]), vec![Major; 10]);
    }

    #[test]
    fn settings_validate_and_round_trip() {
        assert!(PyramidSettings::default().validate().is_empty());
        let bad = PyramidSettings {
            vip_basis_points: 600,
            ..PyramidSettings::default()
        };
        assert_eq!(bad.validate()[0].field, "pyramid.basis_points");
        let json = serde_json::to_string(&PyramidSettings::default()).unwrap();
        assert_eq!(
            json,
            r#"{"period":{"type":"last_months","months":12},"vip_basis_points":100,"major_basis_points":500,"ordinary_basis_points":2000}"#
        );
    }

    proptest! {
        #[test]
        fn level_counts_match_the_shares_within_rounding(
            spends in proptest::collection::vec(-10i64..2_000, 0..600),
        ) {
            let settings = PyramidSettings::default();
            let (levels, s) = classify(&spends, &settings);
            let paying = spends.iter().filter(|x| **x > 0).count();
            prop_assert_eq!(s.paying, paying);
            prop_assert_eq!(s.counts.iter().sum::<usize>(), spends.len());
            let cuts = settings.cut_counts(paying);
            for (share_bp, cut) in [100u32, 500, 2_000].into_iter().zip(cuts) {
                // The cut is the share rounded to the nearest customer.
                let exact = paying as f64 * share_bp as f64 / 10_000.0;
                prop_assert!((cut as f64 - exact).abs() <= 0.5);
            }
            // Cumulative counts reach each cut; any excess is a tie at the cut's spend.
            let mut sorted: Vec<i64> = spends.iter().copied().filter(|x| *x > 0).collect();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            for (depth, cut) in cuts.into_iter().enumerate() {
                let cumulative: usize = s.counts[..=depth].iter().sum();
                if cut == 0 {
                    prop_assert_eq!(cumulative, 0);
                    continue;
                }
                let boundary = sorted[cut - 1];
                let tied_below = sorted[cut..].iter().filter(|x| **x == boundary).count();
                prop_assert_eq!(cumulative, cut + tied_below);
            }
            // Levels never decrease with spend.
            let mut pairs: Vec<(i64, PyramidLevel)> = spends.iter().copied().zip(levels).collect();
            pairs.sort_unstable();
            for w in pairs.windows(2) {
                let ((a, la), (b, lb)) = (w[0], w[1]);
                if a == b { prop_assert_eq!(la, lb); } else { prop_assert!(la >= lb); }
            }
        }

        #[test]
        fn distinct_spends_give_exact_rounded_counts(n in 0usize..1_000) {
            let spends: Vec<i64> = (1..=n as i64).collect();
            let settings = PyramidSettings::default();
            let (_, s) = classify(&spends, &settings);
            let [vip, major, ordinary] = settings.cut_counts(n);
            prop_assert_eq!(s.counts, [vip, major - vip, ordinary - major, n - ordinary, 0]);
        }
    }
}
