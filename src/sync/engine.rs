//! The one `SyncEngine` of this browser profile, rebuilt from storage when needed.

use std::cell::RefCell;

use crm_core::{
    change::Entity,
    sync::{SyncConfig, SyncEngine, SyncState},
    Hlc,
};
use serde_json::Value;
use uuid::Uuid;

use crate::storage::{
    meta,
    stamp::{Stamped, Versions},
    Store, StoreError,
};

thread_local! {
    static ENGINE: RefCell<Option<SyncEngine>> = const { RefCell::new(None) };
}

/// Builds the engine from stored state (clock, cursor, floor, outbox). Keeps the newer
/// clock and floor if an engine already ran, so timestamps never go back; the cursor is
/// always the stored one (it is written only with the data it covers).
pub async fn load(store: &Store) -> Result<(), StoreError> {
    let mut clock = store.clock().await?;
    let mut floor: Hlc = store.meta(meta::FLOOR).await?.unwrap_or_default();
    if let Some(running) = with(|e| e.state()) {
        if running.clock.last > clock.last {
            clock = running.clock;
        }
        floor = floor.max(running.floor);
    }
    let cursor: Option<String> = store.meta(meta::CURSOR).await?;
    let outbox = store.outbox_pending().await?;
    let config = SyncConfig {
        jitter_seed: clock.node,
        ..SyncConfig::default()
    };
    let mut engine = SyncEngine::resume(
        config,
        SyncState {
            clock,
            cursor,
            floor,
        },
        outbox,
    );
    let online = web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true);
    engine.handle_online(now_ms(), online);
    ENGINE.with(|e| *e.borrow_mut() = Some(engine));
    Ok(())
}

/// Runs `f` on the engine if it is loaded (the borrow never spans an await).
pub fn with<R>(f: impl FnOnce(&mut SyncEngine) -> R) -> Option<R> {
    ENGINE.with(|e| e.borrow_mut().as_mut().map(f))
}

/// Browser wall-clock milliseconds: the engine's notion of "now".
pub fn now_ms() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

/// Stamps a local edit through the engine (see `storage::stamp`).
pub fn stamp(
    entity: Entity,
    id: Uuid,
    fields: Vec<(String, Value)>,
    versions: &Versions,
) -> Stamped {
    let now = now_ms();
    with(|e| {
        let pending = e.handle_local_edit(now, entity, id, fields, versions);
        Stamped {
            pending,
            clock: e.clock().clone(),
        }
    })
    .expect("the sync engine is loaded before the store is marked ready")
}
