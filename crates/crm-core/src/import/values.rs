//! Cell values as spreadsheets write them, to what the customer form validates:
//! dates in several layouts, names split in two columns, choice columns in English or
//! Chinese, Google's label lists.

use chrono::NaiveDate;

use super::fields::header_key;
use crate::customer::{CustomerKind, Stage};
use crate::search::normalise;

fn has_cjk(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0x20000..=0x2FA1F))
}

/// A full name from its parts: "张" + "三" → "张三", "John" + "Smith" → "John Smith".
pub fn join_name(given: &str, family: &str) -> String {
    let (given, family) = (given.trim(), family.trim());
    if has_cjk(given) || has_cjk(family) {
        format!("{family}{given}")
    } else {
        [given, family]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Dates as spreadsheets write them, to the `YYYY-MM-DD` the form validates:
/// `1988/2/9`, `1988-02-09 00:00:00`, `1988.2.9`, `1988年2月9日`, `19880209`. Day-first
/// and month-first forms are ambiguous and returned unchanged (then rejected as invalid).
pub fn normalise_date(text: &str) -> String {
    let text = text.trim();
    let date = text.split([' ', 'T']).next().unwrap_or(text);
    let parts: Vec<&str> = date
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    let numeric = |p: &&str| p.chars().all(|c| c.is_ascii_digit());
    if !parts.is_empty()
        && parts
            .iter()
            .all(|p| numeric(p) && p.chars().all(|c| c == '0'))
    {
        // Outlook writes "0/0/00" for "no birthday".
        return String::new();
    }
    let ymd = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 && parts.iter().all(numeric) => {
            Some((y.to_string(), m.to_string(), d.to_string()))
        }
        [all] if all.len() == 8 && numeric(all) => {
            Some((all[..4].into(), all[4..6].into(), all[6..].into()))
        }
        _ => None,
    };
    match ymd.and_then(|(y, m, d)| Some((y.parse().ok()?, m.parse().ok()?, d.parse().ok()?))) {
        Some((y, m, d)) => match NaiveDate::from_ymd_opt(y, m, d) {
            Some(date) => date.format("%Y-%m-%d").to_string(),
            None => text.to_string(),
        },
        None => text.to_string(),
    }
}

/// Google Contacts' labels cell ("* myContacts ::: VIP ::: 常旅客") to a tag list,
/// without its system groups; other cells pass unchanged.
pub fn clean_tags(text: &str) -> String {
    if !text.contains(":::") && !text.starts_with("* ") {
        return text.to_string();
    }
    text.split(":::")
        .map(str::trim)
        .filter(|t| !matches!(*t, "* myContacts" | "* starred" | ""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Stage names in English and Chinese.
pub fn parse_stage(text: &str) -> Option<Stage> {
    let key = header_key(text);
    Stage::parse(&key).or(match key.as_str() {
        "线索" | "潜在线索" | "新线索" => Some(Stage::Lead),
        "潜在客户" | "意向客户" | "商机" => Some(Stage::Prospect),
        "客户" | "成交客户" | "正式客户" | "已成交" => Some(Stage::Customer),
        "休眠" | "休眠客户" | "沉睡客户" | "流失" | "流失客户" | "inactive" => {
            Some(Stage::Dormant)
        }
        _ => None,
    })
}

/// Customer kinds in English and Chinese.
pub fn parse_kind(text: &str) -> Option<CustomerKind> {
    match header_key(text).as_str() {
        "person" | "individual" | "contact" | "个人" | "联系人" | "个人客户" => {
            Some(CustomerKind::Person)
        }
        "company" | "organization" | "organisation" | "business" | "公司" | "企业" | "单位"
        | "企业客户" | "公司客户" => Some(CustomerKind::Company),
        _ => None,
    }
}

/// Yes/no in the spellings spreadsheets use.
pub fn parse_flag(text: &str) -> Option<bool> {
    match normalise(text).as_str() {
        "yes" | "y" | "true" | "1" | "x" | "✓" | "是" | "有" | "已签约" => Some(true),
        "no" | "n" | "false" | "0" | "否" | "无" | "未签约" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(normalise_date("1988/2/9"), "1988-02-09");
        assert_eq!(normalise_date("1988-02-29 00:00:00"), "1988-02-29");
        assert_eq!(normalise_date("1988年2月9日"), "1988-02-09");
        assert_eq!(normalise_date("19880209"), "1988-02-09");
        assert_eq!(normalise_date("1988.12.31"), "1988-12-31");
        assert_eq!(normalise_date("09/02/1988"), "09/02/1988");
        assert_eq!(normalise_date("1987-02-29"), "1987-02-29");
        assert_eq!(normalise_date("0/0/00"), "");
    }

    #[test]
    fn names() {
        assert_eq!(join_name("三", "张"), "张三");
        assert_eq!(join_name("John", "Smith"), "John Smith");
        assert_eq!(join_name("", "Smith"), "Smith");
    }
}
