//! The conflict log: local values that lost, with restore (a new, winning edit).

use leptos::prelude::*;

use super::{
    use_customer::after_write,
    use_store::{current_store, use_query, StoreCtx},
};
use crate::{
    storage::{records::ConflictEntry, Now, StoreError},
    sync::engine,
};

pub type ConflictRows = LocalResource<Option<Result<Vec<(u64, ConflictEntry)>, StoreError>>>;

pub fn use_conflicts() -> ConflictRows {
    use_query(|| (), |store, ()| async move { store.conflicts().await })
}

/// Restores a lost value as a new local edit.
pub async fn restore(ctx: StoreCtx, key: u64) -> Result<(), StoreError> {
    let store = current_store()?;
    let result = store
        .restore_conflict(key, Now::read(), &engine::stamp)
        .await;
    after_write(ctx, &store, &result).await;
    result
}

/// Accepts the winner and removes the entry.
pub async fn dismiss(ctx: StoreCtx, key: u64) -> Result<(), StoreError> {
    current_store()?.dismiss_conflict(key).await?;
    ctx.changed();
    Ok(())
}
