//! A timeline block's field versions stored grouped by HLC.
//!
//! Every field of an interaction usually carries the same HLC (it was logged in one
//! edit), so `{"<id>": {"kind": "<hlc>", "at": "<hlc>", …}}` spells one 38-character HLC
//! five to seven times. Stored as `{"<id>": [["<hlc>", "kind", "at", …], …]}` instead,
//! the versions take about half the bytes: less to write as JSON, to hand to IndexedDB
//! and for it to store (a first sync of a large account writes a million of them).
//! Blocks written with one HLC per field (JSON bytes, or the value itself) still read.
//! A customer record's versions are grouped too, with the HLC as numbers ([`record`]).

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

/// One record's versions (a customer's) as a plain value (a customer record goes to
/// IndexedDB as JS objects, not bytes), grouped by HLC with the HLC as numbers and the
/// fields as a bit set: `[[wall_ms, counter, "node", fields, "other field", …], …]`.
/// Spelled out (`[["<hlc>", "name", "phone", …]]`) a new customer's versions took 140
/// bytes, 10% of a stored customer (M: 1.4 of 14.5 MB); this takes about 45.
pub mod record {
    use super::*;

    /// Writes `[[wall_ms, counter, "node", fields, …], …]`.
    pub fn serialize<S: Serializer>(
        versions: &BTreeMap<String, Hlc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        bit_groups(versions, &CUSTOMER_FIELDS).serialize(serializer)
    }

    /// Reads any layout a customer record's versions were written in.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<String, Hlc>, D::Error> {
        Ok(FieldVersions::deserialize(deserializer)?.0)
    }
}

/// Customer fields in the order of a record's version bit set (the wire names).
const CUSTOMER_FIELDS: [&str; 22] = [
    "id",
    "kind",
    "name",
    "company",
    "company_id",
    "buying_role",
    "title",
    "email",
    "phone",
    "city",
    "source",
    "tags",
    "owner",
    "stage",
    "birthday",
    "preferences",
    "contracted",
    "membership_expires",
    "notes",
    "created_ms",
    "merged_into",
    "_deleted",
];

/// The fields each HLC wrote, in order of first appearance (a handful of fields: a
/// linear search beats a map).
fn group_by_hlc(versions: &BTreeMap<String, Hlc>) -> Vec<(Hlc, Vec<&str>)> {
    let mut groups: Vec<(Hlc, Vec<&str>)> = Vec::new();
    for (field, hlc) in versions {
        match groups.iter_mut().find(|(h, _)| h == hlc) {
            Some((_, fields)) => fields.push(field),
            None => groups.push((*hlc, vec![field])),
        }
    }
    groups
}

/// The fields one HLC wrote, as a bit set over a fixed list of names (bit `n` for
/// `names[n]`) and the names outside the list as text: the compact form of a customer
/// record's versions (here) and of a packed block's (`packed_block`).
pub(super) struct BitGroup<'a> {
    pub hlc: Hlc,
    pub bits: u32,
    pub other: Vec<&'a str>,
}

/// `versions` grouped by HLC as [`BitGroup`]s over `names` (at most 32).
pub(super) fn bit_groups<'a>(
    versions: &'a BTreeMap<String, Hlc>,
    names: &[&str],
) -> Vec<BitGroup<'a>> {
    debug_assert!(names.len() <= 32);
    group_by_hlc(versions)
        .into_iter()
        .map(|(hlc, fields)| {
            let mut group = BitGroup {
                hlc,
                bits: 0,
                other: Vec::new(),
            };
            for field in fields {
                match names.iter().position(|name| *name == field) {
                    Some(bit) => group.bits |= 1 << bit,
                    None => group.other.push(field),
                }
            }
            group
        })
        .collect()
}

/// Adds the fields of one [`BitGroup`] read back (`bits` over `names`, then `other`).
pub(super) fn insert_bit_group(
    fields: &mut BTreeMap<String, Hlc>,
    hlc: Hlc,
    bits: u32,
    names: &[&str],
    other: impl IntoIterator<Item = String>,
) {
    for (bit, name) in names.iter().enumerate() {
        if bits & (1 << bit) != 0 {
            fields.insert(name.to_string(), hlc);
        }
    }
    fields.extend(other.into_iter().map(|name| (name, hlc)));
}

/// A customer record's group as written: `[wall_ms, counter, "node", bits, other…]`.
impl Serialize for BitGroup<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(4 + self.other.len()))?;
        // Numbers within 2^53, exact in JS; the node (64 bits) as hex text.
        seq.serialize_element(&self.hlc.wall_ms)?;
        seq.serialize_element(&self.hlc.counter)?;
        seq.serialize_element(&format!("{:016x}", self.hlc.node))?;
        seq.serialize_element(&self.bits)?;
        for field in &self.other {
            seq.serialize_element(field)?;
        }
        seq.end()
    }
}

