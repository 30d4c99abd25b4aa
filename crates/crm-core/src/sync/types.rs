//! The inputs and outputs of the [`SyncEngine`](super::SyncEngine): configuration, outbox
//! entries, requests to send, replies to feed back, and events for the driver.

use serde::{Deserialize, Serialize};

use crate::{
    change::{Change, Entity},
    hlc::{Clock, Hlc},
    wire::{
        ErrorCode, ErrorResponse, Homes, PullQuery, PullResponse, PushRequest, PushResponse,
        API_PREFIX, MAX_BATCH, MAX_PULL_LIMIT,
    },
};

/// What a driver persists between page loads besides the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// The hybrid logical clock (with its offset estimate).
    pub clock: Clock,
    /// Cursor of the last applied pull page; `None` = never pulled.
    pub cursor: Option<String>,
    /// Largest HLC the server accepted from or sent to this client: after a
    /// `clock_skew` correction new stamps stay above it, so a re-stamped local write
    /// never drops below a remote one it already beat locally.
    #[serde(default)]
    pub floor: Hlc,
}

/// Identifies one request so a late or duplicated reply to an abandoned one is ignored.
pub type RequestId = u64;

/// Tuning knobs, all in milliseconds of the driver's clock where they are times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncConfig {
    /// Most changes per push (the contract's maximum by default).
    pub max_batch: usize,
    /// Page size asked of pulls.
    pub pull_limit: u32,
    /// Pause between automatic syncs while online and idle.
    pub interval_ms: u64,
    /// Delay between a local edit and the sync it triggers, so a burst of edits goes in
    /// one push.
    pub debounce_ms: u64,
    /// A request without a reply after this long counts as failed.
    pub request_timeout_ms: u64,
    /// First retry delay after a failure; doubles per consecutive failure.
    pub backoff_base_ms: u64,
    /// Longest retry delay.
    pub backoff_max_ms: u64,
    /// Seed of the deterministic jitter (pass something random per installation so
    /// clients that failed together do not retry together).
    pub jitter_seed: u64,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            max_batch: MAX_BATCH,
            pull_limit: MAX_PULL_LIMIT,
            interval_ms: 30_000,
            debounce_ms: 1_000,
            request_timeout_ms: 30_000,
            backoff_base_ms: 1_000,
            backoff_max_ms: 5 * 60_000,
            jitter_seed: 0,
        }
    }
}

/// One outbox entry: a local change not yet answered for by the server. `seq` is the
/// driver's storage key (push order); the engine assigns it for new edits.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// Position in push order; unique per installation.
    pub seq: u64,
    /// The change as it will be pushed.
    pub change: Change,
}

/// A request for the driver to send.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// `POST /api/v1/sync/push` with this body.
    Push {
        /// Pass back with the reply.
        id: RequestId,
        /// The JSON body.
        body: PushRequest,
    },
    /// `GET /api/v1/sync/pull?<query>`.
    Pull {
        /// Pass back with the reply.
        id: RequestId,
        /// The query parameters.
        query: PullQuery,
    },
}

impl Request {
    /// The id to pass back to [`handle_response`](super::SyncEngine::handle_response).
    pub fn id(&self) -> RequestId {
        match self {
            Request::Push { id, .. } | Request::Pull { id, .. } => *id,
        }
    }

    /// HTTP method.
    pub fn method(&self) -> &'static str {
        match self {
            Request::Push { .. } => "POST",
            Request::Pull { .. } => "GET",
        }
    }

    /// Path and query relative to the server's origin.
    pub fn path(&self) -> String {
        match self {
            Request::Push { .. } => format!("{API_PREFIX}/sync/push"),
            Request::Pull { query, .. } => {
                let qs = query.to_query_string();
                if qs.is_empty() {
                    format!("{API_PREFIX}/sync/pull")
                } else {
                    format!("{API_PREFIX}/sync/pull?{qs}")
                }
            }
        }
    }
}

/// What came back for a request, as the driver saw it.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A 200 answer to a push.
    Pushed(PushResponse),
    /// A 200 answer to a pull.
    Pulled(PullResponse),
    /// An error answer: the HTTP status and the body if it parsed as the error shape.
    Refused {
        /// HTTP status code.
        status: u16,
        /// The parsed error body, if any.
        body: Option<ErrorResponse>,
    },
    /// No usable answer: network error, offline, or an unparseable 200.
    Unreachable,
}

/// A local change that was re-stamped after a `clock_skew` refusal.
#[derive(Debug, Clone, PartialEq)]
pub struct Restamp {
    /// The outbox entry (same `seq` as before).
    pub seq: u64,
    /// The HLC it had.
    pub old: Hlc,
    /// The change with its new HLC.
    pub change: Change,
}

/// Outputs for the driver, drained with [`poll_event`](super::SyncEngine::poll_event).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Merge these pulled changes into local storage (LWW per field, see `merge`) and
    /// store `cursor`, in one transaction.
    Apply {
        /// Current server winners, in server order.
        changes: Vec<Change>,
        /// The new cursor to keep with the data.
        cursor: String,
        /// Where interactions of the page may already be stored (see
        /// [`PullResponse::homes`]).
        homes: Homes,
    },
    /// The server refused a change for good (malformed, or another organisation's
    /// record); it leaves the outbox (see `OutboxRemoved`) and should be shown to the user.
    Rejected {
        /// The refused change.
        change: Change,
        /// Why.
        code: ErrorCode,
        /// The server's message.
        message: String,
    },
    /// Delete these outbox entries from storage: the server answered for them, they lost
    /// to a pulled change, or they were rejected. The only event that shrinks the outbox.
    OutboxRemoved(Vec<u64>),
    /// Outbox entries got new HLCs: update their stored rows, and move each record
    /// field's version from `old` to the new HLC where it still is `old`
    /// (`merge::restamp_field`).
    Restamped(Vec<Restamp>),
    /// A pull page arrived.
    Progress {
        /// Changes pulled so far in this sync.
        pulled: u64,
        /// More pages follow.
        more: bool,
    },
    /// A sync (push everything, pull until `more` is false) completed.
    Synced {
        /// Driver time it completed.
        at: u64,
    },
    /// A request failed; the engine retries at `retry_at`, or only after `sync_now`
    /// when `retry_at` is `None` (sign in again).
    Failed {
        /// The server's error code, `None` for a network failure or timeout.
        code: Option<ErrorCode>,
        /// Human-readable reason.
        message: String,
        /// When the engine will try again by itself.
        retry_at: Option<u64>,
    },
}

/// What the engine is doing, for the sync badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the next sync.
    Idle,
    /// Pushing the outbox.
    Pushing,
    /// Pulling pages.
    Pulling,
    /// Waiting to retry after a failure.
    BackingOff,
    /// Stopped until `sync_now` (the server refused the token).
    NeedsSignIn,
    /// Offline.
    Offline,
}

/// A snapshot for the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// What the engine is doing.
    pub phase: Phase,
    /// Outbox length ("N pending").
    pub pending: usize,
    /// Driver time of the last completed sync.
    pub last_synced: Option<u64>,
    /// When the engine retries after a failure.
    pub retry_at: Option<u64>,
    /// The last failure's code, cleared by a success.
    pub last_error: Option<ErrorCode>,
}

/// The identity of one register: entity, record id and field.
pub(crate) type Key = (Entity, uuid::Uuid, String);

/// The register a change writes.
pub(crate) fn key_of(c: &Change) -> Key {
    (c.entity, c.id, c.field.clone())
}
