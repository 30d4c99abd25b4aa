//! Who sees which records (seed 002): a sales rep their own customers, a manager their
//! team's, an admin (or a manager without a team) the whole organisation. Customers
//! nobody owns are the organisation's shared pool (公海) and visible to everyone in it.
//!
//! A customer's `owner` field names its rep by user name or e-mail (case-insensitive).
//! A record with a `customer_id` field (interaction, deal, ticket, reminder) follows
//! that customer; everything else (campaigns, segments, settings) is organisation-wide.
//! `records.scope` (the customer a record follows) and `records.owner` (a customer's
//! owner) are kept current on every winning change, so a pull filters with two key
//! lookups per row. When a record changes audience (a customer handed to another rep,
//! an interaction moved to another customer) its fields get new sequence numbers, so
//! whoever may now see it pulls it on their next sync.

use crm_core::wire::Role;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::Value;

use super::{AuthedUser, DbError};

/// The owners whose customers a user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visible {
    /// Every record of the organisation.
    All,
    /// Customers owned by one of these (lower-case names and e-mails), the shared
    /// pool, and organisation-wide records.
    Owners(Vec<String>),
}

/// What a user's role and team let them see, given their team's members
/// (`(name, email)`, the user included).
pub fn visible_for(role: Role, team: Option<&str>, members: &[(String, String)]) -> Visible {
    match (role, team) {
        (Role::Admin, _) | (Role::Manager, None) => Visible::All,
        _ => {
            let mut owners: Vec<String> = members
                .iter()
                .flat_map(|(name, email)| [name, email])
                .map(|s| normalise(s))
                .filter(|s| !s.is_empty())
                .collect();
            owners.sort();
            owners.dedup();
            Visible::Owners(owners)
        }
    }
}

/// How owners are compared.
fn normalise(owner: &str) -> String {
    owner.trim().to_lowercase()
}

impl super::Db {
    /// What `user` may see.
    pub fn visible(&self, user: &AuthedUser) -> Result<Visible, DbError> {
        self.read(|conn| visible_of(conn, user))
    }
}

fn visible_of(conn: &Connection, user: &AuthedUser) -> Result<Visible, DbError> {
    let mut members: Vec<(String, String)> = Vec::new();
    let team = user.team.as_deref().filter(|t| !t.trim().is_empty());
    if user.role == Role::Manager {
        if let Some(team) = team {
            let mut q = conn
                .prepare_cached("SELECT name, email FROM users WHERE org_id = ?1 AND team = ?2")?;
            members = q
                .query_map(params![user.org_id, team], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
        }
    }
    let me: Option<(String, String)> = conn
        .query_row(
            "SELECT name, email FROM users WHERE id = ?1",
            [user.user_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    members.extend(me);
    Ok(visible_for(user.role, team, &members))
}

/// After `field` of a record won: keeps its scope / owner current and gives records
/// that changed audience new sequence numbers (continuing from `next`).
pub(super) fn after_win(
    tx: &Transaction,
    entity: &str,
    id: &str,
    field: &str,
    value: &Value,
    next: &mut u64,
) -> rusqlite::Result<()> {
    let text = value.as_str().map(str::to_string);
    if entity == "customer" && field == "owner" {
        let owner = text.map(|o| normalise(&o));
        let old: Option<Option<String>> = tx
            .query_row(
                "SELECT owner FROM records WHERE entity = 'customer' AND id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        tx.execute(
            "UPDATE records SET owner = ?2 WHERE entity = 'customer' AND id = ?1",
            params![id, owner],
        )?;
        if let Some(Some(old)) = old {
            if Some(&old) != owner.as_ref() {
                resequence(tx, "SELECT f.entity, f.id, f.field FROM fields f JOIN records r ON r.entity = f.entity AND r.id = f.id WHERE r.scope = ?1 ORDER BY f.seq", [id], next)?;
            }
        }
    } else if entity != "customer" && field == "customer_id" {
        let old: Option<Option<String>> = tx
            .query_row(
                "SELECT scope FROM records WHERE entity = ?1 AND id = ?2",
                [entity, id],
                |r| r.get(0),
            )
            .optional()?;
        tx.execute(
            "UPDATE records SET scope = ?3 WHERE entity = ?1 AND id = ?2",
            params![entity, id, text],
        )?;
        if let Some(Some(old)) = old {
            if Some(&old) != text.as_ref() {
                if entity == "interaction" {
                    let mut home = tx.prepare_cached(
                        "INSERT OR IGNORE INTO record_homes (entity, id, scope) VALUES (?1, ?2, ?3)",
                    )?;
                    for scope in [Some(&old), text.as_ref()].into_iter().flatten() {
                        home.execute(params![entity, id, scope])?;
                    }
                }
                resequence(tx, "SELECT entity, id, field FROM fields WHERE entity = ?1 AND id = ?2 ORDER BY seq", [entity, id], next)?;
            }
        }
    }
    Ok(())
}

/// Gives every field row the query selects the next sequence numbers, in order.
fn resequence<P: rusqlite::Params>(
    tx: &Transaction,
    select: &str,
    params: P,
    next: &mut u64,
) -> rusqlite::Result<()> {
    let rows: Vec<(String, String, String)> = tx
        .prepare_cached(select)?
        .query_map(params, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = tx.prepare_cached(
        "UPDATE fields SET seq = ?4 WHERE entity = ?1 AND id = ?2 AND field = ?3",
    )?;
    for (entity, id, field) in rows {
        *next += 1;
        update.execute(params![entity, id, field, *next as i64])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members() -> Vec<(String, String)> {
        vec![
            ("Li".into(), "li@example.com".into()),
            ("wang".into(), "Wang@Example.com".into()),
        ]
    }

    #[test]
    fn admins_and_teamless_managers_see_everything() {
        assert_eq!(
            visible_for(Role::Admin, Some("East"), &members()),
            Visible::All
        );
        assert_eq!(visible_for(Role::Manager, None, &members()), Visible::All);
    }

    #[test]
    fn reps_and_team_managers_see_the_owners_named_by_name_or_email() {
        let mine = vec![("Li".to_string(), "li@example.com".to_string())];
        assert_eq!(
            visible_for(Role::Rep, Some("East"), &mine),
            Visible::Owners(vec!["li".into(), "li@example.com".into()])
        );
        assert_eq!(
            visible_for(Role::Manager, Some("East"), &members()),
            Visible::Owners(vec![
                "li".into(),
                "li@example.com".into(),
                "wang".into(),
                "wang@example.com".into()
            ])
        );
    }
}
