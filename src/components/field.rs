//! Labelled form fields with their validation message next to them, linked for screen
//! readers by `aria-describedby` and flagged with `aria-invalid`.

use leptos::prelude::*;

/// A text-like input (`type` text, email, tel, date, search…).
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    #[prop(into)] label: Signal<&'static str>,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] input_type: Option<&'static str>,
    #[prop(optional)] wide: bool,
    #[prop(optional, into)] hint: Option<Signal<&'static str>>,
    #[prop(optional)] input_mode: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:wide=wide>
            <label for=id.clone()>{move || label.get()}</label>
            <input
                id=id
                type=input_type.unwrap_or("text")
                inputmode=input_mode
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described
            />
            {hint.map(|h| view! { <p class="muted" id=hint_id>{move || h.get()}</p> })}
            {move || error.get().map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })}
        </div>
    }
}

/// A multi-line text field.
#[component]
pub fn TextArea(
    #[prop(into)] id: String,
    #[prop(into)] label: Signal<&'static str>,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = {
        let error_id = error_id.clone();
        move || error.get().is_some().then(|| error_id.clone())
    };
    view! {
        <div class="field wide">
            <label for=id.clone()>{move || label.get()}</label>
            <textarea
                id=id
                rows="3"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described
            ></textarea>
            {move || error.get().map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })}
        </div>
    }
}

/// A select whose options are `(value, label)` pairs.
#[component]
pub fn SelectField(
    #[prop(into)] id: String,
    #[prop(into)] label: Signal<&'static str>,
    value: RwSignal<String>,
    #[prop(into)] options: Signal<Vec<(&'static str, &'static str)>>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id.clone()>{move || label.get()}</label>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev)) prop:value=move || value.get()>
                {move || {
                    options
                        .get()
                        .into_iter()
                        .map(|(v, l)| view! { <option value=v selected=move || value.get() == v>{l}</option> })
                        .collect_view()
                }}
            </select>
        </div>
    }
}

/// The message for one field of a form's validation errors, in the current locale (the
/// `error` signal of [`TextField`] and friends); `text` is the form's wording of a problem.
pub fn field_error(
    errors: RwSignal<Vec<crm_core::FieldError>>,
    locale: RwSignal<crate::i18n::Locale>,
    field: &'static str,
    text: fn(crate::i18n::Locale, &str, &crm_core::Problem) -> String,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        errors.with(|list| {
            list.iter()
                .find(|e| e.field == field)
                .map(|e| text(locale.get(), field, &e.problem))
        })
    })
}
