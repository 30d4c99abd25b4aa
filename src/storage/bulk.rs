//! Bulk writes and whole-database reads: import chunks, CSV export, the JSON backup and
//! its restore, and duplicate merges.
//!
//! Every write here is an ordinary local edit: each record's changed fields are stamped
//! through the sync engine ([`Stamp`]) and queued in the outbox in the same transaction as
//! the record, so imports, restores and merges sync like any edit. What differs from
//! `customers.rs` is the outbox shape: a transaction's changes go into
//! [`outbox::write_batch`] records, because one IndexedDB record per changed field (≈ 8 per
//! imported customer) made a 100,000-row import spend most of its time in per-record
//! IndexedDB overhead.

use std::collections::{BTreeMap, HashMap};

use crm_core::{
    change::{field_diff, Entity},
    import::{
        backup::{Backup, BackupError, BackupProblem, BackupWriter},
        dedupe::fill_empty_fields,
        merge_customers::{merge_customers, repoint_interactions, MergeError, MergePlan},
    },
    search::SearchQuery,
    sync::Pending,
    Aggregates, Clock, Customer, Interaction,
};
use indexed_db_futures::{
    object_store::ObjectStore, prelude::*, transaction::TransactionMode, KeyRange,
};
use serde_json::Value;
use uuid::Uuid;

use super::{
    customers::get_record,
    homes,
    js_objects::customer_objects,
    meta, outbox,
    records::{CustomerRecord, TimelineBlock},
    schema::{BY_COMPANY, BY_SORT, CUSTOMERS, META, OUTBOX, SEARCH, TIMELINE},
    search,
    stamp::{Stamp, Versions},
    timeline::{blocks_of, into_blocks, place, put_block},
    Now, Store, StoreError,
};

/// Meta key of the last column mapping the user started an import with, offered again
/// for the next file (`crm_core::import::mapping::guess_mapping`'s `remembered`).
pub const IMPORT_MAPPING: &str = "import_mapping";

/// Records written between two awaited requests inside one transaction: the event loop
/// gets a turn that often (input stays responsive) while the transaction stays alive.
const YIELD_EVERY: usize = 200;

/// What one import row does to the store.
#[derive(Debug, Clone)]
pub enum ImportWrite {
    /// A new customer.
    Create { customer: Customer },
    /// Fill the empty fields of the existing customer `target` from `incoming` (created
    /// as new when `target` no longer exists or was deleted).
    FillEmpty { target: Uuid, incoming: Customer },
}

/// A new customer whose edit the page's engine has stamped (see
/// [`Store::write_stamped`]).
#[derive(Debug, Clone, Copy)]
pub struct StampedCreate<'a> {
    /// The customer.
    pub customer: &'a Customer,
    /// Its changed fields, in the order they were stamped.
    pub fields: &'a [(String, Value)],
    /// The edit's HLC (one per edit).
    pub hlc: crm_core::Hlc,
    /// The sequence number of the first field; the others follow.
    pub first_seq: u64,
}

/// Which import a chunk belongs to and its place in it (see [`Store::write_stamped`]).
#[derive(Debug, Clone, Copy)]
pub struct ImportChain<'a> {
    /// An id for the whole import.
    pub import: &'a str,
    /// The chunk's number, from 0.
    pub chunk: u64,
}

/// Meta key: the last committed chunk of an import, `(import id, chunk)`.
pub const IMPORT_CHAIN: &str = "import_chain";

/// What one committed import chunk did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChunkReport {
    /// New customers.
    pub created: usize,
    /// Existing customers whose empty fields were filled.
    pub updated: usize,
    /// Rows that matched an existing customer with nothing to fill.
    pub unchanged: usize,
}

impl ChunkReport {
    /// Adds another chunk's counts.
    pub fn add(&mut self, other: ChunkReport) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

/// Why a restore or a merge did not happen. Nothing was written in every case.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BulkError {
    /// The store failed (quota, blocked…).
    #[error("{0}")]
    Store(StoreError),
    /// The backup file cannot be restored here (wrong file, newer, not an empty database).
    #[error("{0}")]
    Backup(BackupError),
    /// The backup is well-formed but inconsistent.
    #[error("the backup is inconsistent ({} problems)", .0.len())]
    BackupProblems(Vec<BackupProblem>),
    /// The merge is not possible (same customer, already deleted…).
    #[error("{0}")]
    Merge(MergeError),
}

