//! Per-customer aggregates kept current on every interaction write, so the list,
//! follow-ups and segmentation never scan interactions (BENCH.md: a million rows).

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::interaction::{Interaction, InteractionKind};

/// Purchases of one calendar month, for RFM and the spend pyramid over any period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthBucket {
    /// `year * 12 + (month - 1)`.
    pub month: i32,
    pub purchases: u32,
    pub items: u32,
    pub spend_minor: i64,
}

/// Interactions of one Monday-to-Sunday week, for the dashboard's activity chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekBucket {
    /// See [`week_index`].
    pub week: i32,
    pub interactions: u32,
}

/// Week index used by [`WeekBucket::week`]: weeks since Monday 0001-01-01.
pub fn week_index(date: NaiveDate) -> i32 {
    (date.num_days_from_ce() - 1).div_euclid(7)
}

/// Month index used by [`MonthBucket::month`].
pub fn month_index(date: NaiveDate) -> i32 {
    date.year() * 12 + date.month0() as i32
}

/// Everything the screens need about a customer's interactions without reading them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Aggregates {
    pub interactions: u32,
    pub purchases: u32,
    pub spend_minor: i64,
    pub last_contact: Option<NaiveDateTime>,
    pub last_purchase: Option<NaiveDateTime>,
    /// The open follow-up: the next-visit date of the latest interaction that set one,
    /// unless a later contact happened on or after that date (the visit took place).
    pub next_visit: Option<NaiveDate>,
    /// Sorted by month, only months with purchases.
    pub months: Vec<MonthBucket>,
    /// Sorted by week, only weeks with interactions.
    #[serde(default)]
    pub weeks: Vec<WeekBucket>,
}

impl Aggregates {
    /// Recomputes from a customer's interactions (any order; tombstoned ones ignored).
    pub fn from_interactions<'a>(items: impl IntoIterator<Item = &'a Interaction>) -> Self {
        let mut live: Vec<&Interaction> = items.into_iter().filter(|i| !i.deleted).collect();
        live.sort_by_key(|i| (i.at, i.id));
        let mut agg = Aggregates::default();
        for i in live {
            agg.add(i);
        }
        agg
    }

    /// Folds in one more interaction. Adding in time order gives the same result as
    /// [`Aggregates::from_interactions`]; out-of-order adds keep every total exact and
    /// the follow-up rule approximate, so the store recomputes on edits and deletes.
    pub fn add(&mut self, i: &Interaction) {
        if i.deleted {
            return;
        }
        self.interactions += 1;
        let week = week_index(i.at.date());
        match self.weeks.binary_search_by_key(&week, |b| b.week) {
            Ok(pos) => self.weeks[pos].interactions += 1,
            Err(pos) => self.weeks.insert(
                pos,
                WeekBucket {
                    week,
                    interactions: 1,
                },
            ),
        }
        if i.kind.is_contact() {
            self.last_contact = self.last_contact.max(Some(i.at));
            if self.next_visit.is_some_and(|due| i.at.date() >= due) && i.next_visit.is_none() {
                self.next_visit = None;
            }
        }
        if let Some(next) = i.next_visit {
            self.next_visit = Some(next);
        }
        if i.kind == InteractionKind::Purchase {
            let amount = i.amount_minor.unwrap_or(0);
            self.purchases += 1;
            self.spend_minor += amount;
            self.last_purchase = self.last_purchase.max(Some(i.at));
            let month = month_index(i.at.date());
            match self.months.binary_search_by_key(&month, |b| b.month) {
                Ok(pos) => {
                    let b = &mut self.months[pos];
                    b.purchases += 1;
                    b.items += i.items.unwrap_or(1);
                    b.spend_minor += amount;
                }
                Err(pos) => self.months.insert(
                    pos,
                    MonthBucket {
                        month,
                        purchases: 1,
                        items: i.items.unwrap_or(1),
                        spend_minor: amount,
                    },
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn at(d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, d)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    fn interaction(kind: InteractionKind, day: u32, next: Option<u32>) -> Interaction {
        Interaction {
            id: Uuid::from_u128(day as u128),
            customer_id: Uuid::nil(),
            kind,
            at: at(day),
            summary: String::new(),
            outcome: String::new(),
            amount_minor: (kind == InteractionKind::Purchase).then_some(30000),
            currency: "CNY".into(),
            items: (kind == InteractionKind::Purchase).then_some(2),
            next_visit: next.map(|d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap()),
            campaign_id: None,
            deleted: false,
        }
    }

    #[test]
    fn totals_and_months() {
        let list = [
            interaction(InteractionKind::Purchase, 3, None),
            interaction(InteractionKind::Purchase, 5, None),
            interaction(InteractionKind::Note, 20, None),
        ];
        let agg = Aggregates::from_interactions(&list);
        assert_eq!(
            (agg.interactions, agg.purchases, agg.spend_minor),
            (3, 2, 60000)
        );
        assert_eq!(agg.last_contact, Some(at(5)));
        assert_eq!(agg.last_purchase, Some(at(5)));
        assert_eq!(agg.months.len(), 1);
        assert_eq!(agg.months[0].items, 4);
        // 2026-11-03 and -05 share a week (Mon 2 Nov); 20 Nov is two weeks later.
        let weeks: Vec<(i32, u32)> = agg
            .weeks
            .iter()
            .map(|w| (w.week - agg.weeks[0].week, w.interactions))
            .collect();
        assert_eq!(weeks, vec![(0, 2), (2, 1)]);
    }

    #[test]
    fn weeks_start_on_monday() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(
            week_index(monday),
            week_index(monday + chrono::Days::new(6))
        );
        assert_eq!(
            week_index(monday) + 1,
            week_index(monday + chrono::Days::new(7))
        );
        assert_eq!(
            week_index(monday) - 1,
            week_index(monday - chrono::Days::new(1))
        );
    }

    #[test]
    fn a_visit_on_the_due_date_closes_the_follow_up() {
        let planned = interaction(InteractionKind::Call, 1, Some(10));
        let mut agg = Aggregates::from_interactions([&planned]);
        assert_eq!(agg.next_visit, NaiveDate::from_ymd_opt(2026, 11, 10));
        agg.add(&interaction(InteractionKind::Note, 12, None));
        assert!(agg.next_visit.is_some(), "a note is not a visit");
        agg.add(&interaction(InteractionKind::Visit, 10, None));
        assert_eq!(agg.next_visit, None);
        let early = interaction(InteractionKind::Visit, 5, None);
        assert!(Aggregates::from_interactions([&planned, &early])
            .next_visit
            .is_some());
    }

    #[test]
    fn deleted_interactions_do_not_count() {
        let mut gone = interaction(InteractionKind::Purchase, 3, None);
        gone.deleted = true;
        assert_eq!(
            Aggregates::from_interactions([&gone]),
            Aggregates::default()
        );
    }
}
