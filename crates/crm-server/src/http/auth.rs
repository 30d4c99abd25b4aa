//! `POST /auth/login` and the bearer-token extractor every sync route starts with.

use std::time::Instant;

use axum::{
    extract::{FromRequestParts, State},
    http::{header::AUTHORIZATION, request::Parts},
    routing::post,
    Json as AxumJson, Router,
};
use crm_core::wire::{ErrorCode, LoginRequest, LoginResponse};

use super::extract::Json;
use crate::{
    auth::{new_token, token_hash, verify_dummy, verify_password},
    db::AuthedUser,
    error::AppError,
    state::{now_ms, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new().route("/auth/login", post(login))
}

/// Checks e-mail and password and hands out a new bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = super::openapi::schemas::LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = super::openapi::schemas::LoginResponse),
        (status = 400, description = "Malformed body (`invalid_change`)", body = super::openapi::schemas::ErrorResponse),
        (status = 401, description = "Wrong e-mail or password (`unauthorized`)", body = super::openapi::schemas::ErrorResponse),
        (status = 429, description = "Too many failed attempts for this address (`rate_limited`)", body = super::openapi::schemas::ErrorResponse),
    ))]
pub async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> Result<AxumJson<LoginResponse>, AppError> {
    if state.limiter.is_blocked(&req.email, Instant::now()) {
        return Err(AppError::new(
            ErrorCode::RateLimited,
            "too many failed sign-ins for this address; try again later",
        ));
    }
    let email = req.email.clone();
    let creds = state.db(move |db| db.credentials(&email)).await?;
    let password = req.password;
    let (ok, creds) = tokio::task::spawn_blocking(move || match creds {
        Some(c) => (verify_password(&password, &c.password_hash), Some(c)),
        None => {
            verify_dummy(&password);
            (false, None)
        }
    })
    .await
    .map_err(AppError::internal)?;
    let Some(creds) = creds.filter(|_| ok) else {
        state.limiter.failed(&req.email, Instant::now());
        return Err(AppError::unauthorized("wrong e-mail or password"));
    };
    state.limiter.succeeded(&req.email);
    let token = new_token().map_err(AppError::internal)?;
    let hash = token_hash(&token);
    let user_id = creds.user_id;
    state
        .db(move |db| db.store_token(user_id, &hash, now_ms()))
        .await?;
    Ok(AxumJson(LoginResponse {
        token,
        user: creds.user,
        server_hlc: Some(state.server_hlc()),
    }))
}

/// The caller, from `Authorization: Bearer <token>`; refuses with 401 otherwise.
#[derive(Debug, Clone)]
pub struct AuthUser(pub AuthedUser);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| AppError::unauthorized("missing Authorization: Bearer <token>"))?;
        let hash = token_hash(token);
        let user = state.db(move |db| db.user_by_token(&hash)).await?;
        user.map(AuthUser)
            .ok_or_else(|| AppError::unauthorized("unknown or revoked token; sign in again"))
    }
}
