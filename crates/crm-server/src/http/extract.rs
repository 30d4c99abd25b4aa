//! Extractors whose rejections become the contract's error shape instead of axum's
//! plain-text answers.

use axum::{
    extract::{
        rejection::{BytesRejection, JsonRejection, QueryRejection},
        FromRequest, FromRequestParts, Request,
    },
    http::{request::Parts, StatusCode},
};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// `axum::Json` with [`AppError`] rejections.
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| Json(v))
            .map_err(from_json)
    }
}

/// `axum::extract::Query` with [`AppError`] rejections.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|e: QueryRejection| AppError::invalid(format!("bad query: {}", e.body_text())))
    }
}

fn from_json(e: JsonRejection) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::too_large(e.body_text())
    } else {
        AppError::invalid(format!("bad request body: {}", e.body_text()))
    }
}

/// Maps a raw body rejection (over the size limit, or a broken connection).
pub fn from_bytes(e: BytesRejection) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::too_large(format!(
            "request body over {} bytes",
            crm_core::wire::MAX_BODY_BYTES
        ))
    } else {
        AppError::invalid(format!("bad request body: {}", e.body_text()))
    }
}
