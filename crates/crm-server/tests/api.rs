//! The SYNC.md contract over real HTTP: every endpoint, every error code, batch
//! atomicity, idempotent re-push, LWW, pull paging, organisation isolation, the app
//! fallback.

mod common;

use std::time::Duration;

use common::*;
use crm_core::wire::{Role, MAX_BATCH, MAX_VALUE_BYTES};
use crm_server::Config;
use serde_json::{json, Value};

const PW: &str = "correct horse";

/// A server with one admin of organisation "Acme"; returns it and their token.
async fn acme() -> (TestServer, String) {
    let s = TestServer::start().await;
    s.add_user("Acme", "ada@acme.test", PW, Role::Admin);
    let token = s.login("ada@acme.test", PW).await;
    (s, token)
}

fn fields(changes: &[Value]) -> Vec<(String, Value)> {
    changes
        .iter()
        .map(|c| (c["field"].as_str().unwrap().to_string(), c["value"].clone()))
        .collect()
}

#[tokio::test]
async fn health_and_openapi() {
    let s = TestServer::start().await;
    let (status, body) = s.call("GET", "/api/v1/health", None, None).await;
    assert_eq!((status.as_u16(), body), (200, json!({"status": "ok"})));
    let (status, doc) = s.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status.as_u16(), 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
        "/api/v1/health",
        "/api/v1/openapi.json",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    s.stop().await;
}

#[tokio::test]
async fn login_answers_a_token_and_the_user() {
    let s = TestServer::start().await;
    s.add_user("Acme", "Ada@Acme.test", PW, Role::Manager);
    let (status, body) = s
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json_bytes(
                &json!({"email": "ada@acme.test", "password": PW}),
            )),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    assert_eq!(body["token"].as_str().unwrap().len(), 64);
    assert_eq!(body["user"]["role"], "manager");
    assert_eq!(body["user"]["org"], "Acme");
    assert_eq!(body["user"]["name"], "Ada");
    assert!(body["user"]["id"].is_string());
    assert!(body["server_hlc"].is_string());
    // Only a hash of the token is stored.
    let token = body["token"].as_str().unwrap();
    for suffix in ["", "-wal"] {
        let mut path = s.state.db.path().as_os_str().to_owned();
        path.push(suffix);
        let bytes = std::fs::read(path).unwrap_or_default();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "token stored in clear"
        );
    }

    let wrong = json!({"email": "ada@acme.test", "password": "nope"});
    let (status, body) = s
        .call("POST", "/api/v1/auth/login", None, Some(json_bytes(&wrong)))
        .await;
    assert_error(status, &body, 401, "unauthorized");
    let unknown = json!({"email": "who@acme.test", "password": PW});
    let (status, body) = s
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json_bytes(&unknown)),
        )
        .await;
    assert_error(status, &body, 401, "unauthorized");
    let (status, body) = s
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(b"{\"email\": 1}".to_vec()),
        )
        .await;
    assert_error(status, &body, 400, "invalid_change");
    s.stop().await;
}

#[tokio::test]
async fn repeated_failed_logins_are_rate_limited() {
    let s = TestServer::start_with(Config {
        login_attempts: 2,
        login_window: Duration::from_secs(60),
        ..Config::default()
    })
    .await;
    s.add_user("Acme", "ada@acme.test", PW, Role::Rep);
    let wrong = json_bytes(&json!({"email": "ada@acme.test", "password": "nope"}));
    for _ in 0..2 {
        let (status, body) = s
            .call("POST", "/api/v1/auth/login", None, Some(wrong.clone()))
            .await;
        assert_error(status, &body, 401, "unauthorized");
    }
    let right = json_bytes(&json!({"email": "ada@acme.test", "password": PW}));
    let (status, body) = s
        .call("POST", "/api/v1/auth/login", None, Some(right))
        .await;
    assert_error(status, &body, 429, "rate_limited");
    s.stop().await;
}

