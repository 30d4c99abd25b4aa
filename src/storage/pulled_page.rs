//! The customers and interactions of one pulled page merged with batched IndexedDB
//! requests. A request awaited on its own costs about a millisecond of round trip to
//! the browser's storage process, so every read the page needs is issued before the
//! first is awaited, in three waves (customer records and parked fields; blocks of the
//! customers the page's interactions may be filed under, see `homes`; blocks and records
//! of customers first met through an interaction), the merge itself runs in memory, and
//! each touched block and customer record is put once, without awaiting each put (a
//! failed put aborts the transaction).

use std::collections::{BTreeSet, HashMap, HashSet};

use crm_core::{
    change::Change, change::Entity, merge::RecordState, wire::Homes, Customer, Interaction,
};
use indexed_db_futures::{object_store::ObjectStore, prelude::*};
use uuid::Uuid;

use super::{
    conflict_log::Losses,
    first_pull::{FirstPull, Stored},
    homes::{candidates, holder, LocalHomes},
    js_objects::customer_objects,
    records::{CustomerRecord, ParkedRecord, TimelineBlock},
    remote::{from_state, merge_into, park, parked_key, to_map},
    search,
    timeline::{customer_range, place, put_block, with_embedded},
    StoreError,
};

/// The changes of one record, grouped in the order the page first names it.
pub(super) type Group<'a> = (Uuid, Vec<&'a Change>);

/// The stores a page merge touches (all in the caller's readwrite transaction).
pub(super) struct PageStores<'s, 'tx> {
    pub customers: &'s ObjectStore<'tx>,
    pub timeline: &'s ObjectStore<'tx>,
    pub parked: &'s ObjectStore<'tx>,
    pub search: &'s ObjectStore<'tx>,
    pub first_pull: &'s FirstPull,
}

/// Where the page's interactions may be stored already (see `homes`).
pub(super) struct PageHomes<'h> {
    /// The pulled pages' `homes`.
    pub served: &'h Homes,
    /// This device's own re-points, kept current when a pulled change moves one.
    pub local: &'h mut LocalHomes,
    /// Whether `local` changed (the caller stores it then).
    pub local_changed: bool,
}

/// What the page reads and changes, kept in memory until the final puts.
#[derive(Default)]
struct Loaded {
    records: HashMap<Uuid, Option<CustomerRecord>>,
    blocks: HashMap<Uuid, Vec<TimelineBlock>>,
}

