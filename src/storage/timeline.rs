//! Interactions, stored in per-customer blocks (see the module docs of `storage`).
//! Logging one rewrites one block and the customer's aggregates in one transaction
//! with the interaction's outbox entries.

use crm_core::{
    change::{field_diff, Entity},
    Interaction, InteractionDraft,
};
use indexed_db_futures::{
    object_store::ObjectStore, prelude::*, transaction::TransactionMode, KeyRange,
};
use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::{
    customers::get_record,
    outbox,
    records::{CustomerRecord, EmbeddedBlock, TimelineBlock},
    schema::{CUSTOMERS, META, OUTBOX, TIMELINE},
    stamp::Stamp,
    Now, Store, StoreError,
};

/// Interactions per block: big enough that a typical customer has one block, small
/// enough that appending rewrites little.
pub const BLOCK_SIZE: usize = 100;

pub(crate) fn customer_range(customer_id: Uuid) -> KeyRange<(String, u32)> {
    let id = customer_id.to_string();
    KeyRange::Bound((id.clone(), 0), false, (id, u32::MAX), false)
}

/// A customer's blocks: block 0 from its record when the record holds it
/// ([`EmbeddedBlock`]), the others (and a block 0 stored apart) from the timeline store.
pub(crate) async fn blocks_of(
    timeline: &ObjectStore<'_>,
    record: Option<&CustomerRecord>,
    customer_id: Uuid,
) -> Result<Vec<TimelineBlock>, StoreError> {
    let rows = timeline
        .get_all()
        .with_query::<(String, u32), _>(customer_range(customer_id))
        .serde()?
        .await?;
    with_embedded(record, customer_id, rows.collect::<Result<_, _>>()?)
}

/// Joins the block a customer's record holds with the customer's blocks read from the
/// timeline store, marking a block 0 read from there as stored apart.
pub(crate) fn with_embedded(
    record: Option<&CustomerRecord>,
    customer_id: Uuid,
    mut stored: Vec<TimelineBlock>,
) -> Result<Vec<TimelineBlock>, StoreError> {
    for block in &mut stored {
        block.stored_apart = block.block == 0;
    }
    // A block 0 is written back where it was read, so it is never in both places.
    if stored.first().is_some_and(|b| b.block == 0) {
        return Ok(stored);
    }
    if let Some(embedded) = record.and_then(|r| r.tl0.as_ref()) {
        let block = embedded
            .decode(&customer_id.to_string())
            .map_err(StoreError::Other)?;
        stored.insert(0, block);
    }
    Ok(stored)
}

/// Writes a block where it lives (the caller puts `record` afterwards): block 0 into
/// its customer's record unless it is stored apart, there is no record yet or it links
/// a campaign (found through the timeline store's campaign index; it then leaves the
/// record); any other block into the timeline store. The put is not awaited: a failure
/// aborts the transaction.
pub(crate) fn put_block(
    timeline: &ObjectStore<'_>,
    record: Option<&mut CustomerRecord>,
    block: &TimelineBlock,
) -> Result<(), StoreError> {
    let first = block.block == 0 && !block.stored_apart;
    match record {
        Some(record) if first && block.campaigns.is_empty() => {
            record.tl0 = Some(EmbeddedBlock::encode(block).map_err(StoreError::Other)?);
        }
        record => {
            if let Some(record) = record.filter(|_| first) {
                record.tl0 = None;
            }
            timeline.put(block).serde()?;
        }
    }
    Ok(())
}

/// [`put_block`] for a caller that does not hold the customer's record: reads and puts
/// it when the block belongs in it.
pub(crate) async fn put_block_alone(
    customers: &ObjectStore<'_>,
    timeline: &ObjectStore<'_>,
    block: &TimelineBlock,
) -> Result<(), StoreError> {
    if block.block == 0 && !block.stored_apart {
        let id =
            Uuid::parse_str(&block.customer_id).map_err(|e| StoreError::Other(e.to_string()))?;
        if let Some(mut record) = get_record(customers, id).await? {
            put_block(timeline, Some(&mut record), block)?;
            customers.put(&record).serde()?.await?;
            return Ok(());
        }
    }
    timeline.put(block).serde()?.await?;
    Ok(())
}

/// Blocks read per request when [`find_blocks`] scans the whole timeline.
const SCAN_CHUNK: usize = 256;

/// The blocks holding the interactions of `wanted` (id → the customers it may be filed
/// under, see `storage::homes`): those customers' blocks first, then, for any not found
/// there, every block in key order. The scan is a rare fallback: only a re-stamp after
/// a `clock_skew` refusal asks for an interaction whose customer it may not know.
pub(crate) async fn find_blocks(
    customers: &ObjectStore<'_>,
    timeline: &ObjectStore<'_>,
    wanted: &BTreeMap<Uuid, BTreeSet<Uuid>>,
) -> Result<Vec<TimelineBlock>, StoreError> {
    let mut missing: BTreeSet<Uuid> = wanted.keys().copied().collect();
    let mut found = Vec::new();
    let holders: BTreeSet<Uuid> = wanted.values().flatten().copied().collect();
    for customer in holders {
        let record = get_record(customers, customer).await?;
        for block in blocks_of(timeline, record.as_ref(), customer).await? {
            keep_if_wanted(block, &mut missing, &mut found);
        }
    }
    if missing.is_empty() {
        return Ok(found);
    }
    let keys: Vec<(String, u32)> = timeline
        .get_all_keys::<(String, u32)>()
        .serde()?
        .await?
        .collect::<Result<_, _>>()?;
    for chunk in keys.chunks(SCAN_CHUNK) {
        if missing.is_empty() {
            break;
        }
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
            continue;
        };
        let range = KeyRange::Bound(first.clone(), false, last.clone(), false);
        let blocks = timeline
            .get_all()
            .with_query::<(String, u32), _>(range)
            .serde()?
            .await?;
        for block in blocks {
            let mut block: TimelineBlock = block?;
            block.stored_apart = block.block == 0;
            keep_if_wanted(block, &mut missing, &mut found);
        }
    }
    // Then the blocks customer records hold.
    let ids: Vec<String> = customers
        .get_all_keys::<String>()
        .primitive()?
        .await?
        .collect::<Result<_, _>>()?;
    for chunk in ids.chunks(SCAN_CHUNK) {
        if missing.is_empty() {
            break;
        }
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
            continue;
        };
        let range = KeyRange::Bound(first.clone(), false, last.clone(), false);
        let records = customers
            .get_all()
            .with_query::<String, _>(range)
            .serde()?
            .await?;
        for record in records {
            let record: CustomerRecord = record?;
            if let Some(embedded) = &record.tl0 {
                let block = embedded
                    .decode(&record.customer.id.to_string())
                    .map_err(StoreError::Other)?;
                keep_if_wanted(block, &mut missing, &mut found);
            }
        }
    }
    Ok(found)
}

