//! Interactions: every contact with a customer (calls, visits, purchases…) on one
//! timeline, with purchase amounts in minor units and an optional next-visit date.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::{self, Errors, FieldError, Problem, LONG_MAX};

/// The kinds of contact a rep logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    Call,
    #[default]
    Visit,
    Email,
    Wechat,
    Meeting,
    Note,
    Purchase,
}

impl InteractionKind {
    pub const ALL: [InteractionKind; 7] = [
        InteractionKind::Call,
        InteractionKind::Visit,
        InteractionKind::Email,
        InteractionKind::Wechat,
        InteractionKind::Meeting,
        InteractionKind::Note,
        InteractionKind::Purchase,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            InteractionKind::Call => "call",
            InteractionKind::Visit => "visit",
            InteractionKind::Email => "email",
            InteractionKind::Wechat => "wechat",
            InteractionKind::Meeting => "meeting",
            InteractionKind::Note => "note",
            InteractionKind::Purchase => "purchase",
        }
    }
    pub fn parse(s: &str) -> Option<InteractionKind> {
        InteractionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// Whether this kind counts as contact for "last contact" (a note is not contact).
    pub fn is_contact(self) -> bool {
        !matches!(self, InteractionKind::Note)
    }
}

/// Default currency for amounts: the source documents are all in CNY.
pub const DEFAULT_CURRENCY: &str = "CNY";

/// One logged interaction with a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub kind: InteractionKind,
    /// Local wall time of the rep when it happened.
    pub at: NaiveDateTime,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub outcome: String,
    /// Purchases only: amount in minor units (fen for CNY).
    #[serde(default)]
    pub amount_minor: Option<i64>,
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Purchases only: number of items (nights, parcels, tickets).
    #[serde(default)]
    pub items: Option<u32>,
    #[serde(default)]
    pub next_visit: Option<NaiveDate>,
    /// Purchases only: the campaign this purchase is attributed to (campaign ROI).
    #[serde(default)]
    pub campaign_id: Option<Uuid>,
    #[serde(default, rename = "_deleted")]
    pub deleted: bool,
}

fn default_currency() -> String {
    DEFAULT_CURRENCY.to_string()
}

/// What the Log interaction form holds, as typed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InteractionDraft {
    pub kind: InteractionKind,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub summary: String,
    pub outcome: String,
    /// Major units as typed ("1,280.50"); required for purchases.
    pub amount: String,
    pub items: String,
    /// `YYYY-MM-DD` or empty.
    pub next_visit: String,
    /// Purchases only: the campaign chosen in the form, if any.
    pub campaign_id: Option<Uuid>,
}

