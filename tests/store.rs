//! The IndexedDB store in real headless Chromium: CRUD, indexes, outbox, durability.
//! Run with `cargo test --target wasm32-unknown-unknown` (see README).

use chrono::{NaiveDate, NaiveDateTime};
use crm_app::storage::{Now, Store, StoreError};
use crm_core::{demo::Size, CustomerDraft, InteractionDraft, InteractionKind, Problem};
use std::cell::RefCell;

use crm_app::storage::stamp::{Stamped, Versions};
use crm_core::{
    change::Entity,
    sync::{SyncConfig, SyncEngine},
    Clock,
};
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

fn later(minutes: i64) -> Now {
    let local: NaiveDateTime = now().local + chrono::Duration::minutes(minutes);
    Now {
        ms: local.and_utc().timestamp_millis() as u64,
        local,
    }
}

/// A stand-alone engine stamping this test's edits (the app uses its global one).
struct Stamper(RefCell<SyncEngine>);

impl Stamper {
    fn new(node: u64) -> Self {
        Stamper(RefCell::new(SyncEngine::new(
            SyncConfig::default(),
            Clock::new(node),
            None,
            Vec::new(),
        )))
    }
    fn stamp(
        &self,
        entity: Entity,
        id: uuid::Uuid,
        fields: Vec<(String, serde_json::Value)>,
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

thread_local! {
    static STAMPER: Stamper = Stamper::new(7);
}

fn stamp(
    entity: Entity,
    id: uuid::Uuid,
    fields: Vec<(String, serde_json::Value)>,
    versions: &Versions,
) -> Stamped {
    STAMPER.with(|s| s.stamp(entity, id, fields, versions))
}

async fn fresh() -> (Store, String) {
    let name = format!("test-{}", uuid::Uuid::new_v4());
    (Store::open(&name, || {}).await.expect("open"), name)
}

fn draft(name: &str, company: &str, email: &str, phone: &str) -> CustomerDraft {
    CustomerDraft {
        name: name.into(),
        company: company.into(),
        email: email.into(),
        phone: phone.into(),
        city: "上海".into(),
        tags: "VIP, 商务".into(),
        ..Default::default()
    }
}

#[wasm_bindgen_test]
async fn create_edit_list_and_count() {
    let (store, _) = fresh().await;
    assert_eq!(store.customer_count().await.unwrap(), 0);
    let li = store
        .save_customer(
            None,
            &draft(
                "李伟",
                "锦江旅行社",
                "li.wei@example.com",
                "+86 138 0013 8000",
            ),
            now(),
            &stamp,
        )
        .await
        .unwrap();
    store
        .save_customer(None, &draft("Anna Smith", "Hilton", "", ""), now(), &stamp)
        .await
        .unwrap();
    store
        .save_customer(None, &draft("Zhou Min", "", "", ""), now(), &stamp)
        .await
        .unwrap();
    assert_eq!(store.customer_count().await.unwrap(), 3);

    let page = store.customer_page(None, 2).await.unwrap();
    let names: Vec<&str> = page.iter().map(|r| r.customer.name.as_str()).collect();
    assert_eq!(names, ["Anna Smith", "Zhou Min"]);
    let next = store
        .customer_page(page.last().unwrap().sort_key.clone(), 2)
        .await
        .unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].customer.name, "李伟");

    let mut edit = li.customer.to_draft();
    edit.phone = "021-6288 1234".into();
    let edited = store
        .save_customer(Some(li.customer.id), &edit, later(1), &stamp)
        .await
        .unwrap();
    assert_eq!(edited.customer.phone, "021-6288 1234");
    assert_eq!(edited.customer.created_ms, li.customer.created_ms);
    let stored = store.customer(li.customer.id).await.unwrap().unwrap();
    assert_eq!(stored, edited);
    assert!(stored.versions["phone"] > stored.versions["name"]);
}

