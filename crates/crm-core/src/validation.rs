//! Validation errors with a specific reason per field, so the UI can show the message
//! next to the field that caused it and tests can assert the exact reason.

use serde::{Deserialize, Serialize};

/// What is wrong with one field's value. Each variant maps to one message per locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    #[error("is required")]
    Required,
    #[error("is too long (at most {max} characters)")]
    TooLong { max: usize },
    #[error("is not a valid email address")]
    InvalidEmail,
    #[error("is not a valid phone number")]
    InvalidPhone,
    #[error("is not a valid date (use YYYY-MM-DD)")]
    InvalidDate,
    #[error("is not a valid amount")]
    InvalidAmount,
    #[error("must not be negative")]
    Negative,
    #[error("is in the future")]
    InFuture,
    #[error("is before the interaction date")]
    BeforeInteraction,
    #[error("has a tag longer than {max} characters")]
    TagTooLong { max: usize },
}

/// A problem attached to the name of the form field it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field} {problem}")]
pub struct FieldError {
    pub field: &'static str,
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: &'static str, problem: Problem) -> Self {
        Self { field, problem }
    }
}

/// Collects every field error of a form at once instead of stopping at the first,
/// so the user sees all of them in one go.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn push(&mut self, field: &'static str, problem: Problem) {
        self.0.push(FieldError::new(field, problem));
    }
    pub fn check(&mut self, field: &'static str, result: Result<(), Problem>) {
        if let Err(problem) = result {
            self.push(field, problem);
        }
    }
    pub fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

/// Max characters of a short text field (name, company, city…).
pub const SHORT_MAX: usize = 200;
/// Max characters of a long text field (notes, preferences, summary).
pub const LONG_MAX: usize = 4000;

pub fn max_len(value: &str, max: usize) -> Result<(), Problem> {
    if value.chars().count() > max {
        Err(Problem::TooLong { max })
    } else {
        Ok(())
    }
}

/// A pragmatic email check: one `@`, a non-empty local part, a dotted domain of
/// letters/digits/hyphens, no spaces. Not RFC 5322, on purpose: it rejects what users
/// mistype (`li.wei@example`, `li wei@x.com`, `@x.com`) and accepts what they mean.
pub fn email(value: &str) -> Result<(), Problem> {
    let value = value.trim();
    if value.chars().count() > 254 {
        return Err(Problem::TooLong { max: 254 });
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Err(Problem::InvalidEmail);
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.chars().count() >= 2);
    if local_ok && domain_ok {
        Ok(())
    } else {
        Err(Problem::InvalidEmail)
    }
}

/// Phone numbers as reps type them: digits with optional leading `+`, spaces, dashes,
/// dots and parentheses; 5 to 20 digits (landline extensions to international mobiles).
pub fn phone(value: &str) -> Result<(), Problem> {
    let value = value.trim();
    let mut digits = 0;
    for (i, c) in value.chars().enumerate() {
        match c {
            '0'..='9' => digits += 1,
            '+' if i == 0 => {}
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(Problem::InvalidPhone),
        }
    }
    if (5..=20).contains(&digits) {
        Ok(())
    } else {
        Err(Problem::InvalidPhone)
    }
}

/// Parses an amount typed in major units ("1,280.50", "300", "¥300") into minor units.
pub fn parse_amount_minor(value: &str) -> Result<i64, Problem> {
    let cleaned: String = value
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| *c != ',' && *c != ' ')
        .collect();
    if cleaned.is_empty() {
        return Err(Problem::InvalidAmount);
    }
    if cleaned.starts_with('-') {
        return Err(Problem::Negative);
    }
    let (whole, frac) = match cleaned.split_once('.') {
        Some((w, f)) => (w, f),
        None => (cleaned.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || whole.len() > 13
    {
        return Err(Problem::InvalidAmount);
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| Problem::InvalidAmount)?
    };
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| Problem::InvalidAmount)? * 10,
        _ => frac.parse().map_err(|_| Problem::InvalidAmount)?,
    };
    Ok(whole * 100 + frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_email(input: &str, ok: bool) {
        assert_eq!(email(input).is_ok(), ok, "email {input:?}");
    }

    #[test]
    fn emails() {
        check_email("li.wei@example.com", true);
        check_email("王芳@例子.中国", true);
        check_email("a+tag@sub.example.co", true);
        check_email("li.wei@example", false);
        check_email("li wei@example.com", false);
        check_email("@example.com", false);
        check_email("li.wei@", false);
        check_email("li..wei@example.com", false);
        check_email("not-an-email", false);
        check_email("a@b.c", false);
    }

    #[test]
    fn phones() {
        assert!(phone("+86 138 0013 8000").is_ok());
        assert!(phone("021-6288 1234").is_ok());
        assert!(phone("(010) 8888-0000").is_ok());
        assert_eq!(phone("12a45678"), Err(Problem::InvalidPhone));
        assert_eq!(phone("123"), Err(Problem::InvalidPhone));
        assert_eq!(phone("13800+138000"), Err(Problem::InvalidPhone));
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount_minor("300"), Ok(30000));
        assert_eq!(parse_amount_minor("1,280.5"), Ok(128050));
        assert_eq!(parse_amount_minor("¥0.07"), Ok(7));
        assert_eq!(parse_amount_minor(".5"), Ok(50));
        assert_eq!(parse_amount_minor("-3"), Err(Problem::Negative));
        assert_eq!(parse_amount_minor("3.333"), Err(Problem::InvalidAmount));
        assert_eq!(parse_amount_minor("abc"), Err(Problem::InvalidAmount));
        assert_eq!(parse_amount_minor(""), Err(Problem::InvalidAmount));
        assert_eq!(parse_amount_minor("."), Err(Problem::InvalidAmount));
    }
}
