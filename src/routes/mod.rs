//! One screen per file.

pub mod customer_form;
pub mod customer_page;
pub mod customers;
pub mod dashboard;
pub mod duplicates;
pub mod follow_ups;
pub mod import;
pub mod placeholders;
pub mod segment_settings;
pub mod segments;
pub mod sync;
