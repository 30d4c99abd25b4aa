//! The workflow records (deals, tickets, campaigns, care-reminder states, settings): one
//! generic store of field maps with LWW versions, read and written as the core's typed
//! records. Local saves diff the old and new record field by field and queue the changed
//! fields in the same transaction, exactly like customers.

use std::collections::BTreeMap;

use crm_core::{
    change::{edited_fields, field_diff, map_diff, Change, Entity},
    merge::RecordState,
    Interaction,
};
use indexed_db_futures::{
    object_store::ObjectStore, prelude::*, transaction::TransactionMode, KeyRange,
};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{
    conflict_log::Losses,
    outbox,
    records::{EntityRecord, TimelineBlock},
    remote::merge_into,
    schema::{BY_CAMPAIGN, BY_ENTITY, META, OUTBOX, RECORDS, TIMELINE},
    stamp::Stamp,
    Store, StoreError,
};

/// The store key of a record: `entity:id`.
pub fn record_key(entity: Entity, id: Uuid) -> String {
    format!("{}:{id}", entity_name(entity))
}

/// The wire name of an entity (`deal`, `ticket`, …).
pub fn entity_name(entity: Entity) -> String {
    serde_json::to_value(entity)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// True for the entities this store holds.
pub fn is_generic(entity: Entity) -> bool {
    matches!(
        entity,
        Entity::Deal | Entity::Ticket | Entity::Campaign | Entity::Reminder | Entity::Setting
    )
}

/// The typed record from a stored field map (`None` when the fields do not make one).
pub fn typed<T: DeserializeOwned>(record: &EntityRecord) -> Option<T> {
    let mut fields = record.fields.clone();
    fields.insert("id".into(), Value::String(record.id.clone()));
    serde_json::from_value(Value::Object(fields)).ok()
}

fn is_deleted(record: &EntityRecord) -> bool {
    record.fields.get("_deleted") == Some(&Value::Bool(true))
}

pub(crate) async fn get_entity(
    store: &ObjectStore<'_>,
    entity: Entity,
    id: Uuid,
) -> Result<Option<EntityRecord>, StoreError> {
    Ok(store.get(record_key(entity, id)).serde()?.await?)
}

/// Merges pulled changes of one record into the generic store; returns how many won.
pub(super) async fn merge_remote(
    store: &ObjectStore<'_>,
    entity: Entity,
    id: Uuid,
    changes: &[&Change],
    seed: Option<RecordState>,
    now_ms: u64,
    losses: &mut Losses,
) -> Result<usize, StoreError> {
    let existing = get_entity(store, entity, id).await?;
    let mut state = match existing {
        Some(r) => RecordState {
            fields: r.fields,
            versions: r.versions,
        },
        None => seed.unwrap_or_default(),
    };
    let applied = merge_into(&mut state, changes, losses);
    let record = EntityRecord {
        key: record_key(entity, id),
        entity,
        id: id.to_string(),
        fields: state.fields,
        versions: state.versions,
        updated_ms: now_ms as f64,
    };
    store.put(&record).serde()?.await?;
    Ok(applied)
}

impl Store {
    /// Every live record of one entity, typed (records that do not parse yet — a record
    /// whose fields are still arriving — are skipped).
    pub async fn entity_records<T: DeserializeOwned>(
        &self,
        entity: Entity,
    ) -> Result<Vec<T>, StoreError> {
        let tx = self.db.transaction(RECORDS).build()?;
        let rows = tx
            .object_store(RECORDS)?
            .index(BY_ENTITY)?
            .get_all()
            .with_query::<String, _>(KeyRange::Only(entity_name(entity)))
            .serde()?
            .await?;
        let rows: Vec<EntityRecord> = rows.collect::<Result<_, _>>()?;
        Ok(rows
            .iter()
            .filter(|r| !is_deleted(r))
            .filter_map(typed)
            .collect())
    }

    /// One record (tombstones included, so an undo can find it).
    pub async fn entity_record<T: DeserializeOwned>(
        &self,
        entity: Entity,
        id: Uuid,
    ) -> Result<Option<T>, StoreError> {
        let tx = self.db.transaction(RECORDS).build()?;
        let found = get_entity(&tx.object_store(RECORDS)?, entity, id).await?;
        Ok(found.as_ref().and_then(typed))
    }

    /// Saves a record: the fields that differ from the stored ones become outbox changes
    /// in the same transaction. Returns how many fields changed.
    pub async fn save_entity<T: Serialize>(
        &self,
        entity: Entity,
        id: Uuid,
        record: &T,
        now_ms: u64,
        stamp: Stamp<'_>,
    ) -> Result<usize, StoreError> {
        self.save_entity_edit(entity, id, None, record, now_ms, stamp)
            .await
    }

    /// Saves an edit of `opened` (the record as the screen showed it when the user began;
    /// `None` for a new record or a whole-record write): only the fields the user changed
    /// from `opened` are written, on top of the record as stored now, so a field a sync
    /// changed meanwhile keeps the pulled value instead of the screen's older copy.
    /// Returns how many fields changed.
    pub async fn save_entity_edit<T: Serialize>(
        &self,
        entity: Entity,
        id: Uuid,
        opened: Option<&T>,
        record: &T,
        now_ms: u64,
        stamp: Stamp<'_>,
    ) -> Result<usize, StoreError> {
        let tx = self
            .db
            .transaction([RECORDS, OUTBOX, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let store = tx.object_store(RECORDS)?;
        let old = get_entity(&store, entity, id).await?;
        let changes = match (&old, opened) {
            (Some(old), Some(opened)) => edited_fields(&old.fields, opened, record),
            (Some(old), None) => map_diff(&old.fields, record),
            (None, _) => field_diff(None, record),
        };
        if changes.is_empty() {
            return Ok(0);
        }
        let n = changes.len();
        let mut versions: BTreeMap<String, crm_core::Hlc> =
            old.as_ref().map(|o| o.versions.clone()).unwrap_or_default();
        let stamped = stamp(entity, id, changes, &versions);
        let mut fields = old.map(|o| o.fields).unwrap_or_default();
        for p in &stamped.pending {
            versions.insert(p.change.field.clone(), p.change.hlc);
            fields.insert(p.change.field.clone(), p.change.value.clone());
        }
        let stored = EntityRecord {
            key: record_key(entity, id),
            entity,
            id: id.to_string(),
            fields,
            versions,
            updated_ms: now_ms as f64,
        };
        store.put(&stored).serde()?.await?;
        outbox::write(&tx.object_store(OUTBOX)?, &tx.object_store(META)?, &stamped).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The live purchases linked to a campaign, found through the timeline's campaign
    /// index (only blocks holding such a purchase are read).
    pub async fn campaign_purchases(
        &self,
        campaign_id: Uuid,
    ) -> Result<Vec<Interaction>, StoreError> {
        let tx = self.db.transaction(TIMELINE).build()?;
        let rows = tx
            .object_store(TIMELINE)?
            .index(BY_CAMPAIGN)?
            .get_all()
            .with_query::<String, _>(KeyRange::Only(campaign_id.to_string()))
            .serde()?
            .await?;
        let blocks: Vec<TimelineBlock> = rows.collect::<Result<_, _>>()?;
        Ok(blocks
            .into_iter()
            .flat_map(|b| b.items)
            .filter(|i| !i.deleted && i.campaign_id == Some(campaign_id))
            .collect())
    }
}
