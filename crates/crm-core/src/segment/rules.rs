//! The segment rule language: conditions on customer fields, tags, stage, kind, RFM,
//! pyramid, VIP, lifecycle, contact recency, interaction counts and spend, combined with
//! nested AND / OR / NOT groups. Rules are JSON (internally tagged by `"type"`, snake
//! case, field names stable) so saved segments sync as ordinary records:
//!
//! ```json
//! {"type": "and", "rules": [
//!   {"type": "tier", "any_of": ["gold", "platinum"]},
//!   {"type": "city", "any_of": ["上海"]},
//!   {"type": "spend", "period": {"type": "last_months", "months": 3},
//!    "op": "gt", "value_minor": 500000}
//! ]}
//! ```
//!
//! Text is compared as search compares it (full-width folded, case-insensitive,
//! whitespace collapsed). `equals ""` selects customers whose field is empty.
//! Conditions that need a score (RFM score) never match unscored customers; "days since
//! contact" of a customer never contacted is infinite (matches `gt`, never `lt`).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::lifecycle::Lifecycle;
use super::period::{Period, PeriodProblem};
use super::pyramid::PyramidLevel;
use super::rfm::Tier;
use crate::customer::{CustomerKind, Stage};
use crate::interaction::InteractionKind;
use crate::search::normalise;
use crate::validation::SHORT_MAX;

/// A customer text field a [`Rule::Text`] condition looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextField {
    Name,
    Company,
    Title,
    Email,
    Phone,
    City,
    Source,
    Owner,
}

/// How a text condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextOp {
    Contains,
    Equals,
}

/// How a tag condition combines its tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagOp {
    /// Has at least one of the tags.
    Any,
    /// Has every one of the tags.
    All,
    /// Has none of the tags.
    None,
}

/// A numeric comparison: `customer's value <op> rule's value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl CmpOp {
    /// Whether `value <op> bound` holds.
    // Hot per-customer helper: inlined even at the bundle's opt-level "z".
    #[inline(always)]
    pub fn holds(self, value: i64, bound: i64) -> bool {
        match self {
            CmpOp::Eq => value == bound,
            CmpOp::Ne => value != bound,
            CmpOp::Gt => value > bound,
            CmpOp::Gte => value >= bound,
            CmpOp::Lt => value < bound,
            CmpOp::Lte => value <= bound,
        }
    }
}

/// One segment rule: a condition or a group of rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Rule {
    /// Every rule holds.
    And { rules: Vec<Rule> },
    /// At least one rule holds.
    Or { rules: Vec<Rule> },
    /// The rule does not hold.
    Not { rule: Box<Rule> },
    /// A text field contains / equals a value.
    Text {
        field: TextField,
        op: TextOp,
        value: String,
    },
    /// The city is one of these.
    City { any_of: Vec<String> },
    /// Tags: any / all / none of these.
    Tags { op: TagOp, tags: Vec<String> },
    /// The lifecycle stage field is one of these.
    Stage { any_of: Vec<Stage> },
    /// Person or company.
    Kind { any_of: Vec<CustomerKind> },
    /// The RFM tier is one of these (`no_purchases` for unscored customers).
    Tier { any_of: Vec<Tier> },
    /// The RFM total score compares to `value` (unscored customers never match).
    RfmScore { op: CmpOp, value: i64 },
    /// The spend-pyramid level is one of these.
    Pyramid { any_of: Vec<PyramidLevel> },
    /// Meets (or not) the VIP rule.
    Vip { is: bool },
    /// The lifecycle label is one of these.
    Lifecycle { any_of: Vec<Lifecycle> },
    /// Whole days since the last contact (never contacted: infinitely many).
    DaysSinceContact { op: CmpOp, value: i64 },
    /// Interactions of one kind (all kinds when `kind` is absent), all time.
    InteractionCount {
        #[serde(default)]
        kind: Option<InteractionKind>,
        op: CmpOp,
        value: i64,
    },
    /// Purchases in a period.
    PurchaseCount {
        period: Period,
        op: CmpOp,
        value: i64,
    },
    /// Spend in a period, in minor units (fen).
    Spend {
        period: Period,
        op: CmpOp,
        value_minor: i64,
    },
}

impl Rule {
    /// An AND group.
    pub fn and(rules: impl IntoIterator<Item = Rule>) -> Rule {
        Rule::And {
            rules: rules.into_iter().collect(),
        }
    }

    /// An OR group.
    pub fn or(rules: impl IntoIterator<Item = Rule>) -> Rule {
        Rule::Or {
            rules: rules.into_iter().collect(),
        }
    }

