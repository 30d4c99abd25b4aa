//! The deal pipeline: a kanban of stages from lead to won/lost, with a weighted forecast
//! and a manager's approval for discounts above the organisation's limit.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{parse_optional_date, parse_percent, select_enum, Role, WorkflowError};
use crate::interaction::DEFAULT_CURRENCY;
use crate::validation::{self, Errors, FieldError, Problem, LONG_MAX, SHORT_MAX};

/// Where a deal is in the pipeline (seed 002: 销售…发现潜在客户、信息沟通、推销…建立销售订单).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealStage {
    #[default]
    Lead,
    Qualified,
    Proposal,
    Negotiation,
    Won,
    Lost,
}

select_enum!(DealStage, 6, [
    Lead => "lead",
    Qualified => "qualified",
    Proposal => "proposal",
    Negotiation => "negotiation",
    Won => "won",
    Lost => "lost",
]);

impl DealStage {
    /// The open stages in pipeline order: the kanban columns a deal moves through with
    /// "move left / move right".
    pub const OPEN: [DealStage; 4] = [
        DealStage::Lead,
        DealStage::Qualified,
        DealStage::Proposal,
        DealStage::Negotiation,
    ];

    /// Whether the deal still counts in the pipeline (not won or lost yet).
    pub fn is_open(self) -> bool {
        !matches!(self, DealStage::Won | DealStage::Lost)
    }

    /// The win probability (percent) a deal gets on entering the stage, unless the user
    /// set one: 10 / 25 / 50 / 75 for the open stages, 100 won, 0 lost.
    pub fn default_probability(self) -> u8 {
        match self {
            DealStage::Lead => 10,
            DealStage::Qualified => 25,
            DealStage::Proposal => 50,
            DealStage::Negotiation => 75,
            DealStage::Won => 100,
            DealStage::Lost => 0,
        }
    }

    /// Position among the open stages (None for won / lost).
    fn open_index(self) -> Option<usize> {
        DealStage::OPEN.iter().position(|s| *s == self)
    }

    /// Whether `self → to` is an allowed move (ignoring approval):
    /// - between open stages one step forward or back (kanban "move left/right");
    /// - any open stage → Won or Lost (a quote accepted at Proposal closes the deal
    ///   without inventing a Negotiation step; approval is still enforced on Won);
    /// - Won / Lost → Negotiation only (reopen);
    /// - nothing else, and never to the same stage.
    pub fn can_move_to(self, to: DealStage) -> bool {
        match (self.open_index(), to.open_index()) {
            (Some(a), Some(b)) => a.abs_diff(b) == 1,
            (Some(_), None) => true,
            (None, _) => to == DealStage::Negotiation,
        }
    }
}

/// Whether a deal's discount needs, awaits or has a manager's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    /// The discount is within the limit.
    #[default]
    NotNeeded,
    /// The discount is above the limit and waits for a manager.
    Pending,
    Approved,
    Rejected,
}

select_enum!(Approval, 4, [
    NotNeeded => "not_needed",
    Pending => "pending",
    Approved => "approved",
    Rejected => "rejected",
]);

/// The organisation's discount rule: discounts above `discount_limit_pct` need a
/// manager's approval before the deal can be won (seed 001: what is beyond a front-line
/// employee's authority goes to a superior — 对超过权限…要及时与上级领导联系).
/// The 10 % default is ours; the seeds give no figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApprovalPolicy {
    pub discount_limit_pct: f64,
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        Self {
            discount_limit_pct: 10.0,
        }
    }
}

impl ApprovalPolicy {
    /// Whether a discount of `discount_pct` percent needs approval (strictly above the
    /// limit; a discount exactly at the limit does not).
    pub fn needs_approval(&self, discount_pct: f64) -> bool {
        discount_pct > self.discount_limit_pct
    }

