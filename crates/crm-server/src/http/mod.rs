//! The HTTP surface: one module per route group, merged under `/api/v1`, the built app
//! for every other path, and the cross-cutting layers (request tracing, `server_hlc` on
//! error answers).

mod auth;
mod extract;
mod health;
mod openapi;
mod spa;
mod sync;

use axum::{
    body::Body,
    extract::{Request, State},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::any,
    Router,
};
use crm_core::wire::{ErrorBody, ErrorCode, ErrorResponse, API_PREFIX};
use tower_http::{
    compression::{CompressionLayer, CompressionLevel},
    trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{error::AppError, state::AppState};

pub use auth::AuthUser;
pub use openapi::ApiDoc;

/// The whole application: API routes, static app, layers.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(sync::router())
        .merge(openapi::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(api_compression());
    Router::new()
        .nest(API_PREFIX, api)
        .route("/api", any(not_found))
        .route("/api/{*rest}", any(not_found))
        .fallback_service(spa::service(state.config.dist.as_deref()))
        .layer(middleware::from_fn_with_state(state.clone(), stamp_errors))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// API answers gzipped at the fastest level when the client accepts it: a first pull of a
/// large account is about a gigabyte of JSON, which gzip level 1 cuts about ninefold for a
/// sales person's mobile connection (zstd, also tried, decoded slower in Chromium).
fn api_compression() -> CompressionLayer {
    CompressionLayer::new()
        .no_br()
        .no_deflate()
        .quality(CompressionLevel::Fastest)
}

async fn not_found(request: Request) -> AppError {
    AppError::new(
        ErrorCode::NotFound,
        format!("no endpoint {} {}", request.method(), request.uri().path()),
    )
}

async fn method_not_allowed(request: Request) -> Response {
    let mut response = AppError::new(
        ErrorCode::NotFound,
        format!(
            "{} is not allowed on {}",
            request.method(),
            request.uri().path()
        ),
    )
    .into_response();
    *response.status_mut() = axum::http::StatusCode::METHOD_NOT_ALLOWED;
    response
}

/// SYNC.md: every answer carries `server_hlc`; error bodies get it here, where the
/// clock is at hand (extractor rejections cannot reach the state).
async fn stamp_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if let Some(error) = response.extensions_mut().remove::<ErrorBody>() {
        let body = ErrorResponse {
            error,
            server_hlc: Some(state.server_hlc()),
        };
        let (mut parts, _) = response.into_parts();
        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
        let json = serde_json::to_vec(&body).unwrap_or_default();
        response = Response::from_parts(parts, Body::from(json));
    }
    response
}
