//! The deal form's Customer field: a combobox that searches the customer index as you
//! type and lists a handful of matches (never all customers, so it stays fast with
//! 100k of them). Arrow keys move through the list, Enter picks, Escape closes.

use leptos::{ev::KeyboardEvent, prelude::*};
use uuid::Uuid;

use crate::{hooks::use_store::use_query, i18n::deals::use_deal_texts};

/// Matches listed at most.
const MATCHES: usize = 8;

/// One listed customer.
#[derive(Debug, Clone, PartialEq)]
struct Match {
    id: Uuid,
    name: String,
    meta: String,
}

/// `picked` is the chosen customer; `text` what the input shows (the chosen name, or
/// what is being typed — typing clears the choice until a match is picked).
#[component]
pub(super) fn CustomerPicker(
    picked: RwSignal<Option<Uuid>>,
    text: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let t = use_deal_texts();
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let query = Memo::new(move |_| {
        if open.get() {
            text.get().trim().to_string()
        } else {
            String::new()
        }
    });
    let found = use_query(
        move || query.get(),
        |store, q| async move {
            if q.is_empty() {
                return Ok(Vec::new());
            }
            let rows = store.search_customers(&q, MATCHES).await?;
            Ok(rows
                .into_iter()
                .map(|r| {
                    let c = r.customer;
                    let meta: Vec<String> = [c.company, c.city, c.phone]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect();
                    Match {
                        id: c.id,
                        name: c.name,
                        meta: meta.join(" · "),
                    }
                })
                .collect::<Vec<_>>())
        },
    );
    let answered = Signal::derive(move || found.get().flatten().and_then(Result::ok));
    let matches = Signal::derive(move || answered.get().unwrap_or_default());
    let expanded = Signal::derive(move || !query.get().is_empty() && !matches.with(Vec::is_empty));
    let nothing_found = Signal::derive(move || {
        !query.get().is_empty() && answered.get().is_some_and(|m| m.is_empty())
    });

    let pick = move |i: usize| {
        if let Some(m) = matches.with_untracked(|list| list.get(i).cloned()) {
            picked.set(Some(m.id));
            text.set(m.name);
            open.set(false);
            active.set(None);
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        let n = matches.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                open.set(true);
                if n > 0 {
                    active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % n)));
                }
            }
            "ArrowUp" => {
                ev.prevent_default();
                if n > 0 {
                    active.update(|a| *a = Some(a.map_or(n - 1, |i| (i + n - 1) % n)));
                }
            }
            "Enter" => {
                if let (true, Some(i)) = (expanded.get_untracked(), active.get_untracked()) {
                    ev.prevent_default();
                    pick(i);
                }
            }
            "Escape" if open.get_untracked() => {
                ev.prevent_default();
                open.set(false);
                active.set(None);
            }
            _ => {}
        }
    };
    let described = move || {
        let mut ids = vec!["deal-customer-hint"];
        if error.get().is_some() {
            ids.push("deal-customer-error");
        }
        ids.join(" ")
    };

    view! {
        <div class="field combobox">
            <label for="deal-customer">{move || t.get().f_customer}</label>
            <input
                id="deal-customer"
                type="text"
                role="combobox"
                autocomplete="off"
                aria-autocomplete="list"
                aria-controls="deal-customer-list"
                aria-expanded=move || expanded.get().to_string()
                aria-activedescendant=move || active.get().map(|i| format!("deal-customer-opt-{i}"))
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    picked.set(None);
                    open.set(true);
                    active.set(None);
                }
                on:keydown=on_keydown
                on:blur=move |_| {
                    open.set(false);
                    active.set(None);
                }
            />
            <ul
                id="deal-customer-list"
                role="listbox"
                class="combobox-list"
                aria-label=move || t.get().customer_matches
                hidden=move || !expanded.get()
            >
                {move || {
                    matches
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(i, m)| {
                            view! {
                                <li
                                    role="option"
                                    id=format!("deal-customer-opt-{i}")
                                    aria-selected=move || (active.get() == Some(i)).to_string()
                                    class:active=move || active.get() == Some(i)
                                    on:mousedown=move |ev| {
                                        ev.prevent_default();
                                        pick(i);
                                    }
                                >
                                    <span class="row-name">{m.name}</span>
                                    " "
                                    <span class="row-meta">{m.meta}</span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <p class="muted" id="deal-customer-hint">{move || t.get().customer_hint}</p>
            <Show when=move || nothing_found.get()>
                <p class="muted" aria-live="polite">{move || t.get().no_customer_matches}</p>
            </Show>
            {move || error.get().map(|e| view! { <p class="field-error" id="deal-customer-error">{e}</p> })}
        </div>
    }
}
