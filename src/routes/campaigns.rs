//! Campaigns: target a saved segment, cost and period; revenue of the linked purchases,
//! ROI and conversion per campaign (computed by the core's `campaign_result`). Targets are
//! the segment's current member count from the segmentation worker.

use std::collections::HashMap;

use crm_core::{
    change::Entity,
    workflow::{campaign_result, Campaign, CampaignDraft, CampaignResult},
    FieldError, Interaction,
};
use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use uuid::Uuid;

use crate::{
    components::field::{TextArea, TextField},
    format::money,
    hooks::{
        use_campaigns::use_campaign_purchases,
        use_records::{live_row, rows_or_empty, save_entity_edit, use_entities},
        use_segments::{use_saved_segments, use_segment_query, SegmentQuery},
        use_store::{use_store, StoreCtx},
        use_toast::{use_toast, Toast, UndoAction},
    },
    i18n::{
        campaigns::{field_problem, use_campaign_texts, CampaignTexts},
        use_locale,
    },
    storage::{records::SegmentRecord, Now},
};

/// Shown where a figure does not apply (no segment, no cost).
fn dash() -> String {
    "—".to_string()
}

/// `3.2` → `3.2×`.
fn ratio(x: f64) -> String {
    format!("{x:.1}×")
}

/// `0.5` → `50%`, `1/3` → `33.3%`.
fn percent(x: f64) -> String {
    let p = x * 100.0;
    if (p - p.round()).abs() < 0.05 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// The campaign's dates as a short phrase ("2026-02-01 – 2026-02-28", "from …", "until …").
fn period(c: &Campaign, t: &CampaignTexts) -> String {
    match (c.start, c.end) {
        (Some(s), Some(e)) => format!("{s} – {e}"),
        (Some(s), None) => format!("{} {s}", t.from),
        (None, Some(e)) => format!("{} {e}", t.until),
        (None, None) => t.no_dates.to_string(),
    }
}

/// Saves a campaign record (a create, an edit, a delete or its undo) made from `opened`:
/// only the fields changed from it are written (`save_entity_edit`).
async fn save_campaign(
    ctx: StoreCtx,
    opened: Campaign,
    campaign: Campaign,
) -> Result<usize, String> {
    save_entity_edit(ctx, Entity::Campaign, campaign.id, Some(&opened), &campaign)
        .await
        .map_err(|e| e.to_string())
}

/// Which of its three states the campaign list is in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ListShape {
    Loading,
    Empty,
    List,
}

/// What the form is doing: creating a campaign or editing one.
#[derive(Debug, Clone, PartialEq)]
enum Editing {
    New,
    Existing(Campaign),
}

