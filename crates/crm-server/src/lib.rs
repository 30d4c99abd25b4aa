//! The sync server of the field-sales CRM: SYNC.md's REST contract over axum, with every
//! record of every organisation in one SQLite file, plus the built app served as static
//! files so one process on 127.0.0.1 is the whole product.
//!
//! Handlers are "decode → crm-core merge rule → persist → encode"; the merge rule,
//! the wire types and the validation all come from `crm-core`, shared with the browser.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod serve;
pub mod state;

pub use config::Config;
pub use error::AppError;
pub use state::AppState;
