//! Lifecycle labels from contact history (seed 003's 新顾客 / 老顾客 / 休眠顾客): every
//! customer is exactly one of new, returning or dormant as of `today`.
//!
//! - **New**: the first interaction was fewer than `new_days` days ago (today counts as
//!   day 0, so `new_days = 30` is today and the 29 days before). Without interactions
//!   (or without [`InteractionStats`]) the customer record's creation date stands in.
//! - **Dormant**: not new, and at least `dormant_days` days since the last contact (a
//!   note is not contact); never contacted counts from the first interaction / creation,
//!   and with neither known the customer is dormant.
//! - **Returning**: everyone else: known for a while and still in contact.

use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};

use super::rfm::day;
use super::stats::InteractionStats;
use super::{SettingsError, SettingsProblem};
use crate::aggregates::Aggregates;
use crate::customer::Customer;

/// One of the three labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    New,
    Returning,
    Dormant,
}

impl Lifecycle {
    /// Every label, in display order.
    pub const ALL: [Lifecycle; 3] = [Lifecycle::New, Lifecycle::Returning, Lifecycle::Dormant];

    /// Stable name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::New => "new",
            Lifecycle::Returning => "returning",
            Lifecycle::Dormant => "dormant",
        }
    }
}

/// The two day counts; `Default`: new for 30 days, dormant after 180 without contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LifecycleSettings {
    pub new_days: u32,
    pub dormant_days: u32,
}

impl Default for LifecycleSettings {
    fn default() -> Self {
        LifecycleSettings {
            new_days: 30,
            dormant_days: 180,
        }
    }
}

/// Longest day count accepted (ten years).
pub const MAX_DAYS: u32 = 3_660;

impl LifecycleSettings {
    /// Every problem at once, for the settings screen.
    pub fn validate(&self) -> Vec<SettingsError> {
        let mut errors = Vec::new();
        for (field, value) in [
            ("lifecycle.new_days", self.new_days),
            ("lifecycle.dormant_days", self.dormant_days),
        ] {
            if !(1..=MAX_DAYS).contains(&value) {
                errors.push(SettingsError {
                    field,
                    problem: SettingsProblem::OutOfRange {
                        min: 1,
                        max: MAX_DAYS as i64,
                    },
                });
            }
        }
        if errors.is_empty() && self.new_days >= self.dormant_days {
            errors.push(SettingsError {
                field: "lifecycle.new_days",
                problem: SettingsProblem::NotStricter,
            });
        }
        errors
    }

    /// The label from day numbers (see [`super::rfm`]'s `day`): when the customer was
    /// first seen and last contacted, and today.
    pub(crate) fn classify_days(
        &self,
        first_seen: Option<i32>,
        last_contact: Option<i32>,
        today: i32,
    ) -> Lifecycle {
        if first_seen.is_some_and(|first| (today as i64 - first as i64) < self.new_days as i64) {
            return Lifecycle::New;
        }
        match last_contact.or(first_seen) {
            Some(quiet_since) if (today as i64 - quiet_since as i64) < self.dormant_days as i64 => {
                Lifecycle::Returning
            }
            _ => Lifecycle::Dormant,
        }
    }
}

/// Day the customer was first seen: the first interaction, else the record's creation.
pub(crate) fn first_seen_day(customer: &Customer, stats: Option<&InteractionStats>) -> Option<i32> {
    match stats.and_then(|s| s.first_at) {
        Some(first) => Some(day(first.date())),
        None if customer.created_ms > 0 => {
            DateTime::from_timestamp_millis(customer.created_ms).map(|t| day(t.date_naive()))
        }
        None => None,
    }
}

/// The label of one customer as of `today`.
pub fn lifecycle(
    customer: &Customer,
    agg: &Aggregates,
    stats: Option<&InteractionStats>,
    today: NaiveDate,
    settings: &LifecycleSettings,
) -> Lifecycle {
    settings.classify_days(
        first_seen_day(customer, stats),
        agg.last_contact.map(|t| day(t.date())),
        day(today),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Days, NaiveDateTime};
    use uuid::Uuid;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn days_ago(n: u64) -> NaiveDateTime {
        (today() - Days::new(n)).and_hms_opt(10, 0, 0).unwrap()
    }

    #[track_caller]
    fn check(first: Option<u64>, last_contact: Option<u64>, expected: Lifecycle) {
        let customer = Customer::new(Uuid::nil(), "A", 0);
        let stats = InteractionStats {
            first_at: first.map(days_ago),
            ..InteractionStats::default()
        };
        let agg = Aggregates {
            last_contact: last_contact.map(days_ago),
            ..Aggregates::default()
        };
        let got = lifecycle(
            &customer,
            &agg,
            Some(&stats),
            today(),
            &LifecycleSettings::default(),
        );
        assert_eq!(got, expected);
    }

    #[test]
    fn boundaries_of_new_and_dormant() {
        use Lifecycle::*;
        check(Some(0), Some(0), New);
        check(Some(29), Some(29), New);
        check(Some(30), Some(30), Returning);
        check(Some(400), Some(179), Returning);
        check(Some(400), Some(180), Dormant);
        // New wins even without contact yet (only a note so far).
        check(Some(3), None, New);
        check(Some(179), None, Returning);
        check(Some(180), None, Dormant);
        check(None, None, Dormant);
    }

    #[test]
    fn without_interactions_the_creation_date_stands_in() {
        let created = days_ago(2).and_utc().timestamp_millis();
        let customer = Customer::new(Uuid::nil(), "A", created);
        let s = LifecycleSettings::default();
        let agg = Aggregates::default();
        assert_eq!(
            lifecycle(&customer, &agg, None, today(), &s),
            Lifecycle::New
        );
        let empty = InteractionStats::default();
        assert_eq!(
            lifecycle(&customer, &agg, Some(&empty), today(), &s),
            Lifecycle::New
        );
        let later = today() + Days::new(200);
        assert_eq!(
            lifecycle(&customer, &agg, None, later, &s),
            Lifecycle::Dormant
        );
    }

    #[test]
    fn settings_validate() {
        assert!(LifecycleSettings::default().validate().is_empty());
        let bad = LifecycleSettings {
            new_days: 200,
            dormant_days: 180,
        };
        assert_eq!(bad.validate()[0].problem, SettingsProblem::NotStricter);
        let zero = LifecycleSettings {
            new_days: 0,
            dormant_days: 180,
        };
        assert_eq!(zero.validate()[0].field, "lifecycle.new_days");
    }
}
