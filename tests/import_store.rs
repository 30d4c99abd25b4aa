//! Import, merge, backup and restore against real IndexedDB in headless Chromium:
//! bulk writes stamped through a stand-alone sync engine with batched outbox records,
//! chunks that are all-or-nothing, merges that re-point interactions and tombstone the
//! merged-away customer, restore refused into a non-empty database.
//! Run with `cargo test --target wasm32-unknown-unknown -p crm-app --test import_store`.

use std::cell::RefCell;

use chrono::NaiveDate;
use crm_app::storage::{
    bulk::{BulkError, ImportChain, ImportWrite, StampedCreate},
    stamp::{Stamped, Versions},
    Now, Store,
};
use crm_core::{
    change::{field_diff, Change, Entity},
    import::{
        backup::{parse_backup, BackupError},
        merge_customers::{MergePlan, MERGED_INTO},
    },
    sync::{Pending, Restamp, SyncConfig, SyncEngine},
    wire::Homes,
    Clock, Customer, CustomerDraft, Hlc, InteractionDraft, InteractionKind,
};
use serde_json::{json, Value};
use uuid::Uuid;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> Now {
    let local = NaiveDate::from_ymd_opt(2026, 11, 30)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap();
    Now {
        ms: local.and_utc().timestamp_millis() as u64,
        local,
    }
}

/// A stand-alone engine stamping this test's edits (the app uses its global one).
struct Stamper(RefCell<SyncEngine>);

impl Stamper {
    fn new(node: u64, outbox: Vec<Pending>) -> Self {
        Stamper(RefCell::new(SyncEngine::new(
            SyncConfig::default(),
            Clock::new(node),
            None,
            outbox,
        )))
    }

    fn stamp(
        &self,
        entity: Entity,
        id: Uuid,
        fields: Vec<(String, Value)>,
        versions: &Versions,
    ) -> Stamped {
        let mut e = self.0.borrow_mut();
        let pending = e.handle_local_edit(now().ms, entity, id, fields, versions);
        Stamped {
            pending,
            clock: e.clock().clone(),
        }
    }
}

async fn fresh() -> Store {
    let name = format!("import-test-{}", Uuid::new_v4());
    Store::open(&name, || {}).await.expect("open")
}

fn customer(name: &str, email: &str, phone: &str) -> Customer {
    let mut c = Customer::new(Uuid::now_v7(), name, now().ms as i64);
    c.email = email.into();
    c.phone = phone.into();
    c.city = "上海".into();
    c
}

fn creates(customers: &[Customer]) -> Vec<ImportWrite> {
    customers
        .iter()
        .map(|c| ImportWrite::Create {
            customer: c.clone(),
        })
        .collect()
}

fn changes_of(customers: &[Customer]) -> usize {
    customers.iter().map(|c| field_diff(None, c).len()).sum()
}

/// The production path for new customers: the page's engine stamps each row, the import
/// worker writes them with `write_stamped` (here on the test's own connection).
async fn write_like_the_worker(
    store: &Store,
    engine: &Stamper,
    rows: &[Customer],
    chain: Option<ImportChain<'_>>,
) -> Result<usize, crm_app::storage::StoreError> {
    let fields: Vec<Vec<(String, Value)>> = rows.iter().map(|c| field_diff(None, c)).collect();
    let mut stamps = Vec::new();
    let mut clock = None;
    for (c, f) in rows.iter().zip(&fields) {
        let stamped = engine.stamp(Entity::Customer, c.id, f.clone(), &Versions::new());
        let first = &stamped.pending[0];
        stamps.push((first.change.hlc, first.seq));
        clock = Some(stamped.clock);
    }
    let stamped: Vec<StampedCreate<'_>> = rows
        .iter()
        .zip(&fields)
        .zip(&stamps)
        .map(|((customer, fields), (hlc, first_seq))| StampedCreate {
            customer,
            fields,
            hlc: *hlc,
            first_seq: *first_seq,
        })
        .collect();
    store
        .write_stamped(&stamped, &clock.unwrap(), now().ms, chain)
        .await
}

