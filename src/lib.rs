//! The browser app: a thin Leptos shell over `crm-core`.
//!
//! `storage` is the only module that touches IndexedDB; `hooks` the only UI code that
//! calls `storage`; `routes` and `components` render signals and raise callbacks.

pub mod storage;
