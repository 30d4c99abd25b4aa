//! A large nested field stored as JSON bytes inside its IndexedDB record.
//!
//! Handing a block of a hundred interactions to IndexedDB as JS objects crosses the
//! wasm boundary once per key and string (thousands of small UTF-8 decodes per block:
//! the largest cost of a first pull in the profile); as one `Uint8Array` of JSON it is
//! one copy, which IndexedDB clones as one buffer and wasm parses back faster than the
//! objects deserialise. Fields written before this encoding (the value itself) still read.

use std::{fmt, marker::PhantomData};

use serde::{
    de::{value::MapAccessDeserializer, value::SeqAccessDeserializer, DeserializeOwned, Visitor},
    Deserializer, Serialize, Serializer,
};

/// Writes `value` as its JSON text, in bytes.
pub fn serialize<T: Serialize, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    let json = serde_json::to_vec(value).map_err(serde::ser::Error::custom)?;
    serializer.serialize_bytes(&json)
}

/// Reads the JSON bytes (or text), or the value itself from a record written before.
pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_any(Stored(PhantomData))
}

struct Stored<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for Stored<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON bytes, JSON text or the value itself")
    }

    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<T, E> {
        serde_json::from_slice(bytes).map_err(E::custom)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        serde_json::from_str(text).map_err(E::custom)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::deserialize(SeqAccessDeserializer::new(seq))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};
    use wasm_bindgen_test::wasm_bindgen_test;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Block {
        key: String,
        #[serde(with = "super")]
        items: Vec<BTreeMap<String, i64>>,
    }

    #[derive(Serialize)]
    struct OldBlock {
        key: String,
        items: Vec<BTreeMap<String, i64>>,
    }

    #[wasm_bindgen_test]
    fn a_field_round_trips_as_json_bytes_and_old_records_still_read() {
        let items = vec![BTreeMap::from([("amount".to_string(), 300)])];
        let block = Block {
            key: "a".into(),
            items: items.clone(),
        };
        let js = serde_wasm_bindgen::to_value(&block).unwrap();
        let stored = js_sys::Reflect::get(&js, &"items".into()).unwrap();
        let bytes = js_sys::Uint8Array::new(&stored).to_vec();
        assert_eq!(bytes, br#"[{"amount":300}]"#);
        assert_eq!(serde_wasm_bindgen::from_value::<Block>(js).unwrap(), block);

        let old = serde_wasm_bindgen::to_value(&OldBlock {
            key: "a".into(),
            items,
        })
        .unwrap();
        assert_eq!(serde_wasm_bindgen::from_value::<Block>(old).unwrap(), block);
    }
}
