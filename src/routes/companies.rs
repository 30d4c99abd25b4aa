//! Companies: every company customer with its number of contacts, city and the
//! contracted-organisation flag. A company's own page (the customer page) lists its
//! contacts with their buying roles and the combined timeline.

use leptos::prelude::*;

use crate::{
    hooks::use_store::use_query,
    i18n::{care::use_care_texts, use_texts},
};

#[component]
pub fn CompaniesPage() -> impl IntoView {
    let t = use_texts();
    let ct = use_care_texts();
    let rows = use_query(
        || (),
        |store, ()| async move { store.companies_with_contacts().await },
    );
    view! {
        <h1>{move || t.get().companies}</h1>
        <p class="muted">{move || ct.get().companies_intro}</p>
        <div class="toolbar">
            <a class="button" href="/customers/new">{move || t.get().new_customer}</a>
        </div>
        {move || match rows.get().flatten() {
            None => view! { <p class="muted">{t.get().loading}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="banner error" role="alert">{e.to_string()}</p> }.into_any(),
            Some(Ok(rows)) if rows.is_empty() => view! { <p class="muted">{ct.get().no_companies}</p> }.into_any(),
            Some(Ok(rows)) => view! {
                <ul class="customer-list" aria-label=t.get().companies>
                    {rows.into_iter().map(|(record, contacts)| {
                        let c = record.customer;
                        let ct = ct.get();
                        let mut meta = vec![format!("{contacts} {}", ct.contacts_n)];
                        if !c.city.is_empty() {
                            meta.push(c.city.clone());
                        }
                        if c.contracted {
                            meta.push(ct.contracted.to_string());
                        }
                        view! {
                            <li><a href=format!("/customers/{}", c.id)>
                                <span class="row-name">{c.name}</span>
                                <span class="row-meta">{meta.join(" · ")}</span>
                            </a></li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any(),
        }}
    }
}
