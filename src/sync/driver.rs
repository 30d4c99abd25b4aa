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

/// Sends every due request. While one request is on the wire the events of the
/// previous answer are carried out (a pull's next page downloads while the last one is
/// written to IndexedDB); events stay in order because only one request is in flight.
async fn step(session: &Session, store_ctx: StoreCtx, sync: SyncCtx) {
    let now = engine::now_ms();
    engine::with(|e| e.handle_timeout(now));
    while let Some(request) = engine::with(|e| e.poll_request(engine::now_ms())).flatten() {
        sync.phase
            .set(engine::with(|e| e.status().phase).unwrap_or(Phase::Idle));
        let (reply, stored) = join(
            http::send(session, &request),
            handle_events(store_ctx, sync),
        )
        .await;
        if !stored {
            // The engine was rebuilt from the store: this answer belongs to the old one.
            break;
        }
        let now = engine::now_ms();
        engine::with(|e| e.handle_response(now, request.id(), reply));
    }
    handle_events(store_ctx, sync).await;
    let phase = engine::with(|e| e.status().phase).unwrap_or(Phase::Idle);
    if sync.phase.get_untracked() != phase {
        sync.phase.set(phase);
    }
}

/// Carries out the engine's events on the store; false when storage refused one and
/// the engine was rebuilt from what is stored.
async fn handle_events(store_ctx: StoreCtx, sync: SyncCtx) -> bool {
    let Ok(store) = current_store() else {
        return true;
    };
    let mut stored = true;
    let mut changed = false;
    while let Some(event) = engine::with(|e| e.poll_event()).flatten() {
        let result = match event {
            Event::Apply { changes, cursor } => {
                changed = true;
                let state = engine::with(|e| e.state());
                let engine = state.as_ref().map(|s| (&s.clock, s.floor));
                let applied = store
                    .apply_pulled(&changes, &cursor, engine::now_ms(), engine)
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
                let _ = store.save_clock(clock).await;
                let _ = store.set_meta(meta::FLOOR, floor).await;
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
