//! Tables and their migrations, versioned with `PRAGMA user_version`.
//!
//! Every synced row carries its organisation: `records` says which organisation owns
//! each record (a record id is never shared across organisations), `fields` holds the
//! current LWW winner of each field with the sequence number assigned when the winner
//! last changed (the pull cursor) and the `base` its author had seen. `records.scope` / `records.owner`
//! serve visibility.

use rusqlite::Connection;

/// Migrations in order; `user_version` = how many have run.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE orgs (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
    team          TEXT
);
CREATE TABLE tokens (
    hash       BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE records (
    entity TEXT NOT NULL,
    id     TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    PRIMARY KEY (entity, id)
) WITHOUT ROWID;
CREATE TABLE fields (
    entity TEXT NOT NULL,
    id     TEXT NOT NULL,
    field  TEXT NOT NULL,
    org_id INTEGER NOT NULL,
    value  TEXT NOT NULL,
    hlc    TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (entity, id, field)
) WITHOUT ROWID;
CREATE UNIQUE INDEX fields_by_org_seq ON fields (org_id, seq);
"#,
    r#"
-- Visibility (seed 002, see db::visibility): the customer a record follows and a
-- customer's owner, filled from the stored fields.
ALTER TABLE records ADD COLUMN scope TEXT;
ALTER TABLE records ADD COLUMN owner TEXT;
UPDATE records SET scope = id WHERE entity = 'customer';
UPDATE records SET scope = (
    SELECT json_extract(f.value, '$') FROM fields f
    WHERE f.entity = records.entity AND f.id = records.id AND f.field = 'customer_id'
) WHERE entity <> 'customer';
UPDATE records SET owner = (
    SELECT lower(trim(json_extract(f.value, '$'))) FROM fields f
    WHERE f.entity = 'customer' AND f.id = records.id AND f.field = 'owner'
) WHERE entity = 'customer';
CREATE INDEX records_by_scope ON records (scope);
"#,
    r#"
-- The version each winner's author held when editing (`Change::base`), served with it
-- so replicas can tell a concurrent overwrite of their value from a later edit.
ALTER TABLE fields ADD COLUMN base TEXT;
"#,
    r#"
-- Every customer an interaction has been filed under, kept once it is re-pointed (a
-- merge of duplicates): served as a pull page's `homes`, so a device finds the stored
-- interaction in the old customer's blocks without an index by interaction id.
CREATE TABLE record_homes (
    entity TEXT NOT NULL,
    id     TEXT NOT NULL,
    scope  TEXT NOT NULL,
    PRIMARY KEY (entity, id, scope)
) WITHOUT ROWID;
"#,
];

/// Brings the schema up to date.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
