//! Follow-ups: today's (with overdue highlighted) and the next 14 days from next-visit
//! dates, and the care reminders (birthday, 7 and 28 days after a purchase, membership
//! expiry) with Done / Snooze (undoable).

use chrono::Days;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    hooks::{
        use_care::{mark_done, reopen, snooze, use_care, CareItem},
        use_customer::today,
        use_follow_ups::use_follow_ups,
        use_store::use_store,
        use_toast::{use_toast, Toast, UndoAction},
    },
    i18n::{
        care::{reminder_kind, use_care_texts},
        use_locale, use_texts,
    },
    storage::{records::CustomerRecord, StoreError},
};

#[component]
pub fn FollowUpsPage() -> impl IntoView {
    let t = use_texts();
    let f = use_follow_ups();
    let ct = use_care_texts();
    view! {
        <h1>{move || t.get().follow_ups}</h1>
        <h2>{move || t.get().todays_follow_ups}</h2>
        <FollowUpList rows=f.due empty=Signal::derive(move || t.get().nothing_due) label=Signal::derive(move || t.get().todays_follow_ups) />
        <h2>{move || t.get().next_14_days}</h2>
        <FollowUpList rows=f.upcoming empty=Signal::derive(move || t.get().nothing_upcoming) label=Signal::derive(move || t.get().next_14_days) />
        <h2>{move || ct.get().care_reminders}</h2>
        <CareList />
    }
}

#[component]
fn FollowUpList(
    rows: LocalResource<Option<Result<Vec<CustomerRecord>, StoreError>>>,
    #[prop(into)] empty: Signal<&'static str>,
    #[prop(into)] label: Signal<&'static str>,
) -> impl IntoView {
    let t = use_texts();
    move || match rows.get().flatten() {
        None => view! { <p class="muted">{t.get().loading}</p> }.into_any(),
        Some(Err(e)) => {
            view! { <p class="banner error" role="alert">{e.to_string()}</p> }.into_any()
        }
        Some(Ok(rows)) if rows.is_empty() => {
            view! { <p class="muted">{empty.get()}</p> }.into_any()
        }
        Some(Ok(rows)) => {
            let today = today().to_string();
            view! {
                <ul class="customer-list" aria-label=label.get()>
                    {rows.into_iter().map(|r| {
                        let due = r.next_visit.clone().unwrap_or_default();
                        let overdue = due < today;
                        let c = r.customer;
                        view! {
                            <li><a href=format!("/customers/{}", c.id)>
                                <span class="row-name">{c.name}</span>
                                <span class="row-meta">
                                    {overdue.then(|| view! { <span class="overdue">{t.get().overdue}" "</span> })}
                                    {format!("{}: {due}", t.get().due)}
                                    {(!c.phone.is_empty()).then(|| format!(" · {}", c.phone))}
                                </span>
                            </a></li>
                        }
                    }).collect_view()}
                </ul>
            }
            .into_any()
        }
    }
}

/// The care reminders with their actions, and the opt-in browser notification.
#[component]
fn CareList() -> impl IntoView {
    let t = use_texts();
    let ct = use_care_texts();
    let care = use_care();
    view! {
        <NotifyToggle care=care />
        {move || match care.get() {
            None => view! { <p class="muted">{t.get().loading}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="banner error" role="alert">{e.to_string()}</p> }.into_any(),
            Some(Ok(items)) if items.is_empty() => view! { <p class="muted">{ct.get().no_care}</p> }.into_any(),
            Some(Ok(items)) => view! {
                <ul class="care-list" aria-label=ct.get().care_reminders>
                    {items.into_iter().map(|item| view! { <CareRow item=item /> }).collect_view()}
                </ul>
            }.into_any(),
        }}
    }
}

