//! The installed-app side of the browser: update prompts from the service worker
//! (registered by public/pwa.js) and persistent storage.

use leptos::{ev, prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn window_flag(name: &str) -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str(name)).ok())
        .is_some_and(|v| v.is_truthy())
}

/// `true` once a new version of the app is installed and waiting.
pub fn use_update_ready() -> ReadSignal<bool> {
    let (ready, set_ready) = signal(window_flag("crmUpdateWaiting"));
    let handle = window_event_listener(
        ev::Custom::<web_sys::Event>::new("crm-update-ready"),
        move |_| set_ready.set(true),
    );
    on_cleanup(move || handle.remove());
    ready
}

/// Activates the waiting version; the page reloads when it takes over. Unsynced data is
/// in IndexedDB, so nothing is lost.
pub fn activate_update() {
    let Some(window) = web_sys::window() else {
        return;
    };
    match js_sys::Reflect::get(&window, &JsValue::from_str("crmActivateUpdate"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    {
        Some(f) => {
            let _ = f.call0(&JsValue::NULL);
        }
        None => {
            let _ = window.location().reload();
        }
    }
}

fn storage_manager() -> Option<web_sys::StorageManager> {
    Some(web_sys::window()?.navigator().storage())
}

/// Asks the browser to keep this site's data under storage pressure; returns whether it
/// agreed. Called after the first saved record (browsers grant it more readily then).
pub async fn request_persistence() -> Option<bool> {
    let promise = storage_manager()?.persist().ok()?;
    JsFuture::from(promise).await.ok().and_then(|v| v.as_bool())
}

/// What the Sync screen shows about local storage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageInfo {
    pub persisted: Option<bool>,
    pub usage_bytes: Option<f64>,
    pub quota_bytes: Option<f64>,
}

/// Reads `navigator.storage.persisted()` and `estimate()`.
pub async fn storage_info() -> StorageInfo {
    let mut info = StorageInfo {
        persisted: None,
        usage_bytes: None,
        quota_bytes: None,
    };
    let Some(manager) = storage_manager() else {
        return info;
    };
    if let Ok(p) = manager.persisted() {
        info.persisted = JsFuture::from(p).await.ok().and_then(|v| v.as_bool());
    }
    if let Ok(p) = manager.estimate() {
        if let Ok(estimate) = JsFuture::from(p).await {
            let get = |k: &str| {
                js_sys::Reflect::get(&estimate, &JsValue::from_str(k))
                    .ok()
                    .and_then(|v| v.as_f64())
            };
            info.usage_bytes = get("usage");
            info.quota_bytes = get("quota");
        }
    }
    info
}

/// A storage-info resource for the Sync screen, refreshed on every store change.
pub fn use_storage_info() -> LocalResource<StorageInfo> {
    let ctx = super::use_store::use_store();
    LocalResource::new(move || {
        ctx.revision.track();
        storage_info()
    })
}

/// Requests persistence once per profile, after the first saved record.
pub fn persist_after_first_save() {
    spawn_local(async move {
        let Ok(store) = super::use_store::current_store() else {
            return;
        };
        if store
            .meta::<bool>(crate::storage::meta::PERSIST_ASKED)
            .await
            .ok()
            .flatten()
            .unwrap_or(false)
        {
            return;
        }
        let granted = request_persistence().await.unwrap_or(false);
        let _ = store
            .set_meta(crate::storage::meta::PERSIST_ASKED, &true)
            .await;
        let _ = store
            .set_meta(crate::storage::meta::PERSISTED, &granted)
            .await;
    });
}