    /// Settings-screen check: the limit is a percentage from 0 to 100.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        let limit = self.discount_limit_pct;
        if !limit.is_finite() || limit > 100.0 {
            errors.push("discount_limit_pct", Problem::InvalidAmount);
        } else if limit < 0.0 {
            errors.push("discount_limit_pct", Problem::Negative);
        }
        errors.finish(())
    }
}

/// One sales opportunity with a customer, a synced record. Missing fields take
/// [`Deal::default`]'s values (`#[serde(default)]` on the struct), so a record whose
/// fields arrive one by one deserializes with currency CNY and the Lead probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Deal {
    #[serde(default)]
    pub id: Uuid,
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub stage: DealStage,
    /// The value the customer pays (after the discount), in minor units (fen).
    #[serde(default)]
    pub amount_minor: i64,
    /// Defaults to CNY like interactions (from the container's `Default`).
    pub currency: String,
    /// The discount granted, in percent (0–100); above the policy limit it needs approval.
    #[serde(default)]
    pub discount_pct: f64,
    #[serde(default)]
    pub expected_close: Option<NaiveDate>,
    /// Win probability in percent; follows the stage default unless the user set another
    /// value (see [`Deal::move_to`]). Missing → the Lead default (container `Default`).
    pub probability: u8,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub approval: Approval,
    /// Who approved or rejected the discount.
    #[serde(default)]
    pub approved_by: String,
    #[serde(default)]
    pub notes: String,
    /// Creation time, ms since the Unix epoch (passed in by the shell).
    #[serde(default)]
    pub created_ms: i64,
    #[serde(default, rename = "_deleted")]
    pub deleted: bool,
}

impl Default for Deal {
    fn default() -> Self {
        Self {
            id: Uuid::nil(),
            customer_id: None,
            title: String::new(),
            stage: DealStage::Lead,
            amount_minor: 0,
            currency: DEFAULT_CURRENCY.to_string(),
            discount_pct: 0.0,
            expected_close: None,
            probability: DealStage::Lead.default_probability(),
            owner: String::new(),
            approval: Approval::NotNeeded,
            approved_by: String::new(),
            notes: String::new(),
            created_ms: 0,
            deleted: false,
        }
    }
}

impl Deal {
    /// A new lead owned by `owner`, to be filled from a [`DealDraft`].
    pub fn new(id: Uuid, owner: &str, created_ms: i64) -> Self {
        Self {
            id,
            owner: owner.to_string(),
            created_ms,
            ..Self::default()
        }
    }

    /// The form prefilled from this deal (for Edit).
    pub fn draft(&self) -> DealDraft {
        DealDraft {
            title: self.title.clone(),
            customer_id: self.customer_id,
            amount: format_minor(self.amount_minor),
            discount_pct: if self.discount_pct == 0.0 {
                String::new()
            } else {
                self.discount_pct.to_string()
            },
            expected_close: self
                .expected_close
                .map(|d| d.to_string())
                .unwrap_or_default(),
            probability: if self.probability == self.stage.default_probability() {
                String::new()
            } else {
                self.probability.to_string()
            },
            notes: self.notes.clone(),
        }
    }

    /// Moves the deal to another stage (kanban drag or "move left/right").
    ///
    /// Allowed moves are [`DealStage::can_move_to`]; anything else, including the same
    /// stage, is [`WorkflowError::IllegalTransition`]. Winning needs the discount
    /// settled: [`Approval::Pending`] → `ApprovalPending`, [`Approval::Rejected`] →
    /// `ApprovalRejected`.
    ///
    /// Probability: Won sets 100 and Lost 0; between open stages (and on reopening) it
    /// follows the new stage's default when it equalled the old stage's default, and
    /// is kept when the user had set another value.
    pub fn move_to(&self, to: DealStage) -> Result<Deal, WorkflowError> {
        let from = self.stage;
        if from == to || !from.can_move_to(to) {
            return Err(WorkflowError::IllegalTransition {
                from: from.as_str().to_string(),
                to: to.as_str().to_string(),
            });
        }
        if to == DealStage::Won {
            match self.approval {
                Approval::Pending => return Err(WorkflowError::ApprovalPending),
                Approval::Rejected => return Err(WorkflowError::ApprovalRejected),
                Approval::NotNeeded | Approval::Approved => {}
            }
        }
        let follows_default = self.probability == from.default_probability() || !from.is_open();
        let probability = if !to.is_open() || follows_default {
            to.default_probability()
        } else {
            self.probability
        };
        Ok(Deal {
            stage: to,
            probability,
            ..self.clone()
        })
    }

