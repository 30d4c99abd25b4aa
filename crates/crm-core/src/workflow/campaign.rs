//! Marketing campaigns aimed at a segment, and their results: revenue of the purchases
//! attributed to the campaign, ROI against its cost, and conversion of the targets.
//! Seed 002: 分析每一次市场活动的投入产出比,根据与市场活动相关联的回款记录及举行市场活动的
//! 报销单据做计算 (each campaign's input/output ratio from the payments linked to it and
//! its expense claims); PRODUCT.md: ROI = revenue of linked purchases ÷ cost.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::parse_optional_date;
use crate::interaction::{Interaction, InteractionKind};
use crate::validation::{self, Errors, FieldError, Problem, LONG_MAX, SHORT_MAX};

/// One campaign, a synced record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Campaign {
    #[serde(default)]
    pub id: Uuid,
    #[serde(default)]
    pub name: String,
    /// The saved segment it targets, if any.
    #[serde(default)]
    pub segment_id: Option<Uuid>,
    /// What it cost (the expense claims, 报销单据), in minor units (fen).
    #[serde(default)]
    pub cost_minor: i64,
    #[serde(default)]
    pub start: Option<NaiveDate>,
    #[serde(default)]
    pub end: Option<NaiveDate>,
    #[serde(default)]
    pub notes: String,
    /// Creation time, ms since the Unix epoch (passed in by the shell).
    #[serde(default)]
    pub created_ms: i64,
    #[serde(default, rename = "_deleted")]
    pub deleted: bool,
}

impl Campaign {
    /// A new, empty campaign, to be filled from a [`CampaignDraft`].
    pub fn new(id: Uuid, created_ms: i64) -> Self {
        Self {
            id,
            created_ms,
            ..Self::default()
        }
    }

    /// The form prefilled from this campaign (for Edit).
    pub fn draft(&self) -> CampaignDraft {
        let cost = if self.cost_minor % 100 == 0 {
            (self.cost_minor / 100).to_string()
        } else {
            format!("{}.{:02}", self.cost_minor / 100, self.cost_minor % 100)
        };
        CampaignDraft {
            name: self.name.clone(),
            segment_id: self.segment_id,
            cost,
            start: self.start.map(|d| d.to_string()).unwrap_or_default(),
            end: self.end.map(|d| d.to_string()).unwrap_or_default(),
            notes: self.notes.clone(),
        }
    }
}

/// What the campaign form holds, as typed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CampaignDraft {
    pub name: String,
    pub segment_id: Option<Uuid>,
    /// Major units as typed ("3,000"); empty means 0 (cost not known yet).
    pub cost: String,
    /// `YYYY-MM-DD` or empty.
    pub start: String,
    /// `YYYY-MM-DD` or empty; not before `start` (`("end", BeforeInteraction)`).
    pub end: String,
    pub notes: String,
}

impl CampaignDraft {
    /// Validates the form onto `base` (a new [`Campaign::new`] or the one being edited),
    /// returning every field error at once: name required, cost a non-negative amount,
    /// dates valid, end not before start.
    pub fn apply(&self, base: Campaign) -> Result<Campaign, Vec<FieldError>> {
        let mut errors = Errors::default();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push("name", Problem::Required);
        }
        errors.check("name", validation::max_len(name, SHORT_MAX));
        let cost_minor = match self.cost.trim() {
            "" => 0,
            text => validation::parse_amount_minor(text).unwrap_or_else(|p| {
                errors.push("cost", p);
                0
            }),
        };
        let start = parse_optional_date(&self.start).unwrap_or_else(|p| {
            errors.push("start", p);
            None
        });
        let end = match parse_optional_date(&self.end) {
            Ok(Some(end)) if start.is_some_and(|start| end < start) => {
                errors.push("end", Problem::BeforeInteraction);
                None
            }
            Ok(end) => end,
            Err(p) => {
                errors.push("end", p);
                None
            }
        };
        let notes = self.notes.trim();
        errors.check("notes", validation::max_len(notes, LONG_MAX));
        errors.finish(Campaign {
            name: name.to_string(),
            segment_id: self.segment_id,
            cost_minor,
            start,
            end,
            notes: notes.to_string(),
            ..base
        })
    }
}

/// A campaign's results for the dashboard.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CampaignResult {
    /// Sum of the linked purchases' amounts, minor units.
    pub revenue_minor: i64,
    /// Number of linked purchases.
    pub purchases: u32,
    /// Distinct customers among the linked purchases.
    pub buyers: u32,
    /// Customers targeted (the segment's size when the campaign ran).
    pub targets: u32,
    /// Revenue ÷ cost (2.5 = ¥2.50 back per ¥1 spent); None when the cost is 0.
    pub roi: Option<f64>,
    /// Buyers ÷ targets (0.1 = 10 %); None when there are no targets.
    pub conversion: Option<f64>,
}

