//! Small named values in the `meta` store: the replica's HLC clock, the data version
//! of the record format, and flags such as "demo data loaded".

use crm_core::{Clock, Hlc};
use indexed_db_futures::{object_store::ObjectStore, prelude::*, transaction::TransactionMode};
use serde::{de::DeserializeOwned, Serialize};

use super::{
    records::CustomerRecord,
    records::TimelineBlock,
    schema::{CUSTOMERS, META, SEARCH, TIMELINE},
    search, Store, StoreError,
};

pub const CLOCK: &str = "clock";
pub const DATA_VERSION: &str = "data_version";
pub const DEMO_LOADED: &str = "demo_loaded";
pub const CURSOR: &str = "cursor";
/// The sync engine's floor (see `crm_core::sync::SyncState::floor`).
pub const FLOOR: &str = "floor";
pub const SESSION: &str = "session";
pub const LAST_SYNC: &str = "last_sync";
pub const PERSIST_ASKED: &str = "persist_asked";
/// The user's segmentation settings (`crm_core::segment::SegmentSettings`).
pub const SEGMENT_SETTINGS: &str = "segment_settings";
pub const PERSISTED: &str = "persisted";

/// Record-format version: bumped when stored records need rewriting after an upgrade.
pub const CURRENT_DATA_VERSION: u32 = 5;

pub async fn get<T: DeserializeOwned>(
    store: &ObjectStore<'_>,
    key: &str,
) -> Result<Option<T>, StoreError> {
    Ok(store.get(key).serde()?.await?)
}

pub async fn put<T: Serialize>(
    store: &ObjectStore<'_>,
    key: &str,
    value: &T,
) -> Result<(), StoreError> {
    store.put(value).with_key(key.to_string()).serde()?.await?;
    Ok(())
}

impl Store {
    /// The replica's clock as last persisted, or a new one with a random node id.
    pub async fn clock(&self) -> Result<Clock, StoreError> {
        match self.meta::<Clock>(CLOCK).await? {
            Some(clock) => Ok(clock),
            None => Ok(Clock::new(uuid::Uuid::new_v4().as_u64_pair().0)),
        }
    }

    /// Persists the sync engine's clock (unless a newer one is already stored: a local
    /// edit may have written one since the caller read it) and re-stamp floor, in one
    /// transaction.
    pub async fn save_engine_state(&self, clock: &Clock, floor: &Hlc) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let store = tx.object_store(META)?;
        let stored: Option<Clock> = get(&store, CLOCK).await?;
        if stored.is_none_or(|s| s.last < clock.last) {
            put(&store, CLOCK, clock).await?;
        }
        put(&store, FLOOR, floor).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reads one meta value in its own transaction.
    pub async fn meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let tx = self.db.transaction(META).build()?;
        let value = get(&tx.object_store(META)?, key).await?;
        Ok(value)
    }

    /// Writes one meta value in its own transaction.
    pub async fn set_meta<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        put(&tx.object_store(META)?, key, value).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Rewrites stored records whose format predates [`CURRENT_DATA_VERSION`], in one
/// transaction with the version bump (all or nothing; safe to re-run after a crash).
pub async fn run_data_migrations(store: &Store) -> Result<(), StoreError> {
    let tx = store
        .db
        .transaction([CUSTOMERS, SEARCH, TIMELINE, META])
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    let meta = tx.object_store(META)?;
    let version: u32 = get(&meta, DATA_VERSION).await?.unwrap_or(0);
    if version >= CURRENT_DATA_VERSION {
        return Ok(());
    }
    if version < 2 {
        // v1 records lack search keys, aggregates and versions: derive them.
        rewrite_customers(
            &tx.object_store(CUSTOMERS)?,
            CustomerRecord::refresh_derived,
        )
        .await?;
    }
    if version < 3 {
        // v2 records lack the care dates: derive them from each customer's purchases.
        let customers = tx.object_store(CUSTOMERS)?;
        let blocks: Vec<TimelineBlock> = tx
            .object_store(TIMELINE)?
            .get_all()
            .serde()?
            .await?
            .collect::<Result<_, _>>()?;
        let mut by_customer: std::collections::HashMap<String, Vec<crm_core::Interaction>> =
            std::collections::HashMap::new();
        for block in blocks {
            by_customer
                .entry(block.customer_id)
                .or_default()
                .extend(block.items);
        }
        rewrite_customers(&customers, |record| {
            let items = by_customer
                .remove(&record.customer.id.to_string())
                .unwrap_or_default();
            record.set_interactions(&items);
        })
        .await?;
    }
    if version == 3 {
        // v3 records keep a search key per trailing run of phone digits: derive the two
        // phone keys instead (older versions were re-derived whole above).
        rewrite_customers(
            &tx.object_store(CUSTOMERS)?,
            CustomerRecord::refresh_derived,
        )
        .await?;
    }
    if version < 5 {
        // v4 and older records were found through a search-key index and listed
        // companies by kind: put every live customer's line in the search blocks and
        // derive the company index field instead (a crash re-runs this whole
        // transaction and starts from empty blocks, so no line is there twice).
        let customers = tx.object_store(CUSTOMERS)?;
        let mut records: Vec<CustomerRecord> = customers
            .get_all()
            .serde()?
            .await?
            .collect::<Result<_, _>>()?;
        for record in &mut records {
            record.search = None;
            // Fills `company_sort` and leaves out care dates long past.
            record.refresh_derived();
        }
        let search_store = tx.object_store(SEARCH)?;
        search_store.clear()?;
        search::place_all(&search_store, &mut records).await?;
        for record in &records {
            customers.put(record).serde()?;
        }
    }
    put(&meta, DATA_VERSION, &CURRENT_DATA_VERSION).await?;
    tx.commit().await?;
    Ok(())
}

/// Rewrites every stored customer after `change` (in the caller's transaction).
async fn rewrite_customers(
    customers: &ObjectStore<'_>,
    mut change: impl FnMut(&mut CustomerRecord),
) -> Result<(), StoreError> {
    let records: Vec<CustomerRecord> = customers
        .get_all()
        .serde()?
        .await?
        .collect::<Result<_, _>>()?;
    for mut record in records {
        change(&mut record);
        // Not awaited one by one: a failed put aborts the transaction, and its commit
        // is awaited by the caller.
        customers.put(&record).serde()?;
    }
    Ok(())
}