#[wasm_bindgen_test]
async fn search_by_name_company_email_and_phone() {
    let (store, _) = fresh().await;
    store
        .save_customer(
            None,
            &draft(
                "王芳",
                "上海春秋国际旅行社",
                "wang.fang@example.cn",
                "+86 139 0000 1111",
            ),
            now(),
            &stamp,
        )
        .await
        .unwrap();
    store
        .save_customer(
            None,
            &draft(
                "Li Wei",
                "Hilton Shanghai",
                "li.wei@example.com",
                "13800138000",
            ),
            now(),
            &stamp,
        )
        .await
        .unwrap();
    for (query, expected) in [
        ("芳", vec!["王芳"]),
        ("春秋", vec!["王芳"]),
        ("wang.fang@", vec!["王芳"]),
        ("1111", vec!["王芳"]),
        ("hilton", vec!["Li Wei"]),
        ("LI", vec!["Li Wei"]),
        ("shanghai", vec!["Li Wei"]),
        ("example", vec!["Li Wei", "王芳"]),
        ("nobody", vec![]),
        ("", vec!["Li Wei", "王芳"]),
    ] {
        let found = store.search_customers(query, 50).await.unwrap();
        let names: Vec<&str> = found.iter().map(|r| r.customer.name.as_str()).collect();
        assert_eq!(names, expected, "query {query:?}");
    }
}

#[wasm_bindgen_test]
async fn invalid_input_writes_nothing() {
    let (store, _) = fresh().await;
    let err = store
        .save_customer(
            None,
            &draft("Li Wei", "", "li.wei@example", ""),
            now(),
            &stamp,
        )
        .await
        .unwrap_err();
    match err {
        StoreError::Invalid(errors) => {
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].field, "email");
            assert_eq!(errors[0].problem, Problem::InvalidEmail);
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(store.customer_count().await.unwrap(), 0);
    assert_eq!(store.pending_count().await.unwrap(), 0);
}

#[wasm_bindgen_test]
async fn every_edit_queues_one_outbox_entry_per_changed_field() {
    let (store, _) = fresh().await;
    let c = store
        .save_customer(None, &draft("Li Wei", "", "", "13800138000"), now(), &stamp)
        .await
        .unwrap();
    let created = store.outbox().await.unwrap();
    let mut fields: Vec<&str> = created.iter().map(|e| e.field.as_str()).collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "city",
            "created_ms",
            "kind",
            "name",
            "phone",
            "stage",
            "tags"
        ]
    );
    assert!(created
        .iter()
        .all(|e| e.id == c.customer.id.to_string() && e.hlc == created[0].hlc));

    let mut edit = c.customer.to_draft();
    edit.email = "li.wei@example.com".into();
    store
        .save_customer(Some(c.customer.id), &edit, later(1), &stamp)
        .await
        .unwrap();
    let after = store.outbox().await.unwrap();
    assert_eq!(after.len(), created.len() + 1);
    let last = after.last().unwrap();
    assert_eq!(
        (last.field.as_str(), last.value.clone()),
        ("email", serde_json::json!("li.wei@example.com"))
    );
    assert!(last.hlc > created[0].hlc);

    store
        .save_customer(Some(c.customer.id), &edit, later(2), &stamp)
        .await
        .unwrap();
    assert_eq!(
        store.pending_count().await.unwrap() as usize,
        after.len(),
        "saving unchanged values queues nothing"
    );
}

#[wasm_bindgen_test]
async fn delete_is_a_tombstone_that_can_be_undone() {
    let (store, _) = fresh().await;
    let c = store
        .save_customer(None, &draft("Li Wei", "", "", ""), now(), &stamp)
        .await
        .unwrap();
    let id = c.customer.id;
    let deleted = store
        .set_customer_deleted(id, true, later(1), &stamp)
        .await
        .unwrap();
    assert!(deleted.customer.deleted);
    assert_eq!(store.customer_count().await.unwrap(), 0);
    assert!(store.search_customers("li", 10).await.unwrap().is_empty());
    assert!(
        store.customer(id).await.unwrap().unwrap().customer.deleted,
        "the tombstone stays"
    );
    let last = store.outbox().await.unwrap().pop().unwrap();
    assert_eq!(
        (last.field.as_str(), last.value),
        ("_deleted", serde_json::json!(true))
    );

    store
        .set_customer_deleted(id, false, later(2), &stamp)
        .await
        .unwrap();
    assert_eq!(store.customer_count().await.unwrap(), 1);
    assert_eq!(store.search_customers("li", 10).await.unwrap().len(), 1);
}

