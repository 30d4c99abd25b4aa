//! Bulk load of the deterministic demo data set in chunked transactions, with progress.
//! Demo data is local only: it is not queued for sync (a prospect's demo must never
//! reach a company's server).

use chrono::NaiveDate;
use crm_core::{
    demo::{Demo, Size, DEMO_SEED},
    Aggregates,
};
use indexed_db_futures::{prelude::*, transaction::TransactionMode};

use super::{
    meta,
    records::CustomerRecord,
    schema::{CUSTOMERS, SEARCH, TIMELINE},
    search,
    timeline::{into_blocks, put_block},
    Store, StoreError,
};

/// Customers written per transaction.
const CHUNK: usize = 1_000;

impl Store {
    /// Writes a demo data set. `progress(done, total)` is called after each committed
    /// chunk. Each chunk is all-or-nothing; a failure stops the load with what was
    /// committed so far intact.
    pub async fn load_demo(
        &self,
        size: Size,
        today: NaiveDate,
        now_ms: u64,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<usize, StoreError> {
        self.first_pull.stop();
        let demo = Demo::new(size, DEMO_SEED, today);
        let total = demo.len();
        let mut done = 0;
        while done < total {
            let end = (done + CHUNK).min(total);
            let tx = self
                .db
                .transaction([CUSTOMERS, SEARCH, TIMELINE])
                .with_mode(TransactionMode::Readwrite)
                .build()?;
            let customers = tx.object_store(CUSTOMERS)?;
            let timeline = tx.object_store(TIMELINE)?;
            let mut records = Vec::with_capacity(end - done);
            for generated in demo.range(done..end) {
                let id = generated.customer.id;
                let mut record =
                    CustomerRecord::new(generated.customer, Aggregates::default(), now_ms);
                record.set_interactions(&generated.interactions);
                for block in into_blocks(id, generated.interactions) {
                    put_block(&timeline, Some(&mut record), &block)?;
                }
                records.push(record);
            }
            search::place_all(&tx.object_store(SEARCH)?, &mut records).await?;
            for record in &records {
                customers.put(record).serde()?;
            }
            tx.commit().await?;
            done = end;
            progress(done, total);
        }
        self.set_meta(meta::DEMO_LOADED, &true).await?;
        Ok(total)
    }
}
