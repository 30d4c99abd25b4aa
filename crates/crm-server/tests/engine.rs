//! crm-core's `SyncEngine` driven against the real server over HTTP, as the browser
//! drives it: proves the wire types, the error bodies (incl. `server_hlc` on
//! `clock_skew`) and the merge rule fit together end to end.

mod common;

use std::collections::BTreeMap;

use common::*;
use crm_core::{
    change::Entity,
    merge::RecordState,
    sync::{Event, Reply, Request, SyncConfig, SyncEngine},
    wire::{ErrorResponse, PullResponse, PushResponse, Role},
    Change, Clock,
};
use serde_json::json;
use uuid::Uuid;

/// One browser profile: engine, local records, conflict log, clock offset.
struct Device {
    engine: SyncEngine,
    store: BTreeMap<(Entity, Uuid), RecordState>,
    conflicts: Vec<(Change, Change)>,
    skew_ms: i64,
    node: u64,
}

impl Device {
    fn new(node: u64, skew_ms: i64) -> Self {
        let engine = SyncEngine::new(
            SyncConfig {
                max_batch: 2,
                pull_limit: 3,
                ..SyncConfig::default()
            },
            Clock::new(node),
            None,
            Vec::new(),
        );
        Device {
            engine,
            store: BTreeMap::new(),
            conflicts: Vec::new(),
            skew_ms,
            node,
        }
    }

    fn now(&self) -> u64 {
        (now_ms() as i64 + self.skew_ms) as u64
    }

    fn edit(&mut self, id: u128, field: &str, value: serde_json::Value) {
        let now = self.now();
        let id = Uuid::from_u128(id);
        let versions = self
            .store
            .get(&(Entity::Customer, id))
            .map(|r| r.versions.clone())
            .unwrap_or_default();
        for p in self.engine.handle_local_edit(
            now,
            Entity::Customer,
            id,
            vec![(field.into(), value)],
            &versions,
        ) {
            assert!(self
                .store
                .entry((Entity::Customer, p.change.id))
                .or_default()
                .apply(&p.change)
                .applied());
        }
    }

    fn value(&self, id: u128, field: &str) -> Option<serde_json::Value> {
        self.store
            .get(&(Entity::Customer, Uuid::from_u128(id)))?
            .get(field)
            .map(|(v, _)| v.clone())
    }

    /// "Sync now", then run requests until the engine is idle again.
    async fn sync(&mut self, server: &TestServer, token: &str) {
        let client = reqwest::Client::new();
        self.engine.sync_now(self.now());
        let mut synced = false;
        for _ in 0..100 {
            let Some(request) = self.engine.poll_request(self.now()) else {
                break;
            };
            let reply = send(&client, server, token, &request).await;
            self.engine.handle_response(self.now(), request.id(), reply);
            while let Some(event) = self.engine.poll_event() {
                match event {
                    Event::Apply { changes, .. } => {
                        for c in changes {
                            let record = self.store.entry((c.entity, c.id)).or_default();
                            if let Some(lost) = record.apply_pulled(&c, self.node) {
                                self.conflicts.push((lost, c));
                            }
                        }
                    }
                    Event::Restamped(rs) => {
                        for r in rs {
                            self.store
                                .get_mut(&(r.change.entity, r.change.id))
                                .unwrap()
                                .restamp(&r.change.field, r.old, r.change.hlc);
                        }
                    }
                    Event::Synced { .. } => synced = true,
                    Event::Failed { code, message, .. } => {
                        panic!("sync failed: {code:?} {message}")
                    }
                    Event::Rejected { change, .. } => panic!("rejected {change:?}"),
                    Event::OutboxRemoved(_) | Event::Progress { .. } => {}
                }
            }
        }
        assert!(
            synced && self.engine.pending_len() == 0,
            "{:?}",
            self.engine.status()
        );
    }
}

/// What a browser driver does with a request: HTTP, then the reply as the engine wants it.
async fn send(
    client: &reqwest::Client,
    server: &TestServer,
    token: &str,
    request: &Request,
) -> Reply {
    let url = server.url(&request.path());
    let res = match request {
        Request::Push { body, .. } => client.post(url).bearer_auth(token).json(body).send().await,
        Request::Pull { .. } => client.get(url).bearer_auth(token).send().await,
    };
    let Ok(res) = res else {
        return Reply::Unreachable;
    };
    let status = res.status().as_u16();
    let Ok(bytes) = res.bytes().await else {
        return Reply::Unreachable;
    };
    match (status, request) {
        (200, Request::Push { .. }) => {
            serde_json::from_slice::<PushResponse>(&bytes).map_or(Reply::Unreachable, Reply::Pushed)
        }
        (200, Request::Pull { .. }) => {
            serde_json::from_slice::<PullResponse>(&bytes).map_or(Reply::Unreachable, Reply::Pulled)
        }
        _ => Reply::Refused {
            status,
            body: serde_json::from_slice::<ErrorResponse>(&bytes).ok(),
        },
    }
}

