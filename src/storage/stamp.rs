//! Stamping local edits. The sync engine (crm-core's `SyncEngine`) owns the replica's
//! clock and outbox order: every local edit asks it for one HLC and a sequence number per
//! changed field, then writes them with the record in one transaction.

use std::collections::BTreeMap;

use crm_core::{change::Entity, sync::Pending, Clock, Hlc};
use serde_json::Value;
use uuid::Uuid;

/// What stamping an edit returns: the outbox entries to write and the clock to persist.
pub struct Stamped {
    pub pending: Vec<Pending>,
    pub clock: Clock,
}

/// The field versions a record held before an edit: each stamped change carries its
/// field's as `base` (how other devices tell a concurrent edit from a later one).
pub type Versions = BTreeMap<String, Hlc>;

/// Stamps the changed fields of one record given its versions before the edit (a
/// closure over the app's engine; tests pass one over their own engine).
pub type Stamp<'a> = &'a dyn Fn(Entity, Uuid, Vec<(String, Value)>, &Versions) -> Stamped;
