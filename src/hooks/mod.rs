//! The only UI code that touches `storage` (and, later, `sync`): each hook turns a store
//! query into signals, and each action into an async function screens can call.

pub mod use_campaigns;
pub mod use_care;
pub mod use_conflicts;
pub mod use_customer;
pub mod use_customers;
pub mod use_follow_ups;
pub mod use_import;
pub mod use_online;
pub mod use_pwa;
pub mod use_records;
pub mod use_segments;
pub mod use_store;
pub mod use_sync;
pub mod use_toast;
