//! Saved segments (synced records, entity `segment`) and the full customer read the
//! segmentation worker builds its columns from.

use crm_core::{
    change::{field_diff, Entity},
    segment::SavedSegment,
};
use indexed_db_futures::{
    prelude::*,
    transaction::{Transaction, TransactionMode},
};
use uuid::Uuid;

use super::{
    outbox,
    records::{CustomerRecord, SegmentFields, SegmentRecord},
    schema::{CUSTOMERS, META, OUTBOX, SEGMENTS},
    stamp::Stamp,
    Store, StoreError,
};

impl Store {
    /// Every customer record (tombstones included; segmentation skips them) without the
    /// timeline block a record may hold: the worker keeps these in memory and needs only
    /// the aggregates (an M book's blocks are about 17 MB, an L book's ten times that).
    /// Only the segmentation worker calls this, off the main thread.
    pub async fn all_customer_records(&self) -> Result<Vec<CustomerRecord>, StoreError> {
        let tx = self.db.transaction(CUSTOMERS).build()?;
        let rows = tx.object_store(CUSTOMERS)?.get_all().serde()?.await?;
        rows.map(|row| {
            let mut record: CustomerRecord = row?;
            record.tl0 = None;
            Ok(record)
        })
        .collect()
    }

    /// Live saved segments, by name.
    pub async fn saved_segments(&self) -> Result<Vec<SegmentRecord>, StoreError> {
        let tx = self.db.transaction(SEGMENTS).build()?;
        let rows = tx.object_store(SEGMENTS)?.get_all().serde()?.await?;
        let mut rows: Vec<SegmentRecord> = rows.collect::<Result<_, _>>()?;
        rows.retain(|r| !r.segment.deleted);
        rows.sort_by(|a, b| {
            a.segment
                .name
                .to_lowercase()
                .cmp(&b.segment.name.to_lowercase())
        });
        Ok(rows)
    }

    /// Creates or updates a saved segment (validated by the caller with
    /// `SavedSegment::validate`), queueing its changed fields for sync.
    pub async fn save_segment(
        &self,
        fields: SegmentFields,
        stamp: Stamp<'_>,
    ) -> Result<SegmentRecord, StoreError> {
        let tx = self
            .db
            .transaction([SEGMENTS, OUTBOX, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let record = write_segment(&tx, fields, stamp).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Deletes a saved segment (tombstone).
    pub async fn delete_segment(&self, id: Uuid, stamp: Stamp<'_>) -> Result<(), StoreError> {
        let record = {
            let tx = self.db.transaction(SEGMENTS).build()?;
            let found: Option<SegmentRecord> = tx
                .object_store(SEGMENTS)?
                .get(id.to_string())
                .serde()?
                .await?;
            found.ok_or(StoreError::NotFound)?
        };
        let mut segment: SavedSegment = record.segment;
        segment.deleted = true;
        self.save_segment(
            SegmentFields {
                segment,
                campaign_target: record.campaign_target,
            },
            stamp,
        )
        .await?;
        Ok(())
    }
}

/// Writes a segment's fields over the stored record inside the caller's transaction
/// (which holds the segments, outbox and meta stores), stamping and queueing the fields
/// that changed.
pub(super) async fn write_segment(
    tx: &Transaction<'_>,
    fields: SegmentFields,
    stamp: Stamp<'_>,
) -> Result<SegmentRecord, StoreError> {
    let store = tx.object_store(SEGMENTS)?;
    let id = fields.segment.id;
    let old: Option<SegmentRecord> = store.get(id.to_string()).serde()?.await?;
    let old_fields = old.as_ref().map(|o| SegmentFields {
        segment: o.segment.clone(),
        campaign_target: o.campaign_target,
    });
    let changes = field_diff(old_fields.as_ref(), &fields);
    let mut record = SegmentRecord {
        segment: fields.segment,
        campaign_target: fields.campaign_target,
        versions: old.map(|o| o.versions).unwrap_or_default(),
    };
    if !changes.is_empty() {
        let stamped = stamp(Entity::Segment, id, changes, &record.versions);
        for p in &stamped.pending {
            record.versions.insert(p.change.field.clone(), p.change.hlc);
        }
        outbox::write(&tx.object_store(OUTBOX)?, &tx.object_store(META)?, &stamped).await?;
    }
    store.put(&record).serde()?.await?;
    Ok(record)
}
