//! Push and pull: the LWW merge of a validated batch into the `fields` table in one
//! transaction, and pages of current winners by sequence number.

use std::collections::{BTreeMap, HashMap, HashSet};

use crm_core::{
    change::Entity,
    merge::{decide, Decision},
    wire::ValidChange,
};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde_json::Value;

use super::{
    visibility::{self, Visible},
    Db, DbError,
};

/// What a push did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushOutcome {
    /// Changes that became the stored value.
    pub applied: u64,
    /// Changes that lost or repeated a stored one.
    pub ignored: u64,
    /// The server's sequence number after the push.
    pub seq: u64,
}

/// One stored winner as pulled: text columns as stored, `value` is JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledRow {
    /// Entity name (`customer`, …).
    pub entity: String,
    /// Record id (UUID).
    pub id: String,
    /// Field name.
    pub field: String,
    /// The value as compact JSON text.
    pub value: String,
    /// The winner's HLC in wire form.
    pub hlc: String,
    /// The version the winner's author had seen, in wire form (`Change::base`).
    pub base: Option<String>,
}

/// One page of a pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullPage {
    /// Winners in sequence order.
    pub rows: Vec<PulledRow>,
    /// Sequence number to pull after next time.
    pub cursor: u64,
    /// More rows follow.
    pub more: bool,
    /// Interaction id → every customer it has been filed under, for the interactions of
    /// the page a device may hold under a customer the page does not name (the wire's
    /// `homes`).
    pub homes: BTreeMap<String, Vec<String>>,
}

fn entity_name(entity: Entity) -> String {
    match serde_json::to_value(entity) {
        Ok(Value::String(s)) => s,
        _ => format!("{entity:?}").to_lowercase(),
    }
}

impl Db {
    /// Merges a validated batch for one organisation, all or nothing: a change to a
    /// record owned by another organisation refuses the whole batch. A change wins when
    /// the LWW rule (`crm_core::merge::decide`) says so; each winner gets the next
    /// sequence number. Returns once the commit is on disk.
    pub fn push(&self, org_id: i64, batch: &[ValidChange]) -> Result<PushOutcome, DbError> {
        self.write(|conn, seq| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut next = *seq;
            let (mut applied, mut ignored) = (0, 0);
            {
                let mut owner = tx.prepare_cached("SELECT org_id FROM records WHERE entity = ?1 AND id = ?2")?;
                let mut own = tx.prepare_cached(
                    "INSERT INTO records (entity, id, org_id, scope) VALUES (?1, ?2, ?3, CASE WHEN ?1 = 'customer' THEN ?2 END)",
                )?;
                let mut current = tx.prepare_cached("SELECT hlc, value FROM fields WHERE entity = ?1 AND id = ?2 AND field = ?3")?;
                let mut upsert = tx.prepare_cached(
                    "INSERT INTO fields (entity, id, field, org_id, value, hlc, seq, base) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (entity, id, field) DO UPDATE SET value = excluded.value, hlc = excluded.hlc, seq = excluded.seq, base = excluded.base",
                )?;
                let mut checked = HashSet::new();
                for (index, vc) in batch.iter().enumerate() {
                    let c = &vc.change;
                    let entity = entity_name(c.entity);
                    let id = c.id.to_string();
                    if checked.insert((c.entity, c.id)) {
                        match owner.query_row(params![entity, id], |r| r.get::<_, i64>(0)).optional()? {
                            Some(o) if o != org_id => return Err(DbError::Forbidden { index }),
                            Some(_) => {}
                            None => {
                                own.execute(params![entity, id, org_id])?;
                            }
                        }
                    }
                    let hlc = c.hlc.to_string();
                    let stored = current
                        .query_row(params![entity, id, c.field], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                        .optional()?;
                    // The wire form sorts in clock order, so only equal HLCs need the values.
                    let wins = match stored {
                        None => true,
                        Some((h, _)) if h != hlc => hlc > h,
                        Some((_, v)) => {
                            let v: Value = serde_json::from_str(&v).unwrap_or(Value::Null);
                            decide(Some((&v, c.hlc)), (&c.value, c.hlc)) == Decision::Replace
                        }
                    };
                    if wins {
                        next += 1;
                        let base = c.base.map(|b| b.to_string());
                        upsert.execute(params![entity, id, c.field, org_id, vc.value_json, hlc, next as i64, base])?;
                        visibility::after_win(&tx, &entity, &id, &c.field, &c.value, &mut next)?;
                        applied += 1;
                    } else {
                        ignored += 1;
                    }
                }
            }
            tx.commit()?;
            *seq = next;
            Ok(PushOutcome { applied, ignored, seq: next })
        })
    }

