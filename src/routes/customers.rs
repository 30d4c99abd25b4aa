//! Customers: instant search, the paged list, New customer, and first-run demo data.

use leptos::{ev, html, prelude::*, task::spawn_local};
use leptos_router::hooks::use_navigate;

use crate::{
    hooks::{use_customer::load_demo, use_customers::use_customer_list, use_store::use_store},
    i18n::use_texts,
    storage::records::CustomerRecord,
};

fn is_typing(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let t = use_texts();
    let query = RwSignal::new(String::new());
    let list = use_customer_list(query.into());
    let navigate = use_navigate();
    let search: NodeRef<html::Input> = NodeRef::new();
    let handle = window_event_listener(ev::keydown, move |ev| {
        if ev.key() == "/" && !is_typing(&ev) {
            ev.prevent_default();
            if let Some(input) = search.get() {
                let _ = input.focus();
            }
        }
    });
    on_cleanup(move || handle.remove());

    let total = Signal::derive(move || list.total.get().flatten().and_then(Result::ok));
    let empty = Signal::derive(move || total.get() == Some(0) && query.get().trim().is_empty());
    let new_customer = move |_| navigate("/customers/new", Default::default());

    view! {
        <h1>{move || t.get().customers}</h1>
        <div class="toolbar">
            <input
                type="search"
                node_ref=search
                aria-label=move || t.get().search_customers
                placeholder=move || t.get().search_placeholder
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
            />
            <button type="button" class="primary" on:click=new_customer>{move || t.get().new_customer}</button>
            <crate::routes::import::ImportExport query=query />
        </div>
        <p id="customer-count" aria-live="polite">
            {move || total.get().map(|n| format!("{n} {}", t.get().customers_count))}
        </p>
        <Show when=move || empty.get() fallback=move || view! { <CustomerRows list_rows=list.rows limit=list.limit query=query /> }>
            <EmptyState />
        </Show>
    }
}

/// The list itself, with "Show more" when a full page came back.
#[component]
fn CustomerRows(
    list_rows: LocalResource<Option<Result<Vec<CustomerRecord>, crate::storage::StoreError>>>,
    limit: RwSignal<u32>,
    query: RwSignal<String>,
) -> impl IntoView {
    let t = use_texts();
    move || match list_rows.get().flatten() {
        None => view! { <p class="muted">{t.get().loading}</p> }.into_any(),
        Some(Err(e)) => {
            view! { <p class="banner error" role="alert">{e.to_string()}</p> }.into_any()
        }
        Some(Ok(rows)) if rows.is_empty() && !query.get().trim().is_empty() => {
            view! { <p class="muted">{t.get().no_matches}</p> }.into_any()
        }
        Some(Ok(rows)) => {
            let full = rows.len() as u32 >= limit.get_untracked();
            let searching = !query.get_untracked().trim().is_empty();
            let n = rows.len();
            view! {
                <Show when=move || searching>
                    <p class="muted">{move || format!("{}{} {}", n, if full { "+" } else { "" }, t.get().matches_count)}</p>
                </Show>
                <ul class="customer-list" aria-label=move || t.get().customer_list>
                    {rows.into_iter().map(|r| view! { <CustomerRow record=r /> }).collect_view()}
                </ul>
                <Show when=move || full>
                    <button type="button" on:click=move |_| limit.update(|l| *l += crate::storage::customers::PAGE)>
                        {move || t.get().show_more}
                    </button>
                </Show>
            }
            .into_any()
        }
    }
}

#[component]
fn CustomerRow(record: CustomerRecord) -> impl IntoView {
    let c = record.customer;
    let meta: Vec<String> = [c.company.clone(), c.city.clone(), c.phone.clone()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    view! {
        <li>
            <a href=format!("/customers/{}", c.id)>
                <span class="row-name">{c.name}</span>
                <span class="row-meta">{meta.join(" · ")}</span>
            </a>
        </li>
    }
}

/// First run: explain, and offer New customer and Load demo data.
#[component]
fn EmptyState() -> impl IntoView {
    let t = use_texts();
    view! {
        <div class="empty">
            <h2>{move || t.get().empty_title}</h2>
            <p>{move || t.get().empty_body}</p>
            <LoadDemoButton />
        </div>
    }
}

/// Loads the demo data set with a progress bar; used here and on the Sync screen.
#[component]
pub fn LoadDemoButton() -> impl IntoView {
    let t = use_texts();
    let ctx = use_store();
    let progress = RwSignal::new(None::<(usize, usize)>);
    let error = RwSignal::new(None::<String>);
    let load = move |_| {
        error.set(None);
        spawn_local(async move {
            if let Err(e) = load_demo(ctx, progress).await {
                error.set(Some(e.to_string()));
            }
        });
    };
    view! {
        <button type="button" on:click=load disabled=move || progress.get().is_some()>{move || t.get().load_demo_data}</button>
        {move || progress.get().map(|(done, total)| view! {
            <p>{t.get().loading_demo}</p>
            <progress max=total value=done aria-label=t.get().loading_demo></progress>
        })}
        {move || error.get().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
    }
}
