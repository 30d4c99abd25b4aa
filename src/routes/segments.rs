//! Segments: a rule builder with a live count (evaluated in the segmentation worker),
//! saved segments with their members, CSV export and "use as campaign target".

use crm_core::{
    customer::split_tags,
    segment::{CmpOp, Lifecycle, Period, PyramidLevel, Rule, TagOp, Tier},
    validation::parse_amount_minor,
    Stage,
};
use leptos::{prelude::*, task::spawn_local};
use uuid::Uuid;

use crate::{
    hooks::{
        use_segments::{
            delete_segment, save_segment, use_saved_segments, use_segment_error, use_segment_query,
            SegmentQuery,
        },
        use_store::use_store,
    },
    i18n::{
        segments::{lifecycle, pyramid, tier, use_segment_texts, SegmentTexts},
        stage, use_locale, Locale,
    },
    segments::protocol::SegmentResponse,
    storage::records::SegmentRecord,
};

/// Members listed at most.
const MEMBER_LIMIT: usize = 100;

/// The kinds of condition the builder offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CondKind {
    Tier,
    City,
    Tags,
    Stage,
    RfmScore,
    Pyramid,
    Vip,
    Lifecycle,
    DaysSinceContact,
    Purchases,
    Spend,
}

impl CondKind {
    const ALL: [CondKind; 11] = [
        CondKind::Tier,
        CondKind::City,
        CondKind::Tags,
        CondKind::Stage,
        CondKind::RfmScore,
        CondKind::Pyramid,
        CondKind::Vip,
        CondKind::Lifecycle,
        CondKind::DaysSinceContact,
        CondKind::Purchases,
        CondKind::Spend,
    ];
    fn key(self) -> &'static str {
        match self {
            CondKind::Tier => "tier",
            CondKind::City => "city",
            CondKind::Tags => "tags",
            CondKind::Stage => "stage",
            CondKind::RfmScore => "rfm_score",
            CondKind::Pyramid => "pyramid",
            CondKind::Vip => "vip",
            CondKind::Lifecycle => "lifecycle",
            CondKind::DaysSinceContact => "days_since_contact",
            CondKind::Purchases => "purchases",
            CondKind::Spend => "spend",
        }
    }
    fn label(self, t: &SegmentTexts) -> &'static str {
        match self {
            CondKind::Tier => t.c_tier,
            CondKind::City => t.c_city,
            CondKind::Tags => t.c_tags,
            CondKind::Stage => t.c_stage,
            CondKind::RfmScore => t.c_rfm,
            CondKind::Pyramid => t.c_pyramid,
            CondKind::Vip => t.c_vip,
            CondKind::Lifecycle => t.c_lifecycle,
            CondKind::DaysSinceContact => t.c_days,
            CondKind::Purchases => t.c_purchases,
            CondKind::Spend => t.c_spend,
        }
    }
    /// `(value, label)` choices for the multiple-choice kinds.
    fn choices(self, l: Locale) -> Vec<(&'static str, &'static str)> {
        match self {
            CondKind::Tier => Tier::ALL
                .iter()
                .map(|x| (x.as_str(), tier(l, *x)))
                .collect(),
            CondKind::Stage => Stage::ALL
                .iter()
                .map(|x| (x.as_str(), stage(l, *x)))
                .collect(),
            CondKind::Pyramid => PyramidLevel::ALL
                .iter()
                .map(|x| (x.as_str(), pyramid(l, *x)))
                .collect(),
            CondKind::Lifecycle => Lifecycle::ALL
                .iter()
                .map(|x| (x.as_str(), lifecycle(l, *x)))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// One condition row of the builder: its kind and whatever values it needs.
#[derive(Clone, Copy)]
struct Condition {
    key: u32,
    kind: RwSignal<CondKind>,
    checked: RwSignal<Vec<String>>,
    text: RwSignal<String>,
}

impl Condition {
    fn new(key: u32, kind: CondKind) -> Self {
        Condition {
            key,
            kind: RwSignal::new(kind),
            checked: RwSignal::new(Vec::new()),
            text: RwSignal::new(String::new()),
        }
    }

    /// The rule this row stands for; `None` while it is incomplete.
    fn rule(&self) -> Option<Rule> {
        fn parse_all<T: serde::de::DeserializeOwned>(values: &[String]) -> Vec<T> {
            values
                .iter()
                .filter_map(|v| serde_json::from_value(serde_json::Value::String(v.clone())).ok())
                .collect()
        }
        let checked = self.checked.get();
        let text = self.text.get();
        let number = || text.trim().parse::<i64>().ok();
        let rule = match self.kind.get() {
            CondKind::Tier => Rule::Tier {
                any_of: parse_all(&checked),
            },
            CondKind::Stage => Rule::Stage {
                any_of: parse_all(&checked),
            },
            CondKind::Pyramid => Rule::Pyramid {
                any_of: parse_all(&checked),
            },
            CondKind::Lifecycle => Rule::Lifecycle {
                any_of: parse_all(&checked),
            },
            CondKind::City => Rule::City {
                any_of: split_tags(&text),
            },
            CondKind::Tags => Rule::Tags {
                op: TagOp::Any,
                tags: split_tags(&text),
            },
            CondKind::Vip => Rule::Vip { is: true },
            CondKind::RfmScore => Rule::RfmScore {
                op: CmpOp::Gte,
                value: number()?,
            },
            CondKind::DaysSinceContact => Rule::DaysSinceContact {
                op: CmpOp::Gte,
                value: number()?,
            },
            CondKind::Purchases => Rule::PurchaseCount {
                period: Period::default(),
                op: CmpOp::Gte,
                value: number()?,
            },
            CondKind::Spend => Rule::Spend {
                period: Period::default(),
                op: CmpOp::Gte,
                value_minor: parse_amount_minor(&text).ok()?,
            },
        };
        let empty = match &rule {
            Rule::Tier { any_of } => any_of.is_empty(),
            Rule::Stage { any_of } => any_of.is_empty(),
            Rule::Pyramid { any_of } => any_of.is_empty(),
            Rule::Lifecycle { any_of } => any_of.is_empty(),
            Rule::City { any_of } => any_of.is_empty(),
            Rule::Tags { tags, .. } => tags.is_empty(),
            _ => false,
        };
        (!empty).then_some(rule)
    }
}

#[component]
pub fn SegmentsPage() -> impl IntoView {
    let t = use_segment_texts();
    let match_all = RwSignal::new(true);
    let next_key = StoredValue::new(2u32);
    let conditions = RwSignal::new(vec![Condition::new(1, CondKind::Tier)]);
    let rule = Memo::new(move |_| {
        let rules: Vec<Rule> = conditions
            .get()
            .iter()
            .filter_map(Condition::rule)
            .collect();
        if rules.is_empty() {
            None
        } else if match_all.get() {
            Some(Rule::and(rules))
        } else {
            Some(Rule::or(rules))
        }
    });
    let saved = use_saved_segments();
    let saved_rules = Memo::new(move |_| {
        saved
            .get()
            .flatten()
            .and_then(Result::ok)
            .unwrap_or_default()
    });
    let shown = RwSignal::new(None::<Uuid>);
    let want_csv = RwSignal::new(None::<Uuid>);
    // One query: the builder's rule first, then every saved segment's.
    let answer = use_segment_query(move || {
        let mut rules: Vec<Rule> = vec![rule.get().unwrap_or(Rule::and([]))];
        let saved = saved_rules.get();
        rules.extend(saved.iter().map(|s| s.segment.rule.clone()));
        let target = shown.get().or(want_csv.get());
        let members_of = target
            .and_then(|id| saved.iter().position(|s| s.segment.id == id))
            .map(|i| i + 1);
        Some(SegmentQuery {
            rules,
            members_of,
            member_limit: MEMBER_LIMIT,
            csv: want_csv.get().is_some(),
        })
    });
    let error = use_segment_error();
    // Download the CSV once it arrives.
    Effect::new(move |_| {
        if let (Some(id), Some(resp)) = (want_csv.get(), answer.get()) {
            if let Some(csv) = &resp.csv {
                let name = saved_rules
                    .get_untracked()
                    .into_iter()
                    .find(|s| s.segment.id == id)
                    .map(|s| s.segment.name)
                    .unwrap_or_default();
                crate::components::download::download(
                    &format!("{name}.csv"),
                    std::slice::from_ref(csv),
                    "text/csv;charset=utf-8",
                );
                want_csv.set(None);
            }
        }
    });
    let rows = move || conditions.get().into_iter().enumerate().collect::<Vec<_>>();
    let add = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        conditions.update(|c| c.push(Condition::new(key, CondKind::City)));
    };
    view! {
        <h1>{move || t.get().title}</h1>
        <p><a href="/segments/settings">{move || t.get().rfm_settings}</a></p>
        <section class="card" aria-labelledby="builder-heading">
            <h2 id="builder-heading">{move || t.get().new_segment}</h2>
            <div class="field">
                <label for="seg-match">{move || t.get().match_label}</label>
                <select id="seg-match" on:change=move |ev| match_all.set(event_target_value(&ev) == "all")>
                    <option value="all" selected=move || match_all.get()>{move || t.get().match_all}</option>
                    <option value="any" selected=move || !match_all.get()>{move || t.get().match_any}</option>
                </select>
            </div>
            <For each=rows key=|(i, c)| (*i, c.key) let:item>
                <ConditionRow index=item.0 cond=item.1 on_remove=Callback::new(move |key: u32| conditions.update(|c| c.retain(|x| x.key != key))) />
            </For>
            <div class="toolbar">
                <button type="button" on:click=add>{move || t.get().add_condition}</button>
            </div>
            <p id="segment-count" aria-live="polite">
                {move || match (rule.get(), answer.get()) {
                    (None, _) => t.get().no_conditions.to_string(),
                    (Some(_), None) => t.get().counting.to_string(),
                    (Some(_), Some(resp)) => match resp.counts.first() {
                        Some(Ok(n)) => format!("{n} {}", t.get().matching),
                        Some(Err(errors)) => errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "),
                        None => String::new(),
                    },
                }}
            </p>
            {move || error.get().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
            <SaveSegment rule=rule />
        </section>
        <SavedSegments saved=saved_rules answer=answer shown=shown want_csv=want_csv />
    }
}

#[component]
fn ConditionRow(index: usize, cond: Condition, on_remove: Callback<u32>) -> impl IntoView {
    let t = use_segment_texts();
    let locale = use_locale();
    let n = index + 1;
    let select_id = format!("cond-{}-kind", cond.key);
    let text_id = format!("cond-{}-value", cond.key);
    let toggle = move |value: &'static str, on: bool| {
        cond.checked.update(|c| {
            c.retain(|v| v != value);
            if on {
                c.push(value.to_string());
            }
        })
    };
    view! {
        <fieldset class="card">
            <legend>{move || format!("{} {n}", t.get().condition)}</legend>
            <div class="field">
                <label for=select_id.clone()>{move || format!("{} {n}", t.get().condition)}</label>
                <select id=select_id on:change=move |ev| {
                    let key = event_target_value(&ev);
                    if let Some(kind) = CondKind::ALL.into_iter().find(|k| k.key() == key) {
                        cond.kind.set(kind);
                        cond.checked.set(Vec::new());
                        cond.text.set(String::new());
                    }
                }>
                    {move || CondKind::ALL.into_iter().map(|k| view! {
                        <option value=k.key() selected=move || cond.kind.get() == k>{k.label(t.get())}</option>
                    }).collect_view()}
                </select>
            </div>
            {move || {
                let kind = cond.kind.get();
                let choices = kind.choices(locale.get());
                if !choices.is_empty() {
                    choices.into_iter().map(|(value, label)| view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || cond.checked.get().iter().any(|v| v == value)
                                on:change=move |ev| toggle(value, event_target_checked(&ev)) />
                            " " {label}
                        </label>
                    }).collect_view().into_any()
                } else if kind == CondKind::Vip {
                    view! { <p>{t.get().vip_yes}</p> }.into_any()
                } else {
                    let label = match kind {
                        CondKind::City => t.get().cities_hint,
                        CondKind::Tags => t.get().tags_hint,
                        CondKind::Spend => t.get().amount_cny,
                        _ => t.get().at_least,
                    };
                    let numeric = !matches!(kind, CondKind::City | CondKind::Tags);
                    view! {
                        <div class="field">
                            <label for=text_id.clone()>{label}</label>
                            <input id=text_id.clone() type="text" inputmode=numeric.then_some("decimal")
                                prop:value=move || cond.text.get() on:input=move |ev| cond.text.set(event_target_value(&ev)) />
                        </div>
                    }.into_any()
                }
            }}
            <button type="button" aria-label=move || format!("{} {} {n}", t.get().remove, t.get().condition) on:click=move |_| on_remove.run(cond.key)>
                {move || t.get().remove}
            </button>
        </fieldset>
    }
}

