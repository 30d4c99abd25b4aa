//! Organisation settings: loyalty points rate and member tiers, discount approval limit.

use leptos::prelude::*;

use crate::i18n::use_texts;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let t = use_texts();
    view! { <h1>{move || t.get().settings}</h1> }
}