impl InteractionDraft {
    /// Validates the draft into an interaction. `now` is the rep's local time: it gives
    /// the time of day for an entry dated today and bounds future dates.
    pub fn build(
        &self,
        id: Uuid,
        customer_id: Uuid,
        now: NaiveDateTime,
    ) -> Result<Interaction, Vec<FieldError>> {
        let mut errors = Errors::default();
        let today = now.date();
        let date = match NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d") {
            Ok(date) if date > today => {
                errors.push("date", Problem::InFuture);
                None
            }
            Ok(date) => Some(date),
            Err(_) if self.date.trim().is_empty() => {
                errors.push("date", Problem::Required);
                None
            }
            Err(_) => {
                errors.push("date", Problem::InvalidDate);
                None
            }
        };
        let summary = self.summary.trim();
        if summary.is_empty() && self.kind != InteractionKind::Purchase {
            errors.push("summary", Problem::Required);
        }
        errors.check("summary", validation::max_len(summary, LONG_MAX));
        errors.check(
            "outcome",
            validation::max_len(self.outcome.trim(), LONG_MAX),
        );
        let (amount_minor, items) = if self.kind == InteractionKind::Purchase {
            let amount = if self.amount.trim().is_empty() {
                errors.push("amount", Problem::Required);
                None
            } else {
                match validation::parse_amount_minor(&self.amount) {
                    Ok(a) => Some(a),
                    Err(p) => {
                        errors.push("amount", p);
                        None
                    }
                }
            };
            let items = match self.items.trim() {
                "" => Some(1),
                text => match text.parse::<u32>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        errors.push("items", Problem::InvalidAmount);
                        None
                    }
                },
            };
            (amount, items)
        } else {
            (None, None)
        };
        let next_visit = match self.next_visit.trim() {
            "" => None,
            text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(d) if date.is_some_and(|date| d < date) => {
                    errors.push("next_visit", Problem::BeforeInteraction);
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push("next_visit", Problem::InvalidDate);
                    None
                }
            },
        };
        let at = date.map(|d| {
            if d == today {
                now
            } else {
                d.and_time(NaiveTime::from_hms_opt(9, 0, 0).expect("valid time"))
            }
        });
        let built = at.map(|at| Interaction {
            id,
            customer_id,
            kind: self.kind,
            at,
            summary: summary.to_string(),
            outcome: self.outcome.trim().to_string(),
            amount_minor,
            currency: default_currency(),
            items,
            next_visit,
            campaign_id: if self.kind == InteractionKind::Purchase {
                self.campaign_id
            } else {
                None
            },
            deleted: false,
        });
        match (errors.finish(()), built) {
            (Ok(()), Some(i)) => Ok(i),
            (Err(e), _) => Err(e),
            (Ok(()), None) => unreachable!("a missing date is always an error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 30)
            .unwrap()
            .and_hms_opt(14, 5, 0)
            .unwrap()
    }

    fn build(draft: InteractionDraft) -> Result<Interaction, Vec<(&'static str, Problem)>> {
        draft
            .build(Uuid::nil(), Uuid::nil(), now())
            .map_err(|e| e.into_iter().map(|e| (e.field, e.problem)).collect())
    }

    #[test]
    fn a_purchase_today_keeps_the_time_and_amount() {
        let i = build(InteractionDraft {
            kind: InteractionKind::Purchase,
            date: "2026-11-30".into(),
            amount: "1,280.50".into(),
            next_visit: "2026-12-07".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(i.at, now());
        assert_eq!(i.amount_minor, Some(128050));
        assert_eq!(i.items, Some(1));
        assert_eq!(i.currency, "CNY");
        assert_eq!(i.next_visit, NaiveDate::from_ymd_opt(2026, 12, 7));
    }

    #[test]
    fn bad_drafts_name_each_field() {
        assert_eq!(
            build(InteractionDraft {
                kind: InteractionKind::Purchase,
                date: "2026-12-01".into(),
                amount: "-5".into(),
                ..Default::default()
            }),
            Err(vec![
                ("date", Problem::InFuture),
                ("amount", Problem::Negative)
            ])
        );
        assert_eq!(
            build(InteractionDraft {
                kind: InteractionKind::Call,
                date: "".into(),
                next_visit: "soon".into(),
                ..Default::default()
            }),
            Err(vec![
                ("date", Problem::Required),
                ("summary", Problem::Required),
                ("next_visit", Problem::InvalidDate)
            ])
        );
        assert_eq!(
            build(InteractionDraft {
                kind: InteractionKind::Visit,
                date: "2026-11-20".into(),
                summary: "lunch".into(),
                next_visit: "2026-11-19".into(),
                ..Default::default()
            }),
            Err(vec![("next_visit", Problem::BeforeInteraction)])
        );
    }

    #[test]
    fn non_purchases_carry_no_amount() {
        let i = build(InteractionDraft {
            kind: InteractionKind::Call,
            date: "2026-11-02".into(),
            summary: "Called about the Q1 contract".into(),
            amount: "500".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(i.amount_minor, None);
        assert_eq!(i.at.time(), NaiveTime::from_hms_opt(9, 0, 0).unwrap());
    }
}