#[tokio::test]
async fn sync_needs_a_valid_bearer_token() {
    let s = TestServer::start().await;
    let c = change(1, "name", json!("x"), &hlc(now_ms(), 0, 1));
    for token in [None, Some("not-a-token")] {
        let (status, body) = s
            .call(
                "POST",
                "/api/v1/sync/push",
                token,
                Some(json_bytes(&json!({"changes": [c.clone()]}))),
            )
            .await;
        assert_error(status, &body, 401, "unauthorized");
        let (status, body) = s.call("GET", "/api/v1/sync/pull", token, None).await;
        assert_error(status, &body, 401, "unauthorized");
    }
    s.stop().await;
}

#[tokio::test]
async fn push_then_pull_round_trips_and_merges_per_field() {
    let (s, t) = acme().await;
    let now = now_ms();
    let created = [
        change(1, "name", json!("Li Wei"), &hlc(now, 0, 1)),
        change(1, "email", json!("li@x.test"), &hlc(now, 0, 1)),
        change(1, "tags", json!(["vip", {"since": 2024}]), &hlc(now, 0, 1)),
    ];
    let (status, body) = s.push(&t, &created).await;
    assert_eq!(status.as_u16(), 200, "{body}");
    assert_eq!(
        (body["applied"].as_u64(), body["ignored"].as_u64()),
        (Some(3), Some(0))
    );
    assert!(body["cursor"].is_string() && body["server_hlc"].is_string());

    // Concurrent edits of different fields both survive; the same field: later HLC wins.
    // The new email's author had seen the first one: its `base` travels with it.
    let mut new_email = change(1, "email", json!("new@x.test"), &hlc(now + 20, 0, 3));
    new_email["base"] = json!(hlc(now, 0, 1));
    let edits = [
        change(1, "phone", json!("138"), &hlc(now + 10, 0, 2)),
        change(1, "email", json!("old@x.test"), &hlc(now - 10, 0, 3)),
        new_email,
        change(1, "_deleted", json!(true), &hlc(now + 30, 0, 2)),
        change(1, "_deleted", json!(false), &hlc(now + 40, 0, 3)),
    ];
    let (status, body) = s.push(&t, &edits).await;
    assert_eq!(status.as_u16(), 200, "{body}");
    assert_eq!(
        (body["applied"].as_u64(), body["ignored"].as_u64()),
        (Some(4), Some(1))
    );

    let (status, page) = s.pull(&t, "").await;
    assert_eq!(status.as_u16(), 200, "{page}");
    assert_eq!(page["more"], false);
    let mut got = fields(page["changes"].as_array().unwrap());
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        vec![
            ("_deleted".into(), json!(false)),
            ("email".into(), json!("new@x.test")),
            ("name".into(), json!("Li Wei")),
            ("phone".into(), json!("138")),
            ("tags".into(), json!(["vip", {"since": 2024}])),
        ]
    );
    let email = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "email")
        .unwrap();
    assert_eq!(email["hlc"], hlc(now + 20, 0, 3));
    assert_eq!(email["base"], hlc(now, 0, 1));
    assert_eq!(email["entity"], "customer");
    let name = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "name");
    assert!(name.unwrap().get("base").is_none(), "no base, none sent");
    s.stop().await;
}

#[tokio::test]
async fn pushing_the_same_batch_twice_is_harmless() {
    let (s, t) = acme().await;
    let now = now_ms();
    let batch: Vec<Value> = (0..10)
        .map(|i| change(i, "name", json!(format!("c{i}")), &hlc(now, i as u32, 1)))
        .collect();
    let (_, first) = s.push(&t, &batch).await;
    assert_eq!(first["applied"], 10);
    let (status, second) = s.push(&t, &batch).await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(
        (second["applied"].as_u64(), second["ignored"].as_u64()),
        (Some(0), Some(10))
    );
    assert_eq!(second["cursor"], first["cursor"], "no winner changed");
    assert_eq!(s.pull_all(&t, 5000).await.len(), 10);
    s.stop().await;
}

