//! Object stores, indexes and the versioned upgrade path. Opening with [`VERSION`] runs
//! every schema step above the version on disk in `onupgradeneeded`, then every data
//! migration above the data version recorded in `meta`.

use indexed_db_futures::{database::Database, prelude::*};
use wasm_bindgen::JsCast;

use super::{meta, StoreError};

pub const CUSTOMERS: &str = "customers";
pub const TIMELINE: &str = "timeline";
pub const OUTBOX: &str = "outbox";
pub const META: &str = "meta";
pub const CONFLICTS: &str = "conflicts";
pub const PARKED: &str = "parked";
pub const SEGMENTS: &str = "segments";
pub const RECORDS: &str = "records";
/// Customers' search entries in blocks (`storage::search`).
pub const SEARCH: &str = "search";

pub const BY_SORT: &str = "by_sort";
/// Dropped in schema step 8 (search scans blocks of entries, see `storage::search`).
pub const BY_SEARCH: &str = "by_search";
/// Dropped in schema step 6 (no read used it).
pub const BY_OWNER: &str = "by_owner";
/// Dropped in schema step 6 (no read used it).
pub const BY_UPDATED: &str = "by_updated";
pub const BY_NEXT_VISIT: &str = "by_next_visit";
pub const BY_COMPANY: &str = "by_company";
/// Dropped in schema step 7 (interactions are found by customer, see `storage::homes`).
pub const BY_INTERACTION: &str = "by_interaction";
pub const BY_ENTITY: &str = "by_entity";
pub const BY_CAMPAIGN: &str = "by_campaign";
pub const BY_CARE: &str = "by_care";
pub const BY_BIRTHDAY: &str = "by_birthday";
/// Dropped in schema step 8 (companies are listed by `by_company_name`).
pub const BY_KIND: &str = "by_kind";
/// Live companies by name (`CustomerRecord::company_sort`).
pub const BY_COMPANY_NAME: &str = "by_company_name";

/// Current schema version.
pub const VERSION: u32 = 8;

/// The production database name.
pub const DB_NAME: &str = "field-crm";

/// An open database. Cheap to clone; every screen shares one.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: std::rc::Rc<Database>,
    /// Interactions stored by a first pull still running (skips their lookups).
    pub(crate) first_pull: super::first_pull::FirstPull,
    /// Search blocks as the last search read them (`storage::search`).
    pub(crate) search_cache: std::rc::Rc<std::cell::RefCell<super::search::SearchCache>>,
}

/// The versionchange transaction of the upgrade being run, for adding indexes to stores
/// that already exist (indexed_db_futures 0.6 exposes only new stores in its callback).
fn upgrade_transaction() -> indexed_db_futures::Result<web_sys::IdbTransaction> {
    let current = || -> Option<web_sys::IdbTransaction> {
        let event: web_sys::Event = web_sys::window()?.event().dyn_into().ok()?;
        let request: web_sys::IdbRequest = event.target()?.dyn_into().ok()?;
        request.transaction()
    };
    current().ok_or_else(|| {
        indexed_db_futures::error::Error::from(wasm_bindgen::JsValue::from_str(
            "no upgrade transaction",
        ))
    })
}

fn add_index(
    store: &web_sys::IdbObjectStore,
    name: &str,
    key_path: &str,
    multi_entry: bool,
) -> Result<(), wasm_bindgen::JsValue> {
    let params = web_sys::IdbIndexParameters::new();
    params.set_multi_entry(multi_entry);
    store.create_index_with_str_and_optional_parameters(name, key_path, &params)?;
    Ok(())
}

/// Schema step 1: the first slice (customers listed by name, the outbox, meta).
fn step_1(db: &Database) -> indexed_db_futures::Result<()> {
    let customers = db
        .create_object_store(CUSTOMERS)
        .with_key_path("id".into())
        .build()?;
    customers.create_index(BY_SORT, "sort_key".into()).build()?;
    db.create_object_store(OUTBOX)
        .with_auto_increment(true)
        .build()?;
    db.create_object_store(META).build()?;
    Ok(())
}

/// Schema step 2: interaction blocks and the search / follow-up / owner indexes.
fn step_2(db: &Database) -> indexed_db_futures::Result<()> {
    let timeline = db
        .create_object_store(TIMELINE)
        .with_key_path(["customer_id", "block"].into())
        .build()?;
    timeline
        .create_index(BY_INTERACTION, "ids".into())
        .with_multi_entry(true)
        .build()?;
    let tx = upgrade_transaction()?;
    let customers = tx.object_store(CUSTOMERS)?;
    add_index(&customers, BY_SEARCH, "search_keys", true)?;
    add_index(&customers, BY_OWNER, "owner", false)?;
    add_index(&customers, BY_UPDATED, "updated_ms", false)?;
    add_index(&customers, BY_NEXT_VISIT, "next_visit", false)?;
    add_index(&customers, BY_COMPANY, "company_id", false)?;
    Ok(())
}

/// Schema step 3: sync's conflict log and the parking store for remote records that
/// cannot be placed yet.
fn step_3(db: &Database) -> indexed_db_futures::Result<()> {
    db.create_object_store(CONFLICTS)
        .with_auto_increment(true)
        .build()?;
    db.create_object_store(PARKED)
        .with_key_path("key".into())
        .build()?;
    Ok(())
}

/// Schema step 4: saved segments.
fn step_4(db: &Database) -> indexed_db_futures::Result<()> {
    db.create_object_store(SEGMENTS)
        .with_key_path("id".into())
        .build()?;
    Ok(())
}

