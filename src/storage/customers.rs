//! Customer reads (paged list, search, follow-ups, contacts) and writes (save, delete,
//! restore), each write with its outbox entries in one transaction.

use chrono::NaiveDate;
use crm_core::{
    change::{field_diff, Entity},
    search::{matches, SearchQuery},
    Aggregates, Customer, CustomerDraft,
};
use indexed_db_futures::{
    object_store::ObjectStore, prelude::*, transaction::TransactionMode, KeyRange,
};
use uuid::Uuid;

use super::{
    outbox,
    records::CustomerRecord,
    schema::{BY_COMPANY, BY_NEXT_VISIT, BY_SORT, CUSTOMERS, META, OUTBOX, SEARCH},
    search,
    stamp::Stamp,
    Now, Store, StoreError,
};

/// Rows per list page.
pub const PAGE: u32 = 50;

pub(crate) async fn get_record(
    customers: &ObjectStore<'_>,
    id: Uuid,
) -> Result<Option<CustomerRecord>, StoreError> {
    Ok(customers.get(id.to_string()).serde()?.await?)
}

/// Writes `new` over `old` (or as a new record), stamping the changed fields through
/// `stamp` and queueing one outbox entry per changed field. The caller commits.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn write_customer(
    customers: &ObjectStore<'_>,
    search_store: &ObjectStore<'_>,
    outbox_store: &ObjectStore<'_>,
    meta_store: &ObjectStore<'_>,
    old: Option<&CustomerRecord>,
    new: Customer,
    agg: Aggregates,
    now: Now,
    stamp: Stamp<'_>,
) -> Result<CustomerRecord, StoreError> {
    let changes = field_diff(old.map(|r| &r.customer), &new);
    let mut record = CustomerRecord::over(old, new, agg, now.ms);
    if !changes.is_empty() {
        let stamped = stamp(
            Entity::Customer,
            record.customer.id,
            changes,
            &record.versions,
        );
        for p in &stamped.pending {
            record.versions.insert(p.change.field.clone(), p.change.hlc);
        }
        outbox::write(outbox_store, meta_store, &stamped).await?;
    }
    search::place_all(search_store, [&mut record]).await?;
    customers.put(&record).serde()?.await?;
    Ok(record)
}

