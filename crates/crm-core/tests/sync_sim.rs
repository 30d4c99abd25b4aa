//! Deterministic convergence simulation (quinn-proto style): several client replicas,
//! each a `SyncEngine` over an in-memory store, and an in-memory model of the server,
//! connected by a network that drops, duplicates and reorders messages. Clients edit
//! offline (same and different fields, deletes, restores), go on- and offline, reload
//! the page (engine rebuilt from persisted state), run
//! skewed clocks, and sync in random order. After a final full sync every replica must
//! equal the server, and every write must survive unless a later-HLC write to the same
//! field beat it.
//!
//! `SIM_SCHEDULES=n` changes the number of seeded schedules (default 10,000 in total);
//! `SIM_SEED=s` replays one schedule.

use std::collections::{BTreeMap, HashMap};

use crm_core::{
    change::{Change, Entity, DELETED},
    hlc::{Clock, Hlc},
    merge::{decide, Decision, RecordState},
    sync::{Event, Pending, Reply, Request, SyncConfig, SyncEngine},
    wire::{ErrorBody, ErrorCode, ErrorResponse, PullQuery, PullResponse, PushResponse},
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use uuid::Uuid;

type Key = (Entity, Uuid, String);
type Records = BTreeMap<(Entity, Uuid), RecordState>;

const T0: u64 = 1_764_500_000_000;
const MAX_DRIFT_MS: u64 = 60_000;
const FIELDS: [&str; 3] = ["name", "email", "phone"];

// ---- the server model ----------------------------------------------------------------

/// What the real server does, minus auth and SQL: validate skew for the whole batch,
/// LWW per field with a sequence number per winner change, pull by sequence.
struct ServerModel {
    rows: BTreeMap<Key, (Value, Hlc, u64)>,
    /// Each winner's `base`, kept and served with it as the real server does.
    bases: BTreeMap<Key, Option<Hlc>>,
    seq: u64,
    clock: Clock,
}

impl ServerModel {
    fn new() -> Self {
        ServerModel {
            rows: BTreeMap::new(),
            bases: BTreeMap::new(),
            seq: 0,
            clock: Clock::new(0x5e5e),
        }
    }

    fn handle(&mut self, now: u64, request: &Request) -> Reply {
        match request {
            Request::Push { body, .. } => self.push(now, &body.changes),
            Request::Pull { query, .. } => self.pull(now, query),
        }
    }

    fn refuse(&mut self, now: u64, code: ErrorCode, index: Option<usize>) -> Reply {
        let body = ErrorResponse {
            error: ErrorBody {
                code,
                message: code.as_str().into(),
                index,
            },
            server_hlc: Some(self.clock.tick(now)),
        };
        Reply::Refused {
            status: code.http_status(),
            body: Some(body),
        }
    }

    fn push(&mut self, now: u64, changes: &[Change]) -> Reply {
        if let Some(i) = changes
            .iter()
            .position(|c| c.hlc.wall_ms > now + MAX_DRIFT_MS)
        {
            return self.refuse(now, ErrorCode::ClockSkew, Some(i));
        }
        let (mut applied, mut ignored) = (0, 0);
        for c in changes {
            let key = (c.entity, c.id, c.field.clone());
            let current = self.rows.get(&key).map(|(v, h, _)| (v, *h));
            if decide(current, (&c.value, c.hlc)) == Decision::Replace {
                self.seq += 1;
                self.bases.insert(key.clone(), c.base);
                self.rows.insert(key, (c.value.clone(), c.hlc, self.seq));
                applied += 1;
            } else {
                ignored += 1;
            }
        }
        Reply::Pushed(PushResponse {
            applied,
            ignored,
            cursor: self.seq.to_string(),
            server_hlc: self.clock.tick(now),
        })
    }

    fn pull(&mut self, now: u64, query: &PullQuery) -> Reply {
        let since: u64 = query
            .since
            .as_deref()
            .map_or(0, |s| s.parse().expect("cursor"));
        let limit = query.limit.unwrap_or(5_000) as usize;
        let mut newer: Vec<(&Key, &(Value, Hlc, u64))> =
            self.rows.iter().filter(|(_, r)| r.2 > since).collect();
        newer.sort_by_key(|(_, r)| r.2);
        let more = newer.len() > limit;
        newer.truncate(limit);
        let cursor = newer.last().map_or(since, |(_, r)| r.2).to_string();
        let changes = newer
            .into_iter()
            .map(|(key, (value, hlc, _))| Change {
                entity: key.0,
                id: key.1,
                field: key.2.clone(),
                value: value.clone(),
                hlc: *hlc,
                base: self.bases[key],
            })
            .collect();
        Reply::Pulled(PullResponse {
            changes,
            cursor,
            more,
            server_hlc: self.clock.tick(now),
            homes: Default::default(),
        })
    }

    fn records(&self) -> Records {
        let mut out = Records::new();
        for ((entity, id, field), (value, hlc, _)) in &self.rows {
            out.entry((*entity, *id))
                .or_default()
                .apply_register(field, value, *hlc);
        }
        out
    }
}

// ---- clients and the oracle ----------------------------------------------------------

struct Client {
    engine: SyncEngine,
    config: SyncConfig,
    /// Page loads so far; replies to an earlier page's requests are dropped.
    epoch: u32,
    /// This client's clock minus true time.
    skew: i64,
    /// The clock's node id: writes stamped with it are this client's own.
    node: u64,
    store: Records,
}

impl Client {
    fn local(&self, now: u64) -> u64 {
        (now as i64 + self.skew) as u64
    }
}

/// Every write ever made, with every HLC it was stamped with (re-stamps append).
#[derive(Default)]
struct Oracle {
    writes: Vec<(Key, Value, Vec<Hlc>)>,
    by_seq: HashMap<(usize, u64), usize>,
}

#[derive(Default, Debug, Clone, Copy)]
struct Stats {
    conflicts: u64,
    restamps: u64,
    dropped: u64,
    duplicated: u64,
    failures: u64,
    reloads: u64,
}

/// A message in flight: client index, the client's page epoch, then the payload.
enum Msg {
    ToServer(usize, u32, Request),
    ToClient(usize, u32, u64, Reply),
}

struct Sim {
    rng: ChaCha8Rng,
    now: u64,
    server: ServerModel,
    clients: Vec<Client>,
    net: Vec<Msg>,
    oracle: Oracle,
    stats: Stats,
    ids: Vec<(Entity, Uuid)>,
    counter: u64,
    seed: u64,
}

impl Sim {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = rng.random_range(3..=4);
        let clients = (0..n)
            .map(|i| {
                let skew =
                    [0, 0, 30_000, 5 * 60_000, -5 * 60_000, 2 * 3_600_000][rng.random_range(0..6)];
                let config = SyncConfig {
                    max_batch: rng.random_range(1..=4),
                    pull_limit: rng.random_range(1..=4),
                    interval_ms: 10_000,
                    debounce_ms: 200,
                    request_timeout_ms: 5_000,
                    backoff_base_ms: 500,
                    backoff_max_ms: 8_000,
                    jitter_seed: seed ^ i as u64,
                };
                let mut engine = SyncEngine::new(
                    config.clone(),
                    Clock::new(0x100 + i as u64),
                    None,
                    Vec::new(),
                );
                engine.handle_online(T0, rng.random_bool(0.7));
                Client {
                    engine,
                    config,
                    epoch: 0,
                    skew,
                    node: 0x100 + i as u64,
                    store: Records::new(),
                }
            })
            .collect();
        let ids = vec![
            (Entity::Customer, Uuid::from_u128(1)),
            (Entity::Customer, Uuid::from_u128(2)),
            (Entity::Interaction, Uuid::from_u128(1)),
        ];
        Sim {
            rng,
            now: T0,
            server: ServerModel::new(),
            clients,
            net: Vec::new(),
            oracle: Oracle::default(),
            stats: Stats::default(),
            ids,
            counter: 0,
            seed,
        }
    }

    fn drain(&mut self, c: usize) {
        while let Some(event) = self.clients[c].engine.poll_event() {
            match event {
                Event::Apply { changes, .. } => {
                    for ch in changes {
                        let client = &mut self.clients[c];
                        let record = client.store.entry((ch.entity, ch.id)).or_default();
                        if let Some(lost) = record.apply_pulled(&ch, client.node) {
                            self.check_conflict(c, &lost, &ch);
                        }
                    }
                }
                Event::Restamped(restamps) => {
                    for r in restamps {
                        self.stats.restamps += 1;
                        let record = self.clients[c]
                            .store
                            .get_mut(&(r.change.entity, r.change.id))
                            .expect("edited record");
                        record.restamp(&r.change.field, r.old, r.change.hlc);
                        let w = self.oracle.by_seq[&(c, r.seq)];
                        self.oracle.writes[w].2.push(r.change.hlc);
                    }
                }
                Event::Rejected { change, code, .. } => {
                    panic!("client {c}: {change:?} rejected with {code}")
                }
                Event::Failed { .. } => self.stats.failures += 1,
                Event::OutboxRemoved(_) | Event::Progress { .. } | Event::Synced { .. } => {}
            }
        }
    }

    /// A logged loss must be a write this client made, beaten by a later-HLC write to
    /// the same field whose author had not seen it.
    fn check_conflict(&mut self, c: usize, local: &Change, winner: &Change) {
        assert!(
            winner.hlc > local.hlc,
            "a conflict loser must have the smaller HLC"
        );
        assert_eq!(
            local.hlc.node, self.clients[c].node,
            "only own writes are logged"
        );
        assert_ne!(winner.base, Some(local.hlc), "the winner's author saw it");
        let key = (local.entity, local.id, local.field.clone());
        assert!(
            self.oracle
                .writes
                .iter()
                .any(|(k, v, s)| *k == key && *v == local.value && s.contains(&local.hlc)),
            "client {c} logged a write nobody made: {local:?}"
        );
        self.stats.conflicts += 1;
    }

    fn edit(&mut self, c: usize) {
        let (entity, id) = self.ids[self.rng.random_range(0..self.ids.len())];
        self.counter += 1;
        let fields: Vec<(String, Value)> = match self.rng.random_range(0..10) {
            0 => vec![(DELETED.into(), json!(true))],
            1 => vec![(DELETED.into(), json!(false))],
            2 => vec![(FIELDS[0].into(), json!(null))],
            _ => {
                let first = self.rng.random_range(0..FIELDS.len());
                let mut f = vec![(
                    FIELDS[first].to_string(),
                    json!(format!("c{c}-{}", self.counter)),
                )];
                if self.rng.random_bool(0.3) {
                    f.push((
                        FIELDS[(first + 1) % FIELDS.len()].to_string(),
                        json!(format!("c{c}-{}b", self.counter)),
                    ));
                }
                f
            }
        };
        let local = self.clients[c].local(self.now);
        let versions = self.clients[c]
            .store
            .get(&(entity, id))
            .map(|r| r.versions.clone())
            .unwrap_or_default();
        let added = self.clients[c]
            .engine
            .handle_local_edit(local, entity, id, fields, &versions);
        for p in added {
            let ch = &p.change;
            let outcome = self.clients[c]
                .store
                .entry((ch.entity, ch.id))
                .or_default()
                .apply(ch);
            assert!(
                outcome.applied(),
                "client {c}: a local edit must win locally: {outcome:?} for {ch:?}"
            );
            self.oracle
                .by_seq
                .insert((c, p.seq), self.oracle.writes.len());
            self.oracle.writes.push((
                (ch.entity, ch.id, ch.field.clone()),
                ch.value.clone(),
                vec![ch.hlc],
            ));
        }
    }

    fn poll(&mut self, c: usize) {
        let local = self.clients[c].local(self.now);
        if let Some(req) = self.clients[c].engine.poll_request(local) {
            self.net.push(Msg::ToServer(c, self.clients[c].epoch, req));
        }
    }

    fn deliver(&mut self, msg: Msg, faults: bool) {
        match msg {
            Msg::ToServer(c, epoch, req) => {
                let reply = if faults && self.rng.random_bool(0.05) {
                    let code = if self.rng.random_bool(0.5) {
                        ErrorCode::Internal
                    } else {
                        ErrorCode::RateLimited
                    };
                    self.server.refuse(self.now, code, None)
                } else {
                    self.server.handle(self.now, &req)
                };
                self.net.push(Msg::ToClient(c, epoch, req.id(), reply));
            }
            Msg::ToClient(c, epoch, _, _) if epoch != self.clients[c].epoch => {}
            Msg::ToClient(c, _, id, reply) => {
                let local = self.clients[c].local(self.now);
                self.clients[c].engine.handle_response(local, id, reply);
                self.drain(c);
            }
        }
    }

    fn step(&mut self) {
        let c = self.rng.random_range(0..self.clients.len());
        match self.rng.random_range(0..100) {
            0..25 => self.edit(c),
            25..40 => {
                self.now += self.rng.random_range(0..4_000);
                for c in 0..self.clients.len() {
                    let local = self.clients[c].local(self.now);
                    self.clients[c].engine.handle_timeout(local);
                    self.drain(c);
                }
            }
            40..60 => self.poll(c),
            60..90 if self.net.is_empty() => self.poll(c),
            60..90 => {
                // Any queued message may go next: that is the reordering.
                let i = self.rng.random_range(0..self.net.len());
                let msg = self.net.swap_remove(i);
                let roll = self.rng.random_range(0..100);
                if roll < 10 {
                    self.stats.dropped += 1;
                } else if roll < 20 {
                    self.stats.duplicated += 1;
                    let copy = match &msg {
                        Msg::ToServer(c, e, r) => Msg::ToServer(*c, *e, r.clone()),
                        Msg::ToClient(c, e, id, r) => Msg::ToClient(*c, *e, *id, r.clone()),
                    };
                    self.net.push(copy);
                    self.deliver(msg, true);
                } else {
                    self.deliver(msg, true);
                }
            }
            94..96 => self.reload(c),
            90..96 => {
                let online = self.rng.random_bool(0.6);
                let local = self.clients[c].local(self.now);
                self.clients[c].engine.handle_online(local, online);
            }
            _ => {
                let local = self.clients[c].local(self.now);
                self.clients[c].engine.sync_now(local);
            }
        }
    }

    /// A page reload: the engine is rebuilt from what the driver persisted (clock,
    /// cursor, outbox); replies to the old page's requests never arrive.
    fn reload(&mut self, c: usize) {
        let client = &mut self.clients[c];
        let outbox: Vec<Pending> = client.engine.outbox().cloned().collect();
        let state = client.engine.state();
        client.engine = SyncEngine::resume(client.config.clone(), state, outbox);
        client.epoch += 1;
        self.stats.reloads += 1;
    }

    /// Heals the network and syncs every client until a whole round changes nothing.
    fn final_sync(&mut self) {
        while let Some(msg) = self.net.pop() {
            self.deliver(msg, false);
        }
        for round in 0.. {
            assert!(
                round < 20,
                "seed {}: no quiescence after {round} rounds",
                self.seed
            );
            self.now += 60_000;
            let seq_before = self.server.seq;
            if std::env::var("SIM_DEBUG").is_ok() {
                for c in &self.clients {
                    eprintln!(
                        "round {round}: {:?} outbox {:?}",
                        c.engine.status(),
                        c.engine
                            .outbox()
                            .map(|p| (p.seq, &p.change.field, p.change.hlc.to_string()))
                            .collect::<Vec<_>>()
                    );
                }
            }
            for c in 0..self.clients.len() {
                let local = self.clients[c].local(self.now);
                self.clients[c].engine.handle_timeout(local);
                self.clients[c].engine.handle_online(local, true);
                self.clients[c].engine.sync_now(local);
                for _ in 0..10_000 {
                    let local = self.clients[c].local(self.now);
                    let Some(req) = self.clients[c].engine.poll_request(local) else {
                        break;
                    };
                    let reply = self.server.handle(self.now, &req);
                    self.clients[c]
                        .engine
                        .handle_response(local, req.id(), reply);
                    self.drain(c);
                }
            }
            if self.server.seq == seq_before
                && self.clients.iter().all(|c| c.engine.pending_len() == 0)
            {
                break;
            }
        }
    }

    fn check(&self, seed: u64) {
        let truth = self.server.records();
        for (i, c) in self.clients.iter().enumerate() {
            assert_eq!(
                c.store, truth,
                "seed {seed}: client {i} differs from the server"
            );
            assert_eq!(
                c.engine.pending_len(),
                0,
                "seed {seed}: client {i} kept pending changes"
            );
        }
        for (key, value, stamps) in &self.oracle.writes {
            let last = *stamps.last().expect("stamped");
            let (won_value, won_hlc, _) = self
                .server
                .rows
                .get(key)
                .unwrap_or_else(|| panic!("seed {seed}: write to {key:?} lost"));
            assert!(
                *won_hlc > last || (*won_hlc == last && won_value == value),
                "seed {seed}: write {value} @ {last} to {key:?} lost to {won_value} @ {won_hlc}"
            );
        }
        for (key, (value, hlc, _)) in &self.server.rows {
            let issued = self
                .oracle
                .writes
                .iter()
                .any(|(k, v, s)| k == key && v == value && s.contains(hlc));
            assert!(
                issued,
                "seed {seed}: the server holds {value} @ {hlc} for {key:?}, which nobody wrote"
            );
        }
    }
}

