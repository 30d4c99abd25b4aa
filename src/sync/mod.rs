//! The sync driver: a thin loop around crm-core's sans-IO `SyncEngine`. It sends the
//! engine's requests over HTTP, feeds the replies back, and carries out its events on
//! the store (apply pulled pages, drop answered outbox entries, re-stamp). The engine
//! also stamps every local edit, so one clock orders everything this replica writes.

pub mod driver;
pub mod engine;
pub mod http;
pub mod session;
