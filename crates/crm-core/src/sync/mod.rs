//! The sans-IO sync state machine (SYNC.md "Client duties"), shaped like quinn-proto:
//! `handle_*` methods take inputs with the current time, `poll_*` methods hand out
//! requests to send, events to act on and the next deadline. It never touches the
//! network, storage, a clock or an RNG, so the browser driver and the simulation tests
//! are thin loops around it.
//!
//! A sync pushes the outbox in batches (oldest first; an entry leaves only once the
//! server answered for it), then pulls pages until `more` is false. Failures back off
//! exponentially; `clock_skew` corrects the clock, re-stamps and retries at once.
//!
//! Driver loop: on every input call the matching `handle_*`, then send every
//! `poll_request(now)`, act on every `poll_event()`, persist `clock()`, and wake up at
//! `poll_timeout()` to call `handle_timeout(now)`.

mod backoff;
mod outbox;
mod types;

use std::collections::{BTreeMap, VecDeque};

use serde_json::Value;
use uuid::Uuid;

use crate::{
    change::{Change, Entity},
    hlc::{Clock, Hlc},
    wire::{ErrorCode, PullQuery, PullResponse, PushRequest, PushResponse},
};

pub use backoff::Backoff;
pub use types::{
    Event, Pending, Phase, Reply, Request, RequestId, Restamp, Status, SyncConfig, SyncState,
};

use outbox::Outbox;

/// How many `clock_skew` refusals in a row are retried at once before backing off.
const SKEW_RETRIES: u32 = 3;

/// Which half of a sync is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Push,
    Pull,
}

/// The request awaiting a reply.
#[derive(Debug, Clone)]
struct InFlight {
    id: RequestId,
    deadline: u64,
    /// Outbox sequence numbers of a push, in batch order; empty for a pull.
    batch: Option<Vec<u64>>,
}

/// One client's sync state: clock, cursor, outbox view, and where it is in a sync.
#[derive(Debug, Clone)]
pub struct SyncEngine {
    config: SyncConfig,
    clock: Clock,
    cursor: Option<String>,
    outbox: Outbox,
    /// Largest HLC the server accepted from or sent to us: new stamps after a
    /// re-stamp must stay above it.
    floor: Hlc,
    online: bool,
    stopped: bool,
    stage: Option<Stage>,
    /// When the next request may go out (start or continue a sync, or retry).
    due: Option<u64>,
    in_flight: Option<InFlight>,
    next_id: RequestId,
    backoff: Backoff,
    retry_at: Option<u64>,
    skew_refusals: u32,
    batch_limit: usize,
    pulled: u64,
    last_synced: Option<u64>,
    last_error: Option<ErrorCode>,
    events: VecDeque<Event>,
}

impl SyncEngine {
    /// An engine from a clock, the cursor of the last pull (`None` = never pulled) and
    /// the outbox in any order, with no re-stamp floor: right for a fresh install;
    /// after a reload prefer [`resume`](Self::resume) with the persisted
    /// [`state`](Self::state). It starts online with a sync due at once; call
    /// `handle_online(now, false)` first if offline.
    pub fn new(
        config: SyncConfig,
        clock: Clock,
        cursor: Option<String>,
        outbox: Vec<Pending>,
    ) -> Self {
        let state = SyncState {
            clock,
            cursor,
            floor: Hlc::default(),
        };
        Self::resume(config, state, outbox)
    }

    /// An engine resuming from what the driver persisted: [`state`](Self::state) and
    /// the outbox (any order).
    pub fn resume(config: SyncConfig, state: SyncState, outbox: Vec<Pending>) -> Self {
        let SyncState {
            clock,
            cursor,
            floor,
        } = state;
        let backoff = Backoff::new(
            config.backoff_base_ms,
            config.backoff_max_ms,
            config.jitter_seed,
        );
        SyncEngine {
            batch_limit: config.max_batch.max(1),
            config,
            clock,
            cursor,
            outbox: Outbox::new(outbox),
            floor,
            online: true,
            stopped: false,
            stage: None,
            due: Some(0),
            in_flight: None,
            next_id: 1,
            backoff,
            retry_at: None,
            skew_refusals: 0,
            pulled: 0,
            last_synced: None,
            last_error: None,
            events: VecDeque::new(),
        }
    }

