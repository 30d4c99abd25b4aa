//! New ticket and Edit ticket: one form validated by `TicketDraft::apply`, errors next to
//! each field, and the customer picked by search-as-you-type over the search blocks.

use crm_core::{
    change::Entity,
    workflow::{Channel, Severity, Ticket, TicketDraft},
    FieldError,
};
use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::{
    components::field::{SelectField, TextField},
    hooks::{
        use_customer::today, use_customers::use_customer_list, use_records::save_entity_edit,
        use_store::use_store,
    },
    i18n::{
        tickets::{channel_name, severity_name, ticket_problem_text, use_ticket_texts},
        use_locale,
    },
    storage::Now,
};

/// Customers offered at most while typing.
const SUGGESTIONS: usize = 8;

fn focus(id: &str) {
    let el = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(el) = el {
        let _ = el.focus();
    }
}

/// The ticket form. `ticket` None creates a ticket; `on_done` gets the saved ticket's id,
/// or None on Cancel.
#[component]
pub fn TicketForm(
    ticket: Option<Ticket>,
    preset_customer: Option<(Uuid, String)>,
    default_owner: String,
    on_done: Callback<Option<Uuid>>,
) -> impl IntoView {
    let t = use_ticket_texts();
    let locale = use_locale();
    let ctx = use_store();
    let prefix = match &ticket {
        Some(x) => format!("te-{}", x.id),
        None => "tn".to_string(),
    };
    let initial = match &ticket {
        Some(x) => x.draft(),
        None => {
            let (customer_id, customer_name) = preset_customer.unzip();
            TicketDraft {
                customer_id,
                customer_name: customer_name.unwrap_or_default(),
                owner: default_owner,
                due: Severity::default().due_from(today()).to_string(),
                ..TicketDraft::default()
            }
        }
    };
    let subject = RwSignal::new(initial.subject);
    let customer_id = RwSignal::new(initial.customer_id);
    let customer_name = RwSignal::new(initial.customer_name);
    let channel = RwSignal::new(initial.channel.as_str().to_string());
    let severity = RwSignal::new(initial.severity.as_str().to_string());
    let owner = RwSignal::new(initial.owner);
    let due = RwSignal::new(initial.due);

    // A new ticket's Due follows the severity's time limit until the user types a date.
    if ticket.is_none() {
        let auto_due = StoredValue::new(due.get_untracked());
        Effect::new(move |first: Option<()>| {
            let s = Severity::parse(&severity.get()).unwrap_or_default();
            if first.is_some() && due.get_untracked() == auto_due.get_value() {
                let next = s.due_from(today()).to_string();
                auto_due.set_value(next.clone());
                due.set(next);
            }
        });
    }

    let errors = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let err = move |field: &'static str| {
        crate::components::field::field_error(errors, locale, field, ticket_problem_text)
    };
    let channels = Signal::derive(move || {
        let l = locale.get();
        Channel::ALL
            .iter()
            .map(|c| (c.as_str(), channel_name(l, *c)))
            .collect::<Vec<_>>()
    });
    let severities = Signal::derive(move || {
        let l = locale.get();
        Severity::ALL
            .iter()
            .map(|s| (s.as_str(), severity_name(l, *s)))
            .collect::<Vec<_>>()
    });

    let id_prefix = prefix.clone();
    let base = ticket.clone();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let draft = TicketDraft {
            subject: subject.get_untracked(),
            customer_id: customer_id.get_untracked(),
            customer_name: customer_name.get_untracked(),
            channel: Channel::parse(&channel.get_untracked()).unwrap_or_default(),
            severity: Severity::parse(&severity.get_untracked()).unwrap_or_default(),
            owner: owner.get_untracked(),
            due: due.get_untracked(),
        };
        let opened = base.clone();
        let base = base
            .clone()
            .unwrap_or_else(|| Ticket::new(Uuid::now_v7(), Now::read().ms as i64));
        let record = match draft.apply(base, today()) {
            Ok(record) => record,
            Err(list) => {
                if let Some(first) = list.first() {
                    focus(&format!("{id_prefix}-{}", first.field));
                }
                errors.set(list);
                general.set(Some(t.get_untracked().fix_errors.to_string()));
                return;
            }
        };
        errors.set(Vec::new());
        general.set(None);
        saving.set(true);
        spawn_local(async move {
            // An edit writes only what the user changed from the ticket as opened.
            match save_entity_edit(ctx, Entity::Ticket, record.id, opened.as_ref(), &record).await {
                Ok(_) => on_done.run(Some(record.id)),
                Err(e) => general.set(Some(e.to_string())),
            }
            saving.set(false);
        });
    };
    let heading = if ticket.is_some() {
        Signal::derive(move || t.get().edit_ticket)
    } else {
        Signal::derive(move || t.get().new_ticket)
    };
    let p = prefix;
    view! {
        <form novalidate on:submit=on_submit class="card" aria-label=move || heading.get()>
            <h2>{move || heading.get()}</h2>
            {move || general.get().map(|g| view! { <p class="banner error" role="alert">{g}</p> })}
            <div class="form-grid">
                <TextField id=format!("{p}-subject") label=Signal::derive(move || t.get().subject) value=subject error=err("subject") wide=true />
                <CustomerPicker id=format!("{p}-customer") customer_id=customer_id customer_name=customer_name />
                <SelectField id=format!("{p}-channel") label=Signal::derive(move || t.get().channel) value=channel options=channels />
                <SelectField id=format!("{p}-severity") label=Signal::derive(move || t.get().severity) value=severity options=severities />
                <TextField id=format!("{p}-owner") label=Signal::derive(move || t.get().owner) value=owner error=err("owner") />
                <TextField id=format!("{p}-due") label=Signal::derive(move || t.get().due) value=due error=err("due") input_type="date"
                    hint=Signal::derive(move || t.get().due_hint) />
            </div>
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || saving.get()>{move || t.get().save}</button>
                <button type="button" on:click=move |_| on_done.run(None)>{move || t.get().cancel}</button>
            </div>
        </form>
    }
}

