//! The outbox: pending field changes keyed by the engine's sequence number (push order).
//! Written only inside the same transaction as the record they describe.
//!
//! Two record shapes share the store. An ordinary edit writes one [`OutboxEntry`] per
//! changed field, keyed by its sequence number. A bulk write (an import of 100,000 rows
//! is ~800,000 field changes) writes [`OutboxBatch`] records instead: one IndexedDB record
//! holding many sequence numbers' changes as one JSON string, keyed by its first sequence
//! number. IndexedDB's cost is per record, so this turns ~800k puts into ~100 (see
//! `storage::bulk`). Readers flatten both shapes; [`Store::remove_outbox`] and
//! [`Store::restamp`] rewrite a batch partially. Because `count()` sees a batch as one
//! record, the meta value [`BATCHED_EXTRA`] holds Σ(changes − 1) over batches, kept in the
//! same transaction as every batch write, so [`Store::pending_count`] stays the number of
//! changes without reading them.

use std::collections::{BTreeMap, BTreeSet};

use crm_core::{
    change::Entity,
    sync::{Pending, Restamp},
    Hlc,
};
use indexed_db_futures::{
    object_store::ObjectStore, prelude::*, transaction::TransactionMode, KeyRange,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    meta,
    records::OutboxEntry,
    schema::{META, OUTBOX},
    stamp::Stamped,
    Store, StoreError,
};

/// Meta key: Σ(changes − 1) over the batch records (see the module docs).
pub const BATCHED_EXTRA: &str = "outbox_batched_extra";

/// Largest spread of sequence numbers one batch record may hold: a batch keyed `k` only
/// holds sequence numbers in `k..k + BATCH_SPAN`, so the batch holding any `seq` is found
/// with one key-range read.
pub const BATCH_SPAN: u64 = 50_000;

/// Many changes in one outbox record (bulk writes); keyed by its first sequence number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxBatch {
    /// How many changes `batch` holds.
    pub n: u32,
    /// JSON of the changes grouped by edit, ascending by seq: `[[first_seq, entity, id,
    /// hlc, [[field, value], …], bases], …]` (`bases`: each field's `base`, or `null`
    /// when none has one; older batches lack it), one group per run of consecutive sequence numbers
    /// of one record with one HLC (one stamped edit), so the id and HLC are written once
    /// per edit, not once per field. A string because IndexedDB clones one string far
    /// faster than thousands of small objects.
    pub batch: String,
}

/// One stamped edit inside a batch (see [`OutboxBatch::batch`]).
#[derive(Serialize)]
struct GroupRef<'a>(
    u64,
    Entity,
    &'a str,
    Hlc,
    Vec<(&'a str, &'a Value)>,
    Option<Vec<Option<Hlc>>>,
);

impl<'a> GroupRef<'a> {
    /// Appends one field of the edit; `bases` appears with the first field that has one.
    fn add(&mut self, e: &'a OutboxEntry) {
        let GroupRef(_, _, _, _, fields, bases) = self;
        if e.base.is_some() && bases.is_none() {
            *bases = Some(vec![None; fields.len()]);
        }
        if let Some(bases) = bases {
            bases.push(e.base);
        }
        fields.push((&e.field, &e.value));
    }
}

#[derive(Deserialize)]
struct Group(
    u64,
    Entity,
    String,
    Hlc,
    Vec<(String, Value)>,
    #[serde(default)] Option<Vec<Option<Hlc>>>,
);

impl OutboxBatch {
    fn encode(entries: &[(u64, OutboxEntry)]) -> Result<Self, StoreError> {
        let mut groups: Vec<GroupRef<'_>> = Vec::new();
        for (seq, e) in entries {
            match groups.last_mut() {
                Some(group @ GroupRef(..))
                    if group.1 == e.entity
                        && group.2 == e.id
                        && group.3 == e.hlc
                        && group.0 + group.4.len() as u64 == *seq =>
                {
                    group.add(e)
                }
                _ => {
                    let mut group = GroupRef(*seq, e.entity, &e.id, e.hlc, Vec::new(), None);
                    group.add(e);
                    groups.push(group);
                }
            }
        }
        Ok(OutboxBatch {
            n: entries.len() as u32,
            batch: serde_json::to_string(&groups).map_err(|e| StoreError::Other(e.to_string()))?,
        })
    }

    fn entries(&self) -> Result<Vec<(u64, OutboxEntry)>, StoreError> {
        let groups: Vec<Group> =
            serde_json::from_str(&self.batch).map_err(|e| StoreError::Other(e.to_string()))?;
        let mut out = Vec::with_capacity(self.n as usize);
        for Group(first, entity, id, hlc, fields, bases) in groups {
            for (i, (field, value)) in fields.into_iter().enumerate() {
                let entry = OutboxEntry {
                    entity,
                    id: id.clone(),
                    field,
                    value,
                    hlc,
                    base: bases.as_ref().and_then(|b| b.get(i).copied().flatten()),
                };
                out.push((first + i as u64, entry));
            }
        }
        Ok(out)
    }
}

