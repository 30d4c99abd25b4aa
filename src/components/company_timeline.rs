//! A company's combined timeline: its own interactions and its contacts', newest first,
//! each labelled with who it was with.

use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    format::{datetime, money},
    hooks::use_store::use_query,
    i18n::{care::use_care_texts, interaction_kind, use_locale, use_texts},
};

/// Most entries shown (the full history of each person is on their own page).
const LIMIT: usize = 200;

#[component]
pub fn CompanyTimeline(id: Uuid) -> impl IntoView {
    let t = use_texts();
    let ct = use_care_texts();
    let locale = use_locale();
    let rows = use_query(
        move || id,
        |store, id| async move { store.company_timeline(id).await },
    );
    view! {
        <h2>{move || ct.get().combined_timeline}</h2>
        {move || match rows.get().flatten() {
            None => view! { <p class="muted">{t.get().loading}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="banner error" role="alert">{e.to_string()}</p> }.into_any(),
            Some(Ok(items)) if items.is_empty() => view! { <p class="muted">{ct.get().no_combined}</p> }.into_any(),
            Some(Ok(items)) => view! {
                <ol class="timeline" aria-label=ct.get().combined_timeline>
                    {items.into_iter().take(LIMIT).map(|(who, i)| view! {
                        <li>
                            <div class="when">{datetime(i.at)}" · "{who}</div>
                            <span class="kind">{interaction_kind(locale.get(), i.kind)}</span>
                            <span>{i.summary}</span>
                            {i.amount_minor.map(|a| view! { " " <span class="amount">{money(a, &i.currency)}</span> })}
                        </li>
                    }).collect_view()}
                </ol>
            }.into_any(),
        }}
    }
}
