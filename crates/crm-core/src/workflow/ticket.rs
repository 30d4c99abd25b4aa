//! Complaint / service tickets: received → assigned (owner and time limit) →
//! investigating → resolved (reported back) → closed with a satisfaction score
//! (PRODUCT.md; seed 001 四、酒店客户投诉管理, seed 004 6.2.1 建立投诉处理机制).

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{parse_optional_date, select_enum, WorkflowError};
use crate::validation::{self, Errors, FieldError, Problem, SHORT_MAX};

/// How the complaint reached us. Seed 004 (6.2.1) lists the complaint channels 电话、
/// 邮件、在线客服 (phone, email, online); seed 002's repair flow adds the on-site visit
/// (上门服务).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    #[default]
    Phone,
    Email,
    Online,
    Visit,
}

select_enum!(Channel, 4, [Phone => "phone", Email => "email", Online => "online", Visit => "visit"]);

/// How serious the complaint is; sets the default time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    #[default]
    Medium,
    High,
    Critical,
}

select_enum!(Severity, 4, [Low => "low", Medium => "medium", High => "high", Critical => "critical"]);

impl Severity {
    /// Days from opening until the ticket is due. The seeds require a time limit but give
    /// no day counts: seed 004 (6.2.1) says 明确投诉处理的时间、责任人 (set the handling
    /// time and the person responsible), seed 001 says tell the guest how long the fix
    /// takes (把解决问题所需要的时间告诉客人) and has the manager come at once
    /// (主管要亲临现场), seed 002 hands a service request on within 15 minutes
    /// (15分钟内转交维修协调员). Our defaults: Low 7, Medium 3, High 1, Critical 0 (the
    /// same day).
    pub fn time_limit_days(self) -> i64 {
        match self {
            Severity::Low => 7,
            Severity::Medium => 3,
            Severity::High => 1,
            Severity::Critical => 0,
        }
    }

    /// The default due date of a ticket opened on `opened` (the form's Due field starts
    /// here and follows the severity until the user types a date).
    pub fn due_from(self, opened: NaiveDate) -> NaiveDate {
        add_days(opened, self.time_limit_days())
    }
}

/// Where a ticket is in the complaint procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    #[default]
    Received,
    Assigned,
    Investigating,
    Resolved,
    Closed,
}

select_enum!(TicketStatus, 5, [
    Received => "received",
    Assigned => "assigned",
    Investigating => "investigating",
    Resolved => "resolved",
    Closed => "closed",
]);

impl TicketStatus {
    /// Whether the customer's problem is still being worked on (counts for overdue).
    pub fn is_open(self) -> bool {
        !matches!(self, TicketStatus::Resolved | TicketStatus::Closed)
    }

    /// The statuses [`Ticket::advance`] accepts from here (before its field checks):
    /// the next one in the procedure, plus Resolved → Investigating (reopen: seed 002's
    /// 维修未完成 约定再次上门服务). Closed is final.
    pub fn next(self) -> &'static [TicketStatus] {
        match self {
            TicketStatus::Received => &[TicketStatus::Assigned],
            TicketStatus::Assigned => &[TicketStatus::Investigating],
            TicketStatus::Investigating => &[TicketStatus::Resolved],
            TicketStatus::Resolved => &[TicketStatus::Closed, TicketStatus::Investigating],
            TicketStatus::Closed => &[],
        }
    }
}

/// One complaint or service request, a synced record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Ticket {
    #[serde(default)]
    pub id: Uuid,
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    /// The customer's name when the ticket was written, so the list shows who complained
    /// without one customer lookup per row, and still does on a device that does not hold
    /// that customer (demo data never syncs; a rep may not see another rep's customers).
    #[serde(default)]
    pub customer_name: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub channel: Channel,
    #[serde(default)]
    pub severity: Severity,
    /// The person responsible (责任人).
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub status: TicketStatus,
    /// The user's local date the complaint was received.
    #[serde(default)]
    pub opened: Option<NaiveDate>,
    /// The time limit (时限) as a date.
    #[serde(default)]
    pub due: Option<NaiveDate>,
    /// How it was resolved, as reported back to the customer (向客户反馈处理结果).
    #[serde(default)]
    pub resolution: String,
    /// 1 (very unhappy) to 5 (very happy), asked when closing.
    #[serde(default)]
    pub satisfaction: Option<u8>,
    /// Creation time, ms since the Unix epoch (passed in by the shell).
    #[serde(default)]
    pub created_ms: i64,
    #[serde(default, rename = "_deleted")]
    pub deleted: bool,
}

