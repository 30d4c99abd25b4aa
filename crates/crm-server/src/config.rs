//! Runtime settings that are not on the command line (which SYNC.md's scripts fix):
//! defaults from the contract, overridable by environment variables for operators and
//! directly by tests.

use std::{path::PathBuf, time::Duration};

/// Server settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Largest lead of a change's wall time over the server clock (`CRM_MAX_DRIFT_MS`,
    /// default 60 s) before the push is refused with `clock_skew`.
    pub max_drift: Duration,
    /// Failed logins per e-mail address within `login_window` before `rate_limited`
    /// (`CRM_LOGIN_ATTEMPTS`, default 10).
    pub login_attempts: u32,
    /// Window of the login limiter (`CRM_LOGIN_WINDOW_MS`, default 60 s).
    pub login_window: Duration,
    /// The built app to serve for every non-API path (`--dist`).
    pub dist: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_drift: Duration::from_secs(60),
            login_attempts: 10,
            login_window: Duration::from_secs(60),
            dist: None,
        }
    }
}

impl Config {
    /// Defaults overridden by `CRM_*` environment variables.
    pub fn from_env(dist: Option<PathBuf>) -> Self {
        let env_u64 = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        let d = Config::default();
        Config {
            max_drift: env_u64("CRM_MAX_DRIFT_MS").map_or(d.max_drift, Duration::from_millis),
            login_attempts: env_u64("CRM_LOGIN_ATTEMPTS").map_or(d.login_attempts, |v| v as u32),
            login_window: env_u64("CRM_LOGIN_WINDOW_MS")
                .map_or(d.login_window, Duration::from_millis),
            dist,
        }
    }
}