    // ---- getters -------------------------------------------------------------------

    /// The clock to persist (it moves on every edit and every reply).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Everything to persist besides the outbox (clock, cursor, re-stamp floor); store
    /// it after acting on events and pass it to [`resume`](Self::resume) on reload.
    pub fn state(&self) -> SyncState {
        SyncState {
            clock: self.clock.clone(),
            cursor: self.cursor.clone(),
            floor: self.floor,
        }
    }

    /// The cursor of the last applied pull page.
    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    /// The outbox, oldest first.
    pub fn outbox(&self) -> impl ExactSizeIterator<Item = &Pending> {
        self.outbox.entries().iter()
    }

    /// Number of pending changes.
    pub fn pending_len(&self) -> usize {
        self.outbox.len()
    }

    /// A snapshot for the sync badge.
    pub fn status(&self) -> Status {
        let phase = if !self.online {
            Phase::Offline
        } else if self.stopped {
            Phase::NeedsSignIn
        } else if self.retry_at.is_some() && self.in_flight.is_none() {
            Phase::BackingOff
        } else {
            match self.stage {
                None => Phase::Idle,
                Some(Stage::Push) => Phase::Pushing,
                Some(Stage::Pull) => Phase::Pulling,
            }
        };
        Status {
            phase,
            pending: self.outbox.len(),
            last_synced: self.last_synced,
            retry_at: self.retry_at,
            last_error: self.last_error,
        }
    }

    // ---- commands and inputs -------------------------------------------------------

    /// A local edit of one record: stamps the changed fields with one new HLC, adds
    /// them to the outbox and returns them; the driver writes them in the same storage
    /// transaction as the record (merging each with `merge::apply_field`). `versions`
    /// are the record's field versions before the edit: each change carries its field's
    /// as `base`, so other replicas can tell a concurrent edit from a later one.
    /// Schedules a sync after the debounce delay.
    pub fn handle_local_edit(
        &mut self,
        now: u64,
        entity: Entity,
        id: Uuid,
        fields: Vec<(String, Value)>,
        versions: &BTreeMap<String, Hlc>,
    ) -> Vec<Pending> {
        let hlc = self.clock.tick(now);
        let added = fields
            .into_iter()
            .map(|(field, value)| {
                let base = versions.get(&field).copied();
                self.outbox.push(Change {
                    entity,
                    id,
                    field,
                    value,
                    hlc,
                    base,
                })
            })
            .collect();
        if self.stage.is_none() && self.retry_at.is_none() {
            let soon = now.saturating_add(self.config.debounce_ms);
            self.due = Some(self.due.map_or(soon, |d| d.min(soon)));
        }
        added
    }

    /// The browser went online or offline. Going online starts a sync at once.
    pub fn handle_online(&mut self, now: u64, online: bool) {
        self.online = online;
        if online {
            self.retry_at = None;
            self.due = Some(now);
        }
    }

    /// "Sync now" (or signed in again): starts a sync at once, cancelling any backoff.
    pub fn sync_now(&mut self, now: u64) {
        self.stopped = false;
        self.retry_at = None;
        self.backoff.reset();
        if self.in_flight.is_none() {
            self.due = Some(now);
        }
    }

    /// Time passed: a request without a reply by its deadline counts as failed.
    pub fn handle_timeout(&mut self, now: u64) {
        if self.in_flight.as_ref().is_some_and(|f| now >= f.deadline) {
            self.in_flight = None;
            self.fail(now, None, "no answer from the server".into());
        }
    }