#[tokio::test]
async fn one_malformed_change_rejects_the_whole_batch() {
    let (s, t) = acme().await;
    let now = now_ms();
    let good = |i: u128| change(i, "name", json!("ok"), &hlc(now, 0, 1));
    let bad_cases = [
        change(9, "name", json!("x"), "17645-0-9f"),
        json!({"entity": "spaceship", "id": uuid::Uuid::from_u128(9).to_string(), "field": "name", "value": 1, "hlc": hlc(now, 0, 1)}),
        change(9, "Name", json!("x"), &hlc(now, 0, 1)),
        change(
            9,
            "notes",
            json!("x".repeat(MAX_VALUE_BYTES)),
            &hlc(now, 0, 1),
        ),
        json!({"entity": "customer", "id": "not-a-uuid", "field": "name", "value": 1, "hlc": hlc(now, 0, 1)}),
        json!({"entity": "customer"}),
        json!({"entity": "customer", "id": uuid::Uuid::from_u128(9).to_string(), "field": "name", "value": 1,
               "hlc": hlc(now, 0, 1), "base": hlc(now, 0, 1)}),
    ];
    for bad in bad_cases {
        let (status, body) = s.push(&t, &[good(1), good(2), bad, good(3)]).await;
        assert_error(status, &body, 400, "invalid_change");
        assert_eq!(body["error"]["index"], 2, "{body}");
    }
    let (status, body) = s
        .call(
            "POST",
            "/api/v1/sync/push",
            Some(&t),
            Some(b"{not json".to_vec()),
        )
        .await;
    assert_error(status, &body, 400, "invalid_change");
    assert!(
        s.pull_all(&t, 5000).await.is_empty(),
        "nothing of a refused batch is stored"
    );
    s.stop().await;
}

#[tokio::test]
async fn oversized_pushes_are_too_large() {
    let (s, t) = acme().await;
    let h = hlc(now_ms(), 0, 1);
    let many: Vec<Value> = (0..=MAX_BATCH as u128)
        .map(|i| change(i, "name", json!("x"), &h))
        .collect();
    let (status, body) = s.push(&t, &many).await;
    assert_error(status, &body, 413, "too_large");
    // 9 MiB in fewer than 5,000 changes, each value under 64 KiB.
    let big: Vec<Value> = (0..150)
        .map(|i| change(i, "notes", json!("x".repeat(63 * 1024)), &h))
        .collect();
    let (status, body) = s.push(&t, &big).await;
    assert_error(status, &body, 413, "too_large");
    assert!(s.pull_all(&t, 5000).await.is_empty());
    s.stop().await;
}

#[tokio::test]
async fn changes_from_a_clock_too_far_ahead_are_refused() {
    let s = TestServer::start_with(Config {
        max_drift: Duration::from_secs(60),
        ..Config::default()
    })
    .await;
    s.add_user("Acme", "ada@acme.test", PW, Role::Rep);
    let t = s.login("ada@acme.test", PW).await;
    let now = now_ms();
    let ok = change(1, "name", json!("a"), &hlc(now + 30_000, 0, 1));
    let ahead = change(2, "name", json!("b"), &hlc(now + 120_000, 0, 1));
    let (status, body) = s.push(&t, &[ok.clone(), ahead]).await;
    assert_error(status, &body, 400, "clock_skew");
    assert_eq!(body["error"]["index"], 1);
    let server: crm_core::Hlc = body["server_hlc"].as_str().unwrap().parse().unwrap();
    assert!(
        server.wall_ms.abs_diff(now) < 10_000,
        "server_hlc is the server's own time"
    );
    assert!(s.pull_all(&t, 5000).await.is_empty());
    let (status, body) = s.push(&t, &[ok]).await;
    assert_eq!((status.as_u16(), body["applied"].as_u64()), (200, Some(1)));
    s.stop().await;
}

