//! Merging pulled changes into IndexedDB by field-level LWW (crm-core's `merge`), in one
//! transaction with the new cursor and the conflict-log entries of our values that lost
//! (`conflict_log`).

use std::collections::BTreeMap;

use crm_core::{
    change::{Change, Entity},
    merge::{restamp_field, RecordState},
    sync::Restamp,
    wire::Homes,
    Clock, Hlc,
};
use indexed_db_futures::{
    object_store::ObjectStore,
    prelude::*,
    transaction::{Transaction, TransactionDurability, TransactionMode, TransactionOptions},
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    conflict_log::Losses,
    customers::get_record,
    entities,
    homes::{candidates, local_homes, put_local_homes, LocalHomes},
    meta,
    pulled_page::{merge_page, PageHomes, PageStores},
    records::{ParkedRecord, SegmentFields, SegmentRecord},
    schema::{CONFLICTS, CUSTOMERS, META, PARKED, RECORDS, SEARCH, SEGMENTS, TIMELINE},
    timeline::{find_blocks, put_block_alone},
    Store, StoreError,
};

/// What applying a pulled page did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplyReport {
    /// Changes that became the local value.
    pub applied: usize,
}

pub(super) fn to_map<T: serde::Serialize>(record: &T) -> Map<String, Value> {
    match serde_json::to_value(record) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The typed record of `id` from its merged fields (`None` while fields it needs are
/// still missing). Reads the fields in place (a pull builds ~100,000 records, so no
/// copy of each map); `fields` comes back as it was, without an `id`.
pub(super) fn from_state<T: serde::de::DeserializeOwned>(
    id: Uuid,
    fields: &mut Map<String, Value>,
) -> Option<T> {
    let mut object = Value::Object(std::mem::take(fields));
    if let Value::Object(map) = &mut object {
        map.insert("id".into(), Value::String(id.to_string()));
    }
    let typed = T::deserialize(&object).ok();
    if let Value::Object(mut map) = object {
        map.remove("id");
        *fields = map;
    }
    typed
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

/// Merges the changes of one record into its state, noting our writes that lost in
/// `losses`; returns how many won.
pub(super) fn merge_into(
    state: &mut RecordState,
    changes: &[&Change],
    losses: &mut Losses,
) -> usize {
    changes
        .iter()
        .filter(|c| {
            let outcome = state.apply(c);
            losses.check(&outcome, c);
            outcome.applied()
        })
        .count()
}

pub(super) fn parked_key(entity: Entity, id: Uuid) -> String {
    entities::record_key(entity, id)
}

impl Store {
    /// Applies one pulled page (with its `homes`, see `storage::homes`) and stores
    /// `cursor`, all in one transaction.
    pub async fn apply_remote(
        &self,
        changes: &[Change],
        homes: &Homes,
        cursor: &str,
        now_ms: u64,
    ) -> Result<ApplyReport, StoreError> {
        self.apply_pulled(changes, homes, cursor, now_ms, None)
            .await
    }

    /// [`apply_remote`](Self::apply_remote) that also stores the sync engine's clock
    /// (unless a newer one is stored) and re-stamp floor as they stand after the page,
    /// in the same transaction: a first sync would otherwise commit two more small
    /// transactions per page.
    pub async fn apply_pulled(
        &self,
        changes: &[Change],
        homes: &Homes,
        cursor: &str,
        now_ms: u64,
        engine: Option<(&Clock, Hlc)>,
    ) -> Result<ApplyReport, StoreError> {
        // Relaxed: a page lost to a crash before the disk flush is pulled again, since
        // its cursor is written in the same transaction.
        let tx = self
            .db
            .transaction([
                CUSTOMERS, SEARCH, TIMELINE, PARKED, SEGMENTS, RECORDS, META, CONFLICTS,
            ])
            .with_mode(TransactionMode::Readwrite)
            .with_options(TransactionOptions::new().with_durability(TransactionDurability::Relaxed))
            .build()?;
        let customers = tx.object_store(CUSTOMERS)?;
        let timeline = tx.object_store(TIMELINE)?;
        let parked = tx.object_store(PARKED)?;
        let segments = tx.object_store(SEGMENTS)?;
        let records = tx.object_store(RECORDS)?;
        let meta_store = tx.object_store(META)?;
        // Read now, awaited only when needed: this device's node id tells which
        // replaced values were ours, and a stored clock newer than the engine's stays.
        let stored_clock = meta_store.get(meta::CLOCK).serde()?;
        let (mut losses, stored_clock) = match engine {
            Some((clock, _)) => (Losses::of_node(Some(clock.node)), Some(stored_clock)),
            None => {
                let stored: Option<Clock> = stored_clock.await?;
                (Losses::of_node(stored.map(|c| c.node)), None)
            }
        };
        let mut report = ApplyReport::default();
        let mut customer_groups = Vec::new();
        let mut interaction_groups = Vec::new();
        for ((entity, id), group) in by_record(changes) {
            match entity {
                Entity::Customer => customer_groups.push((id, group)),
                Entity::Interaction => interaction_groups.push((id, group)),
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
                    report.applied += merge_into(&mut state, &group, &mut losses);
                    match from_state::<SegmentFields>(id, &mut state.fields) {
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
                        &mut losses,
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
                    report.applied += merge_into(&mut state, &group, &mut losses);
                    park(&parked, entity, id, state).await?;
                }
            }
        }
        let any = !(interaction_groups.is_empty() && customer_groups.is_empty());
        if any && !self.first_pull.active() && nothing_stored(&tx).await? {
            self.first_pull.start();
        }
        let search = tx.object_store(SEARCH)?;
        let stores = PageStores {
            customers: &customers,
            timeline: &timeline,
            parked: &parked,
            search: &search,
            first_pull: &self.first_pull,
        };
        let mut local = match interaction_groups.is_empty() {
            true => LocalHomes::new(),
            false => local_homes(&meta_store).await?,
        };
        let mut page_homes = PageHomes {
            served: homes,
            local: &mut local,
            local_changed: false,
        };
        report.applied += merge_page(
            stores,
            customer_groups,
            interaction_groups,
            &mut page_homes,
            now_ms,
            &mut losses,
        )
        .await?;
        if page_homes.local_changed {
            put_local_homes(&meta_store, &local)?;
        }
        losses
            .log(&tx.object_store(CONFLICTS)?, &customers, &records, now_ms)
            .await?;
        // Not awaited one by one: a failed put aborts the transaction, which the
        // commit reports.
        meta_store
            .put(&cursor.to_string())
            .with_key(meta::CURSOR.to_string())
            .serde()?;
        if let (Some((clock, floor)), Some(stored_clock)) = (engine, stored_clock) {
            let stored: Option<Clock> = stored_clock.await?;
            if stored.is_none_or(|s| s.last < clock.last) {
                meta_store
                    .put(clock)
                    .with_key(meta::CLOCK.to_string())
                    .serde()?;
            }
            meta_store
                .put(&floor)
                .with_key(meta::FLOOR.to_string())
                .serde()?;
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Ends a first pull's tracking of what it stored (the first sync finished).
    pub fn end_first_pull(&self) {
        self.first_pull.stop();
    }
}

/// Whether the device holds no customers, no interactions and no cursor: the start of
/// a first pull (see `first_pull`).
async fn nothing_stored(tx: &Transaction<'_>) -> Result<bool, StoreError> {
    let no_cursor = meta::get::<String>(&tx.object_store(META)?, meta::CURSOR)
        .await?
        .is_none();
    Ok(no_cursor
        && tx.object_store(TIMELINE)?.count().primitive()?.await? == 0
        && tx.object_store(CUSTOMERS)?.count().primitive()?.await? == 0)
}

pub(super) async fn park(
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

/// The timeline blocks holding the re-stamped interactions, found by the customers the
/// re-stamped changes and this device's re-points name (see `storage::homes`).
async fn restamped_blocks(
    tx: &Transaction<'_>,
    customers: &ObjectStore<'_>,
    timeline: &ObjectStore<'_>,
    restamps: &[Restamp],
) -> Result<Vec<crate::storage::records::TimelineBlock>, StoreError> {
    let mut changes: BTreeMap<Uuid, Vec<&Change>> = BTreeMap::new();
    for r in restamps
        .iter()
        .filter(|r| r.change.entity == Entity::Interaction)
    {
        changes.entry(r.change.id).or_default().push(&r.change);
    }
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let local = local_homes(&tx.object_store(META)?).await?;
    let wanted = changes
        .into_iter()
        .map(|(id, group)| (id, candidates(id, &group, &Homes::new(), &local)))
        .collect();
    find_blocks(customers, timeline, &wanted).await
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
    let mut interaction_blocks = restamped_blocks(tx, &customers, &timeline, restamps).await?;
    // Each block is put once, however many of its fields moved.
    let mut moved_blocks = std::collections::BTreeSet::new();
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
                let found = interaction_blocks
                    .iter_mut()
                    .enumerate()
                    .find(|(_, b)| b.items.iter().any(|i| i.id == r.change.id));
                if let Some((n, block)) = found {
                    if block
                        .versions
                        .get_mut(&r.change.id.to_string())
                        .is_some_and(|v| restamp_field(v, &r.change.field, r.old, r.change.hlc))
                    {
                        moved_blocks.insert(n);
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
    for n in moved_blocks {
        put_block_alone(&customers, &timeline, &interaction_blocks[n]).await?;
    }
    Ok(())
}
