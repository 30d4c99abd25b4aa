//! Complaints / service tickets: the status flow, time limits and the overdue list.
//!
//! One screen: a filter (not closed / overdue / all / one status, optionally one
//! customer through `?customer=<id>`), New ticket, and the list. Opening a ticket shows
//! its details, the next-step buttons (through `Ticket::advance`), Edit and Delete
//! (undoable). The rules live in `crm_core::workflow::ticket`.

mod form;
mod steps;

use chrono::NaiveDate;
use crm_core::{change::Entity, workflow::Ticket, workflow::TicketStatus};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::{
    hooks::{
        use_customer::{today, use_customer},
        use_records::{live_row, rows_or_empty, save_entity_edit, use_entities, use_user_name},
        use_store::{use_store, StoreCtx},
        use_toast::{use_toast, Toast, UndoAction},
    },
    i18n::{
        tickets::{channel_name, severity_name, status_name, use_ticket_texts, TicketTexts},
        use_locale, Locale,
    },
};

use form::TicketForm;
use steps::StepControls;

/// Which tickets the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    /// Everything not closed yet (resolved tickets still wait for the customer's score).
    NotClosed,
    Overdue,
    All,
    Status(TicketStatus),
}

impl Filter {
    fn value(self) -> &'static str {
        match self {
            Filter::NotClosed => "not_closed",
            Filter::Overdue => "overdue",
            Filter::All => "all",
            Filter::Status(s) => s.as_str(),
        }
    }

    fn parse(value: &str) -> Filter {
        match value {
            "overdue" => Filter::Overdue,
            "all" => Filter::All,
            other => TicketStatus::parse(other)
                .map(Filter::Status)
                .unwrap_or(Filter::NotClosed),
        }
    }

    fn options(t: &TicketTexts, l: Locale) -> Vec<(&'static str, &'static str)> {
        let mut options = vec![
            (Filter::NotClosed.value(), t.f_active),
            (Filter::Overdue.value(), t.f_overdue),
            (Filter::All.value(), t.f_all),
        ];
        options.extend(TicketStatus::ALL.map(|s| (s.as_str(), status_name(l, s))));
        options
    }

    fn accepts(self, ticket: &Ticket, today: NaiveDate) -> bool {
        match self {
            Filter::NotClosed => ticket.status != TicketStatus::Closed,
            Filter::Overdue => ticket.is_overdue(today),
            Filter::All => true,
            Filter::Status(s) => ticket.status == s,
        }
    }
}

/// What the list area of the screen is showing.
#[derive(Debug, Clone, PartialEq)]
enum Body {
    Loading,
    Failed(String),
    NoTickets,
    NoneShown,
    List,
}

/// List order: overdue first, then by due date (undated last), then newest first.
fn list_order(tickets: &mut [Ticket], today: NaiveDate) {
    tickets.sort_by_key(|t| {
        (
            !t.is_overdue(today),
            t.due.is_none(),
            t.due,
            std::cmp::Reverse(t.created_ms),
        )
    });
}

/// The toast's Undo for a deleted ticket: saves it again with the tombstone cleared. The
/// toast can outlive this screen, so the callback gets an owner of its own.
fn restore_action(ctx: StoreCtx, toast: RwSignal<Option<Toast>>, ticket: Ticket) -> UndoAction {
    let owner = Owner::new_root(None);
    let revert = owner.with(|| {
        Callback::new(move |_| {
            let restored = Ticket {
                deleted: false,
                ..ticket.clone()
            };
            let gone = Ticket {
                deleted: true,
                ..ticket.clone()
            };
            spawn_local(async move {
                if let Err(e) =
                    save_entity_edit(ctx, Entity::Ticket, restored.id, Some(&gone), &restored).await
                {
                    toast.set(Some(Toast {
                        message: e.to_string(),
                        undo: None,
                    }));
                }
            });
        })
    });
    std::mem::forget(owner);
    UndoAction::Run(revert)
}

