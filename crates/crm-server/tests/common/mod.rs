//! Test harness: a real server on an ephemeral loopback port (in-process tokio task)
//! and a small JSON client, so every test speaks HTTP like the browser does.

#![allow(dead_code)]

use std::{net::SocketAddr, path::Path, time::SystemTime};

use crm_core::{hlc::Hlc, wire::Role};
use crm_server::{serve, AppState, Config};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// A running server with its own database file.
pub struct TestServer {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
    client: reqwest::Client,
}

impl TestServer {
    /// Starts a server with default settings.
    pub async fn start() -> Self {
        Self::start_with(Config::default()).await
    }

    /// Starts a server with these settings.
    pub async fn start_with(config: Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open(&dir.path().join("crm.db"), config).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve::serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
            client: reqwest::Client::new(),
        }
    }

    /// Adds a user directly in the database.
    pub fn add_user(&self, org: &str, email: &str, password: &str, role: Role) {
        self.state
            .db
            .add_user(org, email, password, role, None)
            .unwrap();
    }

    /// `http://addr` + path.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A request with an optional bearer token; returns status and JSON body (Null if none).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method.parse().unwrap(), self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let bytes = res.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Signs in and returns the token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let (status, body) = self
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json_bytes(&json!({"email": email, "password": password}))),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    /// Pushes `{"changes": changes}`.
    pub async fn push(&self, token: &str, changes: &[Value]) -> (StatusCode, Value) {
        self.call(
            "POST",
            "/api/v1/sync/push",
            Some(token),
            Some(json_bytes(&json!({ "changes": changes }))),
        )
        .await
    }

    /// Pulls with a raw query string.
    pub async fn pull(&self, token: &str, query: &str) -> (StatusCode, Value) {
        let path = if query.is_empty() {
            "/api/v1/sync/pull".to_string()
        } else {
            format!("/api/v1/sync/pull?{query}")
        };
        self.call("GET", &path, Some(token), None).await
    }

    /// Pulls every page from the start; returns all changes.
    pub async fn pull_all(&self, token: &str, limit: u32) -> Vec<Value> {
        pull_all(&self.client, &self.url(""), token, limit).await
    }

    /// Stops accepting, finishes in-flight requests, and waits for the task.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

/// Pulls every page from `base` (an origin like `http://127.0.0.1:1234`).
pub async fn pull_all(client: &reqwest::Client, base: &str, token: &str, limit: u32) -> Vec<Value> {
    let mut since: Option<String> = None;
    let mut all = Vec::new();
    loop {
        let mut url = format!("{base}/api/v1/sync/pull?limit={limit}");
        if let Some(s) = &since {
            url.push_str(&format!("&since={s}"));
        }
        let body: Value = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        all.extend(body["changes"].as_array().unwrap().iter().cloned());
        since = Some(body["cursor"].as_str().unwrap().to_string());
        if !body["more"].as_bool().unwrap() {
            return all;
        }
    }
}

pub fn json_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

/// Wall-clock ms now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// An HLC at `wall_ms` from node `node`.
pub fn hlc(wall_ms: u64, counter: u32, node: u64) -> String {
    Hlc {
        wall_ms,
        counter,
        node,
    }
    .to_string()
}

/// A customer field change as JSON.
pub fn change(id: u128, field: &str, value: Value, hlc: &str) -> Value {
    json!({"entity": "customer", "id": uuid::Uuid::from_u128(id).to_string(), "field": field, "value": value, "hlc": hlc})
}

/// Asserts SYNC.md's error shape with this code; returns the body.
#[track_caller]
pub fn assert_error(status: StatusCode, body: &Value, expected_status: u16, code: &str) {
    assert_eq!(status.as_u16(), expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        body["server_hlc"]
            .as_str()
            .is_some_and(|h| h.parse::<Hlc>().is_ok()),
        "{body}"
    );
}

/// Writes a tiny built app into `dir`.
pub fn write_dist(dir: &Path) {
    std::fs::write(dir.join("index.html"), "<!doctype html><title>CRM</title>").unwrap();
    std::fs::write(dir.join("app.js"), "console.log('crm')").unwrap();
}
