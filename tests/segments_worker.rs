//! The segmentation worker's computation over real IndexedDB data equals crm-core's
//! computation over the same data generated in memory (headless Chromium).

use chrono::NaiveDate;
use crm_app::{
    segments::{protocol::SegmentRequest, worker},
    storage::Store,
};
use crm_core::{
    demo::{Demo, Size, DEMO_SEED},
    segment::{CmpOp, CustomerRow, InteractionStats, Rule, SegmentColumns, SegmentSettings, Tier},
    Aggregates,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn rules() -> Vec<Rule> {
    vec![
        Rule::and([
            Rule::Tier {
                any_of: vec![Tier::Gold, Tier::Platinum],
            },
            Rule::City {
                any_of: vec!["上海".into()],
            },
        ]),
        Rule::Vip { is: true },
        Rule::DaysSinceContact {
            op: CmpOp::Gte,
            value: 90,
        },
        Rule::Vip { is: false },
    ]
}

#[wasm_bindgen_test]
async fn worker_results_equal_the_core_on_the_same_data() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let name = format!("test-{}", uuid::Uuid::new_v4());
    let store = Store::open(&name, || {}).await.unwrap();
    store
        .load_demo(Size::S, today, 1_764_460_800_000, |_, _| {})
        .await
        .unwrap();
    worker::set_store(store);
    let settings = SegmentSettings::default();
    let response = worker::answer(SegmentRequest {
        id: 1,
        revision: 1,
        today,
        settings: settings.clone(),
        rules: rules(),
        members_of: Some(0),
        member_limit: 1000,
        csv: true,
    })
    .await
    .unwrap();

    // The same computation natively, straight from the generator.
    let demo: Vec<_> = Demo::new(Size::S, DEMO_SEED, today).all().collect();
    let aggs: Vec<(Aggregates, InteractionStats)> = demo
        .iter()
        .map(|c| {
            (
                Aggregates::from_interactions(&c.interactions),
                InteractionStats::from_interactions(&c.interactions),
            )
        })
        .collect();
    let columns = SegmentColumns::build(
        demo.iter().zip(&aggs).map(|(c, (a, s))| CustomerRow {
            customer: &c.customer,
            aggregates: a,
            stats: Some(s),
        }),
        today,
        &settings,
    );
    let native: Vec<usize> = rules().iter().map(|r| columns.count(r).unwrap()).collect();
    let from_worker: Vec<usize> = response.counts.iter().map(|c| c.clone().unwrap()).collect();
    assert_eq!(from_worker, native);
    assert_eq!(&response.summary, columns.summary());
    assert_eq!(response.summary.customers, 500);
    assert!(
        native[0] > 0,
        "the demo has Gold/Platinum customers in 上海"
    );
    assert_eq!(response.members_total, native[0]);
    assert_eq!(response.members.len(), native[0]);
    let csv = response.csv.unwrap();
    assert_eq!(
        csv.lines().count(),
        native[0] + 1,
        "header + one line per member"
    );
    assert_eq!(response.weekly.len(), 26);
    assert_eq!(response.monthly.len(), 18);
    let purchases: u64 = response.monthly.iter().map(|b| b.count).sum();
    assert!(purchases > 0);
}