#[component]
pub fn TicketsPage() -> impl IntoView {
    let t = use_ticket_texts();
    let locale = use_locale();
    let ctx = use_store();
    let toast = use_toast();
    let user_name = use_user_name();
    let resource = use_entities::<Ticket>(Entity::Ticket);
    let rows = rows_or_empty(resource);
    let query = use_query_map();
    let customer = Memo::new(move |_| {
        query
            .read()
            .get("customer")
            .and_then(|s| Uuid::parse_str(&s).ok())
    });
    let customer_record = use_customer(customer.into()).record;
    let customer_name = Memo::new(move |_| {
        let id = customer.get()?;
        let stored = customer_record
            .get()
            .flatten()
            .and_then(Result::ok)
            .flatten()
            .filter(|r| r.customer.id == id)
            .map(|r| r.customer.name);
        stored.or_else(|| {
            rows.read()
                .iter()
                .find(|t| t.customer_id == Some(id) && !t.customer_name.is_empty())
                .map(|t| t.customer_name.clone())
        })
    });
    let filter = RwSignal::new(Filter::NotClosed);
    let expanded = RwSignal::new(None::<Uuid>);
    let creating = RwSignal::new(false);

    // The customer's tickets (or everyone's), before the status filter.
    let scoped = Memo::new(move |_| {
        let only = customer.get();
        rows.get()
            .into_iter()
            .filter(|t| only.is_none() || t.customer_id == only)
            .collect::<Vec<_>>()
    });
    let shown = Memo::new(move |_| {
        let today = today();
        let f = filter.get();
        let open = expanded.get();
        // The ticket being worked on stays visible when a step moves it out of the filter.
        let mut list: Vec<Ticket> = scoped
            .get()
            .into_iter()
            .filter(|t| f.accepts(t, today) || Some(t.id) == open)
            .collect();
        list_order(&mut list, today);
        list
    });
    let counts = Memo::new(move |_| {
        let today = today();
        let list = scoped.get();
        let active = list
            .iter()
            .filter(|t| t.status != TicketStatus::Closed)
            .count();
        let overdue = list.iter().filter(|t| t.is_overdue(today)).count();
        (list.len(), active, overdue)
    });

    // What the list area shows; a memo, so the keyed list below is built once and then
    // only updates the rows that changed.
    let body = Memo::new(move |_| match resource.get().flatten() {
        None => Body::Loading,
        Some(Err(e)) => Body::Failed(e.to_string()),
        Some(Ok(_)) if counts.get().0 == 0 => Body::NoTickets,
        Some(Ok(_)) if shown.read().is_empty() => Body::NoneShown,
        Some(Ok(_)) => Body::List,
    });

    let on_saved = Callback::new(move |id: Option<Uuid>| {
        creating.set(false);
        if let Some(id) = id {
            // A new ticket is Received (not closed): make sure the filter shows it.
            if !matches!(filter.get_untracked(), Filter::NotClosed | Filter::All) {
                filter.set(Filter::NotClosed);
            }
            expanded.set(Some(id));
        }
    });
    let on_toggle = Callback::new(move |id: Uuid| {
        expanded.update(|e| *e = if *e == Some(id) { None } else { Some(id) });
    });
    let on_delete = Callback::new(move |ticket: Ticket| {
        let gone = Ticket {
            deleted: true,
            ..ticket.clone()
        };
        spawn_local(async move {
            match save_entity_edit(ctx, Entity::Ticket, gone.id, Some(&ticket), &gone).await {
                Ok(_) => {
                    expanded.set(None);
                    toast.set(Some(Toast {
                        message: format!(
                            "{}: {}",
                            t.get_untracked().ticket_deleted,
                            ticket.subject
                        ),
                        undo: Some(restore_action(ctx, toast, ticket)),
                    }));
                }
                Err(e) => toast.set(Some(Toast {
                    message: e.to_string(),
                    undo: None,
                })),
            }
        });
    });
    let filter_options = Signal::derive(move || Filter::options(t.get(), locale.get()));

    view! {
        <h1>{move || t.get().title}</h1>
        <p class="muted">{move || t.get().intro}</p>
        {move || customer.get().map(|_| view! {
            <p>
                {t.get().for_customer} " "
                <strong>{customer_name.get().unwrap_or_default()}</strong>
                " · " <a href="/tickets">{t.get().all_customers}</a>
            </p>
        })}
        <div class="toolbar">
            <button type="button" class="primary" aria-expanded=move || creating.get().to_string()
                on:click=move |_| creating.update(|c| *c = !*c)>
                {move || t.get().new_ticket}
            </button>
            <span class="ticket-filter">
            <label for="tickets-filter">{move || t.get().show}</label>
            <select id="tickets-filter" on:change=move |ev| filter.set(Filter::parse(&event_target_value(&ev)))>
                {move || filter_options.get().into_iter().map(|(value, label)| view! {
                    <option value=value selected=move || filter.get().value() == value>{label}</option>
                }).collect_view()}
            </select>
            </span>
        </div>
        <Show when=move || creating.get()>
            {move || {
                let preset = customer.get().map(|id| (id, customer_name.get_untracked().unwrap_or_default()));
                view! {
                    <TicketForm ticket=None preset_customer=preset default_owner=user_name.get_untracked() on_done=on_saved />
                }
            }}
        </Show>
        <p aria-live="polite">
            {move || {
                let (_, active, overdue) = counts.get();
                let t = t.get();
                format!("{active} {} · {overdue} {}", t.active_n, t.overdue_n)
            }}
        </p>
        {move || match body.get() {
            Body::Loading => view! { <p class="muted">{move || t.get().loading}</p> }.into_any(),
            Body::Failed(e) => view! { <p class="banner error" role="alert">{e}</p> }.into_any(),
            Body::NoTickets => view! { <p class="empty">{move || t.get().empty}</p> }.into_any(),
            Body::NoneShown => view! { <p class="empty">{move || t.get().empty_filter}</p> }.into_any(),
            Body::List => view! {
                <ul class="ticket-list" aria-label=move || t.get().list_label>
                    // Keyed by id alone: a pulled change updates the row in place, so an
                    // open step or Edit form keeps what is being typed.
                    <For
                        each=move || shown.get()
                        key=|ticket| ticket.id
                        let:ticket
                    >
                        <TicketRow ticket=live_row(shown, ticket, |t| t.id) expanded=expanded on_toggle=on_toggle on_delete=on_delete />
                    </For>
                </ul>
            }.into_any(),
        }}
    }
}