impl From<StoreError> for BulkError {
    fn from(e: StoreError) -> Self {
        BulkError::Store(e)
    }
}

impl From<indexed_db_futures::error::Error> for BulkError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        BulkError::Store(e.into())
    }
}

impl From<indexed_db_futures::error::SerialisationError> for BulkError {
    fn from(e: indexed_db_futures::error::SerialisationError) -> Self {
        BulkError::Store(e.into())
    }
}

/// What a restore wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoreReport {
    /// Customers restored (tombstones included).
    pub customers: usize,
    /// Interactions restored.
    pub interactions: usize,
    /// Record types in the file this version cannot restore (left out).
    pub skipped_types: Vec<String>,
}

/// What a merge did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeReport {
    /// The customer that stays.
    pub survivor: Uuid,
    /// The customer now tombstoned with `merged_into` = survivor.
    pub retired: Uuid,
    /// Interactions moved to the survivor.
    pub moved: usize,
    /// Contacts whose company was re-pointed to the survivor.
    pub contacts: usize,
}

/// Changes stamped in one transaction, written as outbox batches at the end.
#[derive(Default)]
struct Stamps {
    pending: Vec<Pending>,
    clock: Option<Clock>,
}

impl Stamps {
    /// Stamps `fields` of one record (holding `versions` before the edit) and returns
    /// each field's HLC.
    fn stamp(
        &mut self,
        stamp: Stamp<'_>,
        entity: Entity,
        id: Uuid,
        fields: Vec<(String, Value)>,
        versions: &Versions,
    ) -> Vec<(String, crm_core::Hlc)> {
        if fields.is_empty() {
            return Vec::new();
        }
        let stamped = stamp(entity, id, fields, versions);
        let versions = stamped
            .pending
            .iter()
            .map(|p| (p.change.field.clone(), p.change.hlc))
            .collect();
        self.pending.extend(stamped.pending);
        self.clock = Some(stamped.clock);
        versions
    }

    async fn write(
        self,
        outbox_store: &ObjectStore<'_>,
        meta: &ObjectStore<'_>,
    ) -> Result<(), StoreError> {
        match self.clock {
            Some(clock) => outbox::write_batch(outbox_store, meta, &self.pending, &clock).await,
            None => Ok(()),
        }
    }
}

/// `new` over `old` (or a new record) with its changed fields stamped; the caller puts
/// the record.
fn stage_customer(
    stamps: &mut Stamps,
    stamp: Stamp<'_>,
    old: Option<&CustomerRecord>,
    new: Customer,
    agg: Aggregates,
    now: Now,
) -> (CustomerRecord, bool) {
    let changes = field_diff(old.map(|r| &r.customer), &new);
    let changed = !changes.is_empty();
    let mut record = CustomerRecord::over(old, new, agg, now.ms);
    if let Some(old) = old.filter(|_| !changed) {
        record.updated_ms = old.updated_ms;
    }
    let id = record.customer.id;
    let versions = record.versions.clone();
    for (field, hlc) in stamps.stamp(stamp, Entity::Customer, id, changes, &versions) {
        record.versions.insert(field, hlc);
    }
    (record, changed)
}

fn interaction_range(customer_id: Uuid) -> KeyRange<(String, u32)> {
    let id = customer_id.to_string();
    KeyRange::Bound((id.clone(), 0), false, (id, u32::MAX), false)
}

