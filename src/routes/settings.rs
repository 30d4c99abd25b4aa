//! Organisation settings: loyalty points rate and member tiers, discount approval limit.
//! One synced record (`OrgSettings`, fixed id) edited through the core's `SettingsDraft`,
//! so every problem shows next to its field and nothing invalid is saved.

use crm_core::{
    workflow::settings::{SettingsDraft, TierDraft},
    FieldError,
};
use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};

use crate::{
    components::field::TextField,
    hooks::{
        use_records::{save_org_settings, use_org_settings},
        use_store::use_store,
    },
    i18n::{
        campaigns::{field_problem, use_campaign_texts},
        use_locale,
    },
};

/// One tier row of the form: a stable key for the list, then name and minimum as typed.
#[derive(Debug, Clone, PartialEq)]
struct TierRow {
    key: u32,
    name: String,
    min_points: String,
}

/// The form's state: plain values in signals (no signals created per row, so rows can be
/// replaced when the record changes without disposing anything still in use).
#[derive(Clone, Copy)]
struct SettingsForm {
    rate: RwSignal<String>,
    limit: RwSignal<String>,
    tiers: RwSignal<Vec<TierRow>>,
    next_key: StoredValue<u32>,
}

impl SettingsForm {
    fn new() -> Self {
        SettingsForm {
            rate: RwSignal::new(String::new()),
            limit: RwSignal::new(String::new()),
            tiers: RwSignal::new(Vec::new()),
            next_key: StoredValue::new(1),
        }
    }

    fn key(&self) -> u32 {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        key
    }

    /// What the form holds now, as the core's draft.
    fn draft(&self) -> SettingsDraft {
        SettingsDraft {
            points_per_yuan: self.rate.get_untracked(),
            tiers: self.tiers.with_untracked(|rows| {
                rows.iter()
                    .map(|r| TierDraft {
                        name: r.name.clone(),
                        min_points: r.min_points.clone(),
                    })
                    .collect()
            }),
            discount_limit_pct: self.limit.get_untracked(),
        }
    }

    fn fill(&self, draft: &SettingsDraft) {
        self.rate.set(draft.points_per_yuan.clone());
        self.limit.set(draft.discount_limit_pct.clone());
        let rows = draft
            .tiers
            .iter()
            .map(|t| TierRow {
                key: self.key(),
                name: t.name.clone(),
                min_points: t.min_points.clone(),
            })
            .collect();
        self.tiers.set(rows);
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let t = use_campaign_texts();
    let locale = use_locale();
    let ctx = use_store();
    let settings = use_org_settings();
    let form = SettingsForm::new();
    // The draft the form was last filled from: while the form still equals it, a newer
    // record (loaded, saved or pulled from another device) replaces it; edits in progress
    // are kept.
    let loaded = StoredValue::new(SettingsDraft::default());
    Effect::new(move |_| {
        let fresh = settings.get().draft();
        if form.draft() == loaded.get_value() {
            form.fill(&fresh);
            loaded.set_value(fresh);
        }
    });
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let saving = RwSignal::new(false);
    let err = move |field: &'static str| {
        Signal::derive(move || {
            let list = errors.get();
            let texts: Vec<String> = list
                .iter()
                .filter(|e| e.field == field)
                .map(|e| field_problem(locale.get(), field, &e.problem))
                .collect();
            (!texts.is_empty()).then(|| texts.join(" "))
        })
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        // Only what the user changed since the form was filled; the rest as stored now.
        let draft = form
            .draft()
            .rebase(&loaded.get_value(), &settings.get_untracked().draft());
        match draft.apply(settings.get_untracked()) {
            Err(list) => {
                errors.set(list);
                message.set(Some((false, t.get_untracked().fix_errors.to_string())));
            }
            Ok(next) => {
                errors.set(Vec::new());
                saving.set(true);
                spawn_local(async move {
                    match save_org_settings(ctx, &next).await {
                        Ok(n) => {
                            let normalised = next.draft();
                            form.fill(&normalised);
                            loaded.set_value(normalised);
                            let t = t.get_untracked();
                            let text = if n == 0 {
                                t.no_changes
                            } else {
                                t.settings_saved
                            };
                            message.set(Some((true, text.to_string())));
                        }
                        Err(e) => message.set(Some((false, e.to_string()))),
                    }
                    saving.set(false);
                });
            }
        }
    };
    view! {
        <h1>{move || t.get().settings_title}</h1>
        <p class="muted">{move || t.get().settings_intro}</p>
        <form novalidate on:submit=on_submit aria-label=move || t.get().settings_title>
            <section class="card" aria-labelledby="loyalty-settings-heading">
                <h2 id="loyalty-settings-heading">{move || t.get().loyalty_heading}</h2>
                <div class="form-grid">
                    <TextField id="s-rate" label=Signal::derive(move || t.get().points_per_yuan) value=form.rate
                        error=err("points_per_yuan") input_mode="decimal"
                        hint=Signal::derive(move || t.get().points_per_yuan_hint) />
                </div>
                <TierRows form=form error=err("tiers") />
            </section>
            <section class="card" aria-labelledby="approval-settings-heading">
                <h2 id="approval-settings-heading">{move || t.get().approval_heading}</h2>
                <div class="form-grid">
                    <TextField id="s-limit" label=Signal::derive(move || t.get().discount_limit) value=form.limit
                        error=err("discount_limit_pct") input_mode="decimal"
                        hint=Signal::derive(move || t.get().discount_limit_hint) />
                </div>
            </section>
            {move || message.get().map(|(ok, m)| view! {
                <p class:banner=!ok class:error=!ok role=if ok { "status" } else { "alert" }>{m}</p>
            })}
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || saving.get()>{move || t.get().save}</button>
            </div>
        </form>
    }
}

