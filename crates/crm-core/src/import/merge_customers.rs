//! Merging two customers into one as ordinary field changes, so a merge made offline
//! syncs and converges like any edit: the survivor's fields take the user's chosen
//! values, the other customer becomes a tombstone with `merged_into` = survivor, and
//! records pointing at it (interactions, contacts, later deals and tickets) are
//! re-pointed by one `customer_id` / `company_id` change each.
//!
//! Choices name customers by id, never by argument position, so `merge(a, b, plan)` and
//! `merge(b, a, plan)` give the same result. Merges of the same pair made concurrently
//! on two devices are reconciled after sync by [`merge_repairs`].

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::change::{field_diff, Change, Entity, DELETED};
use crate::customer::{Customer, CustomerKind, Stage};
use crate::hlc::Hlc;
use crate::interaction::Interaction;

/// The field of a merged-away customer that names its survivor.
pub const MERGED_INTO: &str = "merged_into";

/// The customer fields a user picks between when merging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeField {
    /// `Customer::name`.
    Name,
    /// `Customer::kind`.
    Kind,
    /// `Customer::company`.
    Company,
    /// `Customer::company_id`.
    CompanyId,
    /// `Customer::buying_role`.
    BuyingRole,
    /// `Customer::title`.
    Title,
    /// `Customer::email`.
    Email,
    /// `Customer::phone`.
    Phone,
    /// `Customer::city`.
    City,
    /// `Customer::source`.
    Source,
    /// `Customer::tags`.
    Tags,
    /// `Customer::owner`.
    Owner,
    /// `Customer::stage`.
    Stage,
    /// `Customer::birthday`.
    Birthday,
    /// `Customer::preferences`.
    Preferences,
    /// `Customer::contracted`.
    Contracted,
    /// `Customer::notes`.
    Notes,
}

impl MergeField {
    /// Every field, in the order the Merge screen lists them.
    pub const ALL: [MergeField; 17] = [
        MergeField::Name,
        MergeField::Kind,
        MergeField::Company,
        MergeField::CompanyId,
        MergeField::BuyingRole,
        MergeField::Title,
        MergeField::Email,
        MergeField::Phone,
        MergeField::City,
        MergeField::Source,
        MergeField::Tags,
        MergeField::Owner,
        MergeField::Stage,
        MergeField::Birthday,
        MergeField::Preferences,
        MergeField::Contracted,
        MergeField::Notes,
    ];

    /// Whether both values can be kept (tags united; texts joined).
    pub fn combinable(self) -> bool {
        matches!(
            self,
            MergeField::Tags | MergeField::Notes | MergeField::Preferences
        )
    }

    fn is_empty_in(self, c: &Customer) -> bool {
        match self {
            MergeField::Name => c.name.trim().is_empty(),
            MergeField::Kind => c.kind == CustomerKind::default(),
            MergeField::Company => c.company.trim().is_empty(),
            MergeField::CompanyId => c.company_id.is_none(),
            MergeField::BuyingRole => c.buying_role.is_none(),
            MergeField::Title => c.title.trim().is_empty(),
            MergeField::Email => c.email.trim().is_empty(),
            MergeField::Phone => c.phone.trim().is_empty(),
            MergeField::City => c.city.trim().is_empty(),
            MergeField::Source => c.source.trim().is_empty(),
            MergeField::Tags => c.tags.is_empty(),
            MergeField::Owner => c.owner.trim().is_empty(),
            MergeField::Stage => c.stage == Stage::default(),
            MergeField::Birthday => c.birthday.is_none(),
            MergeField::Preferences => c.preferences.trim().is_empty(),
            MergeField::Contracted => !c.contracted,
            MergeField::Notes => c.notes.trim().is_empty(),
        }
    }

    /// Copies this field from `from` into `to`.
    fn copy(self, from: &Customer, to: &mut Customer) {
        match self {
            MergeField::Name => to.name.clone_from(&from.name),
            MergeField::Kind => to.kind = from.kind,
            MergeField::Company => to.company.clone_from(&from.company),
            MergeField::CompanyId => to.company_id = from.company_id,
            MergeField::BuyingRole => to.buying_role = from.buying_role,
            MergeField::Title => to.title.clone_from(&from.title),
            MergeField::Email => to.email.clone_from(&from.email),
            MergeField::Phone => to.phone.clone_from(&from.phone),
            MergeField::City => to.city.clone_from(&from.city),
            MergeField::Source => to.source.clone_from(&from.source),
            MergeField::Tags => to.tags.clone_from(&from.tags),
            MergeField::Owner => to.owner.clone_from(&from.owner),
            MergeField::Stage => to.stage = from.stage,
            MergeField::Birthday => to.birthday = from.birthday,
            MergeField::Preferences => to.preferences.clone_from(&from.preferences),
            MergeField::Contracted => to.contracted = from.contracted,
            MergeField::Notes => to.notes.clone_from(&from.notes),
        }
    }

