//! Store internals in real headless Chromium: transaction atomicity and the upgrade
//! path from an older schema with data in it.

use crm_core::{Aggregates, Customer};
use indexed_db_futures::{prelude::*, transaction::TransactionMode};
use wasm_bindgen_test::*;

use super::{customers::write_customer, records::CustomerRecord, schema::*, Now, Store};

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
            .transaction([CUSTOMERS, OUTBOX, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let customers = tx.object_store(CUSTOMERS)?;
        write_customer(
            &customers,
            &tx.object_store(OUTBOX)?,
            &tx.object_store(META)?,
            None,
            customer.clone(),
            Aggregates::default(),
            now(),
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
        .transaction([CUSTOMERS, OUTBOX, META])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let customers = tx.object_store(CUSTOMERS).unwrap();
    write_customer(
        &customers,
        &tx.object_store(OUTBOX).unwrap(),
        &tx.object_store(META).unwrap(),
        None,
        customer.clone(),
        Aggregates::default(),
        now(),
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
        tx.object_store(CUSTOMERS)
            .unwrap()
            .put(&old_format)
            .serde()
            .unwrap()
            .await
            .unwrap();
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
    assert_eq!(v2.customer_count().await.unwrap(), 1);
    assert_eq!(
        v2.pending_count().await.unwrap(),
        1,
        "the outbox survives the upgrade"
    );
    let id = found[0].customer.id;
    assert!(v2.timeline(id).await.unwrap().is_empty());
    let record: CustomerRecord = v2.customer(id).await.unwrap().unwrap();
    assert!(record.sort_key.unwrap().starts_with("王芳\u{0}"));
}
