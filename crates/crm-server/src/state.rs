//! What every handler shares: the database, the settings, the server's hybrid logical
//! clock and the login limiter.

use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::{SystemTime, UNIX_EPOCH},
};

use crm_core::{Clock, Hlc};

use crate::{
    auth::LoginLimiter,
    config::Config,
    db::{Db, DbError},
    error::AppError,
};

/// Shared server state (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Arc<Db>,
    /// Settings.
    pub config: Arc<Config>,
    /// Failed-login counter.
    pub limiter: Arc<LoginLimiter>,
    clock: Arc<Mutex<Clock>>,
}

impl AppState {
    /// State over an opened database; the clock gets a random node id.
    pub fn new(db: Db, config: Config) -> Self {
        let mut node = [0u8; 8];
        // A fixed node only weakens tie-breaking between servers; never fatal.
        let _ = getrandom::fill(&mut node);
        AppState {
            db: Arc::new(db),
            limiter: Arc::new(LoginLimiter::new(
                config.login_attempts,
                config.login_window,
            )),
            config: Arc::new(config),
            clock: Arc::new(Mutex::new(Clock::new(u64::from_le_bytes(node)))),
        }
    }

    /// Opens the database file and builds the state.
    pub fn open(path: &Path, config: Config) -> Result<Self, DbError> {
        Ok(Self::new(Db::open(path)?, config))
    }

    /// The `server_hlc` of an answer. The server clock only ticks on its own physical
    /// time (it does not take in clients' HLCs), so clients can estimate their offset
    /// from it; see the report on SYNC.md.
    pub fn server_hlc(&self) -> Hlc {
        self.clock
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .tick(now_ms())
    }

    /// Runs blocking database work on tokio's blocking pool.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> Result<T, DbError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::from)
    }
}

/// Wall-clock milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
