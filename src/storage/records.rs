//! What is stored in each object store: the domain records plus the derived fields the
//! indexes read (sort key, next-visit date, care dates), where the search line is, and
//! per-field HLC versions.

use std::collections::BTreeMap;

use crm_core::{
    change::{Change, Entity},
    merge::RecordState,
    search::sort_key,
    segment::{InteractionStats, SavedSegment},
    Aggregates, Customer, CustomerKind, Hlc, Interaction,
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
    /// Where the customer's search line is stored (`storage::search`); absent for a
    /// tombstone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<super::search::SearchSlot>,
    /// `YYYY-MM-DD` of the open follow-up, for the follow-ups index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_visit: Option<String>,
    /// `YYYY-MM-DD` dates care reminders fall due on (7 and 28 days after the latest
    /// purchases, membership expiry), for the multi-entry care index. Dates more than
    /// [`CARE_INDEX_DAYS`] before `updated_ms` are left out: the care screen never looks
    /// that far back, and each entry costs an index write.
    #[serde(default)]
    pub care_due: Vec<String>,
    /// `MM-DD` of the birthday, for the birthday index (recurs every year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday_md: Option<String>,
    /// The sort key of a live company, absent for everyone else, for the index that
    /// lists companies by name (people, most of a book, cost it no index entry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_sort: Option<String>,
    /// Purchase dates behind `care_due` (the latest few), kept so a customer edit can
    /// recompute the care dates without reading the timeline.
    #[serde(default)]
    pub recent_purchases: Vec<chrono::NaiveDate>,
    /// When the record was last written on this device (ms since the epoch).
    #[serde(default)]
    pub updated_ms: f64,
    /// Stored with flat buckets (`agg_field`).
    #[serde(default, with = "super::agg_field")]
    pub agg: Aggregates,
    /// Interaction counts by kind, for segment rules.
    #[serde(default)]
    pub stats: InteractionStats,
    /// HLC of the last write of each field (the LWW register versions), stored grouped
    /// by HLC (`versions_field::record`).
    #[serde(default, with = "super::versions_field::record")]
    pub versions: BTreeMap<String, Hlc>,
    /// The customer's first timeline block, kept in the record rather than in the
    /// timeline store (see [`EmbeddedBlock`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tl0: Option<EmbeddedBlock>,
}

/// A customer's first timeline block inside its customer record. Most customers have
/// one block, so this halves the records a first sync writes; IndexedDB's cost there
/// is mostly per record (measured: M's pull 15.3 → 12.6 s with the browser's storage
/// thread at 6.7 → 4.5 s of CPU; L's 158 → 140–146 s). The bytes stay encoded until a reader
/// needs the interactions, so reading all customers (segments, lists) does not parse
/// them. Block 0 goes here when its customer's record exists as it is written and it
/// links no campaign (the campaign index is on the timeline store, and a purchase
/// linked to a campaign is the exception); a block 0 already in the timeline store
/// (written before its customer arrived, before this layout, or linking a campaign)
/// stays there (`TimelineBlock::stored_apart`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddedBlock {
    /// The interactions, packed (`packed_block`; LZ4 JSON when written before).
    #[serde(with = "serde_bytes")]
    pub items: Vec<u8>,
    /// Their field versions, packed against `items` (`packed_block`; grouped JSON,
    /// `versions_field`, when written before).
    #[serde(with = "serde_bytes")]
    pub versions: Vec<u8>,
}

impl EmbeddedBlock {
    /// Encodes block 0 of a customer.
    pub fn encode(block: &TimelineBlock) -> Result<Self, String> {
        Ok(EmbeddedBlock {
            items: super::packed_block::interactions_to_bytes(&block.items)?,
            versions: super::packed_block::versions_to_bytes(&block.versions, &block.items)?,
        })
    }

    /// The block of `customer_id` it holds.
    pub fn decode(&self, customer_id: &str) -> Result<TimelineBlock, String> {
        let items = super::packed_block::interactions_from_bytes(&self.items)?;
        let versions = super::packed_block::versions_from_bytes(&self.versions, &items)?;
        let mut block = TimelineBlock {
            customer_id: customer_id.to_string(),
            block: 0,
            items,
            versions,
            campaigns: Vec::new(),
            stored_apart: false,
        };
        block.refresh_campaigns();
        Ok(block)
    }
}

impl CustomerRecord {
    /// Wraps a customer and computes every derived field.
    pub fn new(customer: Customer, agg: Aggregates, updated_ms: u64) -> Self {
        let mut record = CustomerRecord {
            customer,
            sort_key: None,
            search: None,
            next_visit: None,
            care_due: Vec::new(),
            birthday_md: None,
            company_sort: None,
            recent_purchases: Vec::new(),
            updated_ms: updated_ms as f64,
            agg,
            stats: InteractionStats::default(),
            versions: BTreeMap::new(),
            tl0: None,
        };
        record.refresh_derived();
        record
    }

