//! The conflict log (SYNC.md: "a change that loses locally is kept in a conflict log the
//! user can review and restore"). While a pulled page merges, [`Losses`] gathers our
//! writes that lost to a concurrent edit (crm-core's `merge::lost_write`: the winner's
//! author had not seen them); they are logged in the page's own transaction, so a
//! value is never replaced without its entry. Restoring an entry is a new local edit,
//! which then wins everywhere.

use crm_core::{
    change::{Change, Entity},
    merge::{lost_write, Outcome},
    Customer,
};
use indexed_db_futures::{object_store::ObjectStore, prelude::*, transaction::TransactionMode};
use uuid::Uuid;

use super::{
    customers::{get_record, write_customer},
    entities,
    records::{ConflictEntry, SegmentFields, SegmentRecord},
    remote::{from_state, to_map},
    schema::{CONFLICTS, CUSTOMERS, META, OUTBOX, RECORDS, SEARCH, SEGMENTS},
    segments::write_segment,
    stamp::Stamp,
    Now, Store, StoreError,
};

/// Our writes that lost while one pulled page merged, with the changes that beat them.
#[derive(Debug, Default)]
pub(super) struct Losses {
    /// This device's node id; `None` before it has a clock, when nothing stored can be
    /// ours.
    me: Option<u64>,
    found: Vec<(Change, Change)>,
}

impl Losses {
    /// Collects losses of the writes of the device whose clock has node id `me`.
    pub fn of_node(me: Option<u64>) -> Self {
        Losses {
            me,
            found: Vec::new(),
        }
    }

    /// Records `winner` if merging it (`outcome`) replaced a write of ours it never saw.
    pub fn check(&mut self, outcome: &Outcome, winner: &Change) {
        if let Some(lost) = self.me.and_then(|me| lost_write(outcome, winner, me)) {
            self.found.push((lost, winner.clone()));
        }
    }

    /// Adds an entry per loss to the conflict log, labelled with the record's name or
    /// title as it now reads, inside the caller's transaction (after the page's puts).
    pub async fn log(
        self,
        conflicts: &ObjectStore<'_>,
        customers: &ObjectStore<'_>,
        records: &ObjectStore<'_>,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        for (local, winner) in self.found {
            let label = label_of(customers, records, local.entity, local.id).await?;
            let entry = ConflictEntry {
                entity: local.entity,
                id: local.id.to_string(),
                label,
                field: local.field,
                lost_value: local.value,
                lost_hlc: local.hlc,
                winner_value: winner.value,
                winner_hlc: winner.hlc,
                at_ms: now_ms as f64,
            };
            conflicts.add(&entry).serde()?.await?;
        }
        Ok(())
    }
}

/// What the conflict log calls a record: a customer's name, a workflow record's title,
/// subject or name; empty for other records.
async fn label_of(
    customers: &ObjectStore<'_>,
    records: &ObjectStore<'_>,
    entity: Entity,
    id: Uuid,
) -> Result<String, StoreError> {
    Ok(match entity {
        Entity::Customer => get_record(customers, id)
            .await?
            .map(|r| r.customer.name)
            .unwrap_or_default(),
        entity if entities::is_generic(entity) => entities::get_entity(records, entity, id)
            .await?
            .and_then(|r| {
                ["title", "subject", "name"]
                    .iter()
                    .find_map(|f| r.fields.get(*f)?.as_str().map(str::to_string))
            })
            .unwrap_or_default(),
        _ => String::new(),
    })
}

impl Store {
    /// The conflict log, newest first, with each entry's key.
    pub async fn conflicts(&self) -> Result<Vec<(u64, ConflictEntry)>, StoreError> {
        let tx = self.db.transaction(CONFLICTS).build()?;
        let store = tx.object_store(CONFLICTS)?;
        let keys: Vec<f64> = store
            .get_all_keys::<f64>()
            .primitive()?
            .await?
            .collect::<Result<_, _>>()?;
        let values: Vec<ConflictEntry> =
            store.get_all().serde()?.await?.collect::<Result<_, _>>()?;
        let mut rows: Vec<(u64, ConflictEntry)> =
            keys.into_iter().map(|k| k as u64).zip(values).collect();
        rows.reverse();
        Ok(rows)
    }

