//! Deals: the pipeline as a kanban board (one column per stage) with keyboard moves,
//! pipeline totals, the deal form and a manager's approval of discounts above the
//! organisation's limit. Every rule (allowed moves, probabilities, approval) is
//! `crm_core::workflow::deal`'s; this screen only calls it and stores the result.

mod board;
mod customer_picker;
mod form;

use std::collections::HashMap;

use crm_core::{
    change::Entity,
    workflow::{weighted_pipeline, Deal, DealStage, Role},
};
use leptos::{prelude::*, task::spawn_local};
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::{
    format::money,
    hooks::{
        use_records::{
            rows_or_empty, save_entity_edit, use_entities, use_org_settings, use_role,
            use_user_name,
        },
        use_store::{use_query, use_store, StoreCtx},
    },
    i18n::deals::use_deal_texts,
};

/// What the form panel above the board is doing.
#[derive(Debug, Clone, PartialEq)]
enum Editing {
    New,
    Edit(Deal),
}

/// Where keyboard focus goes once the board shows `deal` in `stage`: the first of `ids`
/// that exists (so a keyboard user keeps their place after a move or a save).
#[derive(Debug, Clone, PartialEq)]
struct FocusTarget {
    deal: Uuid,
    stage: DealStage,
    ids: Vec<String>,
}

/// Page-wide state shared by the board, its cards and the form.
#[derive(Clone, Copy)]
struct DealsCtx {
    store: StoreCtx,
    /// Live deals, oldest first.
    deals: Signal<Vec<Deal>>,
    /// Names of the customers the deals refer to.
    names: Signal<HashMap<Uuid, String>>,
    editing: RwSignal<Option<Editing>>,
    /// One refused step at a time, shown in its card: (deal id, message).
    card_error: RwSignal<Option<(Uuid, String)>>,
    focus_after: RwSignal<Option<FocusTarget>>,
    /// The signed-in user's role (a rep when signed out).
    role: Signal<Role>,
    /// The signed-in user's name: owner of new deals, approver of discounts.
    user_name: Signal<String>,
    /// The discount limit in percent (organisation settings).
    limit: Signal<f64>,
}

impl DealsCtx {
    /// The stored version of a deal (fresher than a copy taken when a form opened).
    fn latest(&self, id: Uuid) -> Option<Deal> {
        self.deals
            .with_untracked(|all| all.iter().find(|d| d.id == id).cloned())
    }

    /// Stores `deal`, made from `opened` (the copy the screen showed; `None` for a new
    /// deal): only the fields changed from it are written, so a field a sync changed
    /// meanwhile keeps the pulled value. On success focuses `focus` (element ids, first
    /// found) once the board shows it, on failure shows the storage error in the card.
    fn write(self, opened: Option<Deal>, deal: Deal, focus: Vec<String>) {
        spawn_local(async move {
            match save_entity_edit(self.store, Entity::Deal, deal.id, opened.as_ref(), &deal).await
            {
                Ok(_) => {
                    self.card_error
                        .update(|e| *e = e.take().filter(|(id, _)| *id != deal.id));
                    if !focus.is_empty() {
                        self.focus_after.set(Some(FocusTarget {
                            deal: deal.id,
                            stage: deal.stage,
                            ids: focus,
                        }));
                    }
                }
                Err(e) => self.card_error.set(Some((deal.id, e.to_string()))),
            }
        });
    }
}

