//! Customer search without an index entry per search key.
//!
//! A multi-entry IndexedDB index over every key (about eleven per customer, most of
//! them CJK suffixes) was the largest cost of storing a first sync. Instead, each live
//! customer's search entry is one line of a search block (`crm_core::search::block`,
//! about a thousand lines to a block) in the `search` store, and a search scans the
//! blocks in memory. The store's key for a block is its number and a random stamp that
//! changes on every write ([`block_key`]), so a search reads the keys alone and then only
//! the blocks changed since it last read them ([`SearchCache`]).
//!
//! Each customer record remembers its block and line ([`SearchSlot`]), so a write that
//! leaves its search fields alone (a new interaction, a merged version) costs nothing
//! here, and an edit rewrites one block. New customers go to the last block until it is
//! full.

use std::collections::{BTreeMap, BTreeSet};

use crm_core::search::{
    block::{first_hits, line, SearchBlock},
    SearchEntry, SearchQuery,
};
use indexed_db_futures::{object_store::ObjectStore, prelude::*};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};

use super::{records::CustomerRecord, schema::SEARCH, Store, StoreError};

/// Where a customer's search line is stored, and a hash of the line (to tell whether a
/// write changes it without reading the block). The hash, not the line: the line was
/// 6% of a stored customer (M: 0.9 of 14.5 MB), and a first sync writes 100,000.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchSlot {
    pub block: u32,
    /// [`line_hash`] of the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<f64>,
    /// The line itself, as records written before `hash` hold it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
}

impl SearchSlot {
    fn new(block: u32, line: &str) -> Self {
        SearchSlot {
            block,
            hash: Some(line_hash(line)),
            line: None,
        }
    }

    /// Whether the stored line is `line` (a slot with neither hash nor line never is).
    fn holds(&self, line: &str) -> bool {
        match (self.hash, &self.line) {
            (Some(hash), _) => hash == line_hash(line),
            (None, Some(stored)) => stored == line,
            (None, None) => false,
        }
    }
}

/// XXH3 of a line, its top 52 bits as a number (exact in a JS number, as IndexedDB
/// stores it). Two different lines share one with odds of 1 in 2^52; then the block
/// keeps the old line until the customer's next change.
fn line_hash(line: &str) -> f64 {
    (xxhash_rust::xxh3::xxh3_64(line.as_bytes()) >> 12) as f64
}

/// Keys of one block per stamp: block numbers sit above the low 32 bits.
const STAMPS: f64 = 4_294_967_296.0;

/// The store key of a block at a stamp (exact: below 2^53).
fn block_key(block: u32, stamp: u32) -> f64 {
    f64::from(block) * STAMPS + f64::from(stamp)
}

/// Block number and stamp of a store key.
fn split_key(key: f64) -> (u32, u32) {
    ((key / STAMPS).floor() as u32, (key % STAMPS) as u32)
}

/// A random stamp other than `old` (an unchanged stamp would hide the write from every
/// search cache holding the block).
fn new_stamp(old: Option<u32>) -> u32 {
    let stamp = (js_sys::Math::random() * STAMPS) as u32;
    match old == Some(stamp) {
        true => stamp.wrapping_add(1),
        false => stamp,
    }
}

fn block_from_js(value: JsValue) -> Result<SearchBlock, StoreError> {
    let bytes = value
        .dyn_into::<js_sys::Uint8Array>()
        .map_err(|_| StoreError::Other("a search block is not bytes".into()))?
        .to_vec();
    let text = String::from_utf8(bytes)
        .map_err(|_| StoreError::Other("a search block is not UTF-8".into()))?;
    Ok(SearchBlock::from_text(text))
}

/// Every block's key, by block number.
async fn block_keys(search: &ObjectStore<'_>) -> Result<BTreeMap<u32, f64>, StoreError> {
    let keys = search.get_all_keys::<f64>().primitive()?.await?;
    let mut by_block = BTreeMap::new();
    for key in keys {
        let key = key?;
        by_block.insert(split_key(key).0, key);
    }
    Ok(by_block)
}

/// The line a record should have in search (`None` for a deleted customer).
fn wanted_line(record: &CustomerRecord) -> Option<String> {
    SearchEntry::of(&record.customer).map(|entry| line(record.customer.id, &entry))
}

/// Keeps the search blocks of one readwrite transaction current with the customer
/// records it writes: [`place`](Self::place) before the records are put, then
/// [`finish`](Self::finish) once, which puts every changed block.
#[derive(Default)]
pub(crate) struct SearchWriter {
    /// Keys of the stored blocks, read on first need.
    keys: Option<BTreeMap<u32, f64>>,
    blocks: BTreeMap<u32, SearchBlock>,
    dirty: BTreeSet<u32>,
}

