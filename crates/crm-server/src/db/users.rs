//! Organisations, users and bearer tokens. Passwords are stored as argon2 hashes and
//! tokens only as their SHA-256, so a copy of the file grants no access.

use crm_core::wire::{Role, UserInfo};
use rusqlite::{params, OptionalExtension};

use super::{Db, DbError};
use crate::auth;

/// What login needs to check a password and answer.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Row id of the user.
    pub user_id: i64,
    /// The argon2 PHC string.
    pub password_hash: String,
    /// The answer's `user` object.
    pub user: UserInfo,
}

/// The caller behind a bearer token: everything handlers scope queries by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthedUser {
    /// Row id of the user.
    pub user_id: i64,
    /// The user's organisation: every synced row is scoped by it.
    pub org_id: i64,
    /// Visibility role (org-level visibility for now, see the crate docs).
    pub role: Role,
    /// Team, for managers.
    pub team: Option<String>,
}

impl Db {
    /// Adds a user, creating the organisation if new; an existing user of the same
    /// organisation gets the new password, role and team.
    pub fn add_user(
        &self,
        org: &str,
        email: &str,
        password: &str,
        role: Role,
        team: Option<&str>,
    ) -> Result<UserInfo, DbError> {
        let email = email.trim();
        let hash = auth::hash_password(password)?;
        let name = email.split('@').next().unwrap_or(email).to_string();
        self.write(|conn, _| {
            let tx = conn.transaction()?;
            tx.execute("INSERT INTO orgs (name) VALUES (?1) ON CONFLICT (name) DO NOTHING", [org])?;
            let org_id: i64 = tx.query_row("SELECT id FROM orgs WHERE name = ?1", [org], |r| r.get(0))?;
            let existing: Option<(i64, i64)> =
                tx.query_row("SELECT id, org_id FROM users WHERE email = ?1", [email], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            let user_id = match existing {
                Some((_, other)) if other != org_id => {
                    return Err(DbError::Conflict(format!("{email} already belongs to another organisation")));
                }
                Some((id, _)) => {
                    tx.execute("UPDATE users SET password_hash = ?2, role = ?3, team = ?4 WHERE id = ?1", params![id, hash, role.as_str(), team])?;
                    id
                }
                None => {
                    tx.execute(
                        "INSERT INTO users (org_id, email, name, password_hash, role, team) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![org_id, email, name, hash, role.as_str(), team],
                    )?;
                    tx.last_insert_rowid()
                }
            };
            tx.commit()?;
            Ok(UserInfo { id: user_id.to_string(), name, role, org: org.to_string() })
        })
    }

    /// The stored credentials of an e-mail address (case-insensitive).
    pub fn credentials(&self, email: &str) -> Result<Option<Credentials>, DbError> {
        self.read(|conn| {
            let row = conn
                .prepare_cached(
                    "SELECT u.id, u.password_hash, u.name, u.role, o.name FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.email = ?1",
                )?
                .query_row([email.trim()], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?))
                })
                .optional()?;
            Ok(row.map(|(user_id, password_hash, name, role, org)| Credentials {
                user_id,
                password_hash,
                user: UserInfo { id: user_id.to_string(), name, role: Role::parse(&role).unwrap_or(Role::Rep), org },
            }))
        })
    }

    /// Remembers a new token (by its hash) for a user.
    pub fn store_token(&self, user_id: i64, token_hash: &[u8], now_ms: u64) -> Result<(), DbError> {
        self.write(|conn, _| {
            conn.prepare_cached(
                "INSERT INTO tokens (hash, user_id, created_ms) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![token_hash, user_id, now_ms as i64])?;
            Ok(())
        })
    }

    /// The user a token (by its hash) belongs to.
    pub fn user_by_token(&self, token_hash: &[u8]) -> Result<Option<AuthedUser>, DbError> {
        self.read(|conn| {
            let row = conn
                .prepare_cached("SELECT u.id, u.org_id, u.role, u.team FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?1")?
                .query_row([token_hash], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
                })
                .optional()?;
            Ok(row.map(|(user_id, org_id, role, team)| AuthedUser { user_id, org_id, role: Role::parse(&role).unwrap_or(Role::Rep), team }))
        })
    }
}
