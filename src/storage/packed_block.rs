//! A customer's first timeline block (`records::EmbeddedBlock`) as compact binary.
//!
//! A first sync of a large account stores a million interactions, and what the browser's
//! storage thread pays for is mostly bytes: it writes them, then rewrites them as it
//! compacts its files. As LZ4-compressed JSON (`json_field`) an interaction took about
//! 100 bytes and its field versions about 55 (measured on M: 10.2 and 5.5 MB of 23.2 MB
//! of customer records). Here an interaction is its fields in a fixed order in
//! [postcard](https://docs.rs/postcard) (ids as 16 bytes, times as numbers), and its
//! versions are the HLCs as numbers with the fields each one wrote as a bit set, keyed by
//! the interaction's position in the block rather than its id: about 62 and 8 bytes,
//! LZ4-compressed.
//!
//! Both fields start with [`PACKED`]; bytes written before (LZ4 JSON, plain JSON) still
//! read. The layout is this module's structs, not `Interaction`'s: a field added to the
//! domain type does not compile here until this layout says how it is stored (and a new
//! layout needs a new first byte). `scripts/bench-segment.mjs` reads it too.

use std::{borrow::Cow, collections::BTreeMap, collections::HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use crm_core::{Hlc, Interaction, InteractionKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::versions_field::{bit_groups, insert_bit_group, Versions};

/// First byte of packed bytes (JSON starts with `[` or `{`, LZ4 JSON with 0x04).
pub const PACKED: u8 = 0x05;

/// Interaction fields in the order of the versions' bit set. Versions name fields as
/// the wire does (`change::field_diff` of an interaction); other names are kept as text.
const FIELDS: [&str; 12] = [
    "customer_id",
    "kind",
    "at",
    "summary",
    "outcome",
    "amount_minor",
    "currency",
    "items",
    "next_visit",
    "campaign_id",
    "_deleted",
    "id",
];

/// One interaction as stored.
#[derive(Serialize, Deserialize)]
struct PackedInteraction<'a> {
    id: Uuid,
    customer_id: Uuid,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    /// Seconds since 1970 of the naive local time, and the nanoseconds within it.
    at_s: i64,
    at_ns: u32,
    #[serde(borrow)]
    summary: Cow<'a, str>,
    #[serde(borrow)]
    outcome: Cow<'a, str>,
    amount_minor: Option<i64>,
    #[serde(borrow)]
    currency: Cow<'a, str>,
    items: Option<u32>,
    /// Days since 0001-01-01 (`NaiveDate::num_days_from_ce`).
    next_visit: Option<i32>,
    campaign_id: Option<Uuid>,
    deleted: bool,
}

/// The versions of one interaction.
#[derive(Serialize, Deserialize)]
struct PackedEntry<'a> {
    /// Position of the interaction in the block, or its id when it is not there.
    #[serde(borrow)]
    key: PackedKey<'a>,
    groups: Vec<PackedGroup<'a>>,
}

#[derive(Serialize, Deserialize)]
enum PackedKey<'a> {
    Item(u32),
    #[serde(borrow)]
    Other(Cow<'a, str>),
}

/// The fields one HLC wrote.
#[derive(Serialize, Deserialize)]
struct PackedGroup<'a> {
    wall_ms: u64,
    counter: u32,
    node: u64,
    /// Bit `n` for `FIELDS[n]`.
    fields: u16,
    /// Fields outside [`FIELDS`].
    #[serde(borrow)]
    other: Vec<Cow<'a, str>>,
}

/// The block's interactions as packed bytes.
pub fn interactions_to_bytes(items: &[Interaction]) -> Result<Vec<u8>, String> {
    let packed: Vec<PackedInteraction> = items.iter().map(pack_interaction).collect();
    let bytes = postcard::to_allocvec(&packed).map_err(|e| e.to_string())?;
    Ok(super::json_field::compress_marked(PACKED, &bytes))
}

/// Reads interactions written by [`interactions_to_bytes`] or as JSON before.
pub fn interactions_from_bytes(bytes: &[u8]) -> Result<Vec<Interaction>, String> {
    let Some((&PACKED, compressed)) = bytes.split_first() else {
        return super::json_field::from_bytes(bytes);
    };
    let raw = super::json_field::decompress(compressed)?;
    let packed: Vec<PackedInteraction> = postcard::from_bytes(&raw).map_err(|e| e.to_string())?;
    packed.into_iter().map(unpack_interaction).collect()
}

/// The versions of `items` (and of any id not among them) as packed bytes.
pub fn versions_to_bytes(versions: &Versions, items: &[Interaction]) -> Result<Vec<u8>, String> {
    let position: HashMap<Uuid, u32> = items
        .iter()
        .enumerate()
        .map(|(n, i)| (i.id, n as u32))
        .collect();
    let entries: Vec<PackedEntry> = versions
        .iter()
        .map(|(id, fields)| PackedEntry {
            key: match Uuid::parse_str(id).ok().and_then(|u| position.get(&u)) {
                Some(&n) if items[n as usize].id.to_string() == *id => PackedKey::Item(n),
                _ => PackedKey::Other(Cow::Borrowed(id)),
            },
            groups: pack_groups(fields),
        })
        .collect();
    let bytes = postcard::to_allocvec(&entries).map_err(|e| e.to_string())?;
    Ok(super::json_field::compress_marked(PACKED, &bytes))
}

