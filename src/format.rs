//! Display formats shared by screens: money from minor units, dates and times.

use chrono::NaiveDateTime;

/// `128050, "CNY"` → `¥1,280.50`; other currencies keep their code (`USD 12.00`).
pub fn money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    let whole = (minor / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let symbol = match currency {
        "CNY" => "¥".to_string(),
        other => format!("{other} "),
    };
    format!("{sign}{symbol}{grouped}.{:02}", minor % 100)
}

/// `2026-11-30 14:05`.
pub fn datetime(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn money_groups_thousands() {
        assert_eq!(money(128_050, "CNY"), "¥1,280.50");
        assert_eq!(money(7, "CNY"), "¥0.07");
        assert_eq!(money(12_345_678_900, "CNY"), "¥123,456,789.00");
        assert_eq!(money(-1200, "USD"), "-USD 12.00");
    }
}
