//! Presentational components: props in, callbacks out; no storage, no network.

pub mod charts;
pub mod download;
pub mod field;
pub mod header;
pub mod toast;
