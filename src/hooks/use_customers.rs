//! The customer list: a page through the name index, or a search over the search
//! blocks (`storage::search`); never all rows.

use leptos::{prelude::*, task::spawn_local};

use super::use_store::{current_store, use_query, use_store};
use crate::storage::{customers::PAGE, records::CustomerRecord, StoreError};

/// What the Customers screen shows.
pub struct CustomerList {
    pub rows: LocalResource<Option<Result<Vec<CustomerRecord>, StoreError>>>,
    pub total: LocalResource<Option<Result<u32, StoreError>>>,
    /// How many rows are requested (grows by a page on "Show more").
    pub limit: RwSignal<u32>,
}

/// Rows for `query` (empty = everyone in name order), `limit` at a time.
pub fn use_customer_list(query: Signal<String>) -> CustomerList {
    let limit = RwSignal::new(PAGE);
    let rows = use_query(
        move || (query.get(), limit.get()),
        |store, (query, limit)| async move { store.search_customers(&query, limit as usize).await },
    );
    let total = use_query(
        || (),
        |store, ()| async move { store.customer_count().await },
    );
    // Reads the search blocks while the list is on screen and after every write, so the
    // first keystroke does not wait for them (a failure shows on that search instead).
    let ctx = use_store();
    Effect::new(move |_| {
        ctx.revision.track();
        if let (true, Ok(store)) = (ctx.ready(), current_store()) {
            spawn_local(async move {
                let _ = store.refresh_search().await;
            });
        }
    });
    CustomerList { rows, total, limit }
}

/// Whether the database holds no customers yet (first run), tracked.
pub fn use_is_empty() -> Signal<Option<bool>> {
    let total = use_query(
        || (),
        |store, ()| async move { store.customer_count().await },
    );
    Signal::derive(move || match total.get().flatten() {
        Some(Ok(n)) => Some(n == 0),
        _ => None,
    })
}