/// One stored outbox record: a batch or a single change.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OutboxRecord {
    Batch(OutboxBatch),
    Single(OutboxEntry),
}

/// Adds `delta` to the [`BATCHED_EXTRA`] counter (inside the caller's transaction).
async fn add_extra(meta_store: &ObjectStore<'_>, delta: i64) -> Result<(), StoreError> {
    if delta == 0 {
        return Ok(());
    }
    let extra: i64 = meta::get(meta_store, BATCHED_EXTRA).await?.unwrap_or(0);
    meta::put(meta_store, BATCHED_EXTRA, &(extra + delta).max(0)).await
}

/// Writes many stamped changes as batch records plus the clock, inside the caller's
/// transaction (which must include the outbox and meta stores). Batches are added, never
/// put, so a sequence number that is somehow already stored aborts the whole transaction
/// instead of overwriting another change.
pub(crate) async fn write_batch(
    outbox: &ObjectStore<'_>,
    meta_store: &ObjectStore<'_>,
    pending: &[Pending],
    clock: &crm_core::Clock,
) -> Result<(), StoreError> {
    let extra = add_batches(outbox, pending)?;
    add_extra(meta_store, extra).await?;
    let stored: Option<crm_core::Clock> = meta::get(meta_store, meta::CLOCK).await?;
    put_newer_clock(meta_store, stored, clock)
}

/// Keeps the newest clock: the import worker writes from its own connection, and an
/// ordinary edit on the page may have stored a later clock meanwhile. Issues the put
/// without waiting for it.
pub(crate) fn put_newer_clock(
    meta_store: &ObjectStore<'_>,
    stored: Option<crm_core::Clock>,
    clock: &crm_core::Clock,
) -> Result<(), StoreError> {
    if stored.is_none_or(|s| s.last <= clock.last) {
        meta_store
            .put(clock)
            .with_key(meta::CLOCK.to_string())
            .serde()?;
    }
    Ok(())
}

/// Issues the `add`s of `pending` as batch records (without waiting for them) and
/// returns how much [`BATCHED_EXTRA`] grows.
pub(crate) fn add_batches(
    outbox: &ObjectStore<'_>,
    pending: &[Pending],
) -> Result<i64, StoreError> {
    let mut sorted: Vec<&Pending> = pending.iter().collect();
    sorted.sort_by_key(|p| p.seq);
    let mut extra = 0i64;
    let mut group: Vec<(u64, OutboxEntry)> = Vec::new();
    let mut groups = Vec::new();
    for p in sorted {
        if group
            .first()
            .is_some_and(|(first, _)| p.seq >= first + BATCH_SPAN)
        {
            groups.push(std::mem::take(&mut group));
        }
        group.push((p.seq, OutboxEntry::from(&p.change)));
    }
    groups.push(group);
    for group in groups.into_iter().filter(|g| !g.is_empty()) {
        let key = group[0].0 as f64;
        if group.len() == 1 {
            outbox.add(&group[0].1).with_key(key).serde()?;
        } else {
            extra += group.len() as i64 - 1;
            outbox
                .add(&OutboxBatch::encode(&group)?)
                .with_key(key)
                .serde()?;
        }
    }
    Ok(extra)
}

/// The records that may hold any of `seqs` (sorted): keys in
/// `min − BATCH_SPAN + 1 ..= max`, with their keys.
async fn records_covering(
    store: &ObjectStore<'_>,
    seqs: &BTreeSet<u64>,
) -> Result<Vec<(u64, OutboxRecord)>, StoreError> {
    let (Some(&min), Some(&max)) = (seqs.first(), seqs.last()) else {
        return Ok(Vec::new());
    };
    let low = min.saturating_sub(BATCH_SPAN - 1) as f64;
    let range = || KeyRange::Bound(low, false, max as f64, false);
    let keys: Vec<f64> = store
        .get_all_keys::<f64>()
        .with_query::<f64, _>(range())
        .primitive()?
        .await?
        .collect::<Result<_, _>>()?;
    let values: Vec<OutboxRecord> = store
        .get_all()
        .with_query::<f64, _>(range())
        .serde()?
        .await?
        .collect::<Result<_, _>>()?;
    Ok(keys.into_iter().map(|k| k as u64).zip(values).collect())
}

/// Writes stamped entries and the clock (inside the caller's transaction).
pub async fn write(
    outbox: &ObjectStore<'_>,
    meta_store: &ObjectStore<'_>,
    stamped: &Stamped,
) -> Result<(), StoreError> {
    for p in &stamped.pending {
        outbox
            .put(&OutboxEntry::from(&p.change))
            .with_key(p.seq as f64)
            .serde()?
            .await?;
    }
    meta::put(meta_store, meta::CLOCK, &stamped.clock).await?;
    Ok(())
}

