//! Opens the database once, shares its status by context, and counts writes so every
//! query re-runs after a change ("revision").

use std::cell::RefCell;

use leptos::{prelude::*, task::spawn_local};

use crate::storage::{schema::DB_NAME, Store, StoreError};

thread_local! {
    /// The open database (IndexedDB handles are not `Send`, so they live outside signals).
    static STORE: RefCell<Option<Store>> = const { RefCell::new(None) };
}

/// Where opening the database is at; failures are shown in a banner.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreStatus {
    Opening,
    /// Upgrading a database written by an older version of the app (can take minutes).
    Upgrading,
    Ready,
    Blocked,
    Failed(String),
}

/// Shared by context: the status and a counter bumped after every write.
#[derive(Clone, Copy)]
pub struct StoreCtx {
    pub status: RwSignal<StoreStatus>,
    pub revision: RwSignal<u64>,
}

impl StoreCtx {
    /// Whether queries can run (tracked).
    pub fn ready(&self) -> bool {
        self.status.get() == StoreStatus::Ready
    }
    /// Tells every query that the data changed.
    pub fn changed(&self) {
        self.revision.update(|r| *r += 1);
    }
}

/// Opens the app database and provides [`StoreCtx`]. Called once by `App`.
pub fn provide_store() {
    let ctx = StoreCtx {
        status: RwSignal::new(StoreStatus::Opening),
        revision: RwSignal::new(0),
    };
    provide_context(ctx);
    spawn_local(async move {
        let status = ctx.status;
        let opened = Store::open_with(
            DB_NAME,
            move || status.set(StoreStatus::Blocked),
            move || status.set(StoreStatus::Upgrading),
        )
        .await;
        match opened {
            Ok(store) => match crate::sync::engine::load(&store).await {
                Ok(()) => {
                    STORE.with(|s| *s.borrow_mut() = Some(store));
                    ctx.status.set(StoreStatus::Ready);
                }
                Err(e) => ctx.status.set(StoreStatus::Failed(e.to_string())),
            },
            Err(e) => ctx.status.set(StoreStatus::Failed(e.to_string())),
        }
    });
}

pub fn use_store() -> StoreCtx {
    expect_context::<StoreCtx>()
}

/// The open store, for hooks' async work.
pub fn current_store() -> Result<Store, StoreError> {
    STORE
        .with(|s| s.borrow().clone())
        .ok_or(StoreError::Unavailable)
}

/// A store query that re-runs when `key` or the revision changes. `None` until the
/// first answer; afterwards the previous answer stays visible while a new one loads.
pub fn use_query<K, T, Fut>(
    key: impl Fn() -> K + 'static,
    fetch: impl Fn(Store, K) -> Fut + 'static,
) -> LocalResource<Option<Result<T, StoreError>>>
where
    K: 'static,
    T: 'static,
    Fut: std::future::Future<Output = Result<T, StoreError>> + 'static,
{
    let ctx = use_store();
    LocalResource::new(move || {
        ctx.revision.track();
        let ready = ctx.ready();
        let key = key();
        let fut = if ready {
            current_store().ok().map(|s| fetch(s, key))
        } else {
            None
        };
        async move {
            match fut {
                Some(fut) => Some(fut.await),
                None => None,
            }
        }
    })
}