/// Schema step 5: the workflow records (deals, tickets, campaigns, reminder states,
/// settings) in one generic store, the campaign index on timeline blocks, and the care
/// indexes on customers.
fn step_5(db: &Database) -> indexed_db_futures::Result<()> {
    let records = db
        .create_object_store(RECORDS)
        .with_key_path("key".into())
        .build()?;
    records.create_index(BY_ENTITY, "entity".into()).build()?;
    let tx = upgrade_transaction()?;
    let timeline = tx.object_store(TIMELINE)?;
    add_index(&timeline, BY_CAMPAIGN, "campaigns", true)?;
    let customers = tx.object_store(CUSTOMERS)?;
    add_index(&customers, BY_CARE, "care_due", true)?;
    add_index(&customers, BY_BIRTHDAY, "birthday_md", false)?;
    add_index(&customers, BY_KIND, "kind", false)?;
    Ok(())
}

/// Schema step 6: drops the owner and last-update indexes on customers, which no read
/// uses: each cost an index entry per customer written (a first sync of a large account
/// writes 100,000).
fn step_6() -> indexed_db_futures::Result<()> {
    let tx = upgrade_transaction()?;
    let customers = tx.object_store(CUSTOMERS)?;
    customers.delete_index(BY_OWNER)?;
    customers.delete_index(BY_UPDATED)?;
    Ok(())
}

/// Schema step 7: drops the index by interaction id on timeline blocks. Its entries
/// (one per interaction, rewritten with every block put) were half the cost of storing
/// a first sync; a stored interaction is found by its customers instead
/// (`storage::homes`).
fn step_7() -> indexed_db_futures::Result<()> {
    let tx = upgrade_transaction()?;
    tx.object_store(TIMELINE)?.delete_index(BY_INTERACTION)?;
    Ok(())
}

/// Schema step 8: the search blocks, and no search-key index on customers: its
/// entries (about eleven per customer) were the largest cost of storing a first sync
/// (`storage::search`; data migration 5 fills the blocks). Companies get an index of
/// their own instead of one on every customer's kind (data migration 5 fills it too).
fn step_8(db: &Database) -> indexed_db_futures::Result<()> {
    db.create_object_store(SEARCH).build()?;
    let tx = upgrade_transaction()?;
    let customers = tx.object_store(CUSTOMERS)?;
    customers.delete_index(BY_SEARCH)?;
    customers.delete_index(BY_KIND)?;
    add_index(&customers, BY_COMPANY_NAME, "company_sort", false)?;
    Ok(())
}

impl Store {
    /// Opens (creating or upgrading) the app's database. `on_blocked` is called when an
    /// older tab holds the database open, so the UI can say so while it waits.
    pub async fn open(name: &str, on_blocked: impl Fn() + 'static) -> Result<Store, StoreError> {
        Self::open_at(name, VERSION, on_blocked).await
    }

    /// [`Store::open`], also calling `on_upgrading` when a database from an older version
    /// of the app is being upgraded: with a large book that takes minutes (measured: an
    /// L book from schema 7 showed its customers 107 s after the page opened, 4 s on the
    /// next open), which the UI must explain rather than show nothing.
    pub async fn open_with(
        name: &str,
        on_blocked: impl Fn() + 'static,
        on_upgrading: impl Fn() + 'static,
    ) -> Result<Store, StoreError> {
        Self::open_upgrading(name, VERSION, on_blocked, on_upgrading).await
    }

    /// Opens at a given schema version: production uses [`VERSION`]; tests open older
    /// versions to check the upgrade path with data in it.
    pub async fn open_at(
        name: &str,
        version: u32,
        on_blocked: impl Fn() + 'static,
    ) -> Result<Store, StoreError> {
        Self::open_upgrading(name, version, on_blocked, || {}).await
    }

    async fn open_upgrading(
        name: &str,
        version: u32,
        on_blocked: impl Fn() + 'static,
        on_upgrading: impl Fn() + 'static,
    ) -> Result<Store, StoreError> {
        let db = Database::open(name)
            .with_version(version)
            .with_on_blocked(move |_| {
                on_blocked();
                Ok(())
            })
            .with_on_upgrade_needed(move |event, db| {
                let old = event.old_version() as u32;
                let new = event.new_version().map(|v| v as u32).unwrap_or(version);
                // A new database has nothing to upgrade (and is quick to create).
                if old >= 1 {
                    on_upgrading();
                }
                if old < 1 && new >= 1 {
                    step_1(&db)?;
                }
                if old < 2 && new >= 2 {
                    step_2(&db)?;
                }
                if old < 3 && new >= 3 {
                    step_3(&db)?;
                }
                if old < 4 && new >= 4 {
                    step_4(&db)?;
                }
                if old < 5 && new >= 5 {
                    step_5(&db)?;
                }
                if old < 6 && new >= 6 {
                    step_6()?;
                }
                if old < 7 && new >= 7 {
                    step_7()?;
                }
                if old < 8 && new >= 8 {
                    step_8(&db)?;
                }
                Ok(())
            })
            .await?;
        let store = Store {
            first_pull: Default::default(),
            search_cache: Default::default(),
            db: std::rc::Rc::new(db),
        };
        if version >= VERSION {
            meta::run_data_migrations(&store).await?;
        }
        Ok(store)
    }

    /// Closes the connection (tests reopen to check durability).
    pub fn close(self) {
        if let Ok(db) = std::rc::Rc::try_unwrap(self.db) {
            db.close();
        }
    }

    /// Deletes a whole database (tests start from nothing).
    pub async fn delete(name: &str) -> Result<(), StoreError> {
        Database::delete_by_name(name)?.await?;
        Ok(())
    }

    pub fn version(&self) -> u32 {
        self.db.version() as u32
    }
}
