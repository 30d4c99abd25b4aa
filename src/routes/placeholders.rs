//! Screens of later releases: reachable from the navigation, saying what they will hold.

use leptos::prelude::*;

use crate::i18n::use_texts;

#[component]
pub fn SegmentsPage() -> impl IntoView {
    let t = use_texts();
    view! {
        <h1>{move || t.get().segments}</h1>
        <p class="empty">{move || t.get().segments_intro}</p>
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let t = use_texts();
    view! {
        <h1>{move || t.get().dashboard}</h1>
        <p class="empty">{move || t.get().dashboard_intro}</p>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let t = use_texts();
    view! {
        <h1>"404"</h1>
        <a href="/customers">{move || t.get().back_to_customers}</a>
    }
}
