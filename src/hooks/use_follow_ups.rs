//! Follow-ups from next-visit dates: due today or overdue, and the next 14 days.

use leptos::prelude::*;

use super::{
    use_customer::{in_days, today},
    use_store::use_query,
};
use crate::storage::{records::CustomerRecord, StoreError};

/// Most follow-ups listed per section.
const LIMIT: u32 = 500;

pub struct FollowUps {
    /// Due on or before today (overdue first).
    pub due: LocalResource<Option<Result<Vec<CustomerRecord>, StoreError>>>,
    /// Due after today, within 14 days.
    pub upcoming: LocalResource<Option<Result<Vec<CustomerRecord>, StoreError>>>,
}

pub fn use_follow_ups() -> FollowUps {
    let due = use_query(
        || (),
        |store, ()| async move { store.follow_ups(today(), LIMIT).await },
    );
    let upcoming = use_query(
        || (),
        |store, ()| async move {
            let today = today().to_string();
            let mut rows = store.follow_ups(in_days(14), LIMIT).await?;
            rows.retain(|r| r.next_visit.as_deref().is_some_and(|d| d > today.as_str()));
            Ok(rows)
        },
    );
    FollowUps { due, upcoming }
}
