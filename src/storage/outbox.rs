//! The outbox: pending field changes in push order. Written only inside the same
//! transaction as the record they describe.

use crm_core::{change::Entity, Hlc};
use indexed_db_futures::{object_store::ObjectStore, prelude::*};
use serde_json::Value;

use super::{records::OutboxEntry, schema::OUTBOX, Store, StoreError};

/// Appends one entry per changed field, all stamped with the edit's HLC.
pub async fn append(
    outbox: &ObjectStore<'_>,
    entity: Entity,
    id: &str,
    changes: Vec<(String, Value)>,
    hlc: Hlc,
) -> Result<(), StoreError> {
    for (field, value) in changes {
        let entry = OutboxEntry {
            entity,
            id: id.to_string(),
            field,
            value,
            hlc,
        };
        outbox.add(&entry).serde()?.await?;
    }
    Ok(())
}

impl Store {
    /// Number of changes not yet pushed (the sync badge's "N pending").
    pub async fn pending_count(&self) -> Result<u32, StoreError> {
        let tx = self.db.transaction(OUTBOX).build()?;
        let n = tx.object_store(OUTBOX)?.count().primitive()?.await?;
        Ok(n)
    }

    /// Every pending change, oldest first.
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let tx = self.db.transaction(OUTBOX).build()?;
        let entries = tx.object_store(OUTBOX)?.get_all().serde()?.await?;
        Ok(entries.collect::<Result<_, _>>()?)
    }
}
