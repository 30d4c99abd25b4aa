//! One screen per file.

pub mod campaigns;
pub mod companies;
pub mod customer_form;
pub mod customer_page;
pub mod customers;
pub mod dashboard;
pub mod deals;
pub mod duplicates;
pub mod follow_ups;
pub mod import;
pub mod placeholders;
pub mod segment_settings;
pub mod segments;
pub mod settings;
pub mod sync;
pub mod tickets;
