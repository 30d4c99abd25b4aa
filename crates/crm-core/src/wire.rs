//! Every request, response and error body of SYNC.md as serde types, plus the contract's
//! limits and the batch validation rule, shared by the browser client, the server and
//! the tests so the two sides cannot drift apart.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    change::{is_valid_field_name, Change, DELETED},
    hlc::Hlc,
};

/// Every endpoint lives under this prefix.
pub const API_PREFIX: &str = "/api/v1";
/// Most changes one push may carry.
pub const MAX_BATCH: usize = 5_000;
/// Largest push body in bytes (8 MiB).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Largest value of one change, as serialised JSON, in bytes (64 KiB).
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Largest page a pull may ask for.
pub const MAX_PULL_LIMIT: u32 = 5_000;

/// Response header of a pull page repeating its `cursor` (an extra field SYNC.md allows),
/// so a client can ask for the next page as soon as the headers arrive, while this
/// page's body is still being read and stored.
pub const PULL_CURSOR_HEADER: &str = "x-sync-cursor";

/// Response header of a pull page repeating its `more` (`true` or `false`).
pub const PULL_MORE_HEADER: &str = "x-sync-more";

/// `POST /auth/login` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The user's e-mail address (case-insensitive).
    pub email: String,
    /// The user's password in clear text (sent over the same connection as the app).
    pub password: String,
}

/// `POST /auth/login` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// Bearer token for `Authorization: Bearer <token>`.
    pub token: String,
    /// Who signed in.
    pub user: UserInfo,
    /// The server's clock (an extension), so a client can correct its clock before its
    /// first push.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_hlc: Option<Hlc>,
}

/// The signed-in user as the client shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// Server-assigned user id (opaque).
    pub id: String,
    /// Display name.
    pub name: String,
    /// What the user may see (PRODUCT.md, seed 002).
    pub role: Role,
    /// The organisation's name.
    pub org: String,
}

/// Visibility role of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees their own customers.
    #[default]
    Rep,
    /// Sees their team's customers.
    Manager,
    /// Sees the whole organisation.
    Admin,
}

impl Role {
    /// The wire and storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Rep => "rep",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Every role, for selects.
    pub const ALL: [Role; 3] = [Role::Rep, Role::Manager, Role::Admin];
}

/// `POST /sync/push` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// At most [`MAX_BATCH`] changes, oldest first.
    pub changes: Vec<Change>,
}

/// `POST /sync/push` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Changes that won and became the stored value.
    pub applied: u64,
    /// Changes that lost to a newer stored HLC or repeated a stored one.
    pub ignored: u64,
    /// The server's position after this push (opaque).
    pub cursor: String,
    /// The server's clock, for the client's receive rule and offset estimate.
    pub server_hlc: Hlc,
}

