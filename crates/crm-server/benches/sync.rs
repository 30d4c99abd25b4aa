//! Server benchmarks of BENCH.md, over loopback HTTP against an in-process server with
//! a real SQLite file (WAL, synchronous=FULL):
//! - `push_tput`: batches of 1,000 new field changes pushed one after another; changes/s.
//! - `delta_sync`: push 100 changes, then pull what changed since the last cursor; the
//!   median round trip in ms.
//!
//! Run: `cargo bench -p crm-server --bench sync`. Prints `BENCH <name> <value> <unit>`.

use std::time::{Duration, Instant, SystemTime};

use crm_core::{
    change::{Change, Entity},
    wire::{PullResponse, PushResponse, Role},
    Hlc,
};
use crm_server::{serve, AppState, Config};
use serde_json::json;
use uuid::Uuid;

const BATCH: usize = 1_000;
const PUSH_BATCHES: usize = 60;
const DELTA: usize = 100;
const DELTA_ROUNDS: usize = 60;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// `n` changes: ten fields of each of `n / 10` new customers, stamped now.
fn changes(first_record: u128, n: usize, node: u64) -> Vec<Change> {
    let wall_ms = now_ms();
    (0..n)
        .map(|i| {
            let field = [
                "name", "company", "email", "phone", "city", "title", "source", "owner", "stage",
                "notes",
            ][i % 10];
            Change {
                entity: Entity::Customer,
                id: Uuid::from_u128(first_record + (i / 10) as u128),
                field: field.to_string(),
                value: json!(format!("{field} value {i} of a realistic length")),
                hlc: Hlc {
                    wall_ms,
                    counter: (i % 10) as u32,
                    node,
                },
                base: None,
            }
        })
        .collect()
}

fn body(changes: Vec<Change>) -> Vec<u8> {
    serde_json::to_vec(&json!({ "changes": changes })).unwrap()
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not, and must
    // not spend a minute here.
    if !std::env::args().any(|a| a == "--bench") {
        println!("skipped: run with `cargo bench -p crm-server --bench sync`");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::open(&dir.path().join("bench.db"), Config::default()).unwrap();
    state
        .db
        .add_user("Bench", "bench@example.test", "pw", Role::Admin, None)
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("{origin}/api/v1/auth/login"))
        .json(&json!({"email": "bench@example.test", "password": "pw"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_string();
    let push = |bytes: Vec<u8>| {
        let req = client
            .post(format!("{origin}/api/v1/sync/push"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(bytes);
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status().as_u16(), 200);
            res.json::<PushResponse>().await.unwrap()
        }
    };

    // push_tput: bodies are built up front so only the server and HTTP are timed.
    let mut next_record = 1u128;
    let mut bodies = Vec::new();
    for _ in 0..PUSH_BATCHES + 3 {
        bodies.push(body(changes(next_record, BATCH, 1)));
        next_record += (BATCH / 10) as u128;
    }
    let timed = bodies.split_off(3);
    for b in bodies {
        push(b).await; // warm-up
    }
    let start = Instant::now();
    for b in timed {
        let r = push(b).await;
        assert_eq!(r.applied as usize, BATCH);
    }
    let tput = (PUSH_BATCHES * BATCH) as f64 / start.elapsed().as_secs_f64();

    // delta_sync: another device's view: pull from its cursor after each push.
    let mut cursor = pull_all_from(&client, &origin, &token, "0".into()).await.0;
    let mut rounds = Vec::new();
    for round in 0..DELTA_ROUNDS + 3 {
        let b = body(changes(next_record, DELTA, 2));
        next_record += (DELTA / 10) as u128;
        let start = Instant::now();
        push(b).await;
        let (next, pulled) = pull_all_from(&client, &origin, &token, cursor).await;
        let took = start.elapsed();
        assert_eq!(pulled, DELTA);
        cursor = next;
        if round >= 3 {
            rounds.push(took);
        }
    }
    let delta = median(rounds);

    println!("BENCH push_tput {tput:.0} changes/s");
    println!("BENCH delta_sync {:.2} ms", delta.as_secs_f64() * 1e3);
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// Pulls every page after `cursor`; returns the new cursor and how many changes came.
async fn pull_all_from(
    client: &reqwest::Client,
    origin: &str,
    token: &str,
    mut cursor: String,
) -> (String, usize) {
    let mut n = 0;
    loop {
        let page: PullResponse = client
            .get(format!("{origin}/api/v1/sync/pull?since={cursor}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        n += page.changes.len();
        cursor = page.cursor;
        if !page.more {
            return (cursor, n);
        }
    }
}