#[component]
pub fn CampaignsPage() -> impl IntoView {
    let t = use_campaign_texts();
    let campaigns = use_entities::<Campaign>(Entity::Campaign);
    let loaded = Signal::derive(move || campaigns.get().flatten().is_some());
    let list = rows_or_empty(campaigns);
    let sorted = Memo::new(move |_| {
        let mut list = list.get();
        list.sort_by_key(|c| std::cmp::Reverse((c.start, c.created_ms, c.id)));
        list
    });
    let saved = use_saved_segments();
    // Campaign targets first, then the others, each by name (the store's order).
    let segments = Memo::new(move |_| {
        let mut rows = saved
            .get()
            .flatten()
            .and_then(Result::ok)
            .unwrap_or_default();
        rows.sort_by_key(|s| !s.campaign_target);
        rows
    });
    // Every saved segment's member count, from the segmentation worker.
    let answer = use_segment_query(move || {
        let rules: Vec<_> = segments.get().into_iter().map(|s| s.segment.rule).collect();
        (!rules.is_empty()).then_some(SegmentQuery {
            rules,
            members_of: None,
            member_limit: 0,
            csv: false,
        })
    });
    let counts = Memo::new(move |_| {
        let answer = answer.get();
        let segs = segments.get();
        answer.map(|r| {
            segs.iter()
                .zip(r.counts)
                .filter_map(|(s, c)| c.ok().map(|n| (s.segment.id, n)))
                .collect::<HashMap<Uuid, usize>>()
        })
    });
    let linked = use_campaign_purchases(move || sorted.get().iter().map(|c| c.id).collect());
    let linked = Memo::new(move |_| {
        linked.get().flatten().and_then(Result::ok).map(|rows| {
            rows.into_iter()
                .collect::<HashMap<Uuid, Vec<Interaction>>>()
        })
    });
    let editing = RwSignal::new(None::<Editing>);
    // A memo, so a refresh that leaves the list non-empty does not rebuild it (and the
    // form open in a card).
    let shape = Memo::new(move |_| {
        if !loaded.get() {
            ListShape::Loading
        } else if sorted.with(Vec::is_empty) {
            ListShape::Empty
        } else {
            ListShape::List
        }
    });
    view! {
        <h1>{move || t.get().title}</h1>
        <p class="muted">{move || t.get().intro}</p>
        <div class="toolbar">
            <button type="button" class="primary" aria-expanded=move || (editing.get() == Some(Editing::New)).to_string()
                on:click=move |_| editing.update(|e| *e = if *e == Some(Editing::New) { None } else { Some(Editing::New) })>
                {move || t.get().new_campaign}
            </button>
        </div>
        <Show when=move || editing.get() == Some(Editing::New)>
            <CampaignForm editing=Editing::New segments=segments on_done=Callback::new(move |_| editing.set(None)) />
        </Show>
        {move || {
            match shape.get() {
                ListShape::Loading => {
                    return view! { <p class="muted">{t.get().results_loading}</p> }.into_any()
                }
                ListShape::Empty => return view! { <p class="empty">{t.get().empty}</p> }.into_any(),
                ListShape::List => {}
            }
            view! {
                <ul class="campaign-list" aria-label=t.get().campaign_list>
                    // Keyed by id and fed the live record: a pull updates the card in
                    // place, and a form open in it keeps what is being typed.
                    <For each=move || sorted.get() key=|c| c.id let:c>
                        <CampaignCard campaign=live_row(sorted, c, |c| c.id) segments=segments counts=counts linked=linked editing=editing />
                    </For>
                </ul>
            }.into_any()
        }}
    }
}

