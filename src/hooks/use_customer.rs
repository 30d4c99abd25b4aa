//! One customer with its timeline and contacts, and every write a screen can make.
//! Each write bumps the store revision so all visible queries refresh.

use chrono::{Days, NaiveDate};
use crm_core::{demo::Size, CustomerDraft, Interaction, InteractionDraft};
use leptos::prelude::*;
use uuid::Uuid;

use super::use_store::{current_store, use_query, StoreCtx};
use crate::{
    storage::{records::CustomerRecord, Now, Store, StoreError},
    sync::engine,
};

/// A customer page's data.
pub struct CustomerView {
    pub record: LocalResource<Option<Result<Option<CustomerRecord>, StoreError>>>,
    pub timeline: LocalResource<Option<Result<Vec<Interaction>, StoreError>>>,
    pub contacts: LocalResource<Option<Result<Vec<CustomerRecord>, StoreError>>>,
}

pub fn use_customer(id: Signal<Option<Uuid>>) -> CustomerView {
    let record = use_query(
        move || id.get(),
        |store, id| async move {
            match id {
                Some(id) => store.customer(id).await,
                None => Ok(None),
            }
        },
    );
    let timeline = use_query(
        move || id.get(),
        |store, id| async move {
            match id {
                Some(id) => store.timeline(id).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let contacts = use_query(
        move || id.get(),
        |store, id| async move {
            match id {
                Some(id) => store.contacts(id).await,
                None => Ok(Vec::new()),
            }
        },
    );
    CustomerView {
        record,
        timeline,
        contacts,
    }
}

/// After a write: refresh every query, or, when storage failed after the engine stamped
/// the edit, rebuild the engine from storage so it forgets the unwritten changes.
pub(crate) async fn after_write<T>(ctx: StoreCtx, store: &Store, result: &Result<T, StoreError>) {
    match result {
        Ok(_) => {
            ctx.changed();
            super::use_pwa::persist_after_first_save();
        }
        Err(StoreError::Invalid(_) | StoreError::NotFound) => {}
        Err(_) => {
            let _ = engine::load(store).await;
        }
    }
}

/// Creates (`id` None) or edits a customer; an edit writes only the fields changed from
/// `opened`, the form as it opened (see `Store::save_customer_edit`).
pub async fn save_customer(
    ctx: StoreCtx,
    id: Option<Uuid>,
    opened: Option<CustomerDraft>,
    draft: CustomerDraft,
) -> Result<CustomerRecord, StoreError> {
    let store = current_store()?;
    let result = store
        .save_customer_edit(id, opened.as_ref(), &draft, Now::read(), &engine::stamp)
        .await;
    after_write(ctx, &store, &result).await;
    result
}

/// Tombstones (`deleted` true) or restores a customer.
pub async fn set_deleted(
    ctx: StoreCtx,
    id: Uuid,
    deleted: bool,
) -> Result<CustomerRecord, StoreError> {
    let store = current_store()?;
    let result = store
        .set_customer_deleted(id, deleted, Now::read(), &engine::stamp)
        .await;
    after_write(ctx, &store, &result).await;
    result
}

/// Logs an interaction on a customer's timeline.
pub async fn log_interaction(
    ctx: StoreCtx,
    id: Uuid,
    draft: InteractionDraft,
) -> Result<Interaction, StoreError> {
    let store = current_store()?;
    let result = store
        .log_interaction(id, &draft, Now::read(), &engine::stamp)
        .await;
    after_write(ctx, &store, &result).await;
    result
}

/// Loads the demo data set, reporting `(done, total)` into `progress`.
/// The demo size: S, or the benchmark sizes through `?demo=M` / `?demo=L` in the URL.
fn demo_size() -> Size {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| {
            q.split(['?', '&'])
                .find_map(|kv| kv.strip_prefix("demo=").and_then(Size::parse))
        })
        .unwrap_or(Size::S)
}

pub async fn load_demo(
    ctx: StoreCtx,
    progress: RwSignal<Option<(usize, usize)>>,
) -> Result<usize, StoreError> {
    let now = Now::read();
    let size = demo_size();
    progress.set(Some((0, size.customers())));
    let result = current_store()?
        .load_demo(size, now.local.date(), now.ms, |done, total| {
            progress.set(Some((done, total)))
        })
        .await;
    progress.set(None);
    ctx.changed();
    result
}

/// Today in the user's time zone.
pub fn today() -> NaiveDate {
    Now::read().local.date()
}

/// `today` plus `days`.
pub fn in_days(days: u64) -> NaiveDate {
    today()
        .checked_add_days(Days::new(days))
        .unwrap_or_else(today)
}
