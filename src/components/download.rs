//! Saving generated text (CSV exports, backups) as a file download, with no server
//! round trip.

use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

/// Saves text pieces as a file download (a `Blob` behind a temporary object URL; the
/// pieces are not joined first, so a large backup is never one big string).
pub fn download(name: &str, pieces: &[String], mime: &str) {
    let parts = js_sys::Array::new();
    for piece in pieces {
        parts.push(&JsValue::from_str(piece));
    }
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let anchor = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok());
    if let Some(anchor) = anchor {
        anchor.set_href(&url);
        anchor.set_download(name);
        anchor.click();
    }
    // Revoking at once can cancel the download in some browsers: wait a minute.
    spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(60_000).await;
        let _ = web_sys::Url::revoke_object_url(&url);
    });
}
