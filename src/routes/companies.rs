//! Companies: every company customer with its contacts and contracted flag.

use leptos::prelude::*;

use crate::i18n::use_texts;

#[component]
pub fn CompaniesPage() -> impl IntoView {
    let t = use_texts();
    view! { <h1>{move || t.get().companies}</h1> }
}