#[component]
fn SaveSegment(rule: Memo<Option<Rule>>) -> impl IntoView {
    let t = use_segment_texts();
    let ctx = use_store();
    let name = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let save = move |_| {
        let Some(rule) = rule.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match save_segment(ctx, None, name.get_untracked(), rule, false).await {
                Ok(_) => {
                    name.set(String::new());
                    message.set(Some((true, t.get_untracked().saved.to_string())));
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <div class="toolbar">
            <label for="seg-name">{move || t.get().segment_name}</label>
            <input id="seg-name" type="text" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <button type="button" class="primary" disabled=move || rule.get().is_none() on:click=save>{move || t.get().save_segment}</button>
        </div>
        {move || message.get().map(|(ok, m)| view! { <p class:banner=!ok class:error=!ok role=if ok { "status" } else { "alert" }>{m}</p> })}
    }
}

#[component]
fn SavedSegments(
    saved: Memo<Vec<SegmentRecord>>,
    answer: Signal<Option<SegmentResponse>>,
    shown: RwSignal<Option<Uuid>>,
    want_csv: RwSignal<Option<Uuid>>,
) -> impl IntoView {
    let t = use_segment_texts();
    let locale = use_locale();
    let ctx = use_store();
    view! {
        <section class="card" aria-labelledby="saved-heading">
            <h2 id="saved-heading">{move || t.get().saved_segments}</h2>
            {move || {
                let list = saved.get();
                if list.is_empty() {
                    return view! { <p class="muted">{t.get().no_saved}</p> }.into_any();
                }
                view! {
                    <ul class="plain" aria-label=t.get().saved_segments>
                        {list.into_iter().enumerate().map(|(i, s)| {
                            let id = s.segment.id;
                            let name = s.segment.name.clone();
                            let list_name = StoredValue::new(name.clone());
                            let target = s.campaign_target;
                            let record = s.clone();
                            let count = move || answer.get().and_then(|r| r.counts.get(i + 1).cloned()).and_then(Result::ok);
                            view! {
                                <li class="card">
                                    <h3>{name.clone()}</h3>
                                    <p>{move || count().map(|n| format!("{n} {}", t.get().customers_n)).unwrap_or_else(|| t.get().counting.to_string())}</p>
                                    <div class="toolbar">
                                        <button type="button" aria-expanded=move || (shown.get() == Some(id)).to_string()
                                            on:click=move |_| shown.update(|s| *s = if *s == Some(id) { None } else { Some(id) })>
                                            {move || if shown.get() == Some(id) { t.get().hide_members } else { t.get().show_members }}
                                        </button>
                                        <button type="button" on:click=move |_| want_csv.set(Some(id))>{move || t.get().export_csv}</button>
                                        <button type="button" aria-pressed=target.to_string() on:click=move |_| {
                                            let r = record.clone();
                                            spawn_local(async move {
                                                let _ = save_segment(ctx, Some(r.segment.id), r.segment.name, r.segment.rule, !r.campaign_target).await;
                                            });
                                        }>{move || t.get().campaign_target}</button>
                                        <button type="button" class="danger" on:click=move |_| { spawn_local(async move { let _ = delete_segment(ctx, id).await; }); }>
                                            {move || t.get().delete}
                                        </button>
                                    </div>
                                    <Show when=move || shown.get() == Some(id)>
                                        {move || answer.get().filter(|_| shown.get() == Some(id)).map(|r| {
                                            let more = r.members_total.saturating_sub(r.members.len());
                                            view! {
                                                <ul class="customer-list" aria-label=format!("{} {}", t.get().members, list_name.get_value())>
                                                    {r.members.into_iter().map(|m| view! {
                                                        <li><a href=format!("/customers/{}", m.id)>
                                                            <span class="row-name">{m.name}</span>
                                                            <span class="row-meta">{format!("{} · {}", m.city, tier(locale.get(), m.tier))}</span>
                                                        </a></li>
                                                    }).collect_view()}
                                                </ul>
                                                {(more > 0).then(|| view! { <p class="muted">{format!("+{more} {}", t.get().and_more)}</p> })}
                                            }
                                        })}
                                    </Show>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