#[component]
fn CareRow(item: CareItem) -> impl IntoView {
    let t = use_texts();
    let ct = use_care_texts();
    let locale = use_locale();
    let ctx = use_store();
    let toast = use_toast();
    let kind = item.reminder.kind;
    let name = item.name.clone();
    let what = move || format!("{} – {}", reminder_kind(locale.get(), kind), name);
    let target = item.reminder.clone();
    let act = move |done: bool| {
        let reminder = target.clone();
        spawn_local(async move {
            let result = if done {
                mark_done(ctx, &reminder).await
            } else {
                let until = today().checked_add_days(Days::new(1)).unwrap_or_else(today);
                snooze(ctx, &reminder, until).await
            };
            let message = match result {
                Ok(_) if done => ct.get_untracked().marked_done.to_string(),
                Ok(_) => ct.get_untracked().snoozed.to_string(),
                Err(e) => e.to_string(),
            };
            let revert = Callback::new(move |_| {
                let reminder = reminder.clone();
                spawn_local(async move {
                    let _ = reopen(ctx, &reminder).await;
                });
            });
            toast.set(Some(Toast {
                message,
                undo: Some(UndoAction::Run(revert)),
            }));
        });
    };
    let act_snooze = act.clone();
    let label_done = {
        let what = what.clone();
        move || format!("{}: {}", ct.get().done, what())
    };
    let label_snooze = move || format!("{}: {}", ct.get().snooze, what());
    view! {
        <li class="care-row" class:overdue-row=item.overdue>
            <a href=format!("/customers/{}", item.reminder.customer_id)>
                <span class="row-name">{item.name.clone()}</span>
                <span class="row-meta">
                    {item.overdue.then(|| view! { <span class="overdue">{t.get().overdue}" "</span> })}
                    {move || reminder_kind(locale.get(), item.reminder.kind)}
                    {format!(" · {}: {}", t.get_untracked().due, item.reminder.due)}
                    {(!item.phone.is_empty()).then(|| format!(" · {}", item.phone))}
                </span>
            </a>
            <span class="care-actions">
                <button type="button" aria-label=label_done on:click=move |_| act(true)>{move || ct.get().done}</button>
                <button type="button" aria-label=label_snooze on:click=move |_| act_snooze(false)>{move || ct.get().snooze}</button>
            </span>
        </li>
    }
}

const NOTIFY_KEY: &str = "crm.care_notify";

/// Opt-in (off by default) browser notification of the reminders due today, shown once
/// per day and device when permission is granted.
#[component]
fn NotifyToggle(care: Signal<Option<Result<Vec<CareItem>, StoreError>>>) -> impl IntoView {
    let ct = use_care_texts();
    let storage = || web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    let on = RwSignal::new(
        storage()
            .and_then(|s| s.get_item(NOTIFY_KEY).ok().flatten())
            .is_some(),
    );
    let denied = RwSignal::new(false);
    let toggle = move |ev: leptos::ev::Event| {
        let checked = event_target_checked(&ev);
        if !checked {
            on.set(false);
            if let Some(s) = storage() {
                let _ = s.remove_item(NOTIFY_KEY);
            }
            return;
        }
        spawn_local(async move {
            let granted = match web_sys::Notification::request_permission() {
                Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise)
                    .await
                    .ok()
                    .and_then(|v| v.as_string())
                    .is_some_and(|p| p == "granted"),
                Err(_) => false,
            };
            denied.set(!granted);
            on.set(granted);
            if let Some(s) = storage() {
                if granted {
                    let _ = s.set_item(NOTIFY_KEY, "");
                }
            }
        });
    };
    Effect::new(move |_| {
        if !on.get()
            || web_sys::Notification::permission() != web_sys::NotificationPermission::Granted
        {
            return;
        }
        let Some(Ok(items)) = care.get() else { return };
        let due: Vec<String> = items
            .iter()
            .filter(|i| i.reminder.due <= today())
            .map(|i| i.name.clone())
            .collect();
        let stamp = today().to_string();
        let Some(s) = storage() else { return };
        if due.is_empty()
            || s.get_item(NOTIFY_KEY).ok().flatten().as_deref() == Some(stamp.as_str())
        {
            return;
        }
        let options = web_sys::NotificationOptions::new();
        options.set_body(&due.join(", "));
        if web_sys::Notification::new_with_options(ct.get_untracked().notify_title, &options)
            .is_ok()
        {
            let _ = s.set_item(NOTIFY_KEY, &stamp);
        }
    });
    view! {
        <label class="check">
            <input type="checkbox" prop:checked=move || on.get() on:change=toggle />
            " " {move || ct.get().notify}
        </label>
        <Show when=move || denied.get()>
            <p class="muted" role="status">{move || ct.get().notify_denied}</p>
        </Show>
    }
}