    /// The negation of a rule.
    pub fn negate(rule: Rule) -> Rule {
        Rule::Not {
            rule: Box::new(rule),
        }
    }
}

/// Deepest nesting of groups accepted (saved rules come from other devices too).
pub const MAX_DEPTH: usize = 16;
/// Most conditions accepted in one rule.
pub const MAX_CONDITIONS: usize = 256;
/// Most tags in one tag condition.
pub const MAX_TAGS: usize = 64;

/// What is wrong with one part of a rule. Each variant maps to one message per locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum RuleProblem {
    #[error("the group has no conditions")]
    EmptyGroup,
    #[error("the text to look for is empty")]
    EmptyValue,
    #[error("choose at least one value")]
    NothingChosen,
    #[error("the text is too long (at most {max} characters)")]
    TooLong { max: usize },
    #[error("at most {max} tags per condition")]
    TooManyTags { max: usize },
    #[error("the number must not be negative")]
    Negative,
    #[error("{0}")]
    Period(PeriodProblem),
    #[error("groups are nested too deeply (at most {max} levels)")]
    TooDeep { max: usize },
    #[error("the rule has too many conditions (at most {max})")]
    TooManyConditions { max: usize },
    #[error("the segment needs a name")]
    NameRequired,
}

/// A problem and where it is, as a JSON pointer into the rule ("" is the whole rule,
/// "/rules/1" the second rule of the top group), so the builder can mark that row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{problem} (at {})", if path.is_empty() { "the top" } else { path })]
pub struct RuleError {
    pub path: String,
    pub problem: RuleProblem,
}

struct Checker {
    errors: Vec<RuleError>,
    conditions: usize,
}

impl Checker {
    fn push(&mut self, path: &str, problem: RuleProblem) {
        self.errors.push(RuleError {
            path: path.to_string(),
            problem,
        });
    }

    fn text(&mut self, path: &str, value: &str, may_be_empty: bool) {
        if value.chars().count() > SHORT_MAX {
            self.push(path, RuleProblem::TooLong { max: SHORT_MAX });
        } else if !may_be_empty && normalise(value).is_empty() {
            self.push(path, RuleProblem::EmptyValue);
        }
    }

    fn count(&mut self, path: &str, value: i64) {
        if value < 0 {
            self.push(path, RuleProblem::Negative);
        }
    }

    fn chosen(&mut self, path: &str, empty: bool) {
        if empty {
            self.push(path, RuleProblem::NothingChosen);
        }
    }

    fn period(&mut self, path: &str, period: &Period) {
        if let Err(p) = period.validate() {
            self.push(path, RuleProblem::Period(p));
        }
    }

    fn rule(&mut self, rule: &Rule, path: &str, depth: usize) {
        if depth > MAX_DEPTH {
            self.push(path, RuleProblem::TooDeep { max: MAX_DEPTH });
            return;
        }
        match rule {
            Rule::And { rules } | Rule::Or { rules } => {
                if rules.is_empty() {
                    self.push(path, RuleProblem::EmptyGroup);
                }
                for (i, r) in rules.iter().enumerate() {
                    self.rule(r, &format!("{path}/rules/{i}"), depth + 1);
                }
                return;
            }
            Rule::Not { rule } => {
                self.rule(rule, &format!("{path}/rule"), depth + 1);
                return;
            }
            _ => {}
        }
        self.conditions += 1;
        if self.conditions == MAX_CONDITIONS + 1 {
            self.push(
                path,
                RuleProblem::TooManyConditions {
                    max: MAX_CONDITIONS,
                },
            );
        }
        match rule {
            Rule::And { .. } | Rule::Or { .. } | Rule::Not { .. } => {}
            Rule::Text { op, value, .. } => self.text(path, value, *op == TextOp::Equals),
            Rule::City { any_of } => {
                self.chosen(path, any_of.is_empty());
                for city in any_of {
                    self.text(path, city, false);
                }
            }
            Rule::Tags { tags, .. } => {
                self.chosen(path, tags.is_empty());
                if tags.len() > MAX_TAGS {
                    self.push(path, RuleProblem::TooManyTags { max: MAX_TAGS });
                }
                for tag in tags {
                    self.text(path, tag, false);
                }
            }
            Rule::Stage { any_of } => self.chosen(path, any_of.is_empty()),
            Rule::Kind { any_of } => self.chosen(path, any_of.is_empty()),
            Rule::Tier { any_of } => self.chosen(path, any_of.is_empty()),
            Rule::Pyramid { any_of } => self.chosen(path, any_of.is_empty()),
            Rule::Lifecycle { any_of } => self.chosen(path, any_of.is_empty()),
            Rule::Vip { .. } => {}
            Rule::RfmScore { value, .. }
            | Rule::DaysSinceContact { value, .. }
            | Rule::InteractionCount { value, .. } => self.count(path, *value),
            Rule::PurchaseCount { period, value, .. } => {
                self.period(path, period);
                self.count(path, *value);
            }
            Rule::Spend {
                period,
                value_minor,
                ..
            } => {
                self.period(path, period);
                self.count(path, *value_minor);
            }
        }
    }
}

