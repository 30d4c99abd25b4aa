//! `GET /health`: liveness for scripts and load balancers.

use axum::{routing::get, Json, Router};
use crm_core::wire::Health;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

/// Always `{"status":"ok"}` while the process serves.
#[utoipa::path(get, path = "/api/v1/health", tag = "meta",
    responses((status = 200, description = "Alive", body = super::openapi::schemas::Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}
