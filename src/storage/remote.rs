//! Merging pulled changes into IndexedDB by field-level LWW (crm-core's `merge`), in one
//! transaction with the new cursor, and the conflict log of local values that lost.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crm_core::{
    change::{Change, Entity},
    merge::{apply_field, restamp_field, RecordState},
    sync::Restamp,
    Aggregates, Customer, Interaction,
};
use indexed_db_futures::{
    object_store::ObjectStore, prelude::*, transaction::Transaction, transaction::TransactionMode,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    customers::{get_record, write_customer},
    entities, meta,
    records::{
        ConflictEntry, CustomerRecord, ParkedRecord, SegmentFields, SegmentRecord, TimelineBlock,
    },
    schema::{
        BY_INTERACTION, CONFLICTS, CUSTOMERS, META, OUTBOX, PARKED, RECORDS, SEGMENTS, TIMELINE,
    },
    stamp::Stamp,
    timeline::{blocks_of, place},
    Now, Store, StoreError,
};

/// What applying a pulled page did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplyReport {
    /// Changes that became the local value.
    pub applied: usize,
}

fn to_map<T: serde::Serialize>(record: &T) -> Map<String, Value> {
    match serde_json::to_value(record) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

fn from_state<T: serde::de::DeserializeOwned>(id: Uuid, fields: &Map<String, Value>) -> Option<T> {
    let mut fields = fields.clone();
    fields.insert("id".into(), Value::String(id.to_string()));
    serde_json::from_value(Value::Object(fields)).ok()
}

/// Groups changes by record, keeping the order records first appear in.
fn by_record(changes: &[Change]) -> Vec<((Entity, Uuid), Vec<&Change>)> {
    let mut order: Vec<((Entity, Uuid), Vec<&Change>)> = Vec::new();
    let mut index: BTreeMap<(Entity, Uuid), usize> = BTreeMap::new();
    for c in changes {
        let key = (c.entity, c.id);
        let at = *index.entry(key).or_insert_with(|| {
            order.push((key, Vec::new()));
            order.len() - 1
        });
        order[at].1.push(c);
    }
    order
}

/// Merges the changes of one record into its state; returns how many won.
fn merge_into(state: &mut RecordState, changes: &[&Change]) -> usize {
    changes
        .iter()
        .filter(|c| {
            apply_field(
                &mut state.fields,
                &mut state.versions,
                &c.field,
                &c.value,
                c.hlc,
            )
            .applied()
        })
        .count()
}

async fn block_of(
    timeline: &ObjectStore<'_>,
    id: Uuid,
) -> Result<Option<TimelineBlock>, StoreError> {
    let index = timeline.index(BY_INTERACTION)?;
    Ok(index.get(id.to_string()).serde()?.await?)
}

fn parked_key(entity: Entity, id: Uuid) -> String {
    entities::record_key(entity, id)
}

impl Store {
    /// Applies one pulled page and stores `cursor`, all in one transaction.
    pub async fn apply_remote(
        &self,
        changes: &[Change],
        cursor: &str,
        now_ms: u64,
    ) -> Result<ApplyReport, StoreError> {
        let tx = self
            .db
            .transaction([CUSTOMERS, TIMELINE, PARKED, SEGMENTS, RECORDS, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let customers = tx.object_store(CUSTOMERS)?;
        let timeline = tx.object_store(TIMELINE)?;
        let parked = tx.object_store(PARKED)?;
        let segments = tx.object_store(SEGMENTS)?;
        let records = tx.object_store(RECORDS)?;
        let mut report = ApplyReport::default();
        let mut interactions: Vec<(Uuid, Vec<&Change>)> = Vec::new();
        for ((entity, id), group) in by_record(changes) {
            match entity {
                Entity::Customer => {
                    let existing = get_record(&customers, id).await?;
                    let mut state = match &existing {
                        Some(r) => RecordState {
                            fields: to_map(&r.customer),
                            versions: r.versions.clone(),
                        },
                        None => RecordState::default(),
                    };
                    state.fields.remove("id");
                    report.applied += merge_into(&mut state, &group);
                    match from_state::<Customer>(id, &state.fields) {
                        Some(customer) => {
                            let mut record = match existing {
                                Some(r) => {
                                    let mut record = CustomerRecord::new(customer, r.agg, now_ms);
                                    record.stats = r.stats;
                                    record
                                }
                                None => {
                                    let blocks = blocks_of(&timeline, id).await?;
                                    let mut record = CustomerRecord::new(
                                        customer,
                                        Aggregates::default(),
                                        now_ms,
                                    );
                                    record.set_interactions(blocks.iter().flat_map(|b| &b.items));
                                    record
                                }
                            };
                            record.versions = state.versions;
                            customers.put(&record).serde()?.await?;
                        }
                        None => {
                            park(&parked, entity, id, state).await?;
                        }
                    }
                }
                Entity::Interaction => interactions.push((id, group)),
                Entity::Segment => {
                    let existing: Option<SegmentRecord> =
                        segments.get(id.to_string()).serde()?.await?;
                    let mut state = match &existing {
                        Some(r) => RecordState {
                            fields: to_map(&SegmentFields {
                                segment: r.segment.clone(),
                                campaign_target: r.campaign_target,
                            }),
                            versions: r.versions.clone(),
                        },
                        None => RecordState::default(),
                    };
                    state.fields.remove("id");
                    report.applied += merge_into(&mut state, &group);
                    match from_state::<SegmentFields>(id, &state.fields) {
                        Some(fields) => {
                            let record = SegmentRecord {
                                segment: fields.segment,
                                campaign_target: fields.campaign_target,
                                versions: state.versions,
                            };
                            segments.put(&record).serde()?.await?;
                        }
                        None => park(&parked, entity, id, state).await?,
                    }
                }
                entity if entities::is_generic(entity) => {
                    // Records parked by an older version that did not store this entity.
                    let key = parked_key(entity, id);
                    let waiting: Option<ParkedRecord> = parked.get(key.clone()).serde()?.await?;
                    if waiting.is_some() {
                        parked.delete(key).primitive()?.await?;
                    }
                    report.applied += entities::merge_remote(
                        &records,
                        entity,
                        id,
                        &group,
                        waiting.map(|p| p.state),
                        now_ms,
                    )
                    .await?;
                }
                _ => {
                    let key = parked_key(entity, id);
                    let mut state = parked
                        .get(key)
                        .serde()?
                        .await?
                        .map(|p: ParkedRecord| p.state)
                        .unwrap_or_default();
                    report.applied += merge_into(&mut state, &group);
                    park(&parked, entity, id, state).await?;
                }
            }
        }
        report.applied +=
            merge_interactions(&customers, &timeline, &parked, interactions, now_ms).await?;
        meta::put(&tx.object_store(META)?, meta::CURSOR, &cursor.to_string()).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Logs a local value that lost to a newer write of the same field made elsewhere
    /// while it was still pending or unconfirmed (the sync engine tells which).
    pub async fn log_conflict(
        &self,
        local: &Change,
        winner: &Change,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([CUSTOMERS, RECORDS, CONFLICTS])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let label = match local.entity {
            Entity::Customer => get_record(&tx.object_store(CUSTOMERS)?, local.id)
                .await?
                .map(|r| r.customer.name)
                .unwrap_or_default(),
            entity if entities::is_generic(entity) => {
                entities::get_entity(&tx.object_store(RECORDS)?, entity, local.id)
                    .await?
                    .and_then(|r| {
                        ["title", "subject", "name"]
                            .iter()
                            .find_map(|f| r.fields.get(*f)?.as_str().map(str::to_string))
                    })
                    .unwrap_or_default()
            }
            _ => String::new(),
        };
        let entry = ConflictEntry {
            entity: local.entity,
            id: local.id.to_string(),
            label,
            field: local.field.clone(),
            lost_value: local.value.clone(),
            lost_hlc: local.hlc,
            winner_value: winner.value.clone(),
            winner_hlc: winner.hlc,
            at_ms: now_ms as f64,
        };
        tx.object_store(CONFLICTS)?.add(&entry).serde()?.await?;
        tx.commit().await?;
        Ok(())
    }

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
            .transaction([CUSTOMERS, OUTBOX, META, CONFLICTS])
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
        if entry.entity != Entity::Customer {
            return Err(StoreError::Other(
                "only customer values can be restored here".into(),
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
        let customer: Customer = from_state(id, &fields)
            .ok_or_else(|| StoreError::Other("the lost value no longer fits this field".into()))?;
        let agg = old.agg.clone();
        write_customer(
            &customers,
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

/// The pulled interactions of one page, merged with few IndexedDB round trips: each
/// customer's blocks are read once, every interaction of the page is placed in memory,
/// and each touched block and customer (aggregates) is written once at the end. Only
/// finding an interaction that may already be stored costs one index lookup each.
async fn merge_interactions(
    customers: &ObjectStore<'_>,
    timeline: &ObjectStore<'_>,
    parked: &ObjectStore<'_>,
    interactions: Vec<(Uuid, Vec<&Change>)>,
    now_ms: u64,
) -> Result<usize, StoreError> {
    if interactions.is_empty() {
        return Ok(0);
    }
    let mut applied = 0;
    let any_parked = parked.count().primitive()?.await? > 0;
    // Customer → its blocks (loaded once); interaction → owning customer (for loaded ones).
    let mut blocks: HashMap<Uuid, Vec<TimelineBlock>> = HashMap::new();
    let mut owner_of: HashMap<Uuid, Uuid> = HashMap::new();
    let mut dirty: BTreeSet<(Uuid, u32)> = BTreeSet::new();
    let mut touched: BTreeSet<Uuid> = BTreeSet::new();

    async fn load<'a>(
        timeline: &ObjectStore<'_>,
        blocks: &'a mut HashMap<Uuid, Vec<TimelineBlock>>,
        owner_of: &mut HashMap<Uuid, Uuid>,
        customer: Uuid,
    ) -> Result<&'a mut Vec<TimelineBlock>, StoreError> {
        if let std::collections::hash_map::Entry::Vacant(slot) = blocks.entry(customer) {
            let loaded = blocks_of(timeline, customer).await?;
            for item in loaded.iter().flat_map(|b| &b.items) {
                owner_of.insert(item.id, customer);
            }
            slot.insert(loaded);
        }
        Ok(blocks.get_mut(&customer).expect("just loaded"))
    }

    for (id, group) in interactions {
        let owner = match owner_of.get(&id) {
            Some(owner) => Some(*owner),
            None => match block_of(timeline, id).await? {
                Some(block) => {
                    let owner: Uuid = block
                        .customer_id
                        .parse()
                        .map_err(|_| StoreError::NotFound)?;
                    load(timeline, &mut blocks, &mut owner_of, owner).await?;
                    Some(owner)
                }
                None => None,
            },
        };
        let key = parked_key(Entity::Interaction, id);
        let mut state = match owner {
            Some(owner) => {
                let list = &blocks[&owner];
                let block = list.iter().find(|b| b.items.iter().any(|i| i.id == id));
                let item = block.and_then(|b| b.items.iter().find(|i| i.id == id));
                let mut fields = item.map(to_map).unwrap_or_default();
                fields.remove("id");
                RecordState {
                    fields,
                    versions: block
                        .and_then(|b| b.versions.get(&id.to_string()).cloned())
                        .unwrap_or_default(),
                }
            }
            None if any_parked => parked
                .get(key.clone())
                .serde()?
                .await?
                .map(|p: ParkedRecord| p.state)
                .unwrap_or_default(),
            None => RecordState::default(),
        };
        applied += merge_into(&mut state, &group);
        let Some(interaction) = from_state::<Interaction>(id, &state.fields) else {
            park(parked, Entity::Interaction, id, state).await?;
            continue;
        };
        let new_owner = interaction.customer_id;
        match owner {
            Some(old_owner) if old_owner == new_owner => {
                let list = blocks.get_mut(&old_owner).expect("loaded");
                if let Some(block) = list.iter_mut().find(|b| b.items.iter().any(|i| i.id == id)) {
                    if let Some(pos) = block.items.iter().position(|i| i.id == id) {
                        block.items[pos] = interaction;
                    }
                    block.versions.insert(id.to_string(), state.versions);
                    block.refresh_campaigns();
                    dirty.insert((old_owner, block.block));
                }
            }
            found => {
                if let Some(old_owner) = found {
                    // Re-pointed (a merge of duplicates): take it out of the old owner.
                    let list = blocks.get_mut(&old_owner).expect("loaded");
                    if let Some(block) =
                        list.iter_mut().find(|b| b.items.iter().any(|i| i.id == id))
                    {
                        block.items.retain(|i| i.id != id);
                        block.ids.retain(|i| *i != id.to_string());
                        block.versions.remove(&id.to_string());
                        block.refresh_campaigns();
                        dirty.insert((old_owner, block.block));
                    }
                    touched.insert(old_owner);
                } else if any_parked {
                    parked.delete(key).primitive()?.await?;
                }
                let list = load(timeline, &mut blocks, &mut owner_of, new_owner).await?;
                let block = place(list, new_owner, interaction, state.versions).block;
                dirty.insert((new_owner, block));
                owner_of.insert(id, new_owner);
            }
        }
        touched.insert(new_owner);
    }

    for (customer, number) in &dirty {
        if let Some(block) = blocks
            .get(customer)
            .and_then(|list| list.iter().find(|b| b.block == *number))
        {
            timeline.put(block).serde()?;
        }
    }
    for customer in touched {
        if let Some(mut record) = get_record(customers, customer).await? {
            let list = blocks.get(&customer).map(Vec::as_slice).unwrap_or_default();
            record.set_interactions(list.iter().flat_map(|b| &b.items));
            record.updated_ms = now_ms as f64;
            customers.put(&record).serde()?;
        }
    }
    Ok(applied)
}

async fn park(
    parked: &ObjectStore<'_>,
    entity: Entity,
    id: Uuid,
    state: RecordState,
) -> Result<(), StoreError> {
    let record = ParkedRecord {
        key: parked_key(entity, id),
        entity,
        id: id.to_string(),
        state,
    };
    parked.put(&record).serde()?.await?;
    Ok(())
}

/// Moves record field versions from a re-stamped change's old HLC to its new one.
pub(crate) async fn restamp_versions(
    tx: &Transaction<'_>,
    restamps: &[Restamp],
) -> Result<(), StoreError> {
    let customers = tx.object_store(CUSTOMERS)?;
    let timeline = tx.object_store(TIMELINE)?;
    let segments = tx.object_store(SEGMENTS)?;
    let records = tx.object_store(RECORDS)?;
    for r in restamps {
        match r.change.entity {
            Entity::Customer => {
                if let Some(mut record) = get_record(&customers, r.change.id).await? {
                    if restamp_field(&mut record.versions, &r.change.field, r.old, r.change.hlc) {
                        customers.put(&record).serde()?.await?;
                    }
                }
            }
            Entity::Interaction => {
                if let Some(mut block) = block_of(&timeline, r.change.id).await? {
                    let moved = block
                        .versions
                        .get_mut(&r.change.id.to_string())
                        .is_some_and(|v| restamp_field(v, &r.change.field, r.old, r.change.hlc));
                    if moved {
                        timeline.put(&block).serde()?.await?;
                    }
                }
            }
            Entity::Segment => {
                let found: Option<SegmentRecord> =
                    segments.get(r.change.id.to_string()).serde()?.await?;
                if let Some(mut record) = found {
                    if restamp_field(&mut record.versions, &r.change.field, r.old, r.change.hlc) {
                        segments.put(&record).serde()?.await?;
                    }
                }
            }
            entity if entities::is_generic(entity) => {
                if let Some(mut record) =
                    entities::get_entity(&records, entity, r.change.id).await?
                {
                    if restamp_field(&mut record.versions, &r.change.field, r.old, r.change.hlc) {
                        records.put(&record).serde()?.await?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}
