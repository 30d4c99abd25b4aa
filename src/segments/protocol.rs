//! Messages between the page and the segmentation worker (JSON strings over
//! `postMessage`).

use chrono::NaiveDate;
use crm_core::segment::{Rule, RuleError, SegmentSettings, SegmentSummary, Tier};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Evaluate `rules` over the customer book as of `today`. The worker rereads the store
/// only when `revision` (the page's store revision) changed since its last build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRequest {
    pub id: u64,
    pub revision: u64,
    pub today: NaiveDate,
    pub settings: SegmentSettings,
    pub rules: Vec<Rule>,
    /// Index into `rules` whose members to list.
    pub members_of: Option<usize>,
    pub member_limit: usize,
    /// Also return the members of `members_of` as CSV (UTF-8 with BOM).
    #[serde(default)]
    pub csv: bool,
}

/// One member row for lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: Uuid,
    pub name: String,
    pub city: String,
    pub tier: Tier,
}

/// Counts per week or month for the dashboard charts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Week index (`aggregates::week_index`) or month index (`year * 12 + month0`).
    pub at: i32,
    pub count: u64,
    pub spend_minor: i64,
}

/// The answer to a [`SegmentRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentResponse {
    pub id: u64,
    pub summary: SegmentSummary,
    /// One per request rule: the member count, or why the rule is invalid.
    pub counts: Vec<Result<usize, Vec<RuleError>>>,
    pub members: Vec<Member>,
    pub members_total: usize,
    pub csv: Option<String>,
    /// Interactions per week, last 26 weeks (oldest first).
    pub weekly: Vec<Bucket>,
    /// Purchases per month, last 18 months (oldest first).
    pub monthly: Vec<Bucket>,
    /// Milliseconds spent reading the store and building columns (0 when cached).
    pub build_ms: f64,
    /// Milliseconds spent evaluating the rules.
    pub eval_ms: f64,
}

/// The worker could not answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentFailure {
    pub id: u64,
    pub error: String,
}

/// Worker → page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WorkerMessage {
    /// The worker's message handler is installed (messages posted before are lost, so
    /// the page waits for this before sending).
    Ready,
    Done(Box<SegmentResponse>),
    Failed(SegmentFailure),
}
