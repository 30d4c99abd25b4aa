//! Segmentation as a whole: the columns agree with the per-customer functions, every
//! customer lands in exactly one tier, empty and single-customer books work, and rules
//! evaluate exactly like a naive per-customer interpreter (AND / OR / NOT included) and
//! round-trip as JSON.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use proptest::sample::select;

use super::lifecycle::lifecycle;
use super::period::totals;
use super::*;
use crate::aggregates::{month_index, Aggregates, MonthBucket};
use crate::customer::{Customer, CustomerKind, Stage};
use crate::demo::{Demo, Size, DEMO_SEED};
use crate::interaction::InteractionKind;
use crate::search::normalise;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

/// Customers with their aggregates and stats, as the store would hold them.
struct Book {
    customers: Vec<Customer>,
    aggs: Vec<Aggregates>,
    stats: Vec<InteractionStats>,
}

impl Book {
    fn demo(seed: u64, range: std::ops::Range<usize>) -> Book {
        let demo = Demo::new(Size::S, seed, today());
        let mut book = Book {
            customers: Vec::new(),
            aggs: Vec::new(),
            stats: Vec::new(),
        };
        for dc in demo.range(range) {
            book.aggs
                .push(Aggregates::from_interactions(&dc.interactions));
            book.stats
                .push(InteractionStats::from_interactions(&dc.interactions));
            book.customers.push(dc.customer);
        }
        book
    }

    fn rows(&self) -> impl Iterator<Item = CustomerRow<'_>> {
        (0..self.customers.len()).map(|i| CustomerRow {
            customer: &self.customers[i],
            aggregates: &self.aggs[i],
            stats: Some(&self.stats[i]),
        })
    }

    fn columns(&self, today: NaiveDate, settings: &SegmentSettings) -> SegmentColumns {
        SegmentColumns::build(self.rows(), today, settings)
    }
}

fn gold_or_platinum_in_shanghai() -> Rule {
    Rule::and([
        Rule::Tier {
            any_of: vec![Tier::Gold, Tier::Platinum],
        },
        Rule::City {
            any_of: vec!["上海".into()],
        },
    ])
}

/// The naive meaning of a rule for customer `i`: per-customer functions, no columns.
struct Reference<'a> {
    book: &'a Book,
    today: NaiveDate,
    settings: SegmentSettings,
    levels: Vec<PyramidLevel>,
}

impl<'a> Reference<'a> {
    fn new(book: &'a Book, today: NaiveDate, settings: &SegmentSettings) -> Self {
        let range = settings.pyramid.period.resolve(today);
        let spends: Vec<i64> = book
            .aggs
            .iter()
            .map(|a| totals(&a.months, range).spend_minor)
            .collect();
        Reference {
            book,
            today,
            settings: settings.clone(),
            levels: pyramid::classify(&spends, &settings.pyramid).0,
        }
    }

