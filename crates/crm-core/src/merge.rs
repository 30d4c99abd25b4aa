//! Field-level last-writer-wins merge (SYNC.md): every field of a record is a register
//! holding a value and the HLC that wrote it; the larger HLC wins. Deletion is the
//! `_deleted` register like any other field.
//!
//! The same rule runs in the browser store, in the server and in the simulation, so all
//! replicas agree on every winner. Ties on an equal HLC (which real clocks never issue
//! for different values, since the node id is part of the HLC) are broken by a total
//! order on JSON values, which keeps the merge commutative, associative and idempotent
//! even for adversarial input.

use std::{cmp::Ordering, collections::BTreeMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    change::{Change, DELETED},
    hlc::Hlc,
};

/// What merging one incoming register value did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The incoming value won and is now stored; `previous` is what it replaced.
    Applied {
        /// The value and version that lost, if the field had one.
        previous: Option<(Value, Hlc)>,
    },
    /// The stored value is newer; nothing changed.
    Stale {
        /// The version that beat the incoming one.
        winner: Hlc,
    },
    /// Exactly this value at this HLC is already stored; nothing changed.
    Duplicate,
}

impl Outcome {
    /// True when the incoming value became the stored one.
    pub fn applied(&self) -> bool {
        matches!(self, Outcome::Applied { .. })
    }
}

/// The LWW rule on its own, for stores that keep registers in their own layout (the
/// server's SQLite rows): does `incoming` replace `current`? Larger HLC wins; on an equal
/// HLC the larger value by [`compare_values`] wins; an identical pair is a duplicate.
pub fn decide(current: Option<(&Value, Hlc)>, incoming: (&Value, Hlc)) -> Decision {
    let Some((cur_value, cur_hlc)) = current else {
        return Decision::Replace;
    };
    match incoming
        .1
        .cmp(&cur_hlc)
        .then_with(|| compare_values(incoming.0, cur_value))
    {
        Ordering::Greater => Decision::Replace,
        Ordering::Equal => Decision::Duplicate,
        Ordering::Less => Decision::Keep,
    }
}

/// The verdict of [`decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The incoming register value wins.
    Replace,
    /// The stored register value wins.
    Keep,
    /// Both are the same value at the same HLC.
    Duplicate,
}

/// Merges one register value into a record kept as a field map plus per-field versions
/// (the browser store's layout). A field without a version counts as never written.
pub fn apply_field(
    fields: &mut Map<String, Value>,
    versions: &mut BTreeMap<String, Hlc>,
    field: &str,
    value: &Value,
    hlc: Hlc,
) -> Outcome {
    let current = versions
        .get(field)
        .map(|&h| (fields.get(field).unwrap_or(&Value::Null), h));
    match decide(current, (value, hlc)) {
        Decision::Replace => {
            let previous = current.map(|(v, h)| (v.clone(), h));
            fields.insert(field.to_string(), value.clone());
            versions.insert(field.to_string(), hlc);
            Outcome::Applied { previous }
        }
        Decision::Keep => Outcome::Stale {
            winner: versions[field],
        },
        Decision::Duplicate => Outcome::Duplicate,
    }
}

/// The conflict rule (SYNC.md: "a change that loses locally is kept in a conflict log"),
/// run by the replica that merges a pulled change. `outcome` is what merging `winner`
/// did; `me` is this replica's node id. A write of ours lost when `winner` replaced it
/// and `winner`'s author had not seen it (its `base` is another version), with a
/// different value. Returns our lost write as a change. A replacement by someone who
/// saw our value is an ordinary later edit, and a replaced value written elsewhere is
/// that replica's to log, so both give `None`. Whether our write was still in the
/// outbox does not matter, so a value confirmed long ago that loses to a concurrent
/// edit is still logged.
pub fn lost_write(outcome: &Outcome, winner: &Change, me: u64) -> Option<Change> {
    let Outcome::Applied {
        previous: Some((value, hlc)),
    } = outcome
    else {
        return None;
    };
    (hlc.node == me && winner.base != Some(*hlc) && *value != winner.value).then(|| Change {
        entity: winner.entity,
        id: winner.id,
        field: winner.field.clone(),
        value: value.clone(),
        hlc: *hlc,
        base: None,
    })
}