    /// A manager or admin approves the pending discount. Reps get `ManagerRequired`; a
    /// deal not waiting for approval gets `NothingToApprove`.
    pub fn approve(&self, role: Role, approver: &str) -> Result<Deal, WorkflowError> {
        self.decide(role, approver, Approval::Approved)
    }

    /// A manager or admin rejects the pending discount (the deal cannot be won until the
    /// discount is lowered to the limit or asked for again). Same errors as
    /// [`Deal::approve`].
    pub fn reject(&self, role: Role, approver: &str) -> Result<Deal, WorkflowError> {
        self.decide(role, approver, Approval::Rejected)
    }

    fn decide(&self, role: Role, approver: &str, to: Approval) -> Result<Deal, WorkflowError> {
        if !role.can_approve() {
            return Err(WorkflowError::ManagerRequired);
        }
        if self.approval != Approval::Pending {
            return Err(WorkflowError::NothingToApprove);
        }
        Ok(Deal {
            approval: to,
            approved_by: approver.trim().to_string(),
            ..self.clone()
        })
    }
}

/// Formats minor units as the major-unit text the amount field accepts ("12800.50").
fn format_minor(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if abs.is_multiple_of(100) {
        format!("{sign}{}", abs / 100)
    } else {
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// What the deal form holds, as typed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DealDraft {
    pub title: String,
    pub customer_id: Option<Uuid>,
    /// Major units as typed ("12,800.50"); empty means 0 (a lead of unknown value).
    pub amount: String,
    /// Percent as typed ("15", "12.5%"); empty means no discount.
    pub discount_pct: String,
    /// `YYYY-MM-DD` or empty.
    pub expected_close: String,
    /// Percent 0–100 as typed; empty means the stage default.
    pub probability: String,
    pub notes: String,
}

impl DealDraft {
    /// Validates the form onto `base` (a new [`Deal::new`] or the deal being edited),
    /// returning every field error at once.
    ///
    /// Approval: a discount above `policy.discount_limit_pct` makes the deal
    /// [`Approval::Pending`], at or below it [`Approval::NotNeeded`]. A decision already
    /// taken (approved / rejected / pending) is kept only while the discount stays the
    /// same: changing an approved discount needs approval again.
    pub fn apply(&self, base: Deal, policy: &ApprovalPolicy) -> Result<Deal, Vec<FieldError>> {
        let mut errors = Errors::default();
        let title = self.title.trim();
        if title.is_empty() {
            errors.push("title", Problem::Required);
        }
        errors.check("title", validation::max_len(title, SHORT_MAX));
        let amount_minor = match self.amount.trim() {
            "" => Some(0),
            text => match validation::parse_amount_minor(text) {
                Ok(a) => Some(a),
                Err(p) => {
                    errors.push("amount", p);
                    None
                }
            },
        };
        let discount_pct = match self.discount_pct.trim() {
            "" => Some(0.0),
            text => match parse_percent(text) {
                Ok(d) => Some(d),
                Err(p) => {
                    errors.push("discount_pct", p);
                    None
                }
            },
        };
        let expected_close = match parse_optional_date(&self.expected_close) {
            Ok(d) => d,
            Err(p) => {
                errors.push("expected_close", p);
                None
            }
        };
        let probability = match self.probability.trim() {
            "" => Some(base.stage.default_probability()),
            text => match text.trim_end_matches(['%', '％']).trim().parse::<i64>() {
                Ok(p) if p < 0 => {
                    errors.push("probability", Problem::Negative);
                    None
                }
                Ok(p) if p > 100 => {
                    errors.push("probability", Problem::InvalidAmount);
                    None
                }
                Ok(p) => Some(p as u8),
                Err(_) => {
                    errors.push("probability", Problem::InvalidAmount);
                    None
                }
            },
        };
        let notes = self.notes.trim();
        errors.check("notes", validation::max_len(notes, LONG_MAX));
        errors.finish(())?;
        let (Some(amount_minor), Some(discount_pct), Some(probability)) =
            (amount_minor, discount_pct, probability)
        else {
            unreachable!("a missing value always comes with an error")
        };
        let (approval, approved_by) = if !policy.needs_approval(discount_pct) {
            (Approval::NotNeeded, String::new())
        } else if discount_pct == base.discount_pct && base.approval != Approval::NotNeeded {
            (base.approval, base.approved_by.clone())
        } else {
            (Approval::Pending, String::new())
        };
        Ok(Deal {
            title: title.to_string(),
            customer_id: self.customer_id,
            amount_minor,
            discount_pct,
            expected_close,
            probability,
            notes: notes.to_string(),
            approval,
            approved_by,
            ..base
        })
    }
}

/// The weighted pipeline forecast: Σ amount × probability / 100 over open, non-deleted
/// deals, in minor units (rounded down once, at the end). Amounts are summed as they
/// are; all deals are in CNY today.
pub fn weighted_pipeline(deals: &[Deal]) -> i64 {
    let total: i128 = deals
        .iter()
        .filter(|d| !d.deleted && d.stage.is_open())
        .map(|d| i128::from(d.amount_minor) * i128::from(d.probability.min(100)))
        .sum();
    (total / 100).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use DealStage::*;

    fn deal(stage: DealStage) -> Deal {
        Deal {
            title: "Annual hotel contract".into(),
            amount_minor: 1_000_000,
            stage,
            probability: stage.default_probability(),
            ..Deal::default()
        }
    }

    fn illegal(from: DealStage, to: DealStage) -> WorkflowError {
        WorkflowError::IllegalTransition {
            from: from.as_str().into(),
            to: to.as_str().into(),
        }
    }

    /// The full transition table: every (from, to) pair with its expected outcome.
    #[test]
    fn every_transition() {
        let legal = [
            (Lead, Qualified),
            (Lead, Won),
            (Lead, Lost),
            (Qualified, Lead),
            (Qualified, Proposal),
            (Qualified, Won),
            (Qualified, Lost),
            (Proposal, Qualified),
            (Proposal, Negotiation),
            (Proposal, Won),
            (Proposal, Lost),
            (Negotiation, Proposal),
            (Negotiation, Won),
            (Negotiation, Lost),
            (Won, Negotiation),
            (Lost, Negotiation),
        ];
        let mut n_legal = 0;
        for from in DealStage::ALL {
            for to in DealStage::ALL {
                let result = deal(from).move_to(to);
                if legal.contains(&(from, to)) {
                    n_legal += 1;
                    let moved = result.unwrap_or_else(|e| panic!("{from:?} → {to:?}: {e}"));
                    assert_eq!(moved.stage, to);
                    assert_eq!(
                        moved.probability,
                        to.default_probability(),
                        "{from:?} → {to:?}"
                    );
                } else {
                    assert_eq!(result, Err(illegal(from, to)), "{from:?} → {to:?}");
                }
            }
        }
        assert_eq!(n_legal, legal.len());
    }

    #[test]
    fn winning_needs_a_settled_discount() {
        for from in DealStage::OPEN {
            let mut d = deal(from);
            d.approval = Approval::Pending;
            assert_eq!(d.move_to(Won), Err(WorkflowError::ApprovalPending));
            assert!(d.move_to(Lost).is_ok(), "losing needs no approval");
            d.approval = Approval::Rejected;
            assert_eq!(d.move_to(Won), Err(WorkflowError::ApprovalRejected));
            d.approval = Approval::Approved;
            assert_eq!(d.move_to(Won).unwrap().stage, Won);
        }
        // An illegal move is reported as such even when approval is pending.
        let mut won = deal(Won);
        won.approval = Approval::Pending;
        assert_eq!(won.move_to(Won), Err(illegal(Won, Won)));
    }

    #[test]
    fn a_probability_set_by_the_user_is_kept_between_open_stages() {
        let d = Deal {
            probability: 60,
            ..deal(Qualified)
        };
        assert_eq!(d.move_to(Proposal).unwrap().probability, 60);
        assert_eq!(d.move_to(Lead).unwrap().probability, 60);
        assert_eq!(d.move_to(Won).unwrap().probability, 100);
        assert_eq!(d.move_to(Lost).unwrap().probability, 0);
        let reopened = d.move_to(Lost).unwrap().move_to(Negotiation).unwrap();
        assert_eq!(reopened.probability, 75);
    }

    #[test]
    fn only_managers_and_admins_decide_on_discounts() {
        let pending = Deal {
            approval: Approval::Pending,
            ..deal(Proposal)
        };
        assert_eq!(
            pending.approve(Role::Rep, "li.wei"),
            Err(WorkflowError::ManagerRequired)
        );
        assert_eq!(
            pending.reject(Role::Rep, "li.wei"),
            Err(WorkflowError::ManagerRequired)
        );
        let approved = pending.approve(Role::Manager, " wang.fang ").unwrap();
        assert_eq!(approved.approval, Approval::Approved);
        assert_eq!(approved.approved_by, "wang.fang");
        assert_eq!(approved.move_to(Won).unwrap().stage, Won);
        let rejected = pending.reject(Role::Admin, "admin").unwrap();
        assert_eq!(rejected.approval, Approval::Rejected);
        assert_eq!(rejected.approved_by, "admin");
        for decided in [&approved, &rejected, &deal(Lead)] {
            assert_eq!(
                decided.approve(Role::Manager, "x"),
                Err(WorkflowError::NothingToApprove)
            );
            assert_eq!(
                decided.reject(Role::Manager, "x"),
                Err(WorkflowError::NothingToApprove)
            );
        }
    }

    fn draft(discount: &str) -> DealDraft {
        DealDraft {
            title: "Annual hotel contract".into(),
            amount: "12,800.50".into(),
            discount_pct: discount.into(),
            ..DealDraft::default()
        }
    }

    #[test]
    fn discounts_above_the_limit_need_approval() {
        let policy = ApprovalPolicy::default();
        let check = |discount: &str, expected: Approval| {
            let d = draft(discount).apply(Deal::default(), &policy).unwrap();
            assert_eq!(d.approval, expected, "discount {discount:?}");
        };
        check("", Approval::NotNeeded);
        check("0", Approval::NotNeeded);
        check("9.99", Approval::NotNeeded);
        check("10", Approval::NotNeeded);
        check("10%", Approval::NotNeeded);
        check("10.01", Approval::Pending);
        check("35", Approval::Pending);
        let strict = ApprovalPolicy {
            discount_limit_pct: 0.0,
        };
        assert_eq!(
            draft("0.5")
                .apply(Deal::default(), &strict)
                .unwrap()
                .approval,
            Approval::Pending
        );
    }

    #[test]
    fn changing_an_approved_discount_needs_approval_again() {
        let policy = ApprovalPolicy::default();
        let pending = draft("15").apply(Deal::default(), &policy).unwrap();
        let approved = pending.approve(Role::Manager, "wang.fang").unwrap();
        // Same discount, other edits: the decision stands.
        let edited = DealDraft {
            notes: "met the GM".into(),
            ..draft("15")
        }
        .apply(approved.clone(), &policy)
        .unwrap();
        assert_eq!(edited.approval, Approval::Approved);
        assert_eq!(edited.approved_by, "wang.fang");
        // A new discount above the limit: back to pending.
        let raised = draft("20").apply(approved.clone(), &policy).unwrap();
        assert_eq!(raised.approval, Approval::Pending);
        assert_eq!(raised.approved_by, "");
        // Within the limit: no approval needed any more.
        let lowered = draft("5").apply(approved, &policy).unwrap();
        assert_eq!(lowered.approval, Approval::NotNeeded);
        // A rejected discount asked for again unchanged stays rejected.
        let rejected = pending.reject(Role::Manager, "wang.fang").unwrap();
        assert_eq!(
            draft("15")
                .apply(rejected.clone(), &policy)
                .unwrap()
                .approval,
            Approval::Rejected
        );
        assert_eq!(
            draft("12").apply(rejected, &policy).unwrap().approval,
            Approval::Pending
        );
    }

    #[test]
    fn a_valid_draft_fills_the_deal() {
        let base = Deal::new(Uuid::from_u128(7), "li.wei", 42);
        let customer = Uuid::from_u128(9);
        let d = DealDraft {
            title: "  Conference block booking ".into(),
            customer_id: Some(customer),
            amount: "¥12,800.50".into(),
            discount_pct: "12.5%".into(),
            expected_close: "2026-12-31".into(),
            probability: "".into(),
            notes: "".into(),
        }
        .apply(base, &ApprovalPolicy::default())
        .unwrap();
        assert_eq!(d.id, Uuid::from_u128(7));
        assert_eq!(d.owner, "li.wei");
        assert_eq!(d.created_ms, 42);
        assert_eq!(d.title, "Conference block booking");
        assert_eq!(d.customer_id, Some(customer));
        assert_eq!(d.amount_minor, 1_280_050);
        assert_eq!(d.discount_pct, 12.5);
        assert_eq!(d.expected_close, NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(d.probability, 10);
        assert_eq!(d.currency, "CNY");
        assert_eq!(d.approval, Approval::Pending);
        // The draft round-trips through the edit form.
        assert_eq!(
            d.draft().apply(d.clone(), &ApprovalPolicy::default()),
            Ok(d)
        );
        let p = DealDraft {
            probability: "40".into(),
            ..draft("")
        }
        .apply(Deal::default(), &ApprovalPolicy::default())
        .unwrap();
        assert_eq!(p.probability, 40);
    }

    #[test]
    fn a_bad_draft_reports_every_field() {
        let errors = |d: DealDraft| -> Vec<(&'static str, Problem)> {
            d.apply(Deal::default(), &ApprovalPolicy::default())
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.problem))
                .collect()
        };
        assert_eq!(
            errors(DealDraft {
                title: " ".into(),
                amount: "-5".into(),
                discount_pct: "101".into(),
                expected_close: "31/12/2026".into(),
                probability: "150".into(),
                ..DealDraft::default()
            }),
            vec![
                ("title", Problem::Required),
                ("amount", Problem::Negative),
                ("discount_pct", Problem::InvalidAmount),
                ("expected_close", Problem::InvalidDate),
                ("probability", Problem::InvalidAmount),
            ]
        );
        assert_eq!(
            errors(DealDraft {
                title: "x".into(),
                amount: "12k".into(),
                discount_pct: "-1".into(),
                probability: "-3".into(),
                ..DealDraft::default()
            }),
            vec![
                ("amount", Problem::InvalidAmount),
                ("discount_pct", Problem::Negative),
                ("probability", Problem::Negative),
            ]
        );
        assert_eq!(
            errors(DealDraft {
                title: "x".into(),
                discount_pct: "lots".into(),
                probability: "likely".into(),
                ..DealDraft::default()
            }),
            vec![
                ("discount_pct", Problem::InvalidAmount),
                ("probability", Problem::InvalidAmount),
            ]
        );
        // The bounds themselves are fine.
        let ok = DealDraft {
            discount_pct: "100".into(),
            probability: "0".into(),
            ..draft("")
        };
        assert!(ok
            .apply(Deal::default(), &ApprovalPolicy::default())
            .is_ok());
    }

    #[test]
    fn the_weighted_pipeline_counts_open_deals_only() {
        let with = |stage, amount_minor, probability, deleted| Deal {
            stage,
            amount_minor,
            probability,
            deleted,
            ..Deal::default()
        };
        let deals = [
            with(Lead, 1_000_000, 10, false),      // 100_000
            with(Proposal, 333, 50, false),        // 166.5
            with(Negotiation, 200_000, 75, false), // 150_000
            with(Won, 5_000_000, 100, false),      // closed
            with(Lost, 5_000_000, 0, false),       // closed
            with(Qualified, 9_000_000, 25, true),  // deleted
        ];
        assert_eq!(weighted_pipeline(&deals), 250_166);
        assert_eq!(weighted_pipeline(&[]), 0);
    }

    #[test]
    fn a_partial_record_deserializes_with_defaults() {
        let d: Deal =
            serde_json::from_str(r#"{"id":"00000000-0000-0000-0000-000000000001"}"#).unwrap();
        assert_eq!(d.currency, "CNY");
        assert_eq!(d.stage, Lead);
        assert_eq!(d.probability, 10);
        let json = serde_json::to_value(Deal {
            deleted: true,
            approval: Approval::NotNeeded,
            ..Deal::default()
        })
        .unwrap();
        assert_eq!(json["_deleted"], true);
        assert_eq!(json["approval"], "not_needed");
        assert_eq!(json["stage"], "lead");
        for s in DealStage::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(DealStage::parse(s.as_str()), Some(s));
        }
        for a in Approval::ALL {
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
        let p: ApprovalPolicy = serde_json::from_str("{}").unwrap();
        assert_eq!(p.discount_limit_pct, 10.0);
    }

    fn any_stage() -> impl Strategy<Value = DealStage> {
        prop::sample::select(DealStage::ALL.to_vec())
    }
    fn any_approval() -> impl Strategy<Value = Approval> {
        prop::sample::select(Approval::ALL.to_vec())
    }

    proptest! {
        /// Whatever sequence of moves is tried, a deal only ever ends up where a legal
        /// move leads: each accepted step is in the table, a rejected one changes
        /// nothing, never Won with an unsettled discount, probability always 0–100 and
        /// 100 / 0 when won / lost.
        #[test]
        fn moves_never_leave_the_legal_graph(
            start in any_stage(),
            approval in any_approval(),
            probability in 0u8..=100,
            moves in prop::collection::vec(any_stage(), 0..30),
        ) {
            let mut d = Deal { stage: start, approval, probability, ..Deal::default() };
            for to in moves {
                match d.move_to(to) {
                    Ok(next) => {
                        prop_assert!(d.stage.can_move_to(to) && d.stage != to);
                        prop_assert_eq!(next.stage, to);
                        prop_assert!(next.probability <= 100);
                        if to == Won {
                            prop_assert!(matches!(next.approval, Approval::NotNeeded | Approval::Approved));
                            prop_assert_eq!(next.probability, 100);
                        }
                        if to == Lost {
                            prop_assert_eq!(next.probability, 0);
                        }
                        prop_assert_eq!(
                            Deal { stage: d.stage, probability: d.probability, ..next.clone() },
                            d.clone()
                        );
                        d = next;
                    }
                    Err(_) => prop_assert!(!d.stage.can_move_to(to) || d.stage == to || to == Won),
                }
            }
        }

        #[test]
        fn approval_is_needed_exactly_above_the_limit(limit in 0.0f64..100.0, discount in 0.0f64..100.0) {
            let policy = ApprovalPolicy { discount_limit_pct: limit };
            let d = DealDraft { discount_pct: discount.to_string(), ..draft("") }
                .apply(Deal::default(), &policy)
                .unwrap();
            let expected = if discount > limit { Approval::Pending } else { Approval::NotNeeded };
            prop_assert_eq!(d.approval, expected);
        }
    }
}
