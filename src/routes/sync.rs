//! Sync screen: where data lives, and the demo data set.

use leptos::prelude::*;

use super::customers::LoadDemoButton;
use crate::i18n::use_texts;

#[component]
pub fn SyncPage() -> impl IntoView {
    let t = use_texts();
    view! {
        <h1>{move || t.get().sync}</h1>
        <p>{move || t.get().sync_intro}</p>
        <section class="card" aria-labelledby="demo-heading">
            <h2 id="demo-heading">{move || t.get().demo_data}</h2>
            <p class="muted">{move || t.get().demo_hint}</p>
            <LoadDemoButton />
        </section>
    }
}