    fn matches(&self, i: usize, rule: &Rule) -> bool {
        let c = &self.book.customers[i];
        let a = &self.book.aggs[i];
        let s = &self.book.stats[i];
        let rfm = rfm::score(a, self.today, &self.settings.rfm);
        match rule {
            Rule::And { rules } => rules.iter().all(|r| self.matches(i, r)),
            Rule::Or { rules } => rules.iter().any(|r| self.matches(i, r)),
            Rule::Not { rule } => !self.matches(i, rule),
            Rule::Text { field, op, value } => {
                let text = match field {
                    TextField::Name => &c.name,
                    TextField::Company => &c.company,
                    TextField::Title => &c.title,
                    TextField::Email => &c.email,
                    TextField::Phone => &c.phone,
                    TextField::City => &c.city,
                    TextField::Source => &c.source,
                    TextField::Owner => &c.owner,
                };
                let (text, value) = (normalise(text), normalise(value));
                match op {
                    TextOp::Contains => text.contains(&value),
                    TextOp::Equals => text == value,
                }
            }
            Rule::City { any_of } => any_of.iter().any(|x| normalise(x) == normalise(&c.city)),
            Rule::Tags { op, tags } => {
                let has = |t: &String| c.tags.iter().any(|ct| normalise(ct) == normalise(t));
                match op {
                    TagOp::Any => tags.iter().any(has),
                    TagOp::All => tags.iter().all(has),
                    TagOp::None => !tags.iter().any(has),
                }
            }
            Rule::Stage { any_of } => any_of.contains(&c.stage),
            Rule::Kind { any_of } => any_of.contains(&c.kind),
            Rule::Tier { any_of } => any_of.contains(&rfm.map_or(Tier::NoPurchases, |r| r.tier)),
            Rule::RfmScore { op, value } => rfm.is_some_and(|r| op.holds(r.score as i64, *value)),
            Rule::Pyramid { any_of } => any_of.contains(&self.levels[i]),
            Rule::Vip { is } => vip::is_vip(a, self.today, &self.settings.vip) == *is,
            Rule::Lifecycle { any_of } => any_of.contains(&lifecycle(
                c,
                a,
                Some(s),
                self.today,
                &self.settings.lifecycle,
            )),
            Rule::DaysSinceContact { op, value } => {
                let days = a
                    .last_contact
                    .map_or(i64::MAX, |t| (self.today - t.date()).num_days());
                op.holds(days, *value)
            }
            Rule::InteractionCount { kind, op, value } => {
                op.holds(kind.map_or(a.interactions, |k| s.count(k)) as i64, *value)
            }
            Rule::PurchaseCount { period, op, value } => op.holds(
                totals(&a.months, period.resolve(self.today)).purchases as i64,
                *value,
            ),
            Rule::Spend {
                period,
                op,
                value_minor,
            } => op.holds(
                totals(&a.months, period.resolve(self.today)).spend_minor,
                *value_minor,
            ),
        }
    }
}

#[test]
fn columns_agree_with_the_per_customer_functions() {
    let book = Book::demo(DEMO_SEED, 0..500);
    let settings = SegmentSettings::default();
    let cols = book.columns(today(), &settings);
    assert_eq!(cols.len(), 500);
    let mut spends = Vec::new();
    for i in 0..cols.len() {
        let (c, a) = (&book.customers[i], &book.aggs[i]);
        assert_eq!(cols.ids()[i], c.id);
        assert_eq!(cols.rfm(i), rfm::score(a, today(), &settings.rfm));
        assert_eq!(cols.is_vip(i), vip::is_vip(a, today(), &settings.vip));
        let label = lifecycle(c, a, Some(&book.stats[i]), today(), &settings.lifecycle);
        assert_eq!(cols.lifecycles()[i], label);
        assert_eq!(
            cols.days_since_contact(i),
            a.last_contact.map(|t| (today() - t.date()).num_days())
        );
        spends.push(cols.pyramid_spend_minor(i));
    }
    let (levels, pyramid) = pyramid::classify(&spends, &settings.pyramid);
    assert_eq!(cols.pyramid_levels(), levels);
    let summary = cols.summary();
    assert_eq!(summary.pyramid, pyramid);
    assert_eq!(summary.tiers.iter().sum::<usize>(), 500);
    assert_eq!(summary.lifecycle.iter().sum::<usize>(), 500);
    // The demo book has every tier, every level and some VIPs.
    assert!(summary.tiers.iter().all(|n| *n > 0), "{summary:?}");
    assert!(summary.pyramid.counts.iter().all(|n| *n > 0), "{summary:?}");
    assert!(summary.vip > 0);
    let json = serde_json::to_value(summary).unwrap();
    assert_eq!(json["customers"], 500);
}

