//! Segmentation off the main thread: a dedicated Web Worker (`src/bin/segment_worker.rs`)
//! builds crm-core's `SegmentColumns` from the store and evaluates rules, so typing in
//! the rule builder never blocks the page. `protocol` is what crosses the boundary.

pub mod protocol;
pub mod worker;
