//! Duplicates: candidate pairs with the reason, a Merge button per pair, the
//! field-by-field choice with defaults from `MergePlan::suggest`, and the confirm. The
//! merge itself is one transaction in `hooks::use_import::merge`.

use crm_core::{
    import::merge_customers::{MergeField, MergePlan, Pick},
    Customer,
};
use leptos::{prelude::*, task::spawn_local};
use uuid::Uuid;

use super::import::{bulk_error, BackupRestore};
use crate::{
    hooks::{
        use_import::{merge, use_duplicates, PairView},
        use_store::use_store,
    },
    i18n::{
        self,
        import::{self as texts, use_import_texts},
        use_locale, use_texts, Locale,
    },
};

/// A field's value as the Merge screen shows it.
fn value_text(locale: Locale, field: MergeField, c: &Customer) -> String {
    let t = locale.import_texts();
    match field {
        MergeField::Name => c.name.clone(),
        MergeField::Kind => i18n::customer_kind(locale, c.kind).to_string(),
        MergeField::Company => c.company.clone(),
        MergeField::CompanyId => c.company_id.map(|id| id.to_string()).unwrap_or_default(),
        MergeField::BuyingRole => c
            .buying_role
            .map(|r| i18n::buying_role(locale, r).to_string())
            .unwrap_or_default(),
        MergeField::Title => c.title.clone(),
        MergeField::Email => c.email.clone(),
        MergeField::Phone => c.phone.clone(),
        MergeField::City => c.city.clone(),
        MergeField::Source => c.source.clone(),
        MergeField::Tags => c.tags.join(", "),
        MergeField::Owner => c.owner.clone(),
        MergeField::Stage => i18n::stage(locale, c.stage).to_string(),
        MergeField::Birthday => c.birthday.map(|d| d.to_string()).unwrap_or_default(),
        MergeField::Preferences => c.preferences.clone(),
        MergeField::Contracted => if c.contracted { t.yes } else { t.no }.to_string(),
        MergeField::Notes => c.notes.clone(),
    }
}

