//! Storage: one SQLite file in WAL mode with `synchronous=FULL`, so a push answered 200
//! has been fsynced and survives SIGKILL or power loss. One writer connection behind a
//! mutex (SQLite has one writer anyway; it also makes the sequence numbers follow
//! commit order) and a small pool of reader connections for pulls and token checks.
//! Every call is blocking: the HTTP layer runs them on tokio's blocking pool.

mod changes;
mod schema;
mod users;
mod visibility;

use std::{
    path::{Path, PathBuf},
    sync::Mutex,
};

use rusqlite::{Connection, OpenFlags};

pub use changes::{PullPage, PushOutcome};
pub use users::{AuthedUser, Credentials};
pub use visibility::Visible;

/// Most idle reader connections kept open.
const READERS_KEPT: usize = 8;

/// How much of the file SQLite may memory-map (address space, not memory).
const MMAP_BYTES: i64 = 1 << 32;

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite failed (disk, corruption, busy beyond the timeout…).
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A change of the batch targets a record of another organisation.
    #[error("change {index} targets a record of another organisation")]
    Forbidden {
        /// Position in the batch.
        index: usize,
    },
    /// The request makes no sense for the stored data (e.g. e-mail in another org).
    #[error("{0}")]
    Conflict(String),
    /// Hashing a password failed.
    #[error("password hashing: {0}")]
    Hash(String),
}

/// The writer connection and the last sequence number handed out.
struct Writer {
    conn: Connection,
    seq: u64,
}

/// Handle to the database file.
pub struct Db {
    path: PathBuf,
    writer: Mutex<Writer>,
    readers: Mutex<Vec<Connection>>,
}

impl Db {
    /// Opens (creating and migrating if needed) the database file.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        let mut conn = connect(path)?;
        schema::migrate(&mut conn)?;
        // The largest of each organisation's last sequence number: one seek per
        // organisation in a table kept in (org_id, seq) order, not a scan.
        let seq: i64 = conn.query_row(
            "SELECT COALESCE(MAX((SELECT MAX(seq) FROM fields WHERE org_id = orgs.id)), 0) FROM orgs",
            [],
            |r| r.get(0),
        )?;
        Ok(Db {
            path: path.to_owned(),
            writer: Mutex::new(Writer {
                conn,
                seq: seq as u64,
            }),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the writer connection and the sequence counter.
    fn write<T>(
        &self,
        f: impl FnOnce(&mut Connection, &mut u64) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let Writer { conn, seq } = &mut *w;
        f(conn, seq)
    }

    /// Runs `f` with a reader connection from the pool (opening one if none is idle).
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, DbError>) -> Result<T, DbError> {
        let pooled = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => connect(&self.path)?,
        };
        let result = f(&conn);
        let mut pool = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < READERS_KEPT {
            pool.push(conn);
        }
        result
    }
}

fn connect(path: &Path) -> Result<Connection, DbError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: every commit fsyncs the WAL, so an answered push is on disk.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Pulls read the file by memory map instead of copying each page out of the OS page
    // cache (a first sync of a large account reads hundreds of MB).
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    Ok(conn)
}
