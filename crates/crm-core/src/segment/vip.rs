//! The VIP rule of seed 003 (VIP顾客): within one year at least 3 orders, 10 items and
//! ¥10,000. The seed registers VIPs once a year and lets the status lapse when the rule is
//! no longer met; this is the rule itself, evaluated over the window ending today, so a
//! shell that wants the yearly cadence passes the evaluation date as `today`.
//!
//! The year is the same month-granular window as RFM's: the `window_months` calendar
//! months ending with the month of today (see [`super::rfm`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::period::{totals, MonthRange, Totals};
use super::{SettingsError, SettingsProblem};
use crate::aggregates::Aggregates;

/// Thresholds of the VIP rule; all are "at least". `Default` is the seed's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VipSettings {
    pub window_months: u32,
    pub min_orders: u32,
    pub min_items: u32,
    pub min_spend_minor: i64,
}

impl Default for VipSettings {
    fn default() -> Self {
        VipSettings {
            window_months: 12,
            min_orders: 3,
            min_items: 10,
            min_spend_minor: 1_000_000,
        }
    }
}

impl VipSettings {
    /// The months the rule looks at as of `today`.
    pub fn window(&self, today: NaiveDate) -> MonthRange {
        MonthRange::ending(today, self.window_months)
    }

    /// Whether purchases totalling `t` within the window make a VIP.
    pub fn qualifies(&self, t: &Totals) -> bool {
        t.purchases >= self.min_orders.max(1)
            && t.items >= self.min_items
            && t.spend_minor >= self.min_spend_minor
    }

    /// Every problem at once, for the settings screen.
    pub fn validate(&self) -> Vec<SettingsError> {
        let mut errors = Vec::new();
        if !(1..=super::rfm::MAX_WINDOW_MONTHS).contains(&self.window_months) {
            errors.push(SettingsError {
                field: "vip.window_months",
                problem: SettingsProblem::OutOfRange {
                    min: 1,
                    max: super::rfm::MAX_WINDOW_MONTHS as i64,
                },
            });
        }
        if self.min_orders == 0 {
            errors.push(SettingsError {
                field: "vip.min_orders",
                problem: SettingsProblem::OutOfRange {
                    min: 1,
                    max: u32::MAX as i64,
                },
            });
        }
        if self.min_spend_minor < 0 {
            errors.push(SettingsError {
                field: "vip.min_spend_minor",
                problem: SettingsProblem::OutOfRange {
                    min: 0,
                    max: i64::MAX,
                },
            });
        }
        errors
    }
}

/// Whether one customer is a VIP as of `today`.
pub fn is_vip(agg: &Aggregates, today: NaiveDate, settings: &VipSettings) -> bool {
    settings.qualifies(&totals(&agg.months, settings.window(today)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregates::{month_index, MonthBucket};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn agg(months_ago: u32, orders: u32, items: u32, spend_minor: i64) -> Aggregates {
        let month = month_index(today()) - months_ago as i32;
        Aggregates {
            purchases: orders,
            spend_minor,
            months: vec![MonthBucket {
                month,
                purchases: orders,
                items,
                spend_minor,
            }],
            ..Aggregates::default()
        }
    }

    #[test]
    fn every_threshold_is_inclusive() {
        let s = VipSettings::default();
        assert!(is_vip(&agg(0, 3, 10, 1_000_000), today(), &s));
        assert!(!is_vip(&agg(0, 2, 10, 1_000_000), today(), &s));
        assert!(!is_vip(&agg(0, 3, 9, 1_000_000), today(), &s));
        assert!(!is_vip(&agg(0, 3, 10, 999_999), today(), &s));
        assert!(!is_vip(&Aggregates::default(), today(), &s));
    }

    #[test]
    fn only_the_year_counts_and_the_status_lapses() {
        let s = VipSettings::default();
        assert!(is_vip(&agg(11, 3, 10, 1_000_000), today(), &s));
        assert!(!is_vip(&agg(12, 3, 10, 1_000_000), today(), &s));
        // Re-evaluated a month later, last year's big month has left the window.
        let later = NaiveDate::from_ymd_opt(2027, 11, 1).unwrap();
        assert!(!is_vip(&agg(0, 3, 10, 1_000_000), later, &s));
    }

    #[test]
    fn settings_validate() {
        assert!(VipSettings::default().validate().is_empty());
        let bad = VipSettings {
            window_months: 0,
            min_orders: 0,
            ..VipSettings::default()
        };
        let fields: Vec<&str> = bad.validate().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["vip.window_months", "vip.min_orders"]);
    }
}