/// The lowest and highest satisfaction score.
pub const SATISFACTION_RANGE: std::ops::RangeInclusive<u8> = 1..=5;

fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    date.checked_add_days(Days::new(days.max(0) as u64))
        .unwrap_or(date)
}

impl Ticket {
    /// A new, received ticket, to be filled from a [`TicketDraft`].
    pub fn new(id: Uuid, created_ms: i64) -> Self {
        Self {
            id,
            created_ms,
            ..Self::default()
        }
    }

    /// The form prefilled from this ticket (for Edit).
    pub fn draft(&self) -> TicketDraft {
        TicketDraft {
            subject: self.subject.clone(),
            customer_id: self.customer_id,
            customer_name: self.customer_name.clone(),
            channel: self.channel,
            severity: self.severity,
            owner: self.owner.clone(),
            due: self.due.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    /// Moves the ticket one step through the procedure ([`TicketStatus::next`]).
    ///
    /// Errors: from Closed → `AlreadyClosed`; any other move (including to the same
    /// status) → `IllegalTransition`; to Assigned without an owner → `OwnerRequired`; to
    /// Resolved without a resolution → `ResolutionRequired`; to Closed without a
    /// satisfaction → `SatisfactionRequired`, or outside 1–5 → `SatisfactionOutOfRange`.
    ///
    /// `today` fills `opened` (and `due` from the time limit) on a ticket that has none,
    /// and on reopening (Resolved → Investigating) an expired due date is renewed to
    /// today + the time limit, since the customer was promised another visit.
    pub fn advance(&self, to: TicketStatus, today: NaiveDate) -> Result<Ticket, WorkflowError> {
        let from = self.status;
        if from == TicketStatus::Closed {
            return Err(WorkflowError::AlreadyClosed);
        }
        if !from.next().contains(&to) {
            return Err(WorkflowError::IllegalTransition {
                from: from.as_str().to_string(),
                to: to.as_str().to_string(),
            });
        }
        match to {
            TicketStatus::Assigned if self.owner.trim().is_empty() => {
                return Err(WorkflowError::OwnerRequired)
            }
            TicketStatus::Resolved if self.resolution.trim().is_empty() => {
                return Err(WorkflowError::ResolutionRequired)
            }
            TicketStatus::Closed => match self.satisfaction {
                None => return Err(WorkflowError::SatisfactionRequired),
                Some(value) if !SATISFACTION_RANGE.contains(&value) => {
                    return Err(WorkflowError::SatisfactionOutOfRange { value })
                }
                Some(_) => {}
            },
            _ => {}
        }
        let limit = self.severity.time_limit_days();
        let opened = self.opened.unwrap_or(today);
        let mut due = self.due.unwrap_or_else(|| add_days(opened, limit));
        if from == TicketStatus::Resolved && to == TicketStatus::Investigating && due < today {
            due = add_days(today, limit);
        }
        Ok(Ticket {
            status: to,
            opened: Some(opened),
            due: Some(due),
            ..self.clone()
        })
    }

    /// Sets the person responsible (before advancing to Assigned). A closed ticket is
    /// final: `AlreadyClosed`.
    pub fn with_owner(&self, owner: &str) -> Result<Ticket, WorkflowError> {
        self.edit(|t| t.owner = owner.trim().to_string())
    }

    /// Records how the complaint was resolved (before advancing to Resolved).
    pub fn with_resolution(&self, resolution: &str) -> Result<Ticket, WorkflowError> {
        self.edit(|t| t.resolution = resolution.trim().to_string())
    }

    /// Records the customer's satisfaction, 1–5 (before advancing to Closed).
    pub fn with_satisfaction(&self, value: u8) -> Result<Ticket, WorkflowError> {
        if !SATISFACTION_RANGE.contains(&value) {
            return Err(WorkflowError::SatisfactionOutOfRange { value });
        }
        self.edit(|t| t.satisfaction = Some(value))
    }

    fn edit(&self, change: impl FnOnce(&mut Ticket)) -> Result<Ticket, WorkflowError> {
        if self.status == TicketStatus::Closed {
            return Err(WorkflowError::AlreadyClosed);
        }
        let mut t = self.clone();
        change(&mut t);
        Ok(t)
    }

    /// Whether the time limit has passed while the problem is still open (not resolved
    /// or closed): due strictly before `today`. Deleted tickets are never overdue.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        !self.deleted && self.status.is_open() && self.due.is_some_and(|due| due < today)
    }
}

/// What the ticket form holds, as typed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketDraft {
    pub subject: String,
    pub customer_id: Option<Uuid>,
    /// The picked customer's name (see [`Ticket::customer_name`]); ignored without an id.
    pub customer_name: String,
    pub channel: Channel,
    pub severity: Severity,
    pub owner: String,
    /// `YYYY-MM-DD`, or empty for the opening date + the severity's time limit.
    pub due: String,
}

