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

use super::{records::CustomerRecord, StoreError};

/// `records` as JS objects, in order.
pub(super) fn js_objects<T: Serialize>(records: &[T]) -> Result<Vec<js_sys::Object>, StoreError> {
    let json = serde_json::to_string(records).map_err(|e| StoreError::Other(e.to_string()))?;
    let parsed = js_sys::JSON::parse(&json).map_err(|e| StoreError::Other(format!("{e:?}")))?;
    Ok(js_sys::Array::from(&parsed)
        .iter()
        .map(|value| value.unchecked_into::<js_sys::Object>())
        .collect())
}

/// Customer records as JS objects for `put`: [`js_objects`] for their fields, with the
/// block a record holds (`EmbeddedBlock`, bytes JSON cannot carry) attached afterwards
/// as `Uint8Array`s. The records are left as they were.
pub(super) fn customer_objects(
    mut records: Vec<&mut CustomerRecord>,
) -> Result<Vec<js_sys::Object>, StoreError> {
    let embedded: Vec<_> = records.iter_mut().map(|r| r.tl0.take()).collect();
    let objects = js_objects(&records);
    for (record, block) in records.iter_mut().zip(embedded) {
        record.tl0 = block;
    }
    let objects = objects?;
    let key = wasm_bindgen::JsValue::from_str("tl0");
    for (record, object) in records.iter().zip(&objects) {
        if let Some(block) = &record.tl0 {
            let value = serde_wasm_bindgen::to_value(block)
                .map_err(|e| StoreError::Other(e.to_string()))?;
            js_sys::Reflect::set(object, &key, &value)
                .map_err(|e| StoreError::Other(format!("{e:?}")))?;
        }
    }
    Ok(objects)
}