/// Adds `block` to `found` when it holds interactions still `missing` (taking them off).
fn keep_if_wanted(
    block: TimelineBlock,
    missing: &mut BTreeSet<Uuid>,
    found: &mut Vec<TimelineBlock>,
) {
    let before = missing.len();
    for item in &block.items {
        missing.remove(&item.id);
    }
    if missing.len() < before {
        found.push(block);
    }
}

/// Splits a customer's interactions into blocks (bulk loads).
pub fn into_blocks(customer_id: Uuid, items: Vec<Interaction>) -> Vec<TimelineBlock> {
    items
        .chunks(BLOCK_SIZE)
        .enumerate()
        .map(|(n, chunk)| TimelineBlock {
            customer_id: customer_id.to_string(),
            block: n as u32,
            items: chunk.to_vec(),
            versions: Default::default(),
            campaigns: Vec::new(),
            stored_apart: false,
        })
        .map(|mut block| {
            block.refresh_campaigns();
            block
        })
        .collect()
}

impl Store {
    /// A customer's live interactions, newest first.
    pub async fn timeline(&self, customer_id: Uuid) -> Result<Vec<Interaction>, StoreError> {
        let tx = self.db.transaction([CUSTOMERS, TIMELINE]).build()?;
        let record = get_record(&tx.object_store(CUSTOMERS)?, customer_id).await?;
        let blocks = blocks_of(&tx.object_store(TIMELINE)?, record.as_ref(), customer_id).await?;
        let mut items: Vec<Interaction> = blocks
            .into_iter()
            .flat_map(|b| b.items)
            .filter(|i| !i.deleted)
            .collect();
        items.sort_by_key(|i| std::cmp::Reverse((i.at, i.id)));
        Ok(items)
    }

    /// Logs an interaction for a customer: validates the draft, appends it to the
    /// customer's last block, refreshes the customer's aggregates and queues the
    /// interaction's fields for sync, all in one transaction.
    pub async fn log_interaction(
        &self,
        customer_id: Uuid,
        draft: &InteractionDraft,
        now: Now,
        stamp: Stamp<'_>,
    ) -> Result<Interaction, StoreError> {
        let interaction = draft
            .build(Uuid::now_v7(), customer_id, now.local)
            .map_err(StoreError::Invalid)?;
        let tx = self
            .db
            .transaction([CUSTOMERS, TIMELINE, OUTBOX, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let customers = tx.object_store(CUSTOMERS)?;
        let timeline = tx.object_store(TIMELINE)?;
        let mut record = get_record(&customers, customer_id)
            .await?
            .filter(|r| !r.customer.deleted)
            .ok_or(StoreError::NotFound)?;
        let mut blocks = blocks_of(&timeline, Some(&record), customer_id).await?;
        let stamped = stamp(
            Entity::Interaction,
            interaction.id,
            field_diff(None, &interaction),
            &Default::default(),
        );
        let versions = stamped
            .pending
            .iter()
            .map(|p| (p.change.field.clone(), p.change.hlc))
            .collect();
        let block = place(&mut blocks, customer_id, interaction.clone(), versions);
        put_block(&timeline, Some(&mut record), block)?;
        // A first pull still running must read these blocks before adding to them.
        self.first_pull
            .stored(super::first_pull::Stored::Blocks, [customer_id]);

        record.updated_ms = now.ms as f64;
        record.set_interactions(blocks.iter().flat_map(|b| &b.items));
        customers.put(&record).serde()?.await?;

        outbox::write(&tx.object_store(OUTBOX)?, &tx.object_store(META)?, &stamped).await?;
        tx.commit().await?;
        Ok(interaction)
    }
}

/// Appends an interaction to the customer's last block (or a new one when full) and
/// returns the block to write.
pub(crate) fn place(
    blocks: &mut Vec<TimelineBlock>,
    customer_id: Uuid,
    interaction: Interaction,
    versions: std::collections::BTreeMap<String, crm_core::Hlc>,
) -> &TimelineBlock {
    if blocks.last().is_none_or(|b| b.items.len() >= BLOCK_SIZE) {
        let block = blocks.last().map_or(0, |b| b.block + 1);
        blocks.push(TimelineBlock {
            customer_id: customer_id.to_string(),
            block,
            items: Vec::new(),
            versions: Default::default(),
            campaigns: Vec::new(),
            stored_apart: false,
        });
    }
    let last = blocks.last_mut().expect("a block exists");
    last.versions.insert(interaction.id.to_string(), versions);
    last.items.push(interaction);
    last.refresh_campaigns();
    last
}
