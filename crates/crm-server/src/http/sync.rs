//! `POST /sync/push` and `GET /sync/pull`: decode → validate the whole batch (shape,
//! then clock skew) → crm-core's LWW rule inside one SQLite transaction → encode.

use std::collections::BTreeMap;

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, DefaultBodyLimit, State},
    routing::{get, post},
    Json, Router,
};
use crm_core::{
    change::Change,
    wire::{
        validate_batch, validate_typed, ErrorCode, PushResponse, ValidChange, MAX_BATCH,
        MAX_BODY_BYTES, MAX_PULL_LIMIT, PULL_CURSOR_HEADER, PULL_MORE_HEADER,
    },
    Hlc,
};
use serde::{Deserialize, Serialize};
use serde_json::{value::RawValue, Value};

use super::{auth::AuthUser, extract::Query};
use crate::{
    error::AppError,
    state::{now_ms, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/sync/push",
            post(push).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/sync/pull", get(pull))
}

/// Merges a batch of changes; all or nothing.
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync", security(("bearer" = [])),
    request_body = super::openapi::schemas::PushRequest,
    responses(
        (status = 200, description = "Stored durably; `applied` won, `ignored` lost or repeated", body = super::openapi::schemas::PushResponse),
        (status = 400, description = "`invalid_change` (with `index`) or `clock_skew` (with `index`); nothing stored", body = super::openapi::schemas::ErrorResponse),
        (status = 401, description = "`unauthorized`", body = super::openapi::schemas::ErrorResponse),
        (status = 403, description = "`forbidden`: a change targets another organisation's record (with `index`)", body = super::openapi::schemas::ErrorResponse),
        (status = 413, description = "`too_large`: over 5,000 changes or 8 MiB", body = super::openapi::schemas::ErrorResponse),
    ))]
pub async fn push(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PushResponse>, AppError> {
    let bytes = body.map_err(super::extract::from_bytes)?;
    let batch = parse_batch(&bytes)?;
    check_skew(&batch, now_ms(), state.config.max_drift.as_millis() as u64)?;
    let org = user.org_id;
    let outcome = state.db(move |db| db.push(org, &batch)).await?;
    Ok(Json(PushResponse {
        applied: outcome.applied,
        ignored: outcome.ignored,
        cursor: outcome.seq.to_string(),
        server_hlc: state.server_hlc(),
    }))
}

/// Parses and validates a push body: typed in one go when it is well-formed, else
/// change by change to report the first bad one's index.
fn parse_batch(bytes: &[u8]) -> Result<Vec<ValidChange>, AppError> {
    #[derive(Deserialize)]
    struct Typed {
        changes: Vec<Change>,
    }
    #[derive(Deserialize)]
    struct Loose {
        changes: Vec<Value>,
    }
    let too_many =
        |n: usize| AppError::too_large(format!("{n} changes in one push; at most {MAX_BATCH}"));
    if let Ok(typed) = serde_json::from_slice::<Typed>(bytes) {
        if typed.changes.len() > MAX_BATCH {
            return Err(too_many(typed.changes.len()));
        }
        return Ok(typed
            .changes
            .into_iter()
            .enumerate()
            .map(|(i, c)| validate_typed(i, c))
            .collect::<Result<_, _>>()?);
    }
    let loose: Loose = serde_json::from_slice(bytes)
        .map_err(|e| AppError::invalid(format!("body must be {{\"changes\": [...]}}: {e}")))?;
    if loose.changes.len() > MAX_BATCH {
        return Err(too_many(loose.changes.len()));
    }
    validate_batch(loose.changes)?;
    Err(AppError::invalid("malformed change"))
}

/// SYNC.md: a change more than `max_drift` ahead of the server clock refuses the batch.
fn check_skew(batch: &[ValidChange], now: u64, max_drift: u64) -> Result<(), AppError> {
    match batch.iter().position(|c| c.change.hlc.wall_ms > now.saturating_add(max_drift)) {
        Some(i) => Err(AppError::new(
            ErrorCode::ClockSkew,
            format!("change {i} is {} ms ahead of the server clock (at most {max_drift} allowed); re-stamp and retry", batch[i].change.hlc.wall_ms - now),
        )
        .at(i)),
        None => Ok(()),
    }
}

/// Pull parameters as sent (the limit is clamped, not refused).
#[derive(Debug, Deserialize)]
pub struct PullParams {
    since: Option<String>,
    limit: Option<u32>,
}

/// One pulled change, its value passed through as stored JSON.
#[derive(Serialize)]
struct PulledChange {
    entity: String,
    id: String,
    field: String,
    value: Box<RawValue>,
    hlc: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    base: Option<String>,
}

/// The pull answer (same shape as `crm_core::wire::PullResponse`).
#[derive(Serialize)]
struct PullBody {
    changes: Vec<PulledChange>,
    cursor: String,
    more: bool,
    server_hlc: Hlc,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    homes: BTreeMap<String, Vec<String>>,
}

/// Current winners changed after `since`, for the caller's organisation only and of
/// the records the caller's role lets them see (`db::visibility`).
#[utoipa::path(get, path = "/api/v1/sync/pull", tag = "sync", security(("bearer" = [])),
    params(
        ("since" = Option<String>, Query, description = "Cursor of the previous pull; absent = from the start"),
        ("limit" = Option<u32>, Query, description = "Page size, at most 5000 (larger values are clamped); default 5000"),
    ),
    responses(
        (status = 200, description = "One page, in server order", body = super::openapi::schemas::PullResponse,
            headers(
                ("x-sync-cursor" = String, description = "The page's `cursor`, readable before the body"),
                ("x-sync-more" = bool, description = "The page's `more`, readable before the body"),
            )),
        (status = 400, description = "`invalid_change`: unreadable cursor or limit", body = super::openapi::schemas::ErrorResponse),
        (status = 401, description = "`unauthorized`", body = super::openapi::schemas::ErrorResponse),
    ))]
