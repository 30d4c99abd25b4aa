//! BENCH.md's `concurrent_clients`: 200 clients syncing at once for 60 s over loopback
//! HTTP against an in-process server with a real SQLite file (WAL, synchronous=FULL),
//! the same setup as `benches/sync.rs`.
//!
//! Clients are 200 reps in 10 organisations of 20 (each rep its own user, token and
//! HTTP connection pool), so every pull also brings the 19 colleagues' edits. A client
//! loops: push a batch of field changes (one new customer's five fields plus edits of
//! earlier ones, HLCs from its own `crm_core::Clock`), then pull pages since its cursor
//! until `more` is false, then pauses. Every request's latency (until the whole answer
//! body has arrived) is recorded; any transport error or non-200 answer is an error.
//!
//! Run: `cargo bench -p crm-server --bench concurrent`. Environment:
//! - `CONCURRENT_SECS` (default 60): how long the clients sync.
//! - `CONCURRENT_CLIENTS` (default 200).
//! - `CONCURRENT_PAUSE_MS` (default 1000): mean pause between a client's rounds
//!   (uniform in 0.5–1.5×), i.e. each client syncs about once a second — 30× the app's
//!   30 s timer. 0 = back to back, a saturation test where latency is queueing.
//!
//! Prints `BENCH concurrent_clients_p99|p50 <ms> ms`, `BENCH concurrent_clients_tput
//! <n> requests/s`, `BENCH concurrent_clients_errors <n> count`, plus push and pull p99.

use std::time::{Duration, Instant, SystemTime};

use crm_core::{
    change::{Change, Entity},
    wire::{PullResponse, Role},
    Clock,
};
use crm_server::{serve, AppState, Config};
use serde_json::json;
use uuid::Uuid;

/// Reps per organisation.
const ORG_SIZE: usize = 20;
/// Field changes per push: one new customer (5 fields) plus 15 edits.
const CHANGES_PER_PUSH: usize = 20;
const NEW_FIELDS: [&str; 5] = ["name", "company", "email", "phone", "city"];
const EDIT_FIELDS: [&str; 6] = ["notes", "title", "source", "preferences", "city", "company"];
/// Errors printed in full (the rest are only counted).
const ERRORS_SHOWN: usize = 5;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// xorshift64*: a deterministic stream per client without another dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// What one client measured.
#[derive(Default)]
struct Report {
    push: Vec<Duration>,
    pull: Vec<Duration>,
    errors: u64,
    messages: Vec<String>,
    changes_pulled: u64,
}

