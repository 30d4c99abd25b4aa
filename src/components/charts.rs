//! Small SVG charts drawn by the app (no chart library: a few bars need no bundle
//! weight). Colours come from the stylesheet, so both themes stay readable; every chart
//! carries an accessible name and its numbers as text.

use leptos::prelude::*;

/// Horizontal bars, one per `(label, value)`, with the value printed after each bar.
#[component]
pub fn HBarChart(
    #[prop(into)] title: Signal<String>,
    #[prop(into)] bars: Signal<Vec<(String, f64, String)>>,
) -> impl IntoView {
    const ROW: f64 = 26.0;
    const LABEL_W: f64 = 150.0;
    const BAR_W: f64 = 260.0;
    view! {
        <figure class="chart">
            <figcaption>{move || title.get()}</figcaption>
            {move || {
                let bars = bars.get();
                let max = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max).max(1.0);
                let height = ROW * bars.len() as f64 + 4.0;
                let summary = bars.iter().map(|(l, _, v)| format!("{l}: {v}")).collect::<Vec<_>>().join(", ");
                view! {
                    <svg role="img" aria-label=format!("{}: {summary}", title.get()) viewBox=format!("0 0 {} {height}", LABEL_W + BAR_W + 90.0) width="100%">
                        {bars.into_iter().enumerate().map(|(i, (label, value, text))| {
                            let y = i as f64 * ROW + 2.0;
                            let w = (value / max * BAR_W).max(if value > 0.0 { 2.0 } else { 0.0 });
                            view! {
                                <text x="0" y=y + 17.0 class="chart-label">{label}</text>
                                <rect x=LABEL_W y=y + 4.0 width=w height=ROW - 8.0 rx="3" class="chart-bar"></rect>
                                <text x=LABEL_W + w + 6.0 y=y + 17.0 class="chart-value">{text}</text>
                            }
                        }).collect_view()}
                    </svg>
                }
            }}
        </figure>
    }
}

/// Vertical columns over time (weeks or months), labelled every few columns.
#[component]
pub fn ColumnChart(
    #[prop(into)] title: Signal<String>,
    #[prop(into)] columns: Signal<Vec<(String, f64)>>,
    label_every: usize,
) -> impl IntoView {
    const H: f64 = 140.0;
    const COL: f64 = 22.0;
    view! {
        <figure class="chart">
            <figcaption>{move || title.get()}</figcaption>
            {move || {
                let cols = columns.get();
                let max = cols.iter().map(|c| c.1).fold(0.0_f64, f64::max).max(1.0);
                let width = COL * cols.len() as f64 + 10.0;
                let summary = cols.iter().map(|(l, v)| format!("{l}: {v}")).collect::<Vec<_>>().join(", ");
                view! {
                    <svg role="img" aria-label=format!("{}: {summary}", title.get()) viewBox=format!("0 0 {width} {}", H + 40.0) width="100%">
                        <text x="0" y="12" class="chart-value">{format!("{max}")}</text>
                        {cols.into_iter().enumerate().map(|(i, (label, value))| {
                            let h = value / max * H;
                            let x = i as f64 * COL + 6.0;
                            view! {
                                <rect x=x y=H + 16.0 - h width=COL - 6.0 height=h rx="2" class="chart-bar">
                                    <title>{format!("{label}: {value}")}</title>
                                </rect>
                                {(i % label_every.max(1) == 0).then(|| view! {
                                    <text x=x y=H + 32.0 class="chart-label small">{label.clone()}</text>
                                })}
                            }
                        }).collect_view()}
                    </svg>
                }
            }}
        </figure>
    }
}
