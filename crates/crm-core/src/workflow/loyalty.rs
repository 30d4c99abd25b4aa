//! Loyalty points from spend and member tiers from points. Seed 000 (携程 CRM, 积分管理):
//! 定义积分生成换算规则,查询客户历史积分记录,根据客户消费记录换算积分 — a configurable
//! conversion rule, a points history per customer, points computed from purchases.
//! Seed 004 (6.3.2): 设立会员等级,根据会员消费积分给予相应优惠和权益 — member tiers by
//! points earned from spend. Seed 003: 根据会员分布情况设置合理的会员等级制度 — tiers are
//! the organisation's choice, so they are settings.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::interaction::{Interaction, InteractionKind};
use crate::validation::{Errors, FieldError, Problem};

/// One member tier: customers with at least `min_points` points belong to it (the
/// highest tier they reach).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MemberTier {
    pub name: String,
    pub min_points: i64,
}

impl MemberTier {
    fn new(name: &str, min_points: i64) -> Self {
        Self {
            name: name.to_string(),
            min_points,
        }
    }
}

/// How points are earned and which tiers they reach, part of [`OrgSettings`](super::OrgSettings).
///
/// Defaults: 1 point per yuan spent; tiers Bronze 0 / Silver 5,000 / Gold 20,000 /
/// Platinum 50,000 points. The seeds give no rate or thresholds; the tier names are
/// seed 003's (白金/金/银/铜, e.g. 银牌会员 in its RFM example), the numbers are ours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoyaltyPolicy {
    /// Points per yuan (major unit) spent; fractions of a point are dropped.
    pub points_per_yuan: f64,
    /// Tiers from lowest to highest, thresholds strictly increasing.
    pub tiers: Vec<MemberTier>,
}

impl Default for LoyaltyPolicy {
    fn default() -> Self {
        Self {
            points_per_yuan: 1.0,
            tiers: vec![
                MemberTier::new("Bronze", 0),
                MemberTier::new("Silver", 5_000),
                MemberTier::new("Gold", 20_000),
                MemberTier::new("Platinum", 50_000),
            ],
        }
    }
}

/// One line of a customer's points history (积分记录).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointsEntry {
    /// When the purchase happened.
    pub at: NaiveDateTime,
    /// The purchase that earned the points.
    pub interaction_id: Uuid,
    pub amount_minor: i64,
    pub points: i64,
    /// Points after this purchase.
    pub balance: i64,
}

/// The rate is applied in millionths of a point per fen so the arithmetic is exact
/// integer arithmetic: 0.1 + 0.2 style float errors never cost a customer a point.
const RATE_SCALE: f64 = 1_000_000.0;

impl LoyaltyPolicy {
    /// Points for spending `amount_minor` fen: floor(yuan × rate), never negative (a
    /// non-positive amount or an invalid rate earns 0). The rate counts to 6 decimals.
    pub fn points_for(&self, amount_minor: i64) -> i64 {
        let rate = self.points_per_yuan;
        if amount_minor <= 0 || !rate.is_finite() || rate <= 0.0 {
            return 0;
        }
        let micro = (rate * RATE_SCALE).round() as i128;
        let points = i128::from(amount_minor) * micro / (100 * RATE_SCALE as i128);
        points.clamp(0, i128::from(i64::MAX)) as i64
    }

    /// The highest tier whose threshold `points` reaches; None below the lowest tier
    /// (or with no tiers).
    pub fn tier_for(&self, points: i64) -> Option<&MemberTier> {
        self.tiers
            .iter()
            .filter(|t| points >= t.min_points)
            .max_by_key(|t| t.min_points)
    }

    /// The points history of a customer's purchases, oldest first (ties by interaction
    /// id, so every device lists the same order), with a running balance. Deleted
    /// interactions, non-purchases and purchases without an amount are left out.
    pub fn history(&self, purchases: &[&Interaction]) -> Vec<PointsEntry> {
        let mut counted: Vec<&Interaction> = purchases
            .iter()
            .copied()
            .filter(|i| !i.deleted && i.kind == InteractionKind::Purchase)
            .filter(|i| i.amount_minor.is_some())
            .collect();
        counted.sort_by_key(|i| (i.at, i.id));
        counted.dedup_by_key(|i| i.id);
        let mut balance: i64 = 0;
        counted
            .into_iter()
            .map(|i| {
                let amount_minor = i.amount_minor.unwrap_or(0);
                let points = self.points_for(amount_minor);
                balance = balance.saturating_add(points);
                PointsEntry {
                    at: i.at,
                    interaction_id: i.id,
                    amount_minor,
                    points,
                    balance,
                }
            })
            .collect()
    }