impl Rule {
    /// Every problem of the rule at once (empty: the rule can be evaluated).
    pub fn validate(&self) -> Vec<RuleError> {
        let mut checker = Checker {
            errors: Vec::new(),
            conditions: 0,
        };
        checker.rule(self, "", 0);
        checker.errors
    }
}

/// A saved segment: the record that syncs (entity `segment`), one LWW field each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedSegment {
    pub id: Uuid,
    pub name: String,
    pub rule: Rule,
    /// Creation time, ms since the Unix epoch (passed in by the shell).
    #[serde(default)]
    pub created_ms: i64,
    #[serde(default, rename = "_deleted")]
    pub deleted: bool,
}

impl SavedSegment {
    /// Problems of the name (path "/name") and of the rule (paths under "/rule").
    pub fn validate(&self) -> Vec<RuleError> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push(RuleError {
                path: "/name".into(),
                problem: RuleProblem::NameRequired,
            });
        } else if name.chars().count() > SHORT_MAX {
            errors.push(RuleError {
                path: "/name".into(),
                problem: RuleProblem::TooLong { max: SHORT_MAX },
            });
        }
        errors.extend(self.rule.validate().into_iter().map(|mut e| {
            e.path = format!("/rule{}", e.path);
            e
        }));
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::period::YearMonth;

    fn gold_in_shanghai() -> Rule {
        Rule::and([
            Rule::Tier {
                any_of: vec![Tier::Gold, Tier::Platinum],
            },
            Rule::City {
                any_of: vec!["上海".into()],
            },
        ])
    }

    #[test]
    fn json_field_names_are_stable() {
        let json = r#"{"type":"and","rules":[
            {"type":"tier","any_of":["gold","platinum"]},
            {"type":"city","any_of":["上海"]}]}"#;
        assert_eq!(
            serde_json::from_str::<Rule>(json).unwrap(),
            gold_in_shanghai()
        );
        let every_kind = r#"{"type":"or","rules":[
            {"type":"not","rule":{"type":"vip","is":true}},
            {"type":"text","field":"company","op":"contains","value":"锦程"},
            {"type":"tags","op":"all","tags":["商务","VIP"]},
            {"type":"stage","any_of":["customer","dormant"]},
            {"type":"kind","any_of":["company"]},
            {"type":"rfm_score","op":"gte","value":26},
            {"type":"pyramid","any_of":["vip","major"]},
            {"type":"lifecycle","any_of":["dormant"]},
            {"type":"days_since_contact","op":"gt","value":180},
            {"type":"interaction_count","kind":"visit","op":"gte","value":3},
            {"type":"interaction_count","op":"eq","value":0},
            {"type":"purchase_count","period":{"type":"all_time"},"op":"gte","value":2},
            {"type":"spend","period":{"type":"between","from":"2026-01","to":"2026-06"},"op":"gt","value_minor":500000}
        ]}"#;
        let rule: Rule = serde_json::from_str(every_kind).unwrap();
        let Rule::Or { rules } = &rule else {
            panic!("{rule:?}")
        };
        assert_eq!(rules.len(), 13);
        assert_eq!(
            rules[10],
            Rule::InteractionCount {
                kind: None,
                op: CmpOp::Eq,
                value: 0
            }
        );
        assert_eq!(
            rules[12],
            Rule::Spend {
                period: Period::Between {
                    from: YearMonth::new(2026, 1).unwrap(),
                    to: YearMonth::new(2026, 6).unwrap()
                },
                op: CmpOp::Gt,
                value_minor: 500_000
            }
        );
        assert!(rule.validate().is_empty());
        let back: Rule = serde_json::from_str(&serde_json::to_string(&rule).unwrap()).unwrap();
        assert_eq!(back, rule);
    }

    #[test]
    fn unknown_types_and_values_are_rejected_when_parsing() {
        for bad in [
            r#"{"type":"tier","any_of":["diamond"]}"#,
            r#"{"type":"telepathy"}"#,
            r#"{"type":"spend","period":{"type":"last_months","months":3},"op":"gt"}"#,
            r#"{"type":"spend","period":{"type":"between","from":"2026-13","to":"2026-01"},"op":"gt","value_minor":1}"#,
        ] {
            assert!(serde_json::from_str::<Rule>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn validation_reports_every_problem_with_its_path() {
        let rule = Rule::and([
            Rule::Text {
                field: TextField::Name,
                op: TextOp::Contains,
                value: " 　".into(),
            },
            Rule::or([]),
            Rule::negate(Rule::Tags {
                op: TagOp::Any,
                tags: vec![],
            }),
            Rule::DaysSinceContact {
                op: CmpOp::Gt,
                value: -1,
            },
            Rule::Spend {
                period: Period::LastMonths { months: 0 },
                op: CmpOp::Gt,
                value_minor: 0,
            },
            Rule::Text {
                field: TextField::City,
                op: TextOp::Equals,
                value: String::new(),
            },
        ]);
        let errors: Vec<(String, RuleProblem)> = rule
            .validate()
            .into_iter()
            .map(|e| (e.path, e.problem))
            .collect();
        assert_eq!(
            errors,
            vec![
                ("/rules/0".into(), RuleProblem::EmptyValue),
                ("/rules/1".into(), RuleProblem::EmptyGroup),
                ("/rules/2/rule".into(), RuleProblem::NothingChosen),
                ("/rules/3".into(), RuleProblem::Negative),
                (
                    "/rules/4".into(),
                    RuleProblem::Period(PeriodProblem::MonthsOutOfRange { max: 240 })
                ),
            ]
        );
        let e = &rule.validate()[1];
        assert_eq!(e.to_string(), "the group has no conditions (at /rules/1)");
        assert_eq!(
            Rule::and([]).validate()[0].to_string(),
            "the group has no conditions (at the top)"
        );
    }

    #[test]
    fn limits_protect_against_huge_or_deep_rules() {
        let mut deep = Rule::Vip { is: true };
        for _ in 0..=MAX_DEPTH {
            deep = Rule::negate(deep);
        }
        assert_eq!(
            deep.validate()[0].problem,
            RuleProblem::TooDeep { max: MAX_DEPTH }
        );
        let wide = Rule::or((0..=MAX_CONDITIONS).map(|_| Rule::Vip { is: true }));
        assert_eq!(
            wide.validate(),
            vec![RuleError {
                path: format!("/rules/{MAX_CONDITIONS}"),
                problem: RuleProblem::TooManyConditions {
                    max: MAX_CONDITIONS
                }
            }]
        );
        let tags = Rule::Tags {
            op: TagOp::All,
            tags: (0..=MAX_TAGS).map(|i| i.to_string()).collect(),
        };
        assert_eq!(
            tags.validate()[0].problem,
            RuleProblem::TooManyTags { max: MAX_TAGS }
        );
    }

    #[test]
    fn saved_segments_sync_as_records() {
        let seg = SavedSegment {
            id: Uuid::nil(),
            name: "Gold or Platinum in Shanghai".into(),
            rule: gold_in_shanghai(),
            created_ms: 1,
            deleted: false,
        };
        assert!(seg.validate().is_empty());
        let json = serde_json::to_value(&seg).unwrap();
        assert_eq!(json["rule"]["type"], "and");
        assert_eq!(json["_deleted"], false);
        assert!(json
            .as_object()
            .unwrap()
            .keys()
            .all(|k| crate::change::is_valid_field_name(k)));
        assert_eq!(serde_json::from_value::<SavedSegment>(json).unwrap(), seg);
        let bad = SavedSegment {
            name: " ".into(),
            rule: Rule::or([]),
            ..seg
        };
        let paths: Vec<String> = bad.validate().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["/name", "/rule"]);
    }

    #[test]
    fn comparisons() {
        let cases = [
            (CmpOp::Eq, [false, true, false]),
            (CmpOp::Ne, [true, false, true]),
            (CmpOp::Gt, [false, false, true]),
            (CmpOp::Gte, [false, true, true]),
            (CmpOp::Lt, [true, false, false]),
            (CmpOp::Lte, [true, true, false]),
        ];
        for (op, expected) in cases {
            assert_eq!([4, 5, 6].map(|v| op.holds(v, 5)), expected, "{op:?}");
        }
    }
}