#[wasm_bindgen_test]
async fn bulk_import_stamps_every_customer_into_batched_outbox_records() {
    let store = fresh().await;
    let engine = Stamper::new(11, Vec::new());
    let rows = vec![
        customer("李伟", "li.wei@example.com", "+86 138 0013 8000"),
        customer("Anna Smith", "anna@example.com", ""),
        customer("周敏", "", "139 0000 1111"),
    ];
    let written = write_like_the_worker(&store, &engine, &rows, None)
        .await
        .unwrap();
    assert_eq!(written, 3);
    assert_eq!(store.customer_count().await.unwrap(), 3);
    assert_eq!(store.search_customers("1111", 10).await.unwrap().len(), 1);

    // One change per non-empty field, all in the outbox, in the engine's order.
    let expected = changes_of(&rows);
    assert_eq!(store.pending_count().await.unwrap() as usize, expected);
    let pending = store.outbox_pending().await.unwrap();
    assert_eq!(pending.len(), expected);
    let seqs: Vec<u64> = pending.iter().map(|p| p.seq).collect();
    assert_eq!(seqs, (1..=expected as u64).collect::<Vec<_>>());
    assert_eq!(engine.0.borrow().pending_len(), expected);
    let li = &pending[0].change;
    assert_eq!(li.entity, Entity::Customer);
    assert_eq!(li.id, rows[0].id);

    // Every stored field carries the HLC its change was stamped with.
    let stored = store.customer(rows[0].id).await.unwrap().unwrap();
    for p in pending.iter().filter(|p| p.change.id == rows[0].id) {
        assert_eq!(stored.versions.get(&p.change.field), Some(&p.change.hlc));
    }

    // The page's own path (used for rows that fill existing customers) stores the same.
    let other = fresh().await;
    let engine2 = Stamper::new(11, Vec::new());
    let stamp2 = |e, id, f, v: &Versions| engine2.stamp(e, id, f, v);
    let report = other
        .import_chunk(&creates(&rows), now(), &stamp2)
        .await
        .unwrap();
    assert_eq!(report.created, 3);
    assert_eq!(other.outbox_pending().await.unwrap(), pending);
    assert_eq!(other.customer(rows[0].id).await.unwrap().unwrap(), stored);

    // A sync acknowledging part of the batch removes just those changes.
    let acked: Vec<u64> = seqs[..4].to_vec();
    store.remove_outbox(&acked).await.unwrap();
    assert_eq!(store.pending_count().await.unwrap() as usize, expected - 4);
    let left = store.outbox_pending().await.unwrap();
    assert_eq!(left.first().map(|p| p.seq), Some(5));

    // A clock_skew re-stamp rewrites one change inside the batch.
    let target = left[2].clone();
    let new_hlc = Hlc {
        wall_ms: target.change.hlc.wall_ms + 1,
        counter: 0,
        node: 11,
    };
    let mut change = target.change.clone();
    change.hlc = new_hlc;
    let clock = engine.0.borrow().clock().clone();
    store
        .restamp(
            &[Restamp {
                seq: target.seq,
                old: target.change.hlc,
                change,
            }],
            &clock,
        )
        .await
        .unwrap();
    let after = store.outbox_pending().await.unwrap();
    assert_eq!(after.len(), expected - 4);
    assert_eq!(
        after
            .iter()
            .find(|p| p.seq == target.seq)
            .unwrap()
            .change
            .hlc,
        new_hlc
    );

    // Acknowledging everything empties the outbox and its counter.
    let all: Vec<u64> = after.iter().map(|p| p.seq).collect();
    store.remove_outbox(&all).await.unwrap();
    assert_eq!(store.pending_count().await.unwrap(), 0);
    assert!(store.outbox_pending().await.unwrap().is_empty());
}