#[test]
fn the_benchmark_segments_match_the_reference() {
    let book = Book::demo(DEMO_SEED, 0..500);
    let settings = SegmentSettings::default();
    let cols = book.columns(today(), &settings);
    let reference = Reference::new(&book, today(), &settings);
    let rules = [
        gold_or_platinum_in_shanghai(),
        Rule::and([
            Rule::Vip { is: true },
            Rule::Lifecycle {
                any_of: vec![Lifecycle::Dormant],
            },
        ]),
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
    ];
    let mut counts = Vec::new();
    for rule in &rules {
        let members = cols.evaluate(rule).unwrap();
        let expected: Vec<usize> = (0..cols.len())
            .filter(|i| reference.matches(*i, rule))
            .collect();
        assert_eq!(members.iter().collect::<Vec<_>>(), expected, "{rule:?}");
        counts.push(expected.len());
    }
    // Dormant VIPs are rare by construction (three purchases are three contacts).
    assert!(counts[0] > 0 && counts[2] > 0, "{counts:?}");
}

#[test]
fn an_empty_book() {
    let cols = SegmentColumns::build([], today(), &SegmentSettings::default());
    assert!(cols.is_empty());
    let s = cols.summary();
    assert_eq!(
        (s.customers, s.tiers, s.vip, s.pyramid.paying),
        (0, [0; 5], 0, 0)
    );
    let members = cols.evaluate(&gold_or_platinum_in_shanghai()).unwrap();
    assert_eq!((members.len(), members.count()), (0, 0));
    assert_eq!(cols.count(&Rule::negate(Rule::Vip { is: true })), Ok(0));
}

#[test]
fn a_single_customer() {
    let mut c = Customer::new(uuid::Uuid::from_u128(1), "王芳", 0);
    c.city = "上海".into();
    let at = today().checked_sub_months(chrono::Months::new(2)).unwrap();
    let agg = Aggregates {
        interactions: 5,
        purchases: 5,
        spend_minor: 150_000,
        last_contact: at.and_hms_opt(10, 0, 0),
        last_purchase: at.and_hms_opt(10, 0, 0),
        next_visit: None,
        months: vec![MonthBucket {
            month: month_index(at),
            purchases: 5,
            items: 5,
            spend_minor: 150_000,
        }],
        weeks: Vec::new(),
    };
    let row = CustomerRow {
        customer: &c,
        aggregates: &agg,
        stats: None,
    };
    let cols = SegmentColumns::build([row], today(), &SegmentSettings::default());
    // The seed's worked example again, through the columns.
    assert_eq!(
        cols.rfm(0).map(|r| (r.score, r.tier)),
        Some((24, Tier::Silver))
    );
    // One paying customer: 1 %, 5 % and 20 % of one all round to nobody.
    assert_eq!(cols.pyramid_levels(), [PyramidLevel::Small]);
    assert_eq!(cols.count(&gold_or_platinum_in_shanghai()), Ok(0));
    let silver_in_shanghai = Rule::and([
        Rule::Tier {
            any_of: vec![Tier::Silver],
        },
        Rule::Text {
            field: TextField::City,
            op: TextOp::Equals,
            value: "上海".into(),
        },
    ]);
    assert_eq!(
        cols.evaluate(&silver_in_shanghai).unwrap().to_indices(),
        [0]
    );
    // Without stats, purchases are still counted by kind; other kinds read 0.
    let purchases = |kind| Rule::InteractionCount {
        kind: Some(kind),
        op: CmpOp::Eq,
        value: 5,
    };
    assert_eq!(cols.count(&purchases(InteractionKind::Purchase)), Ok(1));
    assert_eq!(cols.count(&purchases(InteractionKind::Visit)), Ok(0));
}

#[test]
fn deleted_customers_are_left_out() {
    let mut book = Book::demo(DEMO_SEED, 0..20);
    book.customers[3].deleted = true;
    let cols = book.columns(today(), &SegmentSettings::default());
    assert_eq!(cols.len(), 19);
    assert!(!cols.ids().contains(&book.customers[3].id));
    let everyone = cols.evaluate(&Rule::or([Rule::Vip { is: true }, Rule::Vip { is: false }]));
    assert_eq!(cols.member_ids(&everyone.unwrap()), cols.ids());
    assert_eq!(cols.ids()[3], book.customers[4].id);
}

