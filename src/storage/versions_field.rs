//! A timeline block's field versions stored grouped by HLC.
//!
//! Every field of an interaction usually carries the same HLC (it was logged in one
//! edit), so `{"<id>": {"kind": "<hlc>", "at": "<hlc>", …}}` spells one 38-character HLC
//! five to seven times. Stored as `{"<id>": [["<hlc>", "kind", "at", …], …]}` instead,
//! the versions take about half the bytes: less to write as JSON, to hand to IndexedDB
//! and for it to store (a first sync of a large account writes a million of them).
//! Blocks written with one HLC per field (JSON bytes, or the value itself) still read.
//! A customer record's versions are grouped the same way ([`record`]).

use std::{borrow::Cow, collections::BTreeMap, fmt};

use crm_core::Hlc;
use serde::{
    de::{MapAccess, SeqAccess, Visitor},
    Deserialize, Deserializer, Serialize, Serializer,
};

/// Per interaction id, the HLC of each field's last write.
pub type Versions = BTreeMap<String, BTreeMap<String, Hlc>>;

/// Writes the versions grouped by HLC, as JSON bytes (see `json_field`).
pub fn serialize<S: Serializer>(versions: &Versions, serializer: S) -> Result<S::Ok, S::Error> {
    let grouped: BTreeMap<&str, Grouped> = versions
        .iter()
        .map(|(id, fields)| (id.as_str(), Grouped(fields)))
        .collect();
    super::json_field::serialize(&grouped, serializer)
}

/// Reads versions in either layout.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Versions, D::Error> {
    let stored: BTreeMap<String, FieldVersions> = super::json_field::deserialize(deserializer)?;
    Ok(stored.into_iter().map(|(id, v)| (id, v.0)).collect())
}

/// Reads versions bytes of a block 0 kept in its customer record before `packed_block`.
pub fn from_bytes(bytes: &[u8]) -> Result<Versions, String> {
    let stored: BTreeMap<String, FieldVersions> = super::json_field::from_bytes(bytes)?;
    Ok(stored.into_iter().map(|(id, v)| (id, v.0)).collect())
}

/// One record's versions (a customer's), grouped the same way but as a plain value: a
/// customer record goes to IndexedDB as JS objects, not JSON bytes.
pub mod record {
    use super::*;

    /// Writes `[[hlc, field, …], …]`.
    pub fn serialize<S: Serializer>(
        versions: &BTreeMap<String, Hlc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        Grouped(versions).serialize(serializer)
    }

    /// Reads either layout.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<String, Hlc>, D::Error> {
        Ok(FieldVersions::deserialize(deserializer)?.0)
    }
}

/// One interaction's versions, written as `[[hlc, field, …], …]`.
struct Grouped<'a>(&'a BTreeMap<String, Hlc>);

impl Serialize for Grouped<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A handful of fields: a linear search beats a map.
        let mut groups: Vec<(Hlc, Vec<&str>)> = Vec::new();
        for (field, hlc) in self.0 {
            match groups.iter_mut().find(|(h, _)| h == hlc) {
                Some((_, fields)) => fields.push(field),
                None => groups.push((*hlc, vec![field])),
            }
        }
        let groups: Vec<Vec<Cow<str>>> = groups
            .into_iter()
            .map(|(hlc, fields)| {
                std::iter::once(Cow::Owned(hlc.to_string()))
                    .chain(fields.into_iter().map(Cow::Borrowed))
                    .collect()
            })
            .collect();
        groups.serialize(serializer)
    }
}

/// One interaction's versions read from either layout: a map of field → HLC (older
/// blocks) or a list of `[hlc, field, …]` groups.
struct FieldVersions(BTreeMap<String, Hlc>);

impl<'de> Deserialize<'de> for FieldVersions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVersionsVisitor)
    }
}

struct FieldVersionsVisitor;