#[wasm_bindgen_test]
async fn update_empty_fields_fills_only_what_is_empty() {
    let store = fresh().await;
    let engine = Stamper::new(12, Vec::new());
    let stamp = |e, id, f, v: &Versions| engine.stamp(e, id, f, v);
    let existing = customer("王芳", "wang.fang@example.com", "");
    store
        .import_chunk(&creates(std::slice::from_ref(&existing)), now(), &stamp)
        .await
        .unwrap();
    let before = store.pending_count().await.unwrap();
    let mut incoming = customer("王芳", "other@example.com", "13900001111");
    incoming.city = "北京".into();
    let report = store
        .import_chunk(
            &[ImportWrite::FillEmpty {
                target: existing.id,
                incoming,
            }],
            now(),
            &stamp,
        )
        .await
        .unwrap();
    assert_eq!((report.created, report.updated), (0, 1));
    let stored = store.customer(existing.id).await.unwrap().unwrap().customer;
    assert_eq!(stored.email, "wang.fang@example.com");
    assert_eq!(stored.phone, "13900001111");
    assert_eq!(stored.city, "上海");
    assert_eq!(store.pending_count().await.unwrap(), before + 1);
    assert_eq!(store.customer_count().await.unwrap(), 1);
    assert_eq!(
        store.search_customers("1111", 10).await.unwrap().len(),
        1,
        "the filled phone is searchable"
    );

    // A row filling a customer an earlier row of the same chunk created: one customer,
    // found once by what either row brought.
    let created = customer("李雷", "li.lei@example.com", "");
    let mut filled = customer("李雷", "", "13722223333");
    filled.city = "广州".into();
    store
        .import_chunk(
            &[
                ImportWrite::Create {
                    customer: created.clone(),
                },
                ImportWrite::FillEmpty {
                    target: created.id,
                    incoming: filled,
                },
            ],
            now(),
            &stamp,
        )
        .await
        .unwrap();
    for query in ["3333", "李雷"] {
        let found = store.search_customers(query, 10).await.unwrap();
        assert_eq!(found.len(), 1, "{query}");
        assert_eq!(found[0].customer.phone, "13722223333");
    }
}

