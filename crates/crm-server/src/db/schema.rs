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
    r#"
-- Fields stored in pull order: a pull reads a range of (org_id, seq) and finds every
-- column there, where the table keyed by (entity, id, field) made it look each row up
-- again through the sequence index (about a quarter of the server's work in a first
-- sync of a large account). Pushes find a field through the unique index instead.
CREATE TABLE fields_in_order (
    org_id INTEGER NOT NULL,
    seq    INTEGER NOT NULL,
    entity TEXT NOT NULL,
    id     TEXT NOT NULL,
    field  TEXT NOT NULL,
    value  TEXT NOT NULL,
    hlc    TEXT NOT NULL,
    base   TEXT,
    PRIMARY KEY (org_id, seq)
) WITHOUT ROWID;
INSERT INTO fields_in_order (org_id, seq, entity, id, field, value, hlc, base)
    SELECT org_id, seq, entity, id, field, value, hlc, base FROM fields ORDER BY org_id, seq;
DROP TABLE fields;
ALTER TABLE fields_in_order RENAME TO fields;
CREATE UNIQUE INDEX fields_by_key ON fields (entity, id, field);
"#,
];

/// Brings the schema up to date. Upgrading an existing file is logged step by step: a
/// step that rewrites a table keeps a large file's server from answering for a while
/// (moving 6.9 million fields into pull order took 39 s).
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let upgrading = version > 0 && (version as usize) < MIGRATIONS.len();
    if upgrading {
        tracing::info!(
            from = version,
            to = MIGRATIONS.len(),
            "upgrading the database schema"
        );
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let started = std::time::Instant::now();
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        if upgrading {
            let ms = started.elapsed().as_millis() as u64;
            tracing::info!(version = i + 1, ms, "database schema step done");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file migrated before fields were kept in pull order keeps every field with its
    /// columns; afterwards the table is in (org_id, seq) order, a pull reads it by its
    /// primary key, and a field is still unique per record.
    #[test]
    fn fields_move_into_pull_order_with_their_data() {
        let mut conn = Connection::open_in_memory().unwrap();
        let before = MIGRATIONS.len() - 1;
        for sql in &MIGRATIONS[..before] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", before as i64)
            .unwrap();
        conn.execute_batch(
            r#"
            INSERT INTO orgs (id, name) VALUES (1, 'a'), (2, 'b');
            INSERT INTO records (entity, id, org_id, scope) VALUES
                ('customer', 'c1', 1, 'c1'), ('customer', 'c2', 2, 'c2');
            INSERT INTO fields (entity, id, field, org_id, value, hlc, seq, base) VALUES
                ('customer', 'c1', 'name', 1, '"A"', 'h1', 3, NULL),
                ('customer', 'c1', 'phone', 1, '"1"', 'h2', 1, 'h0'),
                ('customer', 'c2', 'name', 2, '"B"', 'h3', 2, NULL);
            "#,
        )
        .unwrap();
        migrate(&mut conn).unwrap();

        let rows: Vec<(i64, i64, String, String, String, Option<String>)> = conn
            .prepare("SELECT org_id, seq, id, field, value, base FROM fields")
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let row = |org, seq, id: &str, field: &str, value: &str, base: Option<&str>| {
            (
                org,
                seq,
                id.into(),
                field.into(),
                value.into(),
                base.map(Into::into),
            )
        };
        assert_eq!(
            rows,
            vec![
                row(1, 1, "c1", "phone", r#""1""#, Some("h0")),
                row(1, 3, "c1", "name", r#""A""#, None),
                row(2, 2, "c2", "name", r#""B""#, None),
            ]
        );
        let plan: String = conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT entity, id, field, value, hlc, seq, base FROM fields WHERE org_id = 1 AND seq > 0 ORDER BY seq LIMIT 10",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("PRIMARY KEY"), "{plan}");
        let twice = conn.execute(
            "INSERT INTO fields (org_id, seq, entity, id, field, value, hlc) VALUES (1, 9, 'customer', 'c1', 'name', '\"C\"', 'h9')",
            [],
        );
        assert!(twice.is_err(), "a second value for one field");
    }
}
