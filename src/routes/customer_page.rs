//! The customer page: details, aggregates, contacts (companies), Edit, Delete (with
//! Undo), Log interaction and the timeline, newest first.

use crm_core::{CustomerKind, FieldError, InteractionDraft, InteractionKind};
use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::{
    components::field::{SelectField, TextField},
    format::{datetime, money},
    hooks::{
        use_customer::{log_interaction, set_deleted, today, use_customer},
        use_store::use_store,
        use_toast::{use_toast, Toast, UndoAction},
    },
    i18n::{
        buying_role, customer_kind, interaction_kind, problem_text, stage, use_locale, use_texts,
    },
    storage::{records::CustomerRecord, StoreError},
};

#[component]
pub fn CustomerPage() -> impl IntoView {
    let params = use_params_map();
    let id = Signal::derive(move || {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    });
    let view = use_customer(id);
    let t = use_texts();
    // A memo of the page's shape: a background refresh (a sync, a write elsewhere) that
    // returns the same customer keeps the page and an open Log interaction form in place;
    // only the details re-render.
    let shape = Memo::new(move |_| match view.record.get().flatten() {
        None => PageShape::Loading,
        Some(Err(e)) => PageShape::Failed(e.to_string()),
        Some(Ok(Some(r))) if !r.customer.deleted => PageShape::Found {
            id: r.customer.id,
            company: r.customer.kind == CustomerKind::Company,
        },
        Some(Ok(_)) => PageShape::NotFound,
    });
    let record = Memo::new(move |_| {
        view.record
            .get()
            .flatten()
            .and_then(Result::ok)
            .flatten()
            .filter(|r| !r.customer.deleted)
    });
    move || match shape.get() {
        PageShape::Loading => view! { <p class="muted">{t.get().loading}</p> }.into_any(),
        PageShape::Failed(e) => view! { <p class="banner error" role="alert">{e}</p> }.into_any(),
        PageShape::Found { id, company } => view! {
            {move || record.get().map(|record| view! { <CustomerDetails record /> })}
            <CustomerLoyalty timeline=view.timeline />
            <Show when=move || company>
                <Contacts contacts=view.contacts />
                <crate::components::company_timeline::CompanyTimeline id />
            </Show>
            <Timeline id timeline=view.timeline />
        }
        .into_any(),
        PageShape::NotFound => view! {
            <h1>{t.get().not_found}</h1>
            <a href="/customers">{t.get().back_to_customers}</a>
        }
        .into_any(),
    }
}

/// What the customer page shows, without the customer's changing fields.
#[derive(Clone, PartialEq)]
enum PageShape {
    Loading,
    Failed(String),
    Found { id: Uuid, company: bool },
    NotFound,
}

#[component]
fn CustomerDetails(record: CustomerRecord) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let ctx = use_store();
    let toast = use_toast();
    let navigate = use_navigate();
    let c = record.customer.clone();
    let id = c.id;
    let agg = record.agg.clone();
    let nav = navigate.clone();
    let edit = move |_| nav(&format!("/customers/{id}/edit"), Default::default());
    let delete = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            match set_deleted(ctx, id, true).await {
                Ok(_) => {
                    toast.set(Some(Toast {
                        message: t.get_untracked().customer_deleted.to_string(),
                        undo: Some(UndoAction::RestoreCustomer(id)),
                    }));
                    navigate("/customers", Default::default());
                }
                Err(e) => toast.set(Some(Toast {
                    message: e.to_string(),
                    undo: None,
                })),
            }
        });
    };
    let subtitle = {
        let c = c.clone();
        move || {
            let l = locale.get();
            let mut parts = vec![
                customer_kind(l, c.kind).to_string(),
                stage(l, c.stage).to_string(),
            ];
            if !c.title.is_empty() {
                parts.push(c.title.clone());
            }
            if let Some(role) = c.buying_role {
                parts.push(buying_role(l, role).to_string());
            }
            parts.join(" · ")
        }
    };
    let stats = {
        let agg = agg.clone();
        move || {
            let t = t.get();
            let mut parts = vec![
                format!("{} {}", agg.interactions, t.interactions_n),
                format!("{} {}", agg.purchases, t.purchases_n),
                format!("{} {}", money(agg.spend_minor, "CNY"), t.spend_total),
            ];
            if let Some(last) = agg.last_contact {
                parts.push(format!("{}: {}", t.last_contact, datetime(last)));
            }
            if let Some(next) = agg.next_visit {
                parts.push(format!("{}: {}", t.next_visit, next));
            }
            parts
        }
    };
    let company_link = c.company_id.map(|cid| (cid, c.company.clone()));
    let row = move |label: &'static str, value: String| {
        (!value.is_empty()).then(|| view! { <dt>{label}</dt><dd>{value}</dd> })
    };
    let details = {
        let c = c.clone();
        move || {
            let t = t.get();
            view! {
                {row(t.email, c.email.clone())}
                {row(t.phone, c.phone.clone())}
                {row(t.city, c.city.clone())}
                {(!c.tags.is_empty()).then(|| view! {
                    <dt>{t.tags}</dt>
                    <dd>{c.tags.iter().map(|tag| view! { <span class="tag">{tag.clone()}</span> }).collect_view()}</dd>
                })}
                {row(t.birthday, c.birthday.map(|d| d.to_string()).unwrap_or_default())}
                {row(t.preferences, c.preferences.clone())}
                {row(t.notes, c.notes.clone())}
                {c.contracted.then(|| view! { <dt>{t.contracted}</dt><dd>"✓"</dd> })}
            }
        }
    };
    view! {
        <h1>{c.name.clone()}</h1>
        <p class="muted">{subtitle}</p>
        {company_link.map(|(cid, name)| view! {
            <p>{move || t.get().company}": " <a href=format!("/customers/{cid}")>{name.clone()}</a></p>
        })}
        <div class="toolbar">
            <button type="button" on:click=edit>{move || t.get().edit}</button>
            <button type="button" class="danger" on:click=delete>{move || t.get().delete}</button>
        </div>
        <div class="card">
            <div class="stats">{move || stats().into_iter().map(|s| view! { <span>{s}</span> }).collect_view()}</div>
            <dl class="details">{details}</dl>
        </div>
    }
}