/// A chunk that fails half-way (here: its outbox batch collides with changes another
/// engine already queued) leaves nothing behind, and the chunks before it stay whole.
#[wasm_bindgen_test]
async fn a_failed_chunk_writes_nothing_and_earlier_chunks_stay() {
    let store = fresh().await;
    let importer = Stamper::new(13, Vec::new());
    let first: Vec<Customer> = (0..50)
        .map(|i| customer(&format!("Chunk one {i}"), "", ""))
        .collect();
    let chain = |chunk| {
        Some(ImportChain {
            import: "import-1",
            chunk,
        })
    };
    write_like_the_worker(&store, &importer, &first, chain(0))
        .await
        .unwrap();
    let after_first = store.pending_count().await.unwrap();

    // Another engine (rebuilt from storage) queues an ordinary edit at the next seqs.
    let other = Stamper::new(14, store.outbox_pending().await.unwrap());
    let other_stamp = |e, id, f, v: &Versions| other.stamp(e, id, f, v);
    store
        .save_customer(
            None,
            &CustomerDraft {
                name: "Edited elsewhere".into(),
                ..Default::default()
            },
            now(),
            &other_stamp,
        )
        .await
        .unwrap();
    let count = store.customer_count().await.unwrap();
    let pending = store.pending_count().await.unwrap();
    assert!(pending > after_first);

    let second: Vec<Customer> = (0..300)
        .map(|i| customer(&format!("Chunk two {i}"), "", ""))
        .collect();
    let failed = write_like_the_worker(&store, &importer, &second, chain(1)).await;
    assert!(failed.is_err(), "the colliding chunk must fail");
    assert_eq!(store.customer_count().await.unwrap(), count);
    assert_eq!(store.pending_count().await.unwrap(), pending);
    assert!(store
        .search_customers("Chunk two", 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .search_customers("Chunk one", 100)
            .await
            .unwrap()
            .len(),
        50
    );

    // The chunk after a failed one is refused too (written in flight, it must not land
    // after a gap), whatever its own content.
    let engine = Stamper::new(15, store.outbox_pending().await.unwrap());
    let third: Vec<Customer> = (0..20)
        .map(|i| customer(&format!("Chunk three {i}"), "", ""))
        .collect();
    let refused = write_like_the_worker(&store, &engine, &third, chain(2)).await;
    assert!(
        refused.is_err(),
        "chunk 2 must not commit after chunk 1 failed"
    );
    assert_eq!(store.customer_count().await.unwrap(), count);
    assert_eq!(store.pending_count().await.unwrap(), pending);
    // In order, the chain goes on.
    write_like_the_worker(&store, &engine, &third[..5], chain(1))
        .await
        .unwrap();
    write_like_the_worker(&store, &engine, &third[5..], chain(2))
        .await
        .unwrap();
    assert_eq!(store.customer_count().await.unwrap(), count + 20);
}

#[wasm_bindgen_test]
async fn merge_moves_interactions_tombstones_and_repoints_contacts() {
    let store = fresh().await;
    let engine = Stamper::new(15, Vec::new());
    let stamp = |e, id, f, v: &Versions| engine.stamp(e, id, f, v);
    let a = customer("Li Wei", "li.wei@example.com", "");
    let mut b = customer("李伟", "LI.WEI@example.com", "13800138000");
    b.created_ms += 1;
    let mut contact = customer("Contact of B", "", "");
    contact.company_id = Some(b.id);
    store
        .import_chunk(
            &creates(&[a.clone(), b.clone(), contact.clone()]),
            now(),
            &stamp,
        )
        .await
        .unwrap();
    for (id, summary) in [(a.id, "Visit A"), (b.id, "Call B"), (b.id, "Lunch B")] {
        store
            .log_interaction(
                id,
                &InteractionDraft {
                    kind: InteractionKind::Visit,
                    date: "2026-11-20".into(),
                    summary: summary.into(),
                    ..Default::default()
                },
                now(),
                &stamp,
            )
            .await
            .unwrap();
    }
    let plan = MergePlan::suggest(&a, &b);
    assert_eq!(plan.survivor, a.id, "the older customer survives");
    let before = store.pending_count().await.unwrap();
    let report = store
        .merge_duplicates(b.id, a.id, &plan, now(), &stamp)
        .await
        .unwrap();
    assert_eq!((report.survivor, report.retired), (a.id, b.id));
    assert_eq!((report.moved, report.contacts), (2, 1));

    let timeline = store.timeline(a.id).await.unwrap();
    let mut summaries: Vec<&str> = timeline.iter().map(|i| i.summary.as_str()).collect();
    summaries.sort();
    assert_eq!(summaries, ["Call B", "Lunch B", "Visit A"]);
    assert!(timeline.iter().all(|i| i.customer_id == a.id));
    assert!(store.timeline(b.id).await.unwrap().is_empty());

    let survivor = store.customer(a.id).await.unwrap().unwrap();
    assert_eq!(survivor.agg.interactions, 3);
    assert_eq!(survivor.customer.phone, "13800138000", "empty field filled");
    let retired = store.customer(b.id).await.unwrap().unwrap();
    assert!(retired.customer.deleted);
    assert_eq!(retired.customer.merged_into, Some(a.id));
    assert_eq!(retired.agg.interactions, 0);
    let moved_contact = store.customer(contact.id).await.unwrap().unwrap();
    assert_eq!(moved_contact.customer.company_id, Some(a.id));
    assert_eq!(store.customer_count().await.unwrap(), 2);

    // Every part of the merge is an ordinary queued change.
    let outbox = store.outbox().await.unwrap();
    let queued = &outbox[before as usize..];
    let has = |id: Uuid, field: &str, value: Value| {
        queued
            .iter()
            .any(|e| e.id == id.to_string() && e.field == field && e.value == value)
    };
    assert!(has(b.id, "_deleted", json!(true)));
    assert!(has(b.id, MERGED_INTO, json!(a.id)));
    assert!(has(a.id, "phone", json!("13800138000")));
    assert!(has(contact.id, "company_id", json!(a.id)));
    let moved = timeline.iter().filter(|i| i.summary.ends_with('B')).count();
    assert_eq!(
        queued
            .iter()
            .filter(|e| e.entity == Entity::Interaction && e.field == "customer_id")
            .count(),
        moved
    );
    // Each change carries the version it replaced, through the batched outbox records.
    let re_pointed = queued
        .iter()
        .find(|e| e.id == contact.id.to_string() && e.field == "company_id")
        .unwrap();
    let was = store.customer(contact.id).await.unwrap().unwrap();
    assert!(re_pointed.base.is_some());
    assert!(re_pointed.base < Some(was.versions["company_id"]));

    // Another device edits a moved interaction before the merge reaches the server:
    // the page names only its old customer, and the edit still finds it where this
    // device moved it.
    let call = timeline.iter().find(|i| i.summary == "Call B").unwrap().id;
    let edit = Change {
        entity: Entity::Interaction,
        id: call,
        field: "summary".into(),
        value: json!("Call B, rescheduled"),
        hlc: Hlc {
            wall_ms: now().ms + 3_600_000,
            counter: 0,
            node: 0x999,
        },
        base: None,
    };
    let homes: Homes = [(call, vec![b.id])].into();
    store
        .apply_remote(&[edit], &homes, "c1", now().ms)
        .await
        .unwrap();
    let after = store.timeline(a.id).await.unwrap();
    assert_eq!(after.len(), 3, "edited in place, not copied: {after:?}");
    assert!(after
        .iter()
        .any(|i| i.id == call && i.summary == "Call B, rescheduled"));
    assert!(store.timeline(b.id).await.unwrap().is_empty());

    // Merging again is refused: the other one is gone.
    let again = store
        .merge_duplicates(a.id, b.id, &plan, now(), &stamp)
        .await;
    assert!(matches!(again, Err(BulkError::Merge(_))));
}

#[wasm_bindgen_test]
async fn backup_restores_into_an_empty_database_only() {
    let store = fresh().await;
    let engine = Stamper::new(16, Vec::new());
    let stamp = |e, id, f, v: &Versions| engine.stamp(e, id, f, v);
    let rows = vec![
        customer("李伟", "li.wei@example.com", ""),
        customer("Anna Smith", "anna@example.com", ""),
    ];
    store
        .import_chunk(&creates(&rows), now(), &stamp)
        .await
        .unwrap();
    store
        .log_interaction(
            rows[0].id,
            &InteractionDraft {
                kind: InteractionKind::Purchase,
                date: "2026-11-02".into(),
                amount: "1,280.50".into(),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await
        .unwrap();
    let pieces = store.backup_pieces(now().ms as i64).await.unwrap();
    let backup = parse_backup(pieces.concat().as_bytes()).unwrap();
    assert_eq!(backup.records.customers.len(), 2);
    assert_eq!(backup.records.interactions.len(), 1);

    // Into the same (non-empty) database: refused, nothing written.
    let count = store.record_count().await.unwrap();
    let pending = store.pending_count().await.unwrap();
    let refused = store.restore_backup(&backup, now(), &stamp).await;
    assert!(matches!(
        refused,
        Err(BulkError::Backup(BackupError::NotEmpty { .. }))
    ));
    assert_eq!(store.record_count().await.unwrap(), count);
    assert_eq!(store.pending_count().await.unwrap(), pending);

    // Into an empty one: everything back, queued for sync.
    let empty = fresh().await;
    let other = Stamper::new(17, Vec::new());
    let other_stamp = |e, id, f, v: &Versions| other.stamp(e, id, f, v);
    let report = empty
        .restore_backup(&backup, now(), &other_stamp)
        .await
        .unwrap();
    assert_eq!((report.customers, report.interactions), (2, 1));
    assert_eq!(empty.customer_count().await.unwrap(), 2);
    let restored = empty.customer(rows[0].id).await.unwrap().unwrap();
    assert_eq!(restored.customer, rows[0]);
    assert_eq!(restored.agg.purchases, 1);
    assert_eq!(empty.timeline(rows[0].id).await.unwrap().len(), 1);
    assert!(empty.pending_count().await.unwrap() > 0);
    assert_eq!(
        empty.export_customers("").await.unwrap().len(),
        store.export_customers("").await.unwrap().len()
    );
}
