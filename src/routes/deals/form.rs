//! New deal and Edit deal: one form, validated by `DealDraft::apply` (which also decides
//! whether the discount needs approval), every error next to its field.

use crm_core::workflow::{Deal, DealDraft};
use leptos::{ev::SubmitEvent, html, prelude::*};
use uuid::Uuid;
use wasm_bindgen::JsCast;

use super::{customer_picker::CustomerPicker, focus_first, percent, DealsCtx, Editing};
use crate::{
    components::field::{TextArea, TextField},
    hooks::use_records::use_org_settings,
    i18n::{
        deals::{deal_problem, fill, use_deal_texts},
        use_locale,
    },
    storage::Now,
};

/// The form's fields in screen order (error focus goes to the first wrong one).
const FIELDS: [&str; 7] = [
    "title",
    "customer",
    "amount",
    "discount_pct",
    "expected_close",
    "probability",
    "notes",
];

fn focus_field(field: &str) {
    let el = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(&format!("deal-{field}")))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(el) = el {
        let _ = el.focus();
    }
}

/// The form panel; `editing` says whether it creates a deal or edits one.
#[component]
pub(super) fn DealForm(editing: Editing) -> impl IntoView {
    let d = expect_context::<DealsCtx>();
    let t = use_deal_texts();
    let locale = use_locale();
    let settings = use_org_settings();
    // The deal as the form opened it: saving writes only what the user changed from it.
    let opened = StoredValue::new(match &editing {
        Editing::New => None,
        Editing::Edit(deal) => Some(deal.clone()),
    });
    let (edit_id, initial, customer_name) = match &editing {
        Editing::New => (None, DealDraft::default(), String::new()),
        Editing::Edit(deal) => {
            let name = deal
                .customer_id
                .and_then(|c| d.names.with_untracked(|n| n.get(&c).cloned()))
                .unwrap_or_default();
            (Some(deal.id), deal.draft(), name)
        }
    };
    let title = RwSignal::new(initial.title);
    let picked = RwSignal::new(initial.customer_id);
    let customer_text = RwSignal::new(customer_name);
    let amount = RwSignal::new(initial.amount);
    let discount = RwSignal::new(initial.discount_pct);
    let expected_close = RwSignal::new(initial.expected_close);
    let probability = RwSignal::new(initial.probability);
    let notes = RwSignal::new(initial.notes);
    // (field, problem) pairs; the message is rendered in the current locale.
    let errors = RwSignal::new(Vec::<(&'static str, crm_core::Problem)>::new());
    let customer_missing = RwSignal::new(false);
    let general = RwSignal::new(None::<&'static str>);
    let err = move |field: &'static str| {
        Signal::derive(move || {
            errors.with(|list| {
                list.iter()
                    .find(|(f, _)| *f == field)
                    .map(|(f, p)| deal_problem(locale.get(), f, p))
            })
        })
    };
    let customer_error = Signal::derive(move || {
        customer_missing
            .get()
            .then(|| t.get().pick_customer.to_string())
    });
    let form_ref: NodeRef<html::Form> = NodeRef::new();
    // Start typing right away: the first field gets focus when the form opens.
    Effect::new(move |_| {
        if form_ref.get().is_some() {
            request_animation_frame(|| focus_field("title"));
        }
    });

    let close = move |focus: Vec<String>| {
        d.editing.set(None);
        request_animation_frame(move || {
            focus_first(&focus);
        });
    };
    let cancel = move |_| {
        let back = match edit_id {
            Some(id) => vec![format!("deal-{id}-edit"), format!("deal-{id}")],
            None => vec!["new-deal".to_string()],
        };
        close(back);
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let draft = DealDraft {
            title: title.get_untracked(),
            customer_id: picked.get_untracked(),
            amount: amount.get_untracked(),
            discount_pct: discount.get_untracked(),
            expected_close: expected_close.get_untracked(),
            probability: probability.get_untracked(),
            notes: notes.get_untracked(),
        };
        // Text typed in Customer but no customer picked: say so instead of dropping it.
        let missing = picked.get_untracked().is_none()
            && !customer_text.with_untracked(|s| s.trim().is_empty());
        // Edit the stored deal (it may have moved or been approved since the form opened).
        let base = match edit_id.and_then(|id| d.latest(id)) {
            Some(deal) => deal,
            None => Deal::new(
                edit_id.unwrap_or_else(Uuid::now_v7),
                &d.user_name.get_untracked(),
                Now::read().ms as i64,
            ),
        };
        let result = draft.apply(base, &settings.get_untracked().approval);
        let mut problems: Vec<(&'static str, crm_core::Problem)> = match &result {
            Ok(_) => Vec::new(),
            Err(list) => list.iter().map(|e| (e.field, e.problem.clone())).collect(),
        };
        customer_missing.set(missing);
        problems.sort_by_key(|(f, _)| FIELDS.iter().position(|x| x == f));
        let first = FIELDS
            .iter()
            .find(|f| (**f == "customer" && missing) || problems.iter().any(|(p, _)| p == *f));
        errors.set(problems);
        match (result, first) {
            (Ok(deal), None) => {
                general.set(None);
                let id = deal.id;
                d.write(opened.get_value(), deal, vec![format!("deal-{id}")]);
                d.editing.set(None);
            }
            (_, first) => {
                general.set(Some(t.get_untracked().fix_errors));
                if let Some(f) = first {
                    focus_field(f);
                }
            }
        }
    };
    let heading = move || match editing {
        Editing::New => t.get().new_deal,
        Editing::Edit(_) => t.get().edit_deal,
    };
    let discount_hint = move || fill(t.get().discount_hint, &[("limit", &percent(d.limit.get()))]);

    view! {
        <form
            class="card deal-form"
            novalidate
            node_ref=form_ref
            aria-labelledby="deal-form-heading"
            on:submit=on_submit
        >
            <h2 id="deal-form-heading">{heading}</h2>
            {move || general.get().map(|g| view! { <p class="banner error" role="alert">{g}</p> })}
            <div class="form-grid">
                <TextField id="deal-title" label=Signal::derive(move || t.get().f_title) value=title error=err("title") />
                <CustomerPicker picked text=customer_text error=customer_error />
                <TextField
                    id="deal-amount"
                    label=Signal::derive(move || t.get().f_amount)
                    value=amount
                    error=err("amount")
                    input_mode="decimal"
                    hint=Signal::derive(move || t.get().amount_hint)
                />
                <div class="field">
                    <label for="deal-discount_pct">{move || t.get().f_discount}</label>
                    <input
                        id="deal-discount_pct"
                        type="text"
                        inputmode="decimal"
                        prop:value=move || discount.get()
                        on:input=move |ev| discount.set(event_target_value(&ev))
                        aria-invalid=move || err("discount_pct").get().is_some().then_some("true")
                        aria-describedby=move || {
                            if err("discount_pct").get().is_some() {
                                "deal-discount_pct-hint deal-discount_pct-error"
                            } else {
                                "deal-discount_pct-hint"
                            }
                        }
                    />
                    <p class="muted" id="deal-discount_pct-hint">{discount_hint}</p>
                    {move || err("discount_pct").get().map(|e| view! { <p class="field-error" id="deal-discount_pct-error">{e}</p> })}
                </div>
                <TextField
                    id="deal-expected_close"
                    label=Signal::derive(move || t.get().f_expected_close)
                    value=expected_close
                    error=err("expected_close")
                    input_type="date"
                />
                <TextField
                    id="deal-probability"
                    label=Signal::derive(move || t.get().f_probability)
                    value=probability
                    error=err("probability")
                    input_mode="numeric"
                    hint=Signal::derive(move || t.get().probability_hint)
                />
                <TextArea id="deal-notes" label=Signal::derive(move || t.get().f_notes) value=notes error=err("notes") />
            </div>
            <div class="form-actions">
                <button type="submit" class="primary">{move || t.get().save}</button>
                <button type="button" on:click=cancel>{move || t.get().cancel}</button>
            </div>
        </form>
    }
}