#[tokio::test]
async fn organisations_are_isolated() {
    let s = TestServer::start().await;
    s.add_user("Acme", "ada@acme.test", PW, Role::Admin);
    s.add_user("Globex", "hank@globex.test", PW, Role::Admin);
    let acme = s.login("ada@acme.test", PW).await;
    let globex = s.login("hank@globex.test", PW).await;
    let now = now_ms();
    s.push(
        &acme,
        &[change(1, "name", json!("Acme's customer"), &hlc(now, 0, 1))],
    )
    .await;
    // Globex cannot write Acme's record, nor anything in the same batch.
    let batch = [
        change(2, "name", json!("mine"), &hlc(now, 0, 2)),
        change(1, "name", json!("hijacked"), &hlc(now + 1, 0, 2)),
    ];
    let (status, body) = s.push(&globex, &batch).await;
    assert_error(status, &body, 403, "forbidden");
    assert_eq!(body["error"]["index"], 1);
    // Neither sees the other's data.
    assert!(s.pull_all(&globex, 5000).await.is_empty());
    let acme_sees = s.pull_all(&acme, 5000).await;
    assert_eq!(
        fields(&acme_sees),
        vec![("name".to_string(), json!("Acme's customer"))]
    );
    let (status, _) = s.push(&globex, &batch[..1]).await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(s.pull_all(&globex, 5000).await.len(), 1);
    assert_eq!(s.pull_all(&acme, 5000).await.len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn pull_pages_in_server_order() {
    let (s, t) = acme().await;
    let now = now_ms();
    let batch: Vec<Value> = (0..25)
        .map(|i| change(i, "name", json!(i), &hlc(now, 0, 1)))
        .collect();
    s.push(&t, &batch).await;
    let mut since = String::new();
    let mut sizes = Vec::new();
    let mut seen = Vec::new();
    loop {
        let q = if since.is_empty() {
            "limit=10".to_string()
        } else {
            format!("since={since}&limit=10")
        };
        let (status, page) = s.pull(&t, &q).await;
        assert_eq!(status.as_u16(), 200, "{page}");
        let changes = page["changes"].as_array().unwrap();
        sizes.push(changes.len());
        seen.extend(changes.iter().map(|c| c["value"].as_u64().unwrap()));
        since = page["cursor"].as_str().unwrap().to_string();
        if !page["more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(sizes, [10, 10, 5]);
    // Each page's cursor and `more` are in its headers too, readable before the body.
    for (query, more) in [("limit=10", "true"), ("limit=30", "false")] {
        let answer = reqwest::Client::new()
            .get(s.url(&format!("/api/v1/sync/pull?{query}")))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        let headers = answer.headers().clone();
        let page: Value = answer.json().await.unwrap();
        assert_eq!(headers["x-sync-cursor"], page["cursor"].as_str().unwrap());
        assert_eq!(headers["x-sync-more"], more);
    }
    assert_eq!(
        seen,
        (0..25).collect::<Vec<_>>(),
        "server order = order of winning"
    );
    // Nothing new: an empty page with the same cursor.
    let (_, page) = s.pull(&t, &format!("since={since}")).await;
    assert_eq!(
        (
            page["changes"].as_array().unwrap().len(),
            page["more"].as_bool()
        ),
        (0, Some(false))
    );
    assert_eq!(page["cursor"].as_str(), Some(since.as_str()));
    // A field that wins again moves to the end of the order and is pulled again.
    s.push(&t, &[change(3, "name", json!(333), &hlc(now + 1, 0, 2))])
        .await;
    let (_, page) = s.pull(&t, &format!("since={since}")).await;
    assert_eq!(
        fields(page["changes"].as_array().unwrap()),
        vec![("name".to_string(), json!(333))]
    );
    // Limits above the maximum are clamped; unreadable cursors are refused.
    let (status, page) = s.pull(&t, "limit=999999").await;
    assert_eq!(
        (status.as_u16(), page["changes"].as_array().unwrap().len()),
        (200, 25)
    );
    let (status, body) = s.pull(&t, "since=abc").await;
    assert_error(status, &body, 400, "invalid_change");
    let (status, body) = s.pull(&t, "limit=-1").await;
    assert_error(status, &body, 400, "invalid_change");
    s.stop().await;
}

/// Devices find a stored interaction by its customers, not by its id: a page says
/// where they may hold each interaction it does not name the customer of, and every
/// customer a re-pointed one has been filed under.
#[tokio::test]
async fn pulled_interactions_say_where_devices_may_hold_them() {
    let (s, t) = acme().await;
    let now = now_ms();
    let uuid = |n: u128| uuid::Uuid::from_u128(n).to_string();
    let visit = |field: &str, value: Value, n: u32| {
        json!({"entity": "interaction", "id": uuid(11), "field": field, "value": value,
               "hlc": hlc(now, n, 1)})
    };
    let (status, body) = s
        .push(
            &t,
            &[
                change(1, "name", json!("Zhao Lei"), &hlc(now, 0, 1)),
                change(2, "name", json!("赵磊"), &hlc(now, 1, 1)),
                visit("customer_id", json!(uuid(1)), 2),
                visit("kind", json!("visit"), 3),
                visit("at", json!("2026-11-02T10:00:00"), 4),
            ],
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    let (_, page) = s.pull(&t, "").await;
    assert!(page.get("homes").is_none(), "the page names it: {page}");
    // Cut by the page boundary: the second page does not name the customer.
    let (_, first) = s.pull(&t, "limit=3").await;
    let (_, second) = s
        .pull(&t, &format!("since={}", first["cursor"].as_str().unwrap()))
        .await;
    assert_eq!(second["homes"], json!({ uuid(11): [uuid(1)] }));

    // A later edit of one field, then a merge of duplicates re-pointing it.
    let cursor = page["cursor"].as_str().unwrap().to_string();
    s.push(&t, &[visit("summary", json!("Tea"), 5)]).await;
    let (_, edit) = s.pull(&t, &format!("since={cursor}")).await;
    assert_eq!(edit["homes"], json!({ uuid(11): [uuid(1)] }));
    s.push(&t, &[visit("customer_id", json!(uuid(2)), 6)]).await;
    let (_, moved) = s.pull(&t, &format!("since={cursor}")).await;
    assert_eq!(moved["homes"], json!({ uuid(11): [uuid(1), uuid(2)] }));
    s.stop().await;
}

#[tokio::test]
async fn pulls_are_gzipped_for_clients_that_accept_it() {
    let (s, t) = acme().await;
    let now = now_ms();
    let batch: Vec<Value> = (0..200)
        .map(|i| change(i, "name", json!(format!("Customer {i}")), &hlc(now, 0, 1)))
        .collect();
    s.push(&t, &batch).await;
    let (_, plain) = s.pull(&t, "").await;
    let answer = reqwest::Client::new()
        .get(s.url("/api/v1/sync/pull"))
        .bearer_auth(&t)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(answer.headers()["content-encoding"], "gzip");
    let gzipped = answer.bytes().await.unwrap();
    let mut json = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzipped[..]), &mut json).unwrap();
    assert!(
        gzipped.len() * 4 < json.len(),
        "{} bytes for {}",
        gzipped.len(),
        json.len()
    );
    let mut page: Value = serde_json::from_slice(&json).unwrap();
    let mut plain = plain;
    // Only the server's clock may differ between the two answers.
    page["server_hlc"] = Value::Null;
    plain["server_hlc"] = Value::Null;
    assert_eq!(page, plain);
    s.stop().await;
}

#[tokio::test]
async fn unknown_api_paths_get_the_error_shape_and_others_the_app() {
    let dist = tempfile::tempdir().unwrap();
    write_dist(dist.path());
    let s = TestServer::start_with(Config {
        dist: Some(dist.path().to_path_buf()),
        ..Config::default()
    })
    .await;
    let (status, body) = s.call("GET", "/api/v1/nope", None, None).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = s.call("GET", "/api/v2/sync/pull", None, None).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = s.call("DELETE", "/api/v1/health", None, None).await;
    assert_error(status, &body, 405, "not_found");
    let client = reqwest::Client::new();
    for path in ["/", "/customers/42", "/sync"] {
        let res = client.get(s.url(path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
        assert!(
            res.text().await.unwrap().contains("<title>CRM</title>"),
            "{path}"
        );
    }
    let js = client
        .get(s.url("/app.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(js, "console.log('crm')");
    s.stop().await;
}