    /// Keeps both values: survivor's first, then the other's.
    fn combine(self, survivor: &Customer, other: &Customer, to: &mut Customer) {
        let join = |a: &str, b: &str| match (a.trim(), b.trim()) {
            ("", b) => b.to_string(),
            (a, "") => a.to_string(),
            (a, b) if a == b => a.to_string(),
            (a, b) => format!("{a}\n\n{b}"),
        };
        match self {
            MergeField::Tags => {
                let mut tags = survivor.tags.clone();
                for tag in &other.tags {
                    if !tags.contains(tag) {
                        tags.push(tag.clone());
                    }
                }
                to.tags = tags;
            }
            MergeField::Notes => to.notes = join(&survivor.notes, &other.notes),
            MergeField::Preferences => {
                to.preferences = join(&survivor.preferences, &other.preferences)
            }
            _ => self.copy(survivor, to),
        }
    }
}

/// Where one field's merged value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "pick", content = "id", rename_all = "snake_case")]
pub enum Pick {
    /// The value of the customer with this id.
    From(Uuid),
    /// Both values (tags, notes, preferences only).
    Combine,
}

/// The user's choices on the Merge screen. Fields without a pick keep the survivor's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergePlan {
    /// The customer that stays (keeps its id, creation time and timeline).
    pub survivor: Uuid,
    /// Per-field choice.
    pub picks: BTreeMap<MergeField, Pick>,
}

impl MergePlan {
    /// The Merge screen's starting choices: the older customer survives (smaller id on a
    /// tie); each field keeps the survivor's value unless it is empty; tags, notes and
    /// preferences keep both. Symmetric: `suggest(a, b) == suggest(b, a)`.
    pub fn suggest(a: &Customer, b: &Customer) -> MergePlan {
        let (survivor, other) = if (a.created_ms, a.id) <= (b.created_ms, b.id) {
            (a, b)
        } else {
            (b, a)
        };
        let mut picks = BTreeMap::new();
        for field in MergeField::ALL {
            let pick = if field.combinable() {
                Pick::Combine
            } else if field.is_empty_in(survivor) && !field.is_empty_in(other) {
                Pick::From(other.id)
            } else {
                Pick::From(survivor.id)
            };
            picks.insert(field, pick);
        }
        MergePlan {
            survivor: survivor.id,
            picks,
        }
    }
}

/// Why a merge cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum MergeError {
    /// Both arguments are the same customer.
    #[error("a customer cannot be merged with itself")]
    SameCustomer,
    /// One of the two is already deleted (or merged away).
    #[error("customer {0} is deleted")]
    Deleted(Uuid),
    /// The plan names a survivor or a pick that is neither of the two customers.
    #[error("the merge plan refers to customer {0}, which is not one of the pair")]
    NotInPair(Uuid),
    /// `Combine` on a field that holds one value.
    #[error("{0:?} cannot keep both values")]
    NotCombinable(MergeField),
}

/// One field of one record to set: a [`Change`] before the store stamps it with an HLC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The record type.
    pub entity: Entity,
    /// The record.
    pub id: Uuid,
    /// The field (`_deleted`, `merged_into`, `customer_id`…).
    pub field: String,
    /// The new value.
    pub value: Value,
}

impl FieldChange {
    /// The wire change, stamped with the store's next HLC.
    pub fn stamp(self, hlc: Hlc) -> Change {
        Change {
            entity: self.entity,
            id: self.id,
            field: self.field,
            value: self.value,
            hlc,
            base: None,
        }
    }
}

/// The result of a merge: the survivor's new state and every change to write, in one
/// transaction, with the re-pointing changes from [`repoint_interactions`] /
/// [`repoint_contacts`].
#[derive(Debug, Clone, PartialEq)]
pub struct MergeOutcome {
    /// The survivor with its merged values.
    pub survivor: Customer,
    /// The merged-away customer's id.
    pub retired: Uuid,
    /// The survivor's changed fields, then the retired customer's tombstone and
    /// `merged_into`.
    pub changes: Vec<FieldChange>,
}

/// Merges `a` and `b` by `plan`. Deterministic, and independent of argument order.
pub fn merge_customers(
    a: &Customer,
    b: &Customer,
    plan: &MergePlan,
) -> Result<MergeOutcome, MergeError> {
    if a.id == b.id {
        return Err(MergeError::SameCustomer);
    }
    for c in [a, b] {
        if c.deleted {
            return Err(MergeError::Deleted(c.id));
        }
    }
    let by_id = |id: Uuid| {
        if id == a.id {
            Ok(a)
        } else if id == b.id {
            Ok(b)
        } else {
            Err(MergeError::NotInPair(id))
        }
    };
    let survivor = by_id(plan.survivor)?;
    let other = if survivor.id == a.id { b } else { a };
    let mut merged = survivor.clone();
    for (&field, &pick) in &plan.picks {
        match pick {
            Pick::From(id) => field.copy(by_id(id)?, &mut merged),
            Pick::Combine if field.combinable() => field.combine(survivor, other, &mut merged),
            Pick::Combine => return Err(MergeError::NotCombinable(field)),
        }
    }
    if merged.company_id == Some(other.id) {
        // A contact merged with its own company must not point at the tombstone.
        merged.company_id = None;
    }
    let mut changes: Vec<FieldChange> = field_diff(Some(survivor), &merged)
        .into_iter()
        .map(|(field, value)| FieldChange {
            entity: Entity::Customer,
            id: survivor.id,
            field,
            value,
        })
        .collect();
    changes.sort_by(|x, y| x.field.cmp(&y.field));
    changes.extend(retire(other.id, survivor.id));
    Ok(MergeOutcome {
        survivor: merged,
        retired: other.id,
        changes,
    })
}

