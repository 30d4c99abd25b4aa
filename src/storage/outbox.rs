//! The outbox: pending field changes keyed by the engine's sequence number (push order).
//! Written only inside the same transaction as the record they describe.

use crm_core::sync::{Pending, Restamp};
use indexed_db_futures::{object_store::ObjectStore, prelude::*, transaction::TransactionMode};

use super::{
    meta,
    records::OutboxEntry,
    schema::{META, OUTBOX},
    stamp::Stamped,
    Store, StoreError,
};

/// Writes stamped entries and the clock (inside the caller's transaction).
pub async fn write(
    outbox: &ObjectStore<'_>,
    meta_store: &ObjectStore<'_>,
    stamped: &Stamped,
) -> Result<(), StoreError> {
    for p in &stamped.pending {
        outbox
            .put(&OutboxEntry::from(&p.change))
            .with_key(p.seq as f64)
            .serde()?
            .await?;
    }
    meta::put(meta_store, meta::CLOCK, &stamped.clock).await?;
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
        Ok(self
            .outbox_pending()
            .await?
            .into_iter()
            .map(|p| OutboxEntry::from(&p.change))
            .collect())
    }

    /// Every pending change with its sequence number, for the sync engine.
    pub async fn outbox_pending(&self) -> Result<Vec<Pending>, StoreError> {
        let tx = self.db.transaction(OUTBOX).build()?;
        let store = tx.object_store(OUTBOX)?;
        let keys: Vec<f64> = store
            .get_all_keys::<f64>()
            .primitive()?
            .await?
            .collect::<Result<_, _>>()?;
        let values: Vec<OutboxEntry> = store.get_all().serde()?.await?.collect::<Result<_, _>>()?;
        Ok(keys
            .into_iter()
            .zip(values)
            .filter_map(|(seq, entry)| {
                entry.into_change().map(|change| Pending {
                    seq: seq as u64,
                    change,
                })
            })
            .collect())
    }

    /// Drops entries the server answered for (or that lost, or were rejected).
    pub async fn remove_outbox(&self, seqs: &[u64]) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(OUTBOX)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let store = tx.object_store(OUTBOX)?;
        for seq in seqs {
            store.delete(*seq as f64).primitive()?.await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Rewrites re-stamped entries after a `clock_skew` refusal, and moves each record
    /// field's version to the new HLC where it still holds the old one.
    pub async fn restamp(
        &self,
        restamps: &[Restamp],
        clock: &crm_core::Clock,
    ) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([
                OUTBOX,
                META,
                super::schema::CUSTOMERS,
                super::schema::TIMELINE,
            ])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let store = tx.object_store(OUTBOX)?;
        for r in restamps {
            store
                .put(&OutboxEntry::from(&r.change))
                .with_key(r.seq as f64)
                .serde()?
                .await?;
        }
        super::remote::restamp_versions(&tx, restamps).await?;
        meta::put(&tx.object_store(META)?, meta::CLOCK, clock).await?;
        tx.commit().await?;
        Ok(())
    }
}
