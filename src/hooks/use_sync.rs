//! Sync for screens: sign in and out, Sync now, and the status signals.

use leptos::{prelude::*, task::spawn_local};

use super::use_store::{current_store, use_store};
use crate::{
    storage::meta,
    sync::{
        driver::{self, SyncCtx},
        engine,
        http::{self, LoginError},
        session::Session,
    },
};

/// Creates the sync context, restores a stored session and starts the driver. Called
/// once by `App` (after `provide_store`).
pub fn provide_sync() {
    let sync = SyncCtx::new();
    provide_context(sync);
    let store_ctx = use_store();
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || !store_ctx.ready() {
            return done.unwrap_or(false);
        }
        spawn_local(async move {
            if let Ok(store) = current_store() {
                if let Ok(Some(session)) = store.meta::<Session>(meta::SESSION).await {
                    sync.session.set(Some(session));
                }
                if let Ok(Some(at)) = store.meta::<f64>(meta::LAST_SYNC).await {
                    sync.last_sync.set(Some(at));
                }
            }
            driver::run(store_ctx, sync).await;
        });
        true
    });
}

pub fn use_sync() -> SyncCtx {
    expect_context::<SyncCtx>()
}

/// Signs in, stores the session and starts a sync.
pub async fn sign_in(
    sync: SyncCtx,
    server: String,
    email: String,
    password: String,
) -> Result<(), LoginError> {
    let response = http::login(&server, &email, &password).await?;
    let session = Session {
        server,
        token: response.token,
        user: response.user,
    };
    if let Ok(store) = current_store() {
        let _ = store.set_meta(meta::SESSION, &session).await;
    }
    sync.session.set(Some(session));
    sync.error.set(None);
    engine::with(|e| e.sync_now(engine::now_ms()));
    Ok(())
}

/// Forgets the session (local data stays).
pub async fn sign_out(sync: SyncCtx) {
    if let Ok(store) = current_store() {
        let _ = store
            .set_meta::<Option<Session>>(meta::SESSION, &None)
            .await;
    }
    sync.session.set(None);
}

/// "Sync now": start at once, cancelling any backoff.
pub fn sync_now() {
    engine::with(|e| e.sync_now(engine::now_ms()));
}

/// Tell the engine about the browser's connectivity.
pub fn set_online(online: bool) {
    engine::with(|e| e.handle_online(engine::now_ms(), online));
}