/// The tombstone of a merged-away customer.
fn retire(id: Uuid, into: Uuid) -> [FieldChange; 2] {
    [
        FieldChange {
            entity: Entity::Customer,
            id,
            field: DELETED.to_string(),
            value: json!(true),
        },
        FieldChange {
            entity: Entity::Customer,
            id,
            field: MERGED_INTO.to_string(),
            value: json!(into),
        },
    ]
}

/// Re-points records of any entity whose `field` refers to `from` (given as
/// `(record id, referenced id)` pairs) to `to`. Deals, tickets and campaign links use
/// this with their own entity and field.
pub fn repoint(
    entity: Entity,
    field: &str,
    records: impl IntoIterator<Item = (Uuid, Uuid)>,
    from: Uuid,
    to: Uuid,
) -> Vec<FieldChange> {
    records
        .into_iter()
        .filter(|(_, refers)| *refers == from)
        .map(|(id, _)| FieldChange {
            entity,
            id,
            field: field.to_string(),
            value: json!(to),
        })
        .collect()
}

/// The `customer_id` changes moving a merged-away customer's interactions (deleted ones
/// too, so an undo of their deletion shows them on the survivor) to the survivor.
pub fn repoint_interactions(
    interactions: &[Interaction],
    from: Uuid,
    to: Uuid,
) -> Vec<FieldChange> {
    repoint(
        Entity::Interaction,
        "customer_id",
        interactions.iter().map(|i| (i.id, i.customer_id)),
        from,
        to,
    )
}

/// The `company_id` changes moving a merged-away company's contacts to the survivor.
pub fn repoint_contacts(customers: &[Customer], from: Uuid, to: Uuid) -> Vec<FieldChange> {
    repoint(
        Entity::Customer,
        "company_id",
        customers
            .iter()
            .filter_map(|c| c.company_id.map(|company| (c.id, company))),
        from,
        to,
    )
}

/// Follows `merged_into` links from `id` to the customer that finally survives (itself
/// when never merged). `None` on a cycle, which [`merge_repairs`] breaks.
pub fn follow_merged(id: Uuid, merged_into: &HashMap<Uuid, Uuid>) -> Option<Uuid> {
    let mut current = id;
    let mut seen = HashSet::new();
    while let Some(&next) = merged_into.get(&current) {
        if !seen.insert(current) {
            return None;
        }
        current = next;
    }
    Some(current)
}

/// After a sync, reconciles merges made concurrently on several devices. Input: the
/// `merged_into` of every merged-away customer and the `(id, customer_id)` of records
/// that refer to customers. Output, deterministic on every device (so identical values
/// converge whatever HLCs stamp them):
/// - a cycle (device 1 merged B into A while device 2 merged A into B) is broken by
///   restoring its smallest id (`_deleted` false, `merged_into` null);
/// - every record still pointing at a merged-away customer (an interaction logged on a
///   device that had not seen the merge) is re-pointed to the final survivor.
pub fn merge_repairs(
    merged_into: &HashMap<Uuid, Uuid>,
    references: &[(Entity, Uuid, Uuid)],
) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let mut links = merged_into.clone();
    let mut ids: Vec<Uuid> = merged_into.keys().copied().collect();
    ids.sort();
    for id in ids {
        if follow_merged(id, &links).is_none() {
            // Walk to the first repeat: the nodes from it on are the cycle itself (the
            // path before it only leads into the cycle).
            let mut path = vec![id];
            let mut next = links.get(&id).copied();
            while let Some(n) = next.filter(|n| !path.contains(n)) {
                path.push(n);
                next = links.get(&n).copied();
            }
            let start = next.and_then(|n| path.iter().position(|p| *p == n));
            if let Some(keep) = start.and_then(|s| path[s..].iter().min().copied()) {
                links.remove(&keep);
                changes.push(FieldChange {
                    entity: Entity::Customer,
                    id: keep,
                    field: DELETED.to_string(),
                    value: json!(false),
                });
                changes.push(FieldChange {
                    entity: Entity::Customer,
                    id: keep,
                    field: MERGED_INTO.to_string(),
                    value: Value::Null,
                });
            }
        }
    }
    let mut references = references.to_vec();
    references.sort_by_key(|(entity, id, _)| (*entity, *id));
    for (entity, id, customer) in references {
        if let Some(survivor) = follow_merged(customer, &links).filter(|s| *s != customer) {
            let field = if entity == Entity::Customer {
                "company_id"
            } else {
                "customer_id"
            };
            changes.push(FieldChange {
                entity,
                id,
                field: field.to_string(),
                value: json!(survivor),
            });
        }
    }
    changes
}
