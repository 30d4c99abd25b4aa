//! The built app (`--dist`): files as they are (gzip-compressed when the browser accepts
//! it: the wasm bundle shrinks to about a third), and `index.html` for any other non-API
//! path so client-side routes survive a reload.

use std::{convert::Infallible, path::Path};

use axum::{
    http::StatusCode,
    response::IntoResponse,
    routing::{any_service, MethodRouter},
};
use tower_http::{
    compression::Compression,
    services::{ServeDir, ServeFile},
};

/// The fallback service for non-API paths.
pub fn service(dist: Option<&Path>) -> MethodRouter<(), Infallible> {
    match dist {
        Some(dir) => {
            let files = ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")));
            any_service(Compression::new(files))
        }
        None => axum::routing::any(|| async {
            (
                StatusCode::NOT_FOUND,
                "no app directory configured (crm-server serve --dist <dir>)",
            )
                .into_response()
        }),
    }
}
