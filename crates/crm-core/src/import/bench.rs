//! Realistic import files made from the demo generator: the 100,000-row (≈ 15 MB) CSV
//! the browser's import benchmark reads, and small files for tests. Pure and
//! deterministic, like the generator itself.

use std::ops::Range;

use crate::customer::CustomerKind;
use crate::demo::{Demo, DemoCustomer};

use super::export::write_cells;

/// The header a Chinese Excel user's customer list typically has.
pub const DEMO_CSV_HEADERS: [&str; 13] = [
    "客户名称",
    "类型",
    "公司",
    "职务",
    "手机",
    "邮箱",
    "城市",
    "标签",
    "生日",
    "来源",
    "协议客户",
    "偏好",
    "备注",
];

/// One customer as a row under [`DEMO_CSV_HEADERS`]; the note is the latest
/// interaction's summary and outcome, as people paste them into spreadsheets.
fn row(c: &DemoCustomer) -> Vec<String> {
    let cu = &c.customer;
    let note = c
        .interactions
        .last()
        .map(|i| {
            format!(
                "{} {}：{} {}",
                i.at.format("%Y-%m-%d"),
                i.kind.as_str(),
                i.summary,
                i.outcome
            )
            .trim()
            .to_string()
        })
        .unwrap_or_default();
    vec![
        cu.name.clone(),
        match cu.kind {
            CustomerKind::Person => "个人",
            CustomerKind::Company => "公司",
        }
        .to_string(),
        cu.company.clone(),
        cu.title.clone(),
        cu.phone.clone(),
        cu.email.clone(),
        cu.city.clone(),
        cu.tags.join("，"),
        cu.birthday
            .map(|d| d.format("%Y/%-m/%-d").to_string())
            .unwrap_or_default(),
        cu.source.clone(),
        if cu.contracted { "是" } else { "否" }.to_string(),
        cu.preferences.clone(),
        note,
    ]
}

/// Demo customers `range` as CSV rows (with the header row when the range starts at
/// 0), so the browser can build a large file in slices. No BOM: that is the caller's
/// choice of file encoding.
pub fn demo_csv_rows(demo: &Demo, range: Range<usize>) -> String {
    let mut out = String::with_capacity(range.len() * 160);
    if range.start == 0 {
        write_cells(&mut out, &DEMO_CSV_HEADERS, false);
    }
    for c in demo.range(range) {
        write_cells(&mut out, &row(&c), false);
    }
    out
}

/// The first `rows` demo customers as a complete CSV file.
pub fn demo_csv(demo: &Demo, rows: usize) -> String {
    demo_csv_rows(demo, 0..rows)
}
