//! The one error type of the HTTP layer. Every failure becomes SYNC.md's shape
//! `{"error": {"code", "message"[, "index"]}}` with the status of its code; internal
//! details are logged, never returned.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use crm_core::wire::{ErrorBody, ErrorCode, ErrorResponse, InvalidChange};

use crate::db::DbError;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    /// SYNC.md error code (decides the HTTP status).
    pub code: ErrorCode,
    /// Message for the client.
    pub message: String,
    /// Index of the offending change in a pushed batch.
    pub index: Option<usize>,
}

impl AppError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
            index: None,
        }
    }

    /// Points at one change of the batch.
    pub fn at(mut self, index: usize) -> Self {
        self.index = Some(index);
        self
    }

    /// 401: no, unknown or expired credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    /// 400: a malformed change or request.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidChange, message)
    }

    /// 413: too many changes or bytes.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::TooLarge, message)
    }

    /// 500: logs the cause and tells the client only that it failed.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(ErrorCode::Internal, "internal server error")
    }

    /// The `error` object.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code,
            message: self.message.clone(),
            index: self.index,
        }
    }
}

impl From<InvalidChange> for AppError {
    fn from(e: InvalidChange) -> Self {
        AppError::invalid(e.to_string()).at(e.index)
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Forbidden { index } => {
                AppError::new(ErrorCode::Forbidden, e.to_string()).at(index)
            }
            DbError::Conflict(m) => AppError::invalid(m),
            DbError::Sqlite(_) | DbError::Hash(_) => AppError::internal(e),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = self.body();
        let mut response = (
            status,
            Json(ErrorResponse {
                error: body.clone(),
                server_hlc: None,
            }),
        )
            .into_response();
        // The `stamp_errors` layer re-renders the body with the server's clock.
        response.extensions_mut().insert(body);
        response
    }
}