#[tokio::test]
async fn two_devices_converge_field_by_field_and_log_the_loser() {
    let s = TestServer::start().await;
    s.add_user("Acme", "ada@acme.test", "pw", Role::Rep);
    let token = s.login("ada@acme.test", "pw").await;
    let (mut a, mut b) = (Device::new(0xa, 0), Device::new(0xb, 0));

    a.edit(1, "name", json!("Li Wei"));
    a.edit(1, "phone", json!("111"));
    a.sync(&s, &token).await;
    b.sync(&s, &token).await;
    assert_eq!(b.value(1, "name"), Some(json!("Li Wei")));

    // Offline on both: different fields.
    a.edit(1, "phone", json!("222"));
    b.edit(1, "email", json!("li@x.test"));
    a.sync(&s, &token).await;
    b.sync(&s, &token).await;
    a.sync(&s, &token).await;
    assert_eq!(a.store, b.store);
    assert_eq!(
        (a.value(1, "phone"), a.value(1, "email")),
        (Some(json!("222")), Some(json!("li@x.test")))
    );

    // Same field on both: the later edit wins on both, the earlier lands in a conflict log.
    a.edit(1, "city", json!("Shanghai"));
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    b.edit(1, "city", json!("Beijing"));
    b.sync(&s, &token).await;
    a.sync(&s, &token).await;
    b.sync(&s, &token).await;
    assert_eq!(a.store, b.store);
    assert_eq!(a.value(1, "city"), Some(json!("Beijing")));
    assert_eq!(a.conflicts.len(), 1);
    assert_eq!(a.conflicts[0].0.value, json!("Shanghai"));
    assert!(b.conflicts.is_empty());

    // Again, but A's value reaches the server first and is confirmed by a full sync
    // before B's later edit arrives: A still learns its value lost (B never saw it).
    a.edit(1, "city", json!("Hangzhou"));
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    b.edit(1, "city", json!("Nanjing"));
    a.sync(&s, &token).await;
    b.sync(&s, &token).await;
    a.sync(&s, &token).await;
    assert_eq!(a.store, b.store);
    assert_eq!(a.value(1, "city"), Some(json!("Nanjing")));
    assert_eq!(a.conflicts.len(), 2, "{:?}", a.conflicts);
    assert_eq!(a.conflicts[1].0.value, json!("Hangzhou"));
    assert!(b.conflicts.is_empty());

    // A later edit by someone who had seen A's value is no conflict.
    a.edit(1, "city", json!("Suzhou"));
    a.sync(&s, &token).await;
    b.sync(&s, &token).await;
    b.edit(1, "city", json!("Wuxi"));
    b.sync(&s, &token).await;
    a.sync(&s, &token).await;
    assert_eq!(a.value(1, "city"), Some(json!("Wuxi")));
    assert_eq!(a.conflicts.len(), 2, "{:?}", a.conflicts);
    s.stop().await;
}

#[tokio::test]
async fn a_fast_clock_is_corrected_and_cannot_win_for_hours() {
    let s = TestServer::start().await;
    s.add_user("Acme", "ada@acme.test", "pw", Role::Rep);
    let token = s.login("ada@acme.test", "pw").await;
    let mut fast = Device::new(0xf, 3 * 3_600_000);
    let mut honest = Device::new(0x1, 0);
    fast.edit(7, "name", json!("from the future"));
    fast.sync(&s, &token).await; // clock_skew → re-stamp → accepted
    honest.sync(&s, &token).await;
    assert_eq!(honest.value(7, "name"), Some(json!("from the future")));
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    honest.edit(7, "name", json!("a minute later"));
    honest.sync(&s, &token).await;
    fast.sync(&s, &token).await;
    assert_eq!(
        fast.value(7, "name"),
        Some(json!("a minute later")),
        "the fast clock's old edit did not keep winning"
    );
    assert_eq!(fast.store, honest.store);
    s.stop().await;
}
