//! Where a stored interaction is: which customer's timeline blocks hold it.
//!
//! Blocks are keyed by customer, and an interaction lives in the blocks of its own
//! `customer_id` as this device last wrote it. There is no index by interaction id
//! (one index entry per interaction, rewritten with every block put, was half the cost
//! of storing a first sync). A pulled interaction is looked for in the blocks of every
//! customer it may be filed under here:
//! - the `customer_id` values the pulled changes carry;
//! - the page's `homes` (every customer the server has filed it under, sent when the
//!   page does not name its customer or the interaction was re-pointed);
//! - [`LOCAL_HOMES`]: interactions this device re-pointed itself (a merge of duplicates),
//!   which the server may not have heard of yet or may have overruled.
//!
//! Any other customer an interaction could sit under here was once one of those: this
//! device's own new interactions reach the server under the customer they were logged
//! for before any pull can name them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crm_core::{change::Change, wire::Homes};
use indexed_db_futures::object_store::ObjectStore;
use uuid::Uuid;

use super::{meta, records::TimelineBlock, StoreError};

/// Meta key: interaction id → the customer this device re-pointed it to.
pub const LOCAL_HOMES: &str = "interaction_homes";

/// Interactions this device re-pointed, by id (see the module docs).
pub type LocalHomes = BTreeMap<Uuid, Uuid>;

/// Reads [`LOCAL_HOMES`] (empty on a device that never merged customers).
pub async fn local_homes(meta_store: &ObjectStore<'_>) -> Result<LocalHomes, StoreError> {
    Ok(meta::get(meta_store, LOCAL_HOMES)
        .await?
        .unwrap_or_default())
}

/// Stores [`LOCAL_HOMES`] without awaiting the put (a failed put aborts the
/// transaction, which its commit reports).
pub fn put_local_homes(meta_store: &ObjectStore<'_>, homes: &LocalHomes) -> Result<(), StoreError> {
    use indexed_db_futures::prelude::*;
    meta_store
        .put(homes)
        .with_key(LOCAL_HOMES.to_string())
        .serde()?;
    Ok(())
}

/// Every customer whose blocks may hold interaction `id` (see the module docs).
pub fn candidates(
    id: Uuid,
    changes: &[&Change],
    homes: &Homes,
    local: &LocalHomes,
) -> BTreeSet<Uuid> {
    let named = changes
        .iter()
        .filter(|c| c.field == "customer_id")
        .filter_map(|c| c.value.as_str()?.parse().ok());
    let served = homes.get(&id).into_iter().flatten().copied();
    named.chain(served).chain(local.get(&id).copied()).collect()
}

/// The first of `customers` whose blocks (in `blocks`) hold interaction `id`.
pub fn holder<'a>(
    id: Uuid,
    customers: impl IntoIterator<Item = &'a Uuid>,
    blocks: &HashMap<Uuid, Vec<TimelineBlock>>,
) -> Option<Uuid> {
    customers.into_iter().copied().find(|customer| {
        blocks
            .get(customer)
            .is_some_and(|list| list.iter().any(|b| b.items.iter().any(|i| i.id == id)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_core::{change::Entity, Hlc};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn change(id: Uuid, field: &str, value: serde_json::Value) -> Change {
        Change {
            entity: Entity::Interaction,
            id,
            field: field.into(),
            value,
            hlc: Hlc {
                wall_ms: 1,
                counter: 0,
                node: 1,
            },
            base: None,
        }
    }

    #[wasm_bindgen_test]
    fn candidates_join_the_page_the_server_and_this_device() {
        let (x, a, b, c, d) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let named = change(x, "customer_id", serde_json::json!(a.to_string()));
        let other = change(x, "summary", serde_json::json!("Visit"));
        let homes: Homes = [(x, vec![a, b])].into();
        let local: LocalHomes = [(x, c), (d, a)].into();
        assert_eq!(
            candidates(x, &[&named, &other], &homes, &local),
            [a, b, c].into()
        );
        assert_eq!(
            candidates(x, &[&other], &Homes::new(), &LocalHomes::new()),
            BTreeSet::new(),
            "a first meeting without its customer has nowhere to look"
        );
    }
}
