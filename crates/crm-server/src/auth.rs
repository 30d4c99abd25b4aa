//! Credentials and tokens: argon2id password hashes, random bearer tokens stored only as
//! SHA-256, and a per-address limiter of failed logins against password guessing.

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

use argon2::{
    password_hash::{phc::PasswordHash, PasswordHasher, PasswordVerifier},
    Argon2,
};
use sha2::{Digest, Sha256};

use crate::db::DbError;

/// Hashes a password with argon2id (default parameters, random salt) to a PHC string.
pub fn hash_password(password: &str) -> Result<String, DbError> {
    let hash: PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| DbError::Hash(e.to_string()))?;
    Ok(hash.to_string())
}

/// Checks a password against a stored PHC string (false for a malformed hash).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// Spends the same time as a real check, so unknown addresses cannot be told apart
/// from wrong passwords by timing.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash_password("not a real password").unwrap_or_default());
    verify_password(password, phc);
}

/// A new bearer token: 32 random bytes as 64 hex digits.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What the database stores of a token.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Counts failed logins per address in a fixed window.
#[derive(Debug)]
pub struct LoginLimiter {
    attempts: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (Instant, u32)>>,
}

impl LoginLimiter {
    /// At most `attempts` failures per address per `window`.
    pub fn new(attempts: u32, window: Duration) -> Self {
        LoginLimiter {
            attempts,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn key(email: &str) -> String {
        email.trim().to_lowercase()
    }

    /// True when the address used up its failures for the current window.
    pub fn is_blocked(&self, email: &str, now: Instant) -> bool {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&Self::key(email)).is_some_and(|(start, n)| {
            now.duration_since(*start) < self.window && *n >= self.attempts
        })
    }

    /// Records a failed login.
    pub fn failed(&self, email: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = map.entry(Self::key(email)).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }

    /// A successful login clears the address's failures.
    pub fn succeeded(&self, email: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&Self::key(email));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn limiter_blocks_after_the_allowed_failures_until_the_window_ends() {
        let l = LoginLimiter::new(2, Duration::from_secs(60));
        let t = Instant::now();
        l.failed("A@x", t);
        assert!(!l.is_blocked("a@x", t));
        l.failed("a@x ", t);
        assert!(l.is_blocked("a@x", t));
        assert!(!l.is_blocked("a@x", t + Duration::from_secs(61)));
        l.succeeded("a@x");
        assert!(!l.is_blocked("a@x", t));
    }
}
