//! A ticket's next steps: one button per status `TicketStatus::next` allows, with the
//! input that step needs (owner to assign, resolution to resolve, satisfaction to
//! close). The step is taken by `Ticket::advance`; a refusal is shown next to the input
//! it is about.

use crm_core::{
    change::Entity,
    workflow::{ticket::SATISFACTION_RANGE, Ticket, TicketStatus, WorkflowError},
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    hooks::{use_customer::today, use_records::save_entity_edit, use_store::use_store},
    i18n::{
        tickets::{score_label, use_ticket_texts, workflow_error_text, TicketTexts},
        use_locale,
    },
};

/// Why the last step failed: refused by the rules, or not stored.
#[derive(Debug, Clone, PartialEq)]
enum StepError {
    Refused(WorkflowError),
    Store(String),
}

/// Which input a message belongs next to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Owner,
    Resolution,
    Satisfaction,
    Buttons,
}

impl StepError {
    fn slot(&self) -> Slot {
        match self {
            StepError::Refused(WorkflowError::OwnerRequired) => Slot::Owner,
            StepError::Refused(WorkflowError::ResolutionRequired) => Slot::Resolution,
            StepError::Refused(
                WorkflowError::SatisfactionRequired | WorkflowError::SatisfactionOutOfRange { .. },
            ) => Slot::Satisfaction,
            _ => Slot::Buttons,
        }
    }
}

/// The button text for moving from `from` to `to`.
fn step_label(t: &TicketTexts, from: TicketStatus, to: TicketStatus) -> &'static str {
    match (from, to) {
        (_, TicketStatus::Assigned) => t.assign,
        (TicketStatus::Resolved, TicketStatus::Investigating) => t.reopen,
        (_, TicketStatus::Investigating) => t.start_investigation,
        (_, TicketStatus::Resolved) => t.resolve,
        (_, TicketStatus::Closed) => t.close,
        (_, TicketStatus::Received) => t.reopen,
    }
}

