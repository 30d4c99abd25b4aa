//! Scenario tests of the engine, one behaviour each; the randomised convergence
//! simulation lives in `tests/sync_sim.rs`.

use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::wire::{ErrorBody, ErrorResponse};

const T0: u64 = 1_764_500_000_000;
const SERVER_NODE: u64 = 0x5e;

fn engine() -> SyncEngine {
    let config = SyncConfig {
        max_batch: 3,
        pull_limit: 2,
        ..SyncConfig::default()
    };
    let mut e = SyncEngine::new(config, Clock::new(1), None, Vec::new());
    // Settle the initial sync with an empty server.
    let req = e.poll_request(T0).expect("initial pull");
    e.handle_response(T0, req.id(), pulled(vec![], "0", false, T0));
    drain(&mut e);
    e
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn edit(e: &mut SyncEngine, now: u64, record: u128, field: &str, value: Value) -> Vec<Pending> {
    e.handle_local_edit(
        now,
        Entity::Customer,
        id(record),
        vec![(field.into(), value)],
        &BTreeMap::new(),
    )
}

fn drain(e: &mut SyncEngine) -> Vec<Event> {
    std::iter::from_fn(|| e.poll_event()).collect()
}

fn server(wall: u64) -> Hlc {
    Hlc {
        wall_ms: wall,
        counter: 0,
        node: SERVER_NODE,
    }
}

fn pushed(wall: u64) -> Reply {
    Reply::Pushed(PushResponse {
        applied: 1,
        ignored: 0,
        cursor: "1".into(),
        server_hlc: server(wall),
    })
}

fn pulled(changes: Vec<Change>, cursor: &str, more: bool, wall: u64) -> Reply {
    Reply::Pulled(PullResponse {
        changes,
        cursor: cursor.into(),
        more,
        server_hlc: server(wall),
        homes: Default::default(),
    })
}

fn refused(code: ErrorCode, index: Option<usize>, wall: u64) -> Reply {
    let body = ErrorResponse {
        error: ErrorBody {
            code,
            message: code.as_str().into(),
            index,
        },
        server_hlc: Some(server(wall)),
    };
    Reply::Refused {
        status: code.http_status(),
        body: Some(body),
    }
}

fn remote(record: u128, field: &str, value: Value, hlc: Hlc) -> Change {
    Change {
        entity: Entity::Customer,
        id: id(record),
        field: field.into(),
        value,
        hlc,
        base: None,
    }
}

#[track_caller]
fn expect_push(e: &mut SyncEngine, now: u64, fields: &[&str]) -> RequestId {
    match e.poll_request(now) {
        Some(Request::Push { id, body }) => {
            let got: Vec<&str> = body.changes.iter().map(|c| c.field.as_str()).collect();
            assert_eq!(got, fields);
            id
        }
        other => panic!("expected a push, got {other:?}"),
    }
}

#[track_caller]
fn expect_pull(e: &mut SyncEngine, now: u64, since: Option<&str>) -> RequestId {
    match e.poll_request(now) {
        Some(Request::Pull { id, query }) => {
            assert_eq!(query.since.as_deref(), since);
            id
        }
        other => panic!("expected a pull, got {other:?}"),
    }
}

#[test]
fn a_sync_pushes_then_pulls_then_waits_for_the_interval() {
    let mut e = engine();
    assert_eq!(e.poll_timeout(), Some(T0 + 30_000));
    edit(&mut e, T0 + 10, 1, "email", json!("a@x"));
    assert_eq!(e.poll_request(T0 + 500), None, "debounced");
    assert_eq!(e.poll_timeout(), Some(T0 + 1_010));
    let push = expect_push(&mut e, T0 + 1_010, &["email"]);
    assert_eq!(e.poll_request(T0 + 1_010), None, "one request in flight");
    e.handle_response(T0 + 1_020, push, pushed(T0 + 1_020));
    assert_eq!(drain(&mut e), vec![Event::OutboxRemoved(vec![1])]);
    assert_eq!(e.pending_len(), 0);
    let pull = expect_pull(&mut e, T0 + 1_020, Some("0"));
    e.handle_response(T0 + 1_030, pull, pulled(vec![], "1", false, T0 + 1_030));
    let events = drain(&mut e);
    assert!(
        events.contains(&Event::Synced { at: T0 + 1_030 }),
        "{events:?}"
    );
    assert_eq!(e.status().phase, Phase::Idle);
    assert_eq!(e.cursor(), Some("1"));
    assert_eq!(e.poll_timeout(), Some(T0 + 31_030));
}

#[test]
fn pushes_oldest_first_in_batches_and_pulls_every_page() {
    let mut e = engine();
    for (i, f) in ["a", "b", "c", "d"].iter().enumerate() {
        edit(&mut e, T0 + i as u64, 1, f, json!(i));
    }
    let now = T0 + 5_000;
    let p1 = expect_push(&mut e, now, &["a", "b", "c"]);
    e.handle_response(now, p1, pushed(now));
    let p2 = expect_push(&mut e, now, &["d"]);
    e.handle_response(now, p2, pushed(now));
    let page1 = expect_pull(&mut e, now, Some("0"));
    let r = remote(2, "name", json!("Li"), server(now - 5));
    e.handle_response(now, page1, pulled(vec![r.clone()], "7", true, now));
    let page2 = expect_pull(&mut e, now, Some("7"));
    e.handle_response(now, page2, pulled(vec![], "9", false, now));
    // Both pages wait for the driver, which may store them together.
    assert_eq!(e.queued_pages(), 2);
    let events = drain(&mut e);
    assert_eq!((e.queued_pages(), e.queued_events()), (0, 0));
    assert!(events.contains(&Event::Apply {
        changes: vec![r],
        cursor: "7".into(),
        homes: Default::default(),
    }));
    assert!(events.contains(&Event::Progress {
        pulled: 1,
        more: true
    }));
    assert!(events.contains(&Event::Synced { at: now }));
}

#[test]
fn a_local_edit_carries_each_field_version_it_replaced_as_base() {
    let mut e = engine();
    let seen = Hlc {
        wall_ms: T0 - 50,
        counter: 0,
        node: 9,
    };
    let versions = BTreeMap::from([("phone".to_string(), seen)]);
    let stamped = e.handle_local_edit(
        T0 + 100,
        Entity::Customer,
        id(1),
        vec![("phone".into(), json!("111")), ("email".into(), json!("e"))],
        &versions,
    );
    let bases: Vec<_> = stamped
        .iter()
        .map(|p| (p.change.field.as_str(), p.change.base))
        .collect();
    assert_eq!(bases, [("phone", Some(seen)), ("email", None)]);
    // On the wire `base` is an extra field, absent when there was no version.
    e.sync_now(T0 + 200);
    let Some(Request::Push { body, .. }) = e.poll_request(T0 + 200) else {
        panic!("expected a push")
    };
    let wire = serde_json::to_value(&body).unwrap();
    assert_eq!(wire["changes"][0]["base"], json!(seen.to_string()));
    assert!(wire["changes"][1].get("base").is_none(), "{wire}");
}

#[test]
fn an_unpushed_edit_beaten_by_a_pull_leaves_the_outbox() {
    let mut e = engine();
    edit(&mut e, T0 + 100, 1, "phone", json!("111"));
    edit(&mut e, T0 + 100, 1, "email", json!("e"));
    e.handle_online(T0 + 100, false);
    e.handle_online(T0 + 100, true);
    let push = expect_push(&mut e, T0 + 100, &["phone", "email"]);
    e.handle_response(T0 + 100, push, Reply::Unreachable); // backs off
    drain(&mut e);
    e.stage = Some(Stage::Pull); // as if the push had gone through and a pull follows
    e.due = Some(T0 + 200);
    let pull = expect_pull(&mut e, T0 + 200, Some("0"));
    let theirs = remote(
        1,
        "phone",
        json!("222"),
        Hlc {
            wall_ms: T0 + 150,
            counter: 0,
            node: 9,
        },
    );
    e.handle_response(T0 + 200, pull, pulled(vec![theirs], "3", true, T0 + 200));
    let events = drain(&mut e);
    assert!(
        matches!(events[0], Event::OutboxRemoved(ref s) if s == &vec![1]),
        "{events:?}"
    );
    assert_eq!(
        e.outbox()
            .map(|p| p.change.field.as_str())
            .collect::<Vec<_>>(),
        ["email"]
    );
}

#[test]
fn clock_skew_restamps_with_the_corrected_clock_and_retries_at_once() {
    let mut e = engine();
    let hour = 3_600_000;
    // This client's clock runs an hour fast.
    let before = edit(&mut e, T0 + hour, 1, "email", json!("a@x"));
    let push = expect_push(&mut e, T0 + hour + 1_000, &["email"]);
    e.handle_response(
        T0 + hour + 1_000,
        push,
        refused(ErrorCode::ClockSkew, Some(0), T0 + 1_000),
    );
    let events = drain(&mut e);
    let Some(Event::Restamped(r)) = events.first() else {
        panic!("{events:?}")
    };
    assert_eq!((r[0].seq, r[0].old), (before[0].seq, before[0].change.hlc));
    assert!(r[0].change.hlc.wall_ms <= T0 + 1_000, "{}", r[0].change.hlc);
    assert!(
        r[0].change.hlc > server(T0 + 1_000),
        "after the server clock it saw"
    );
    let retry = expect_push(&mut e, T0 + hour + 1_000, &["email"]);
    e.handle_response(T0 + hour + 1_001, retry, pushed(T0 + 1_001));
    // New edits are stamped with the corrected clock too.
    let next = edit(&mut e, T0 + hour + 2_000, 1, "phone", json!("1"));
    assert!(next[0].change.hlc.wall_ms < T0 + 3_000);
}

#[test]
fn repeated_clock_skew_backs_off() {
    let mut e = engine();
    edit(&mut e, T0, 1, "email", json!("a@x"));
    let mut now = T0 + 2_000;
    for _ in 0..SKEW_RETRIES {
        let push = expect_push(&mut e, now, &["email"]);
        e.handle_response(now, push, refused(ErrorCode::ClockSkew, Some(0), now));
    }
    let push = expect_push(&mut e, now, &["email"]);
    e.handle_response(now, push, refused(ErrorCode::ClockSkew, Some(0), now));
    assert_eq!(e.status().phase, Phase::BackingOff);
    now += 1;
    assert_eq!(e.poll_request(now), None);
}

#[test]
fn failures_back_off_exponentially_and_never_lose_the_outbox() {
    let mut e = engine();
    edit(&mut e, T0, 1, "email", json!("a@x"));
    let mut now = T0 + 1_000;
    let mut delays = Vec::new();
    for round in 0..5 {
        let push = expect_push(&mut e, now, &["email"]);
        if round % 2 == 0 {
            e.handle_response(now, push, refused(ErrorCode::RateLimited, None, now));
        } else {
            e.handle_timeout(now + 30_000);
            now += 30_000;
        }
        let events = drain(&mut e);
        let Some(Event::Failed {
            retry_at: Some(at), ..
        }) = events.last()
        else {
            panic!("{events:?}")
        };
        delays.push(at - now);
        assert_eq!(e.poll_request(at - 1), None);
        now = *at;
        assert_eq!(e.pending_len(), 1);
    }
    for (i, d) in delays.iter().enumerate() {
        assert!((500u64 << i..=1_000u64 << i).contains(d), "{delays:?}");
    }
    let push = expect_push(&mut e, now, &["email"]);
    e.handle_response(now, push, pushed(now));
    assert_eq!(e.pending_len(), 0);
}

#[test]
fn late_and_duplicated_replies_are_ignored() {
    let mut e = engine();
    edit(&mut e, T0, 1, "email", json!("a@x"));
    let first = expect_push(&mut e, T0 + 1_000, &["email"]);
    e.handle_timeout(T0 + 31_000);
    drain(&mut e);
    let now = T0 + 40_000;
    let second = expect_push(&mut e, now, &["email"]);
    e.handle_response(now, first, pushed(now)); // the abandoned request answers late
    assert_eq!(e.pending_len(), 1);
    assert_eq!(e.poll_request(now), None, "still waiting for the second");
    e.handle_response(now, second, pushed(now));
    e.handle_response(now, second, pushed(now)); // duplicate
    assert_eq!(drain(&mut e), vec![Event::OutboxRemoved(vec![1])]);
}

#[test]
fn an_invalid_change_is_rejected_alone_and_the_rest_retried() {
    let mut e = engine();
    edit(&mut e, T0, 1, "a", json!(1));
    edit(&mut e, T0, 1, "b", json!(2));
    let push = expect_push(&mut e, T0 + 1_000, &["a", "b"]);
    e.handle_response(
        T0 + 1_000,
        push,
        refused(ErrorCode::InvalidChange, Some(1), T0 + 1_000),
    );
    let events = drain(&mut e);
    assert!(
        matches!(&events[0], Event::Rejected { change, code: ErrorCode::InvalidChange, .. } if change.field == "b")
    );
    assert_eq!(events[1], Event::OutboxRemoved(vec![2]));
    expect_push(&mut e, T0 + 1_000, &["a"]);
}

#[test]
fn too_large_halves_the_batch() {
    let mut e = engine();
    for f in ["a", "b", "c"] {
        edit(&mut e, T0, 1, f, json!(1));
    }
    let push = expect_push(&mut e, T0 + 1_000, &["a", "b", "c"]);
    e.handle_response(
        T0 + 1_000,
        push,
        refused(ErrorCode::TooLarge, None, T0 + 1_000),
    );
    let push = expect_push(&mut e, T0 + 1_000, &["a"]);
    e.handle_response(
        T0 + 1_000,
        push,
        refused(ErrorCode::TooLarge, None, T0 + 1_000),
    );
    assert!(matches!(
        &drain(&mut e)[0],
        Event::Rejected {
            code: ErrorCode::TooLarge,
            ..
        }
    ));
    expect_push(&mut e, T0 + 1_000, &["b"]);
}

#[test]
fn unauthorized_stops_until_sync_now() {
    let mut e = engine();
    edit(&mut e, T0, 1, "a", json!(1));
    let push = expect_push(&mut e, T0 + 1_000, &["a"]);
    e.handle_response(
        T0 + 1_000,
        push,
        Reply::Refused {
            status: 401,
            body: None,
        },
    );
    assert_eq!(e.status().phase, Phase::NeedsSignIn);
    assert_eq!(e.poll_timeout(), None);
    assert_eq!(e.poll_request(T0 + 1_000_000), None);
    e.sync_now(T0 + 1_000_001);
    expect_push(&mut e, T0 + 1_000_001, &["a"]);
}

#[test]
fn offline_sends_nothing_and_online_syncs_at_once() {
    let mut e = engine();
    e.handle_online(T0, false);
    edit(&mut e, T0, 1, "a", json!(1));
    assert_eq!(e.status().phase, Phase::Offline);
    assert_eq!(e.poll_request(T0 + 100_000), None);
    assert_eq!(e.poll_timeout(), None);
    e.handle_online(T0 + 100_001, true);
    expect_push(&mut e, T0 + 100_001, &["a"]);
}

#[test]
fn resumes_from_a_stored_outbox_with_fresh_sequence_numbers() {
    let stored = vec![
        Pending {
            seq: 9,
            change: remote(
                1,
                "b",
                json!(2),
                Hlc {
                    wall_ms: T0,
                    counter: 1,
                    node: 1,
                },
            ),
        },
        Pending {
            seq: 4,
            change: remote(
                1,
                "a",
                json!(1),
                Hlc {
                    wall_ms: T0,
                    counter: 0,
                    node: 1,
                },
            ),
        },
    ];
    let mut e = SyncEngine::new(
        SyncConfig::default(),
        Clock::new(1),
        Some("5".into()),
        stored,
    );
    assert_eq!(e.outbox().map(|p| p.seq).collect::<Vec<_>>(), [4, 9]);
    assert_eq!(edit(&mut e, T0, 1, "c", json!(3))[0].seq, 10);
    expect_push(&mut e, T0, &["a", "b", "c"]);
}

#[test]
fn persisted_state_keeps_the_restamp_floor_across_a_reload() {
    let mut e = engine();
    let theirs = remote(
        1,
        "name",
        json!("x"),
        Hlc {
            wall_ms: T0 + 50_000,
            counter: 0,
            node: 9,
        },
    );
    e.sync_now(T0 + 1);
    let pull = expect_pull(&mut e, T0 + 1, Some("0"));
    e.handle_response(
        T0 + 1,
        pull,
        pulled(vec![theirs.clone()], "1", false, T0 + 1),
    );
    let json = serde_json::to_string(&e.state()).unwrap();
    let state: SyncState = serde_json::from_str(&json).unwrap();
    assert_eq!(state.floor, theirs.hlc);
    let mut e = SyncEngine::resume(SyncConfig::default(), state, Vec::new());
    assert_eq!(e.cursor(), Some("1"));
    // A fast edit refused for skew is re-stamped above everything pulled before.
    edit(&mut e, T0 + 3_600_000, 1, "name", json!("mine"));
    let push = expect_push(&mut e, T0 + 3_600_000, &["name"]);
    e.handle_response(
        T0 + 3_600_000,
        push,
        refused(ErrorCode::ClockSkew, Some(0), T0 + 2),
    );
    let Some(Event::Restamped(r)) = drain(&mut e).into_iter().next() else {
        panic!("no restamp")
    };
    assert!(r[0].change.hlc > theirs.hlc && r[0].change.hlc.wall_ms < T0 + 3_600_000);
}
