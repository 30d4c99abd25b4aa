//! RFM settings: the seed study's thresholds and weights, editable, validated by
//! crm-core, stored on this device.

use crm_core::segment::{MonetaryBasis, SegmentSettings};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    hooks::{
        use_segments::{save_settings, use_segment_settings},
        use_store::use_store,
    },
    i18n::{segments::use_segment_texts, use_texts},
};

fn join<T: ToString>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_list<const N: usize, T: std::str::FromStr>(text: &str) -> Option<[T; N]> {
    let parts: Vec<T> = text
        .split([',', '，'])
        .map(|p| p.trim().parse().ok())
        .collect::<Option<_>>()?;
    parts.try_into().ok()
}

#[component]
pub fn SegmentSettingsPage() -> impl IntoView {
    let t = use_segment_texts();
    let settings = use_segment_settings();
    view! {
        <h1>{move || t.get().rfm_settings}</h1>
        <p>{move || t.get().settings_intro}</p>
        {move || settings.get().flatten().map(|r| match r {
            Ok(s) => view! { <SettingsForm initial=s /> }.into_any(),
            Err(e) => view! { <p class="banner error" role="alert">{e.to_string()}</p> }.into_any(),
        })}
    }
}

#[component]
fn SettingsForm(initial: SegmentSettings) -> impl IntoView {
    let t = use_segment_texts();
    let common = use_texts();
    let ctx = use_store();
    let rfm = &initial.rfm;
    let recency = RwSignal::new(join(&rfm.recency_months));
    let frequency = RwSignal::new(join(&rfm.frequency_min));
    let monetary = RwSignal::new(join(&rfm.monetary_min_minor.map(|m| m / 100)));
    let weights = RwSignal::new(join(&[
        rfm.weights.recency,
        rfm.weights.frequency,
        rfm.weights.monetary,
    ]));
    let tiers = RwSignal::new(join(&[
        rfm.tiers.platinum,
        rfm.tiers.gold,
        rfm.tiers.silver,
    ]));
    let on_total = RwSignal::new(rfm.monetary_basis == MonetaryBasis::Total);
    let dormant = RwSignal::new(initial.lifecycle.dormant_days.to_string());
    let message = RwSignal::new(None::<(bool, String)>);
    let base = StoredValue::new(initial);
    let build = move || -> Result<SegmentSettings, String> {
        let mut s = base.get_value();
        let bad = |what: &str| format!("{what}: {}", "enter the numbers separated by commas");
        s.rfm.recency_months = parse_list(&recency.get_untracked())
            .ok_or_else(|| bad(t.get_untracked().recency_months))?;
        s.rfm.frequency_min = parse_list(&frequency.get_untracked())
            .ok_or_else(|| bad(t.get_untracked().frequency_min))?;
        let m: [i64; 4] = parse_list(&monetary.get_untracked())
            .ok_or_else(|| bad(t.get_untracked().monetary_min))?;
        s.rfm.monetary_min_minor = m.map(|v| v * 100);
        let [r, f, mw]: [u32; 3] =
            parse_list(&weights.get_untracked()).ok_or_else(|| bad(t.get_untracked().weights))?;
        s.rfm.weights.recency = r;
        s.rfm.weights.frequency = f;
        s.rfm.weights.monetary = mw;
        let [p, g, sv]: [u32; 3] =
            parse_list(&tiers.get_untracked()).ok_or_else(|| bad(t.get_untracked().tier_min))?;
        s.rfm.tiers.platinum = p;
        s.rfm.tiers.gold = g;
        s.rfm.tiers.silver = sv;
        s.rfm.monetary_basis = if on_total.get_untracked() {
            MonetaryBasis::Total
        } else {
            MonetaryBasis::Average
        };
        s.lifecycle.dormant_days = dormant
            .get_untracked()
            .trim()
            .parse()
            .map_err(|_| bad(t.get_untracked().dormant_days))?;
        let problems = s.validate();
        if problems.is_empty() {
            Ok(s)
        } else {
            Err(problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("; "))
        }
    };
    let save = move |_| match build() {
        Ok(s) => spawn_local(async move {
            match save_settings(ctx, s).await {
                Ok(()) => message.set(Some((true, t.get_untracked().saved.to_string()))),
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        }),
        Err(e) => message.set(Some((false, e))),
    };
    let reset = move |_| {
        spawn_local(async move {
            let _ = save_settings(ctx, SegmentSettings::default()).await;
        });
    };
    let field = move |id: &'static str, label: Signal<&'static str>, value: RwSignal<String>| {
        view! {
            <div class="field wide">
                <label for=id>{move || label.get()}</label>
                <input id=id type="text" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </div>
        }
    };
    view! {
        <form class="card" on:submit=|ev| ev.prevent_default()>
            {move || message.get().map(|(ok, m)| view! { <p class:banner=!ok class:error=!ok role=if ok { "status" } else { "alert" }>{m}</p> })}
            <div class="form-grid">
                {field("rfm-recency", Signal::derive(move || t.get().recency_months), recency)}
                {field("rfm-frequency", Signal::derive(move || t.get().frequency_min), frequency)}
                {field("rfm-monetary", Signal::derive(move || t.get().monetary_min), monetary)}
                {field("rfm-weights", Signal::derive(move || t.get().weights), weights)}
                {field("rfm-tiers", Signal::derive(move || t.get().tier_min), tiers)}
                {field("rfm-dormant", Signal::derive(move || t.get().dormant_days), dormant)}
                <label class="check wide">
                    <input type="checkbox" prop:checked=move || on_total.get() on:change=move |ev| on_total.set(event_target_checked(&ev)) />
                    " " {move || t.get().m_on_total}
                </label>
            </div>
            <div class="form-actions">
                <button type="button" class="primary" on:click=save>{move || t.get().save_settings}</button>
                <button type="button" on:click=reset>{move || t.get().reset_defaults}</button>
                <a href="/segments">{move || common.get().segments}</a>
            </div>
        </form>
    }
}
