//! The loop that drives the engine: every tick it lets the engine time out, sends every
//! due request, feeds the reply back and carries out the resulting events on the store.
//! Runs for the app's lifetime; does nothing while signed out.

use std::cell::Cell;

use crm_core::{
    sync::{Event, Phase},
    Clock, Hlc,
};
use futures::future::join;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;

use super::{engine, http, session::Session};
use crate::{
    hooks::use_store::{current_store, StoreCtx},
    storage::meta,
};

/// How often the loop looks at the engine's deadlines (ms). Cheap: it only reads a few
/// fields when nothing is due.
const TICK_MS: u32 = 200;

/// What the UI shows about sync (all plain data, shared by context).
#[derive(Clone, Copy)]
pub struct SyncCtx {
    pub session: RwSignal<Option<Session>>,
    pub phase: RwSignal<Phase>,
    /// Wall-clock ms of the last completed sync.
    pub last_sync: RwSignal<Option<f64>>,
    pub error: RwSignal<Option<String>>,
    /// Changes received so far while a pull is running with more pages to come.
    pub pulled: RwSignal<Option<u64>>,
}

impl SyncCtx {
    pub fn new() -> Self {
        SyncCtx {
            session: RwSignal::new(None),
            phase: RwSignal::new(Phase::Idle),
            last_sync: RwSignal::new(None),
            error: RwSignal::new(None),
            pulled: RwSignal::new(None),
        }
    }
}

