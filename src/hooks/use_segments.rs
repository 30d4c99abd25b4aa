//! Segmentation for screens: one shared Web Worker, queries that re-run when their rules,
//! the settings or the store change, saved segments and the segmentation settings.

use std::cell::RefCell;

use crm_core::segment::{Rule, SavedSegment, SegmentSettings};
use leptos::prelude::*;
use uuid::Uuid;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};

use super::{
    use_customer::{after_write, today},
    use_store::{current_store, use_query, use_store, StoreCtx},
};
use crate::{
    segments::protocol::{SegmentRequest, SegmentResponse, WorkerMessage},
    storage::{
        meta,
        records::{SegmentFields, SegmentRecord},
        Now, StoreError,
    },
    sync::engine,
};

/// The worker, whether it said it is ready, and the newest request waiting for that.
#[derive(Default)]
struct WorkerSlot {
    worker: Option<web_sys::Worker>,
    ready: bool,
    waiting: Option<String>,
}

thread_local! {
    static WORKER: RefCell<WorkerSlot> = RefCell::new(WorkerSlot::default());
}

/// The worker's latest answer (or failure), shared by context.
#[derive(Clone, Copy)]
pub struct SegmentsCtx {
    pub last: RwSignal<Option<SegmentResponse>>,
    pub error: RwSignal<Option<(u64, String)>>,
    next_id: StoredValue<u64>,
}

/// Provides [`SegmentsCtx`]; the worker itself starts on the first query.
pub fn provide_segments() {
    provide_context(SegmentsCtx {
        last: RwSignal::new(None),
        error: RwSignal::new(None),
        next_id: StoredValue::new(1),
    });
}

fn post(ctx: SegmentsCtx, request: &SegmentRequest) {
    let text = match serde_json::to_string(request) {
        Ok(t) => t,
        Err(e) => return ctx.error.set(Some((request.id, e.to_string()))),
    };
    WORKER.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.worker.is_none() {
            match web_sys::Worker::new("/segment_worker_loader.js") {
                Ok(worker) => {
                    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                        move |ev: web_sys::MessageEvent| {
                            let Some(text) = ev.data().as_string() else {
                                return;
                            };
                            match serde_json::from_str::<WorkerMessage>(&text) {
                                Ok(WorkerMessage::Ready) => WORKER.with(|slot| {
                                    let mut slot = slot.borrow_mut();
                                    slot.ready = true;
                                    let waiting = slot.waiting.take();
                                    if let (Some(worker), Some(waiting)) =
                                        (slot.worker.as_ref(), waiting)
                                    {
                                        let _ = worker.post_message(&JsValue::from_str(&waiting));
                                    }
                                }),
                                Ok(WorkerMessage::Done(response)) => ctx.last.set(Some(*response)),
                                Ok(WorkerMessage::Failed(f)) => {
                                    ctx.error.set(Some((f.id, f.error)))
                                }
                                Err(e) => ctx.error.set(Some((0, e.to_string()))),
                            }
                        },
                    );
                    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                    on_message.forget();
                    slot.worker = Some(worker);
                }
                Err(e) => {
                    ctx.error.set(Some((request.id, format!("{e:?}"))));
                    return;
                }
            }
        }
        match (&slot.worker, slot.ready) {
            (Some(worker), true) => {
                let _ = worker.post_message(&JsValue::from_str(&text));
            }
            _ => slot.waiting = Some(text),
        }
    });
}

/// What a screen asks the worker.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentQuery {
    pub rules: Vec<Rule>,
    pub members_of: Option<usize>,
    pub member_limit: usize,
    pub csv: bool,
}

/// Sends `query()` to the worker whenever it, the settings or the store change; the
/// signal holds the answer to the latest request (`None` while the first one runs).
pub fn use_segment_query(
    query: impl Fn() -> Option<SegmentQuery> + Send + Sync + 'static,
) -> Signal<Option<SegmentResponse>> {
    let ctx = expect_context::<SegmentsCtx>();
    let store = use_store();
    let settings = use_segment_settings();
    let mine = RwSignal::new(0u64);
    Effect::new(move |_| {
        let revision = store.revision.get();
        if !store.ready() {
            return;
        }
        let Some(Some(Ok(settings))) = settings.get() else {
            return;
        };
        let Some(q) = query() else { return };
        let id = ctx.next_id.get_value();
        ctx.next_id.set_value(id + 1);
        mine.set(id);
        post(
            ctx,
            &SegmentRequest {
                id,
                revision,
                today: today(),
                settings,
                rules: q.rules,
                members_of: q.members_of,
                member_limit: q.member_limit,
                csv: q.csv,
            },
        );
    });
    Signal::derive(move || ctx.last.get().filter(|r| r.id == mine.get()))
}

/// The worker's last failure for this screen, if any.
pub fn use_segment_error() -> Signal<Option<String>> {
    let ctx = expect_context::<SegmentsCtx>();
    Signal::derive(move || ctx.error.get().map(|(_, e)| e))
}

/// Segmentation settings (RFM table, pyramid, VIP, lifecycle) from `meta`, or defaults.
pub fn use_segment_settings() -> LocalResource<Option<Result<SegmentSettings, StoreError>>> {
    use_query(
        || (),
        |store, ()| async move {
            Ok(store
                .meta::<SegmentSettings>(meta::SEGMENT_SETTINGS)
                .await?
                .unwrap_or_default())
        },
    )
}

/// Saves the settings (validated by the caller).
pub async fn save_settings(ctx: StoreCtx, settings: SegmentSettings) -> Result<(), StoreError> {
    current_store()?
        .set_meta(meta::SEGMENT_SETTINGS, &settings)
        .await?;
    ctx.changed();
    Ok(())
}

/// Saved segments, by name.
pub fn use_saved_segments() -> LocalResource<Option<Result<Vec<SegmentRecord>, StoreError>>> {
    use_query(
        || (),
        |store, ()| async move { store.saved_segments().await },
    )
}

/// Saves a new segment (or an edit of one).
pub async fn save_segment(
    ctx: StoreCtx,
    id: Option<Uuid>,
    name: String,
    rule: Rule,
    campaign_target: bool,
) -> Result<SegmentRecord, StoreError> {
    let store = current_store()?;
    let now = Now::read();
    let segment = SavedSegment {
        id: id.unwrap_or_else(Uuid::now_v7),
        name: name.trim().to_string(),
        rule,
        created_ms: now.ms as i64,
        deleted: false,
    };
    let errors = segment.validate();
    if !errors.is_empty() {
        return Err(StoreError::Other(
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        ));
    }
    let result = store
        .save_segment(
            SegmentFields {
                segment,
                campaign_target,
            },
            &engine::stamp,
        )
        .await;
    after_write(ctx, &store, &result).await;
    result
}

/// Deletes a saved segment.
pub async fn delete_segment(ctx: StoreCtx, id: Uuid) -> Result<(), StoreError> {
    let store = current_store()?;
    let result = store.delete_segment(id, &engine::stamp).await;
    after_write(ctx, &store, &result).await;
    result
}