impl Store {
    /// Number of changes not yet pushed (the sync badge's "N pending"): records plus the
    /// extra changes batch records hold.
    pub async fn pending_count(&self) -> Result<u32, StoreError> {
        let tx = self.db.transaction([OUTBOX, META]).build()?;
        let n = tx.object_store(OUTBOX)?.count().primitive()?.await?;
        let extra: i64 = meta::get(&tx.object_store(META)?, BATCHED_EXTRA)
            .await?
            .unwrap_or(0);
        Ok(n + extra.max(0) as u32)
    }

    /// Every pending change, oldest first.
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        Ok(self
            .outbox_pending()
            .await?
            .into_iter()
            .map(|p| OutboxEntry::from(&p.change))
            .collect())
    }

    /// Every pending change with its sequence number, for the sync engine.
    pub async fn outbox_pending(&self) -> Result<Vec<Pending>, StoreError> {
        let tx = self.db.transaction(OUTBOX).build()?;
        let store = tx.object_store(OUTBOX)?;
        let keys: Vec<f64> = store
            .get_all_keys::<f64>()
            .primitive()?
            .await?
            .collect::<Result<_, _>>()?;
        let values: Vec<OutboxRecord> =
            store.get_all().serde()?.await?.collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(values.len());
        for (key, record) in keys.into_iter().zip(values) {
            let entries = match record {
                OutboxRecord::Single(entry) => vec![(key as u64, entry)],
                OutboxRecord::Batch(batch) => batch.entries()?,
            };
            out.extend(entries.into_iter().filter_map(|(seq, entry)| {
                entry.into_change().map(|change| Pending { seq, change })
            }));
        }
        Ok(out)
    }

    /// Drops entries the server answered for (or that lost, or were rejected); batch
    /// records lose just those changes (and go when empty).
    pub async fn remove_outbox(&self, seqs: &[u64]) -> Result<(), StoreError> {
        self.first_pull.stop();
        let tx = self
            .db
            .transaction([OUTBOX, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let store = tx.object_store(OUTBOX)?;
        let wanted: BTreeSet<u64> = seqs.iter().copied().collect();
        let mut extra = 0i64;
        for (key, record) in records_covering(&store, &wanted).await? {
            match record {
                OutboxRecord::Single(_) => {
                    if wanted.contains(&key) {
                        store.delete(key as f64).primitive()?.await?;
                    }
                }
                OutboxRecord::Batch(batch) => {
                    let entries = batch.entries()?;
                    let before = entries.len() as i64;
                    let kept: Vec<(u64, OutboxEntry)> = entries
                        .into_iter()
                        .filter(|(seq, _)| !wanted.contains(seq))
                        .collect();
                    let after = kept.len() as i64;
                    if after == before {
                        continue;
                    }
                    extra += (after - 1).max(0) - (before - 1);
                    if kept.is_empty() {
                        store.delete(key as f64).primitive()?.await?;
                    } else {
                        store
                            .put(&OutboxBatch::encode(&kept)?)
                            .with_key(key as f64)
                            .serde()?
                            .await?;
                    }
                }
            }
        }
        add_extra(&tx.object_store(META)?, extra).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Rewrites re-stamped entries after a `clock_skew` refusal, and moves each record
    /// field's version to the new HLC where it still holds the old one.
    pub async fn restamp(
        &self,
        restamps: &[Restamp],
        clock: &crm_core::Clock,
    ) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([
                OUTBOX,
                META,
                super::schema::CUSTOMERS,
                super::schema::TIMELINE,
                super::schema::SEGMENTS,
                super::schema::RECORDS,
            ])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let store = tx.object_store(OUTBOX)?;
        let by_seq: BTreeMap<u64, &Restamp> = restamps.iter().map(|r| (r.seq, r)).collect();
        let seqs: BTreeSet<u64> = by_seq.keys().copied().collect();
        let mut in_batches = BTreeSet::new();
        for (key, record) in records_covering(&store, &seqs).await? {
            let OutboxRecord::Batch(batch) = record else {
                continue;
            };
            let mut entries = batch.entries()?;
            let mut touched = false;
            for (seq, entry) in entries.iter_mut() {
                if let Some(r) = by_seq.get(seq) {
                    *entry = OutboxEntry::from(&r.change);
                    in_batches.insert(*seq);
                    touched = true;
                }
            }
            if touched {
                store
                    .put(&OutboxBatch::encode(&entries)?)
                    .with_key(key as f64)
                    .serde()?
                    .await?;
            }
        }
        for r in restamps.iter().filter(|r| !in_batches.contains(&r.seq)) {
            store
                .put(&OutboxEntry::from(&r.change))
                .with_key(r.seq as f64)
                .serde()?
                .await?;
        }
        super::remote::restamp_versions(&tx, restamps).await?;
        meta::put(&tx.object_store(META)?, meta::CLOCK, clock).await?;
        tx.commit().await?;
        Ok(())
    }
}
