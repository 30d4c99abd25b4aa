//! Many records turned into JS objects at once, for `put`.
//!
//! `serde_wasm_bindgen` (behind indexed_db_futures' `.serde()`) crosses the wasm
//! boundary once per key and string: a customer record is about a hundred crossings,
//! each a call plus a UTF-8 decode. One JSON text parsed by the engine's `JSON.parse`
//! builds the same objects several times faster. `None` becomes null instead of
//! undefined: both read back as `None` and neither is an index key. Not for records
//! holding bytes (JSON has no `Uint8Array`).

use serde::Serialize;
use wasm_bindgen::JsCast;

use super::StoreError;

/// `records` as JS objects, in order.
pub(super) fn js_objects<T: Serialize>(records: &[T]) -> Result<Vec<js_sys::Object>, StoreError> {
    let json = serde_json::to_string(records).map_err(|e| StoreError::Other(e.to_string()))?;
    let parsed = js_sys::JSON::parse(&json).map_err(|e| StoreError::Other(format!("{e:?}")))?;
    Ok(js_sys::Array::from(&parsed)
        .iter()
        .map(|value| value.unchecked_into::<js_sys::Object>())
        .collect())
}