/// Computes a campaign's results from the purchases linked to it. Only non-deleted
/// purchases whose `campaign_id` is this campaign count (anything else passed in is
/// ignored, and an interaction passed twice counts once); a purchase without an amount
/// counts as a purchase of 0. `targets` is the number of customers the campaign aimed at.
pub fn campaign_result(
    campaign: &Campaign,
    linked_purchases: &[&Interaction],
    targets: u32,
) -> CampaignResult {
    let mut seen = HashSet::new();
    let mut buyers = HashSet::new();
    let mut revenue: i128 = 0;
    let mut purchases: u32 = 0;
    for i in linked_purchases {
        if i.deleted
            || i.kind != InteractionKind::Purchase
            || i.campaign_id != Some(campaign.id)
            || !seen.insert(i.id)
        {
            continue;
        }
        revenue += i128::from(i.amount_minor.unwrap_or(0));
        purchases = purchases.saturating_add(1);
        buyers.insert(i.customer_id);
    }
    let revenue_minor = revenue.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    let buyers = u32::try_from(buyers.len()).unwrap_or(u32::MAX);
    CampaignResult {
        revenue_minor,
        purchases,
        buyers,
        targets,
        roi: (campaign.cost_minor > 0).then(|| revenue_minor as f64 / campaign.cost_minor as f64),
        conversion: (targets > 0).then(|| f64::from(buyers) / f64::from(targets)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::test_support::purchase;

    fn campaign(cost_minor: i64) -> Campaign {
        Campaign {
            id: Uuid::from_u128(100),
            name: "Spring Festival".into(),
            cost_minor,
            ..Campaign::default()
        }
    }

    fn linked(id: u128, customer: u128, amount: i64) -> Interaction {
        Interaction {
            campaign_id: Some(Uuid::from_u128(100)),
            ..purchase(id, customer, "2026-02-10", amount)
        }
    }

    #[test]
    fn roi_and_conversion() {
        let a = linked(1, 10, 300_000);
        let b = linked(2, 10, 200_000); // same buyer again
        let c = linked(3, 11, 500_000);
        let r = campaign_result(&campaign(400_000), &[&a, &b, &c], 20);
        assert_eq!(
            r,
            CampaignResult {
                revenue_minor: 1_000_000,
                purchases: 3,
                buyers: 2,
                targets: 20,
                roi: Some(2.5),
                conversion: Some(0.1),
            }
        );
    }

    #[test]
    fn zero_cost_or_zero_targets_have_no_ratio() {
        let a = linked(1, 10, 300_000);
        let r = campaign_result(&campaign(0), &[&a], 0);
        assert_eq!(r.revenue_minor, 300_000);
        assert_eq!(r.roi, None);
        assert_eq!(r.conversion, None);
        let empty = campaign_result(&campaign(100), &[], 10);
        assert_eq!(empty.roi, Some(0.0));
        assert_eq!(empty.conversion, Some(0.0));
        assert_eq!(empty.purchases, 0);
    }

    #[test]
    fn only_live_purchases_of_this_campaign_count() {
        let counted = linked(1, 10, 100_000);
        let deleted = Interaction {
            deleted: true,
            ..linked(2, 11, 900_000)
        };
        let visit = Interaction {
            kind: InteractionKind::Visit,
            ..linked(3, 12, 900_000)
        };
        let other = Interaction {
            campaign_id: Some(Uuid::from_u128(999)),
            ..linked(4, 13, 900_000)
        };
        let unlinked = purchase(5, 14, "2026-02-11", 900_000);
        let no_amount = Interaction {
            amount_minor: None,
            ..linked(6, 15, 0)
        };
        let r = campaign_result(
            &campaign(50_000),
            &[
                &counted, &deleted, &visit, &other, &unlinked, &no_amount, &counted,
            ],
            4,
        );
        assert_eq!(r.revenue_minor, 100_000);
        assert_eq!(r.purchases, 2);
        assert_eq!(r.buyers, 2);
        assert_eq!(r.roi, Some(2.0));
        assert_eq!(r.conversion, Some(0.5));
    }

    #[test]
    fn drafts() {
        let errors = |d: CampaignDraft| -> Vec<(&'static str, Problem)> {
            d.apply(Campaign::default())
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.problem))
                .collect()
        };
        assert_eq!(
            errors(CampaignDraft {
                cost: "-1".into(),
                start: "2026-03-01".into(),
                end: "2026-02-28".into(),
                ..CampaignDraft::default()
            }),
            vec![
                ("name", Problem::Required),
                ("cost", Problem::Negative),
                ("end", Problem::BeforeInteraction)
            ]
        );
        assert_eq!(
            errors(CampaignDraft {
                name: "x".into(),
                cost: "lots".into(),
                start: "March".into(),
                end: "2026-02-30".into(),
                ..CampaignDraft::default()
            }),
            vec![
                ("cost", Problem::InvalidAmount),
                ("start", Problem::InvalidDate),
                ("end", Problem::InvalidDate)
            ]
        );
        let base = Campaign::new(Uuid::from_u128(3), 77);
        let c = CampaignDraft {
            name: " Mid-Autumn ".into(),
            segment_id: Some(Uuid::from_u128(8)),
            cost: "3,000.5".into(),
            start: "2026-09-01".into(),
            end: "2026-09-01".into(),
            notes: "mooncakes".into(),
        }
        .apply(base)
        .unwrap();
        assert_eq!(c.id, Uuid::from_u128(3));
        assert_eq!(c.created_ms, 77);
        assert_eq!(c.name, "Mid-Autumn");
        assert_eq!(c.cost_minor, 300_050);
        assert_eq!(c.start, c.end);
        assert_eq!(c.draft().apply(c.clone()), Ok(c.clone()));
        let open_ended = CampaignDraft {
            name: "Always on".into(),
            ..CampaignDraft::default()
        }
        .apply(c)
        .unwrap();
        assert_eq!(
            (open_ended.cost_minor, open_ended.start, open_ended.end),
            (0, None, None)
        );
        let partial: Campaign = serde_json::from_str(r#"{"name":"x"}"#).unwrap();
        assert_eq!(partial.name, "x");
    }
}