/// One ticket: a summary line, and when opened its details, next steps, Edit and Delete.
#[component]
fn TicketRow(
    ticket: Memo<Ticket>,
    expanded: RwSignal<Option<Uuid>>,
    on_toggle: Callback<Uuid>,
    on_delete: Callback<Ticket>,
) -> impl IntoView {
    let t = use_ticket_texts();
    let locale = use_locale();
    let id = ticket.with_untracked(|t| t.id);
    let is_open = Signal::derive(move || expanded.get() == Some(id));
    let overdue = Memo::new(move |_| ticket.with(|t| t.is_overdue(today())));
    let status = Memo::new(move |_| ticket.with(|t| t.status));
    let editing = RwSignal::new(false);
    let heading_id = format!("t-{id}-subject");
    let details_id = format!("t-{id}-details");
    let summary = {
        move || {
            let ticket = ticket.get();
            let (t, l) = (t.get(), locale.get());
            let customer = if ticket.customer_name.is_empty() {
                t.no_customer.to_string()
            } else {
                ticket.customer_name.clone()
            };
            let mut parts = vec![
                format!("{}: {customer}", t.customer),
                format!("{}: {}", t.channel, channel_name(l, ticket.channel)),
                format!("{}: {}", t.severity, severity_name(l, ticket.severity)),
                format!(
                    "{}: {}",
                    t.owner,
                    if ticket.owner.is_empty() {
                        "—"
                    } else {
                        &ticket.owner
                    }
                ),
            ];
            if let Some(due) = ticket.due {
                parts.push(format!("{}: {due}", t.due));
            }
            parts.join(" · ")
        }
    };
    let labelled_by = heading_id.clone();
    view! {
        <li>
            <article class="card ticket-card" class:is-overdue=move || overdue.get() aria-labelledby=labelled_by>
                <h2 id=heading_id>
                    <button type="button" aria-expanded=move || is_open.get().to_string()
                        aria-controls=details_id.clone() on:click=move |_| on_toggle.run(id)>
                        {move || ticket.with(|t| t.subject.clone())}
                    </button>
                </h2>
                <p class="ticket-meta">
                    <span class="tag">{move || status_name(locale.get(), status.get())}</span>
                    {move || overdue.get().then(|| view! { <span class="tag overdue">{move || t.get().overdue}</span> })}
                    " " <span class="muted">{summary}</span>
                </p>
                <Show when=move || is_open.get()>
                    <div class="ticket-panel" id=format!("t-{id}-details")>
                        {move || view! { <TicketDetails ticket=ticket.get() /> }}
                        // Rebuilt when the status changes (a step taken here or on another
                        // device), not on other edits, so typed step input stays.
                        {move || {
                            status.track();
                            view! { <StepControls ticket=ticket.get_untracked() /> }
                        }}
                        <div class="toolbar">
                            <button type="button" aria-expanded=move || editing.get().to_string()
                                on:click=move |_| editing.update(|e| *e = !*e)>{move || t.get().edit}</button>
                            <button type="button" class="danger" on:click=move |_| on_delete.run(ticket.get_untracked())>
                                {move || t.get().delete}
                            </button>
                        </div>
                        <Show when=move || editing.get()>
                            <TicketForm ticket=Some(ticket.get_untracked()) preset_customer=None default_owner=String::new()
                                on_done=Callback::new(move |_| editing.set(false)) />
                        </Show>
                    </div>
                </Show>
            </article>
        </li>
    }
}

/// What is known about a ticket beyond the summary line.
#[component]
fn TicketDetails(ticket: Ticket) -> impl IntoView {
    let t = use_ticket_texts();
    move || {
        let t = t.get();
        let row = |label: &'static str, value: String| {
            (!value.is_empty()).then(|| view! { <dt>{label}</dt><dd>{value}</dd> })
        };
        view! {
            <dl class="details">
                {ticket.customer_id.map(|cid| view! {
                    <dt>{t.customer}</dt>
                    <dd>
                        <a href=format!("/customers/{cid}")>{ticket.customer_name.clone()}</a>
                        " · "
                        <a href=format!("/tickets?customer={cid}")>{t.for_customer} " " {ticket.customer_name.clone()}</a>
                    </dd>
                })}
                {row(t.opened, ticket.opened.map(|d| d.to_string()).unwrap_or_default())}
                {row(t.resolution, ticket.resolution.clone())}
                {row(t.satisfaction, ticket.satisfaction.map(|s| format!("{s} / 5")).unwrap_or_default())}
            </dl>
        }
    }
}