/// One interaction's versions, written as `[[hlc, field, …], …]`.
struct Grouped<'a>(&'a BTreeMap<String, Hlc>);

impl Serialize for Grouped<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let groups: Vec<Vec<Cow<str>>> = group_by_hlc(self.0)
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
        use serde::de::Error;
        let mut fields = BTreeMap::new();
        while let Some(group) = seq.next_element::<Vec<Part>>()? {
            let mut group = group.into_iter();
            match group.next() {
                // `[hlc, field, …]`
                Some(Part::Text(hlc)) => {
                    let hlc: Hlc = hlc.parse().map_err(A::Error::custom)?;
                    for part in group {
                        fields.insert(part.text().map_err(A::Error::custom)?, hlc);
                    }
                }
                // `[wall_ms, counter, "node", bits, field, …]` (a customer record's)
                Some(Part::Number(wall_ms)) => {
                    let mut next = || group.next().ok_or("a short version group");
                    let counter = next().and_then(Part::number).map_err(A::Error::custom)?;
                    let node = next().and_then(Part::text).map_err(A::Error::custom)?;
                    let bits = next().and_then(Part::number).map_err(A::Error::custom)?;
                    let hlc = Hlc {
                        wall_ms,
                        counter: u32::try_from(counter).map_err(A::Error::custom)?,
                        node: u64::from_str_radix(&node, 16).map_err(A::Error::custom)?,
                    };
                    let bits = u32::try_from(bits).map_err(A::Error::custom)?;
                    let other = group.map(Part::text).collect::<Result<Vec<_>, _>>();
                    let other = other.map_err(A::Error::custom)?;
                    insert_bit_group(&mut fields, hlc, bits, &CUSTOMER_FIELDS, other);
                }
                None => return Err(A::Error::custom("an empty version group")),
            }
        }
        Ok(FieldVersions(fields))
    }
}

/// An element of a version group: text (an HLC, a field, a node) or a whole number.
enum Part {
    Text(String),
    Number(u64),
}

impl Part {
    fn text(self) -> Result<String, &'static str> {
        match self {
            Part::Text(text) => Ok(text),
            Part::Number(_) => Err("a number where a version group has text"),
        }
    }

    fn number(self) -> Result<u64, &'static str> {
        match self {
            Part::Number(n) => Ok(n),
            Part::Text(_) => Err("text where a version group has a number"),
        }
    }
}

impl<'de> Deserialize<'de> for Part {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PartVisitor)
    }
}

struct PartVisitor;

impl Visitor<'_> for PartVisitor {
    type Value = Part;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("text or a whole number")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Part, E> {
        Ok(Part::Text(v.to_string()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Part, E> {
        Ok(Part::Text(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Part, E> {
        Ok(Part::Number(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Part, E> {
        u64::try_from(v).map(Part::Number).map_err(E::custom)
    }

    /// JS numbers arrive as floats.
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Part, E> {
        if v.fract() == 0.0 && (0.0..9_007_199_254_740_992.0).contains(&v) {
            Ok(Part::Number(v as u64))
        } else {
            Err(E::custom(format!(
                "{v} is not a whole number of a version group"
            )))
        }
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
    fn a_customers_versions_are_numbers_and_a_bit_set() {
        let customer = crm_core::Customer::new(uuid::Uuid::from_u128(7), "Wang Fang", 1);
        let fields = serde_json::to_value(&customer).unwrap();
        let names: Vec<&String> = fields.as_object().unwrap().keys().collect();
        for name in &names {
            assert!(
                CUSTOMER_FIELDS.contains(&name.as_str()),
                "{name} has no bit"
            );
        }
        let edit = Hlc {
            wall_ms: 1_764_000_000_123,
            counter: 4,
            node: u64::MAX - 1,
        };
        let mut versions: BTreeMap<String, Hlc> = names
            .iter()
            .map(|name| (name.to_string(), hlc(1)))
            .collect();
        versions.insert("phone".into(), edit);
        versions.insert("loyalty_tier".into(), edit);
        let record = Record { versions };
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(
            json["versions"][1],
            serde_json::json!([
                1_764_000_000_123u64,
                4,
                "fffffffffffffffe",
                1 << 8,
                "loyalty_tier"
            ])
        );
        assert_eq!(json["versions"][0][2], "0000000000000abc");
        assert_eq!(serde_json::from_value::<Record>(json).unwrap(), record);
        let js = serde_wasm_bindgen::to_value(&record).unwrap();
        assert_eq!(
            serde_wasm_bindgen::from_value::<Record>(js).unwrap(),
            record
        );
        let short = serde_json::json!({ "versions": [[5, 0, "abc"]] });
        let err = serde_json::from_value::<Record>(short)
            .unwrap_err()
            .to_string();
        assert!(err.contains("a short version group"), "{err}");
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
