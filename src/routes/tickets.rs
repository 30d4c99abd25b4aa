//! Complaints / service tickets: the status flow, time limits and the overdue list.

use leptos::prelude::*;

use crate::i18n::use_texts;

#[component]
pub fn TicketsPage() -> impl IntoView {
    let t = use_texts();
    view! { <h1>{move || t.get().tickets}</h1> }
}