impl<'de> Visitor<'de> for FieldVersionsVisitor {
    type Value = FieldVersions;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of field to HLC or a list of [hlc, field, ...] groups")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FieldVersions, A::Error> {
        let mut fields = BTreeMap::new();
        while let Some((field, hlc)) = map.next_entry::<String, Hlc>()? {
            fields.insert(field, hlc);
        }
        Ok(FieldVersions(fields))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FieldVersions, A::Error> {
        let mut fields = BTreeMap::new();
        // `[hlc, field, …]`: the HLC is the first string.
        while let Some(group) = seq.next_element::<Vec<String>>()? {
            let mut group = group.into_iter();
            let hlc: Hlc = group
                .next()
                .ok_or_else(|| serde::de::Error::custom("an empty version group"))?
                .parse()
                .map_err(serde::de::Error::custom)?;
            fields.extend(group.map(|name| (name, hlc)));
        }
        Ok(FieldVersions(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::json_field::json_of;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Block {
        #[serde(with = "super")]
        versions: Versions,
    }

    /// Written before grouping: one HLC per field.
    #[derive(Serialize)]
    struct OldBlock {
        #[serde(with = "crate::storage::json_field")]
        versions: Versions,
    }

    fn hlc(wall_ms: u64) -> Hlc {
        Hlc {
            wall_ms,
            counter: 0,
            node: 0xabc,
        }
    }

    fn sample() -> Versions {
        let one = ["at", "customer_id", "kind", "summary"]
            .map(|f| (f.to_string(), hlc(1)))
            .into_iter()
            .chain([("outcome".to_string(), hlc(2))])
            .collect();
        [("i1".to_string(), one), ("i2".to_string(), BTreeMap::new())].into()
    }

    #[wasm_bindgen_test]
    fn versions_are_written_once_per_hlc_and_read_back() {
        let block = Block { versions: sample() };
        let js = serde_wasm_bindgen::to_value(&block).unwrap();
        let stored = js_sys::Reflect::get(&js, &"versions".into()).unwrap();
        let bytes = js_sys::Uint8Array::new(&stored).to_vec();
        let json = String::from_utf8(json_of(&bytes).unwrap().into_owned()).unwrap();
        let (one, two) = (hlc(1).to_string(), hlc(2).to_string());
        assert_eq!(
            json,
            format!(
                r#"{{"i1":[["{one}","at","customer_id","kind","summary"],["{two}","outcome"]],"i2":[]}}"#
            )
        );
        assert_eq!(serde_wasm_bindgen::from_value::<Block>(js).unwrap(), block);
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Record {
        #[serde(with = "super::record")]
        versions: BTreeMap<String, Hlc>,
    }

    #[wasm_bindgen_test]
    fn a_records_versions_are_grouped_and_old_records_read() {
        let record = Record {
            versions: sample().remove("i1").unwrap(),
        };
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["versions"].as_array().map(Vec::len), Some(2));
        let back: Record = serde_json::from_value(json).unwrap();
        assert_eq!(back, record);
        let old = serde_json::json!({ "versions": record.versions });
        assert_eq!(serde_json::from_value::<Record>(old).unwrap(), record);
        // As stored: JS objects, read back from IndexedDB.
        let js = serde_wasm_bindgen::to_value(&record).unwrap();
        assert_eq!(
            serde_wasm_bindgen::from_value::<Record>(js).unwrap(),
            record
        );
    }

    #[wasm_bindgen_test]
    fn blocks_written_with_a_version_per_field_still_read() {
        let old = serde_wasm_bindgen::to_value(&OldBlock { versions: sample() }).unwrap();
        assert_eq!(
            serde_wasm_bindgen::from_value::<Block>(old)
                .unwrap()
                .versions,
            sample()
        );
        // Older still: the value itself, not JSON bytes.
        let plain = serde_json::json!({ "versions": sample() })
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .unwrap();
        assert_eq!(
            serde_wasm_bindgen::from_value::<Block>(plain)
                .unwrap()
                .versions,
            sample()
        );
    }
}
