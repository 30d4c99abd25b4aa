//! What is stored in each object store: the domain records plus the derived fields the
//! indexes read (search keys, sort key, next-visit date) and per-field HLC versions.

use std::collections::BTreeMap;

use crm_core::{
    change::{Change, Entity},
    merge::RecordState,
    search::{search_keys, sort_key},
    segment::{InteractionStats, SavedSegment},
    Aggregates, Customer, Hlc, Interaction,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A customer as stored: the customer's fields at the top level (so they sync and
/// export as they are) and derived fields that are absent for a tombstone, so deleted
/// customers drop out of the list, search and follow-up indexes by themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerRecord {
    #[serde(flatten)]
    pub customer: Customer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_key: Option<String>,
    #[serde(default)]
    pub search_keys: Vec<String>,
    /// `YYYY-MM-DD` of the open follow-up, for the follow-ups index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_visit: Option<String>,
    #[serde(default)]
    pub updated_ms: f64,
    #[serde(default)]
    pub agg: Aggregates,
    /// Interaction counts by kind, for segment rules.
    #[serde(default)]
    pub stats: InteractionStats,
    /// HLC of the last write of each field (the LWW register versions).
    #[serde(default)]
    pub versions: BTreeMap<String, Hlc>,
}

impl CustomerRecord {
    /// Wraps a customer and computes every derived field.
    pub fn new(customer: Customer, agg: Aggregates, updated_ms: u64) -> Self {
        let mut record = CustomerRecord {
            customer,
            sort_key: None,
            search_keys: Vec::new(),
            next_visit: None,
            updated_ms: updated_ms as f64,
            agg,
            stats: InteractionStats::default(),
            versions: BTreeMap::new(),
        };
        record.refresh_derived();
        record
    }

    /// Recomputes aggregates and interaction counts from all of the customer's
    /// interactions (called on every interaction write).
    pub fn set_interactions<'a>(
        &mut self,
        items: impl IntoIterator<Item = &'a Interaction> + Clone,
    ) {
        self.agg = Aggregates::from_interactions(items.clone());
        self.stats = InteractionStats::from_interactions(items.into_iter().filter(|i| !i.deleted));
        self.refresh_derived();
    }

    /// Recomputes the index fields from the customer and aggregates.
    pub fn refresh_derived(&mut self) {
        let live = !self.customer.deleted;
        self.sort_key = live.then(|| sort_key(&self.customer));
        self.search_keys = search_keys(&self.customer);
        self.next_visit = if live {
            self.agg.next_visit.map(|d| d.to_string())
        } else {
            None
        };
    }
}

/// Up to [`super::timeline::BLOCK_SIZE`] interactions of one customer in one record,
/// keyed `[customer_id, block]`; `ids` feeds a multi-entry index to find any
/// interaction's block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineBlock {
    pub customer_id: String,
    pub block: u32,
    pub ids: Vec<String>,
    pub items: Vec<Interaction>,
    /// Per interaction id, the HLC of each field's last write.
    #[serde(default)]
    pub versions: BTreeMap<String, BTreeMap<String, Hlc>>,
}

/// One pending field change waiting to be pushed (key = the engine's sequence number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub entity: Entity,
    pub id: String,
    pub field: String,
    pub value: Value,
    /// Stamped at write time; re-stamped after a `clock_skew` refusal.
    pub hlc: Hlc,
}

impl From<&Change> for OutboxEntry {
    fn from(c: &Change) -> Self {
        OutboxEntry {
            entity: c.entity,
            id: c.id.to_string(),
            field: c.field.clone(),
            value: c.value.clone(),
            hlc: c.hlc,
        }
    }
}

impl OutboxEntry {
    /// Back to a wire change (`None` for an entry with a malformed id).
    pub fn into_change(self) -> Option<Change> {
        Some(Change {
            entity: self.entity,
            id: self.id.parse().ok()?,
            field: self.field,
            value: self.value,
            hlc: self.hlc,
        })
    }
}

/// A local value that lost to a newer write of the same field from another device,
/// kept so the user can review and restore it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictEntry {
    pub entity: Entity,
    pub id: String,
    /// The record's name when the conflict happened, for the list.
    pub label: String,
    pub field: String,
    pub lost_value: Value,
    pub lost_hlc: Hlc,
    pub winner_value: Value,
    pub winner_hlc: Hlc,
    pub at_ms: f64,
}

/// A remote record that cannot be placed yet (an interaction whose customer is not
/// known, or an entity this version does not store): kept whole until it can.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParkedRecord {
    /// `entity:id`.
    pub key: String,
    pub entity: Entity,
    pub id: String,
    pub state: RecordState,
}

/// A saved segment as stored: the synced record plus its field versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRecord {
    #[serde(flatten)]
    pub segment: SavedSegment,
    /// Marked as a target for campaigns (used by the campaigns screen).
    #[serde(default)]
    pub campaign_target: bool,
    #[serde(default)]
    pub versions: BTreeMap<String, Hlc>,
}

/// The synced fields of a saved segment (what `field_diff` compares).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentFields {
    #[serde(flatten)]
    pub segment: SavedSegment,
    #[serde(default)]
    pub campaign_target: bool,
}