/// One record's replicated state: each field's value and the HLC that wrote it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordState {
    /// Current value of every field ever written (`null` = cleared).
    pub fields: Map<String, Value>,
    /// The HLC of the write that set each field.
    pub versions: BTreeMap<String, Hlc>,
}

impl RecordState {
    /// Merges one change (its entity and id are the caller's business).
    pub fn apply(&mut self, change: &Change) -> Outcome {
        self.apply_register(&change.field, &change.value, change.hlc)
    }

    /// Merges one pulled change on the replica with node id `me`; returns our write it
    /// replaced if that write is a conflict's loser ([`lost_write`]).
    pub fn apply_pulled(&mut self, change: &Change, me: u64) -> Option<Change> {
        let outcome = self.apply(change);
        lost_write(&outcome, change, me)
    }

    /// Merges one register value.
    pub fn apply_register(&mut self, field: &str, value: &Value, hlc: Hlc) -> Outcome {
        apply_field(&mut self.fields, &mut self.versions, field, value, hlc)
    }

    /// State-based merge: the join of two replicas of the same record.
    pub fn merge(&mut self, other: &RecordState) {
        for (field, &hlc) in &other.versions {
            let value = other.fields.get(field).unwrap_or(&Value::Null);
            self.apply_register(field, value, hlc);
        }
    }

    /// The current value and version of a field.
    pub fn get(&self, field: &str) -> Option<(&Value, Hlc)> {
        let hlc = *self.versions.get(field)?;
        Some((self.fields.get(field).unwrap_or(&Value::Null), hlc))
    }

    /// True when the tombstone register says deleted.
    pub fn is_deleted(&self) -> bool {
        self.fields.get(DELETED) == Some(&Value::Bool(true))
    }

    /// SYNC.md: a record exists once any of its fields has a (non-null) value.
    pub fn exists(&self) -> bool {
        self.fields
            .iter()
            .any(|(f, v)| f != DELETED && !v.is_null())
    }

    /// After a `clock_skew` re-stamp: moves a field's version from `old` to `new` when the
    /// field still holds the write stamped `old` (a newer write, local or remote, is left
    /// alone). Returns whether it moved.
    pub fn restamp(&mut self, field: &str, old: Hlc, new: Hlc) -> bool {
        restamp_field(&mut self.versions, field, old, new)
    }
}

/// [`RecordState::restamp`] for stores that keep versions in their own map.
pub fn restamp_field(
    versions: &mut BTreeMap<String, Hlc>,
    field: &str,
    old: Hlc,
    new: Hlc,
) -> bool {
    match versions.get_mut(field) {
        Some(v) if *v == old => {
            *v = new;
            true
        }
        _ => false,
    }
}