    /// The reply to request `id`. Replies to anything but the request in flight (late,
    /// duplicated, or after a timeout) are ignored. Ids restart with each engine, so a
    /// driver must not feed an engine replies to an earlier instance's requests (a page
    /// reload drops them anyway).
    pub fn handle_response(&mut self, now: u64, id: RequestId, reply: Reply) {
        let Some(flight) = self.in_flight.take_if(|f| f.id == id) else {
            return;
        };
        match (reply, flight.batch) {
            (Reply::Pushed(resp), Some(batch)) => self.pushed(now, resp, &batch),
            (Reply::Pulled(resp), None) => self.pulled_page(now, resp),
            (Reply::Refused { status, body }, batch) => {
                let (code, message, index) = match body {
                    Some(body) => {
                        if let Some(server) = body.server_hlc {
                            self.clock.observe_server(server, now);
                        }
                        (body.error.code, body.error.message, body.error.index)
                    }
                    None => (code_of_status(status), format!("HTTP {status}"), None),
                };
                self.refused(now, code, message, index, batch.as_deref());
            }
            (Reply::Unreachable, _) | (Reply::Pushed(_), None) | (Reply::Pulled(_), Some(_)) => {
                self.fail(now, None, "the server could not be reached".into())
            }
        }
    }

    // ---- outputs -------------------------------------------------------------------

    /// The next request to send, if one is due at `now`. At most one is in flight.
    pub fn poll_request(&mut self, now: u64) -> Option<Request> {
        if !self.online
            || self.stopped
            || self.in_flight.is_some()
            || self.due.is_none_or(|d| now < d)
        {
            return None;
        }
        self.due = None;
        self.retry_at = None;
        let stage = *self.stage.get_or_insert_with(|| {
            self.pulled = 0;
            Stage::Push
        });
        let stage = if stage == Stage::Push && self.outbox.is_empty() {
            Stage::Pull
        } else {
            stage
        };
        self.stage = Some(stage);
        let id = self.next_id;
        self.next_id += 1;
        let deadline = now.saturating_add(self.config.request_timeout_ms);
        match stage {
            Stage::Push => {
                let batch = self.outbox.head(self.batch_limit);
                self.in_flight = Some(InFlight {
                    id,
                    deadline,
                    batch: Some(batch.iter().map(|p| p.seq).collect()),
                });
                Some(Request::Push {
                    id,
                    body: PushRequest {
                        changes: batch.into_iter().map(|p| p.change).collect(),
                    },
                })
            }
            Stage::Pull => {
                self.in_flight = Some(InFlight {
                    id,
                    deadline,
                    batch: None,
                });
                let query = PullQuery {
                    since: self.cursor.clone(),
                    limit: Some(self.config.pull_limit),
                };
                Some(Request::Pull { id, query })
            }
        }
    }

