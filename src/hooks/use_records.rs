//! The workflow records (deals, tickets, campaigns, reminder states, settings) as
//! signals, and their writes. Generic over the core's record types: every entity is read
//! and saved the same way, so each screen's hook is one line.

use crm_core::change::Entity;
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};
use uuid::Uuid;

use super::{
    use_customer::after_write,
    use_store::{current_store, use_query, StoreCtx},
};
use crate::{
    storage::{Now, StoreError},
    sync::engine,
};

/// A query's answer: `None` while loading.
pub type Rows<T> = LocalResource<Option<Result<Vec<T>, StoreError>>>;

/// Every live record of `entity`, refreshed after every write and every pull.
pub fn use_entities<T>(entity: Entity) -> Rows<T>
where
    T: DeserializeOwned + 'static,
{
    use_query(
        || (),
        move |store, ()| async move { store.entity_records::<T>(entity).await },
    )
}

/// The loaded rows, or an empty list while loading or after an error.
pub fn rows_or_empty<T: Clone + Send + Sync + 'static>(rows: Rows<T>) -> Signal<Vec<T>> {
    Signal::derive(move || {
        rows.get()
            .flatten()
            .and_then(Result::ok)
            .unwrap_or_default()
    })
}

/// The current version of the row `first` of a keyed list, found by `id` in `list` (the
/// last version seen once it leaves the list). Lists keyed by id feed their rows this, so
/// a pulled change updates a row in place instead of rebuilding it and a form open in
/// the row keeps what is being typed.
pub fn live_row<T>(list: Memo<Vec<T>>, first: T, id: fn(&T) -> Uuid) -> Memo<T>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let wanted = id(&first);
    Memo::new(move |previous: Option<&T>| {
        list.with(|rows| rows.iter().find(|r| id(r) == wanted).cloned())
            .or_else(|| previous.cloned())
            .unwrap_or_else(|| first.clone())
    })
}

/// Saves one record (the changed fields are queued for sync in the same transaction).
pub async fn save_entity<T: Serialize>(
    ctx: StoreCtx,
    entity: Entity,
    id: Uuid,
    record: &T,
) -> Result<usize, StoreError> {
    save_entity_edit(ctx, entity, id, None, record).await
}

/// Saves an edit of `opened` (the record as the screen showed it; `None` for a new one):
/// only the fields the user changed are written (see `Store::save_entity_edit`).
pub async fn save_entity_edit<T: Serialize>(
    ctx: StoreCtx,
    entity: Entity,
    id: Uuid,
    opened: Option<&T>,
    record: &T,
) -> Result<usize, StoreError> {
    let store = current_store()?;
    let now = Now::read();
    let result = store
        .save_entity_edit(entity, id, opened, record, now.ms, &engine::stamp)
        .await;
    after_write(ctx, &store, &result).await;
    result
}

/// The organisation's workflow settings (loyalty, discount approval): the synced record
/// with the fixed id, or the defaults until someone saves it.
pub fn use_org_settings() -> Signal<crm_core::workflow::OrgSettings> {
    let rows = use_query(
        || (),
        |store, ()| async move {
            store
                .entity_record::<crm_core::workflow::OrgSettings>(
                    Entity::Setting,
                    crm_core::workflow::SETTINGS_ID,
                )
                .await
        },
    );
    Signal::derive(move || {
        rows.get()
            .flatten()
            .and_then(Result::ok)
            .flatten()
            .unwrap_or_default()
    })
}

/// Saves the organisation's settings (validated by the caller).
pub async fn save_org_settings(
    ctx: StoreCtx,
    settings: &crm_core::workflow::OrgSettings,
) -> Result<usize, StoreError> {
    save_entity(
        ctx,
        Entity::Setting,
        crm_core::workflow::SETTINGS_ID,
        settings,
    )
    .await
}

/// The signed-in user's role (a rep until someone signs in: approval needs a manager
/// known to the server).
pub fn use_role() -> Signal<Option<crm_core::wire::Role>> {
    let sync = super::use_sync::use_sync();
    Signal::derive(move || sync.session.get().map(|s| s.user.role))
}

/// The signed-in user's display name (empty when signed out), for owner fields.
pub fn use_user_name() -> Signal<String> {
    let sync = super::use_sync::use_sync();
    Signal::derive(move || sync.session.get().map(|s| s.user.name).unwrap_or_default())
}