/// `12.0` → "12", `12.5` → "12.5" (percentages as people write them).
fn percent(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        let text = format!("{value:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Focuses the first element of `ids` that exists; true when one did.
fn focus_first(ids: &[String]) -> bool {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    ids.iter()
        .filter_map(|id| doc.get_element_by_id(id))
        .filter_map(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
        .any(|el| el.focus().is_ok())
}

/// The Deals screen.
#[component]
pub fn DealsPage() -> impl IntoView {
    let t = use_deal_texts();
    let rows = use_entities::<Deal>(Entity::Deal);
    let loaded = Signal::derive(move || rows.get().flatten().is_some());
    let load_error = Signal::derive(move || {
        rows.get()
            .flatten()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    });
    let all = rows_or_empty(rows);
    let deals = Memo::new(move |_| {
        let mut list = all.get();
        list.sort_by_key(|d| (d.created_ms, d.id));
        list
    });
    let customer_ids = Memo::new(move |_| {
        let mut ids: Vec<Uuid> = deals.get().iter().filter_map(|d| d.customer_id).collect();
        ids.sort();
        ids.dedup();
        ids
    });
    let names_rows = use_query(
        move || customer_ids.get(),
        |store, ids| async move {
            let mut names = HashMap::new();
            for id in ids {
                if let Some(record) = store.customer(id).await? {
                    names.insert(id, record.customer.name);
                }
            }
            Ok(names)
        },
    );
    let settings = use_org_settings();
    let role = use_role();
    let ctx = DealsCtx {
        store: use_store(),
        deals: deals.into(),
        names: Signal::derive(move || {
            names_rows
                .get()
                .flatten()
                .and_then(Result::ok)
                .unwrap_or_default()
        }),
        editing: RwSignal::new(None),
        card_error: RwSignal::new(None),
        focus_after: RwSignal::new(None),
        role: Signal::derive(move || role.get().unwrap_or(Role::Rep)),
        user_name: use_user_name(),
        limit: Signal::derive(move || settings.get().approval.discount_limit_pct),
    };
    provide_context(ctx);

    // Keep keyboard focus on the moved or saved deal once the board shows it.
    Effect::new(move |_| {
        let Some(target) = ctx.focus_after.get() else {
            return;
        };
        let shown = deals.with(|all| {
            all.iter()
                .any(|d| d.id == target.deal && d.stage == target.stage)
        });
        if shown {
            ctx.focus_after.set(None);
            request_animation_frame(move || {
                focus_first(&target.ids);
            });
        }
    });

    let open_new = move |_| {
        ctx.card_error.set(None);
        ctx.editing.set(Some(Editing::New));
    };

    view! {
        <h1>{move || t.get().title}</h1>
        <p class="muted">{move || t.get().intro}</p>
        <Totals />
        <div class="toolbar">
            <button
                type="button"
                class="primary"
                id="new-deal"
                on:click=open_new
                aria-expanded=move || (ctx.editing.get() == Some(Editing::New)).to_string()
            >
                {move || t.get().new_deal}
            </button>
        </div>
        {move || ctx.editing.get().map(|editing| view! { <form::DealForm editing /> })}
        {move || load_error.get().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
        <Show
            when=move || loaded.get()
            fallback=move || view! { <p class="muted">{move || t.get().loading}</p> }
        >
            <Show when=move || deals.with(Vec::is_empty)>
                <p class="empty">{move || t.get().empty_board}</p>
            </Show>
            <board::Board />
        </Show>
    }
}

/// Open pipeline value, weighted forecast and the number of open deals.
#[component]
fn Totals() -> impl IntoView {
    let t = use_deal_texts();
    let d = expect_context::<DealsCtx>();
    let open = Memo::new(move |_| {
        d.deals.with(|all| {
            let open: Vec<&Deal> = all.iter().filter(|x| x.stage.is_open()).collect();
            let value: i64 = open.iter().map(|x| x.amount_minor).sum();
            (open.len(), value)
        })
    });
    let weighted = Memo::new(move |_| d.deals.with(|all| weighted_pipeline(all)));
    view! {
        <dl class="tiles deal-totals" aria-label=move || t.get().totals>
            <div class="tile">
                <dt>{move || t.get().open_pipeline}</dt>
                <dd class="num">{move || money(open.get().1, "CNY")}</dd>
            </div>
            <div class="tile">
                <dt>{move || t.get().weighted_pipeline}</dt>
                <dd class="num">{move || money(weighted.get(), "CNY")}</dd>
            </div>
            <div class="tile">
                <dt>{move || t.get().open_deals}</dt>
                <dd class="num">{move || open.get().0}</dd>
            </div>
        </dl>
    }
}