    /// Up to `limit` current winners of one organisation whose winner changed after
    /// `since`, in sequence order, of the records `visible` lets the caller see. The
    /// last page's cursor is the organisation's latest sequence number, so rows hidden
    /// from the caller are not scanned again (a record that becomes visible later gets
    /// new sequence numbers).
    pub fn pull(
        &self,
        org_id: i64,
        since: u64,
        limit: u32,
        visible: &Visible,
    ) -> Result<PullPage, DbError> {
        self.read(|conn| {
            let tx = conn.unchecked_transaction()?;
            let latest: i64 = tx
                .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM fields WHERE org_id = ?1")?
                .query_row([org_id], |r| r.get(0))?;
            let mut scan = tx.prepare_cached(
                "SELECT entity, id, field, value, hlc, seq, base FROM fields WHERE org_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let mut visibility = RecordVisibility::new(&tx, visible)?;
            // One row past the page says whether more follow.
            let wanted = limit as usize + 1;
            let mut rows: Vec<(PulledRow, u64)> = Vec::with_capacity(wanted);
            let mut after = since;
            loop {
                let chunk = scan
                    .query_map(params![org_id, after as i64, wanted as i64], |r| {
                        Ok((
                            PulledRow {
                                entity: r.get(0)?,
                                id: r.get(1)?,
                                field: r.get(2)?,
                                value: r.get(3)?,
                                hlc: r.get(4)?,
                                base: r.get(6)?,
                            },
                            r.get::<_, i64>(5)? as u64,
                        ))
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                let scanned = chunk.len();
                if let Some((_, last)) = chunk.last() {
                    after = *last;
                }
                for (row, seq) in chunk {
                    if rows.len() < wanted && visibility.allows(&row.entity, &row.id)? {
                        rows.push((row, seq));
                    }
                }
                if rows.len() >= wanted || scanned < wanted {
                    break;
                }
            }
            let more = rows.len() > limit as usize;
            rows.truncate(limit as usize);
            let cursor = match rows.last() {
                Some((_, s)) if more => *s,
                _ => (latest as u64).max(since),
            };
            let rows: Vec<PulledRow> = rows.into_iter().map(|(row, _)| row).collect();
            let homes = page_homes(&tx, &rows)?;
            Ok(PullPage { rows, cursor, more, homes })
        })
    }
}

/// The `homes` of a page: for each interaction re-pointed at some time, every customer
/// it has been filed under; for any other interaction whose `customer_id` is not in the
/// page (a later edit of another field, or a record cut by the page boundary), its
/// customer. An interaction first met with its `customer_id` needs no entry.
fn page_homes(
    tx: &rusqlite::Transaction,
    rows: &[PulledRow],
) -> rusqlite::Result<BTreeMap<String, Vec<String>>> {
    let mut named: HashMap<&str, bool> = HashMap::new();
    for row in rows.iter().filter(|r| r.entity == "interaction") {
        *named.entry(row.id.as_str()).or_default() |= row.field == "customer_id";
    }
    let mut former = tx.prepare_cached(
        "SELECT scope FROM record_homes WHERE entity = 'interaction' AND id = ?1 ORDER BY scope",
    )?;
    let mut current =
        tx.prepare_cached("SELECT scope FROM records WHERE entity = 'interaction' AND id = ?1")?;
    let mut homes = BTreeMap::new();
    for (id, names_customer) in named {
        let mut scopes = former
            .query_map([id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        if scopes.is_empty() && !names_customer {
            let scope: Option<Option<String>> = current.query_row([id], |r| r.get(0)).optional()?;
            scopes.extend(scope.flatten());
        }
        if !scopes.is_empty() {
            homes.insert(id.to_string(), scopes);
        }
    }
    Ok(homes)
}

/// Whether the caller may see a record, asked once per record of a page: the rows of one
/// record sit together in sequence order, so this is a handful of lookups per page
/// instead of a join per row.
struct RecordVisibility<'a> {
    owners: Option<HashSet<&'a str>>,
    lookup: Option<rusqlite::CachedStatement<'a>>,
    known: HashMap<(String, String), bool>,
}

impl<'a> RecordVisibility<'a> {
    fn new(tx: &'a rusqlite::Transaction<'a>, visible: &'a Visible) -> Result<Self, DbError> {
        let (owners, lookup) = match visible {
            Visible::All => (None, None),
            Visible::Owners(owners) => (
                Some(owners.iter().map(String::as_str).collect()),
                // A record follows its customer's owner; the shared pool (no owner) and
                // records that follow no customer are visible to everyone.
                Some(tx.prepare_cached(
                    "SELECT c.owner FROM records r LEFT JOIN records c ON c.entity = 'customer' AND c.id = r.scope
                     WHERE r.entity = ?1 AND r.id = ?2",
                )?),
            ),
        };
        Ok(RecordVisibility {
            owners,
            lookup,
            known: HashMap::new(),
        })
    }

    fn allows(&mut self, entity: &str, id: &str) -> Result<bool, DbError> {
        let (Some(owners), Some(lookup)) = (&self.owners, &mut self.lookup) else {
            return Ok(true);
        };
        let key = (entity.to_string(), id.to_string());
        if let Some(&seen) = self.known.get(&key) {
            return Ok(seen);
        }
        let owner: Option<Option<String>> = lookup
            .query_row(params![entity, id], |r| r.get(0))
            .optional()?;
        let allowed = match owner {
            None => false,
            Some(None) => true,
            Some(Some(o)) => o.is_empty() || owners.contains(o.as_str()),
        };
        self.known.insert(key, allowed);
        Ok(allowed)
    }
}
