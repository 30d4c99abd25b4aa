//! Follow-ups: today's (with overdue highlighted) and the next 14 days.

use leptos::prelude::*;

use crate::{
    hooks::{use_customer::today, use_follow_ups::use_follow_ups},
    i18n::use_texts,
    storage::{records::CustomerRecord, StoreError},
};

#[component]
pub fn FollowUpsPage() -> impl IntoView {
    let t = use_texts();
    let f = use_follow_ups();
    view! {
        <h1>{move || t.get().follow_ups}</h1>
        <h2>{move || t.get().todays_follow_ups}</h2>
        <FollowUpList rows=f.due empty=Signal::derive(move || t.get().nothing_due) label=Signal::derive(move || t.get().todays_follow_ups) />
        <h2>{move || t.get().next_14_days}</h2>
        <FollowUpList rows=f.upcoming empty=Signal::derive(move || t.get().nothing_upcoming) label=Signal::derive(move || t.get().next_14_days) />
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