    /// The next event for the driver.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Pulled pages among the events not yet taken: a driver that fetches while it
    /// stores stops asking for more pages while this many wait.
    pub fn queued_pages(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, Event::Apply { .. }))
            .count()
    }

    /// Events not yet taken.
    pub fn queued_events(&self) -> usize {
        self.events.len()
    }

    /// When to call `handle_timeout` / `poll_request` next (driver time), if ever.
    pub fn poll_timeout(&self) -> Option<u64> {
        match &self.in_flight {
            Some(f) => Some(f.deadline),
            None if self.online && !self.stopped => self.due,
            None => None,
        }
    }

    // ---- reply handling ------------------------------------------------------------

    fn succeeded(&mut self, now: u64) {
        self.backoff.reset();
        self.skew_refusals = 0;
        self.last_error = None;
        self.due = Some(now);
    }

    fn pushed(&mut self, now: u64, resp: PushResponse, batch: &[u64]) {
        self.clock.observe_server(resp.server_hlc, now);
        let sent = self.outbox.remove(batch);
        if let Some(max) = sent.iter().map(|c| c.hlc).max() {
            self.floor = self.floor.max(max);
        }
        self.events.push_back(Event::OutboxRemoved(batch.to_vec()));
        self.succeeded(now);
    }

    fn pulled_page(&mut self, now: u64, resp: PullResponse) {
        self.clock.observe_server(resp.server_hlc, now);
        if let Some(max) = resp.changes.iter().map(|c| c.hlc).max() {
            self.floor = self.floor.max(max);
            if max >= self.clock.last {
                self.clock.receive(max, now);
            }
        }
        let removed = self.outbox.pulled(&resp.changes);
        if !removed.is_empty() {
            self.events.push_back(Event::OutboxRemoved(removed));
        }
        self.pulled += resp.changes.len() as u64;
        self.cursor = Some(resp.cursor.clone());
        self.events.push_back(Event::Apply {
            changes: resp.changes,
            cursor: resp.cursor,
            homes: resp.homes,
        });
        self.events.push_back(Event::Progress {
            pulled: self.pulled,
            more: resp.more,
        });
        self.succeeded(now);
        if !resp.more {
            self.stage = None;
            self.batch_limit = self.config.max_batch.max(1);
            self.last_synced = Some(now);
            self.events.push_back(Event::Synced { at: now });
            if self.outbox.is_empty() {
                self.due = Some(now.saturating_add(self.config.interval_ms));
            }
        }
    }

    fn refused(
        &mut self,
        now: u64,
        code: ErrorCode,
        message: String,
        index: Option<usize>,
        batch: Option<&[u64]>,
    ) {
        match (code, batch) {
            (ErrorCode::Unauthorized, _) => {
                self.stopped = true;
                self.stage = None;
                self.due = None;
                self.last_error = Some(code);
                self.events.push_back(Event::Failed {
                    code: Some(code),
                    message,
                    retry_at: None,
                });
            }
            (ErrorCode::ClockSkew, Some(_)) => {
                let restamped = self.outbox.restamp(&mut self.clock, now, self.floor);
                if !restamped.is_empty() {
                    self.events.push_back(Event::Restamped(restamped));
                }
                self.skew_refusals += 1;
                if self.skew_refusals <= SKEW_RETRIES {
                    self.due = Some(now);
                } else {
                    self.fail(now, Some(code), message);
                }
            }
            (ErrorCode::InvalidChange | ErrorCode::Forbidden, Some(batch))
                if index.is_some_and(|i| i < batch.len()) =>
            {
                self.reject(batch[index.unwrap_or_default()], code, message);
                self.due = Some(now);
            }
            (ErrorCode::TooLarge, Some(batch)) if batch.len() > 1 => {
                self.batch_limit = (batch.len() / 2).max(1);
                self.due = Some(now);
            }
            (ErrorCode::TooLarge, Some(&[seq])) => {
                self.reject(seq, code, message);
                self.due = Some(now);
            }
            _ => self.fail(now, Some(code), message),
        }
    }

    /// Takes a change the server will never accept out of the outbox.
    fn reject(&mut self, seq: u64, code: ErrorCode, message: String) {
        if let Some(change) = self.outbox.get(seq).map(|p| p.change.clone()) {
            self.outbox.remove(&[seq]);
            self.events.push_back(Event::Rejected {
                change,
                code,
                message,
            });
            self.events.push_back(Event::OutboxRemoved(vec![seq]));
        }
    }

    /// A transient failure: retry the same step after the backoff delay.
    fn fail(&mut self, now: u64, code: Option<ErrorCode>, message: String) {
        let retry_at = now.saturating_add(self.backoff.next_delay());
        self.retry_at = Some(retry_at);
        self.due = Some(retry_at);
        self.last_error = code.or(self.last_error);
        self.events.push_back(Event::Failed {
            code,
            message,
            retry_at: Some(retry_at),
        });
    }
}

/// The error code a bare HTTP status stands for when the body did not parse.
fn code_of_status(status: u16) -> ErrorCode {
    match status {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        400 => ErrorCode::InvalidChange,
        413 => ErrorCode::TooLarge,
        429 => ErrorCode::RateLimited,
        _ => ErrorCode::Internal,
    }
}

#[cfg(test)]
mod tests;