/// `GET /sync/pull` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullQuery {
    /// Cursor of the previous pull; absent = from the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Page size, at most [`MAX_PULL_LIMIT`] (the server clamps larger values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl PullQuery {
    /// The query string (without `?`), the cursor percent-encoded.
    pub fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        if let Some(since) = &self.since {
            parts.push(format!("since={}", percent_encode(since)));
        }
        if let Some(limit) = self.limit {
            parts.push(format!("limit={limit}"));
        }
        parts.join("&")
    }
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /sync/pull` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Current winners whose winner changed after `since`, in server order.
    pub changes: Vec<Change>,
    /// Pass back as `since` next time; store it with the local data.
    pub cursor: String,
    /// More pages follow.
    pub more: bool,
    /// The server's clock.
    pub server_hlc: Hlc,
    /// An extra field (SYNC.md allows extras): for each interaction of the page a device
    /// may hold under a customer the page does not name (the page lacks its
    /// `customer_id`, or it has been re-pointed), every customer the server has filed it
    /// under. Devices keep interactions in per-customer blocks and find a pulled one by
    /// its customers, without an index entry per interaction.
    #[serde(default, skip_serializing_if = "Homes::is_empty")]
    pub homes: Homes,
}

/// Interaction id → every customer the server has filed it under (see
/// [`PullResponse::homes`]).
pub type Homes = std::collections::BTreeMap<Uuid, Vec<Uuid>>;

/// `GET /health` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `"ok"` when the server answers.
    pub status: String,
}

/// Every error answer: `{"error": {...}}`, plus the server's clock when it has one
/// (an extra field the contract allows, so a `clock_skew` refusal carries the time
/// the client must correct to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// What went wrong.
    pub error: ErrorBody,
    /// The server's clock when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_hlc: Option<Hlc>,
}

/// The `error` object of an error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable code the client switches on.
    pub code: ErrorCode,
    /// Human-readable explanation (never internal details).
    pub message: String,
    /// Position in the pushed batch of the change that caused the refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
}

/// SYNC.md's error codes. Unknown codes from a newer server deserialise as `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No or bad bearer token, or wrong credentials.
    Unauthorized,
    /// The token is valid but the record belongs to another organisation's scope.
    Forbidden,
    /// A change (or the request) is malformed; `index` says which change.
    InvalidChange,
    /// Too many changes or too many bytes in one request.
    TooLarge,
    /// A change's wall time is too far ahead of the server clock.
    ClockSkew,
    /// Too many requests; retry later.
    RateLimited,
    /// The server failed; retry later.
    Internal,
    /// No such endpoint or method. An extension: SYNC.md's list has no code for it.
    NotFound,
    /// A code this client does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::InvalidChange => "invalid_change",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::ClockSkew => "clock_skew",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Unknown => "unknown",
        }
    }

    /// The HTTP status the server answers this code with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::InvalidChange | ErrorCode::ClockSkew => 400,
            ErrorCode::TooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::NotFound => 404,
            ErrorCode::Internal | ErrorCode::Unknown => 500,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why one change of a batch is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("change {index}: {reason}")]
pub struct InvalidChange {
    /// Position in the batch.
    pub index: usize,
    /// What is wrong, for the error message.
    pub reason: String,
}

/// A change that passed validation, with its value serialised once (servers store it).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidChange {
    /// The parsed change.
    pub change: Change,
    /// `change.value` as compact JSON.
    pub value_json: String,
}

/// Validates one change as it arrived (any JSON) against SYNC.md's rules: known
/// entity, UUID id, field name `[a-z_][a-z0-9_]{0,63}`, wire-form HLC, value at most
/// [`MAX_VALUE_BYTES`] as JSON, `_deleted` only `true`/`false`, and an optional `base`
/// (the version the edit replaced) older than `hlc`.
pub fn validate_change(index: usize, raw: Value) -> Result<ValidChange, InvalidChange> {
    if let Some(field) = raw.get("field").and_then(Value::as_str) {
        if !is_valid_field_name(field) {
            return Err(InvalidChange {
                index,
                reason: bad_field_name(field),
            });
        }
    }
    let change: Change = serde_json::from_value(raw).map_err(|e| InvalidChange {
        index,
        reason: e.to_string(),
    })?;
    validate_typed(index, change)
}

/// The checks serde's types do not make, for a change that already deserialised
/// (the fast path of a server that parses a whole batch at once).
pub fn validate_typed(index: usize, change: Change) -> Result<ValidChange, InvalidChange> {
    let invalid = |reason: String| InvalidChange { index, reason };
    if !is_valid_field_name(&change.field) {
        return Err(invalid(bad_field_name(&change.field)));
    }
    if change.field == DELETED && !change.value.is_boolean() {
        return Err(invalid("_deleted must be true or false".into()));
    }
    if let Some(base) = change.base.filter(|&b| b >= change.hlc) {
        return Err(invalid(format!(
            "base {base} is not older than hlc {}",
            change.hlc
        )));
    }
    let value_json = serde_json::to_string(&change.value).map_err(|e| invalid(e.to_string()))?;
    if value_json.len() > MAX_VALUE_BYTES {
        return Err(invalid(format!(
            "value is {} bytes, over {MAX_VALUE_BYTES}",
            value_json.len()
        )));
    }
    Ok(ValidChange { change, value_json })
}

