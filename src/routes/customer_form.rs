//! New customer and Edit customer: one form, validated by crm-core, errors next to
//! each field, nothing saved until every field is valid.

use crm_core::{BuyingRole, CustomerDraft, CustomerKind, FieldError, Stage};
use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::{
    components::field::{SelectField, TextArea, TextField},
    hooks::{
        use_customer::{save_customer, use_customer},
        use_store::use_store,
    },
    i18n::{problem_text, stage, use_locale, use_texts, Locale},
    storage::StoreError,
};

#[component]
pub fn NewCustomerPage() -> impl IntoView {
    view! { <CustomerForm id=None initial=CustomerDraft::default() /> }
}

#[component]
pub fn EditCustomerPage() -> impl IntoView {
    let params = use_params_map();
    let id = Signal::derive(move || {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    });
    let view = use_customer(id);
    let t = use_texts();
    // A memo that keeps the values the form opened with while the same customer stays
    // loaded: a refresh (a sync, a write elsewhere) does not re-render and wipe what the
    // user is typing; saving writes only the fields they changed (`Store::save_customer_edit`).
    let loaded = Memo::new(
        move |previous: Option<&Option<Result<(Uuid, CustomerDraft), String>>>| match view
            .record
            .get()
            .flatten()
        {
            Some(Ok(Some(r))) if !r.customer.deleted => match previous {
                Some(Some(Ok((id, draft)))) if *id == r.customer.id => {
                    Some(Ok((*id, draft.clone())))
                }
                _ => Some(Ok((r.customer.id, r.customer.to_draft()))),
            },
            Some(Ok(_)) => Some(Err(t.get_untracked().not_found.to_string())),
            Some(Err(e)) => Some(Err(e.to_string())),
            None => None,
        },
    );
    move || match loaded.get() {
        None => view! { <p class="muted">{t.get().loading}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="banner error" role="alert">{e}</p> }.into_any(),
        Some(Ok((id, draft))) => view! { <CustomerForm id=Some(id) initial=draft /> }.into_any(),
    }
}

fn kind_value(kind: CustomerKind) -> &'static str {
    match kind {
        CustomerKind::Person => "person",
        CustomerKind::Company => "company",
    }
}

fn focus_field(field: &str) {
    let el = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(&format!("f-{field}")))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(el) = el {
        let _ = el.focus();
    }
}

