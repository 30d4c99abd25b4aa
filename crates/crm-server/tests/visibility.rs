//! Seed 002's visibility over real HTTP: a rep pulls their own customers (and what
//! follows them), a manager their team's, an admin everything; unowned customers and
//! organisation-wide records reach everyone; a customer handed to another rep reaches
//! the new rep with its whole history on their next pull.

mod common;

use std::collections::BTreeSet;

use common::*;
use crm_core::wire::Role;
use serde_json::{json, Value};

const PW: &str = "correct horse";

fn interaction(id: u128, customer: u128, hlc: &str) -> Vec<Value> {
    let id = uuid::Uuid::from_u128(id).to_string();
    let customer = uuid::Uuid::from_u128(customer).to_string();
    [
        ("customer_id", json!(customer)),
        ("kind", json!("visit")),
        ("at", json!("2026-11-02T10:00:00")),
    ]
    .into_iter()
    .map(|(field, value)| json!({"entity": "interaction", "id": id, "field": field, "value": value, "hlc": hlc}))
    .collect()
}

/// The ids of the records a pull brought.
fn ids(changes: &[Value]) -> BTreeSet<u128> {
    changes
        .iter()
        .map(|c| {
            uuid::Uuid::parse_str(c["id"].as_str().unwrap())
                .unwrap()
                .as_u128()
        })
        .collect()
}

#[tokio::test]
async fn reps_see_their_own_managers_their_team_admins_everything() {
    let s = TestServer::start().await;
    let db = &s.state.db;
    db.add_user("Acme", "li@acme.test", PW, Role::Rep, Some("East"))
        .unwrap();
    db.add_user("Acme", "wang@acme.test", PW, Role::Rep, Some("West"))
        .unwrap();
    db.add_user("Acme", "boss@acme.test", PW, Role::Manager, Some("East"))
        .unwrap();
    db.add_user("Acme", "root@acme.test", PW, Role::Admin, None)
        .unwrap();
    let li = s.login("li@acme.test", PW).await;
    let wang = s.login("wang@acme.test", PW).await;
    let boss = s.login("boss@acme.test", PW).await;
    let root = s.login("root@acme.test", PW).await;
    let now = now_ms();
    let h = |n: u32| hlc(now, n, 7);

    // 1: Li's customer (owner by user name) with interaction 11; 2: Wang's (owner by
    // e-mail, any case) with interaction 12; 3: nobody's; 4: a campaign.
    let mut batch = vec![
        change(1, "name", json!("Li's customer"), &h(0)),
        change(1, "owner", json!("li"), &h(1)),
        change(2, "name", json!("Wang's customer"), &h(2)),
        change(2, "owner", json!("Wang@Acme.test"), &h(3)),
        change(3, "name", json!("Shared pool"), &h(4)),
    ];
    batch.extend(interaction(11, 1, &h(5)));
    batch.extend(interaction(12, 2, &h(6)));
    let campaign = uuid::Uuid::from_u128(4).to_string();
    batch.push(json!({"entity": "campaign", "id": campaign, "field": "name", "value": "Spring", "hlc": h(7)}));
    let (status, body) = s.push(&root, &batch).await;
    assert_eq!(status.as_u16(), 200, "{body}");

    let small_pages = s.pull_all(&li, 2).await;
    assert_eq!(ids(&small_pages), BTreeSet::from([1, 3, 4, 11]));
    assert_eq!(
        small_pages,
        s.pull_all(&li, 5000).await,
        "pages of 2 skip hidden rows without repeating or dropping a visible one"
    );
    assert_eq!(
        ids(&s.pull_all(&wang, 5000).await),
        BTreeSet::from([2, 3, 4, 12])
    );
    assert_eq!(
        ids(&s.pull_all(&boss, 5000).await),
        BTreeSet::from([1, 3, 4, 11])
    );
    assert_eq!(
        ids(&s.pull_all(&root, 5000).await),
        BTreeSet::from([1, 2, 3, 4, 11, 12])
    );

    // Wang's cursor is current; then the admin hands customer 1 to Wang.
    let (_, page) = s.pull(&wang, "").await;
    let cursor = page["cursor"].as_str().unwrap().to_string();
    let (status, _) = s
        .push(&root, &[change(1, "owner", json!("wang"), &h(8))])
        .await;
    assert_eq!(status.as_u16(), 200);
    let (_, page) = s.pull(&wang, &format!("since={cursor}")).await;
    let moved = page["changes"].as_array().unwrap();
    assert_eq!(
        ids(moved),
        BTreeSet::from([1, 11]),
        "the customer and its history"
    );
    assert_eq!(moved.len(), 2 + 3, "every field of both records");
    assert_eq!(ids(&s.pull_all(&li, 5000).await), BTreeSet::from([3, 4]));

    // Moving an interaction to another customer moves its audience too.
    let (_, page) = s.pull(&li, "").await;
    let cursor = page["cursor"].as_str().unwrap().to_string();
    let to_pool = json!({"entity": "interaction", "id": uuid::Uuid::from_u128(12).to_string(),
        "field": "customer_id", "value": uuid::Uuid::from_u128(3).to_string(), "hlc": h(9)});
    let (status, _) = s.push(&root, &[to_pool]).await;
    assert_eq!(status.as_u16(), 200);
    let (_, page) = s.pull(&li, &format!("since={cursor}")).await;
    assert_eq!(
        ids(page["changes"].as_array().unwrap()),
        BTreeSet::from([12])
    );
    assert_eq!(page["changes"].as_array().unwrap().len(), 3);
    s.stop().await;
}
