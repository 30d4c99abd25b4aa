//! The kanban board: one column per stage, one card per deal with its moves, approval
//! and edit / delete buttons. Every button is a real button, so the board works from
//! the keyboard alone; after a move focus follows the card to its new column.

use crm_core::{
    change::Entity,
    workflow::{Approval, Deal, DealStage},
};
use leptos::{prelude::*, task::spawn_local};

use super::{percent, DealsCtx, Editing};
use crate::{
    format::money,
    hooks::{
        use_records::save_entity_edit,
        use_store::StoreCtx,
        use_toast::{use_toast, Toast, UndoAction},
    },
    i18n::{
        deals::{deal_stage, fill, use_deal_texts, workflow_error},
        use_locale,
    },
};

/// The columns, open stages first, then Won and Lost.
#[component]
pub(super) fn Board() -> impl IntoView {
    view! {
        <div class="kanban">
            {DealStage::ALL.into_iter().map(|stage| view! { <Column stage /> }).collect_view()}
        </div>
    }
}

/// A `For` key that changes whenever anything shown on the card changes.
fn card_key(deal: &Deal) -> String {
    format!("{deal:?}")
}

/// One stage: a region and a list both named by the stage heading.
#[component]
fn Column(stage: DealStage) -> impl IntoView {
    let d = expect_context::<DealsCtx>();
    let t = use_deal_texts();
    let locale = use_locale();
    let heading_id = format!("stage-{}", stage.as_str());
    let in_stage = Memo::new(move |_| {
        d.deals.with(|all| {
            all.iter()
                .filter(|x| x.stage == stage)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let summary = move || {
        in_stage.with(|list| {
            let sum: i64 = list.iter().map(|x| x.amount_minor).sum();
            fill(
                t.get().column_summary,
                &[
                    ("count", &list.len().to_string()),
                    ("amount", &money(sum, "CNY")),
                ],
            )
        })
    };
    let (section_label, heading) = (heading_id.clone(), heading_id.clone());
    view! {
        <section
            class="kanban-column"
            class:closed=!stage.is_open()
            aria-labelledby=section_label
        >
            <h2 id=heading>{move || deal_stage(locale.get(), stage)}</h2>
            <p class="muted column-summary">{summary}</p>
            <ul class="deal-list" aria-labelledby=heading_id>
                <For each=move || in_stage.get() key=card_key let:deal>
                    <li>
                        <DealCard deal />
                    </li>
                </For>
            </ul>
            <Show when=move || in_stage.with(Vec::is_empty)>
                <p class="muted column-empty">{move || t.get().empty_column}</p>
            </Show>
        </section>
    }
}

/// One deal: what it is worth, its approval state, and the steps it can take.
#[component]
fn DealCard(deal: Deal) -> impl IntoView {
    let d = expect_context::<DealsCtx>();
    let t = use_deal_texts();
    let dom = format!("deal-{}", deal.id);
    let title_id = format!("{dom}-title");
    let error_id = format!("{dom}-error");
    let id = deal.id;
    let customer = move || {
        deal.customer_id
            .and_then(|c| d.names.with(|n| n.get(&c).cloned()))
            .unwrap_or_else(|| t.get().no_customer.to_string())
    };
    let error = move || {
        d.card_error
            .get()
            .filter(|(err_id, _)| *err_id == id)
            .map(|(_, message)| message)
    };
    let facts = DealFacts {
        amount: money(deal.amount_minor, &deal.currency),
        discount: (deal.discount_pct > 0.0).then(|| format!("{} %", percent(deal.discount_pct))),
        probability: format!("{} %", deal.probability),
        expected_close: deal.expected_close.map(|c| c.to_string()),
    };
    let stored = StoredValue::new(deal.clone());
    let (card_id, card_label) = (dom.clone(), title_id.clone());
    view! {
        <article
            class="deal-card"
            id=card_id
            tabindex="-1"
            aria-labelledby=card_label
            aria-describedby=move || error().map(|_| error_id.clone())
        >
            <h3 id=title_id>{deal.title.clone()}</h3>
            <p class="deal-customer">{customer}</p>
            <FactList facts />
            <ApprovalState deal=stored />
            {
                let error_id = format!("{dom}-error");
                move || error().map(|e| view! { <p class="field-error" role="alert" id=error_id.clone()>{e}</p> })
            }
            <CardActions deal=stored />
        </article>
    }
}

/// What a card lists under its title, formatted once.
struct DealFacts {
    amount: String,
    discount: Option<String>,
    probability: String,
    expected_close: Option<String>,
}

#[component]
fn FactList(facts: DealFacts) -> impl IntoView {
    let t = use_deal_texts();
    let DealFacts {
        amount,
        discount,
        probability,
        expected_close,
    } = facts;
    view! {
        <dl class="deal-facts">
            <dt>{move || t.get().amount}</dt>
            <dd class="amount">{amount}</dd>
            {discount.map(|text| view! {
                <dt>{move || t.get().discount}</dt>
                <dd>{text}</dd>
            })}
            <dt>{move || t.get().probability}</dt>
            <dd>{probability}</dd>
            {expected_close.map(|text| view! {
                <dt>{move || t.get().expected_close}</dt>
                <dd>{text}</dd>
            })}
        </dl>
    }
}

/// The approval badge, and for a pending discount either the manager's Approve / Reject
/// or the rep's note that a manager must approve.
#[component]
fn ApprovalState(deal: StoredValue<Deal>) -> impl IntoView {
    let d = expect_context::<DealsCtx>();
    let t = use_deal_texts();
    let locale = use_locale();
    let current = deal.get_value();
    let title = current.title.clone();
    let decide = move |approve: bool| {
        let deal = deal.get_value();
        let role = d.role.get_untracked();
        let name = d.user_name.get_untracked();
        let result = if approve {
            deal.approve(role, &name)
        } else {
            deal.reject(role, &name)
        };
        match result {
            Ok(next) => {
                let focus = vec![format!("deal-{}", deal.id)];
                d.write(Some(deal), next, focus)
            }
            Err(e) => d
                .card_error
                .set(Some((deal.id, workflow_error(locale.get_untracked(), &e)))),
        }
    };
    let by = |template: &str, fallback: &'static str, name: &str| {
        if name.is_empty() {
            fallback.to_string()
        } else {
            fill(template, &[("name", name)])
        }
    };
    match current.approval {
        Approval::NotNeeded => ().into_any(),
        Approval::Pending => view! {
            <p><span class="badge warn">{move || t.get().pending_approval}</span></p>
            {move || if d.role.get().can_approve() {
                let title = title.clone();
                let (approve_label, reject_label) = {
                    let t = t.get();
                    (fill(t.approve_label, &[("title", &title)]), fill(t.reject_label, &[("title", &title)]))
                };
                view! {
                    <p class="muted">
                        {move || fill(t.get().manager_decides, &[("limit", &percent(d.limit.get()))])}
                    </p>
                    <div class="deal-actions">
                        <button type="button" class="primary" aria-label=approve_label on:click=move |_| decide(true)>
                            {move || t.get().approve}
                        </button>
                        <button type="button" class="danger" aria-label=reject_label on:click=move |_| decide(false)>
                            {move || t.get().reject}
                        </button>
                    </div>
                }
                .into_any()
            } else {
                view! { <p class="muted">{move || t.get().manager_must_approve}</p> }.into_any()
            }}
        }
        .into_any(),
        Approval::Approved => {
            let name = current.approved_by.clone();
            view! {
                <p><span class="badge ok">{move || by(t.get().approved_by, t.get().approved, &name)}</span></p>
            }
            .into_any()
        }
        Approval::Rejected => {
            let name = current.approved_by.clone();
            view! {
                <p><span class="badge danger">{move || by(t.get().rejected_by, t.get().rejected, &name)}</span></p>
                <p class="muted">{move || t.get().rejected_note}</p>
            }
            .into_any()
        }
    }
}

/// Move left / right, Won / Lost (or Reopen), Edit and Delete.
#[component]
fn CardActions(deal: StoredValue<Deal>) -> impl IntoView {
    let d = expect_context::<DealsCtx>();
    let t = use_deal_texts();
    let locale = use_locale();
    let current = deal.get_value();
    let dom = format!("deal-{}", current.id);
    let title = current.title.clone();
    let stage = current.stage;
    let position = DealStage::OPEN.iter().position(|s| *s == stage);
    let left = position
        .and_then(|i| i.checked_sub(1))
        .map(|i| DealStage::OPEN[i]);
    let right = position.and_then(|i| DealStage::OPEN.get(i + 1).copied());

    // A move through the core's rules; a refusal is shown in the card.
    let go = move |to: DealStage, focus: &'static str| {
        let deal = deal.get_value();
        match deal.move_to(to) {
            Ok(next) => {
                let card = format!("deal-{}", deal.id);
                d.write(Some(deal), next, vec![format!("{card}-{focus}"), card]);
            }
            Err(e) => d
                .card_error
                .set(Some((deal.id, workflow_error(locale.get_untracked(), &e)))),
        }
    };
    let move_label = {
        let title = title.clone();
        move |to: DealStage| {
            fill(
                t.get().move_to,
                &[("title", &title), ("stage", deal_stage(locale.get(), to))],
            )
        }
    };
    let stage_button = move |to: DealStage, focus: &'static str| {
        let label = move_label.clone();
        let text = move || {
            let name = deal_stage(locale.get(), to);
            match focus {
                "left" => format!("← {name}"),
                "right" => format!("{name} →"),
                _ => name.to_string(),
            }
        };
        view! {
            <button
                type="button"
                id=format!("{dom}-{focus}")
                aria-label=move || label(to)
                on:click=move |_| go(to, focus)
            >
                {text}
            </button>
        }
    };
    let moves = if stage.is_open() {
        view! {
            {left.map(|to| stage_button(to, "left"))}
            {right.map(|to| stage_button(to, "right"))}
            {stage_button(DealStage::Won, "won")}
            {stage_button(DealStage::Lost, "lost")}
        }
        .into_any()
    } else {
        view! {
            <button
                type="button"
                id=format!("deal-{}-reopen", current.id)
                aria-label=move || fill(t.get().reopen_label, &[("title", &title)])
                on:click=move |_| go(DealStage::Negotiation, "reopen")
            >
                {move || t.get().reopen}
            </button>
        }
        .into_any()
    };
    let toast = use_toast();
    let edit_title = current.title.clone();
    let delete_title = current.title.clone();
    let edit = move |_| {
        d.card_error.set(None);
        d.editing.set(Some(Editing::Edit(deal.get_value())));
    };
    let delete = move |_| {
        let deal = deal.get_value();
        let gone = Deal {
            deleted: true,
            ..deal.clone()
        };
        let texts = t.get_untracked();
        spawn_local(async move {
            match save_entity_edit(d.store, Entity::Deal, gone.id, Some(&deal), &gone).await {
                Ok(_) => {
                    if matches!(d.editing.get_untracked(), Some(Editing::Edit(e)) if e.id == deal.id)
                    {
                        d.editing.set(None);
                    }
                    toast.set(Some(Toast {
                        message: texts.deal_deleted.to_string(),
                        undo: Some(UndoAction::Run(restore(
                            d.store,
                            deal,
                            toast,
                            texts.deal_restored,
                        ))),
                    }));
                }
                Err(e) => d.card_error.set(Some((deal.id, e.to_string()))),
            }
        });
    };
    view! {
        <div class="deal-actions">{moves}</div>
        <div class="deal-actions secondary">
            <button
                type="button"
                id=format!("deal-{}-edit", current.id)
                aria-label=move || fill(t.get().edit_label, &[("title", &edit_title)])
                on:click=edit
            >
                {move || t.get().edit}
            </button>
            <button
                type="button"
                class="danger"
                aria-label=move || fill(t.get().delete_label, &[("title", &delete_title)])
                on:click=delete
            >
                {move || t.get().delete}
            </button>
        </div>
    }
}

/// The Undo of a deletion: writes the deal back without its tombstone. Created under the
/// app's root owner because the toast outlives this screen (Undo after navigating away).
fn restore(
    store: StoreCtx,
    deal: Deal,
    toast: RwSignal<Option<Toast>>,
    restored: &'static str,
) -> Callback<()> {
    let make =
        move || {
            Callback::new(move |_| {
                let back = Deal {
                    deleted: false,
                    ..deal.clone()
                };
                let gone = Deal {
                    deleted: true,
                    ..deal.clone()
                };
                spawn_local(async move {
                    let message =
                        match save_entity_edit(store, Entity::Deal, back.id, Some(&gone), &back)
                            .await
                        {
                            Ok(_) => restored.to_string(),
                            Err(e) => e.to_string(),
                        };
                    toast.set(Some(Toast {
                        message,
                        undo: None,
                    }));
                });
            })
        };
    let mut root = Owner::current();
    while let Some(parent) = root.as_ref().and_then(Owner::parent) {
        root = Some(parent);
    }
    match root {
        Some(owner) => owner.with(make),
        None => make(),
    }
}
