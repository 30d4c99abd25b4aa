//! A large nested field stored as LZ4-compressed JSON bytes inside its IndexedDB record.
//!
//! Handing a block of a hundred interactions to IndexedDB as JS objects crosses the
//! wasm boundary once per key and string (thousands of small UTF-8 decodes per block:
//! the largest cost of a first pull in the profile); as one `Uint8Array` of JSON it is
//! one copy, which IndexedDB clones as one buffer and wasm parses back faster than the
//! objects deserialise. Compressed (about a third of the bytes for interactions), it is
//! less for the browser's storage to write and to rewrite as it compacts its files on
//! disk, which is most of what a first sync of a large account costs (`BENCH.md`'s
//! `pull_l`). Fields written before (plain JSON bytes or text, or the value itself)
//! still read.

use std::{borrow::Cow, fmt, marker::PhantomData};

use serde::{
    de::{value::MapAccessDeserializer, value::SeqAccessDeserializer, DeserializeOwned, Visitor},
    Deserializer, Serialize, Serializer,
};

/// First byte of compressed bytes: JSON text never starts with it.
const LZ4: u8 = 0x04;

/// LZ4 expands at most about 255-fold: a stored size beyond that is damage, not data.
const MAX_EXPANSION: usize = 255;

/// Writes `value` as its JSON text, LZ4-compressed, in bytes.
pub fn serialize<T: Serialize, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    let json = serde_json::to_vec(value).map_err(serde::ser::Error::custom)?;
    serializer.serialize_bytes(&compress(&json))
}

/// Reads bytes written by [`serialize`] (a block 0 kept in its customer record before
/// `packed_block`).
pub fn from_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    serde_json::from_slice(&json_of(bytes)?).map_err(|e| e.to_string())
}

/// `[LZ4, size (4 bytes, little-endian), LZ4 block]`.
fn compress(json: &[u8]) -> Vec<u8> {
    compress_marked(LZ4, json)
}

/// `[marker, size (4 bytes, little-endian), LZ4 block]`: the marker says what the
/// compressed bytes are (JSON here, `packed_block`'s binary there).
pub(super) fn compress_marked(marker: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 2 + 8);
    out.push(marker);
    out.extend_from_slice(&lz4_flex::block::compress_prepend_size(bytes));
    out
}

/// The bytes of `[size, LZ4 block]` (what follows the marker), refusing a size no LZ4
/// block of that length can hold.
pub(super) fn decompress(compressed: &[u8]) -> Result<Vec<u8>, String> {
    let (size, block) =
        lz4_flex::block::uncompressed_size(compressed).map_err(|e| e.to_string())?;
    if size > block.len().saturating_mul(MAX_EXPANSION) + 16 {
        return Err(format!(
            "a stored field claims {size} bytes in {}",
            block.len()
        ));
    }
    lz4_flex::block::decompress(block, size).map_err(|e| e.to_string())
}

/// The JSON text of stored bytes, compressed or not.
pub(super) fn json_of(bytes: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    let Some((&LZ4, compressed)) = bytes.split_first() else {
        return Ok(Cow::Borrowed(bytes));
    };
    decompress(compressed).map(Cow::Owned)
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
        serde_json::from_slice(&json_of(bytes).map_err(E::custom)?).map_err(E::custom)
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
        assert_eq!(bytes[0], super::LZ4);
        assert_eq!(&*super::json_of(&bytes).unwrap(), br#"[{"amount":300}]"#);
        assert_eq!(serde_wasm_bindgen::from_value::<Block>(js).unwrap(), block);

        let plain = js_sys::Object::new();
        js_sys::Reflect::set(&plain, &"key".into(), &"a".into()).unwrap();
        let json = js_sys::Uint8Array::from(&br#"[{"amount":300}]"#[..]);
        js_sys::Reflect::set(&plain, &"items".into(), &json).unwrap();
        assert_eq!(
            serde_wasm_bindgen::from_value::<Block>(plain.into()).unwrap(),
            block,
            "uncompressed JSON bytes (written before compression) still read"
        );

        let old = serde_wasm_bindgen::to_value(&OldBlock {
            key: "a".into(),
            items,
        })
        .unwrap();
        assert_eq!(serde_wasm_bindgen::from_value::<Block>(old).unwrap(), block);
    }

    #[wasm_bindgen_test]
    fn interactions_compress_to_a_fraction_and_damage_is_an_error() {
        let items: Vec<BTreeMap<String, String>> = (0..100)
            .map(|i| {
                BTreeMap::from([
                    ("id".to_string(), format!("0199c11e-1c00-7a54-8b88-{i:012}")),
                    ("kind".to_string(), "purchase".to_string()),
                    ("currency".to_string(), "CNY".to_string()),
                ])
            })
            .collect();
        let json = serde_json::to_vec(&items).unwrap();
        let stored = super::compress(&json);
        assert!(
            stored.len() * 3 < json.len(),
            "{} of {} bytes",
            stored.len(),
            json.len()
        );
        assert_eq!(&*super::json_of(&stored).unwrap(), &json[..]);

        let mut damaged = stored.clone();
        damaged[1..5].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(super::json_of(&damaged).is_err(), "an impossible size");
        assert!(
            super::json_of(&stored[..stored.len() / 2]).is_err(),
            "a cut block"
        );
    }
}
