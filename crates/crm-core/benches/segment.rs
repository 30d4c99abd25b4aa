//! `segment_native_{s,m,l}` (BENCH.md): build the segmentation columns from customers and
//! their aggregates, derive RFM tiers, the spend pyramid, VIP and lifecycle, and count
//! three rule segments. The data set is generated and aggregated once, outside the
//! measured loop, as the browser store holds it (customers + aggregates, no interactions).
//!
//! `segment_native_resident_{s,m,l}` is the same minus building the columns: what a worker
//! that keeps the columns resident redoes when the date or the settings change.
//!
//! Run: `cargo bench -p crm-core --bench segment`. Besides criterion's report it prints
//! `BENCH segment_native_<size> <median> ms` (and the resident figure) per size for
//! scripts to grep.

mod common;

use std::hint::black_box;
use std::time::SystemTime;

use chrono::NaiveDate;
use criterion::Criterion;
use crm_core::aggregates::Aggregates;
use crm_core::customer::Customer;
use crm_core::demo::{Demo, Size, DEMO_SEED};
use crm_core::segment::{
    CmpOp, CustomerRow, InteractionStats, Lifecycle, Period, Rule, SegmentColumns, SegmentSettings,
    TagOp, Tier,
};

/// Customers with their aggregates and interaction stats, as the store keeps them.
struct Book {
    customers: Vec<Customer>,
    aggregates: Vec<Aggregates>,
    stats: Vec<InteractionStats>,
}

impl Book {
    fn rows(&self) -> impl Iterator<Item = CustomerRow<'_>> {
        (0..self.customers.len()).map(|i| CustomerRow {
            customer: &self.customers[i],
            aggregates: &self.aggregates[i],
            stats: Some(&self.stats[i]),
        })
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).expect("valid date")
}

fn book(size: Size) -> Book {
    let demo = Demo::new(size, DEMO_SEED, today());
    let mut book = Book {
        customers: Vec::with_capacity(demo.len()),
        aggregates: Vec::with_capacity(demo.len()),
        stats: Vec::with_capacity(demo.len()),
    };
    for c in demo.range(0..demo.len()) {
        book.aggregates
            .push(Aggregates::from_interactions(&c.interactions));
        book.stats
            .push(InteractionStats::from_interactions(&c.interactions));
        book.customers.push(c.customer);
    }
    book
}

/// The three segments of the benchmark.
fn rules() -> [Rule; 3] {
    [
        // Gold or Platinum in Shanghai.
        Rule::and([
            Rule::Tier {
                any_of: vec![Tier::Gold, Tier::Platinum],
            },
            Rule::City {
                any_of: vec!["上海".into()],
            },
        ]),
        // Dormant VIPs.
        Rule::and([
            Rule::Vip { is: true },
            Rule::Lifecycle {
                any_of: vec![Lifecycle::Dormant],
            },
        ]),
        // Spend > ¥5,000 in the last 3 calendar months (≈ 90 days) with tag 商务.
        Rule::and([
            Rule::Spend {
                period: Period::LastMonths { months: 3 },
                op: CmpOp::Gt,
                value_minor: 500_000,
            },
            Rule::Tags {
                op: TagOp::Any,
                tags: vec!["商务".into()],
            },
        ]),
    ]
}

/// The measured work: columns + RFM + tiers + pyramid + VIP + lifecycle + 3 segments.
fn segment(book: &Book, settings: &SegmentSettings, rules: &[Rule; 3]) -> ([usize; 5], [usize; 3]) {
    let columns = SegmentColumns::build(book.rows(), today(), settings);
    let counts = rules
        .each_ref()
        .map(|rule| columns.count(rule).expect("valid rule"));
    (columns.summary().tiers, counts)
}

/// What a worker that keeps the columns resident redoes when the date or the settings
/// change: re-derive RFM, tiers, pyramid, VIP and lifecycle, then count 3 segments.
fn rescore(
    columns: &mut SegmentColumns,
    settings: &SegmentSettings,
    rules: &[Rule; 3],
) -> [usize; 3] {
    columns.recompute(today(), settings);
    rules
        .each_ref()
        .map(|rule| columns.count(rule).expect("valid rule"))
}

fn main() {
    let started = SystemTime::now();
    let mut criterion = Criterion::default().configure_from_args();
    let (benchmarking, sizes) = common::sizes();
    let settings = SegmentSettings::default();
    let rules = rules();
    let mut names = Vec::new();
    for &(size, suffix) in sizes {
        let book = book(size);
        let name = format!("segment_native_{suffix}");
        let (tiers, counts) = segment(&book, &settings, &rules);
        println!(
            "{name}: {} customers, tiers {tiers:?}, segments {counts:?}",
            book.customers.len()
        );
        criterion.bench_function(&name, |b| {
            b.iter(|| segment(black_box(&book), &settings, &rules))
        });
        let resident = format!("segment_native_resident_{suffix}");
        let mut columns = SegmentColumns::build(book.rows(), today(), &settings);
        criterion.bench_function(&resident, |b| {
            b.iter(|| rescore(black_box(&mut columns), &settings, &rules))
        });
        names.push(name);
        names.push(resident);
    }
    criterion.final_summary();
    if benchmarking {
        for name in names {
            match common::criterion_median_ms(&name, started) {
                Some(ms) => println!("BENCH {name} {ms:.2} ms"),
                None => println!("{name}: no criterion estimate (filtered out?)"),
            }
        }
    }
}
