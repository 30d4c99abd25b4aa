//! The unit of sync: one field of one record set to one value at one HLC (SYNC.md),
//! and the diff that turns a local edit into those changes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::hlc::Hlc;

/// Record types that sync. Extensible: new entities are added here and in SYNC.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Customer,
    Interaction,
    Segment,
    Deal,
    Ticket,
    Campaign,
    /// Done / snoozed state of a care reminder (id derived from the reminder's key).
    Reminder,
    /// Organisation-wide settings (loyalty rate and tiers, discount approval limit).
    Setting,
}

/// One field-level change as it travels on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub entity: Entity,
    pub id: Uuid,
    pub field: String,
    pub value: Value,
    pub hlc: Hlc,
    /// The version of this field the writer's replica held when the edit was made (absent
    /// when it held none). An extra field SYNC.md allows: a replica whose own write is
    /// replaced by a change with another base learns the writer never saw that write, so
    /// the edits were concurrent and its value goes to the conflict log (`merge::lost_write`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Hlc>,
}

/// The tombstone field: `true` deletes, `false` restores.
pub const DELETED: &str = "_deleted";

/// SYNC.md's field-name rule: `[a-z_][a-z0-9_]{0,63}`.
pub fn is_valid_field_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && (b[0].is_ascii_lowercase() || b[0] == b'_')
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn fields_of<T: Serialize>(record: &T) -> Map<String, Value> {
    match serde_json::to_value(record) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The field changes from `old` to `new` (both records of one entity, `id` excluded).
/// With no `old` (a new record) every non-empty field is a change, so a new record is
/// simply its fields' changes.
pub fn field_diff<T: Serialize>(old: Option<&T>, new: &T) -> Vec<(String, Value)> {
    let new = fields_of(new);
    let old = old.map(fields_of);
    new.into_iter()
        .filter(|(field, _)| field != "id")
        .filter(|(field, value)| match &old {
            Some(old) => old.get(field) != Some(value),
            None => !is_empty_value(value),
        })
        .collect()
}

/// The field changes from a stored field map to a record's new fields, where the stored
/// map holds only fields that were ever written (a new record writes only its non-empty
/// fields): a field absent from `stored` counts as empty, so an unchanged empty field is
/// not a change.
pub fn map_diff<T: Serialize>(stored: &Map<String, Value>, new: &T) -> Vec<(String, Value)> {
    fields_of(new)
        .into_iter()
        .filter(|(field, _)| field != "id")
        .filter(|(field, value)| match stored.get(field) {
            Some(old) => !same_value(old, value),
            None => !is_empty_value(value),
        })
        .collect()
}

/// The changes of an edit that began from `opened`: the fields where `edited` differs
/// from `opened` (what the user changed), minus those already holding that value in
/// `stored`. A field the user left alone is not written even if `stored` has moved on
/// since (a pulled edit), so saving a screen's older copy does not undo it.
pub fn edited_fields<T: Serialize>(
    stored: &Map<String, Value>,
    opened: &T,
    edited: &T,
) -> Vec<(String, Value)> {
    let opened = fields_of(opened);
    fields_of(edited)
        .into_iter()
        .filter(|(field, _)| field != "id")
        .filter(|(field, value)| !opened.get(field).is_some_and(|o| same_value(o, value)))
        .filter(|(field, value)| match stored.get(field) {
            Some(old) => !same_value(old, value),
            None => !is_empty_value(value),
        })
        .collect()
}

/// JSON equality where numbers compare by value: a float such as `0.0` comes back from
/// IndexedDB (a JS number) as the integer `0`, which serde_json's `==` tells apart.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::Customer;
    use serde_json::json;

    #[test]
    fn an_edit_writes_only_what_the_user_changed() {
        let opened = Customer::new(Uuid::nil(), "Li Wei", 5);
        // Stored now: a sync changed the phone after the screen took its copy.
        let mut now = opened.clone();
        now.phone = "13900000004".into();
        let stored: Map<String, Value> = field_diff(None, &now).into_iter().collect();
        let mut edited = opened.clone();
        edited.city = "北京".into();
        assert_eq!(
            edited_fields(&stored, &opened, &edited),
            vec![("city".to_string(), json!("北京"))]
        );
        // The plain diff against what is stored would write the old (empty) phone back.
        assert!(map_diff(&stored, &edited).iter().any(|(f, _)| f == "phone"));
        // Changing a field to the value it already has now writes nothing.
        let mut same = opened.clone();
        same.phone = "13900000004".into();
        assert!(edited_fields(&stored, &opened, &same).is_empty());
        // Clearing a field the user saw filled is a change.
        let mut filled = opened.clone();
        filled.city = "上海".into();
        let stored: Map<String, Value> = field_diff(None, &filled).into_iter().collect();
        let mut cleared = filled.clone();
        cleared.city.clear();
        assert_eq!(
            edited_fields(&stored, &filled, &cleared),
            vec![("city".to_string(), json!(""))]
        );
    }

    #[test]
    fn field_names() {
        for ok in ["email", "_deleted", "a", "next_visit2", &"a".repeat(64)] {
            assert!(is_valid_field_name(ok), "{ok}");
        }
        for bad in ["", "Email", "1st", "e-mail", "名字", &"a".repeat(65)] {
            assert!(!is_valid_field_name(bad), "{bad}");
        }
    }

    #[test]
    fn map_diff_treats_unwritten_fields_as_empty() {
        let mut c = Customer::new(Uuid::nil(), "Li Wei", 5);
        let stored: Map<String, Value> = field_diff(None, &c).into_iter().collect();
        assert!(map_diff(&stored, &c).is_empty());
        // A float read back from IndexedDB as an integer is the same value.
        let mut reread = stored.clone();
        reread.insert("created_ms".into(), json!(5.0));
        assert!(map_diff(&reread, &c).is_empty());
        assert!(same_value(&json!({"a": [1.0]}), &json!({"a": [1]})));
        assert!(!same_value(&json!({"a": [1.5]}), &json!({"a": [1]})));
        c.city = "上海".into();
        assert_eq!(
            map_diff(&stored, &c),
            vec![("city".to_string(), json!("上海"))]
        );
    }

    #[test]
    fn diff_of_an_edit_is_only_what_changed() {
        let old = Customer::new(Uuid::nil(), "Li Wei", 5);
        let mut new = old.clone();
        new.phone = "13800138000".into();
        new.deleted = true;
        let mut diff = field_diff(Some(&old), &new);
        diff.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            diff,
            vec![
                ("_deleted".into(), json!(true)),
                ("phone".into(), json!("13800138000"))
            ]
        );
    }

    #[test]
    fn diff_of_a_new_record_is_its_non_empty_fields() {
        let c = Customer::new(Uuid::nil(), "Li Wei", 5);
        let fields: Vec<String> = field_diff(None, &c).into_iter().map(|(f, _)| f).collect();
        assert!(fields.contains(&"name".to_string()));
        assert!(fields.contains(&"created_ms".to_string()));
        assert!(!fields.contains(&"email".to_string()));
        assert!(!fields.contains(&"id".to_string()));
        assert!(fields.iter().all(|f| is_valid_field_name(f)));
    }
}
