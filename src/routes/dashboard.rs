//! Dashboard: RFM tiers, the spend pyramid, interactions per week, purchases per month
//! and follow-ups due, all computed in the segmentation worker from per-customer
//! aggregates.

use crm_core::segment::{PyramidLevel, Tier};
use leptos::prelude::*;

use crate::{
    components::charts::{ColumnChart, HBarChart},
    format::money,
    hooks::{
        use_customer::today,
        use_segments::{use_segment_error, use_segment_query, SegmentQuery},
        use_store::use_query,
    },
    i18n::{
        segments::{pyramid, tier, use_segment_texts},
        use_locale, use_texts,
    },
    segments::worker::{month_label, week_start},
};

#[component]
pub fn DashboardPage() -> impl IntoView {
    let t = use_segment_texts();
    let common = use_texts();
    let locale = use_locale();
    let answer = use_segment_query(|| {
        Some(SegmentQuery {
            rules: Vec::new(),
            members_of: None,
            member_limit: 0,
            csv: false,
        })
    });
    let error = use_segment_error();
    let due = use_query(
        || (),
        |store, ()| async move { store.follow_ups(today(), 10_000).await.map(|r| r.len()) },
    );
    let tiers = Signal::derive(move || {
        let l = locale.get();
        answer
            .get()
            .map(|r| {
                Tier::ALL
                    .iter()
                    .zip(r.summary.tiers)
                    .map(|(t, n)| (tier(l, *t).to_string(), n as f64, n.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    });
    let levels = Signal::derive(move || {
        let l = locale.get();
        answer
            .get()
            .map(|r| {
                PyramidLevel::ALL[..4]
                    .iter()
                    .enumerate()
                    .map(|(i, level)| {
                        let n = r.summary.pyramid.counts[i];
                        (
                            pyramid(l, *level).to_string(),
                            n as f64,
                            format!("{n} · {}", money(r.summary.pyramid.spend_minor[i], "CNY")),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    let weekly = Signal::derive(move || {
        answer
            .get()
            .map(|r| {
                r.weekly
                    .iter()
                    .map(|b| {
                        (
                            week_start(b.at)
                                .map(|d| d.format("%m-%d").to_string())
                                .unwrap_or_default(),
                            b.count as f64,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    let monthly = Signal::derive(move || {
        answer
            .get()
            .map(|r| {
                r.monthly
                    .iter()
                    .map(|b| (month_label(b.at), b.count as f64))
                    .collect()
            })
            .unwrap_or_default()
    });
    view! {
        <h1>{move || common.get().dashboard}</h1>
        {move || error.get().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
        <div class="tiles">
            <div class="tile"><span class="num">{move || answer.get().map(|r| r.summary.customers.to_string()).unwrap_or_else(|| "…".into())}</span>{move || common.get().customers}</div>
            <div class="tile"><span class="num">{move || answer.get().map(|r| r.summary.vip.to_string()).unwrap_or_else(|| "…".into())}</span>{move || t.get().vip_customers}</div>
            <a class="tile" href="/follow-ups"><span class="num">{move || due.get().flatten().and_then(Result::ok).map(|n| n.to_string()).unwrap_or_else(|| "…".into())}</span>{move || t.get().follow_ups_due}</a>
        </div>
        <div class="grid-2">
            <HBarChart title=Signal::derive(move || t.get().tiers_chart.to_string()) bars=tiers />
            <HBarChart title=Signal::derive(move || t.get().pyramid_chart.to_string()) bars=levels />
            <ColumnChart title=Signal::derive(move || t.get().weekly_chart.to_string()) columns=weekly label_every=4 />
            <ColumnChart title=Signal::derive(move || t.get().monthly_chart.to_string()) columns=monthly label_every=3 />
        </div>
    }
}