pub async fn pull(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(params): Query<PullParams>,
) -> Result<([(&'static str, String); 2], Json<impl Serialize>), AppError> {
    let since = match params.since.as_deref() {
        None | Some("") => 0,
        Some(s) => s.parse::<u64>().map_err(|_| {
            AppError::invalid(format!("cursor {s:?} was not issued by this server"))
        })?,
    };
    let limit = params
        .limit
        .unwrap_or(MAX_PULL_LIMIT)
        .clamp(1, MAX_PULL_LIMIT);
    let page = state
        .db(move |db| {
            let visible = db.visible(&user)?;
            db.pull(user.org_id, since, limit, &visible)
        })
        .await?;
    let changes = page
        .rows
        .into_iter()
        .map(|r| {
            let value = RawValue::from_string(r.value).map_err(AppError::internal)?;
            Ok(PulledChange {
                entity: r.entity,
                id: r.id,
                field: r.field,
                value,
                hlc: r.hlc,
                base: r.base,
            })
        })
        .collect::<Result<_, AppError>>()?;
    let cursor = page.cursor.to_string();
    let headers = [
        (PULL_CURSOR_HEADER, cursor.clone()),
        (PULL_MORE_HEADER, page.more.to_string()),
    ];
    let body = PullBody {
        changes,
        cursor,
        more: page.more,
        server_hlc: state.server_hlc(),
        homes: page.homes,
    };
    Ok((headers, Json(body)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(wall: u64) -> Value {
        json!({"entity": "customer", "id": "0192f0c2-8a7e-7c1d-9a40-1c9d1e3f5a77", "field": "email", "value": "x",
               "hlc": Hlc { wall_ms: wall, counter: 0, node: 1 }.to_string()})
    }

    fn body(changes: Vec<Value>) -> Vec<u8> {
        serde_json::to_vec(&json!({ "changes": changes })).unwrap()
    }

    #[test]
    fn batch_parsing_reports_the_first_bad_change() {
        assert_eq!(
            parse_batch(&body(vec![change(1), change(2)]))
                .unwrap()
                .len(),
            2
        );
        let mut bad = change(3);
        bad["field"] = json!("Bad");
        let err = parse_batch(&body(vec![change(1), bad, json!(7)])).unwrap_err();
        assert_eq!((err.code, err.index), (ErrorCode::InvalidChange, Some(1)));
        assert_eq!(
            parse_batch(b"[]").unwrap_err().code,
            ErrorCode::InvalidChange
        );
        assert_eq!(
            parse_batch(&body(vec![change(1); MAX_BATCH + 1]))
                .unwrap_err()
                .code,
            ErrorCode::TooLarge
        );
    }

    #[test]
    fn skew_is_measured_against_the_server_clock() {
        let batch =
            parse_batch(&body(vec![change(1_000), change(61_000), change(61_001)])).unwrap();
        assert!(check_skew(&batch[..2], 1_000, 60_000).is_ok());
        assert_eq!(
            check_skew(&batch, 1_000, 60_000).unwrap_err().index,
            Some(2)
        );
    }
}