#[test]
fn recompute_equals_a_rebuild() {
    let book = Book::demo(7, 0..200);
    let mut cols = book.columns(today(), &SegmentSettings::default());
    let mut settings = SegmentSettings::default();
    settings.rfm.monetary_basis = MonetaryBasis::Total;
    settings.pyramid.period = Period::LastMonths { months: 3 };
    settings.lifecycle.dormant_days = 60;
    let later = today() + Days::new(45);
    cols.recompute(later, &settings);
    let fresh = book.columns(later, &settings);
    assert_eq!(cols.summary(), fresh.summary());
    assert_eq!(cols.tiers(), fresh.tiers());
    assert_eq!(cols.pyramid_levels(), fresh.pyramid_levels());
    assert_eq!(cols.today(), later);
    assert_eq!(cols.settings(), &settings);
}

#[test]
fn invalid_rules_are_reported_not_evaluated() {
    let cols = Book::demo(DEMO_SEED, 0..5).columns(today(), &SegmentSettings::default());
    let errors = cols.evaluate(&Rule::or([])).unwrap_err();
    assert_eq!(errors[0].problem, RuleProblem::EmptyGroup);
}

#[test]
fn settings_validate_as_a_whole_and_round_trip() {
    assert!(SegmentSettings::default().validate().is_empty());
    let json = serde_json::to_string(&SegmentSettings::default()).unwrap();
    assert_eq!(
        serde_json::from_str::<SegmentSettings>(&json).unwrap(),
        SegmentSettings::default()
    );
    assert_eq!(
        serde_json::from_str::<SegmentSettings>("{}").unwrap(),
        SegmentSettings::default()
    );
    let mut bad = SegmentSettings::default();
    bad.rfm.window_months = 0;
    bad.lifecycle.new_days = 0;
    let fields: Vec<&str> = bad.validate().iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            "rfm.window_months",
            "rfm.recency_months",
            "lifecycle.new_days"
        ]
    );
    assert_eq!(
        bad.validate()[2].to_string(),
        "lifecycle.new_days must be between 1 and 3660"
    );
}

// ---- Property tests.

/// Aggregates with random monthly buckets up to 30 months before `today()`'s month.
fn arb_aggregates() -> impl Strategy<Value = Aggregates> {
    proptest::collection::btree_map(0i32..30, (1u32..5, 1u32..15, 0i64..600_000), 0..6)
        .prop_flat_map(|months| {
            let latest = months.keys().next().copied();
            (Just(months), 1u32..29).prop_map(move |(months, day)| {
                let now = month_index(today());
                let buckets: Vec<MonthBucket> = months
                    .iter()
                    .rev()
                    .map(|(back, (purchases, items, spend))| MonthBucket {
                        month: now - back,
                        purchases: *purchases,
                        items: *items,
                        spend_minor: *spend,
                    })
                    .collect();
                let last = latest.map(|back| {
                    let m = YearMonth(now - back);
                    NaiveDate::from_ymd_opt(m.year(), m.month(), day)
                        .unwrap()
                        .and_hms_opt(12, 0, 0)
                        .unwrap()
                });
                Aggregates {
                    interactions: buckets.iter().map(|b| b.purchases).sum(),
                    purchases: buckets.iter().map(|b| b.purchases).sum(),
                    spend_minor: buckets.iter().map(|b| b.spend_minor).sum(),
                    last_contact: last,
                    last_purchase: last,
                    next_visit: None,
                    months: buckets,
                    weeks: Vec::new(),
                }
            })
        })
}

fn arb_period() -> impl Strategy<Value = Period> {
    let now = YearMonth::of(today()).0;
    prop_oneof![
        (1u32..=18).prop_map(|months| Period::LastMonths { months }),
        (0i32..18, 0i32..6).prop_map(move |(back, len)| Period::Between {
            from: YearMonth(now - back),
            to: YearMonth(now - back + len),
        }),
        Just(Period::AllTime),
    ]
}

fn arb_cmp() -> impl Strategy<Value = CmpOp> {
    select(vec![
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Gt,
        CmpOp::Gte,
        CmpOp::Lt,
        CmpOp::Lte,
    ])
}

