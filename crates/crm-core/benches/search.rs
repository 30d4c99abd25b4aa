//! `search_scan_native_{s,m,l}`: one keystroke's search over every customer's search
//! line, as the browser runs it on the blocks it holds in memory (`storage::search`):
//! scan all blocks for the query and keep the first 50 in list order. The figure is
//! criterion's median time for the six queries of `scripts/bench-browser.mjs` run one
//! after another, divided by six (per keystroke).
//!
//! Run: `cargo bench -p crm-core --bench search`. Besides criterion's report it prints
//! `BENCH search_scan_native_<size> <median> ms` per size, and the blocks' size.

mod common;

use std::hint::black_box;
use std::time::SystemTime;

use chrono::NaiveDate;
use criterion::Criterion;
use crm_core::demo::{Demo, Size, DEMO_SEED};
use crm_core::search::block::{first_hits, line, SearchBlock};
use crm_core::search::{SearchEntry, SearchQuery};

/// The queries the browser benchmark types.
const QUERIES: [&str; 6] = ["王", "李娜", "1380", "hilton", "张伟", "上海"];

/// Every customer's line, in blocks as a first sync fills them.
fn blocks(size: Size) -> Vec<SearchBlock> {
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).expect("valid date");
    let demo = Demo::new(size, DEMO_SEED, today);
    let mut blocks = vec![SearchBlock::default()];
    for generated in demo.range(0..demo.len()) {
        let c = &generated.customer;
        let Some(entry) = SearchEntry::of(c) else {
            continue;
        };
        if blocks.last().is_some_and(SearchBlock::is_full) {
            blocks.push(SearchBlock::default());
        }
        if let Some(last) = blocks.last_mut() {
            last.push(&line(c.id, &entry));
        }
    }
    blocks
}

/// Matches of every query (the first 50 of each, as the list shows).
fn search(blocks: &[SearchBlock], queries: &[SearchQuery]) -> usize {
    queries
        .iter()
        .map(|query| {
            let mut hits = Vec::new();
            for block in blocks {
                block.scan(query, &mut hits);
            }
            first_hits(hits, 50).len()
        })
        .sum()
}

fn main() {
    let started = SystemTime::now();
    let mut criterion = Criterion::default().configure_from_args();
    let (benchmarking, sizes) = common::sizes();
    let queries: Vec<SearchQuery> = QUERIES
        .iter()
        .filter_map(|q| SearchQuery::parse(q))
        .collect();
    let mut names = Vec::new();
    for &(size, suffix) in sizes {
        let blocks = blocks(size);
        let bytes: usize = blocks.iter().map(|b| b.text().len()).sum();
        let lines: usize = blocks.iter().map(SearchBlock::len).sum();
        let name = format!("search_scan_native_{suffix}");
        println!(
            "{name}: {lines} lines in {} blocks, {:.1} MB, {} rows shown for {} queries",
            blocks.len(),
            bytes as f64 / 1e6,
            search(&blocks, &queries),
            queries.len()
        );
        criterion.bench_function(&name, |b| b.iter(|| search(black_box(&blocks), &queries)));
        names.push(name);
    }
    criterion.final_summary();
    if benchmarking {
        for name in names {
            match common::criterion_median_ms(&name, started) {
                Some(ms) => println!("BENCH {name} {:.2} ms", ms / QUERIES.len() as f64),
                None => println!("{name}: no criterion estimate (filtered out?)"),
            }
        }
    }
}