impl Loaded {
    /// Reads the records of `ids` not read yet, all requests issued before any await.
    async fn read_records(
        &mut self,
        customers: &ObjectStore<'_>,
        first_pull: &FirstPull,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> Result<(), StoreError> {
        let wanted = to_read(&mut self.records, first_pull, Stored::Record, ids);
        let mut requests = Vec::with_capacity(wanted.len());
        for id in &wanted {
            requests.push(customers.get(id.to_string()).serde()?);
        }
        for (id, request) in wanted.into_iter().zip(requests) {
            let record: Option<CustomerRecord> = request.await?;
            self.records.insert(id, record);
        }
        Ok(())
    }

    /// Reads the blocks of the customers in `ids` not read yet, the same way, with the
    /// customers' records (block 0 may be in the record, see `EmbeddedBlock`).
    async fn read_blocks(
        &mut self,
        customers: &ObjectStore<'_>,
        timeline: &ObjectStore<'_>,
        first_pull: &FirstPull,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> Result<(), StoreError> {
        let ids: BTreeSet<Uuid> = ids
            .into_iter()
            .filter(|id| !self.blocks.contains_key(id))
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        self.read_records(customers, first_pull, ids.iter().copied())
            .await?;
        let wanted: Vec<Uuid> = ids
            .iter()
            .copied()
            .filter(|id| first_pull.may_hold(Stored::Blocks, *id))
            .collect();
        let mut requests = Vec::with_capacity(wanted.len());
        for id in &wanted {
            requests.push(
                timeline
                    .get_all()
                    .with_query::<(String, u32), _>(customer_range(*id))
                    .serde()?,
            );
        }
        let mut stored: HashMap<Uuid, Vec<TimelineBlock>> = HashMap::new();
        for (customer, request) in wanted.into_iter().zip(requests) {
            stored.insert(customer, request.await?.collect::<Result<_, _>>()?);
        }
        for id in ids {
            let record = self.records.get(&id).and_then(Option::as_ref);
            let blocks = with_embedded(record, id, stored.remove(&id).unwrap_or_default())?;
            self.blocks.insert(id, blocks);
        }
        Ok(())
    }
}

/// The ids of `ids` that must be read into `loaded`: not read yet and possibly stored.
/// Those a first pull knows are not stored get the empty value without a read.
fn to_read<V: Default>(
    loaded: &mut HashMap<Uuid, V>,
    first_pull: &FirstPull,
    what: Stored,
    ids: impl IntoIterator<Item = Uuid>,
) -> BTreeSet<Uuid> {
    let mut wanted = BTreeSet::new();
    for id in ids {
        if loaded.contains_key(&id) {
            continue;
        }
        if first_pull.may_hold(what, id) {
            wanted.insert(id);
        } else {
            loaded.insert(id, V::default());
        }
    }
    wanted
}

/// An interaction of the page after merging, before it is placed.
struct Merged {
    id: Uuid,
    found: Option<Uuid>,
    state: RecordState,
    interaction: Option<Interaction>,
}

/// Merges the page's customer and interaction changes, noting our writes that lost in
/// `losses`; returns how many changes won.
pub(super) async fn merge_page(
    stores: PageStores<'_, '_>,
    customer_groups: Vec<Group<'_>>,
    interaction_groups: Vec<Group<'_>>,
    homes: &mut PageHomes<'_>,
    now_ms: u64,
    losses: &mut Losses,
) -> Result<usize, StoreError> {
    if customer_groups.is_empty() && interaction_groups.is_empty() {
        return Ok(0);
    }
    let PageStores {
        customers,
        timeline,
        parked,
        search,
        first_pull,
    } = stores;
    let mut loaded = Loaded::default();
    // Records parked for want of a field (usually one cut in two by a page boundary):
    // their keys, so that only those are read and deleted.
    let parked_keys: HashSet<String> = match interaction_groups.is_empty() {
        true => HashSet::new(),
        false => parked
            .get_all_keys::<String>()
            .primitive()?
            .await?
            .collect::<Result<_, _>>()?,
    };

    // Wave 1: customer records of the page and parked fields of its interactions.
    let mut parked_requests = Vec::new();
    for (id, _) in &interaction_groups {
        let key = parked_key(Entity::Interaction, *id);
        let waiting = match parked_keys.contains(&key) {
            true => Some(parked.get(key).serde()?),
            false => None,
        };
        parked_requests.push(waiting);
    }
    loaded
        .read_records(
            customers,
            first_pull,
            customer_groups.iter().map(|(id, _)| *id),
        )
        .await?;
    let mut parked_states: Vec<Option<RecordState>> = Vec::with_capacity(parked_requests.len());
    for request in parked_requests {
        let waiting: Option<ParkedRecord> = match request {
            Some(request) => request.await?,
            None => None,
        };
        parked_states.push(waiting.map(|p| p.state));
    }

    // Wave 2: blocks of every customer a pulled interaction that may be stored already
    // may be filed under (`homes`), and of new customers (their aggregates are computed
    // from interactions that may have arrived before them).
    let places: Vec<BTreeSet<Uuid>> = interaction_groups
        .iter()
        .map(
            |(id, group)| match first_pull.may_hold(Stored::Interaction, *id) {
                true => candidates(*id, group, homes.served, homes.local),
                false => BTreeSet::new(),
            },
        )
        .collect();
    let new_customers: Vec<Uuid> = loaded
        .records
        .iter()
        .filter(|(_, r)| r.is_none())
        .map(|(id, _)| *id)
        .collect();
    loaded
        .read_blocks(
            customers,
            timeline,
            first_pull,
            places.iter().flatten().copied().chain(new_customers),
        )
        .await?;
    let found: Vec<Option<Uuid>> = interaction_groups
        .iter()
        .zip(&places)
        .map(|((id, _), places)| holder(*id, places, &loaded.blocks))
        .collect();

    // Merge every interaction's fields in memory.
    let mut merged = Vec::with_capacity(interaction_groups.len());
    for (n, (id, group)) in interaction_groups.into_iter().enumerate() {
        let owner = found[n];
        let mut state = match owner {
            Some(owner) => stored_state(&loaded.blocks[&owner], id),
            None => parked_states
                .get_mut(n)
                .and_then(Option::take)
                .unwrap_or_default(),
        };
        let applied = merge_into(&mut state, &group, losses);
        let interaction = from_state::<Interaction>(id, &mut state.fields);
        merged.push((
            applied,
            Merged {
                id,
                found: owner,
                state,
                interaction,
            },
        ));
    }

    // Wave 3: customers first met through an interaction of this page.
    let owners: Vec<Uuid> = merged
        .iter()
        .filter_map(|(_, m)| m.interaction.as_ref().map(|i| i.customer_id))
        .collect();
    loaded
        .read_blocks(customers, timeline, first_pull, owners)
        .await?;

    let mut applied = 0;
    let mut dirty: BTreeSet<(Uuid, u32)> = BTreeSet::new();
    let mut touched: BTreeSet<Uuid> = BTreeSet::new();
    for (won, m) in merged {
        applied += won;
        let Some(interaction) = m.interaction else {
            park(parked, Entity::Interaction, m.id, m.state).await?;
            continue;
        };
        let key = parked_key(Entity::Interaction, m.id);
        if m.found.is_none() && parked_keys.contains(&key) {
            parked.delete(key).primitive()?;
        }
        first_pull.stored(Stored::Interaction, [m.id]);
        if let Some(home) = homes.local.get_mut(&m.id) {
            if *home != interaction.customer_id {
                *home = interaction.customer_id;
                homes.local_changed = true;
            }
        }
        place_interaction(
            &mut loaded,
            &mut dirty,
            &mut touched,
            m.found,
            interaction,
            m.state,
        );
    }

    // Customer fields: merged over the stored record, aggregates kept (or computed for
    // a customer seen for the first time).
    let mut changed: BTreeSet<Uuid> = BTreeSet::new();
    for (id, group) in customer_groups {
        let existing = loaded.records.get(&id).cloned().flatten();
        let mut state = match &existing {
            Some(r) => RecordState {
                fields: to_map(&r.customer),
                versions: r.versions.clone(),
            },
            None => RecordState::default(),
        };
        state.fields.remove("id");
        applied += merge_into(&mut state, &group, losses);
        let Some(customer) = from_state::<Customer>(id, &mut state.fields) else {
            park(parked, Entity::Customer, id, state).await?;
            continue;
        };
        let mut record = match existing {
            Some(mut record) => {
                record.customer = customer;
                record.updated_ms = now_ms as f64;
                record.refresh_derived();
                record
            }
            None => {
                let mut record = CustomerRecord::new(customer, Default::default(), now_ms);
                let blocks = loaded
                    .blocks
                    .get(&id)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                record.set_interactions(blocks.iter().flat_map(|b| &b.items));
                record
            }
        };
        record.versions = state.versions;
        record.updated_ms = now_ms as f64;
        loaded.records.insert(id, Some(record));
        changed.insert(id);
    }

    // Write each touched block and customer once (block 0 goes into the record, put
    // below with the others).
    for (customer, number) in &dirty {
        if let Some(block) = loaded
            .blocks
            .get(customer)
            .and_then(|list| list.iter().find(|b| b.block == *number))
        {
            let record = loaded.records.get_mut(customer).and_then(Option::as_mut);
            put_block(timeline, record, block)?;
        }
    }
    first_pull.stored(Stored::Blocks, dirty.iter().map(|(customer, _)| *customer));
    for customer in &touched {
        if let Some(Some(record)) = loaded.records.get_mut(customer) {
            let list = loaded
                .blocks
                .get(customer)
                .map(Vec::as_slice)
                .unwrap_or_default();
            record.updated_ms = now_ms as f64;
            record.set_interactions(list.iter().flat_map(|b| &b.items));
            changed.insert(*customer);
        }
    }
    search::place_all(
        search,
        loaded
            .records
            .iter_mut()
            .filter(|(id, _)| changed.contains(id))
            .filter_map(|(_, record)| record.as_mut()),
    )
    .await?;
    let records: Vec<&mut CustomerRecord> = loaded
        .records
        .iter_mut()
        .filter(|(id, _)| changed.contains(id))
        .filter_map(|(_, record)| record.as_mut())
        .collect();
    for value in customer_objects(records)? {
        customers.put(value).primitive()?;
    }
    first_pull.stored(Stored::Record, changed);
    Ok(applied)
}

/// The stored fields and versions of interaction `id` in a customer's blocks.
fn stored_state(blocks: &[TimelineBlock], id: Uuid) -> RecordState {
    let block = blocks.iter().find(|b| b.items.iter().any(|i| i.id == id));
    let item = block.and_then(|b| b.items.iter().find(|i| i.id == id));
    let mut fields = item.map(to_map).unwrap_or_default();
    fields.remove("id");
    RecordState {
        fields,
        versions: block
            .and_then(|b| b.versions.get(&id.to_string()).cloned())
            .unwrap_or_default(),
    }
}

/// Puts a merged interaction where it belongs: replaced in place when its customer is
/// unchanged, otherwise taken out of the old customer's block (a merge of duplicates
/// re-points interactions) and appended to the new customer's last block.
fn place_interaction(
    loaded: &mut Loaded,
    dirty: &mut BTreeSet<(Uuid, u32)>,
    touched: &mut BTreeSet<Uuid>,
    found: Option<Uuid>,
    interaction: Interaction,
    state: RecordState,
) {
    let id = interaction.id;
    let new_owner = interaction.customer_id;
    if let Some(old_owner) = found {
        let list = loaded.blocks.entry(old_owner).or_default();
        if let Some(block) = list.iter_mut().find(|b| b.items.iter().any(|i| i.id == id)) {
            if old_owner == new_owner {
                if let Some(pos) = block.items.iter().position(|i| i.id == id) {
                    block.items[pos] = interaction;
                }
                block.versions.insert(id.to_string(), state.versions);
                block.refresh_campaigns();
                dirty.insert((old_owner, block.block));
                touched.insert(new_owner);
                return;
            }
            block.items.retain(|i| i.id != id);
            block.versions.remove(&id.to_string());
            block.refresh_campaigns();
            dirty.insert((old_owner, block.block));
        }
        touched.insert(old_owner);
    }
    let list = loaded.blocks.entry(new_owner).or_default();
    let block = place(list, new_owner, interaction, state.versions).block;
    dirty.insert((new_owner, block));
    touched.insert(new_owner);
}