fn bad_field_name(field: &str) -> String {
    format!(
        "field name {:?} is not [a-z_][a-z0-9_]{{0,63}}",
        trunc(field)
    )
}

/// Validates a whole batch; the first malformed change rejects it (nothing is stored).
pub fn validate_batch(raw: Vec<Value>) -> Result<Vec<ValidChange>, InvalidChange> {
    raw.into_iter()
        .enumerate()
        .map(|(i, v)| validate_change(i, v))
        .collect()
}

fn trunc(s: &str) -> String {
    s.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn good() -> Value {
        json!({"entity": "customer", "id": "0192f0c2-8a7e-7c1d-9a40-1c9d1e3f5a77",
               "field": "email", "value": "li.wei@example.com",
               "hlc": "001764500000123-00000-9f86d081884c7d65"})
    }

    #[track_caller]
    fn check_invalid(patch: Value, reason_contains: &str) {
        let mut raw = good();
        for (k, v) in patch.as_object().unwrap() {
            raw[k] = v.clone();
        }
        let err = validate_change(3, raw).unwrap_err();
        assert_eq!(err.index, 3);
        assert!(err.reason.contains(reason_contains), "{}", err.reason);
    }

    #[test]
    fn the_contract_example_is_valid() {
        let ok = validate_change(0, good()).unwrap();
        assert_eq!(ok.change.field, "email");
        assert_eq!(ok.value_json, "\"li.wei@example.com\"");
        assert_eq!(serde_json::to_value(&ok.change).unwrap(), good());
    }

    #[test]
    fn malformed_changes() {
        check_invalid(json!({"hlc": "17645-0-9f"}), "HLC");
        check_invalid(json!({"entity": "spaceship"}), "unknown variant");
        check_invalid(json!({"field": "Email"}), "field name");
        check_invalid(json!({"id": "not-a-uuid"}), "UUID");
        check_invalid(json!({"field": "_deleted", "value": "yes"}), "_deleted");
        check_invalid(json!({"value": "x".repeat(MAX_VALUE_BYTES)}), "bytes");
        check_invalid(
            json!({"base": "001764500000123-00000-9f86d081884c7d65"}),
            "not older",
        );
        check_invalid(json!({"base": "yesterday"}), "HLC");
        let err = validate_change(0, json!({"entity": "customer"})).unwrap_err();
        assert!(err.reason.contains("missing field"), "{}", err.reason);
    }

    #[test]
    fn batch_reports_the_first_bad_index() {
        let batch = vec![good(), good(), json!({"entity": "customer"}), json!(1)];
        assert_eq!(validate_batch(batch).unwrap_err().index, 2);
    }

    #[test]
    fn error_shape() {
        let e = ErrorResponse {
            error: ErrorBody {
                code: ErrorCode::InvalidChange,
                message: "bad".into(),
                index: Some(2),
            },
            server_hlc: None,
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"error": {"code": "invalid_change", "message": "bad", "index": 2}})
        );
        let unknown: ErrorResponse =
            serde_json::from_value(json!({"error": {"code": "teapot", "message": ""}})).unwrap();
        assert_eq!(unknown.error.code, ErrorCode::Unknown);
        for code in [
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::InvalidChange,
            ErrorCode::TooLarge,
            ErrorCode::ClockSkew,
            ErrorCode::RateLimited,
            ErrorCode::Internal,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), json!(code.as_str()));
        }
    }

    #[test]
    fn pull_query_string() {
        assert_eq!(PullQuery::default().to_query_string(), "");
        assert_eq!(
            PullQuery {
                since: Some("42".into()),
                limit: Some(10)
            }
            .to_query_string(),
            "since=42&limit=10"
        );
        assert_eq!(
            PullQuery {
                since: Some("a b".into()),
                limit: None
            }
            .to_query_string(),
            "since=a%20b"
        );
    }
}