/// Reads versions written by [`versions_to_bytes`] (for the same `items`) or before.
pub fn versions_from_bytes(bytes: &[u8], items: &[Interaction]) -> Result<Versions, String> {
    let Some((&PACKED, compressed)) = bytes.split_first() else {
        return super::versions_field::from_bytes(bytes);
    };
    let raw = super::json_field::decompress(compressed)?;
    let entries: Vec<PackedEntry> = postcard::from_bytes(&raw).map_err(|e| e.to_string())?;
    entries
        .into_iter()
        .map(|entry| {
            let id = match entry.key {
                PackedKey::Item(n) => items
                    .get(n as usize)
                    .ok_or_else(|| format!("versions name interaction {n} of {}", items.len()))?
                    .id
                    .to_string(),
                PackedKey::Other(id) => id.into_owned(),
            };
            Ok((id, unpack_groups(entry.groups)))
        })
        .collect()
}

fn pack_interaction(i: &Interaction) -> PackedInteraction<'_> {
    // Every field by name: one added to `Interaction` stops this compiling.
    let Interaction {
        id,
        customer_id,
        kind,
        at,
        summary,
        outcome,
        amount_minor,
        currency,
        items,
        next_visit,
        campaign_id,
        deleted,
    } = i;
    let utc = at.and_utc();
    PackedInteraction {
        id: *id,
        customer_id: *customer_id,
        kind: Cow::Borrowed(kind.as_str()),
        at_s: utc.timestamp(),
        at_ns: utc.timestamp_subsec_nanos(),
        summary: Cow::Borrowed(summary),
        outcome: Cow::Borrowed(outcome),
        amount_minor: *amount_minor,
        currency: Cow::Borrowed(currency),
        items: *items,
        next_visit: next_visit.map(|d| chrono::Datelike::num_days_from_ce(&d)),
        campaign_id: *campaign_id,
        deleted: *deleted,
    }
}

fn unpack_interaction(p: PackedInteraction) -> Result<Interaction, String> {
    let kind = InteractionKind::parse(&p.kind)
        .ok_or_else(|| format!("{:?} is not an interaction kind", p.kind))?;
    let at: NaiveDateTime = DateTime::from_timestamp(p.at_s, p.at_ns)
        .ok_or_else(|| format!("{}.{} s is not a time", p.at_s, p.at_ns))?
        .naive_utc();
    let next_visit = match p.next_visit {
        Some(days) => Some(
            NaiveDate::from_num_days_from_ce_opt(days)
                .ok_or_else(|| format!("day {days} is not a date"))?,
        ),
        None => None,
    };
    Ok(Interaction {
        id: p.id,
        customer_id: p.customer_id,
        kind,
        at,
        summary: p.summary.into_owned(),
        outcome: p.outcome.into_owned(),
        amount_minor: p.amount_minor,
        currency: p.currency.into_owned(),
        items: p.items,
        next_visit,
        campaign_id: p.campaign_id,
        deleted: p.deleted,
    })
}

/// One interaction's field versions grouped by HLC (usually one group: every field
/// written by one edit).
fn pack_groups(fields: &BTreeMap<String, Hlc>) -> Vec<PackedGroup<'_>> {
    bit_groups(fields, &FIELDS)
        .into_iter()
        .map(|group| PackedGroup {
            wall_ms: group.hlc.wall_ms,
            counter: group.hlc.counter,
            node: group.hlc.node,
            // FIELDS has at most 16 names (checked below).
            fields: group.bits as u16,
            other: group.other.into_iter().map(Cow::Borrowed).collect(),
        })
        .collect()
}

const _: () = assert!(FIELDS.len() <= 16);

