//! Store internals in real headless Chromium: transaction atomicity and the upgrade
//! path from an older schema with data in it.

use crm_core::{Aggregates, Customer};
use indexed_db_futures::{prelude::*, transaction::TransactionMode};
use wasm_bindgen_test::*;

use super::{
    customers::write_customer, records::CustomerRecord, schema::*, stamp::Stamped, Now, Store,
};
use crm_core::{
    change::{Change, Entity},
    sync::{SyncConfig, SyncEngine},
    wire::Homes,
    Clock, Hlc,
};
use std::cell::RefCell;

thread_local! {
    static ENGINE: RefCell<SyncEngine> = RefCell::new(SyncEngine::new(SyncConfig::default(), Clock::new(MY_NODE), None, Vec::new()));
}

const MY_NODE: u64 = 0xabc;

fn stamp(
    entity: Entity,
    id: uuid::Uuid,
    fields: Vec<(String, serde_json::Value)>,
    versions: &super::stamp::Versions,
) -> Stamped {
    ENGINE.with(|e| {
        let mut e = e.borrow_mut();
        let pending = e.handle_local_edit(now().ms, entity, id, fields, versions);
        Stamped {
            pending,
            clock: e.clock().clone(),
        }
    })
}

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> Now {
    let local = chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap();
    Now {
        ms: local.and_utc().timestamp_millis() as u64,
        local,
    }
}

fn name() -> String {
    format!("test-{}", uuid::Uuid::new_v4())
}