#[component]
fn CustomerForm(id: Option<Uuid>, initial: CustomerDraft) -> impl IntoView {
    let opened = StoredValue::new(initial.clone());
    let t = use_texts();
    let locale = use_locale();
    let ctx = use_store();
    let navigate = use_navigate();

    let kind = RwSignal::new(kind_value(initial.kind).to_string());
    let name = RwSignal::new(initial.name);
    let company = RwSignal::new(initial.company);
    let title = RwSignal::new(initial.title);
    let email = RwSignal::new(initial.email);
    let phone = RwSignal::new(initial.phone);
    let city = RwSignal::new(initial.city);
    let tags = RwSignal::new(initial.tags);
    let stage_value = RwSignal::new(initial.stage.as_str().to_string());
    let birthday = RwSignal::new(initial.birthday);
    let preferences = RwSignal::new(initial.preferences);
    let notes = RwSignal::new(initial.notes);
    let membership = RwSignal::new(initial.membership_expires);
    let contracted = RwSignal::new(initial.contracted);
    let company_id = RwSignal::new(
        initial
            .company_id
            .map(|c| c.to_string())
            .unwrap_or_default(),
    );
    let role = RwSignal::new(
        initial
            .buying_role
            .map(|r| r.as_str().to_string())
            .unwrap_or_default(),
    );
    let companies = crate::hooks::use_store::use_query(
        || (),
        |store, ()| async move { store.companies().await },
    );

    let errors = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let err = move |field: &'static str| {
        crate::components::field::field_error(errors, locale, field, problem_text)
    };

    let user_name = crate::hooks::use_records::use_user_name();
    let nav = navigate.clone();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let draft = CustomerDraft {
            kind: if kind.get_untracked() == "company" {
                CustomerKind::Company
            } else {
                CustomerKind::Person
            },
            name: name.get_untracked(),
            company: company.get_untracked(),
            title: title.get_untracked(),
            email: email.get_untracked(),
            phone: phone.get_untracked(),
            city: city.get_untracked(),
            tags: tags.get_untracked(),
            stage: Stage::parse(&stage_value.get_untracked()).unwrap_or_default(),
            birthday: birthday.get_untracked(),
            preferences: preferences.get_untracked(),
            notes: notes.get_untracked(),
            company_id: Uuid::parse_str(&company_id.get_untracked()).ok(),
            buying_role: BuyingRole::ALL
                .into_iter()
                .find(|r| r.as_str() == role.get_untracked()),
            contracted: contracted.get_untracked(),
            membership_expires: membership.get_untracked(),
            // A new customer belongs to whoever signed in on this device; signed
            // out, it joins the organisation's shared pool.
            owner: match id {
                None => user_name.get_untracked(),
                Some(_) => String::new(),
            },
        };
        saving.set(true);
        let nav = nav.clone();
        spawn_local(async move {
            match save_customer(ctx, id, id.map(|_| opened.get_value()), draft).await {
                Ok(record) => {
                    errors.set(Vec::new());
                    general.set(None);
                    nav(
                        &format!("/customers/{}", record.customer.id),
                        Default::default(),
                    );
                }
                Err(StoreError::Invalid(list)) => {
                    if let Some(first) = list.first() {
                        focus_field(first.field);
                    }
                    errors.set(list);
                    general.set(Some(t.get_untracked().fix_errors.to_string()));
                }
                Err(e) => general.set(Some(e.to_string())),
            }
            saving.set(false);
        });
    };
    let cancel = move |_| {
        let to = match id {
            Some(id) => format!("/customers/{id}"),
            None => "/customers".to_string(),
        };
        navigate(&to, Default::default());
    };
    let kinds = Signal::derive(move || {
        let t = t.get();
        vec![("person", t.person), ("company", t.company_kind)]
    });
    let stages = Signal::derive(move || {
        let l: Locale = locale.get();
        Stage::ALL
            .iter()
            .map(|s| (s.as_str(), stage(l, *s)))
            .collect::<Vec<_>>()
    });
    let roles = Signal::derive(move || {
        let l: Locale = locale.get();
        let mut out = vec![("", "—")];
        out.extend(
            BuyingRole::ALL
                .iter()
                .map(|r| (r.as_str(), crate::i18n::buying_role(l, *r))),
        );
        out
    });
    let pick_company = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if let Some(Ok(rows)) = companies.get_untracked().flatten() {
            if let Some(r) = rows.iter().find(|r| r.customer.id.to_string() == value) {
                company.set(r.customer.name.clone());
            }
        }
        company_id.set(value);
    };
    let is_person = move || kind.get() != "company";
    let heading = move || {
        if id.is_some() {
            t.get().edit_customer
        } else {
            t.get().new_customer
        }
    };

    view! {
        <h1>{heading}</h1>
        <form novalidate on:submit=on_submit class="card">
            {move || general.get().map(|g| view! { <p class="banner error" role="alert">{g}</p> })}
            <div class="form-grid">
                <TextField id="f-name" label=Signal::derive(move || t.get().name) value=name error=err("name") />
                <SelectField id="f-kind" label=Signal::derive(move || t.get().kind) value=kind options=kinds />
                <TextField id="f-company" label=Signal::derive(move || t.get().company) value=company error=err("company") />
                <TextField id="f-title" label=Signal::derive(move || t.get().title) value=title error=err("title") />
                <TextField id="f-email" label=Signal::derive(move || t.get().email) value=email error=err("email") input_mode="email" />
                <TextField id="f-phone" label=Signal::derive(move || t.get().phone) value=phone error=err("phone") input_type="tel" />
                <TextField id="f-city" label=Signal::derive(move || t.get().city) value=city error=err("city") />
                <TextField id="f-tags" label=Signal::derive(move || t.get().tags) value=tags error=err("tags") hint=Signal::derive(move || t.get().tags_hint) />
                <SelectField id="f-stage" label=Signal::derive(move || t.get().stage) value=stage_value options=stages />
                <TextField id="f-birthday" label=Signal::derive(move || t.get().birthday) value=birthday error=err("birthday") input_type="date" />
                <TextField id="f-membership_expires" label=Signal::derive(move || t.get().membership_expires) value=membership error=err("membership_expires") input_type="date" />
                <Show when=is_person>
                    <div class="field">
                        <label for="f-company_id">{move || t.get().contact_of}</label>
                        <select id="f-company_id" on:change=pick_company prop:value=move || company_id.get()>
                            <option value="">"—"</option>
                            {move || companies.get().flatten().and_then(Result::ok).unwrap_or_default().into_iter()
                                .filter(|r| Some(r.customer.id) != id)
                                .map(|r| {
                                    let v = r.customer.id.to_string();
                                    let selected = v.clone();
                                    view! { <option value=v selected=move || company_id.get() == selected>{r.customer.name}</option> }
                                }).collect_view()}
                        </select>
                    </div>
                    <SelectField id="f-buying_role" label=Signal::derive(move || t.get().buying_role) value=role options=roles />
                </Show>
                <div class="field">
                    <label class="check">
                        <input type="checkbox" id="f-contracted" prop:checked=move || contracted.get() on:change=move |ev| contracted.set(event_target_checked(&ev)) />
                        " " {move || t.get().contracted}
                    </label>
                </div>
                <TextArea id="f-preferences" label=Signal::derive(move || t.get().preferences) value=preferences error=err("preferences") />
                <TextArea id="f-notes" label=Signal::derive(move || t.get().notes) value=notes error=err("notes") />
            </div>
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || saving.get()>{move || t.get().save}</button>
                <button type="button" on:click=cancel>{move || t.get().cancel}</button>
            </div>
        </form>
    }
}