/// The step controls of one ticket.
#[component]
pub fn StepControls(ticket: Ticket) -> impl IntoView {
    let t = use_ticket_texts();
    let locale = use_locale();
    let ctx = use_store();
    let id = ticket.id;
    let from = ticket.status;
    let targets = from.next();
    let owner = RwSignal::new(ticket.owner.clone());
    let resolution = RwSignal::new(ticket.resolution.clone());
    let satisfaction = RwSignal::new(
        ticket
            .satisfaction
            .map(|s| s.to_string())
            .unwrap_or_default(),
    );
    let error = RwSignal::new(None::<StepError>);
    let busy = RwSignal::new(false);
    let message = move |slot: Slot| {
        Signal::derive(move || {
            error.get().filter(|e| e.slot() == slot).map(|e| match e {
                StepError::Refused(w) => workflow_error_text(locale.get(), &w),
                StepError::Store(s) => s,
            })
        })
    };

    let take_step = {
        let ticket = ticket.clone();
        move |to: TicketStatus| {
            if busy.get_untracked() {
                return;
            }
            let today = today();
            // Fill in what this step records, then let the core decide.
            let prepared = match to {
                TicketStatus::Assigned => ticket.with_owner(&owner.get_untracked()),
                TicketStatus::Resolved => ticket.with_resolution(&resolution.get_untracked()),
                TicketStatus::Closed => match satisfaction.get_untracked().trim() {
                    "" => Ok(ticket.clone()),
                    s => match s.parse::<u8>() {
                        Ok(v) => ticket.with_satisfaction(v),
                        Err(_) => Err(WorkflowError::SatisfactionOutOfRange { value: 0 }),
                    },
                },
                _ => Ok(ticket.clone()),
            };
            let next = match prepared.and_then(|t| t.advance(to, today)) {
                Ok(next) => next,
                Err(e) => {
                    error.set(Some(StepError::Refused(e)));
                    return;
                }
            };
            error.set(None);
            busy.set(true);
            let opened = ticket.clone();
            spawn_local(async move {
                if let Err(e) =
                    save_entity_edit(ctx, Entity::Ticket, next.id, Some(&opened), &next).await
                {
                    error.set(Some(StepError::Store(e.to_string())));
                }
                busy.set(false);
            });
        }
    };

    let has = move |s: TicketStatus| targets.contains(&s);
    let owner_id = format!("t-{id}-owner");
    let resolution_id = format!("t-{id}-resolution");
    let satisfaction_id = format!("t-{id}-satisfaction");
    let buttons_error_id = format!("t-{id}-step-error");

    let wiring = move |id: &str, slot: Slot| {
        let error_id = format!("{id}-error");
        let described = move || message(slot).get().is_some().then(|| error_id.clone());
        let invalid = move || message(slot).get().is_some().then_some("true");
        (described, invalid)
    };
    let (owner_described, owner_invalid) = wiring(&owner_id, Slot::Owner);
    let (resolution_described, resolution_invalid) = wiring(&resolution_id, Slot::Resolution);
    let (satisfaction_described, satisfaction_invalid) =
        wiring(&satisfaction_id, Slot::Satisfaction);

    view! {
        <div class="ticket-steps">
            {has(TicketStatus::Assigned).then(|| view! {
                <div class="field">
                    <label for=owner_id.clone()>{move || t.get().owner}</label>
                    <input id=owner_id.clone() type="text" prop:value=move || owner.get()
                        on:input=move |ev| owner.set(event_target_value(&ev))
                        aria-invalid=owner_invalid aria-describedby=owner_described />
                    <StepMessage id=format!("{owner_id}-error") message=message(Slot::Owner) />
                </div>
            })}
            {has(TicketStatus::Resolved).then(|| view! {
                <div class="field">
                    <label for=resolution_id.clone()>{move || t.get().resolution}</label>
                    <textarea id=resolution_id.clone() rows="3" prop:value=move || resolution.get()
                        on:input=move |ev| resolution.set(event_target_value(&ev))
                        aria-invalid=resolution_invalid aria-describedby=resolution_described></textarea>
                    <StepMessage id=format!("{resolution_id}-error") message=message(Slot::Resolution) />
                </div>
            })}
            {has(TicketStatus::Closed).then(|| view! {
                <div class="field">
                    <label for=satisfaction_id.clone()>{move || t.get().satisfaction}</label>
                    <select id=satisfaction_id.clone() prop:value=move || satisfaction.get()
                        on:change=move |ev| satisfaction.set(event_target_value(&ev))
                        aria-invalid=satisfaction_invalid aria-describedby=satisfaction_described>
                        <option value="" selected=move || satisfaction.get().is_empty()>{move || t.get().choose_score}</option>
                        {SATISFACTION_RANGE.map(|s| view! {
                            <option value=s.to_string() selected=move || satisfaction.get() == s.to_string()>
                                {move || score_label(locale.get(), s)}
                            </option>
                        }).collect_view()}
                    </select>
                    <StepMessage id=format!("{satisfaction_id}-error") message=message(Slot::Satisfaction) />
                </div>
            })}
            {targets.is_empty().then(|| view! { <p class="muted">{move || t.get().closed_final}</p> })}
            <div class="toolbar">
                {targets.iter().map(|&to| {
                    let take_step = take_step.clone();
                    let primary = to != TicketStatus::Investigating || from != TicketStatus::Resolved;
                    let described = {
                        let id = buttons_error_id.clone();
                        move || message(Slot::Buttons).get().map(|_| id.clone())
                    };
                    view! {
                        <button type="button" class:primary=primary disabled=move || busy.get()
                            aria-describedby=described on:click=move |_| take_step(to)>
                            {move || step_label(t.get(), from, to)}
                        </button>
                    }
                }).collect_view()}
            </div>
            <StepMessage id=buttons_error_id.clone() message=message(Slot::Buttons) />
        </div>
    }
}

/// A refused step's message, announced (`role="alert"`) next to the control it is about.
#[component]
fn StepMessage(id: String, message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message
            .get()
            .map(|m| view! { <p class="field-error" role="alert" id=id.clone()>{m}</p> })
    }
}