    /// `new` written over `old` (or as a new record): keeps what the customer's fields do
    /// not determine (interaction-derived fields, field versions, search slot) and
    /// recomputes the rest.
    pub fn over(old: Option<&CustomerRecord>, new: Customer, agg: Aggregates, now_ms: u64) -> Self {
        let Some(old) = old else {
            return CustomerRecord::new(new, agg, now_ms);
        };
        let mut record = old.clone();
        record.customer = new;
        record.agg = agg;
        record.updated_ms = now_ms as f64;
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
        let mut purchases: Vec<chrono::NaiveDate> = items
            .clone()
            .into_iter()
            .filter(|i| !i.deleted && i.kind == crm_core::InteractionKind::Purchase)
            .map(|i| i.at.date())
            .collect();
        purchases.sort_unstable_by(|a, b| b.cmp(a));
        purchases.dedup();
        purchases.truncate(CARE_PURCHASES);
        self.recent_purchases = purchases;
        self.stats = InteractionStats::from_interactions(items.into_iter().filter(|i| !i.deleted));
        self.refresh_derived();
    }

    /// Recomputes the index fields from the customer and aggregates (set `updated_ms`
    /// first: it dates the care horizon).
    pub fn refresh_derived(&mut self) {
        let live = !self.customer.deleted;
        self.sort_key = live.then(|| sort_key(&self.customer));
        self.company_sort = self
            .sort_key
            .clone()
            .filter(|_| self.customer.kind == CustomerKind::Company);
        self.next_visit = if live {
            self.agg.next_visit.map(|d| d.to_string())
        } else {
            None
        };
        self.care_due.clear();
        self.birthday_md = None;
        if live {
            let horizon = care_horizon(self.updated_ms);
            let mut due: Vec<String> = self
                .recent_purchases
                .iter()
                .flat_map(|d| [*d + chrono::Days::new(7), *d + chrono::Days::new(28)])
                .chain(self.customer.membership_expires)
                .filter(|d| *d >= horizon)
                .map(|d| d.to_string())
                .collect();
            due.sort_unstable();
            due.dedup();
            self.care_due = due;
            self.birthday_md = self
                .customer
                .birthday
                .map(|b| b.format("%m-%d").to_string());
        }
    }
}

/// How many of a customer's latest purchase dates get 7- and 28-day care reminders: a
/// purchase older than the last few has had its reminders long ago.
pub const CARE_PURCHASES: usize = 3;

/// How far before a record's write its care dates are still indexed: well beyond the
/// care screen's overdue window, so a clock set back by weeks still finds them.
pub const CARE_INDEX_DAYS: u64 = 3 * crm_core::workflow::care::OVERDUE_DAYS;

/// The earliest care date worth an index entry for a record written at `written_ms`
/// (the epoch's first day for a record never dated: everything is kept).
fn care_horizon(written_ms: f64) -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp_millis(written_ms as i64)
        .map(|t| t.date_naive())
        .and_then(|d| d.checked_sub_days(chrono::Days::new(CARE_INDEX_DAYS)))
        .unwrap_or_default()
}

/// Up to [`super::timeline::BLOCK_SIZE`] interactions of one customer in one record,
/// keyed `[customer_id, block]`. Found by customer only (see `storage::homes`); blocks
/// written before schema 7 also carry the `ids` the index by interaction used, which
/// reads ignore.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineBlock {
    pub customer_id: String,
    pub block: u32,
    /// Stored as one JSON string (see `json_field`).
    #[serde(with = "super::json_field")]
    pub items: Vec<Interaction>,
    /// Per interaction id, the HLC of each field's last write (JSON bytes too, grouped
    /// by HLC: see `versions_field`).
    #[serde(default, with = "super::versions_field")]
    pub versions: BTreeMap<String, BTreeMap<String, Hlc>>,
    /// Campaigns the block's live purchases are linked to, for the multi-entry index
    /// that finds a campaign's purchases without scanning every block.
    #[serde(default)]
    pub campaigns: Vec<String>,
    /// Read from the timeline store although it is block 0 (its customer's record did
    /// not exist when it was written, or it predates [`EmbeddedBlock`]): it is written
    /// back there, so a block 0 is never in two places.
    #[serde(skip)]
    pub stored_apart: bool,
}

impl TimelineBlock {
    /// Recomputes the derived `campaigns` field (call before every write).
    pub fn refresh_campaigns(&mut self) {
        let mut campaigns: Vec<String> = self
            .items
            .iter()
            .filter(|i| !i.deleted)
            .filter_map(|i| i.campaign_id.map(|c| c.to_string()))
            .collect();
        campaigns.sort_unstable();
        campaigns.dedup();
        self.campaigns = campaigns;
    }
}

/// A synced record of one of the workflow entities (deal, ticket, campaign, reminder
/// state, settings) in the generic `records` store: the record's fields as JSON plus their
/// LWW versions, keyed `entity:id`. One generic store instead of one per entity, because
/// these records are few (hundreds, not millions) and all merge the same way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityRecord {
    /// `entity:id`.
    pub key: String,
    pub entity: Entity,
    pub id: String,
    pub fields: serde_json::Map<String, Value>,
    #[serde(default)]
    pub versions: BTreeMap<String, Hlc>,
    #[serde(default)]
    pub updated_ms: f64,
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
    /// The field's version before the edit (`Change::base`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Hlc>,
}

impl From<&Change> for OutboxEntry {
    fn from(c: &Change) -> Self {
        OutboxEntry {
            entity: c.entity,
            id: c.id.to_string(),
            field: c.field.clone(),
            value: c.value.clone(),
            hlc: c.hlc,
            base: c.base,
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
            base: self.base,
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

impl ConflictEntry {
    /// Whether Restore can make the lost value the newest edit: every record but an
    /// interaction, whose only field two devices can write is `customer_id` (both merged
    /// duplicates); moving it back would undo the other device's merge.
    pub fn restorable(&self) -> bool {
        self.entity != Entity::Interaction
    }
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
