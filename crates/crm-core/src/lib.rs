//! Pure domain core of the offline-first field-sales CRM.
//!
//! Everything here is deterministic: no I/O, no clock reads, no RNG reads, nothing
//! about Leptos, IndexedDB or HTTP. Time and randomness are passed in by the shells
//! (the browser app and the server), so every rule is tested natively in milliseconds.

pub mod aggregates;
pub mod change;
pub mod customer;
pub mod demo;
pub mod hlc;
pub mod import;
pub mod interaction;
pub mod merge;
pub mod search;
pub mod segment;
pub mod sync;
pub mod validation;
pub mod wire;
pub mod workflow;

pub use aggregates::Aggregates;
pub use change::{Change, Entity};
pub use customer::{BuyingRole, Customer, CustomerDraft, CustomerKind, Stage};
pub use hlc::{Clock, Hlc};
pub use interaction::{Interaction, InteractionDraft, InteractionKind};
pub use validation::{FieldError, Problem};
