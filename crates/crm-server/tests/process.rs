//! The real binary: its command line, durability of answered pushes across SIGKILL, and
//! graceful shutdown on SIGTERM.

mod common;

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use common::{change, hlc, now_ms, pull_all};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_crm-server");

fn add_user(db: &Path, org: &str, email: &str) {
    let out = Command::new(BIN)
        .args(["user", "add", "--db"])
        .arg(db)
        .args([
            "--org",
            org,
            "--email",
            email,
            "--password",
            "pw",
            "--role",
            "rep",
            "--team",
            "north",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts `crm-server serve` on a free port; returns the child and its origin.
fn serve(db: &Path) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--db"])
        .arg(db)
        .args(["--addr", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let origin = line
        .trim()
        .strip_prefix("crm-server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    (child, origin)
}

async fn login(client: &reqwest::Client, origin: &str, email: &str) -> String {
    let body: Value = client
        .post(format!("{origin}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": "pw"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn answered_pushes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crm.db");
    add_user(&db, "Acme", "ada@acme.test");
    let (mut child, origin) = serve(&db);
    let client = reqwest::Client::new();
    let token = login(&client, &origin, "ada@acme.test").await;

    let now = now_ms();
    let mut acknowledged = Vec::new();
    for batch in 0..20u128 {
        let changes: Vec<Value> = (0..100u128)
            .map(|i| {
                change(
                    batch * 1000 + i,
                    "name",
                    json!(format!("{batch}-{i}")),
                    &hlc(now, i as u32, 1),
                )
            })
            .collect();
        let res = client
            .post(format!("{origin}/api/v1/sync/push"))
            .bearer_auth(&token)
            .json(&json!({ "changes": changes }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        acknowledged.extend(changes);
    }
    child.kill().unwrap(); // SIGKILL right after the last 200
    child.wait().unwrap();

    let (mut child, origin) = serve(&db);
    let token = login(&client, &origin, "ada@acme.test").await; // users survive too
    let stored = pull_all(&client, &origin, &token, 777).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(stored.len(), acknowledged.len());
    let key = |c: &Value| {
        (
            c["id"].as_str().unwrap().to_string(),
            c["value"].clone(),
            c["hlc"].clone(),
        )
    };
    let mut stored: Vec<_> = stored.iter().map(key).collect();
    let mut acknowledged: Vec<_> = acknowledged.iter().map(key).collect();
    stored.sort_by(|a, b| a.0.cmp(&b.0));
    acknowledged.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(stored, acknowledged);
}

#[tokio::test]
async fn sigterm_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crm.db");
    let (mut child, origin) = serve(&db);
    let health = reqwest::get(format!("{origin}/api/v1/health"))
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            assert!(exit.success(), "exit status {exit}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn user_add_refuses_bad_roles_and_an_email_of_another_org() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crm.db");
    let out = Command::new(BIN)
        .args(["user", "add", "--db"])
        .arg(&db)
        .args([
            "--org",
            "A",
            "--email",
            "x@a.test",
            "--password",
            "pw",
            "--role",
            "boss",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    add_user(&db, "A", "x@a.test");
    add_user(&db, "A", "x@a.test"); // re-adding updates
    let out = Command::new(BIN)
        .args(["user", "add", "--db"])
        .arg(&db)
        .args([
            "--org",
            "B",
            "--email",
            "x@a.test",
            "--password",
            "pw",
            "--role",
            "admin",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("another organisation"));
}