/// One campaign: its plan (segment, period, cost) and its results.
#[component]
fn CampaignCard(
    campaign: Memo<Campaign>,
    segments: Memo<Vec<SegmentRecord>>,
    counts: Memo<Option<HashMap<Uuid, usize>>>,
    linked: Memo<Option<HashMap<Uuid, Vec<Interaction>>>>,
    editing: RwSignal<Option<Editing>>,
) -> impl IntoView {
    let t = use_campaign_texts();
    let ctx = use_store();
    let toast = use_toast();
    let c = campaign;
    let id = c.with_untracked(|c| c.id);
    let name = move || c.with(|c| c.name.clone());
    let segment_name = move || {
        let t = t.get();
        match c.with(|c| c.segment_id) {
            None => t.no_segment.to_string(),
            Some(sid) => segments
                .get()
                .into_iter()
                .find(|s| s.segment.id == sid)
                .map(|s| s.segment.name)
                .unwrap_or_else(|| format!("({})", t.deleted_segment)),
        }
    };
    // None while the targets are still being counted.
    let targets = move || match c.with(|c| c.segment_id) {
        None => Some(None),
        Some(sid) => counts.get().map(|m| m.get(&sid).copied()),
    };
    let result = Memo::new(move |_| -> Option<CampaignResult> {
        let purchases = linked.get()?.remove(&id).unwrap_or_default();
        let refs: Vec<&Interaction> = purchases.iter().collect();
        let n = targets().flatten().unwrap_or(0);
        Some(c.with(|c| campaign_result(c, &refs, u32::try_from(n).unwrap_or(u32::MAX))))
    });
    let show = move |f: fn(&CampaignResult) -> String| {
        move || {
            result
                .get()
                .map(|r| f(&r))
                .unwrap_or_else(|| t.get().results_loading.to_string())
        }
    };
    let delete = move |_| {
        let shown = c.get_untracked();
        let mut gone = shown.clone();
        gone.deleted = true;
        spawn_local(async move {
            let restore = Campaign {
                deleted: false,
                ..gone.clone()
            };
            let message = match save_campaign(ctx, shown, gone.clone()).await {
                Ok(_) => Toast {
                    message: t.get_untracked().campaign_deleted.to_string(),
                    undo: Some(UndoAction::Run(Callback::new(move |_| {
                        let (gone, restore) = (gone.clone(), restore.clone());
                        spawn_local(async move {
                            let _ = save_campaign(ctx, gone, restore).await;
                        });
                    }))),
                },
                Err(e) => Toast {
                    message: e,
                    undo: None,
                },
            };
            toast.set(Some(message));
        });
    };
    let my_edit = Memo::new(move |_| match editing.get() {
        Some(Editing::Existing(e)) if e.id == id => Some(e),
        _ => None,
    });
    let heading_id = format!("campaign-{id}");
    let labelled_by = heading_id.clone();
    view! {
        <li>
          <article class="card campaign-card" aria-labelledby=labelled_by>
            <h2 id=heading_id>{name}</h2>
            <dl class="details">
                <dt>{move || t.get().target_segment}</dt>
                <dd>{segment_name}</dd>
                <dt>{move || t.get().period}</dt>
                <dd>{move || c.with(|c| period(c, t.get()))}</dd>
                <dt>{move || t.get().cost}</dt>
                <dd class="amount">{move || c.with(|c| money(c.cost_minor, "CNY"))}</dd>
                <dt>{move || t.get().revenue}</dt>
                <dd class="amount">{show(|r| money(r.revenue_minor, "CNY"))}</dd>
                <dt>{move || t.get().purchases}</dt>
                <dd>{show(|r| r.purchases.to_string())}</dd>
                <dt>{move || t.get().buyers}</dt>
                <dd>{show(|r| r.buyers.to_string())}</dd>
                <dt>{move || t.get().targets}</dt>
                <dd>{move || match targets() {
                    None => t.get().results_loading.to_string(),
                    Some(None) => dash(),
                    Some(Some(n)) => n.to_string(),
                }}</dd>
                <dt>{move || t.get().roi}</dt>
                <dd>{show(|r| r.roi.map(ratio).unwrap_or_else(dash))}</dd>
                <dt>{move || t.get().conversion}</dt>
                <dd>{show(|r| r.conversion.map(percent).unwrap_or_else(dash))}</dd>
            </dl>
            {move || c.with(|c| (!c.notes.is_empty()).then(|| view! { <p class="muted">{c.notes.clone()}</p> }))}
            {move || my_edit.get().map(|e| view! {
                <CampaignForm editing=Editing::Existing(e) segments=segments on_done=Callback::new(move |_| editing.set(None)) />
            })}
            <div class="toolbar">
                <button type="button" aria-expanded=move || my_edit.with(Option::is_some).to_string()
                    aria-label=move || format!("{} {}", t.get().edit, c.with(|c| c.name.clone()))
                    on:click=move |_| editing.set(if my_edit.with_untracked(Option::is_some) { None } else { Some(Editing::Existing(c.get_untracked())) })>
                    {move || t.get().edit}
                </button>
                <button type="button" class="danger" aria-label=move || format!("{} {}", t.get().delete, c.with(|c| c.name.clone()))
                    on:click=delete>
                    {move || t.get().delete}
                </button>
            </div>
          </article>
        </li>
    }
}