/// Writes a customer and its outbox entries, then fails on a later write in the same
/// transaction (a record without a key): neither the record nor the outbox survive.
#[wasm_bindgen_test]
async fn record_and_outbox_are_written_together_or_not_at_all() {
    let store = Store::open(&name(), || {}).await.unwrap();
    let customer = Customer::new(uuid::Uuid::now_v7(), "Li Wei", 1);
    let result: Result<(), super::StoreError> = async {
        let tx = store
            .db
            .transaction([CUSTOMERS, SEARCH, OUTBOX, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let customers = tx.object_store(CUSTOMERS)?;
        write_customer(
            &customers,
            &tx.object_store(SEARCH)?,
            &tx.object_store(OUTBOX)?,
            &tx.object_store(META)?,
            None,
            customer.clone(),
            Aggregates::default(),
            now(),
            &stamp,
        )
        .await?;
        customers
            .put(&serde_json::json!({"no_id": true}))
            .serde()?
            .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    assert!(result.is_err(), "the keyless put must fail");
    assert_eq!(store.customer(customer.id).await.unwrap(), None);
    assert_eq!(store.pending_count().await.unwrap(), 0);

    // The same writes committed: both are there.
    let tx = store
        .db
        .transaction([CUSTOMERS, SEARCH, OUTBOX, META])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let customers = tx.object_store(CUSTOMERS).unwrap();
    write_customer(
        &customers,
        &tx.object_store(SEARCH).unwrap(),
        &tx.object_store(OUTBOX).unwrap(),
        &tx.object_store(META).unwrap(),
        None,
        customer.clone(),
        Aggregates::default(),
        now(),
        &stamp,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(store.customer(customer.id).await.unwrap().is_some());
    assert!(store.pending_count().await.unwrap() > 0);
}

/// A version-1 database holding a customer in the version-1 record format opens at
/// the current version with the customer searchable and the new stores usable.
#[wasm_bindgen_test]
async fn upgrades_from_version_1_with_data() {
    let name = name();
    let v1 = Store::open_at(&name, 1, || {}).await.unwrap();
    assert_eq!(v1.version(), 1);
    {
        let tx = v1
            .db
            .transaction([CUSTOMERS, OUTBOX])
            .with_mode(TransactionMode::Readwrite)
            .build()
            .unwrap();
        let old_format = serde_json::json!({
            "id": "0192f0c2-8a7e-7c1d-9a40-1c9d1e3f5a77",
            "name": "王芳",
            "phone": "+86 139 0000 1111",
            "sort_key": "王芳",
        });
        let old_company = serde_json::json!({
            "id": "0192f0c2-8a7e-7c1d-9a40-1c9d1e3f5a78",
            "name": "Zhongxin Travel",
            "kind": "company",
            "sort_key": "zhongxin travel",
        });
        for record in [&old_format, &old_company] {
            tx.object_store(CUSTOMERS)
                .unwrap()
                .put(record)
                .serde()
                .unwrap()
                .await
                .unwrap();
        }
        tx.object_store(OUTBOX)
            .unwrap()
            .add(&serde_json::json!({"pending": 1}))
            .serde()
            .unwrap()
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    v1.close();

    let v2 = Store::open(&name, || {}).await.unwrap();
    assert_eq!(v2.version(), VERSION);
    let found = v2.search_customers("芳", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].customer.name, "王芳");
    assert_eq!(v2.search_customers("1111", 10).await.unwrap().len(), 1);
    assert_eq!(v2.customer_count().await.unwrap(), 2);
    let companies = v2.companies().await.unwrap();
    assert_eq!(
        companies.len(),
        1,
        "the company is listed through its new index"
    );
    assert_eq!(companies[0].customer.name, "Zhongxin Travel");
    assert_eq!(
        v2.pending_count().await.unwrap(),
        1,
        "the outbox survives the upgrade"
    );
    let id = found[0].customer.id;
    assert!(v2.timeline(id).await.unwrap().is_empty());
    let record: CustomerRecord = v2.customer(id).await.unwrap().unwrap();
    assert!(record.sort_key.unwrap().starts_with("王芳\u{0}"));
    let tx = v2.db.transaction(CUSTOMERS).build().unwrap();
    let indexes: Vec<String> = tx.object_store(CUSTOMERS).unwrap().index_names().collect();
    assert!(
        !indexes.contains(&BY_OWNER.to_string())
            && !indexes.contains(&BY_UPDATED.to_string())
            && !indexes.contains(&BY_SEARCH.to_string())
            && !indexes.contains(&BY_KIND.to_string()),
        "unused indexes, the search-key and the kind index are dropped: {indexes:?}"
    );
    let tx = v2.db.transaction(TIMELINE).build().unwrap();
    let indexes: Vec<String> = tx.object_store(TIMELINE).unwrap().index_names().collect();
    assert_eq!(
        indexes,
        vec![BY_CAMPAIGN.to_string()],
        "no index by interaction"
    );
}

/// Opening a database written by an older version of the app reports the upgrade (the
/// UI explains the wait); creating a new one or opening a current one does not.
#[wasm_bindgen_test]
async fn opening_an_older_database_reports_the_upgrade() {
    use std::{cell::Cell, rc::Rc};
    let opens = |name: String| async move {
        let upgrading = Rc::new(Cell::new(false));
        let flag = upgrading.clone();
        let store = Store::open_with(&name, || {}, move || flag.set(true))
            .await
            .unwrap();
        store.close();
        upgrading.get()
    };
    let fresh = name();
    assert!(!opens(fresh.clone()).await, "a new database");
    assert!(!opens(fresh).await, "a current database");
    let older = name();
    Store::open_at(&older, 7, || {}).await.unwrap().close();
    assert!(opens(older).await, "a schema-7 database");
}

/// A clock-skew re-stamp moves an interaction field's version to the new HLC: the
/// block is found by the customer a re-stamped `customer_id` names, or, when no
/// re-stamped change names it, by a scan of the timeline.
#[wasm_bindgen_test]
async fn restamped_interactions_are_found_by_customer_or_by_scan() {
    let store = Store::open(&name(), || {}).await.unwrap();
    let draft = crm_core::CustomerDraft {
        name: "Qian Hui".into(),
        ..Default::default()
    };
    let customer = store
        .save_customer(None, &draft, now(), &stamp)
        .await
        .unwrap()
        .customer;
    let visit = crm_core::InteractionDraft {
        kind: crm_core::InteractionKind::Visit,
        date: "2026-11-20".into(),
        summary: "Contract review".into(),
        ..Default::default()
    };
    let logged = store
        .log_interaction(customer.id, &visit, now(), &stamp)
        .await
        .unwrap();
    let pending = store.outbox_pending().await.unwrap();
    let of = |field: &str| {
        pending
            .iter()
            .find(|p| p.change.id == logged.id && p.change.field == field)
            .unwrap()
            .clone()
    };
    let version = |blocks: &[super::records::TimelineBlock], field: &str| {
        blocks[0].versions[&logged.id.to_string()][field]
    };
    for (restamped, field) in [
        (vec![of("summary")], "summary"),
        (vec![of("kind"), of("customer_id")], "kind"),
    ] {
        let clock = ENGINE.with(|e| e.borrow().clock().clone());
        let restamps: Vec<crm_core::sync::Restamp> = restamped
            .iter()
            .map(|p| {
                let mut change = p.change.clone();
                change.hlc.wall_ms += 60_000;
                crm_core::sync::Restamp {
                    seq: p.seq,
                    old: p.change.hlc,
                    change,
                }
            })
            .collect();
        store.restamp(&restamps, &clock).await.unwrap();
        let tx = store.db.transaction([CUSTOMERS, TIMELINE]).build().unwrap();
        let record =
            super::customers::get_record(&tx.object_store(CUSTOMERS).unwrap(), customer.id)
                .await
                .unwrap();
        let blocks = super::timeline::blocks_of(
            &tx.object_store(TIMELINE).unwrap(),
            record.as_ref(),
            customer.id,
        )
        .await
        .unwrap();
        assert_eq!(version(&blocks, field), restamps[0].change.hlc, "{field}");
    }
}

/// Writes a customer record as an older build stored it (raw JSON, past the store's
/// types), with the data version that build left when one is given, in one transaction.
async fn put_raw_customer(store: &Store, record: &serde_json::Value, data_version: Option<u32>) {
    let tx = store
        .db
        .transaction([CUSTOMERS, META])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    tx.object_store(CUSTOMERS)
        .unwrap()
        .put(record)
        .serde()
        .unwrap()
        .await
        .unwrap();
    if let Some(version) = data_version {
        super::meta::put(
            &tx.object_store(META).unwrap(),
            super::meta::DATA_VERSION,
            &version,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// A data-version-3 record keyed by every trailing run of its phone digits is re-keyed
/// on open: found by its last digits through the reversed key, and its old keys gone.
#[wasm_bindgen_test]
async fn upgrades_version_3_phone_keys() {
    use crm_core::CustomerDraft;
    let name = name();
    let store = Store::open(&name, || {}).await.unwrap();
    let saved = store
        .save_customer(
            None,
            &CustomerDraft {
                name: "Zhao Lei".into(),
                phone: "+86 139 0000 1111".into(),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await
        .unwrap();
    // The record as data version 3 stored it: a search key per trailing run of phone
    // digits, in the index (no search slot).
    let mut old = serde_json::to_value(&saved).unwrap();
    old.as_object_mut().unwrap().remove("search");
    old["search_keys"] = (0..=7)
        .map(|start| "13900001111"[start..].to_string())
        .chain([
            "lei".to_string(),
            "zhao".to_string(),
            "zhao lei".to_string(),
        ])
        .collect();
    put_raw_customer(&store, &old, Some(3)).await;
    store.close();

    let store = Store::open(&name, || {}).await.unwrap();
    let record = store.customer(saved.customer.id).await.unwrap().unwrap();
    assert_eq!(record.search, saved.search, "placed again where it was");
    let found = store.search_customers("1111", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(store.search_customers("0000 1", 10).await.unwrap().len(), 0);
    assert_eq!(
        store.search_customers("139 0000", 10).await.unwrap().len(),
        1
    );
}

fn change(
    entity: Entity,
    id: uuid::Uuid,
    field: &str,
    value: serde_json::Value,
    wall_ms: u64,
    node: u64,
) -> Change {
    Change {
        entity,
        id,
        field: field.into(),
        value,
        hlc: Hlc {
            wall_ms,
            counter: 0,
            node,
        },
        base: None,
    }
}

/// Pulled pages merge field by field: new records appear, newer values win, older ones
/// are ignored, a local value that lost to a concurrent edit goes to the conflict log in
/// the same transaction and can be restored, a later edit by someone who saw our value
/// is no conflict, and an interaction whose customer arrives on a later page waits
/// parked until then.
#[wasm_bindgen_test]
async fn pulled_changes_merge_by_field_with_conflicts_and_parking() {
    let store = Store::open(&name(), || {}).await.unwrap();
    let other = 0x999;
    let far = now().ms + 3_600_000;
    let cid = uuid::Uuid::now_v7();
    let page1 = vec![
        change(
            Entity::Customer,
            cid,
            "name",
            serde_json::json!("王芳"),
            far,
            other,
        ),
        change(
            Entity::Customer,
            cid,
            "phone",
            serde_json::json!("13900001111"),
            far,
            other,
        ),
    ];
    let report = store
        .apply_remote(&page1, &Homes::new(), "c1", now().ms)
        .await
        .unwrap();
    assert_eq!(report.applied, 2);
    assert_eq!(store.search_customers("芳", 10).await.unwrap().len(), 1);
    assert_eq!(
        store
            .meta::<String>(super::meta::CURSOR)
            .await
            .unwrap()
            .as_deref(),
        Some("c1")
    );
    assert_eq!(
        store.pending_count().await.unwrap(),
        0,
        "pulled changes are not queued again"
    );

    // A local edit of the email, then a later remote email (it wins; the lost value is logged)
    // and an older remote phone (ignored).
    let mut draft = store
        .customer(cid)
        .await
        .unwrap()
        .unwrap()
        .customer
        .to_draft();
    draft.email = "mine@example.com".into();
    store
        .save_customer(Some(cid), &draft, now(), &stamp)
        .await
        .unwrap();
    let page2 = vec![
        change(
            Entity::Customer,
            cid,
            "email",
            serde_json::json!("theirs@example.com"),
            far + 10,
            other,
        ),
        change(
            Entity::Customer,
            cid,
            "phone",
            serde_json::json!("10000000000"),
            far - 10,
            other,
        ),
    ];
    let report = store
        .apply_remote(&page2, &Homes::new(), "c2", now().ms)
        .await
        .unwrap();
    assert_eq!(report.applied, 1);
    let record = store.customer(cid).await.unwrap().unwrap();
    assert_eq!(record.customer.email, "theirs@example.com");
    assert_eq!(record.customer.phone, "13900001111");
    let conflicts = store.conflicts().await.unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].1.field, "email");
    assert_eq!(
        conflicts[0].1.lost_value,
        serde_json::json!("mine@example.com")
    );
    assert_eq!(conflicts[0].1.label, "王芳");

    // Restore: a new local edit that is queued to win everywhere.
    let before = store.pending_count().await.unwrap();
    store
        .restore_conflict(conflicts[0].0, now(), &stamp)
        .await
        .unwrap();
    assert_eq!(
        store.customer(cid).await.unwrap().unwrap().customer.email,
        "mine@example.com"
    );
    assert!(store.conflicts().await.unwrap().is_empty());
    let queued = store.outbox().await.unwrap();
    assert_eq!(queued.len() as u32, before + 1);
    assert_eq!(
        queued.last().unwrap().value,
        serde_json::json!("mine@example.com")
    );
    // The restore's base is the winner it replaces.
    assert_eq!(queued.last().unwrap().base, Some(page2[0].hlc));

    // Someone who saw our restored value edits it later: no conflict.
    let mut later = change(
        Entity::Customer,
        cid,
        "email",
        serde_json::json!("later@example.com"),
        far + 20,
        other,
    );
    later.base = Some(queued.last().unwrap().hlc);
    store
        .apply_remote(&[later], &Homes::new(), "c2b", now().ms)
        .await
        .unwrap();
    assert_eq!(
        store.customer(cid).await.unwrap().unwrap().customer.email,
        "later@example.com"
    );
    assert!(store.conflicts().await.unwrap().is_empty());

    // An interaction split over two pages: parked, then placed on the timeline.
    let iid = uuid::Uuid::now_v7();
    let page3 = vec![
        change(
            Entity::Interaction,
            iid,
            "kind",
            serde_json::json!("purchase"),
            far,
            other,
        ),
        change(
            Entity::Interaction,
            iid,
            "amount_minor",
            serde_json::json!(30000),
            far,
            other,
        ),
    ];
    store
        .apply_remote(&page3, &Homes::new(), "c3", now().ms)
        .await
        .unwrap();
    assert!(store.timeline(cid).await.unwrap().is_empty());
    let page4 = vec![
        change(
            Entity::Interaction,
            iid,
            "customer_id",
            serde_json::json!(cid.to_string()),
            far,
            other,
        ),
        change(
            Entity::Interaction,
            iid,
            "at",
            serde_json::json!("2026-11-20T10:00:00"),
            far,
            other,
        ),
    ];
    store
        .apply_remote(&page4, &Homes::new(), "c4", now().ms)
        .await
        .unwrap();
    let timeline = store.timeline(cid).await.unwrap();
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].amount_minor, Some(30000));
    let record = store.customer(cid).await.unwrap().unwrap();
    assert_eq!((record.agg.purchases, record.agg.spend_minor), (1, 30000));

    // A remote tombstone removes the customer from the list.
    let page5 = vec![change(
        Entity::Customer,
        cid,
        "_deleted",
        serde_json::json!(true),
        far + 60_000,
        other,
    )];
    store
        .apply_remote(&page5, &Homes::new(), "c5", now().ms)
        .await
        .unwrap();
    assert_eq!(store.customer_count().await.unwrap(), 0);
}

/// Workflow records: a local save queues only the changed fields; a pulled change to
/// another field merges in; a stale pulled value is ignored; a tombstone hides the record.
#[wasm_bindgen_test]
async fn workflow_records_save_diff_merge_and_tombstone() {
    use crm_core::workflow::{Deal, DealStage};
    let store = Store::open(&name(), || {}).await.unwrap();
    let id = uuid::Uuid::now_v7();
    let mut deal = Deal::new(id, "li.wei", 5);
    deal.title = "Hangzhou incentive trip".into();
    deal.amount_minor = 12_800_000;
    let before = store.pending_count().await.unwrap();
    let first = store
        .save_entity(Entity::Deal, id, &deal, now().ms, &stamp)
        .await
        .unwrap();
    assert!(first >= 2, "a new record queues its non-empty fields");
    let moved = deal.move_to(DealStage::Qualified).unwrap();
    let second = store
        .save_entity(Entity::Deal, id, &moved, now().ms, &stamp)
        .await
        .unwrap();
    assert_eq!(second, 2, "stage and probability changed, nothing else");
    assert_eq!(
        store.pending_count().await.unwrap(),
        before + (first + second) as u32
    );

    let far = now().ms + 3_600_000;
    let page = vec![
        change(
            Entity::Deal,
            id,
            "notes",
            serde_json::json!("Budget confirmed"),
            far,
            0x999,
        ),
        change(
            Entity::Deal,
            id,
            "title",
            serde_json::json!("Old title"),
            1,
            0x999,
        ),
    ];
    let report = store
        .apply_remote(&page, &Homes::new(), "c1", now().ms)
        .await
        .unwrap();
    assert_eq!(report.applied, 1);
    let stored: Deal = store
        .entity_record(Entity::Deal, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.notes, "Budget confirmed");
    assert_eq!(stored.title, "Hangzhou incentive trip");
    assert_eq!(stored.stage, DealStage::Qualified);

    let mut gone = stored.clone();
    gone.deleted = true;
    store
        .save_entity(Entity::Deal, id, &gone, now().ms, &stamp)
        .await
        .unwrap();
    let live: Vec<Deal> = store.entity_records(Entity::Deal).await.unwrap();
    assert!(live.is_empty());
}

/// A purchase linked to a campaign is found through the campaign index; care reminders'
/// customers through the care and birthday indexes.
#[wasm_bindgen_test]
async fn campaign_and_care_indexes_find_their_records() {
    use crm_core::{CustomerDraft, InteractionDraft, InteractionKind};
    let store = Store::open(&name(), || {}).await.unwrap();
    let today = now().local.date();
    let buyer = store
        .save_customer(
            None,
            &CustomerDraft {
                name: "Chen Jing".into(),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await
        .unwrap();
    let birthday = store
        .save_customer(
            None,
            &CustomerDraft {
                name: "Zhou Min".into(),
                birthday: "1990-12-03".into(),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await
        .unwrap();
    let _nobody = store
        .save_customer(
            None,
            &CustomerDraft {
                name: "Wu Lei".into(),
                birthday: "1990-06-01".into(),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await
        .unwrap();
    let campaign = uuid::Uuid::now_v7();
    let purchase = store
        .log_interaction(
            buyer.customer.id,
            &InteractionDraft {
                kind: InteractionKind::Purchase,
                date: (today - chrono::Days::new(7)).to_string(),
                amount: "3200".into(),
                campaign_id: Some(campaign),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await
        .unwrap();
    let linked = store.campaign_purchases(campaign).await.unwrap();
    assert_eq!(
        linked.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![purchase.id]
    );
    assert!(store
        .campaign_purchases(uuid::Uuid::now_v7())
        .await
        .unwrap()
        .is_empty());

    let found = store
        .care_candidates(today, today + chrono::Days::new(14))
        .await
        .unwrap();
    let mut names: Vec<String> = found.iter().map(|(r, _)| r.customer.name.clone()).collect();
    names.sort();
    assert_eq!(names, vec!["Chen Jing", "Zhou Min"]);
    let (_, items) = found
        .iter()
        .find(|(r, _)| r.customer.id == buyer.customer.id)
        .unwrap();
    assert_eq!(items.len(), 1, "the buyer comes with its purchases");
    assert_eq!(birthday.birthday_md.as_deref(), Some("12-03"));
}

/// One pulled page with two customers and many interactions: every interaction lands in its
/// customer's blocks with the aggregates recomputed once; a later page re-points one
/// interaction (a merge made elsewhere) and an edit of another updates it in place.
#[wasm_bindgen_test]
async fn a_page_of_interactions_is_placed_per_customer_and_re_pointed() {
    let store = Store::open(&name(), || {}).await.unwrap();
    let other = 0x999;
    let far = now().ms + 3_600_000;
    let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let mut page = vec![
        change(
            Entity::Customer,
            a,
            "name",
            serde_json::json!("Chen Jing"),
            far,
            other,
        ),
        change(
            Entity::Customer,
            b,
            "name",
            serde_json::json!("Zhou Min"),
            far,
            other,
        ),
    ];
    let mut ids = Vec::new();
    for n in 0..150 {
        let id = uuid::Uuid::now_v7();
        ids.push(id);
        let owner = if n < 140 { a } else { b };
        for (field, value) in [
            ("customer_id", serde_json::json!(owner)),
            ("kind", serde_json::json!("purchase")),
            (
                "at",
                serde_json::json!(format!("2026-11-{:02}T10:00:00", 1 + n % 28)),
            ),
            ("amount_minor", serde_json::json!(10_000)),
        ] {
            page.push(change(Entity::Interaction, id, field, value, far, other));
        }
    }
    let report = store
        .apply_remote(&page, &Homes::new(), "c1", now().ms)
        .await
        .unwrap();
    assert_eq!(report.applied, 2 + 150 * 4);
    assert_eq!(store.timeline(a).await.unwrap().len(), 140);
    assert_eq!(store.timeline(b).await.unwrap().len(), 10);
    let rec_a = store.customer(a).await.unwrap().unwrap();
    assert_eq!(
        (rec_a.agg.purchases, rec_a.agg.spend_minor),
        (140, 1_400_000)
    );
    assert_eq!(rec_a.recent_purchases.len(), 3);

    let page2 = vec![
        change(
            Entity::Interaction,
            ids[0],
            "customer_id",
            serde_json::json!(b),
            far + 1,
            other,
        ),
        change(
            Entity::Interaction,
            ids[1],
            "summary",
            serde_json::json!("Suite upgrade"),
            far + 1,
            other,
        ),
    ];
    // As the server sends them: every customer a re-pointed interaction was filed
    // under, and the customer of one whose `customer_id` the page does not carry.
    let homes: Homes = [(ids[0], vec![a, b]), (ids[1], vec![a])].into();
    store
        .apply_remote(&page2, &homes, "c2", now().ms)
        .await
        .unwrap();
    assert_eq!(store.timeline(a).await.unwrap().len(), 139);
    let on_b = store.timeline(b).await.unwrap();
    assert_eq!(on_b.len(), 11);
    assert!(on_b.iter().any(|i| i.id == ids[0]));
    assert!(store
        .timeline(a)
        .await
        .unwrap()
        .iter()
        .any(|i| i.id == ids[1] && i.summary == "Suite upgrade"));
    let rec_b = store.customer(b).await.unwrap().unwrap();
    assert_eq!(rec_b.agg.purchases, 11);
    assert_eq!(store.customer(a).await.unwrap().unwrap().agg.purchases, 139);
}

/// A first pull (empty device, no cursor) skips reads that could only find nothing, but
/// not the ones that can: an interaction logged on a pulled customer while the pull runs
/// stays when a later page adds to that customer's timeline, and a customer whose fields
/// span two pages keeps the first page's fields.
#[wasm_bindgen_test]
async fn a_first_pull_keeps_what_was_written_while_it_ran() {
    let store = Store::open(&name(), || {}).await.unwrap();
    let other = 0x999;
    let far = now().ms + 3_600_000;
    let cid = uuid::Uuid::now_v7();
    let visit = |id: uuid::Uuid, day: u32| {
        [
            ("customer_id", serde_json::json!(cid)),
            ("kind", serde_json::json!("visit")),
            (
                "at",
                serde_json::json!(format!("2026-11-{day:02}T10:00:00")),
            ),
        ]
        .into_iter()
        .map(move |(field, value)| change(Entity::Interaction, id, field, value, far, other))
    };
    let page1 = vec![change(
        Entity::Customer,
        cid,
        "name",
        serde_json::json!("Sun Li"),
        far,
        other,
    )];
    store
        .apply_remote(&page1, &Homes::new(), "c1", now().ms)
        .await
        .unwrap();

    let draft = crm_core::InteractionDraft {
        kind: crm_core::InteractionKind::Visit,
        date: (now().local.date() - chrono::Days::new(1)).to_string(),
        summary: "Logged during the first sync".into(),
        ..Default::default()
    };
    store
        .log_interaction(cid, &draft, now(), &stamp)
        .await
        .unwrap();

    let mut page2 = vec![change(
        Entity::Customer,
        cid,
        "city",
        serde_json::json!("杭州"),
        far,
        other,
    )];
    page2.extend(visit(uuid::Uuid::now_v7(), 5));
    store
        .apply_remote(&page2, &Homes::new(), "c2", now().ms)
        .await
        .unwrap();

    let timeline = store.timeline(cid).await.unwrap();
    assert_eq!(timeline.len(), 2, "{timeline:?}");
    assert!(timeline
        .iter()
        .any(|i| i.summary == "Logged during the first sync"));
    let record = store.customer(cid).await.unwrap().unwrap();
    assert_eq!(
        (record.customer.name.as_str(), record.customer.city.as_str()),
        ("Sun Li", "杭州")
    );
    assert_eq!(record.stats.visits, 2);
}

/// Every line stored in the search blocks, as `(block, line)`.
async fn search_lines(store: &Store) -> Vec<(u32, String)> {
    let tx = store.db.transaction(SEARCH).build().unwrap();
    let search = tx.object_store(SEARCH).unwrap();
    let keys: Vec<f64> = search
        .get_all_keys::<f64>()
        .primitive()
        .unwrap()
        .await
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut lines = Vec::new();
    for key in keys {
        let value: wasm_bindgen::JsValue = search
            .get::<wasm_bindgen::JsValue, _, _>(key)
            .primitive()
            .unwrap()
            .await
            .unwrap()
            .unwrap();
        let bytes = js_sys::Uint8Array::new(&value).to_vec();
        let block = (key / 4_294_967_296.0).floor() as u32;
        for line in String::from_utf8(bytes).unwrap().lines() {
            lines.push((block, line.to_string()));
        }
    }
    lines
}

/// Search follows a customer through an edit, a delete and a restore, with one line in
/// the search blocks while it is live and none while deleted.
#[wasm_bindgen_test]
async fn search_follows_edits_deletes_and_restores() {
    use crm_core::CustomerDraft;
    let store = Store::open(&name(), || {}).await.unwrap();
    let draft = |name: &str| CustomerDraft {
        name: name.into(),
        phone: "+86 139 0000 1111".into(),
        ..Default::default()
    };
    let saved = store
        .save_customer(None, &draft("王芳"), now(), &stamp)
        .await
        .unwrap();
    let id = saved.customer.id;
    assert_eq!(store.search_customers("芳", 10).await.unwrap().len(), 1);
    store
        .save_customer(Some(id), &draft("李娜"), now(), &stamp)
        .await
        .unwrap();
    assert!(store.search_customers("芳", 10).await.unwrap().is_empty());
    assert_eq!(store.search_customers("娜", 10).await.unwrap().len(), 1);
    assert_eq!(store.search_customers("1111", 10).await.unwrap().len(), 1);
    assert_eq!(search_lines(&store).await.len(), 1);

    store
        .set_customer_deleted(id, true, now(), &stamp)
        .await
        .unwrap();
    assert!(store.search_customers("娜", 10).await.unwrap().is_empty());
    assert!(search_lines(&store).await.is_empty());
    let record = store.customer(id).await.unwrap().unwrap();
    assert_eq!(record.search, None);

    store
        .set_customer_deleted(id, false, now(), &stamp)
        .await
        .unwrap();
    assert_eq!(store.search_customers("娜", 10).await.unwrap().len(), 1);
    assert_eq!(search_lines(&store).await.len(), 1);
}

/// A record's search slot keeps a hash of its line, not the line; a record written
/// before that (the line in its slot) is still known to be in place: an edit that
/// leaves its line alone rewrites no line, and one that changes it replaces the line.
#[wasm_bindgen_test]
async fn search_slots_hold_a_hash_and_old_slots_with_the_line_still_work() {
    use crm_core::CustomerDraft;
    let store = Store::open(&name(), || {}).await.unwrap();
    let draft = |name: &str, city: &str| CustomerDraft {
        name: name.into(),
        city: city.into(),
        phone: "+86 139 0000 2222".into(),
        ..Default::default()
    };
    let saved = store
        .save_customer(None, &draft("王芳", "上海"), now(), &stamp)
        .await
        .unwrap();
    let id = saved.customer.id;
    let slot = saved.search.clone().expect("a live customer has a slot");
    assert!(slot.hash.is_some() && slot.line.is_none(), "{slot:?}");
    let lines = search_lines(&store).await;
    assert_eq!(lines.len(), 1);

    // As an older build stored it: the line (with its newline) in the slot, no hash.
    let line = format!("{}\n", lines[0].1);
    let mut old = serde_json::to_value(&saved).unwrap();
    old["search"] = serde_json::json!({ "block": slot.block, "line": line });
    put_raw_customer(&store, &old, None).await;
    let stored = store.customer(id).await.unwrap().unwrap();
    assert_eq!(stored.search.as_ref().unwrap().line, Some(line.clone()));

    // The city is not in the search line: the old slot is recognised and kept.
    let edited = store
        .save_customer(Some(id), &draft("王芳", "杭州"), now(), &stamp)
        .await
        .unwrap();
    assert_eq!(edited.search.as_ref().unwrap().line, Some(line));
    assert_eq!(search_lines(&store).await, lines);

    // A new name is a new line, and the slot now holds its hash.
    let renamed = store
        .save_customer(Some(id), &draft("李娜", "杭州"), now(), &stamp)
        .await
        .unwrap();
    let slot = renamed.search.unwrap();
    assert!(slot.hash.is_some() && slot.line.is_none(), "{slot:?}");
    assert_eq!(search_lines(&store).await.len(), 1);
    assert!(store.search_customers("芳", 10).await.unwrap().is_empty());
    assert_eq!(store.search_customers("娜", 10).await.unwrap().len(), 1);
    assert_eq!(store.search_customers("2222", 10).await.unwrap().len(), 1);
}

/// New customers fill the last search block and then start a new one; a search finds
/// customers in every block, in name order, and a write through another connection
/// (another tab) is seen by the next search of this one.
#[wasm_bindgen_test]
async fn search_blocks_roll_over_and_other_tabs_writes_are_seen() {
    use crm_core::search::block::BLOCK_LINES;
    let name = name();
    let store = Store::open(&name, || {}).await.unwrap();
    let customers: Vec<Customer> = (0..BLOCK_LINES + 3)
        .map(|n| {
            let mut c = Customer::new(uuid::Uuid::now_v7(), format!("客户{n:05}"), 1);
            c.company = if n % 2 == 0 {
                "春秋旅行社"
            } else {
                "希尔顿"
            }
            .into();
            c
        })
        .collect();
    {
        let tx = store
            .db
            .transaction([CUSTOMERS, SEARCH])
            .with_mode(TransactionMode::Readwrite)
            .build()
            .unwrap();
        let mut records: Vec<CustomerRecord> = customers
            .iter()
            .map(|c| CustomerRecord::new(c.clone(), Aggregates::default(), 1))
            .collect();
        super::search::place_all(&tx.object_store(SEARCH).unwrap(), &mut records)
            .await
            .unwrap();
        for record in &records {
            tx.object_store(CUSTOMERS)
                .unwrap()
                .put(record)
                .serde()
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let lines = search_lines(&store).await;
    assert_eq!(lines.len(), BLOCK_LINES + 3);
    assert_eq!(lines.iter().filter(|(block, _)| *block == 1).count(), 3);

    let found = store.search_customers("旅行社", 2000).await.unwrap();
    assert_eq!(found.len(), (BLOCK_LINES + 3).div_ceil(2));
    let names: Vec<&str> = found.iter().map(|r| r.customer.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(
        found.last().unwrap().customer.name,
        format!("客户{:05}", BLOCK_LINES + 2)
    );
    assert_eq!(store.search_customers("旅行社", 5).await.unwrap().len(), 5);

    let other_tab = Store::open(&name, || {}).await.unwrap();
    other_tab
        .save_customer(
            Some(customers[0].id),
            &crm_core::CustomerDraft {
                name: "Zhou Jie".into(),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await
        .unwrap();
    let found = store.search_customers("zhou", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].customer.id, customers[0].id);
    assert!(store
        .search_customers("客户00000", 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(search_lines(&store).await.len(), BLOCK_LINES + 3);
}

/// Editing a customer keeps what its interactions derived (interaction counts for
/// segment rules, the purchases behind care reminders), which a rebuilt record lost
/// until the next interaction.
#[wasm_bindgen_test]
async fn an_edit_keeps_what_interactions_derived() {
    use crm_core::{CustomerDraft, InteractionDraft, InteractionKind};
    let store = Store::open(&name(), || {}).await.unwrap();
    let draft = |phone: &str| CustomerDraft {
        name: "王芳".into(),
        phone: phone.into(),
        ..Default::default()
    };
    let id = store
        .save_customer(None, &draft(""), now(), &stamp)
        .await
        .unwrap()
        .customer
        .id;
    store
        .log_interaction(
            id,
            &InteractionDraft {
                kind: InteractionKind::Purchase,
                date: "2026-11-25".into(),
                amount: "880".into(),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await
        .unwrap();
    let before = store.customer(id).await.unwrap().unwrap();
    assert_eq!(before.stats.purchases, 1);
    assert!(!before.care_due.is_empty());

    let after = store
        .save_customer(Some(id), &draft("13800138000"), now(), &stamp)
        .await
        .unwrap();
    assert_eq!(after.stats, before.stats);
    assert_eq!(after.recent_purchases, before.recent_purchases);
    assert_eq!(after.care_due, before.care_due);
    assert_eq!(after.agg, before.agg);
    assert_eq!(store.customer(id).await.unwrap().unwrap(), after);
}

/// Companies are listed by name through an index only live companies are in: people
/// (most of a book) cost it no entry, and a deleted company drops out by itself.
#[wasm_bindgen_test]
async fn companies_are_listed_by_name_without_people_or_deleted_ones() {
    use crm_core::{CustomerDraft, CustomerKind};
    let store = Store::open(&name(), || {}).await.unwrap();
    let save = |kind: CustomerKind, name: &str| {
        let draft = CustomerDraft {
            kind,
            name: name.into(),
            ..Default::default()
        };
        let store = store.clone();
        async move {
            store
                .save_customer(None, &draft, now(), &stamp)
                .await
                .unwrap()
        }
    };
    let zhongxin = save(CustomerKind::Company, "Zhongxin Travel").await;
    save(CustomerKind::Person, "Li Wei").await;
    let anda = save(CustomerKind::Company, "Anda Logistics").await;
    let gone = save(CustomerKind::Company, "Beihai Hotels").await;
    assert!(gone.company_sort.is_some());
    store
        .set_customer_deleted(gone.customer.id, true, now(), &stamp)
        .await
        .unwrap();

    let names: Vec<String> = store
        .companies()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.customer.name)
        .collect();
    assert_eq!(names, [anda.customer.name, zhongxin.customer.name]);
}

/// Care dates long before a record's write get no index entry (the care screen never
/// looks that far back); recent and coming ones do.
#[wasm_bindgen_test]
fn care_dates_long_past_are_not_indexed() {
    use chrono::NaiveDate;
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mut record = CustomerRecord::new(
        Customer::new(uuid::Uuid::now_v7(), "Chen Jing", 1),
        Aggregates::default(),
        now().ms,
    );
    record.recent_purchases = vec![day("2026-11-20"), day("2024-03-01")];
    record.customer.membership_expires = Some(day("2027-02-01"));
    record.refresh_derived();
    assert_eq!(
        record.care_due,
        ["2026-11-27", "2026-12-18", "2027-02-01"],
        "a purchase of 2024 is years past its 7- and 28-day reminders"
    );

    record.updated_ms = 0.0;
    record.refresh_derived();
    assert_eq!(
        record.care_due.len(),
        5,
        "an undated record keeps every date"
    );
}

/// An Edit form saved after a pulled edit of another field writes only the field the
/// user changed: the pulled phone stays, and the outbox holds the city alone.
#[wasm_bindgen_test]
async fn an_edit_form_saved_after_a_pulled_edit_keeps_the_pulled_value() {
    use crm_core::CustomerDraft;
    let store = Store::open(&name(), || {}).await.unwrap();
    let saved = store
        .save_customer(
            None,
            &CustomerDraft {
                name: "王强".into(),
                phone: "13800000003".into(),
                city: "上海".into(),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await
        .unwrap();
    let id = saved.customer.id;
    let opened = saved.customer.to_draft();
    let queued_before = store.outbox().await.unwrap().len();

    // Another device's phone edit arrives while the form is open.
    let far = now().ms + 60_000;
    let pulled = change(
        Entity::Customer,
        id,
        "phone",
        serde_json::json!("13900000004"),
        far,
        0xdef,
    );
    store
        .apply_remote(&[pulled], &Homes::new(), "c1", now().ms)
        .await
        .unwrap();

    // The form still shows the old phone; the user changed the city.
    let form = CustomerDraft {
        city: "北京".into(),
        ..opened.clone()
    };
    let edited = store
        .save_customer_edit(Some(id), Some(&opened), &form, now(), &stamp)
        .await
        .unwrap();
    assert_eq!(edited.customer.phone, "13900000004");
    assert_eq!(edited.customer.city, "北京");
    let stored = store.customer(id).await.unwrap().unwrap();
    assert_eq!(stored.customer.phone, "13900000004");
    assert_eq!(stored.customer.city, "北京");
    let queued = store.outbox().await.unwrap();
    let fields: Vec<&str> = queued[queued_before..]
        .iter()
        .map(|c| c.field.as_str())
        .collect();
    assert_eq!(fields, ["city"]);

    // The plain save writes the form as it is (the old phone back): what the Edit page
    // no longer uses.
    let stale = store
        .save_customer(Some(id), &form, now(), &stamp)
        .await
        .unwrap();
    assert_eq!(stale.customer.phone, "13800000003");
}

/// A record edited from an older copy (a campaign card shown before a pull) writes only
/// the field the user changed: the pulled notes stay, and deleting from the old copy
/// writes only the tombstone.
#[wasm_bindgen_test]
async fn an_entity_saved_from_an_older_copy_keeps_pulled_fields() {
    use crm_core::workflow::Campaign;
    let store = Store::open(&name(), || {}).await.unwrap();
    let id = uuid::Uuid::now_v7();
    let opened = Campaign {
        name: "Spring Festival mailing".into(),
        cost_minor: 100_000,
        ..Campaign::new(id, now().ms as i64)
    };
    store
        .save_entity(Entity::Campaign, id, &opened, now().ms, &stamp)
        .await
        .unwrap();
    let pulled = change(
        Entity::Campaign,
        id,
        "notes",
        serde_json::json!("Printed flyers too"),
        now().ms + 60_000,
        0xdef,
    );
    store
        .apply_remote(&[pulled], &Homes::new(), "c1", now().ms)
        .await
        .unwrap();
    let queued_before = store.outbox().await.unwrap().len();

    let edited = Campaign {
        cost_minor: 160_000,
        ..opened.clone()
    };
    let written = store
        .save_entity_edit(
            Entity::Campaign,
            id,
            Some(&opened),
            &edited,
            now().ms,
            &stamp,
        )
        .await
        .unwrap();
    assert_eq!(written, 1);
    let stored: Campaign = store
        .entity_record(Entity::Campaign, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.cost_minor, 160_000);
    assert_eq!(stored.notes, "Printed flyers too");

    let gone = Campaign {
        deleted: true,
        ..edited.clone()
    };
    store
        .save_entity_edit(Entity::Campaign, id, Some(&edited), &gone, now().ms, &stamp)
        .await
        .unwrap();
    let stored: Campaign = store
        .entity_record(Entity::Campaign, id)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.deleted);
    assert_eq!(stored.notes, "Printed flyers too");
    let queued = store.outbox().await.unwrap();
    let fields: Vec<&str> = queued[queued_before..]
        .iter()
        .map(|c| c.field.as_str())
        .collect();
    assert_eq!(fields, ["cost_minor", "_deleted"]);

    // The plain save from the same old copy writes the empty notes back.
    store
        .save_entity(Entity::Campaign, id, &edited, now().ms, &stamp)
        .await
        .unwrap();
    let stored: Campaign = store
        .entity_record(Entity::Campaign, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.notes, "");
}

/// How many records the timeline store holds.
async fn timeline_records(store: &Store) -> u32 {
    let tx = store.db.transaction(TIMELINE).build().unwrap();
    tx.object_store(TIMELINE)
        .unwrap()
        .count()
        .primitive()
        .unwrap()
        .await
        .unwrap()
}

/// A customer's first block is kept in its record when the record exists as the block is
/// written (logged, or pulled with its customer) and links no campaign; a block 0 pulled
/// before its customer, or one that links a campaign, is in the timeline store, and later
/// writes go where it is, so it is never in two places and every reader sees each
/// interaction once.
#[wasm_bindgen_test]
async fn block_zero_lives_in_the_customer_record_unless_it_was_stored_apart() {
    use crm_core::{CustomerDraft, InteractionDraft, InteractionKind};
    let store = Store::open(&name(), || {}).await.unwrap();
    let saved = store
        .save_customer(
            None,
            &CustomerDraft {
                name: "Chen Jing".into(),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await
        .unwrap();
    let purchase = InteractionDraft {
        kind: InteractionKind::Purchase,
        date: now().local.date().to_string(),
        amount: "800".into(),
        ..Default::default()
    };
    let logged = store
        .log_interaction(saved.customer.id, &purchase, now(), &stamp)
        .await
        .unwrap();
    let record = store.customer(saved.customer.id).await.unwrap().unwrap();
    assert!(record.tl0.is_some(), "block 0 is in the record");
    assert_eq!(timeline_records(&store).await, 0);
    assert_eq!(
        store.timeline(saved.customer.id).await.unwrap(),
        vec![logged.clone()]
    );

    // A purchase linked to a campaign takes the block to the timeline store, where the
    // campaign index finds it.
    let campaign = uuid::Uuid::now_v7();
    let linked = store
        .log_interaction(
            saved.customer.id,
            &InteractionDraft {
                campaign_id: Some(campaign),
                ..purchase.clone()
            },
            now(),
            &stamp,
        )
        .await
        .unwrap();
    let record = store.customer(saved.customer.id).await.unwrap().unwrap();
    assert_eq!(record.tl0, None);
    assert_eq!(record.agg.spend_minor, 160_000);
    assert_eq!(timeline_records(&store).await, 1);
    assert_eq!(store.timeline(saved.customer.id).await.unwrap().len(), 2);
    let found: Vec<uuid::Uuid> = store
        .campaign_purchases(campaign)
        .await
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(found, vec![linked.id]);

    // Interactions pulled before their customer: block 0 goes to the timeline store and
    // stays there once the customer arrives.
    let (other, far) = (0x999, now().ms + 3_600_000);
    let early = uuid::Uuid::now_v7();
    let pulled = uuid::Uuid::now_v7();
    let mut page = Vec::new();
    for (field, value) in [
        ("customer_id", serde_json::json!(early)),
        ("kind", serde_json::json!("purchase")),
        ("at", serde_json::json!("2026-11-20T10:00:00")),
        ("amount_minor", serde_json::json!(50_000)),
    ] {
        page.push(change(
            Entity::Interaction,
            pulled,
            field,
            value,
            far,
            other,
        ));
    }
    store
        .apply_remote(&page, &Homes::new(), "c1", now().ms)
        .await
        .unwrap();
    assert_eq!(timeline_records(&store).await, 2);
    let customer = change(
        Entity::Customer,
        early,
        "name",
        serde_json::json!("Zhou Min"),
        far,
        other,
    );
    store
        .apply_remote(&[customer], &Homes::new(), "c2", now().ms)
        .await
        .unwrap();
    let record = store.customer(early).await.unwrap().unwrap();
    assert_eq!(record.tl0, None, "the block stays where it was stored");
    assert_eq!(record.agg.spend_minor, 50_000);
    let second = store
        .log_interaction(early, &purchase, now(), &stamp)
        .await
        .unwrap();
    assert_eq!(store.customer(early).await.unwrap().unwrap().tl0, None);
    assert_eq!(timeline_records(&store).await, 2);
    let ids: Vec<uuid::Uuid> = store
        .timeline(early)
        .await
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&pulled) && ids.contains(&second.id));

    // An edit of a customer keeps the block its record holds.
    let other_customer = store
        .save_customer(
            None,
            &CustomerDraft {
                name: "Wu Lei".into(),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await
        .unwrap();
    let kept = store
        .log_interaction(other_customer.customer.id, &purchase, now(), &stamp)
        .await
        .unwrap();
    store
        .save_customer(
            Some(other_customer.customer.id),
            &CustomerDraft {
                name: "Wu Lei".into(),
                city: "北京".into(),
                ..Default::default()
            },
            now(),
            &stamp,
        )
        .await
        .unwrap();
    let record = store
        .customer(other_customer.customer.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.customer.city, "北京");
    assert!(record.tl0.is_some());
    assert_eq!(
        store.timeline(other_customer.customer.id).await.unwrap(),
        vec![kept]
    );
}

/// A saved segment's name that lost to a concurrent edit is logged and restored as a new
/// local edit; a lost interaction move (both devices merged duplicates) is logged but
/// not restorable, and Restore refuses it without changing anything.
#[wasm_bindgen_test]
async fn segment_conflicts_restore_and_interaction_moves_do_not() {
    use super::records::SegmentFields;
    use crm_core::segment::{Rule, SavedSegment};
    let store = Store::open(&name(), || {}).await.unwrap();
    let id = uuid::Uuid::now_v7();
    let fields = |name: &str| SegmentFields {
        segment: SavedSegment {
            id,
            name: name.into(),
            rule: Rule::And { rules: Vec::new() },
            created_ms: now().ms as i64,
            deleted: false,
        },
        campaign_target: false,
    };
    store
        .save_segment(fields("VIP 北京"), &stamp)
        .await
        .unwrap();
    let theirs = change(
        Entity::Segment,
        id,
        "name",
        serde_json::json!("VIP Beijing"),
        now().ms + 3_600_000,
        0x999,
    );
    store
        .apply_remote(&[theirs], &Homes::new(), "c1", now().ms)
        .await
        .unwrap();
    assert_eq!(
        store.saved_segments().await.unwrap()[0].segment.name,
        "VIP Beijing"
    );
    let conflicts = store.conflicts().await.unwrap();
    assert_eq!(conflicts.len(), 1);
    assert!(conflicts[0].1.restorable());
    let before = store.pending_count().await.unwrap();
    store
        .restore_conflict(conflicts[0].0, now(), &stamp)
        .await
        .unwrap();
    assert_eq!(
        store.saved_segments().await.unwrap()[0].segment.name,
        "VIP 北京"
    );
    assert!(store.conflicts().await.unwrap().is_empty());
    assert_eq!(store.pending_count().await.unwrap(), before + 1);
    let queued = store.outbox().await.unwrap();
    assert_eq!(
        (
            queued.last().unwrap().field.as_str(),
            &queued.last().unwrap().value
        ),
        ("name", &serde_json::json!("VIP 北京"))
    );

    // An interaction entry: listed, not restorable.
    let entry = super::records::ConflictEntry {
        entity: Entity::Interaction,
        id: uuid::Uuid::now_v7().to_string(),
        label: String::new(),
        field: "customer_id".into(),
        lost_value: serde_json::json!(uuid::Uuid::now_v7()),
        lost_hlc: queued.last().unwrap().hlc,
        winner_value: serde_json::json!(uuid::Uuid::now_v7()),
        winner_hlc: queued.last().unwrap().hlc,
        at_ms: now().ms as f64,
    };
    assert!(!entry.restorable());
    let tx = store
        .db
        .transaction(CONFLICTS)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    tx.object_store(CONFLICTS)
        .unwrap()
        .add(&entry)
        .serde()
        .unwrap()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let logged = store.conflicts().await.unwrap();
    assert!(store
        .restore_conflict(logged[0].0, now(), &stamp)
        .await
        .is_err());
    assert_eq!(store.conflicts().await.unwrap().len(), 1);
    assert_eq!(store.pending_count().await.unwrap(), before + 1);
}