fn unpack_groups(groups: Vec<PackedGroup>) -> BTreeMap<String, Hlc> {
    let mut fields = BTreeMap::new();
    for group in groups {
        let hlc = Hlc {
            wall_ms: group.wall_ms,
            counter: group.counter,
            node: group.node,
        };
        let other = group.other.into_iter().map(Cow::into_owned);
        insert_bit_group(&mut fields, hlc, group.fields.into(), &FIELDS, other);
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::json_field::compress_marked;
    use crm_core::demo::{Demo, Size, DEMO_SEED};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn hlc(wall_ms: u64, node: u64) -> Hlc {
        Hlc {
            wall_ms,
            counter: 7,
            node,
        }
    }

    /// Two customers' worth of demo interactions with every optional field exercised.
    fn sample() -> Vec<Interaction> {
        let demo = Demo::new(
            Size::S,
            DEMO_SEED,
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        );
        let mut items: Vec<Interaction> = demo.range(0..2).flat_map(|c| c.interactions).collect();
        let first = &mut items[0];
        first.next_visit = NaiveDate::from_ymd_opt(2027, 1, 15);
        first.campaign_id = Some(Uuid::from_u128(42));
        first.deleted = true;
        first.items = Some(3);
        first.summary = "复购：上海 → 成都 機票".into();
        first.at = NaiveDate::from_ymd_opt(1969, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 58, 250_000_000)
            .unwrap();
        items
    }

    fn versions_of(items: &[Interaction]) -> Versions {
        items
            .iter()
            .enumerate()
            .map(|(n, i)| {
                let fields = ["at", "customer_id", "kind", "summary", "amount_minor"]
                    .map(|f| (f.to_string(), hlc(1_764_000_000_000 + n as u64, 0xfeed)));
                (i.id.to_string(), fields.into_iter().collect())
            })
            .collect()
    }

    /// [`versions_of`] plus a later edit by another device, a field this build does not
    /// know, and an id that is not in the block.
    fn unusual_versions_of(items: &[Interaction]) -> Versions {
        let mut versions = versions_of(items);
        let first = versions.get_mut(&items[0].id.to_string()).unwrap();
        first.insert("outcome".into(), hlc(1_765_000_000_000, u64::MAX));
        first.insert("loyalty_tier".into(), hlc(1_765_000_000_000, u64::MAX));
        versions.insert(
            "not-a-uuid".into(),
            [("kind".to_string(), hlc(5, 6))].into(),
        );
        versions
    }

    #[wasm_bindgen_test]
    fn a_block_round_trips_exactly() {
        let items = sample();
        let versions = unusual_versions_of(&items);
        let item_bytes = interactions_to_bytes(&items).unwrap();
        let version_bytes = versions_to_bytes(&versions, &items).unwrap();
        assert_eq!((item_bytes[0], version_bytes[0]), (PACKED, PACKED));
        let back = interactions_from_bytes(&item_bytes).unwrap();
        assert_eq!(back, items);
        assert_eq!(
            versions_from_bytes(&version_bytes, &back).unwrap(),
            versions
        );
    }

    #[wasm_bindgen_test]
    fn blocks_written_as_lz4_json_still_read() {
        let items = sample();
        let json = serde_json::to_vec(&items).unwrap();
        assert_eq!(
            interactions_from_bytes(&compress_marked(0x04, &json)).unwrap(),
            items
        );
        assert_eq!(interactions_from_bytes(&json).unwrap(), items, "plain JSON");
        let id = items[1].id;
        let wire = hlc(9, 1).to_string();
        let grouped = format!(r#"{{"{id}":[["{wire}","kind","at"]]}}"#);
        let versions =
            versions_from_bytes(&compress_marked(0x04, grouped.as_bytes()), &items).unwrap();
        assert_eq!(
            versions,
            Versions::from([(
                id.to_string(),
                [
                    ("at".to_string(), hlc(9, 1)),
                    ("kind".to_string(), hlc(9, 1))
                ]
                .into()
            )])
        );
    }

    #[wasm_bindgen_test]
    fn a_demo_block_takes_under_half_the_bytes_of_lz4_json() {
        // What `pull_l` stores a million of: a customer's interactions, one HLC each.
        let demo = Demo::new(
            Size::M,
            DEMO_SEED,
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        );
        let (mut packed, mut json) = (0, 0);
        for customer in demo.range(0..200) {
            let items = customer.interactions;
            let versions = versions_of(&items);
            packed += interactions_to_bytes(&items).unwrap().len()
                + versions_to_bytes(&versions, &items).unwrap().len();
            let grouped: BTreeMap<&String, Vec<Vec<String>>> = versions
                .iter()
                .map(|(id, fields)| {
                    let hlc = fields.values().next().unwrap().to_string();
                    (
                        id,
                        vec![std::iter::once(hlc).chain(fields.keys().cloned()).collect()],
                    )
                })
                .collect();
            json += compress_marked(0x04, &serde_json::to_vec(&items).unwrap()).len()
                + compress_marked(0x04, &serde_json::to_vec(&grouped).unwrap()).len();
        }
        assert!(
            packed * 2 < json,
            "{packed} bytes packed, {json} as LZ4 JSON"
        );
    }

    #[wasm_bindgen_test]
    fn damaged_bytes_are_an_error() {
        let items = sample();
        let bytes = interactions_to_bytes(&items).unwrap();
        assert!(
            interactions_from_bytes(&bytes[..bytes.len() / 2]).is_err(),
            "cut"
        );
        let versions = versions_to_bytes(&unusual_versions_of(&items), &items).unwrap();
        let err = versions_from_bytes(&versions, &items[..1]).unwrap_err();
        assert!(err.contains("versions name interaction"), "{err}");
        let mut wrong_kind = vec![1u8];
        wrong_kind.extend(postcard::to_allocvec(&pack_interaction(&items[1])).unwrap());
        let text = postcard::to_allocvec(&items[1].kind.as_str()).unwrap();
        let at = wrong_kind
            .windows(text.len())
            .position(|w| w == text)
            .expect("the kind is stored as its name");
        wrong_kind[at + 1] = b'X';
        let err = interactions_from_bytes(&compress_marked(PACKED, &wrong_kind)).unwrap_err();
        assert!(err.contains("is not an interaction kind"), "{err}");
    }
}