/// A combobox over the customer search (`storage::search`): typing searches (a few rows,
/// never the whole table), arrow keys and Enter or a click pick one. Clearing the text
/// unlinks.
#[component]
fn CustomerPicker(
    id: String,
    customer_id: RwSignal<Option<Uuid>>,
    customer_name: RwSignal<String>,
) -> impl IntoView {
    let t = use_ticket_texts();
    let text = RwSignal::new(customer_name.get_untracked());
    // The search runs only while the user is typing (empty = no query).
    let query = RwSignal::new(String::new());
    let list = use_customer_list(query.into());
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let options = Memo::new(move |_| {
        if query.get().trim().is_empty() {
            return Some(Vec::new());
        }
        list.rows.get().flatten().map(|r| {
            r.unwrap_or_default()
                .into_iter()
                .take(SUGGESTIONS)
                .map(|c| {
                    let c = c.customer;
                    let meta: Vec<String> = [c.company, c.city, c.phone]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect();
                    (c.id, c.name, meta.join(" · "))
                })
                .collect::<Vec<_>>()
        })
    });
    let showing = Signal::derive(move || open.get() && !query.get().trim().is_empty());
    let choose = move |i: usize| {
        let picked = options.get_untracked().unwrap_or_default().get(i).cloned();
        if let Some((cid, name, _)) = picked {
            customer_id.set(Some(cid));
            customer_name.set(name.clone());
            text.set(name);
            query.set(String::new());
            open.set(false);
            active.set(None);
        }
    };
    let list_id = format!("{id}-list");
    let hint_id = format!("{id}-hint");
    let option_id = {
        let id = id.clone();
        move |i: usize| format!("{id}-opt-{i}")
    };
    let active_id = {
        let option_id = option_id.clone();
        move || {
            showing
                .get()
                .then(|| active.get().map(&option_id))
                .flatten()
        }
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        let n = options.get_untracked().map(|o| o.len()).unwrap_or(0);
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1).min(n - 1))));
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = Some(a.map_or(0, |i| i.saturating_sub(1))));
            }
            "Enter" if showing.get_untracked() => {
                if let Some(i) = active.get_untracked() {
                    ev.prevent_default();
                    choose(i);
                }
            }
            "Escape" if showing.get_untracked() => {
                ev.prevent_default();
                open.set(false);
            }
            _ => {}
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{move || t.get().customer}</label>
            <input
                id=id.clone()
                type="text"
                role="combobox"
                autocomplete="off"
                aria-autocomplete="list"
                aria-expanded=move || showing.get().to_string()
                aria-controls=list_id.clone()
                aria-activedescendant=active_id
                aria-describedby=hint_id.clone()
                prop:value=move || text.get()
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    customer_id.set(None);
                    customer_name.set(String::new());
                    query.set(value.clone());
                    text.set(value);
                    open.set(true);
                    active.set(None);
                }
                on:keydown=on_keydown
                on:blur=move |_| open.set(false)
            />
            <p class="muted" id=hint_id>{move || t.get().customer_hint}</p>
            <ul id=list_id class="customer-options" role="listbox" aria-label=move || t.get().customer_matches
                hidden=move || !showing.get() || options.get().is_none_or(|o| o.is_empty())>
                {move || options.get().unwrap_or_default().into_iter().enumerate().map(|(i, (_, name, meta))| view! {
                    <li id=option_id(i) role="option" aria-selected=move || (active.get() == Some(i)).to_string()
                        on:mousedown=|ev| ev.prevent_default()
                        on:click=move |_| choose(i)>
                        <span class="row-name">{name}</span>
                        {(!meta.is_empty()).then(|| view! { " " <span class="muted">{meta}</span> })}
                    </li>
                }).collect_view()}
            </ul>
            <p class="muted" aria-live="polite">
                {move || showing.get().then(|| match options.get() {
                    None => Some(t.get().searching),
                    Some(rows) if rows.is_empty() => Some(t.get().no_customer_matches),
                    Some(_) => None,
                }).flatten()}
            </p>
        </div>
    }
}
