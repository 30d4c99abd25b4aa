//! Presentational components: props in, callbacks out; they may read through hooks, never storage directly.

pub mod charts;
pub mod company_timeline;
pub mod download;
pub mod field;
pub mod header;
pub mod loyalty;
pub mod toast;