impl TicketDraft {
    /// Validates the form onto `base` (a new [`Ticket::new`] or the ticket being edited),
    /// returning every field error at once. `today` is the user's local date: it becomes
    /// `opened` on a new ticket. Subject required; a due date before the opening date is
    /// `("due", BeforeInteraction)`. Status is not changed here: use
    /// [`Ticket::advance`].
    pub fn apply(&self, base: Ticket, today: NaiveDate) -> Result<Ticket, Vec<FieldError>> {
        let mut errors = Errors::default();
        let subject = self.subject.trim();
        if subject.is_empty() {
            errors.push("subject", Problem::Required);
        }
        errors.check("subject", validation::max_len(subject, SHORT_MAX));
        let owner = self.owner.trim();
        errors.check("owner", validation::max_len(owner, SHORT_MAX));
        let opened = base.opened.unwrap_or(today);
        let due = match parse_optional_date(&self.due) {
            Ok(Some(d)) if d < opened => {
                errors.push("due", Problem::BeforeInteraction);
                None
            }
            Ok(Some(d)) => Some(d),
            Ok(None) => Some(self.severity.due_from(opened)),
            Err(p) => {
                errors.push("due", p);
                None
            }
        };
        errors.finish(())?;
        Ok(Ticket {
            subject: subject.to_string(),
            customer_id: self.customer_id,
            customer_name: match self.customer_id {
                Some(_) => self.customer_name.trim().to_string(),
                None => String::new(),
            },
            channel: self.channel,
            severity: self.severity,
            owner: owner.to_string(),
            opened: Some(opened),
            due,
            ..base
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketStatus::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn today() -> NaiveDate {
        day(2026, 11, 30)
    }

    /// A ticket in `status` with everything every step needs filled in.
    fn ready(status: TicketStatus) -> Ticket {
        Ticket {
            subject: "Room not cleaned".into(),
            owner: "li.wei".into(),
            status,
            opened: Some(day(2026, 11, 28)),
            due: Some(day(2026, 12, 1)),
            resolution: "Room cleaned, one night refunded".into(),
            satisfaction: Some(4),
            ..Ticket::default()
        }
    }

    #[test]
    fn every_transition() {
        let legal = [
            (Received, Assigned),
            (Assigned, Investigating),
            (Investigating, Resolved),
            (Resolved, Closed),
            (Resolved, Investigating),
        ];
        for from in TicketStatus::ALL {
            for to in TicketStatus::ALL {
                let result = ready(from).advance(to, today());
                if from == Closed {
                    assert_eq!(
                        result,
                        Err(WorkflowError::AlreadyClosed),
                        "{from:?} → {to:?}"
                    );
                } else if legal.contains(&(from, to)) {
                    let t = result.unwrap_or_else(|e| panic!("{from:?} → {to:?}: {e}"));
                    assert_eq!(t.status, to);
                } else {
                    assert_eq!(
                        result,
                        Err(WorkflowError::IllegalTransition {
                            from: from.as_str().into(),
                            to: to.as_str().into()
                        }),
                        "{from:?} → {to:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn each_step_needs_its_field() {
        let no_owner = Ticket {
            owner: "  ".into(),
            ..ready(Received)
        };
        assert_eq!(
            no_owner.advance(Assigned, today()),
            Err(WorkflowError::OwnerRequired)
        );
        let assigned = no_owner
            .with_owner(" wang.fang ")
            .unwrap()
            .advance(Assigned, today())
            .unwrap();
        assert_eq!(assigned.owner, "wang.fang");

        let no_resolution = Ticket {
            resolution: String::new(),
            ..ready(Investigating)
        };
        assert_eq!(
            no_resolution.advance(Resolved, today()),
            Err(WorkflowError::ResolutionRequired)
        );
        assert!(no_resolution
            .with_resolution("Refunded")
            .unwrap()
            .advance(Resolved, today())
            .is_ok());

        let unrated = Ticket {
            satisfaction: None,
            ..ready(Resolved)
        };
        assert_eq!(
            unrated.advance(Closed, today()),
            Err(WorkflowError::SatisfactionRequired)
        );
        for value in [0, 6, 255] {
            let bad = Ticket {
                satisfaction: Some(value),
                ..ready(Resolved)
            };
            assert_eq!(
                bad.advance(Closed, today()),
                Err(WorkflowError::SatisfactionOutOfRange { value })
            );
            assert_eq!(
                unrated.with_satisfaction(value),
                Err(WorkflowError::SatisfactionOutOfRange { value })
            );
        }
        for value in 1..=5 {
            let closed = unrated
                .with_satisfaction(value)
                .unwrap()
                .advance(Closed, today())
                .unwrap();
            assert_eq!(closed.satisfaction, Some(value));
            assert_eq!(closed.with_owner("x"), Err(WorkflowError::AlreadyClosed));
            assert_eq!(
                closed.with_resolution("x"),
                Err(WorkflowError::AlreadyClosed)
            );
            assert_eq!(
                closed.with_satisfaction(3),
                Err(WorkflowError::AlreadyClosed)
            );
        }
    }

    #[test]
    fn the_whole_procedure() {
        let t = TicketDraft {
            subject: "Late parcel".into(),
            severity: Severity::High,
            ..TicketDraft::default()
        }
        .apply(Ticket::new(Uuid::from_u128(1), 5), today())
        .unwrap();
        assert_eq!(t.status, Received);
        assert_eq!(t.opened, Some(today()));
        assert_eq!(t.due, Some(day(2026, 12, 1)));
        let t = t
            .with_owner("li.wei")
            .unwrap()
            .advance(Assigned, today())
            .unwrap();
        let t = t.advance(Investigating, today()).unwrap();
        let t = t
            .with_resolution("Redelivered")
            .unwrap()
            .advance(Resolved, today())
            .unwrap();
        let t = t
            .with_satisfaction(5)
            .unwrap()
            .advance(Closed, today())
            .unwrap();
        assert_eq!(t.status, Closed);
        assert_eq!(
            t.advance(Investigating, today()),
            Err(WorkflowError::AlreadyClosed)
        );
    }

    #[test]
    fn reopening_renews_an_expired_time_limit() {
        let resolved = Ticket {
            severity: Severity::Medium,
            ..ready(Resolved)
        };
        // Due 2026-12-01, still ahead on 2026-11-30: kept.
        assert_eq!(
            resolved.advance(Investigating, today()).unwrap().due,
            Some(day(2026, 12, 1))
        );
        // Reopened on 2026-12-05: a fresh 3 days.
        assert_eq!(
            resolved
                .advance(Investigating, day(2026, 12, 5))
                .unwrap()
                .due,
            Some(day(2026, 12, 8))
        );
        // A ticket without dates gets them on its first step.
        let bare = Ticket {
            opened: None,
            due: None,
            severity: Severity::Low,
            ..ready(Received)
        };
        let t = bare.advance(Assigned, today()).unwrap();
        assert_eq!(t.opened, Some(today()));
        assert_eq!(t.due, Some(day(2026, 12, 7)));
    }

    #[test]
    fn time_limits_by_severity() {
        let due = |severity| {
            TicketDraft {
                subject: "x".into(),
                severity,
                ..TicketDraft::default()
            }
            .apply(Ticket::default(), day(2026, 12, 30))
            .unwrap()
            .due
            .unwrap()
        };
        assert_eq!(due(Severity::Low), day(2027, 1, 6));
        assert_eq!(due(Severity::Medium), day(2027, 1, 2));
        assert_eq!(due(Severity::High), day(2026, 12, 31));
        assert_eq!(due(Severity::Critical), day(2026, 12, 30));
        for s in Severity::ALL {
            assert_eq!(s.due_from(day(2026, 12, 30)), due(s), "{s:?}");
        }
    }

    #[test]
    fn the_customer_name_goes_with_the_customer() {
        let draft = TicketDraft {
            subject: "Noise".into(),
            customer_id: Some(Uuid::from_u128(7)),
            customer_name: " 张伟 ".into(),
            ..TicketDraft::default()
        };
        let t = draft.apply(Ticket::default(), today()).unwrap();
        assert_eq!(t.customer_name, "张伟");
        assert_eq!(t.draft().customer_name, "张伟");
        let cleared = TicketDraft {
            customer_id: None,
            ..t.draft()
        }
        .apply(t, today())
        .unwrap();
        assert_eq!(cleared.customer_name, "", "no name without a customer");
    }

    #[test]
    fn draft_errors_and_edits() {
        let errors = |d: TicketDraft, base: Ticket| -> Vec<(&'static str, Problem)> {
            d.apply(base, today())
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.problem))
                .collect()
        };
        assert_eq!(
            errors(
                TicketDraft {
                    subject: "".into(),
                    due: "tomorrow".into(),
                    ..TicketDraft::default()
                },
                Ticket::default()
            ),
            vec![
                ("subject", Problem::Required),
                ("due", Problem::InvalidDate)
            ]
        );
        // Editing an older ticket: due may not be before the day it was opened.
        let old = ready(Investigating);
        assert_eq!(
            errors(
                TicketDraft {
                    due: "2026-11-27".into(),
                    ..old.draft()
                },
                old.clone()
            ),
            vec![("due", Problem::BeforeInteraction)]
        );
        let same_day = TicketDraft {
            due: "2026-11-28".into(),
            channel: Channel::Online,
            ..old.draft()
        }
        .apply(old.clone(), today())
        .unwrap();
        assert_eq!(same_day.due, Some(day(2026, 11, 28)));
        assert_eq!(same_day.opened, old.opened, "opened never moves");
        assert_eq!(
            same_day.status, Investigating,
            "status only moves by advance"
        );
        assert_eq!(same_day.channel, Channel::Online);
        assert_eq!(old.draft().apply(old.clone(), today()), Ok(old));
    }

    #[test]
    fn overdue_only_while_open_and_past_due() {
        let due_dec_1 = |status| ready(status).is_overdue(day(2026, 12, 2));
        assert!(due_dec_1(Received));
        assert!(due_dec_1(Assigned));
        assert!(due_dec_1(Investigating));
        assert!(!due_dec_1(Resolved));
        assert!(!due_dec_1(Closed));
        assert!(
            !ready(Received).is_overdue(day(2026, 12, 1)),
            "due today is not overdue"
        );
        let deleted = Ticket {
            deleted: true,
            ..ready(Received)
        };
        assert!(!deleted.is_overdue(day(2027, 1, 1)));
        let undated = Ticket {
            due: None,
            ..ready(Received)
        };
        assert!(!undated.is_overdue(day(2027, 1, 1)));
    }

    #[test]
    fn serde_names_and_partial_records() {
        let t: Ticket = serde_json::from_str(r#"{"subject":"Noise","_deleted":true}"#).unwrap();
        assert_eq!(t.subject, "Noise");
        assert!(t.deleted);
        assert_eq!(t.status, Received);
        for c in Channel::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        for s in Severity::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for s in TicketStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(TicketStatus::parse(s.as_str()), Some(s));
        }
        let e = serde_json::to_value(WorkflowError::SatisfactionOutOfRange { value: 9 }).unwrap();
        assert_eq!(
            e,
            serde_json::json!({"problem": "satisfaction_out_of_range", "value": 9})
        );
    }
}
