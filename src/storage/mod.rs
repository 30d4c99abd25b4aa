//! IndexedDB store: schema and migrations, record mapping, and every read and write the
//! screens need. The only module that talks to IndexedDB.
//!
//! Layout (chosen from BENCH.md's measurements, where one record per interaction costs
//! sixteen minutes for a million): customers are one record each, carrying their derived
//! sort key and per-customer aggregates, with their search entries kept apart in blocks
//! of a thousand ([`search`]); interactions live in per-customer
//! blocks of up to [`timeline::BLOCK_SIZE`], found by customer (no index by interaction:
//! see [`homes`]); the outbox holds one change per changed field (batch records for bulk
//! imports).
//! A record write and its outbox entries always share one readwrite transaction.

mod agg_field;
pub mod bulk;
pub mod care;
mod conflict_log;
pub mod customers;
pub mod demo;
pub mod entities;
pub mod error;
mod first_pull;
pub mod homes;
mod js_objects;
mod json_field;
pub mod meta;
pub mod outbox;
mod packed_block;
mod pulled_page;
pub mod records;
pub mod remote;
pub mod schema;
pub mod search;
pub mod segments;
pub mod stamp;
pub mod timeline;
mod versions_field;

#[cfg(test)]
mod tests;

pub use error::StoreError;
pub use schema::Store;

use chrono::{Local, NaiveDateTime};

/// The moment an edit happens: Unix ms for HLCs and local wall time for dates.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    pub ms: u64,
    pub local: NaiveDateTime,
}

impl Now {
    /// Reads the browser clock (the shell's job; the core never does).
    pub fn read() -> Self {
        let now = Local::now();
        Now {
            ms: now.timestamp_millis().max(0) as u64,
            local: now.naive_local(),
        }
    }
}
