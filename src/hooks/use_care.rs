//! Care reminders (birthday, 7 and 28 days after a purchase, membership expiry): the
//! core lists them for the customers the care indexes point at; this hook adds the
//! synced done / snoozed states and the actions.

use chrono::{Days, NaiveDate};
use crm_core::{
    change::Entity,
    workflow::{
        care::{self, AHEAD_DAYS, OVERDUE_DAYS},
        Reminder, ReminderState,
    },
};
use leptos::prelude::*;

use super::{
    use_customer::today,
    use_records::{save_entity, use_entities},
    use_store::{use_query, StoreCtx},
};
use crate::storage::StoreError;

/// One reminder as the screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CareItem {
    pub reminder: Reminder,
    pub name: String,
    pub phone: String,
    pub overdue: bool,
}

/// The active reminders from `OVERDUE_DAYS` ago to `AHEAD_DAYS` ahead, earliest first;
/// `None` while loading.
pub fn use_care() -> Signal<Option<Result<Vec<CareItem>, StoreError>>> {
    let candidates = use_query(
        || (),
        |store, ()| async move {
            let today = today();
            let from = today
                .checked_sub_days(Days::new(OVERDUE_DAYS))
                .unwrap_or(today);
            let to = today
                .checked_add_days(Days::new(AHEAD_DAYS))
                .unwrap_or(today);
            let rows = store.care_candidates(from, to).await?;
            Ok(rows
                .into_iter()
                .flat_map(|(record, items)| {
                    let purchases: Vec<&crm_core::Interaction> = items.iter().collect();
                    care::reminders_for(&record.customer, &purchases, from, to)
                        .into_iter()
                        .map(|reminder| CareItem {
                            overdue: care::is_overdue(&reminder, today),
                            reminder,
                            name: record.customer.name.clone(),
                            phone: record.customer.phone.clone(),
                        })
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>())
        },
    );
    let states = use_entities::<ReminderState>(Entity::Reminder);
    Signal::derive(move || {
        let items = candidates.get().flatten()?;
        let states = states
            .get()
            .flatten()
            .and_then(Result::ok)
            .unwrap_or_default();
        let today = today();
        Some(items.map(|items| {
            let mut items: Vec<CareItem> = items
                .into_iter()
                .filter(|item| {
                    let state = states.iter().find(|s| s.id == item.reminder.state_id());
                    care::is_active(&item.reminder, state, today)
                })
                .collect();
            items.sort_by(|a, b| (a.reminder.due, &a.name).cmp(&(b.reminder.due, &b.name)));
            items
        }))
    })
}

/// Marks a reminder done (synced, so every device stops showing it).
pub async fn mark_done(ctx: StoreCtx, reminder: &Reminder) -> Result<usize, StoreError> {
    let state = ReminderState::done(reminder);
    save_entity(ctx, Entity::Reminder, state.id, &state).await
}

/// Snoozes a reminder until `until`.
pub async fn snooze(
    ctx: StoreCtx,
    reminder: &Reminder,
    until: NaiveDate,
) -> Result<usize, StoreError> {
    let state = ReminderState::snoozed(reminder, until);
    save_entity(ctx, Entity::Reminder, state.id, &state).await
}

/// Undoes done / snooze: the reminder is active again everywhere.
pub async fn reopen(ctx: StoreCtx, reminder: &Reminder) -> Result<usize, StoreError> {
    let state = ReminderState::for_key(&reminder.key);
    save_entity(ctx, Entity::Reminder, state.id, &state).await
}
