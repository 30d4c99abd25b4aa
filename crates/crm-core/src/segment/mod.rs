//! Client-side segmentation: RFM tiers, the spend pyramid, the VIP rule, lifecycle labels
//! and a JSON rule language, evaluated over columns built once from customers and their
//! [`Aggregates`](crate::aggregates::Aggregates) (never from interactions: the browser
//! holds 100k customers with aggregates, not a million interactions).
//!
//! Flow: [`SegmentColumns::build`] turns rows ([`CustomerRow`]: customer + aggregates +
//! optional [`InteractionStats`]) into one vector per attribute and computes every score
//! as of `today` with [`SegmentSettings`]; [`SegmentColumns::evaluate`] then runs any
//! number of [`Rule`]s over them as bitsets. Changing the settings or the date re-derives
//! the scores without rereading customers ([`SegmentColumns::recompute`]).
//!
//! Time is passed in (`today`, the user's local date); nothing here reads a clock.
//! Month granularity: purchases are kept per calendar month, so every window and period
//! is a whole number of calendar months ending with the month of today (see [`period`]).

pub mod bitset;
pub mod columns;
mod eval;
pub mod lifecycle;
pub mod period;
pub mod pyramid;
pub mod rfm;
pub mod rules;
pub mod stats;
mod text;
pub mod vip;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use bitset::Bitset;
pub use columns::{CustomerRow, SegmentColumns, SegmentSummary, TierCounts};
pub use lifecycle::{Lifecycle, LifecycleSettings};
pub use period::{MonthRange, Period, Totals, YearMonth};
pub use pyramid::{PyramidLevel, PyramidSettings, PyramidSummary, PyramidThresholds};
pub use rfm::{MonetaryBasis, Rfm, RfmScorer, RfmSettings, RfmWeights, Tier, TierThresholds};
pub use rules::{CmpOp, Rule, RuleError, RuleProblem, SavedSegment, TagOp, TextField, TextOp};
pub use stats::InteractionStats;
pub use vip::VipSettings;

/// Every segmentation setting the user can edit, stored and synced as one record.
/// Missing fields in stored JSON take their defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentSettings {
    pub rfm: RfmSettings,
    pub pyramid: PyramidSettings,
    pub vip: VipSettings,
    pub lifecycle: LifecycleSettings,
}

impl SegmentSettings {
    /// Every problem of every part at once, for the settings screen.
    pub fn validate(&self) -> Vec<SettingsError> {
        let mut errors = self.rfm.validate();
        errors.extend(self.pyramid.validate());
        errors.extend(self.vip.validate());
        errors.extend(self.lifecycle.validate());
        errors
    }
}

/// What is wrong with one setting. Each variant maps to one message per locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum SettingsProblem {
    #[error("must be between {min} and {max}")]
    OutOfRange { min: i64, max: i64 },
    #[error("each level must be stricter than the one below it")]
    NotStricter,
    #[error("at least one weight must be above zero")]
    AllZero,
    #[error("is above the highest possible score ({max})")]
    Unreachable { max: u32 },
    #[error("{0}")]
    Period(period::PeriodProblem),
}

/// A settings problem with the dotted name of the field it belongs to
/// (`"rfm.recency_months"`), so the screen shows it next to that field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field} {problem}")]
pub struct SettingsError {
    pub field: &'static str,
    pub problem: SettingsProblem,
}