/// A total order on JSON values used only to break HLC ties deterministically:
/// null < bool < number < string < array < object; numbers by value, then by their
/// text; arrays element-wise; objects by their sorted (key, value) pairs.
pub fn compare_values(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => {
            let (fx, fy) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            fx.total_cmp(&fy)
                .then_with(|| x.to_string().cmp(&y.to_string()))
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = compare_values(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(x), Value::Object(y)) => {
            let mut xs: Vec<_> = x.iter().collect();
            let mut ys: Vec<_> = y.iter().collect();
            xs.sort_by(|p, q| p.0.cmp(q.0));
            ys.sort_by(|p, q| p.0.cmp(q.0));
            for ((kx, vx), (ky, vy)) in xs.iter().zip(&ys) {
                let o = kx.cmp(ky).then_with(|| compare_values(vx, vy));
                if o != Ordering::Equal {
                    return o;
                }
            }
            xs.len().cmp(&ys.len())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn h(wall_ms: u64, counter: u32, node: u64) -> Hlc {
        Hlc {
            wall_ms,
            counter,
            node,
        }
    }

    #[track_caller]
    fn check(start: &[(&str, Value, Hlc)], field: &str, value: Value, hlc: Hlc, expected: Outcome) {
        let mut r = RecordState::default();
        for (f, v, h) in start {
            r.apply_register(f, v, *h);
        }
        assert_eq!(r.apply_register(field, &value, hlc), expected);
        if expected.applied() {
            assert_eq!(r.get(field), Some((&value, hlc)));
        }
    }

    fn pulled(value: Value, hlc: Hlc, base: Option<Hlc>) -> Change {
        Change {
            entity: crate::change::Entity::Customer,
            id: uuid::Uuid::nil(),
            field: "city".into(),
            value,
            hlc,
            base,
        }
    }

    #[test]
    fn a_concurrent_overwrite_of_our_write_is_a_conflict() {
        let (me, other) = (7, 9);
        let mine = h(10, 0, me);
        let mut r = RecordState::default();
        r.apply_register("city", &json!("北京"), mine);
        // The writer never saw our value (base is what it held before: nothing).
        let lost = r.apply_pulled(&pulled(json!("广州"), h(20, 0, other), None), me);
        let lost = lost.expect("our value lost to a concurrent edit");
        assert_eq!((lost.value, lost.hlc), (json!("北京"), mine));
        assert_eq!(r.get("city"), Some((&json!("广州"), h(20, 0, other))));
    }

    #[test]
    fn an_overwrite_by_someone_who_saw_our_write_is_not_a_conflict() {
        let (me, other) = (7, 9);
        let mine = h(10, 0, me);
        let mut r = RecordState::default();
        r.apply_register("city", &json!("北京"), mine);
        let later = pulled(json!("广州"), h(20, 0, other), Some(mine));
        assert_eq!(r.apply_pulled(&later, me), None);
        assert_eq!(r.get("city"), Some((&json!("广州"), h(20, 0, other))));
    }

    #[test]
    fn only_our_own_visible_losses_are_logged() {
        let (me, other, third) = (7, 9, 11);
        // The replaced value was written elsewhere: not ours to log.
        let mut r = RecordState::default();
        r.apply_register("city", &json!("北京"), h(10, 0, third));
        assert_eq!(
            r.apply_pulled(&pulled(json!("广州"), h(20, 0, other), None), me),
            None
        );
        // Same value: nothing the user could see was lost.
        let mut r = RecordState::default();
        r.apply_register("city", &json!("广州"), h(10, 0, me));
        assert_eq!(
            r.apply_pulled(&pulled(json!("广州"), h(20, 0, other), None), me),
            None
        );
        // Our newer value stays: nothing lost.
        let mut r = RecordState::default();
        r.apply_register("city", &json!("北京"), h(30, 0, me));
        assert_eq!(
            r.apply_pulled(&pulled(json!("广州"), h(20, 0, other), None), me),
            None
        );
        assert_eq!(r.get("city"), Some((&json!("北京"), h(30, 0, me))));
    }

    #[test]
    fn lww_rule() {
        let old = h(1, 0, 1);
        let new = h(2, 0, 2);
        check(
            &[],
            "email",
            json!("a@x"),
            old,
            Outcome::Applied { previous: None },
        );
        check(
            &[("email", json!("a@x"), old)],
            "email",
            json!("b@x"),
            new,
            Outcome::Applied {
                previous: Some((json!("a@x"), old)),
            },
        );
        check(
            &[("email", json!("b@x"), new)],
            "email",
            json!("a@x"),
            old,
            Outcome::Stale { winner: new },
        );
        check(
            &[("email", json!("b@x"), new)],
            "email",
            json!("b@x"),
            new,
            Outcome::Duplicate,
        );
        // Equal HLC, different value: the larger value wins on every replica.
        check(
            &[("email", json!("a"), new)],
            "email",
            json!("b"),
            new,
            Outcome::Applied {
                previous: Some((json!("a"), new)),
            },
        );
        check(
            &[("email", json!("b"), new)],
            "email",
            json!("a"),
            new,
            Outcome::Stale { winner: new },
        );
        // Different fields never interfere; null is a value that clears.
        check(
            &[("phone", json!("1"), new)],
            "email",
            json!(null),
            old,
            Outcome::Applied { previous: None },
        );
    }

    #[test]
    fn tombstone_is_a_register() {
        let mut r = RecordState::default();
        r.apply_register("name", &json!("Li"), h(1, 0, 1));
        assert!(r.exists() && !r.is_deleted());
        r.apply_register(DELETED, &json!(true), h(3, 0, 1));
        assert!(r.is_deleted());
        r.apply_register(DELETED, &json!(false), h(2, 0, 2)); // older restore loses
        assert!(r.is_deleted());
        r.apply_register(DELETED, &json!(false), h(4, 0, 2));
        assert!(!r.is_deleted());
        assert_eq!(r.fields["name"], json!("Li"));
    }

    #[test]
    fn restamp_moves_only_the_matching_version() {
        let mut r = RecordState::default();
        r.apply_register("a", &json!(1), h(100, 0, 1));
        r.apply_register("b", &json!(1), h(100, 0, 1));
        r.apply_register("b", &json!(2), h(200, 0, 2));
        assert!(r.restamp("a", h(100, 0, 1), h(50, 0, 1)));
        assert!(!r.restamp("b", h(100, 0, 1), h(50, 0, 1)));
        assert_eq!(r.get("a").unwrap().1, h(50, 0, 1));
        assert_eq!(r.get("b").unwrap().1, h(200, 0, 2));
    }

    #[test]
    fn value_order_is_total_and_ignores_key_order() {
        let a: Value = serde_json::from_str(r#"{"x":1,"y":[1,2]}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"y":[1,2],"x":1}"#).unwrap();
        assert_eq!(compare_values(&a, &b), Ordering::Equal);
        let ordered = [
            json!(null),
            json!(false),
            json!(true),
            json!(-1),
            json!(1.5),
            json!(2),
            json!(""),
            json!("a"),
            json!([]),
            json!([0]),
            json!({}),
        ];
        for (i, x) in ordered.iter().enumerate() {
            for (j, y) in ordered.iter().enumerate() {
                assert_eq!(compare_values(x, y), i.cmp(&j), "{x} vs {y}");
            }
        }
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (0i64..4).prop_map(|n| json!(n)),
            "[ab]{0,2}".prop_map(Value::String),
            prop::collection::vec(0i64..2, 0..2).prop_map(|v| json!(v)),
        ]
    }

    fn register() -> impl Strategy<Value = (String, Value, Hlc)> {
        // A tiny space so that fields, HLCs and values collide often.
        (
            prop::sample::select(vec!["a", "b", DELETED]),
            value(),
            0u64..4,
            0u32..2,
            0u64..2,
        )
            .prop_map(|(f, v, w, c, n)| (f.to_string(), v, h(w, c, n)))
    }

    fn record() -> impl Strategy<Value = RecordState> {
        prop::collection::vec(register(), 0..6).prop_map(|regs| {
            let mut r = RecordState::default();
            for (f, v, h) in regs {
                r.apply_register(&f, &v, h);
            }
            r
        })
    }

    fn joined(a: &RecordState, b: &RecordState) -> RecordState {
        let mut r = a.clone();
        r.merge(b);
        r
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn merge_is_commutative(a in record(), b in record()) {
            prop_assert_eq!(joined(&a, &b), joined(&b, &a));
        }

        #[test]
        fn merge_is_associative(a in record(), b in record(), c in record()) {
            prop_assert_eq!(joined(&joined(&a, &b), &c), joined(&a, &joined(&b, &c)));
        }

        #[test]
        fn merge_is_idempotent(a in record(), b in record()) {
            prop_assert_eq!(joined(&a, &a), a.clone());
            let ab = joined(&a, &b);
            prop_assert_eq!(joined(&ab, &b), ab);
        }

        #[test]
        fn any_order_and_repetition_of_changes_converges(
            regs in prop::collection::vec(register(), 0..12),
            order in prop::collection::vec(any::<prop::sample::Index>(), 0..24),
        ) {
            let mut in_order = RecordState::default();
            for (f, v, h) in &regs {
                in_order.apply_register(f, v, *h);
            }
            // Every change at least once, plus random repeats, in a shuffled order.
            let mut shuffled = RecordState::default();
            let mut picks: Vec<usize> = (0..regs.len()).collect();
            if !regs.is_empty() {
                picks.extend(order.iter().map(|i| i.index(regs.len())));
            }
            let n = picks.len();
            if n > 0 {
                for (k, i) in order.iter().enumerate() {
                    picks.swap(k % n, i.index(n));
                }
            }
            for i in picks {
                let (f, v, h) = &regs[i];
                shuffled.apply_register(f, v, *h);
            }
            prop_assert_eq!(shuffled, in_order);
        }
    }
}