    /// Restores a lost customer value as a new local edit (which then wins everywhere)
    /// and removes the entry from the log, in one transaction.
    pub async fn restore_conflict(
        &self,
        key: u64,
        now: Now,
        stamp: Stamp<'_>,
    ) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([CUSTOMERS, SEARCH, OUTBOX, META, CONFLICTS])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let conflicts = tx.object_store(CONFLICTS)?;
        let entry: ConflictEntry = conflicts
            .get(key as f64)
            .serde()?
            .await?
            .ok_or(StoreError::NotFound)?;
        if entities::is_generic(entry.entity) {
            drop(tx);
            return self.restore_entity_conflict(key, entry, now, stamp).await;
        }
        if entry.entity == Entity::Segment {
            drop(tx);
            return self.restore_segment_conflict(key, entry, stamp).await;
        }
        if !entry.restorable() {
            return Err(StoreError::Other(
                "this value cannot be restored here".into(),
            ));
        }
        let id: Uuid = entry.id.parse().map_err(|_| StoreError::NotFound)?;
        let customers = tx.object_store(CUSTOMERS)?;
        let old = get_record(&customers, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut fields = to_map(&old.customer);
        fields.insert(entry.field.clone(), entry.lost_value.clone());
        fields.remove("id");
        let customer: Customer = from_state(id, &mut fields)
            .ok_or_else(|| StoreError::Other("the lost value no longer fits this field".into()))?;
        let agg = old.agg.clone();
        write_customer(
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
        conflicts.delete(key as f64).primitive()?.await?;
        tx.commit().await?;
        Ok(())
    }

    /// Restores a lost value of a workflow record (deal, ticket, …) as a new local edit.
    async fn restore_entity_conflict(
        &self,
        key: u64,
        entry: ConflictEntry,
        now: Now,
        stamp: Stamp<'_>,
    ) -> Result<(), StoreError> {
        let id: Uuid = entry.id.parse().map_err(|_| StoreError::NotFound)?;
        let tx = self
            .db
            .transaction([RECORDS, OUTBOX, META, CONFLICTS])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let records = tx.object_store(RECORDS)?;
        let mut record = entities::get_entity(&records, entry.entity, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let stamped = stamp(
            entry.entity,
            id,
            vec![(entry.field.clone(), entry.lost_value.clone())],
            &record.versions,
        );
        for p in &stamped.pending {
            record.versions.insert(p.change.field.clone(), p.change.hlc);
            record
                .fields
                .insert(p.change.field.clone(), p.change.value.clone());
        }
        record.updated_ms = now.ms as f64;
        records.put(&record).serde()?.await?;
        super::outbox::write(&tx.object_store(OUTBOX)?, &tx.object_store(META)?, &stamped).await?;
        tx.object_store(CONFLICTS)?
            .delete(key as f64)
            .primitive()?
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Restores a lost value of a saved segment as a new local edit.
    async fn restore_segment_conflict(
        &self,
        key: u64,
        entry: ConflictEntry,
        stamp: Stamp<'_>,
    ) -> Result<(), StoreError> {
        let id: Uuid = entry.id.parse().map_err(|_| StoreError::NotFound)?;
        let tx = self
            .db
            .transaction([SEGMENTS, OUTBOX, META, CONFLICTS])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let stored: SegmentRecord = tx
            .object_store(SEGMENTS)?
            .get(id.to_string())
            .serde()?
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut fields = to_map(&SegmentFields {
            segment: stored.segment,
            campaign_target: stored.campaign_target,
        });
        fields.insert(entry.field.clone(), entry.lost_value.clone());
        fields.remove("id");
        let restored: SegmentFields = from_state(id, &mut fields)
            .ok_or_else(|| StoreError::Other("the lost value no longer fits this field".into()))?;
        write_segment(&tx, restored, stamp).await?;
        tx.object_store(CONFLICTS)?
            .delete(key as f64)
            .primitive()?
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes one entry from the conflict log (the user accepts the winner).
    pub async fn dismiss_conflict(&self, key: u64) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(CONFLICTS)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(CONFLICTS)?
            .delete(key as f64)
            .primitive()?
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