#[wasm_bindgen_test]
async fn logging_interactions_updates_timeline_aggregates_and_follow_ups() {
    let (store, _) = fresh().await;
    let c = store
        .save_customer(None, &draft("Li Wei", "", "", ""), now(), &stamp)
        .await
        .unwrap();
    let id = c.customer.id;
    store
        .log_interaction(
            id,
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
    store
        .log_interaction(
            id,
            &InteractionDraft {
                kind: InteractionKind::Visit,
                date: "2026-11-30".into(),
                summary: "Lunch".into(),
                next_visit: "2026-12-03".into(),
                ..Default::default()
            },
            later(5),
            &stamp,
        )
        .await
        .unwrap();
    let timeline = store.timeline(id).await.unwrap();
    assert_eq!(timeline.len(), 2);
    assert_eq!(timeline[0].summary, "Lunch", "newest first");
    assert_eq!(timeline[1].amount_minor, Some(128_050));

    let record = store.customer(id).await.unwrap().unwrap();
    assert_eq!(
        (
            record.agg.interactions,
            record.agg.purchases,
            record.agg.spend_minor
        ),
        (2, 1, 128_050)
    );
    assert_eq!(record.next_visit.as_deref(), Some("2026-12-03"));
    let due = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
    assert!(store.follow_ups(due(2), 50).await.unwrap().is_empty());
    assert_eq!(store.follow_ups(due(3), 50).await.unwrap().len(), 1);

    let bad = store
        .log_interaction(
            id,
            &InteractionDraft {
                kind: InteractionKind::Purchase,
                date: "2026-11-30".into(),
                amount: "abc".into(),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))));
    assert_eq!(store.timeline(id).await.unwrap().len(), 2);
    let missing = store
        .log_interaction(
            uuid::Uuid::nil(),
            &InteractionDraft {
                kind: InteractionKind::Call,
                date: "2026-11-30".into(),
                summary: "x".into(),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await;
    assert_eq!(missing.unwrap_err(), StoreError::NotFound);
}

#[wasm_bindgen_test]
async fn data_survives_closing_and_reopening() {
    let (store, name) = fresh().await;
    let c = store
        .save_customer(None, &draft("李伟", "", "", ""), now(), &stamp)
        .await
        .unwrap();
    store
        .log_interaction(
            c.customer.id,
            &InteractionDraft {
                kind: InteractionKind::Call,
                date: "2026-11-30".into(),
                summary: "Called".into(),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await
        .unwrap();
    let pending = store.pending_count().await.unwrap();
    store.close();

    let reopened = Store::open(&name, || {}).await.unwrap();
    assert_eq!(
        reopened
            .customer(c.customer.id)
            .await
            .unwrap()
            .unwrap()
            .customer
            .name,
        "李伟"
    );
    assert_eq!(reopened.timeline(c.customer.id).await.unwrap().len(), 1);
    assert_eq!(reopened.pending_count().await.unwrap(), pending);
    reopened.close();
    Store::delete(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn demo_data_loads_the_s_set_in_chunks() {
    let (store, _) = fresh().await;
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let mut reports = Vec::new();
    let n = store
        .load_demo(Size::S, today, now().ms, |done, total| {
            reports.push((done, total))
        })
        .await
        .unwrap();
    assert_eq!(n, 500);
    assert_eq!(reports, vec![(500, 500)]);
    assert_eq!(store.customer_count().await.unwrap(), 500);
    assert_eq!(
        store.pending_count().await.unwrap(),
        0,
        "demo data is local only"
    );
    let due = store.follow_ups(today, 500).await.unwrap();
    assert_eq!(due.len(), 75, "50 due today + 25 overdue");
    let company = store
        .customer_page(None, 500)
        .await
        .unwrap()
        .into_iter()
        .find(|r| {
            r.customer.company_id.is_none() && r.customer.kind == crm_core::CustomerKind::Company
        })
        .unwrap();
    assert_eq!(store.contacts(company.customer.id).await.unwrap().len(), 3);
    let first = &due[0];
    let timeline = store.timeline(first.customer.id).await.unwrap();
    assert_eq!(timeline.len() as u32, first.agg.interactions);
    assert_eq!(store.meta::<bool>("demo_loaded").await.unwrap(), Some(true));
}
