//! Deals: the pipeline as a kanban board with keyboard moves and discount approval.

use leptos::prelude::*;

use crate::i18n::use_texts;

#[component]
pub fn DealsPage() -> impl IntoView {
    let t = use_texts();
    view! { <h1>{move || t.get().deals}</h1> }
}
