//! Sales and service workflows on top of customers and interactions: the deal pipeline
//! with discount approval, complaint / service tickets with time limits, campaigns and
//! their ROI, loyalty points and member tiers, care reminders, and the organisation-wide
//! settings record that parameterises them.
//!
//! Like the rest of crm-core this is pure: today's date and the records are passed in,
//! and every step returns a new record (or a specific error) for the shell to store.
//! Records follow the sync contract: `id` first, every field defaults so a record whose
//! fields arrive one by one deserializes, `_deleted` last.
//!
//! Form field errors reuse [`Problem`](crate::Problem) without new variants (the app
//! matches it exhaustively); the field name tells the UI which message to show:
//!
//! | field | problem | meaning |
//! |---|---|---|
//! | `discount_pct`, `probability` | `InvalidAmount` | not a number or above 100 |
//! | `discount_pct`, `probability` | `Negative` | below 0 |
//! | `due` | `BeforeInteraction` | due date before the ticket was opened |
//! | `end` | `BeforeInteraction` | campaign end before its start |
//! | `points_per_yuan` | `InvalidAmount` / `Negative` | zero or not a number / below 0 |
//! | `tiers` | `Required` / `InvalidAmount` / `Negative` | empty tier name / thresholds not strictly increasing / first threshold below 0 |

pub mod campaign;
pub mod care;
pub mod deal;
pub mod error;
pub mod loyalty;
pub mod settings;
pub mod ticket;

pub use campaign::{campaign_result, Campaign, CampaignDraft, CampaignResult};
pub use care::{
    is_active, is_overdue, next_visit_reminder, reminder_id, reminders_for, Reminder, ReminderKind,
    ReminderState,
};
pub use deal::{weighted_pipeline, Approval, ApprovalPolicy, Deal, DealDraft, DealStage};
pub use error::WorkflowError;
pub use loyalty::{LoyaltyPolicy, MemberTier, PointsEntry};
pub use settings::{OrgSettings, SettingsDraft, TierDraft, SETTINGS_ID};
pub use ticket::{Channel, Severity, Ticket, TicketDraft, TicketStatus};

/// Implements `ALL`, `as_str` and `parse` for a fieldless enum, so the UI can build a
/// select from `ALL` and round-trip the option value with `as_str` / `parse`.
macro_rules! select_enum {
    ($name:ident, $n:literal, [$($variant:ident => $text:literal),+ $(,)?]) => {
        impl $name {
            /// Every value in display order, for building a select.
            pub const ALL: [Self; $n] = [$(Self::$variant),+];
            /// The snake_case name (the serde name and the select option value).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
            /// The value named by [`Self::as_str`], if any.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == s)
            }
        }
    };
}
pub(crate) use select_enum;

/// Who is acting, for steps only some people may take: the signed-in user's role from
/// the server (seed 002's visibility levels: a rep, a manager over a team, an admin over
/// everything; seed 001's complaint procedure sends what is beyond a rep's authority to a
/// superior — 超过权限…与上级领导联系). The same type the sync wire carries.
pub use crate::wire::Role;

impl Role {
    /// Managers and admins may approve discounts above the limit; reps may not.
    pub fn can_approve(self) -> bool {
        matches!(self, Role::Manager | Role::Admin)
    }
}

/// Parses an optional `YYYY-MM-DD` form field: empty is `Ok(None)`.
pub(crate) fn parse_optional_date(text: &str) -> Result<Option<chrono::NaiveDate>, crate::Problem> {
    match text.trim() {
        "" => Ok(None),
        t => chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| crate::Problem::InvalidDate),
    }
}

/// Parses a percentage typed in a form ("12.5", "12.5%"): 0 to 100 inclusive.
pub(crate) fn parse_percent(text: &str) -> Result<f64, crate::Problem> {
    let t = text.trim().trim_end_matches(['%', '％']).trim();
    let value: f64 = t.parse().map_err(|_| crate::Problem::InvalidAmount)?;
    if !value.is_finite() {
        Err(crate::Problem::InvalidAmount)
    } else if value < 0.0 {
        Err(crate::Problem::Negative)
    } else if value > 100.0 {
        Err(crate::Problem::InvalidAmount)
    } else {
        Ok(value)
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use chrono::{NaiveDate, NaiveDateTime};
    use uuid::Uuid;

    use crate::interaction::{Interaction, InteractionKind};

    /// A purchase of `amount_minor` by `customer` on `date` at 10:00.
    pub fn purchase(id: u128, customer: u128, date: &str, amount_minor: i64) -> Interaction {
        let at: NaiveDateTime = NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        Interaction {
            id: Uuid::from_u128(id),
            customer_id: Uuid::from_u128(customer),
            kind: InteractionKind::Purchase,
            at,
            summary: String::new(),
            outcome: String::new(),
            amount_minor: Some(amount_minor),
            currency: "CNY".into(),
            items: Some(1),
            next_visit: None,
            campaign_id: None,
            deleted: false,
        }
    }
}