impl SearchWriter {
    /// Updates `records`' search slots and the blocks they name; only records whose line
    /// changed cost anything.
    pub async fn place<'r>(
        &mut self,
        search: &ObjectStore<'_>,
        records: impl IntoIterator<Item = &'r mut CustomerRecord>,
    ) -> Result<(), StoreError> {
        let work: Vec<(&mut CustomerRecord, Option<String>)> = records
            .into_iter()
            .filter_map(|record| {
                let line = wanted_line(record);
                let same = match (&record.search, &line) {
                    (Some(slot), Some(line)) => slot.holds(line),
                    (None, None) => true,
                    _ => false,
                };
                (!same).then_some((record, line))
            })
            .collect();
        if work.is_empty() {
            return Ok(());
        }
        if self.keys.is_none() {
            self.keys = Some(block_keys(search).await?);
        }
        let keys = self.keys.as_ref().expect("read above");
        // The last block, when a new line may go there.
        let tail = keys.keys().next_back().copied().filter(|_| {
            work.iter()
                .any(|(r, line)| r.search.is_none() && line.is_some())
        });
        let needed: BTreeSet<u32> = work
            .iter()
            .filter_map(|(record, _)| record.search.as_ref().map(|slot| slot.block))
            .chain(tail)
            .filter(|block| !self.blocks.contains_key(block) && keys.contains_key(block))
            .collect();
        let mut requests = Vec::with_capacity(needed.len());
        for block in needed {
            requests.push((
                block,
                search.get::<JsValue, _, _>(keys[&block]).primitive()?,
            ));
        }
        for (block, request) in requests {
            let text = match request.await? {
                Some(value) => block_from_js(value)?,
                None => SearchBlock::default(),
            };
            self.blocks.insert(block, text);
        }
        for (record, line) in work {
            let id = record.customer.id;
            let home = record.search.take().map(|slot| slot.block);
            let block = match (home, &line) {
                (Some(block), _) => {
                    let changed = self
                        .blocks
                        .entry(block)
                        .or_default()
                        .set(id, line.as_deref());
                    if changed {
                        self.dirty.insert(block);
                    }
                    block
                }
                (None, None) => continue,
                // A record without a slot has no line anywhere (the migration to blocks
                // starts from none), so a new line is appended without a lookup.
                (None, Some(line)) => {
                    let block = self.tail_with_room();
                    self.blocks.entry(block).or_default().push(line);
                    self.dirty.insert(block);
                    block
                }
            };
            record.search = line.map(|line| SearchSlot::new(block, &line));
        }
        Ok(())
    }

    /// The last block, or a new one after it when it is full.
    fn tail_with_room(&mut self) -> u32 {
        let stored = self.keys.iter().flat_map(|k| k.keys()).next_back();
        let loaded = self.blocks.keys().next_back();
        let Some(last) = stored.max(loaded).copied() else {
            return 0;
        };
        match self.blocks.get(&last).is_some_and(SearchBlock::is_full) {
            true => last + 1,
            false => last,
        }
    }

    /// Puts every changed block under a new stamp (not awaited: a failed put aborts the
    /// transaction, whose commit the caller awaits).
    pub fn finish(self, search: &ObjectStore<'_>) -> Result<(), StoreError> {
        let keys = self.keys.unwrap_or_default();
        for block in self.dirty {
            if let Some(old) = keys.get(&block) {
                search.delete(*old).primitive()?;
            }
            let text = &self.blocks[&block];
            if text.is_empty() {
                continue;
            }
            let bytes = js_sys::Uint8Array::from(text.text().as_bytes());
            let stamp = new_stamp(keys.get(&block).map(|key| split_key(*key).1));
            search
                .put(JsValue::from(bytes))
                .with_key(block_key(block, stamp))
                .primitive()?;
        }
        Ok(())
    }
}

/// Places `records` and puts their changed blocks (one writer for the whole call).
pub(crate) async fn place_all<'r>(
    search: &ObjectStore<'_>,
    records: impl IntoIterator<Item = &'r mut CustomerRecord>,
) -> Result<(), StoreError> {
    let mut writer = SearchWriter::default();
    writer.place(search, records).await?;
    writer.finish(search)
}

/// The blocks a search last read, by number, with the stamp each was read at. Shared by
/// the clones of one [`Store`].
#[derive(Default)]
pub struct SearchCache {
    blocks: BTreeMap<u32, (u32, SearchBlock)>,
}

impl Store {
    /// Brings the search cache up to date: reads the block keys, then only the blocks
    /// added or changed since the last search (another tab's writes included).
    pub async fn refresh_search(&self) -> Result<(), StoreError> {
        let tx = self.db.transaction(SEARCH).build()?;
        let search = tx.object_store(SEARCH)?;
        let keys = block_keys(&search).await?;
        let stale: Vec<(u32, f64)> = {
            let cache = self.search_cache.borrow();
            keys.iter()
                .filter(|(block, key)| {
                    cache.blocks.get(block).map(|(stamp, _)| *stamp) != Some(split_key(**key).1)
                })
                .map(|(block, key)| (*block, *key))
                .collect()
        };
        let mut requests = Vec::with_capacity(stale.len());
        for (block, key) in stale {
            requests.push((block, key, search.get::<JsValue, _, _>(key).primitive()?));
        }
        let mut loaded = Vec::with_capacity(requests.len());
        for (block, key, request) in requests {
            if let Some(value) = request.await? {
                loaded.push((block, split_key(key).1, block_from_js(value)?));
            }
        }
        let mut cache = self.search_cache.borrow_mut();
        cache.blocks.retain(|block, _| keys.contains_key(block));
        for (block, stamp, text) in loaded {
            cache.blocks.insert(block, (stamp, text));
        }
        Ok(())
    }

    /// Ids of the first `limit` customers matching `query`, in list order.
    pub(crate) async fn search_ids(
        &self,
        query: &SearchQuery,
        limit: usize,
    ) -> Result<Vec<Uuid>, StoreError> {
        self.refresh_search().await?;
        let cache = self.search_cache.borrow();
        let mut hits = Vec::new();
        for (_, block) in cache.blocks.values() {
            block.scan(query, &mut hits);
        }
        // Each id once, should a line ever be stored twice.
        let mut seen = std::collections::HashSet::new();
        hits.retain(|hit| seen.insert(hit.id));
        Ok(first_hits(hits, limit)
            .iter()
            .filter_map(|hit| Uuid::parse_str(hit.id).ok())
            .collect())
    }
}