impl Store {
    /// One page of the list in name order, after the sort key of the last row shown.
    pub async fn customer_page(
        &self,
        after: Option<String>,
        limit: u32,
    ) -> Result<Vec<CustomerRecord>, StoreError> {
        let tx = self.db.transaction(CUSTOMERS).build()?;
        let store = tx.object_store(CUSTOMERS)?;
        let index = store.index(BY_SORT)?;
        let rows = match after {
            Some(key) => {
                index
                    .get_all()
                    .with_query::<String, _>(KeyRange::LowerBound(key, true))
                    .with_limit(limit)
                    .serde()?
                    .await?
            }
            None => index.get_all().with_limit(limit).serde()?.await?,
        };
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Number of live (not deleted) customers.
    pub async fn customer_count(&self) -> Result<u32, StoreError> {
        let tx = self.db.transaction(CUSTOMERS).build()?;
        let n = tx
            .object_store(CUSTOMERS)?
            .index(BY_SORT)?
            .count()
            .primitive()?
            .await?;
        Ok(n)
    }

    /// Customers whose name, company, email or phone matches `query` (see
    /// `crm_core::search`), in name order, at most `limit`.
    pub async fn search_customers(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<CustomerRecord>, StoreError> {
        let Some(parsed) = SearchQuery::parse(query) else {
            return self.customer_page(None, limit as u32).await;
        };
        let ids = self.search_ids(&parsed, limit).await?;
        self.found_customers(&ids, query).await
    }

    /// The records of `ids`, in that order, that still match `query` (a record written
    /// since its search block was read may not).
    pub(crate) async fn found_customers(
        &self,
        ids: &[Uuid],
        query: &str,
    ) -> Result<Vec<CustomerRecord>, StoreError> {
        let tx = self.db.transaction(CUSTOMERS).build()?;
        let store = tx.object_store(CUSTOMERS)?;
        let mut requests = Vec::with_capacity(ids.len());
        for id in ids {
            requests.push(store.get(id.to_string()).serde()?);
        }
        let mut found = Vec::with_capacity(ids.len());
        for request in requests {
            let record: Option<CustomerRecord> = request.await?;
            found.extend(record.filter(|r| matches(&r.customer, query)));
        }
        Ok(found)
    }

    /// A customer by id (tombstones included, so a deleted one can be restored).
    pub async fn customer(&self, id: Uuid) -> Result<Option<CustomerRecord>, StoreError> {
        let tx = self.db.transaction(CUSTOMERS).build()?;
        get_record(&tx.object_store(CUSTOMERS)?, id).await
    }

    /// The contacts of a company, in name order.
    pub async fn contacts(&self, company_id: Uuid) -> Result<Vec<CustomerRecord>, StoreError> {
        let tx = self.db.transaction(CUSTOMERS).build()?;
        let store = tx.object_store(CUSTOMERS)?;
        let index = store.index(BY_COMPANY)?;
        let rows = index
            .get_all()
            .with_query::<String, _>(KeyRange::Only(company_id.to_string()))
            .serde()?
            .await?;
        let mut rows: Vec<CustomerRecord> = rows.collect::<Result<Vec<_>, _>>()?;
        rows.retain(|r| !r.customer.deleted);
        rows.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
        Ok(rows)
    }

    /// Customers with an open follow-up due on or before `until`, earliest first.
    pub async fn follow_ups(
        &self,
        until: NaiveDate,
        limit: u32,
    ) -> Result<Vec<CustomerRecord>, StoreError> {
        let tx = self.db.transaction(CUSTOMERS).build()?;
        let store = tx.object_store(CUSTOMERS)?;
        let index = store.index(BY_NEXT_VISIT)?;
        let rows = index
            .get_all()
            .with_query::<String, _>(KeyRange::UpperBound(until.to_string(), false))
            .with_limit(limit)
            .serde()?
            .await?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Creates (`id` = None) or edits a customer from the form. Invalid input is
    /// refused with every field error and nothing is written.
    pub async fn save_customer(
        &self,
        id: Option<Uuid>,
        draft: &CustomerDraft,
        now: Now,
        stamp: Stamp<'_>,
    ) -> Result<CustomerRecord, StoreError> {
        self.save_customer_edit(id, None, draft, now, stamp).await
    }

    /// [`save_customer`](Self::save_customer) for an Edit form opened with `opened`:
    /// only the fields the user changed are written, on top of the customer as stored
    /// now (see `CustomerDraft::rebase`), so an edit pulled while the form was open is
    /// kept. With no `opened` the whole draft is applied.
    pub async fn save_customer_edit(
        &self,
        id: Option<Uuid>,
        opened: Option<&CustomerDraft>,
        draft: &CustomerDraft,
        now: Now,
        stamp: Stamp<'_>,
    ) -> Result<CustomerRecord, StoreError> {
        let tx = self
            .db
            .transaction([CUSTOMERS, SEARCH, OUTBOX, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let customers = tx.object_store(CUSTOMERS)?;
        let old = match id {
            Some(id) => Some(
                get_record(&customers, id)
                    .await?
                    .ok_or(StoreError::NotFound)?,
            ),
            None => None,
        };
        let base = match &old {
            Some(old) => old.customer.clone(),
            None => Customer::new(Uuid::now_v7(), "", now.ms as i64),
        };
        let rebased;
        let draft = match opened {
            Some(opened) => {
                rebased = draft.rebase(opened, &base.to_draft());
                &rebased
            }
            None => draft,
        };
        let customer = draft
            .apply(&base, now.local.date())
            .map_err(StoreError::Invalid)?;
        let agg = old.as_ref().map(|o| o.agg.clone()).unwrap_or_default();
        let record = write_customer(
            &customers,
            &tx.object_store(SEARCH)?,
            &tx.object_store(OUTBOX)?,
            &tx.object_store(META)?,
            old.as_ref(),
            customer,
            agg,
            now,
            stamp,
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Deletes (tombstone) or restores a customer: an ordinary synced field change, so
    /// undo is just another edit.
    pub async fn set_customer_deleted(
        &self,
        id: Uuid,
        deleted: bool,
        now: Now,
        stamp: Stamp<'_>,
    ) -> Result<CustomerRecord, StoreError> {
        let tx = self
            .db
            .transaction([CUSTOMERS, SEARCH, OUTBOX, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let customers = tx.object_store(CUSTOMERS)?;
        let old = get_record(&customers, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut customer = old.customer.clone();
        customer.deleted = deleted;
        let agg = old.agg.clone();
        let record = write_customer(
            &customers,
            &tx.object_store(SEARCH)?,
            &tx.object_store(OUTBOX)?,
            &tx.object_store(META)?,
            Some(&old),
            customer,
            agg,
            now,
            stamp,
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }
}
