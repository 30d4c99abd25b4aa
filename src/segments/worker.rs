//! The segmentation worker's side: keeps the customer book as crm-core `SegmentColumns`
//! (rebuilt from IndexedDB only when the page's store revision changes) and answers
//! [`SegmentRequest`]s. Runs inside a dedicated Web Worker, never on the page.

use std::cell::RefCell;

use chrono::{Datelike, NaiveDate};
use crm_core::{
    aggregates::{month_index, week_index},
    import::export::{customers_csv, HeaderLanguage},
    segment::{CustomerRow, SegmentColumns, SegmentSettings},
};
use serde::Serialize;
use wasm_bindgen::{closure::Closure, prelude::wasm_bindgen, JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;

use super::protocol::{
    BenchMessage, BenchRequest, BenchResponse, Bucket, Incoming, Member, SegmentFailure,
    SegmentRequest, SegmentResponse, WorkerMessage,
};
use crate::storage::{records::CustomerRecord, schema::DB_NAME, Store};

/// The last build: which store revision it reflects and the columns over its rows.
struct Cache {
    revision: u64,
    today: NaiveDate,
    settings: SegmentSettings,
    records: Vec<CustomerRecord>,
    columns: SegmentColumns,
}

#[derive(Default)]
struct WorkerState {
    store: Option<Store>,
    cache: Option<Cache>,
    busy: bool,
    /// The newest request that arrived while busy (older ones are superseded).
    queued: Option<String>,
}

thread_local! {
    static STATE: RefCell<WorkerState> = RefCell::new(WorkerState::default());
}

fn scope() -> web_sys::DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: sub-millisecond, monotonic, in a worker as on the page.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn now_ms() -> f64;
}

fn post(message: &impl Serialize) {
    if let Ok(text) = serde_json::to_string(message) {
        let _ = scope().post_message(&JsValue::from_str(&text));
    }
}

/// Installs the message handler. Called by the worker binary's `main`.
pub fn start() {
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let Some(text) = ev.data().as_string() else {
                return;
            };
            let start_now = STATE.with(|s| {
                let mut s = s.borrow_mut();
                if s.busy {
                    s.queued = Some(text.clone());
                    false
                } else {
                    s.busy = true;
                    true
                }
            });
            if start_now {
                spawn_local(run(text));
            }
        });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&WorkerMessage::Ready);
}

async fn run(mut text: String) {
    loop {
        let failed = |id, error| WorkerMessage::Failed(SegmentFailure { id, error });
        match Incoming::parse(&text) {
            Ok(Incoming::Segment(request)) => {
                let id = request.id;
                post(&match answer(request).await {
                    Ok(response) => WorkerMessage::Done(Box::new(response)),
                    Err(error) => failed(id, error),
                });
            }
            Ok(Incoming::Bench(request)) => {
                let id = request.id;
                match bench(request).await {
                    Ok(response) => post(&BenchMessage::BenchDone(Box::new(response))),
                    Err(error) => post(&failed(id, error)),
                }
            }
            Err((id, error)) => post(&failed(id, error)),
        }
        let next = STATE.with(|s| {
            let mut s = s.borrow_mut();
            let next = s.queued.take();
            s.busy = next.is_some();
            next
        });
        match next {
            Some(t) => text = t,
            None => break,
        }
    }
}

/// Uses `store` instead of opening the app's database (tests run the worker's logic on
/// their own database, on the page).
pub fn set_store(store: Store) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.store = Some(store);
        s.cache = None;
    });
}

async fn store() -> Result<Store, String> {
    if let Some(store) = STATE.with(|s| s.borrow().store.clone()) {
        return Ok(store);
    }
    let store = Store::open(DB_NAME, || {})
        .await
        .map_err(|e| e.to_string())?;
    STATE.with(|s| s.borrow_mut().store = Some(store.clone()));
    Ok(store)
}

/// Makes the cache hold columns for `revision` (rereading the store when it changed),
/// derived as of `today` with `settings`; returns the milliseconds that took (0 when
/// nothing changed).
async fn prepare(
    revision: u64,
    today: NaiveDate,
    settings: &SegmentSettings,
) -> Result<f64, String> {
    let mut build_ms = 0.0;
    let stale = STATE.with(|s| {
        s.borrow()
            .cache
            .as_ref()
            .is_none_or(|c| c.revision != revision)
    });
    if stale {
        let started = now_ms();
        let mut records = store()
            .await?
            .all_customer_records()
            .await
            .map_err(|e| e.to_string())?;
        records.retain(|r| !r.customer.deleted);
        let columns = SegmentColumns::build(
            records.iter().map(|r| CustomerRow {
                customer: &r.customer,
                aggregates: &r.agg,
                stats: Some(&r.stats),
            }),
            today,
            settings,
        );
        build_ms = now_ms() - started;
        let cache = Cache {
            revision,
            today,
            settings: settings.clone(),
            records,
            columns,
        };
        STATE.with(|s| s.borrow_mut().cache = Some(cache));
    }
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let cache = s.cache.as_mut().expect("built above");
        if cache.today != today || cache.settings != *settings {
            let started = now_ms();
            cache.columns.recompute(today, settings);
            cache.today = today;
            cache.settings = settings.clone();
            build_ms += now_ms() - started;
        }
    });
    Ok(build_ms)
}

