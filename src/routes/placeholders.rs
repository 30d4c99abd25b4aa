//! The not-found screen.

use leptos::prelude::*;

use crate::i18n::use_texts;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let t = use_texts();
    view! {
        <h1>"404"</h1>
        <a href="/customers">{move || t.get().back_to_customers}</a>
    }
}
