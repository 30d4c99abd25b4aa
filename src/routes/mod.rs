//! One screen per file.

pub mod customer_form;
pub mod customer_page;
pub mod customers;
pub mod follow_ups;
pub mod placeholders;
pub mod sync;
