//! Care reminders (客户关怀): seed 003 lists 客户生日关怀 购买7天后关怀 购买28天后关怀
//! 会员卡到期提醒 — the birthday, 7 and 28 days after a purchase, membership card expiry.
//! Reminders are derived from customers and purchases, never stored; only what the user
//! did with one (done / snoozed) is a synced [`ReminderState`] whose id is derived from
//! the reminder's key, so two devices acting on the same reminder write the same record.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::select_enum;
use crate::customer::Customer;
use crate::interaction::{Interaction, InteractionKind};

/// Why the customer should be contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// The next-visit date of an interaction (the app lists these itself; see
    /// [`next_visit_reminder`] to give them the same key / done handling).
    #[default]
    NextVisit,
    Birthday,
    AfterPurchase7,
    AfterPurchase28,
    MembershipExpiry,
}

select_enum!(ReminderKind, 5, [
    NextVisit => "next_visit",
    Birthday => "birthday",
    AfterPurchase7 => "after_purchase7",
    AfterPurchase28 => "after_purchase28",
    MembershipExpiry => "membership_expiry",
]);

/// Days after a purchase for the two after-purchase care calls (seed 003).
pub const AFTER_PURCHASE_DAYS: [(ReminderKind, u64); 2] = [
    (ReminderKind::AfterPurchase7, 7),
    (ReminderKind::AfterPurchase28, 28),
];

/// One care reminder occurrence, derived (not stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// Stable and unique per occurrence: `birthday:<customer>:<date>`,
    /// `purchase7:<interaction>`, `purchase28:<interaction>`,
    /// `membership:<customer>:<date>`, `visit:<customer>:<date>`.
    pub key: String,
    pub kind: ReminderKind,
    pub customer_id: Uuid,
    pub due: NaiveDate,
    /// The purchase it follows up (after-purchase reminders only).
    pub source: Option<Uuid>,
}

impl Reminder {
    /// The id of this reminder's [`ReminderState`] record.
    pub fn state_id(&self) -> Uuid {
        reminder_id(&self.key)
    }
}

/// What the user did with a reminder, a synced record with id [`reminder_id`]`(key)`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReminderState {
    #[serde(default)]
    pub id: Uuid,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub done: bool,
    /// Hidden until this date (shown again on it).
    #[serde(default)]
    pub snoozed_until: Option<NaiveDate>,
    #[serde(default, rename = "_deleted")]
    pub deleted: bool,
}

impl ReminderState {
    /// The state record for a reminder key, neither done nor snoozed.
    pub fn for_key(key: &str) -> Self {
        Self {
            id: reminder_id(key),
            key: key.to_string(),
            ..Self::default()
        }
    }

    /// The record that marks `reminder` done.
    pub fn done(reminder: &Reminder) -> Self {
        Self {
            done: true,
            ..Self::for_key(&reminder.key)
        }
    }

    /// The record that hides `reminder` until `until`.
    pub fn snoozed(reminder: &Reminder, until: NaiveDate) -> Self {
        Self {
            snoozed_until: Some(until),
            ..Self::for_key(&reminder.key)
        }
    }
}

/// A deterministic id for the state record of the reminder with this key, so devices
/// that mark the same reminder done offline write the same record and sync merges them.
/// 128-bit FNV-1a of `"crm-core/reminder:" + key`, with the RFC 9562 version 8 (custom)
/// and variant bits set. Stable across versions: never change the namespace or hash.
pub fn reminder_id(key: &str) -> Uuid {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut hash = OFFSET;
    for byte in b"crm-core/reminder:".iter().chain(key.as_bytes()) {
        hash ^= u128::from(*byte);
        hash = hash.wrapping_mul(PRIME);
    }
    let mut bytes = hash.to_be_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

/// The reminder for a customer's next-visit date, for the app's follow-up list to share
/// the key / done handling of care reminders.
pub fn next_visit_reminder(customer_id: Uuid, date: NaiveDate) -> Reminder {
    Reminder {
        key: format!("visit:{customer_id}:{date}"),
        kind: ReminderKind::NextVisit,
        customer_id,
        due: date,
        source: None,
    }
}

/// The birthday in `year`; 29 February falls on 28 February in common years.
fn birthday_in(birthday: NaiveDate, year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, birthday.month(), birthday.day()).or_else(|| {
        (birthday.month() == 2 && birthday.day() == 29)
            .then(|| NaiveDate::from_ymd_opt(year, 2, 28))
            .flatten()
    })
}