impl Default for SyncCtx {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs forever: call once with `spawn_local`.
pub async fn run(store_ctx: StoreCtx, sync: SyncCtx) {
    loop {
        if let Some(session) = sync.session.get_untracked() {
            step(&session, store_ctx, sync).await;
        }
        TimeoutFuture::new(TICK_MS).await;
    }
}

/// Pulled pages (up to 5,000 changes each, about 75 customers) stored together in one
/// transaction while more are coming. IndexedDB's cost per record falls with the
/// transaction's size: M's customers and blocks written 75 customers per transaction
/// took 7.3–8.3 s, 600 per transaction 5.3–6.1 s; in a first sync of M the browser's
/// IndexedDB thread used 4.9 s of CPU instead of 6.3 s with 3 pages at most (headless
/// Chromium, this machine). The pull's wall time did not change measurably: the
/// sequence of pull requests is its critical path.
const PAGES_PER_WRITE: usize = 8;

/// Pulled pages that may wait to be stored: requests go on while earlier pages are
/// written, so the next write's pages are there when the last one commits.
const PAGES_AHEAD: usize = 2 * PAGES_PER_WRITE;

// Fetching must not pause before a batch is complete, or both halves would wait.
const _: () = assert!(PAGES_AHEAD > PAGES_PER_WRITE);

/// How long either half of a step waits for the other before looking again (ms).
const WAIT_MS: u32 = 2;

/// Sends every due request and carries out the engine's events, side by side: answers
/// are handled one at a time, in order (the next pull page may already be on the wire,
/// see `http::NextPage`), while the answers before are written to IndexedDB.
async fn step(session: &Session, store_ctx: StoreCtx, sync: SyncCtx) {
    let now = engine::now_ms();
    engine::with(|e| e.handle_timeout(now));
    let fetched = Cell::new(false);
    let halted = Cell::new(false);
    join(
        fetch(session, sync, &fetched, &halted),
        store(store_ctx, sync, &fetched, &halted),
    )
    .await;
    let phase = engine::with(|e| e.status().phase).unwrap_or(Phase::Idle);
    if sync.phase.get_untracked() != phase {
        sync.phase.set(phase);
    }
}

/// Sends the engine's requests one after another and feeds it the answers, pausing
/// while [`PAGES_AHEAD`] pages wait to be stored; stops when nothing is due or storage
/// failed (`halted`: the engine was rebuilt, so an answer in flight is dropped).
async fn fetch(session: &Session, sync: SyncCtx, fetched: &Cell<bool>, halted: &Cell<bool>) {
    let mut next_page = None;
    while !halted.get() {
        if engine::with(|e| e.queued_pages()).unwrap_or(0) >= PAGES_AHEAD {
            TimeoutFuture::new(WAIT_MS).await;
            continue;
        }
        let Some(request) = engine::with(|e| e.poll_request(engine::now_ms())).flatten() else {
            break;
        };
        sync.phase
            .set(engine::with(|e| e.status().phase).unwrap_or(Phase::Idle));
        let reply = http::send(session, &request, &mut next_page).await;
        if halted.get() {
            break;
        }
        let now = engine::now_ms();
        engine::with(|e| e.handle_response(now, request.id(), reply));
    }
    fetched.set(true);
}

/// Carries out events as they come until fetching is over and none are left.
async fn store(store_ctx: StoreCtx, sync: SyncCtx, fetched: &Cell<bool>, halted: &Cell<bool>) {
    loop {
        let pages = engine::with(|e| e.queued_pages()).unwrap_or(0);
        if wait_for_more_pages(!fetched.get(), pages) {
            TimeoutFuture::new(WAIT_MS).await;
            continue;
        }
        if !handle_events(store_ctx, sync).await {
            halted.set(true);
            return;
        }
        let idle = engine::with(|e| e.queued_events() == 0).unwrap_or(true);
        if idle && fetched.get() {
            return;
        }
        if idle {
            TimeoutFuture::new(WAIT_MS).await;
        }
    }
}

/// Whether the store half should let more pulled pages arrive before writing: some
/// wait, fewer than [`PAGES_PER_WRITE`], and requests are still going out. Other
/// events queued with them wait as long (at most seven pages' fetches).
fn wait_for_more_pages(fetching: bool, queued_pages: usize) -> bool {
    fetching && (1..PAGES_PER_WRITE).contains(&queued_pages)
}

/// Carries out the engine's events on the store; false when storage refused one and
/// the engine was rebuilt from what is stored.
async fn handle_events(store_ctx: StoreCtx, sync: SyncCtx) -> bool {
    let Ok(store) = current_store() else {
        return true;
    };
    let mut stored = true;
    let mut changed = false;
    let mut events = std::iter::from_fn(|| engine::with(|e| e.poll_event()).flatten())
        .collect::<Vec<_>>()
        .into_iter()
        .peekable();
    while let Some(event) = events.next() {
        let result = match event {
            Event::Apply {
                mut changes,
                mut cursor,
                mut homes,
            } => {
                // Pages that arrived while the last was stored: one transaction.
                while let Some(Event::Apply { .. } | Event::Progress { .. }) = events.peek() {
                    match events.next() {
                        Some(Event::Apply {
                            changes: more,
                            cursor: last,
                            homes: more_homes,
                        }) => {
                            changes.extend(more);
                            cursor = last;
                            for (id, customers) in more_homes {
                                homes.entry(id).or_default().extend(customers);
                            }
                        }
                        Some(Event::Progress { pulled, more }) => {
                            sync.pulled.set(more.then_some(pulled))
                        }
                        _ => {}
                    }
                }
                changed = true;
                let state = engine::with(|e| e.state());
                let engine = state.as_ref().map(|s| (&s.clock, s.floor));
                let applied = store
                    .apply_pulled(&changes, &homes, &cursor, engine::now_ms(), engine)
                    .await;
                if applied.is_ok() {
                    SAVED.set(state.map(|s| (s.clock, s.floor)));
                }
                applied.map(|_| ())
            }
            Event::OutboxRemoved(seqs) => {
                changed = true;
                store.remove_outbox(&seqs).await
            }
            Event::Restamped(restamps) => match engine::with(|e| e.clock().clone()) {
                Some(clock) => store.restamp(&restamps, &clock).await,
                None => Ok(()),
            },
            Event::Progress { pulled, more } => {
                sync.pulled.set(more.then_some(pulled));
                Ok(())
            }
            Event::Synced { .. } => {
                let at = js_sys::Date::now();
                sync.last_sync.set(Some(at));
                sync.pulled.set(None);
                sync.error.set(None);
                store.end_first_pull();
                store.set_meta(meta::LAST_SYNC, &at).await
            }
            Event::Failed { message, .. } => {
                sync.error.set(Some(message));
                sync.pulled.set(None);
                Ok(())
            }
            Event::Rejected {
                change, message, ..
            } => {
                sync.error.set(Some(format!(
                    "{} {}.{}: {message}",
                    change.id,
                    serde_json::to_string(&change.entity).unwrap_or_default(),
                    change.field
                )));
                Ok(())
            }
        };
        if let Err(e) = result {
            // Storage refused: rebuild the engine from what is stored (cursor and
            // outbox included) so nothing is skipped, and say so.
            sync.error.set(Some(e.to_string()));
            let _ = engine::load(&store).await;
            stored = false;
            break;
        }
    }
    if let Some(state) = engine::with(|e| e.state()) {
        let now = Some((state.clock, state.floor));
        if SAVED.replace(None) != now {
            if let Some((clock, floor)) = &now {
                let _ = store.save_engine_state(clock, floor).await;
            }
        }
        SAVED.set(now);
    }
    refresh_views(store_ctx, changed, sync.pulled.get_untracked().is_some());
    stored
}

thread_local! {
    /// The engine clock and floor last written to storage (skips writing them again).
    static SAVED: Cell<Option<(Clock, Hlc)>> = const { Cell::new(None) };
    /// Wall-clock ms of the last view refresh, and whether one is owed.
    static REFRESH: Cell<(f64, bool)> = const { Cell::new((0.0, false)) };
}

/// How often open screens re-read the store while a pull still has pages to come (ms).
/// A first sync stores a page every ~100 ms; re-running every query (counts, the
/// conflict log, the storage estimate) after each would compete with it.
const PULL_REFRESH_MS: f64 = 2_000.0;

/// Tells open screens the data changed: at once normally, at most every
/// [`PULL_REFRESH_MS`] while a pull is running, and once more when it ends.
fn refresh_views(store_ctx: StoreCtx, changed: bool, pulling: bool) {
    let (last, owed) = REFRESH.get();
    if !(changed || owed) {
        return;
    }
    let now = js_sys::Date::now();
    if pulling && now - last < PULL_REFRESH_MS {
        REFRESH.set((last, true));
    } else {
        REFRESH.set((now, false));
        store_ctx.changed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn pulled_pages_are_written_in_batches_while_more_come() {
        assert!(!wait_for_more_pages(true, 0), "nothing to write yet");
        assert!(wait_for_more_pages(true, 1));
        assert!(wait_for_more_pages(true, PAGES_PER_WRITE - 1));
        assert!(!wait_for_more_pages(true, PAGES_PER_WRITE));
        assert!(
            !wait_for_more_pages(false, 1),
            "the last pages are written at once"
        );
    }
}
