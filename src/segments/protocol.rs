//! Messages between the page and the segmentation worker (JSON strings over
//! `postMessage`).

use chrono::NaiveDate;
use crm_core::segment::{Rule, RuleError, SegmentSettings, SegmentSummary, Tier, TierCounts};
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

/// A benchmark run (`segment_*` in BENCH.md), sent by `scripts/bench-segment.mjs`: with the
/// columns for `revision` built (not timed), derive RFM scores, tiers and the spend pyramid
/// (with VIP and lifecycle, as screens get them) as of `today` and count every rule, `runs`
/// times; each run is timed inside the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchRequest {
    pub id: u64,
    pub revision: u64,
    pub today: NaiveDate,
    pub settings: SegmentSettings,
    pub rules: Vec<Rule>,
    pub runs: usize,
}

/// The answer to a [`BenchRequest`]: the timings and the results, so the script can check
/// that its peers computed the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResponse {
    pub id: u64,
    pub customers: usize,
    /// Milliseconds spent reading the store and building columns (0 when cached).
    pub build_ms: f64,
    /// Milliseconds of each run (`performance.now()` in the worker), in order.
    pub runs_ms: Vec<f64>,
    /// Customers per tier, in [`Tier::ALL`] order.
    pub tiers: TierCounts,
    /// Customers per pyramid level, in `PyramidLevel::ALL` order.
    pub pyramid: [usize; 5],
    /// One per request rule: the member count, or why the rule is invalid.
    pub counts: Vec<Result<usize, Vec<RuleError>>>,
}

/// Page → worker. Screens send a bare [`SegmentRequest`]; the benchmark sends
/// `{"bench": BenchRequest}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Segment(SegmentRequest),
    Bench(BenchRequest),
}

impl Incoming {
    /// Parses one message text; on failure, the request's id (0 when unreadable) and why.
    pub fn parse(text: &str) -> Result<Incoming, (u64, String)> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| (0, e.to_string()))?;
        let bench = value.get("bench");
        let body = bench.unwrap_or(&value);
        let fail = |e: serde_json::Error| {
            let id = body.get("id").and_then(serde_json::Value::as_u64);
            (id.unwrap_or(0), e.to_string())
        };
        if bench.is_some() {
            BenchRequest::deserialize(body)
                .map(Incoming::Bench)
                .map_err(fail)
        } else {
            SegmentRequest::deserialize(body)
                .map(Incoming::Segment)
                .map_err(fail)
        }
    }
}

/// Worker → benchmark script (kept apart from [`WorkerMessage`], which screens match
/// exhaustively; failures come as [`WorkerMessage::Failed`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BenchMessage {
    BenchDone(Box<BenchResponse>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn screens_and_the_benchmark_are_told_apart() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let segment = SegmentRequest {
            id: 7,
            revision: 3,
            today,
            settings: SegmentSettings::default(),
            rules: vec![Rule::Vip { is: true }],
            members_of: None,
            member_limit: 50,
            csv: false,
        };
        let text = serde_json::to_string(&segment).unwrap();
        assert_eq!(Incoming::parse(&text), Ok(Incoming::Segment(segment)));

        let bench = BenchRequest {
            id: 8,
            revision: 3,
            today,
            settings: SegmentSettings::default(),
            rules: vec![Rule::Vip { is: true }],
            runs: 6,
        };
        let text = serde_json::json!({ "bench": bench }).to_string();
        assert_eq!(Incoming::parse(&text), Ok(Incoming::Bench(bench)));

        // A bad request still names its id, so the failure reaches whoever sent it.
        let (id, _) = Incoming::parse(r#"{"bench":{"id":9,"runs":"many"}}"#).unwrap_err();
        assert_eq!(id, 9);
        assert_eq!(Incoming::parse("not json").unwrap_err().0, 0);
    }
}