/// Every care reminder of `customer` due in `[from, to]` (inclusive), ordered by due
/// date then key: each birthday occurrence (after the birth year), 7 and 28 days after
/// each of the customer's non-deleted purchases (by the purchase's date), and the
/// membership expiry date. Next visits are not included (the app lists them from its
/// own index). A deleted customer has no reminders; purchases of other customers are
/// ignored.
pub fn reminders_for(
    customer: &Customer,
    purchases: &[&Interaction],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Reminder> {
    let mut out = Vec::new();
    if customer.deleted || to < from {
        return out;
    }
    let in_range = |d: NaiveDate| from <= d && d <= to;
    let cid = customer.id;
    if let Some(birthday) = customer.birthday {
        for year in from.year()..=to.year() {
            if year <= birthday.year() {
                continue;
            }
            if let Some(due) = birthday_in(birthday, year).filter(|d| in_range(*d)) {
                out.push(Reminder {
                    key: format!("birthday:{cid}:{due}"),
                    kind: ReminderKind::Birthday,
                    customer_id: cid,
                    due,
                    source: None,
                });
            }
        }
    }
    for p in purchases {
        if p.deleted || p.kind != InteractionKind::Purchase || p.customer_id != cid {
            continue;
        }
        for (kind, days) in AFTER_PURCHASE_DAYS {
            let Some(due) = p.at.date().checked_add_days(Days::new(days)) else {
                continue;
            };
            if in_range(due) {
                out.push(Reminder {
                    key: format!("purchase{days}:{}", p.id),
                    kind,
                    customer_id: cid,
                    due,
                    source: Some(p.id),
                });
            }
        }
    }
    if let Some(due) = customer.membership_expires.filter(|d| in_range(*d)) {
        out.push(Reminder {
            key: format!("membership:{cid}:{due}"),
            kind: ReminderKind::MembershipExpiry,
            customer_id: cid,
            due,
            source: None,
        });
    }
    out.sort_by(|a, b| (a.due, &a.key).cmp(&(b.due, &b.key)));
    out.dedup_by(|a, b| a.key == b.key);
    out
}

/// Whether the reminder should still be shown: not marked done and not snoozed past
/// `today` (a snooze until today shows it again today). A state counts only if it is
/// not deleted and belongs to this reminder (same key or id), so undoing "done" is
/// deleting or rewriting the state. Whether it is due yet is the caller's window.
pub fn is_active(reminder: &Reminder, state: Option<&ReminderState>, today: NaiveDate) -> bool {
    let Some(state) = state
        .filter(|s| !s.deleted && (s.key == reminder.key || s.id == reminder_id(&reminder.key)))
    else {
        return true;
    };
    !state.done && state.snoozed_until.is_none_or(|until| until <= today)
}

/// How far back an unhandled reminder stays listed as overdue (days): the earliest
/// date the care agenda ever asks about is this long before today.
pub const OVERDUE_DAYS: u64 = 30;

/// How far ahead the care agenda looks (days).
pub const AHEAD_DAYS: u64 = 14;

/// Whether the reminder's date has passed (due strictly before `today`).
pub fn is_overdue(reminder: &Reminder, today: NaiveDate) -> bool {
    reminder.due < today
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::test_support::purchase;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn customer(birthday: Option<&str>, expires: Option<&str>) -> Customer {
        let mut c = Customer::new(Uuid::from_u128(9), "Li Wei", 0);
        c.birthday = birthday.map(day);
        c.membership_expires = expires.map(day);
        c
    }

    /// (kind, due) of every reminder in the window.
    #[track_caller]
    fn check(
        c: &Customer,
        purchases: &[&Interaction],
        from: &str,
        to: &str,
        expected: &[(ReminderKind, &str)],
    ) {
        let got: Vec<(ReminderKind, NaiveDate)> = reminders_for(c, purchases, day(from), day(to))
            .into_iter()
            .map(|r| (r.kind, r.due))
            .collect();
        let expected: Vec<(ReminderKind, NaiveDate)> =
            expected.iter().map(|(k, d)| (*k, day(d))).collect();
        assert_eq!(got, expected);
    }

    use ReminderKind::*;

    #[test]
    fn after_purchase_dates_cross_month_ends_and_leap_days() {
        let c = customer(None, None);
        let jan31 = purchase(1, 9, "2026-01-31", 100);
        check(
            &c,
            &[&jan31],
            "2026-01-01",
            "2026-12-31",
            &[
                (AfterPurchase7, "2026-02-07"),
                (AfterPurchase28, "2026-02-28"),
            ],
        );
        let leap = purchase(2, 9, "2028-02-25", 100);
        check(
            &c,
            &[&leap],
            "2028-01-01",
            "2028-12-31",
            &[
                (AfterPurchase7, "2028-03-03"),
                (AfterPurchase28, "2028-03-24"),
            ],
        );
        let common = purchase(3, 9, "2027-02-25", 100);
        check(
            &c,
            &[&common],
            "2027-01-01",
            "2027-12-31",
            &[
                (AfterPurchase7, "2027-03-04"),
                (AfterPurchase28, "2027-03-25"),
            ],
        );
        let year_end = purchase(4, 9, "2026-12-20", 100);
        check(
            &c,
            &[&year_end],
            "2026-12-25",
            "2027-01-31",
            &[
                (AfterPurchase7, "2026-12-27"),
                (AfterPurchase28, "2027-01-17"),
            ],
        );
    }

    #[test]
    fn the_window_is_inclusive_and_bounded() {
        let c = customer(None, None);
        let p = purchase(1, 9, "2026-05-01", 100);
        check(
            &c,
            &[&p],
            "2026-05-08",
            "2026-05-08",
            &[(AfterPurchase7, "2026-05-08")],
        );
        check(&c, &[&p], "2026-05-09", "2026-05-28", &[]);
        check(
            &c,
            &[&p],
            "2026-05-29",
            "2026-05-29",
            &[(AfterPurchase28, "2026-05-29")],
        );
        check(&c, &[&p], "2026-06-01", "2026-05-01", &[]);
    }

    #[test]
    fn birthdays_across_leap_years_and_the_new_year() {
        let leapling = customer(Some("1992-02-29"), None);
        check(
            &leapling,
            &[],
            "2027-01-01",
            "2027-12-31",
            &[(Birthday, "2027-02-28")],
        );
        check(
            &leapling,
            &[],
            "2028-01-01",
            "2028-12-31",
            &[(Birthday, "2028-02-29")],
        );
        check(
            &leapling,
            &[],
            "2027-02-01",
            "2028-03-31",
            &[(Birthday, "2027-02-28"), (Birthday, "2028-02-29")],
        );
        // Seen from December, an early-January birthday is next year's.
        let january = customer(Some("1985-01-03"), None);
        check(
            &january,
            &[],
            "2026-12-15",
            "2027-01-14",
            &[(Birthday, "2027-01-03")],
        );
        check(&january, &[], "2026-12-15", "2026-12-31", &[]);
        // No birthday before the person was born, nor on the birth date itself.
        let baby = customer(Some("2026-06-01"), None);
        check(
            &baby,
            &[],
            "2026-01-01",
            "2027-12-31",
            &[(Birthday, "2027-06-01")],
        );
        let r = &reminders_for(&january, &[], day("2026-12-15"), day("2027-01-14"))[0];
        assert_eq!(r.key, format!("birthday:{}:2027-01-03", Uuid::from_u128(9)));
        assert_eq!(r.customer_id, Uuid::from_u128(9));
        assert_eq!(r.source, None);
    }

    #[test]
    fn everything_together_in_date_order() {
        let c = customer(Some("1980-03-10"), Some("2026-03-31"));
        let mine = purchase(1, 9, "2026-03-01", 100);
        let deleted = Interaction {
            deleted: true,
            ..purchase(2, 9, "2026-03-01", 100)
        };
        let not_a_purchase = Interaction {
            kind: InteractionKind::Visit,
            ..purchase(3, 9, "2026-03-01", 100)
        };
        let someone_else = purchase(4, 8, "2026-03-01", 100);
        let all = [&mine, &deleted, &not_a_purchase, &someone_else];
        check(
            &c,
            &all,
            "2026-03-01",
            "2026-03-31",
            &[
                (AfterPurchase7, "2026-03-08"),
                (Birthday, "2026-03-10"),
                (AfterPurchase28, "2026-03-29"),
                (MembershipExpiry, "2026-03-31"),
            ],
        );
        let reminders = reminders_for(&c, &all, day("2026-03-01"), day("2026-03-31"));
        let keys: Vec<&str> = reminders.iter().map(|r| r.key.as_str()).collect();
        let (p, cid) = (Uuid::from_u128(1), Uuid::from_u128(9));
        assert_eq!(
            keys,
            vec![
                format!("purchase7:{p}"),
                format!("birthday:{cid}:2026-03-10"),
                format!("purchase28:{p}"),
                format!("membership:{cid}:2026-03-31"),
            ]
        );
        assert_eq!(reminders[0].source, Some(p));
        let gone = Customer { deleted: true, ..c };
        check(&gone, &all, "2026-03-01", "2026-03-31", &[]);
    }

    #[test]
    fn reminder_ids_are_stable_and_distinct() {
        // Pinned: changing the hash would orphan every synced reminder state.
        assert_eq!(
            reminder_id("purchase7:00000000-0000-0000-0000-000000000001"),
            reminder_id("purchase7:00000000-0000-0000-0000-000000000001")
        );
        let id = reminder_id("birthday:x:2027-01-03");
        assert_eq!(id.get_version_num(), 8);
        assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
        let keys = [
            "",
            "purchase7:a",
            "purchase28:a",
            "purchase7:b",
            "birthday:a:2027-01-03",
            "birthday:a:2028-01-03",
            "membership:a:2027-01-03",
        ];
        let ids: std::collections::HashSet<Uuid> = keys.iter().map(|k| reminder_id(k)).collect();
        assert_eq!(ids.len(), keys.len());
        let many: std::collections::HashSet<Uuid> = (0..10_000)
            .map(|i| reminder_id(&format!("purchase7:{i}")))
            .collect();
        assert_eq!(many.len(), 10_000);
        assert_eq!(
            reminder_id("purchase7:a").to_string(),
            PINNED_PURCHASE7_A,
            "the id of a key must never change"
        );
    }

    const PINNED_PURCHASE7_A: &str = "d332f7c5-8560-80c5-9166-08418936d763";

    #[test]
    fn done_and_snoozed_reminders() {
        let r = next_visit_reminder(Uuid::from_u128(9), day("2026-11-30"));
        assert_eq!(r.kind, NextVisit);
        let today = day("2026-11-30");
        assert!(is_active(&r, None, today));
        assert!(is_active(&r, Some(&ReminderState::for_key(&r.key)), today));
        let done = ReminderState::done(&r);
        assert_eq!(done.id, r.state_id());
        assert!(!is_active(&r, Some(&done), today));
        let undone = ReminderState {
            deleted: true,
            ..done.clone()
        };
        assert!(is_active(&r, Some(&undone), today));
        let snoozed = ReminderState::snoozed(&r, day("2026-12-02"));
        assert!(!is_active(&r, Some(&snoozed), today));
        assert!(!is_active(&r, Some(&snoozed), day("2026-12-01")));
        assert!(is_active(&r, Some(&snoozed), day("2026-12-02")));
        // A state of another reminder does not apply; a state known only by id does.
        let other = ReminderState::done(&next_visit_reminder(Uuid::from_u128(8), today));
        assert!(is_active(&r, Some(&other), today));
        let by_id = ReminderState {
            key: String::new(),
            ..done
        };
        assert!(!is_active(&r, Some(&by_id), today));
        assert!(!is_overdue(&r, today));
        assert!(is_overdue(&r, day("2026-12-01")));
        let partial: ReminderState = serde_json::from_str(r#"{"done":true}"#).unwrap();
        assert!(partial.done && !partial.deleted);
        for k in ReminderKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