impl Report {
    fn error(&mut self, message: String) {
        self.errors += 1;
        if self.messages.len() < ERRORS_SHOWN {
            self.messages.push(message);
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not, and must
    // not spend a minute here.
    if !std::env::args().any(|a| a == "--bench") {
        println!("skipped: run with `cargo bench -p crm-server --bench concurrent`");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let clients = env_or("CONCURRENT_CLIENTS", 200) as usize;
    let secs = env_or("CONCURRENT_SECS", 60);
    let pause_ms = env_or("CONCURRENT_PAUSE_MS", 1_000);

    let dir = tempfile::tempdir().unwrap();
    let state = AppState::open(&dir.path().join("bench.db"), Config::default()).unwrap();
    let setup = Instant::now();
    let adds: Vec<_> = (0..clients)
        .map(|c| {
            let db = state.db.clone();
            tokio::task::spawn_blocking(move || {
                db.add_user(&org(c), &email(c), "pw", Role::Rep, None)
                    .unwrap()
            })
        })
        .collect();
    for add in adds {
        add.await.unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let logins: Vec<_> = (0..clients)
        .map(|c| tokio::spawn(sign_in(origin.clone(), c)))
        .collect();
    let (mut signed_in, mut login_times) = (Vec::new(), Vec::new());
    for login in logins {
        let (client, token, took) = login.await.unwrap();
        signed_in.push((client, token));
        login_times.push(took);
    }
    eprintln!(
        "concurrent_clients: {clients} users in {} organisations signed in after {:.1} s \
         (logins all at once: median {:.0} ms); syncing for {secs} s, pause {pause_ms} ms, \
         {CHANGES_PER_PUSH} changes per push",
        clients.div_ceil(ORG_SIZE),
        setup.elapsed().as_secs_f64(),
        ms(percentile(&mut login_times, 0.5)),
    );

    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    let tasks: Vec<_> = signed_in
        .into_iter()
        .enumerate()
        .map(|(c, (client, token))| {
            tokio::spawn(client_loop(
                client,
                origin.clone(),
                token,
                c,
                deadline,
                pause_ms,
            ))
        })
        .collect();
    let mut all = Report::default();
    for task in tasks {
        let r = task.await.unwrap();
        all.push.extend(r.push);
        all.pull.extend(r.pull);
        all.errors += r.errors;
        all.changes_pulled += r.changes_pulled;
        for m in r.messages {
            if all.messages.len() < ERRORS_SHOWN {
                all.messages.push(m);
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let _ = stop.send(());
    server.await.unwrap().unwrap();

    for m in &all.messages {
        eprintln!("concurrent_clients error: {m}");
    }
    let pushes = all.push.len();
    let mut every: Vec<Duration> = all.push.iter().chain(&all.pull).copied().collect();
    let requests = every.len();
    eprintln!(
        "concurrent_clients: {requests} requests ({pushes} pushes = {} changes, {} pulls \
         bringing {} changes) in {elapsed:.1} s; max {:.1} ms",
        pushes * CHANGES_PER_PUSH,
        all.pull.len(),
        all.changes_pulled,
        ms(every.iter().max().copied().unwrap_or_default()),
    );
    println!(
        "BENCH concurrent_clients_p99 {:.1} ms",
        ms(percentile(&mut every, 0.99))
    );
    println!(
        "BENCH concurrent_clients_p50 {:.1} ms",
        ms(percentile(&mut every, 0.50))
    );
    println!(
        "BENCH concurrent_clients_push_p99 {:.1} ms",
        ms(percentile(&mut all.push, 0.99))
    );
    println!(
        "BENCH concurrent_clients_pull_p99 {:.1} ms",
        ms(percentile(&mut all.pull, 0.99))
    );
    println!(
        "BENCH concurrent_clients_tput {:.0} requests/s",
        requests as f64 / elapsed
    );
    println!("BENCH concurrent_clients_errors {} count", all.errors);
}

fn org(client: usize) -> String {
    format!("Org {}", client / ORG_SIZE)
}

fn email(client: usize) -> String {
    format!("rep{client}@example.test")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The `q` quantile (nearest rank) of `xs`; zero when empty.
fn percentile(xs: &mut [Duration], q: f64) -> Duration {
    if xs.is_empty() {
        return Duration::ZERO;
    }
    xs.sort_unstable();
    let rank = ((q * xs.len() as f64).ceil() as usize).clamp(1, xs.len());
    xs[rank - 1]
}

/// Logs one client in over HTTP (not part of the figures); returns its own HTTP client,
/// its token and how long the login took.
async fn sign_in(origin: String, client: usize) -> (reqwest::Client, String, Duration) {
    let http = reqwest::Client::new();
    let start = Instant::now();
    let login: serde_json::Value = http
        .post(format!("{origin}/api/v1/auth/login"))
        .json(&json!({"email": email(client), "password": "pw"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_string();
    (http, token, start.elapsed())
}

/// One push body: a new customer's fields, then edits of this client's earlier ones.
fn push_body(clock: &mut Clock, rng: &mut Rng, client: usize, round: u64) -> Vec<u8> {
    let record = |n: u64| Uuid::from_u128(((client as u128 + 1) << 64) | n as u128);
    let mut changes = Vec::with_capacity(CHANGES_PER_PUSH);
    for field in NEW_FIELDS {
        changes.push((record(round), field, format!("{field} of customer {round}")));
    }
    while changes.len() < CHANGES_PER_PUSH {
        let n = rng.below(round + 1);
        let field = EDIT_FIELDS[rng.below(EDIT_FIELDS.len() as u64) as usize];
        changes.push((record(n), field, format!("{field} edited in round {round}")));
    }
    let changes: Vec<Change> = changes
        .into_iter()
        .map(|(id, field, value)| Change {
            entity: Entity::Customer,
            id,
            field: field.to_string(),
            value: json!(value),
            hlc: clock.tick(now_ms()),
            base: None,
        })
        .collect();
    serde_json::to_vec(&json!({ "changes": changes })).unwrap()
}

/// Sends a request and reads the whole answer; `Ok` only for 200.
async fn timed(req: reqwest::RequestBuilder) -> (Duration, Result<Vec<u8>, String>) {
    let start = Instant::now();
    let result = async {
        let res = req.send().await.map_err(|e| e.to_string())?;
        let status = res.status();
        let body = res.bytes().await.map_err(|e| e.to_string())?;
        if status.as_u16() == 200 {
            Ok(body.to_vec())
        } else {
            Err(format!("{status}: {}", String::from_utf8_lossy(&body)))
        }
    }
    .await;
    (start.elapsed(), result)
}

async fn client_loop(
    http: reqwest::Client,
    origin: String,
    token: String,
    client: usize,
    deadline: Instant,
    pause_ms: u64,
) -> Report {
    let mut report = Report::default();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (client as u64 + 1));
    let mut clock = Clock::new(client as u64 + 1);
    let mut cursor: Option<String> = None;
    let pause = |rng: &mut Rng| Duration::from_millis(pause_ms / 2 + rng.below(pause_ms + 1));
    // Staggered start, as real devices are.
    tokio::time::sleep(Duration::from_millis(rng.below(pause_ms + 1))).await;
    let mut round = 0;
    while Instant::now() < deadline {
        let body = push_body(&mut clock, &mut rng, client, round);
        let req = http
            .post(format!("{origin}/api/v1/sync/push"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body);
        let (took, result) = timed(req).await;
        report.push.push(took);
        if let Err(e) = result {
            report.error(format!("push: {e}"));
        }
        loop {
            let since = cursor
                .as_deref()
                .map_or(String::new(), |c| format!("?since={c}"));
            let req = http
                .get(format!("{origin}/api/v1/sync/pull{since}"))
                .bearer_auth(&token);
            let (took, result) = timed(req).await;
            report.pull.push(took);
            match result.map(|b| serde_json::from_slice::<PullResponse>(&b)) {
                Ok(Ok(page)) => {
                    report.changes_pulled += page.changes.len() as u64;
                    cursor = Some(page.cursor);
                    if !page.more {
                        break;
                    }
                }
                Ok(Err(e)) => {
                    report.error(format!("pull answer: {e}"));
                    break;
                }
                Err(e) => {
                    report.error(format!("pull: {e}"));
                    break;
                }
            }
        }
        round += 1;
        let left = deadline.saturating_duration_since(Instant::now());
        if pause_ms > 0 {
            tokio::time::sleep(pause(&mut rng).min(left)).await;
        }
    }
    report
}