fn some_of<T: Clone + std::fmt::Debug + 'static>(all: &[T]) -> impl Strategy<Value = Vec<T>> {
    proptest::sample::subsequence(all.to_vec(), 1..=all.len())
}

/// Words that occur in the demo data (and some that do not), for text conditions.
const WORDS: [&str; 14] = [
    "上海",
    "北京",
    "王",
    "芳",
    "wang",
    "EMMA",
    "锦程",
    "旅行社",
    "官网",
    "demo",
    "example.cn",
    "139",
    "经理",
    "zz",
];
const TAGS: [&str; 6] = ["VIP", "vip", "商务", "会员", "团队", "不存在"];

fn arb_leaf() -> impl Strategy<Value = Rule> {
    let fields = vec![
        TextField::Name,
        TextField::Company,
        TextField::Title,
        TextField::Email,
        TextField::Phone,
        TextField::City,
        TextField::Source,
        TextField::Owner,
    ];
    let value = prop_oneof![
        select(WORDS.to_vec()).prop_map(String::from),
        Just(String::new())
    ];
    prop_oneof![
        (
            select(fields),
            select(vec![TextOp::Contains, TextOp::Equals]),
            value
        )
            .prop_map(|(field, op, value)| {
                // An empty "contains" is invalid; use it as "equals empty" instead.
                let op = if value.is_empty() { TextOp::Equals } else { op };
                Rule::Text { field, op, value }
            }),
        some_of(&["上海", "北京", "ＳＨ", "成都"]).prop_map(|c| Rule::City {
            any_of: c.into_iter().map(String::from).collect()
        }),
        (
            select(vec![TagOp::Any, TagOp::All, TagOp::None]),
            some_of(&TAGS)
        )
            .prop_map(|(op, tags)| Rule::Tags {
                op,
                tags: tags.into_iter().map(String::from).collect()
            }),
        some_of(&Stage::ALL).prop_map(|any_of| Rule::Stage { any_of }),
        some_of(&[CustomerKind::Person, CustomerKind::Company])
            .prop_map(|any_of| Rule::Kind { any_of }),
        some_of(&Tier::ALL).prop_map(|any_of| Rule::Tier { any_of }),
        (arb_cmp(), 0i64..45).prop_map(|(op, value)| Rule::RfmScore { op, value }),
        some_of(&PyramidLevel::ALL).prop_map(|any_of| Rule::Pyramid { any_of }),
        any::<bool>().prop_map(|is| Rule::Vip { is }),
        some_of(&Lifecycle::ALL).prop_map(|any_of| Rule::Lifecycle { any_of }),
        (arb_cmp(), 0i64..600).prop_map(|(op, value)| Rule::DaysSinceContact { op, value }),
        (
            proptest::option::of(select(InteractionKind::ALL.to_vec())),
            arb_cmp(),
            0i64..10
        )
            .prop_map(|(kind, op, value)| Rule::InteractionCount { kind, op, value }),
        (arb_period(), arb_cmp(), 0i64..8).prop_map(|(period, op, value)| Rule::PurchaseCount {
            period,
            op,
            value
        }),
        (
            arb_period(),
            arb_cmp(),
            prop_oneof![Just(0i64), 0i64..3_000_000]
        )
            .prop_map(|(period, op, value_minor)| Rule::Spend {
                period,
                op,
                value_minor
            }),
    ]
}