impl Store {
    /// Writes import rows in one transaction: all of them or none. The import hook uses
    /// it for rows that update existing customers (they need the stored record read in
    /// the transaction); new customers go through [`Store::write_stamped`] in the worker.
    pub async fn import_chunk(
        &self,
        writes: &[ImportWrite],
        now: Now,
        stamp: Stamp<'_>,
    ) -> Result<ChunkReport, StoreError> {
        self.first_pull.stop();
        let tx = self
            .db
            .transaction([CUSTOMERS, SEARCH, OUTBOX, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let customers = tx.object_store(CUSTOMERS)?;
        let mut stamps = Stamps::default();
        let mut report = ChunkReport::default();
        // Each record is placed in search and put as it is made (a later row reads an
        // earlier one); the changed search blocks are put once, at the end.
        let search_store = tx.object_store(SEARCH)?;
        let mut search_writer = search::SearchWriter::default();
        for write in writes {
            let mut record = match write {
                ImportWrite::Create { customer } => {
                    report.created += 1;
                    let (record, _) = stage_customer(
                        &mut stamps,
                        stamp,
                        None,
                        customer.clone(),
                        Aggregates::default(),
                        now,
                    );
                    record
                }
                ImportWrite::FillEmpty { target, incoming } => {
                    // Reads see this transaction's earlier puts, so a later row of the
                    // same file can fill a customer created by an earlier one.
                    let existing = get_record(&customers, *target).await?;
                    match existing.filter(|r| !r.customer.deleted) {
                        Some(old) => {
                            let new = fill_empty_fields(&old.customer, incoming);
                            let (record, changed) = stage_customer(
                                &mut stamps,
                                stamp,
                                Some(&old),
                                new,
                                old.agg.clone(),
                                now,
                            );
                            if !changed {
                                report.unchanged += 1;
                                continue;
                            }
                            report.updated += 1;
                            record
                        }
                        None => {
                            report.created += 1;
                            let (record, _) = stage_customer(
                                &mut stamps,
                                stamp,
                                None,
                                incoming.clone(),
                                Aggregates::default(),
                                now,
                            );
                            record
                        }
                    }
                }
            };
            search_writer.place(&search_store, [&mut record]).await?;
            customers.put(&record).serde()?;
        }
        search_writer.finish(&search_store)?;
        stamps
            .write(&tx.object_store(OUTBOX)?, &tx.object_store(META)?)
            .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Writes new customers the page has stamped, from the import worker's own
    /// connection, in one transaction: each customer's record with every field's version
    /// set to its edit's HLC, and its changes as outbox batches at the sequence numbers the
    /// engine gave (`first_seq`, `first_seq + 1`, … in `fields` order). Off the page's
    /// thread, the structured cloning and index-key extraction of 100,000 records never
    /// block the UI; the stamping itself stays with the page's sync engine.
    ///
    /// With a `chain`, chunk `n > 0` commits only if chunk `n − 1` of the same import
    /// did (checked inside the transaction, which IndexedDB starts only after the
    /// previous one finished). So the worker can prepare a chunk while the one before it
    /// commits, and a failed chunk still leaves exactly the chunks before it.
    pub async fn write_stamped(
        &self,
        rows: &[StampedCreate<'_>],
        clock: &Clock,
        now_ms: u64,
        chain: Option<ImportChain<'_>>,
    ) -> Result<usize, StoreError> {
        self.first_pull.stop();
        let tx = self
            .db
            .transaction([CUSTOMERS, SEARCH, OUTBOX, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let customers = tx.object_store(CUSTOMERS)?;
        let meta_store = tx.object_store(META)?;
        // Every meta value this write reads is requested first and awaited last: the
        // answers wait for nothing, so the transaction ends without round trips between
        // IndexedDB and this thread after its puts (the thread is busy preparing the next
        // chunk by then).
        let previous = meta_store.get(IMPORT_CHAIN).serde()?;
        let extra = meta_store.get(outbox::BATCHED_EXTRA).serde()?;
        let stored_clock = meta_store.get(meta::CLOCK).serde()?;
        let mut pending = Vec::new();
        let mut records = Vec::with_capacity(rows.len());
        for row in rows {
            let mut record =
                CustomerRecord::new(row.customer.clone(), Aggregates::default(), now_ms);
            for (i, (field, value)) in row.fields.iter().enumerate() {
                record.versions.insert(field.clone(), row.hlc);
                pending.push(Pending {
                    seq: row.first_seq + i as u64,
                    change: crm_core::Change {
                        entity: Entity::Customer,
                        id: row.customer.id,
                        field: field.clone(),
                        value: value.clone(),
                        hlc: row.hlc,
                        base: None,
                    },
                });
            }
            records.push(record);
        }
        search::place_all(&tx.object_store(SEARCH)?, &mut records).await?;
        for value in customer_objects(records.iter_mut().collect())? {
            customers.put(value).primitive()?;
        }
        let added = outbox::add_batches(&tx.object_store(OUTBOX)?, &pending)?;
        if let Some(chain) = chain {
            let key = (chain.import.to_string(), chain.chunk);
            let previous: Option<(String, u64)> = previous.await?;
            if chain.chunk > 0 && previous != Some((key.0.clone(), chain.chunk - 1)) {
                // Dropping the transaction uncommitted rolls every request back.
                return Err(StoreError::Other(
                    "the previous chunk of this import was not saved".into(),
                ));
            }
            meta_store
                .put(&key)
                .with_key(IMPORT_CHAIN.to_string())
                .serde()?;
        }
        let extra: i64 = extra.await?.unwrap_or(0);
        meta_store
            .put(&(extra + added).max(0))
            .with_key(outbox::BATCHED_EXTRA.to_string())
            .serde()?;
        outbox::put_newer_clock(&meta_store, stored_clock.await?, clock)?;
        tx.commit().await?;
        Ok(rows.len())
    }

    /// Every live customer in name order (the Duplicates screen, duplicate checks of an
    /// import, export of the whole book).
    pub async fn all_customers(&self) -> Result<Vec<Customer>, StoreError> {
        let tx = self.db.transaction(CUSTOMERS).build()?;
        let rows = tx
            .object_store(CUSTOMERS)?
            .index(BY_SORT)?
            .get_all()
            .serde()?
            .await?;
        rows.map(|r: Result<CustomerRecord, _>| Ok(r?.customer))
            .collect()
    }

    /// The customers an export writes: all (empty `query`) or every match of a search,
    /// in name order. Unlike the list's search this reads every match, not a page.
    pub async fn export_customers(&self, query: &str) -> Result<Vec<Customer>, StoreError> {
        let Some(parsed) = SearchQuery::parse(query) else {
            return self.all_customers().await;
        };
        let ids = self.search_ids(&parsed, usize::MAX).await?;
        let found = self.found_customers(&ids, query).await?;
        Ok(found.into_iter().map(|r| r.customer).collect())
    }

    /// Records in the database (customers, tombstones included, plus timeline blocks):
    /// a restore needs this to be zero.
    pub async fn record_count(&self) -> Result<u64, StoreError> {
        let tx = self.db.transaction([CUSTOMERS, TIMELINE]).build()?;
        let customers = tx.object_store(CUSTOMERS)?.count().primitive()?.await?;
        let blocks = tx.object_store(TIMELINE)?.count().primitive()?.await?;
        Ok(customers as u64 + blocks as u64)
    }

    /// The full JSON backup (every customer, tombstones included, and every interaction)
    /// as pieces to concatenate into a `Blob`, so no single huge string is built.
    pub async fn backup_pieces(&self, created_ms: i64) -> Result<Vec<String>, StoreError> {
        let tx = self.db.transaction([CUSTOMERS, TIMELINE]).build()?;
        let records: Vec<CustomerRecord> = tx
            .object_store(CUSTOMERS)?
            .get_all()
            .serde()?
            .await?
            .collect::<Result<_, _>>()?;
        let mut blocks: Vec<TimelineBlock> = tx
            .object_store(TIMELINE)?
            .get_all()
            .serde()?
            .await?
            .collect::<Result<_, _>>()?;
        // And the blocks customer records hold.
        for record in &records {
            if let Some(embedded) = &record.tl0 {
                let id = record.customer.id.to_string();
                blocks.push(embedded.decode(&id).map_err(StoreError::Other)?);
            }
        }
        let json = |e: serde_json::Error| StoreError::Other(e.to_string());
        let (mut writer, head) = BackupWriter::start(created_ms);
        let mut pieces = vec![head, writer.section("customers")];
        let customers: Vec<Customer> = records.into_iter().map(|r| r.customer).collect();
        for batch in customers.chunks(1_000) {
            pieces.push(writer.records(batch).map_err(json)?);
        }
        pieces.push(writer.section("interactions"));
        for block in &blocks {
            pieces.push(writer.records(&block.items).map_err(json)?);
        }
        pieces.push(writer.finish());
        Ok(pieces)
    }

    /// Restores a backup into an empty database, in one transaction (all or nothing).
    /// Refused, with nothing written, when the database holds any record or the backup is
    /// inconsistent. Restored records are stamped as local edits: a device restored from
    /// a backup and then signed in uploads them like any other data (the alternative,
    /// unstamped records, would never reach a server).
    pub async fn restore_backup(
        &self,
        backup: &Backup,
        now: Now,
        stamp: Stamp<'_>,
    ) -> Result<RestoreReport, BulkError> {
        self.first_pull.stop();
        let problems = backup.problems();
        if !problems.is_empty() {
            return Err(BulkError::BackupProblems(problems));
        }
        let tx = self
            .db
            .transaction([CUSTOMERS, SEARCH, TIMELINE, OUTBOX, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let customers = tx.object_store(CUSTOMERS)?;
        let timeline = tx.object_store(TIMELINE)?;
        let records = customers.count().primitive()?.await? as u64
            + timeline.count().primitive()?.await? as u64;
        crm_core::import::backup::check_restore_target(records).map_err(BulkError::Backup)?;

        let mut by_customer: HashMap<Uuid, Vec<Interaction>> = HashMap::new();
        for i in &backup.records.interactions {
            by_customer
                .entry(i.customer_id)
                .or_default()
                .push(i.clone());
        }
        let mut stamps = Stamps::default();
        let mut records: Vec<(CustomerRecord, Vec<Interaction>)> = backup
            .records
            .customers
            .iter()
            .map(|customer| {
                let items = by_customer.remove(&customer.id).unwrap_or_default();
                let agg = Aggregates::from_interactions(&items);
                let (mut record, _) =
                    stage_customer(&mut stamps, stamp, None, customer.clone(), agg, now);
                record.set_interactions(&items);
                (record, items)
            })
            .collect();
        search::place_all(
            &tx.object_store(SEARCH)?,
            records.iter_mut().map(|(record, _)| record),
        )
        .await?;
        let mut n = 0usize;
        for (mut record, items) in records {
            for mut block in into_blocks(record.customer.id, items) {
                for item in &block.items {
                    let versions = stamps.stamp(
                        stamp,
                        Entity::Interaction,
                        item.id,
                        field_diff(None, item),
                        &Versions::new(),
                    );
                    block
                        .versions
                        .insert(item.id.to_string(), versions.into_iter().collect());
                }
                put_block(&timeline, Some(&mut record), &block)?;
            }
            let request = customers.put(&record).serde()?;
            n += 1;
            if n.is_multiple_of(YIELD_EVERY) {
                request.await?;
            }
        }
        stamps
            .write(&tx.object_store(OUTBOX)?, &tx.object_store(META)?)
            .await?;
        tx.commit().await?;
        Ok(RestoreReport {
            customers: backup.records.customers.len(),
            interactions: backup.records.interactions.len(),
            skipped_types: backup.unknown_record_types(),
        })
    }

    /// Merges two customers by `plan` in one transaction: the survivor takes the chosen
    /// values, the other becomes a tombstone with `merged_into`, its interactions move
    /// to the survivor's timeline blocks (one stamped `customer_id` change each), its
    /// contacts' `company_id` is re-pointed, and both customers' aggregates are refreshed.
    /// Every change is an ordinary stamped edit, so the merge syncs and converges.
    pub async fn merge_duplicates(
        &self,
        a: Uuid,
        b: Uuid,
        plan: &MergePlan,
        now: Now,
        stamp: Stamp<'_>,
    ) -> Result<MergeReport, BulkError> {
        self.first_pull.stop();
        let tx = self
            .db
            .transaction([CUSTOMERS, SEARCH, TIMELINE, OUTBOX, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let customers = tx.object_store(CUSTOMERS)?;
        let timeline = tx.object_store(TIMELINE)?;
        let rec_a = get_record(&customers, a)
            .await?
            .ok_or(StoreError::NotFound)?;
        let rec_b = get_record(&customers, b)
            .await?
            .ok_or(StoreError::NotFound)?;
        let outcome =
            merge_customers(&rec_a.customer, &rec_b.customer, plan).map_err(BulkError::Merge)?;
        let survivor_id = outcome.survivor.id;
        let retired_id = outcome.retired;
        let (old_survivor, old_retired) = if rec_a.customer.id == survivor_id {
            (rec_a, rec_b)
        } else {
            (rec_b, rec_a)
        };
        let mut stamps = Stamps::default();

        // Interactions: re-point each to the survivor and move it into its blocks.
        let retired_blocks = blocks_of(&timeline, Some(&old_retired), retired_id).await?;
        let moved_items: Vec<(Interaction, BTreeMap<String, crm_core::Hlc>)> = retired_blocks
            .iter()
            .flat_map(|block| {
                block.items.iter().map(|i| {
                    let versions = block
                        .versions
                        .get(&i.id.to_string())
                        .cloned()
                        .unwrap_or_default();
                    (i.clone(), versions)
                })
            })
            .collect();
        let all_items: Vec<Interaction> = moved_items.iter().map(|(i, _)| i.clone()).collect();
        let repoints: HashMap<Uuid, Value> =
            repoint_interactions(&all_items, retired_id, survivor_id)
                .into_iter()
                .map(|c| (c.id, c.value))
                .collect();
        let mut survivor_blocks = blocks_of(&timeline, Some(&old_survivor), survivor_id).await?;
        let first_touched = survivor_blocks.len().saturating_sub(1);
        let moved = moved_items.len();
        // Where the moved interactions are now, until the server knows (`homes`).
        let meta_store = tx.object_store(META)?;
        let mut local_homes = homes::local_homes(&meta_store).await?;
        for (mut item, mut versions) in moved_items {
            local_homes.insert(item.id, survivor_id);
            if let Some(value) = repoints.get(&item.id) {
                item.customer_id = survivor_id;
                let before: Versions = versions.clone().into_iter().collect();
                for (field, hlc) in stamps.stamp(
                    stamp,
                    Entity::Interaction,
                    item.id,
                    vec![("customer_id".to_string(), value.clone())],
                    &before,
                ) {
                    versions.insert(field, hlc);
                }
            }
            place(&mut survivor_blocks, survivor_id, item, versions);
        }
        if moved > 0 {
            homes::put_local_homes(&meta_store, &local_homes)?;
            timeline
                .delete(interaction_range(retired_id))
                .serde()?
                .await?;
        }

        // The two customers, with fresh aggregates.
        let survivor_agg =
            Aggregates::from_interactions(survivor_blocks.iter().flat_map(|b| &b.items));
        let (mut survivor, _) = stage_customer(
            &mut stamps,
            stamp,
            Some(&old_survivor),
            outcome.survivor.clone(),
            survivor_agg,
            now,
        );
        survivor.set_interactions(survivor_blocks.iter().flat_map(|b| &b.items));
        if moved > 0 {
            for block in &survivor_blocks[first_touched..] {
                put_block(&timeline, Some(&mut survivor), block)?;
            }
        }
        let mut retired = old_retired.customer.clone();
        retired.deleted = true;
        retired.merged_into = Some(survivor_id);
        let (mut retired, _) = stage_customer(
            &mut stamps,
            stamp,
            Some(&old_retired),
            retired,
            Aggregates::default(),
            now,
        );
        retired.set_interactions(&[]);
        // Its interactions moved to the survivor, the block it held too.
        retired.tl0 = None;
        search::place_all(&tx.object_store(SEARCH)?, [&mut survivor, &mut retired]).await?;
        customers.put(&survivor).serde()?.await?;
        customers.put(&retired).serde()?.await?;

        // Contacts of a merged-away company now belong to the survivor.
        let contacts: Vec<CustomerRecord> = customers
            .index(BY_COMPANY)?
            .get_all()
            .with_query::<String, _>(KeyRange::Only(retired_id.to_string()))
            .serde()?
            .await?
            .collect::<Result<_, _>>()?;
        let mut moved_contacts = 0;
        for contact in contacts {
            if contact.customer.id == survivor_id || contact.customer.id == retired_id {
                continue;
            }
            let mut new = contact.customer.clone();
            new.company_id = Some(survivor_id);
            let agg = contact.agg.clone();
            let (record, _) = stage_customer(&mut stamps, stamp, Some(&contact), new, agg, now);
            customers.put(&record).serde()?.await?;
            moved_contacts += 1;
        }

        stamps
            .write(&tx.object_store(OUTBOX)?, &tx.object_store(META)?)
            .await?;
        tx.commit().await?;
        Ok(MergeReport {
            survivor: survivor_id,
            retired: retired_id,
            moved,
            contacts: moved_contacts,
        })
    }
}