/// Answers one request: what the worker does for every message.
pub async fn answer(request: SegmentRequest) -> Result<SegmentResponse, String> {
    let build_ms = prepare(request.revision, request.today, &request.settings).await?;
    STATE.with(|s| {
        let s = s.borrow();
        let cache = s.cache.as_ref().expect("prepared above");
        let started = now_ms();
        let counts = request
            .rules
            .iter()
            .map(|r| cache.columns.count(r))
            .collect();
        let (mut members, mut members_total, mut csv) = (Vec::new(), 0, None);
        if let Some(rule) = request.members_of.and_then(|i| request.rules.get(i)) {
            if let Ok(set) = cache.columns.evaluate(rule) {
                members_total = set.count();
                let tiers = cache.columns.tiers();
                members = set
                    .iter()
                    .take(request.member_limit)
                    .map(|i| {
                        let c = &cache.records[i].customer;
                        Member {
                            id: c.id,
                            name: c.name.clone(),
                            city: c.city.clone(),
                            tier: tiers[i],
                        }
                    })
                    .collect();
                if request.csv {
                    csv = Some(customers_csv(
                        set.iter().map(|i| &cache.records[i].customer),
                        HeaderLanguage::English,
                    ));
                }
            }
        }
        let eval_ms = now_ms() - started;
        Ok(SegmentResponse {
            id: request.id,
            summary: cache.columns.summary().clone(),
            counts,
            members,
            members_total,
            csv,
            weekly: weekly(&cache.records, request.today),
            monthly: monthly(&cache.records, request.today),
            build_ms,
            eval_ms,
        })
    })
}

/// Answers a [`BenchRequest`]: the columns are built first (untimed), then each run
/// re-derives every score as of `today` and counts every rule, timed on its own.
pub async fn bench(request: BenchRequest) -> Result<BenchResponse, String> {
    let build_ms = prepare(request.revision, request.today, &request.settings).await?;
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let columns = &mut s.cache.as_mut().expect("prepared above").columns;
        let mut runs_ms = Vec::with_capacity(request.runs);
        let mut counts = Vec::new();
        for _ in 0..request.runs.max(1) {
            let started = now_ms();
            columns.recompute(request.today, &request.settings);
            counts = request.rules.iter().map(|r| columns.count(r)).collect();
            runs_ms.push(now_ms() - started);
        }
        let summary = columns.summary();
        Ok(BenchResponse {
            id: request.id,
            customers: summary.customers,
            build_ms,
            runs_ms,
            tiers: summary.tiers,
            pyramid: summary.pyramid.counts,
            counts,
        })
    })
}

/// Interactions per week over the last 26 weeks, oldest first.
fn weekly(records: &[CustomerRecord], today: NaiveDate) -> Vec<Bucket> {
    let last = week_index(today);
    let first = last - 25;
    let mut out: Vec<Bucket> = (first..=last)
        .map(|at| Bucket {
            at,
            count: 0,
            spend_minor: 0,
        })
        .collect();
    for r in records {
        for w in &r.agg.weeks {
            if (first..=last).contains(&w.week) {
                out[(w.week - first) as usize].count += u64::from(w.interactions);
            }
        }
    }
    out
}

/// Purchases and spend per month over the last 18 months, oldest first.
fn monthly(records: &[CustomerRecord], today: NaiveDate) -> Vec<Bucket> {
    let last = month_index(today);
    let first = last - 17;
    let mut out: Vec<Bucket> = (first..=last)
        .map(|at| Bucket {
            at,
            count: 0,
            spend_minor: 0,
        })
        .collect();
    for r in records {
        for m in &r.agg.months {
            if (first..=last).contains(&m.month) {
                let b = &mut out[(m.month - first) as usize];
                b.count += u64::from(m.purchases);
                b.spend_minor += m.spend_minor;
            }
        }
    }
    out
}

/// `YYYY-MM` of a month index, for chart labels.
pub fn month_label(month: i32) -> String {
    format!("{}-{:02}", month.div_euclid(12), month.rem_euclid(12) + 1)
}

/// Monday of a week index, for chart labels.
pub fn week_start(week: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(week * 7 + 1)
        .filter(|d| d.weekday() == chrono::Weekday::Mon)
}
