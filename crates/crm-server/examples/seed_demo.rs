//! Seeds a server database with a demo data set (BENCH.md's S / M / L from
//! `crm_core::demo`) as the field changes a client of that user would have pushed, so
//! `scripts/bench-pull.mjs` can measure a new device's first pull (`pull_s|m|l`).
//!
//! The user must exist first (`crm-server user add …`); the data goes into that user's
//! organisation. Writes go through the server's own `Db::push` (the LWW merge of a
//! real push), in large transactions, while another thread generates the next chunk.
//!
//! ```text
//! cargo run --release -p crm-server --example seed_demo -- \
//!     --db bench.sqlite --email rep@example.com --size M
//! ```
//!
//! Prints `BENCH seed_<size> <s> s` and `BENCH seed_<size>_changes <n> count`.

use std::{
    path::PathBuf,
    process::ExitCode,
    sync::mpsc,
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use chrono::DateTime;
use clap::Parser;
use crm_core::{
    change::{field_diff, Change, Entity},
    demo::{Demo, Size, DEMO_SEED},
    wire::{validate_typed, ValidChange},
    Clock,
};
use crm_server::{auth, db::Db};

/// Customers per transaction (≈ 80,000 field changes with their interactions).
const CUSTOMERS_PER_TX: usize = 1_000;

/// Node id of the seeding "device" in every HLC it issues.
const SEED_NODE: u64 = 0x5eed_de00_0000_0001;

/// Command line of the seeder.
#[derive(Debug, Parser)]
#[command(about = "Seed a crm-server database with a demo data set (S, M or L)")]
struct Args {
    /// SQLite database file of the server (the user must already exist in it).
    #[arg(long)]
    db: PathBuf,
    /// E-mail of the user whose organisation receives the data.
    #[arg(long)]
    email: String,
    /// Data set: S, M or L.
    #[arg(long, value_parser = parse_size)]
    size: Size,
    /// Generator seed (the app's one-click demo uses the same default).
    #[arg(long, default_value_t = DEMO_SEED)]
    seed: u64,
}

fn parse_size(s: &str) -> Result<Size, String> {
    Size::parse(s).ok_or_else(|| format!("{s:?} is not S, M or L"))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seed_demo: {e}");
            ExitCode::FAILURE
        }
    }
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The organisation and name of a user, found the way a signed-in request finds them:
/// through a (throw-away) bearer token.
fn org_of(db: &Db, email: &str) -> Result<(i64, String), Error> {
    let creds = db
        .credentials(email)?
        .ok_or_else(|| format!("no user {email}; add it first with `crm-server user add`"))?;
    let hash = auth::token_hash(&auth::new_token().map_err(|e| e.to_string())?);
    db.store_token(creds.user_id, &hash, now_ms())?;
    let user = db
        .user_by_token(&hash)?
        .ok_or("token just stored is missing")?;
    Ok((user.org_id, creds.user.name))
}

/// The changes that create `record` of `entity` (its non-empty fields), stamped now
/// with one HLC, as the app stamps every field of one edit (`SyncEngine::handle_local_edit`).
fn creation(
    clock: &mut Clock,
    entity: Entity,
    id: uuid::Uuid,
    fields: Vec<(String, serde_json::Value)>,
    out: &mut Vec<ValidChange>,
) -> Result<(), Error> {
    let hlc = clock.tick(now_ms());
    for (field, value) in fields {
        let change = Change {
            entity,
            id,
            field,
            value,
            hlc,
            base: None,
        };
        out.push(validate_typed(out.len(), change).map_err(|e| e.reason)?);
    }
    Ok(())
}

fn run(args: Args) -> Result<(), Error> {
    let db = Db::open(&args.db)?;
    // The user owns every seeded customer, so a rep sees the whole set (seed 002).
    let (org, owner) = org_of(&db, &args.email)?;
    let today = DateTime::from_timestamp_millis(now_ms() as i64)
        .ok_or("clock out of range")?
        .date_naive();
    let demo = Demo::new(args.size, args.seed, today);
    let total = demo.len();
    let name = format!("{:?}", args.size).to_lowercase();
    let start = Instant::now();

    // Generation (serde-heavy) on its own thread, two chunks ahead of the writer.
    let (tx, rx) = mpsc::sync_channel::<Result<Vec<ValidChange>, Error>>(2);
    let generator = std::thread::spawn(move || {
        let mut clock = Clock::new(SEED_NODE);
        for first in (0..total).step_by(CUSTOMERS_PER_TX) {
            let mut batch = Vec::new();
            let result = demo
                .range(first..first + CUSTOMERS_PER_TX)
                .try_for_each(|dc| {
                    let mut c = dc.customer.clone();
                    c.owner = owner.clone();
                    let c = &c;
                    creation(
                        &mut clock,
                        Entity::Customer,
                        c.id,
                        field_diff(None, c),
                        &mut batch,
                    )?;
                    dc.interactions.iter().try_for_each(|i| {
                        creation(
                            &mut clock,
                            Entity::Interaction,
                            i.id,
                            field_diff(None, i),
                            &mut batch,
                        )
                    })
                })
                .map(|()| batch);
            if tx.send(result).is_err() {
                return;
            }
        }
    });

    let (mut changes, mut customers) = (0u64, 0usize);
    for batch in rx {
        let batch = batch?;
        let outcome = db.push(org, &batch)?;
        if outcome.applied != batch.len() as u64 {
            return Err(format!(
                "{} of {} changes applied: is the database already seeded?",
                outcome.applied,
                batch.len()
            )
            .into());
        }
        changes += outcome.applied;
        customers = (customers + CUSTOMERS_PER_TX).min(total);
        eprintln!(
            "seed_demo: {customers}/{total} customers, {changes} changes, {:.1} s",
            start.elapsed().as_secs_f64()
        );
    }
    generator.join().map_err(|_| "generator thread panicked")?;
    let secs = start.elapsed().as_secs_f64();
    println!("BENCH seed_{name} {secs:.1} s");
    println!("BENCH seed_{name}_changes {changes} count");
    Ok(())
}