fn run(seed: u64) -> Stats {
    let mut sim = Sim::new(seed);
    let steps = sim.rng.random_range(10..80);
    for _ in 0..steps {
        sim.step();
    }
    sim.final_sync();
    sim.check(seed);
    sim.stats
}

fn schedules() -> u64 {
    std::env::var("SIM_SCHEDULES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000)
}

/// Runs one quarter of the seeds (four tests share the 10,000 schedules so that the
/// test harness spreads them over the cores).
fn run_quarter(quarter: u64) {
    if let Some(seed) = std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()) {
        if quarter == 0 {
            run(seed);
        }
        return;
    }
    let n = schedules();
    let mut total = Stats::default();
    for seed in (0..n).filter(|s| s % 4 == quarter) {
        let s = run(seed);
        total.conflicts += s.conflicts;
        total.restamps += s.restamps;
        total.dropped += s.dropped;
        total.duplicated += s.duplicated;
        total.failures += s.failures;
        total.reloads += s.reloads;
    }
    eprintln!(
        "sim quarter {quarter}: {} schedules, {total:?}",
        n.div_ceil(4)
    );
    if n >= 400 {
        // The schedules must actually exercise the hard paths.
        assert!(
            total.conflicts > 0
                && total.restamps > 0
                && total.dropped > 0
                && total.duplicated > 0
                && total.failures > 0
                && total.reloads > 0,
            "{total:?}"
        );
    }
}

#[test]
fn converges_seeds_0_mod_4() {
    run_quarter(0);
}

#[test]
fn converges_seeds_1_mod_4() {
    run_quarter(1);
}

#[test]
fn converges_seeds_2_mod_4() {
    run_quarter(2);
}

#[test]
fn converges_seeds_3_mod_4() {
    run_quarter(3);
}