fn summary_line(c: &Customer) -> String {
    [
        c.company.as_str(),
        c.email.as_str(),
        c.phone.as_str(),
        c.city.as_str(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" · ")
}

/// The Duplicates screen.
#[component]
pub fn DuplicatesPage() -> impl IntoView {
    let t = use_import_texts();
    let shared = use_texts();
    let locale = use_locale();
    let pairs = use_duplicates();
    let merging = RwSignal::new(None::<PairView>);
    let done = RwSignal::new(None::<Uuid>);

    let list = move || {
        let tt = t.get();
        let locale = locale.get();
        match pairs.get().flatten() {
            None => view! { <p class="muted">{shared.get().loading}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="banner error" role="alert">{e.to_string()}</p> }.into_any(),
            Some(Ok(pairs)) if pairs.is_empty() => {
                view! { <p class="empty">{tt.no_duplicates}</p> }.into_any()
            }
            Some(Ok(pairs)) => view! {
                <ul class="customer-list" aria-label=tt.pairs>
                    {pairs.into_iter().map(|view| {
                        let reasons = view.pair.reasons.iter().map(|r| texts::match_reason(locale, r)).collect::<Vec<_>>().join(", ");
                        let label = format!("{} {} — {}", tt.merge, view.a.name, view.b.name);
                        let pick = view.clone();
                        view! {
                            <li style="display:flex;gap:12px;align-items:center;padding:8px 0;border-bottom:1px solid var(--border)">
                                <div style="flex:1">
                                    <div><strong>{view.a.name.clone()}</strong>" · "<span class="muted">{summary_line(&view.a)}</span></div>
                                    <div><strong>{view.b.name.clone()}</strong>" · "<span class="muted">{summary_line(&view.b)}</span></div>
                                    <div class="muted">{reasons}</div>
                                </div>
                                <button type="button" title=label on:click=move |_| { done.set(None); merging.set(Some(pick.clone())) }>{tt.merge}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
            .into_any(),
        }
    };

    view! {
        <h1>{move || t.get().duplicates}</h1>
        <p class="muted">{move || t.get().duplicates_intro}</p>
        {move || done.get().map(|id| view! {
            <p role="status" class="banner">
                {t.get().merged}" "
                <a href=format!("/customers/{id}")>{t.get().open_customer}</a>
            </p>
        })}
        {move || match merging.get() {
            Some(pair) => view! { <MergeForm pair=pair merging=merging done=done /> }.into_any(),
            None => list().into_any(),
        }}
        <BackupRestore />
    }
}

/// The field-by-field choice for one pair and the confirm.
#[component]
fn MergeForm(
    pair: PairView,
    merging: RwSignal<Option<PairView>>,
    done: RwSignal<Option<Uuid>>,
) -> impl IntoView {
    let t = use_import_texts();
    let locale = use_locale();
    let ctx = use_store();
    let plan = RwSignal::new(MergePlan::suggest(&pair.a, &pair.b));
    let error = RwSignal::new(None::<String>);
    let working = RwSignal::new(false);
    let (a, b) = (pair.a.clone(), pair.b.clone());

    let keep = {
        let (a, b) = (a.clone(), b.clone());
        move || {
            let tt = t.get();
            let option = |c: &Customer| {
                let id = c.id;
                let created = chrono::DateTime::from_timestamp_millis(c.created_ms)
                    .map(|d| d.date_naive().to_string())
                    .unwrap_or_default();
                let label = format!("{} ({} {created})", c.name, tt.created_on);
                view! {
                    <label style="display:block">
                        <input type="radio" name="merge-keep" style="width:auto"
                            checked=move || plan.with(|p| p.survivor == id)
                            on:change=move |_| plan.update(|p| p.survivor = id) />
                        " " {label}
                    </label>
                }
            };
            view! {
                <fieldset>
                    <legend>{tt.keep_record}</legend>
                    {option(&a)}
                    {option(&b)}
                </fieldset>
            }
        }
    };

    let fields = {
        let (a, b) = (a.clone(), b.clone());
        move || {
            let locale = locale.get();
            let tt = t.get();
            let differing: Vec<MergeField> = MergeField::ALL
                .into_iter()
                .filter(|f| value_text(locale, *f, &a) != value_text(locale, *f, &b))
                .collect();
            if differing.is_empty() {
                return view! { <p class="muted">{tt.no_differences}</p> }.into_any();
            }
            differing
                .into_iter()
                .map(|field| {
                    let name = format!("merge-{}", serde_json::to_string(&field).unwrap_or_default().trim_matches('"'));
                    let mut choices: Vec<(Pick, String)> = [&a, &b]
                        .into_iter()
                        .map(|c| {
                            let text = value_text(locale, field, c);
                            let text = if text.is_empty() { tt.empty_value.to_string() } else { text };
                            (Pick::From(c.id), text)
                        })
                        .collect();
                    if field.combinable() {
                        choices.push((Pick::Combine, tt.both.to_string()));
                    }
                    view! {
                        <fieldset>
                            <legend>{texts::merge_field(locale, field)}</legend>
                            {choices.into_iter().map(|(pick, text)| {
                                let name = name.clone();
                                view! {
                                    <label style="display:block">
                                        <input type="radio" name=name style="width:auto"
                                            checked=move || plan.with(|p| p.picks.get(&field) == Some(&pick))
                                            on:change=move |_| plan.update(|p| { p.picks.insert(field, pick); }) />
                                        " " {text}
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                    }
                })
                .collect_view()
                .into_any()
        }
    };

    let (id_a, id_b) = (a.id, b.id);
    let confirm = move |_| {
        working.set(true);
        error.set(None);
        let plan = plan.get_untracked();
        spawn_local(async move {
            match merge(ctx, id_a, id_b, plan).await {
                Ok(report) => {
                    done.set(Some(report.survivor));
                    merging.set(None);
                }
                Err(e) => error.set(Some(bulk_error(locale.get_untracked(), &e))),
            }
            working.set(false);
        });
    };
    let title = format!("{} {} / {}", t.get_untracked().merge_title, a.name, b.name);

    view! {
        <section aria-labelledby="merge-heading">
            <h2 id="merge-heading">{title}</h2>
            {keep}
            {fields}
            {move || error.get().map(|e| view! { <p role="alert" class="banner error">{e}</p> })}
            <div class="toolbar" style="margin-top:12px">
                <button type="button" class="primary" disabled=move || working.get() on:click=confirm>{move || t.get().confirm_merge}</button>
                <button type="button" on:click=move |_| merging.set(None)>{move || t.get().cancel}</button>
            </div>
        </section>
    }
}