/// New campaign / Edit campaign: every field error shown next to its field.
#[component]
fn CampaignForm(
    editing: Editing,
    segments: Memo<Vec<SegmentRecord>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let t = use_campaign_texts();
    let locale = use_locale();
    let ctx = use_store();
    let toast = use_toast();
    let base = match &editing {
        Editing::New => Campaign::new(Uuid::now_v7(), Now::read().ms as i64),
        Editing::Existing(c) => c.clone(),
    };
    let is_new = editing == Editing::New;
    let draft = base.draft();
    let base = StoredValue::new(base);
    let name = RwSignal::new(draft.name);
    let segment = RwSignal::new(draft.segment_id.map(|s| s.to_string()).unwrap_or_default());
    let cost = RwSignal::new(draft.cost);
    let start = RwSignal::new(draft.start);
    let end = RwSignal::new(draft.end);
    let notes = RwSignal::new(draft.notes);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let general = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let err = move |field: &'static str| {
        crate::components::field::field_error(errors, locale, field, field_problem)
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let draft = CampaignDraft {
            name: name.get_untracked(),
            segment_id: Uuid::parse_str(&segment.get_untracked()).ok(),
            cost: cost.get_untracked(),
            start: start.get_untracked(),
            end: end.get_untracked(),
            notes: notes.get_untracked(),
        };
        match draft.apply(base.get_value()) {
            Err(list) => {
                errors.set(list);
                general.set(Some(t.get_untracked().fix_errors.to_string()));
            }
            Ok(campaign) => {
                saving.set(true);
                spawn_local(async move {
                    match save_campaign(ctx, base.get_value(), campaign).await {
                        Ok(_) => {
                            toast.set(Some(Toast {
                                message: t.get_untracked().campaign_saved.to_string(),
                                undo: None,
                            }));
                            on_done.run(());
                        }
                        Err(e) => general.set(Some(e)),
                    }
                    saving.set(false);
                });
            }
        }
    };
    let title = move || {
        if is_new {
            t.get().new_campaign
        } else {
            t.get().edit_campaign
        }
    };
    view! {
        <form novalidate on:submit=on_submit class="card" aria-label=title>
            <h2>{title}</h2>
            {move || general.get().map(|g| view! { <p class="banner error" role="alert">{g}</p> })}
            <div class="form-grid">
                <TextField id="c-name" label=Signal::derive(move || t.get().name) value=name error=err("name") />
                <SegmentSelect value=segment segments=segments />
                <TextField id="c-cost" label=Signal::derive(move || t.get().cost) value=cost error=err("cost") input_mode="decimal" />
                <TextField id="c-start" label=Signal::derive(move || t.get().start) value=start error=err("start") input_type="date" />
                <TextField id="c-end" label=Signal::derive(move || t.get().end) value=end error=err("end") input_type="date" />
                <TextArea id="c-notes" label=Signal::derive(move || t.get().notes) value=notes error=err("notes") />
            </div>
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || saving.get()>{move || t.get().save}</button>
                <button type="button" on:click=move |_| on_done.run(())>{move || t.get().cancel}</button>
            </div>
        </form>
    }
}

/// The Target segment select: "No segment", then the saved segments (campaign targets
/// first); when there are none, a hint says where to make one.
#[component]
fn SegmentSelect(value: RwSignal<String>, segments: Memo<Vec<SegmentRecord>>) -> impl IntoView {
    let t = use_campaign_texts();
    view! {
        <div class="field">
            <label for="c-segment">{move || t.get().target_segment}</label>
            <select id="c-segment" aria-describedby=move || segments.with(Vec::is_empty).then_some("c-segment-hint")
                on:change=move |ev| value.set(event_target_value(&ev)) prop:value=move || value.get()>
                <option value="" selected=move || value.get().is_empty()>{move || t.get().no_segment}</option>
                {move || segments.get().into_iter().map(|s| {
                    let id = s.segment.id.to_string();
                    let selected = {
                        let id = id.clone();
                        move || value.get() == id
                    };
                    view! { <option value=id selected=selected>{s.segment.name}</option> }
                }).collect_view()}
            </select>
            <Show when=move || segments.with(Vec::is_empty)>
                <p class="muted" id="c-segment-hint">{move || t.get().segments_hint}</p>
            </Show>
        </div>
    }
}