    /// Total points from these purchases (the last balance of [`Self::history`]).
    pub fn total_points(&self, purchases: &[&Interaction]) -> i64 {
        self.history(purchases).last().map_or(0, |e| e.balance)
    }

    /// Settings-screen check, every problem at once: `points_per_yuan` above 0
    /// (`Negative` below 0, `InvalidAmount` for 0 or not a number); `tiers`: names
    /// non-empty (`Required`), first threshold not negative (`Negative`), thresholds
    /// strictly increasing (`InvalidAmount`). Each problem is reported once.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        let rate = self.points_per_yuan;
        if rate.is_finite() && rate < 0.0 {
            errors.push("points_per_yuan", Problem::Negative);
        } else if !rate.is_finite() || rate == 0.0 {
            errors.push("points_per_yuan", Problem::InvalidAmount);
        }
        if self.tiers.iter().any(|t| t.name.trim().is_empty()) {
            errors.push("tiers", Problem::Required);
        }
        if self.tiers.first().is_some_and(|t| t.min_points < 0) {
            errors.push("tiers", Problem::Negative);
        }
        if self
            .tiers
            .windows(2)
            .any(|w| w[1].min_points <= w[0].min_points)
        {
            errors.push("tiers", Problem::InvalidAmount);
        }
        errors.finish(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::test_support::purchase;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn rate(points_per_yuan: f64) -> LoyaltyPolicy {
        LoyaltyPolicy {
            points_per_yuan,
            ..LoyaltyPolicy::default()
        }
    }

    #[test]
    fn points_round_down_and_never_go_negative() {
        let p = LoyaltyPolicy::default();
        assert_eq!(p.points_for(0), 0);
        assert_eq!(p.points_for(99), 0);
        assert_eq!(p.points_for(100), 1);
        assert_eq!(p.points_for(128_050), 1_280);
        assert_eq!(p.points_for(-50_000), 0);
        assert_eq!(rate(1.5).points_for(99_900), 1_498); // 999 × 1.5 = 1498.5
        assert_eq!(rate(0.1).points_for(3_000), 3);
        assert_eq!(
            rate(0.3).points_for(1_000),
            3,
            "no float error: 10 × 0.3 = 3"
        );
        assert_eq!(rate(2.0).points_for(50), 1);
        assert_eq!(rate(0.0).points_for(100_000), 0);
        assert_eq!(rate(-1.0).points_for(100_000), 0);
        assert_eq!(rate(f64::NAN).points_for(100_000), 0);
        assert_eq!(p.points_for(i64::MAX), i64::MAX / 100);
    }

    #[test]
    fn tiers_at_exact_thresholds() {
        let p = LoyaltyPolicy::default();
        let tier = |points| p.tier_for(points).map(|t| t.name.as_str());
        assert_eq!(tier(-1), None);
        assert_eq!(tier(0), Some("Bronze"));
        assert_eq!(tier(4_999), Some("Bronze"));
        assert_eq!(tier(5_000), Some("Silver"));
        assert_eq!(tier(19_999), Some("Silver"));
        assert_eq!(tier(20_000), Some("Gold"));
        assert_eq!(tier(49_999), Some("Gold"));
        assert_eq!(tier(50_000), Some("Platinum"));
        assert_eq!(tier(i64::MAX), Some("Platinum"));
        let none = LoyaltyPolicy {
            tiers: vec![],
            ..LoyaltyPolicy::default()
        };
        assert_eq!(none.tier_for(1_000_000), None);
    }

    #[test]
    fn history_is_oldest_first_with_a_running_balance() {
        let late = purchase(1, 9, "2026-03-01", 250_050);
        let early = purchase(2, 9, "2026-01-15", 99_999);
        let deleted = Interaction {
            deleted: true,
            ..purchase(3, 9, "2026-02-01", 1_000_000)
        };
        let call = Interaction {
            kind: InteractionKind::Call,
            ..purchase(4, 9, "2026-02-02", 1_000_000)
        };
        let same_time = purchase(5, 9, "2026-03-01", 100);
        let h = LoyaltyPolicy::default().history(&[&late, &deleted, &early, &call, &same_time]);
        let rows: Vec<(u128, i64, i64)> = h
            .iter()
            .map(|e| (e.interaction_id.as_u128(), e.points, e.balance))
            .collect();
        assert_eq!(rows, vec![(2, 999, 999), (1, 2_500, 3_499), (5, 1, 3_500)]);
        assert_eq!(h[0].at, early.at);
        assert_eq!(h[0].amount_minor, 99_999);
        // A different rate changes every line.
        let doubled = rate(2.0).history(&[&late, &early]);
        assert_eq!(doubled[0].points, 1_999, "999.99 yuan × 2 = 1999.98");
        assert_eq!(doubled.last().unwrap().balance, 1_999 + 5_001);
        assert_eq!(rate(2.0).total_points(&[&late, &early]), 7_000);
        assert!(LoyaltyPolicy::default().history(&[]).is_empty());
    }

    #[test]
    fn validation_names_each_problem() {
        assert_eq!(LoyaltyPolicy::default().validate(), Ok(()));
        let problems = |p: LoyaltyPolicy| -> Vec<(&'static str, Problem)> {
            p.validate()
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.problem))
                .collect()
        };
        assert_eq!(
            problems(rate(0.0)),
            vec![("points_per_yuan", Problem::InvalidAmount)]
        );
        assert_eq!(
            problems(rate(-2.0)),
            vec![("points_per_yuan", Problem::Negative)]
        );
        assert_eq!(
            problems(rate(f64::INFINITY)),
            vec![("points_per_yuan", Problem::InvalidAmount)]
        );
        let tiers = |list: &[(&str, i64)]| LoyaltyPolicy {
            points_per_yuan: 1.0,
            tiers: list.iter().map(|(n, m)| MemberTier::new(n, *m)).collect(),
        };
        assert_eq!(
            problems(tiers(&[("Bronze", 0), ("", 10), ("Gold", 10)])),
            vec![
                ("tiers", Problem::Required),
                ("tiers", Problem::InvalidAmount)
            ]
        );
        assert_eq!(
            problems(tiers(&[("Bronze", -5), ("Silver", 100), ("Gold", 50)])),
            vec![
                ("tiers", Problem::Negative),
                ("tiers", Problem::InvalidAmount)
            ]
        );
        assert_eq!(tiers(&[]).validate(), Ok(()));
        assert_eq!(tiers(&[("Only", 100)]).validate(), Ok(()));
    }

    #[test]
    fn a_partial_policy_takes_defaults() {
        let p: LoyaltyPolicy = serde_json::from_str(r#"{"points_per_yuan":2.0}"#).unwrap();
        assert_eq!(p.points_per_yuan, 2.0);
        assert_eq!(p.tiers, LoyaltyPolicy::default().tiers);
    }

    proptest! {
        /// The balance is the running sum of the points and the points of each line are
        /// `points_for` its amount, whatever the order the purchases are passed in.
        #[test]
        fn balance_is_the_sum_of_points(
            amounts in prop::collection::vec((0i64..10_000_000, 0u32..400), 0..40),
            rate_pct in 1u32..1_000,
        ) {
            let policy = rate(f64::from(rate_pct) / 100.0);
            let purchases: Vec<Interaction> = amounts
                .iter()
                .enumerate()
                .map(|(i, (amount, day))| {
                    let date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
                        + chrono::Days::new(u64::from(*day));
                    purchase(i as u128, 1, &date.to_string(), *amount)
                })
                .collect();
            let refs: Vec<&Interaction> = purchases.iter().collect();
            let h = policy.history(&refs);
            prop_assert_eq!(h.len(), purchases.len());
            let mut sum = 0;
            for (k, e) in h.iter().enumerate() {
                prop_assert!(e.points >= 0);
                prop_assert_eq!(e.points, policy.points_for(e.amount_minor));
                sum += e.points;
                prop_assert_eq!(e.balance, sum);
                if k > 0 {
                    prop_assert!(h[k - 1].at <= e.at);
                }
            }
            let mut reversed = refs.clone();
            reversed.reverse();
            prop_assert_eq!(policy.history(&reversed), h);
        }

        #[test]
        fn points_are_monotonic_in_the_amount(a in 0i64..1_000_000_000, b in 0i64..1_000_000_000, r in 1u32..10_000) {
            let policy = rate(f64::from(r) / 100.0);
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(policy.points_for(lo) <= policy.points_for(hi));
        }
    }
}