fn arb_rule() -> impl Strategy<Value = Rule> {
    arb_leaf().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 1..4).prop_map(Rule::and),
            proptest::collection::vec(inner.clone(), 1..4).prop_map(Rule::or),
            inner.prop_map(Rule::negate),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_customer_lands_in_exactly_one_tier(
        aggs in proptest::collection::vec(arb_aggregates(), 0..40),
        days_back in 0u64..90,
        total in any::<bool>(),
    ) {
        let day = today() - Days::new(days_back);
        let mut settings = SegmentSettings::default();
        if total {
            settings.rfm.monetary_basis = MonetaryBasis::Total;
        }
        let customers: Vec<Customer> = (0..aggs.len())
            .map(|i| Customer::new(uuid::Uuid::from_u128(i as u128), "c", 0))
            .collect();
        let rows = customers.iter().zip(&aggs).map(|(customer, aggregates)| CustomerRow {
            customer,
            aggregates,
            stats: None,
        });
        let cols = SegmentColumns::build(rows, day, &settings);
        let window = RfmScorer::new(day, &settings.rfm).window();
        let w = settings.rfm.weights;
        prop_assert_eq!(cols.summary().tiers.iter().sum::<usize>(), aggs.len());
        for (i, a) in aggs.iter().enumerate() {
            let in_window = totals(&a.months, window).purchases;
            let tier = cols.tiers()[i];
            match cols.rfm(i) {
                None => {
                    prop_assert_eq!(tier, Tier::NoPurchases);
                    prop_assert_eq!(in_window, 0);
                }
                Some(r) => {
                    prop_assert!(in_window > 0);
                    prop_assert!(tier != Tier::NoPurchases);
                    prop_assert!([r.r, r.f, r.m].iter().all(|s| (1..=5).contains(s)));
                    let weighted = w.recency * r.r as u32
                        + w.frequency * r.f as u32
                        + w.monetary * r.m as u32;
                    prop_assert_eq!(r.score, weighted);
                    prop_assert_eq!(tier, Tier::for_score(r.score, &settings.rfm.tiers));
                    prop_assert_eq!(Tier::ALL.iter().filter(|t| **t == tier).count(), 1);
                }
            }
        }
    }

    #[test]
    fn rules_evaluate_like_the_naive_interpreter(
        seed in any::<u64>(),
        start in 0usize..460,
        days in -30i64..300,
        rules in proptest::collection::vec(arb_rule(), 1..4),
    ) {
        let book = Book::demo(seed, start..start + 40);
        let day = today().checked_add_signed(chrono::Duration::days(days)).unwrap();
        let settings = SegmentSettings::default();
        let cols = book.columns(day, &settings);
        let reference = Reference::new(&book, day, &settings);
        for rule in &rules {
            let members = cols.evaluate(rule).unwrap();
            for i in 0..cols.len() {
                let expected = reference.matches(i, rule);
                prop_assert_eq!(members.contains(i), expected, "customer {} rule {:?}", i, rule);
            }
        }
    }

    #[test]
    fn and_or_not_are_intersection_union_complement(
        seed in any::<u64>(),
        a in arb_rule(),
        b in arb_rule(),
    ) {
        let cols = Book::demo(seed, 0..64).columns(today(), &SegmentSettings::default());
        let ea = cols.evaluate(&a).unwrap();
        let eb = cols.evaluate(&b).unwrap();
        let and = cols.evaluate(&Rule::and([a.clone(), b.clone()])).unwrap();
        let or = cols.evaluate(&Rule::or([a.clone(), b.clone()])).unwrap();
        let not_a = cols.evaluate(&Rule::negate(a.clone())).unwrap();
        let de_morgan = cols
            .evaluate(&Rule::negate(Rule::or([Rule::negate(a.clone()), Rule::negate(b.clone())])))
            .unwrap();
        for i in 0..cols.len() {
            prop_assert_eq!(and.contains(i), ea.contains(i) && eb.contains(i));
            prop_assert_eq!(or.contains(i), ea.contains(i) || eb.contains(i));
            prop_assert_eq!(not_a.contains(i), !ea.contains(i));
        }
        prop_assert_eq!(de_morgan, and);
    }

    #[test]
    fn rules_round_trip_as_json(rule in arb_rule()) {
        let json = serde_json::to_string(&rule).unwrap();
        prop_assert_eq!(serde_json::from_str::<Rule>(&json).unwrap(), rule.clone());
        let value = serde_json::to_value(&rule).unwrap();
        prop_assert!(value.get("type").is_some_and(|t| t.is_string()));
        prop_assert!(rule.validate().is_empty(), "{:?}", rule.validate());
    }
}