#[component]
fn Contacts(
    contacts: LocalResource<Option<Result<Vec<CustomerRecord>, StoreError>>>,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    view! {
        <h2>{move || t.get().contacts}</h2>
        {move || match contacts.get().flatten() {
            Some(Ok(rows)) if !rows.is_empty() => view! {
                <ul class="customer-list" aria-label=t.get().contacts>
                    {rows.into_iter().map(|r| {
                        let c = r.customer;
                        let role = c.buying_role.map(|b| buying_role(locale.get(), b).to_string()).unwrap_or_default();
                        view! {
                            <li><a href=format!("/customers/{}", c.id)>
                                <span class="row-name">{c.name}</span>
                                <span class="row-meta">{[c.title, role].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")}</span>
                            </a></li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any(),
            Some(Ok(_)) => view! { <p class="muted">{t.get().no_contacts}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="banner error" role="alert">{e.to_string()}</p> }.into_any(),
            None => view! { <p class="muted">{t.get().loading}</p> }.into_any(),
        }}
    }
}

#[component]
fn Timeline(
    id: Uuid,
    timeline: LocalResource<Option<Result<Vec<crm_core::Interaction>, StoreError>>>,
) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let open = RwSignal::new(false);
    view! {
        <h2>{move || t.get().timeline}</h2>
        <div class="toolbar">
            <button type="button" class="primary" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                {move || t.get().log_interaction}
            </button>
        </div>
        <Show when=move || open.get()>
            <LogInteractionForm id=id on_done=Callback::new(move |_| open.set(false)) />
        </Show>
        {move || match timeline.get().flatten() {
            Some(Ok(items)) if items.is_empty() => view! { <p class="muted">{t.get().no_interactions}</p> }.into_any(),
            Some(Ok(items)) => view! {
                <ol class="timeline" aria-label=t.get().timeline>
                    {items.into_iter().map(|i| {
                        let l = locale.get();
                        view! {
                            <li>
                                <div class="when">{datetime(i.at)}</div>
                                <span class="kind">{interaction_kind(l, i.kind)}</span>
                                <span>{i.summary}</span>
                                {i.amount_minor.map(|a| view! { " " <span class="amount">{money(a, &i.currency)}</span> })}
                                {i.items.filter(|n| *n > 1).map(|n| format!(" × {n}"))}
                                {(!i.outcome.is_empty()).then(|| view! { <div class="muted">{i.outcome.clone()}</div> })}
                                {i.next_visit.map(|d| view! { <div class="muted">{format!("{}: {d}", t.get().next_visit)}</div> })}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }.into_any(),
            Some(Err(e)) => view! { <p class="banner error" role="alert">{e.to_string()}</p> }.into_any(),
            None => view! { <p class="muted">{t.get().loading}</p> }.into_any(),
        }}
    }
}

#[component]
fn LogInteractionForm(id: Uuid, on_done: Callback<()>) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    let ctx = use_store();
    let kind = RwSignal::new("visit".to_string());
    let date = RwSignal::new(today().to_string());
    let summary = RwSignal::new(String::new());
    let outcome = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let items = RwSignal::new(String::new());
    let next_visit = RwSignal::new(String::new());
    let campaign = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let err = move |field: &'static str| {
        crate::components::field::field_error(errors, locale, field, problem_text)
    };
    let is_purchase = move || kind.get() == "purchase";
    let kinds = Signal::derive(move || {
        let l = locale.get();
        InteractionKind::ALL
            .iter()
            .map(|k| (k.as_str(), interaction_kind(l, *k)))
            .collect::<Vec<_>>()
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let draft = InteractionDraft {
            kind: InteractionKind::parse(&kind.get_untracked()).unwrap_or_default(),
            date: date.get_untracked(),
            summary: summary.get_untracked(),
            outcome: outcome.get_untracked(),
            amount: amount.get_untracked(),
            items: items.get_untracked(),
            next_visit: next_visit.get_untracked(),
            campaign_id: Uuid::parse_str(&campaign.get_untracked()).ok(),
        };
        saving.set(true);
        spawn_local(async move {
            match log_interaction(ctx, id, draft).await {
                Ok(_) => {
                    errors.set(Vec::new());
                    general.set(None);
                    on_done.run(());
                }
                Err(StoreError::Invalid(list)) => {
                    errors.set(list);
                    general.set(Some(t.get_untracked().fix_errors.to_string()));
                }
                Err(e) => general.set(Some(e.to_string())),
            }
            saving.set(false);
        });
    };
    view! {
        <form novalidate on:submit=on_submit class="card" aria-label=move || t.get().log_interaction>
            {move || general.get().map(|g| view! { <p class="banner error" role="alert">{g}</p> })}
            <div class="form-grid">
                <SelectField id="i-kind" label=Signal::derive(move || t.get().type_) value=kind options=kinds />
                <TextField id="i-date" label=Signal::derive(move || t.get().date) value=date error=err("date") input_type="date" />
                <TextField id="i-summary" label=Signal::derive(move || t.get().summary) value=summary error=err("summary") wide=true />
                <Show when=is_purchase>
                    <TextField id="i-amount" label=Signal::derive(move || t.get().amount) value=amount error=err("amount") input_mode="decimal" />
                    <TextField id="i-items" label=Signal::derive(move || t.get().items) value=items error=err("items") input_mode="numeric" />
                    <CampaignSelect value=campaign />
                </Show>
                <TextField id="i-outcome" label=Signal::derive(move || t.get().outcome) value=outcome error=err("outcome") />
                <TextField id="i-next-visit" label=Signal::derive(move || t.get().next_visit) value=next_visit error=err("next_visit") input_type="date" />
            </div>
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || saving.get()>{move || t.get().save}</button>
                <button type="button" on:click=move |_| on_done.run(())>{move || t.get().cancel}</button>
            </div>
        </form>
    }
}

/// The customer's loyalty points, tier and points history under the organisation's
/// current loyalty policy.
#[component]
fn CustomerLoyalty(
    timeline: LocalResource<Option<Result<Vec<crm_core::Interaction>, StoreError>>>,
) -> impl IntoView {
    let settings = crate::hooks::use_records::use_org_settings();
    let policy = Signal::derive(move || settings.get().loyalty);
    let interactions = Signal::derive(move || {
        timeline
            .get()
            .flatten()
            .and_then(Result::ok)
            .unwrap_or_default()
    });
    view! { <crate::components::loyalty::LoyaltyPanel policy=policy interactions=interactions /> }
}

/// The Campaign select of a purchase: "None" (the default) or one of the live campaigns,
/// newest first; the value is the campaign id.
#[component]
fn CampaignSelect(value: RwSignal<String>) -> impl IntoView {
    use crm_core::{change::Entity, workflow::Campaign};
    let t = crate::i18n::campaigns::use_campaign_texts();
    let rows = crate::hooks::use_records::use_entities::<Campaign>(Entity::Campaign);
    let campaigns = crate::hooks::use_records::rows_or_empty(rows);
    let options = move || {
        let mut list = campaigns.get();
        list.sort_by_key(|c| std::cmp::Reverse((c.start, c.created_ms)));
        list.into_iter()
            .map(|c| {
                let id = c.id.to_string();
                let selected = {
                    let id = id.clone();
                    move || value.get() == id
                };
                view! { <option value=id selected=selected>{c.name}</option> }
            })
            .collect_view()
    };
    view! {
        <div class="field">
            <label for="i-campaign">{move || t.get().campaign}</label>
            <select id="i-campaign" on:change=move |ev| value.set(event_target_value(&ev)) prop:value=move || value.get()>
                <option value="" selected=move || value.get().is_empty()>{move || t.get().no_campaign}</option>
                {options}
            </select>
        </div>
    }
}