/// The member tiers as a list of name / minimum points rows, with the tiers' error below
/// (and referenced by every tier input).
#[component]
fn TierRows(form: SettingsForm, error: Signal<Option<String>>) -> impl IntoView {
    let t = use_campaign_texts();
    let rows = move || form.tiers.get().into_iter().enumerate().collect::<Vec<_>>();
    let add = move |_| {
        let key = form.key();
        form.tiers.update(|rows| {
            rows.push(TierRow {
                key,
                name: String::new(),
                min_points: String::new(),
            })
        });
    };
    view! {
        <fieldset class="tiers" aria-describedby="tiers-hint">
            <legend>{move || t.get().member_tiers}</legend>
            <p class="muted" id="tiers-hint">{move || t.get().tiers_hint}</p>
            <For each=rows key=|(i, r)| (*i, r.key) let:item>
                <TierRowView index=item.0 key=item.1.key form=form error=error />
            </For>
            {move || error.get().map(|e| view! { <p class="field-error" id="tiers-error">{e}</p> })}
            <div class="toolbar">
                <button type="button" on:click=add>{move || t.get().add_tier}</button>
            </div>
        </fieldset>
    }
}

/// One tier's two inputs and its Remove button, labelled "Tier 2 name", "Tier 2 minimum
/// points", "Remove tier 2".
#[component]
fn TierRowView(
    index: usize,
    key: u32,
    form: SettingsForm,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let t = use_campaign_texts();
    let n = index + 1;
    let name_id = format!("tier-{key}-name");
    let min_id = format!("tier-{key}-min");
    let get = move |f: fn(&TierRow) -> String| {
        move || {
            form.tiers
                .with(|rows| rows.iter().find(|r| r.key == key).map(f))
                .unwrap_or_default()
        }
    };
    let set = move |f: fn(&mut TierRow, String), value: String| {
        form.tiers.update(|rows| {
            if let Some(r) = rows.iter_mut().find(|r| r.key == key) {
                f(r, value)
            }
        })
    };
    let invalid = move || error.get().is_some().then_some("true");
    let described = move || error.get().is_some().then_some("tiers-error");
    view! {
        <div class="form-grid tier-row">
            <div class="field">
                <label for=name_id.clone()>{move || format!("{} {n} {}", t.get().tier, t.get().tier_name)}</label>
                <input id=name_id type="text" prop:value=get(|r| r.name.clone())
                    on:input=move |ev| set(|r, v| r.name = v, event_target_value(&ev))
                    aria-invalid=invalid aria-describedby=described />
            </div>
            <div class="field">
                <label for=min_id.clone()>{move || format!("{} {n} {}", t.get().tier, t.get().min_points)}</label>
                <input id=min_id type="text" inputmode="numeric" prop:value=get(|r| r.min_points.clone())
                    on:input=move |ev| set(|r, v| r.min_points = v, event_target_value(&ev))
                    aria-invalid=invalid aria-describedby=described />
            </div>
            <div class="field">
                <button type="button" aria-label=move || format!("{} {n}", t.get().remove_tier)
                    on:click=move |_| form.tiers.update(|rows| rows.retain(|r| r.key != key))>
                    {move || t.get().remove_tier}
                </button>
            </div>
        </div>
    }
}
