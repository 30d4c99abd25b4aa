//! Duplicates and merge: normalisation of the matching keys, candidate pairs, import
//! checks, the merge as field changes, and its convergence with concurrent edits.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use crm_core::change::{Change, Entity, DELETED};
use crm_core::customer::{BuyingRole, Customer, CustomerKind, Stage};
use crm_core::demo::{Demo, Size, DEMO_SEED};
use crm_core::hlc::Hlc;
use crm_core::import::dedupe::{
    email_key, fill_empty_fields, find_duplicates, match_keys, phone_key, DuplicateIndex, MatchKey,
    MAX_GROUP,
};
use crm_core::import::merge_customers::{
    follow_merged, merge_customers, merge_repairs, repoint_contacts, repoint_interactions,
    FieldChange, MergeError, MergeField, MergePlan, Pick, MERGED_INTO,
};
use crm_core::interaction::{Interaction, InteractionKind};
use crm_core::merge::RecordState;
use proptest::prelude::*;
use serde_json::json;
use uuid::Uuid;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn person(n: u128, name: &str, company: &str, email: &str, phone: &str) -> Customer {
    let mut c = Customer::new(id(n), name, n as i64);
    c.company = company.into();
    c.email = email.into();
    c.phone = phone.into();
    c
}

#[test]
fn phone_keys_ignore_formatting_and_the_china_prefix() {
    let same = [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+86-13800138000",
        "0086 138 0013 8000",
        "8613800138000",
        "(+86) 138 0013 8000",
        "１３８ ００１３ ８０００",
    ];
    for p in same {
        assert_eq!(phone_key(p).as_deref(), Some("13800138000"), "{p}");
    }
    // Landlines: the trunk 0 and +86 forms meet.
    assert_eq!(phone_key("021-6288 1234"), phone_key("+86 21 6288 1234"));
    assert_eq!(phone_key("(010) 8888-0000").as_deref(), Some("1088880000"));
    // Foreign numbers keep their country code.
    assert_eq!(
        phone_key("+44 7700 900123").as_deref(),
        Some("447700900123")
    );
    assert_ne!(phone_key("+44 7700 900123"), phone_key("07700 900123"));
    // Extensions and blanks are not identities.
    assert_eq!(phone_key("8001"), None);
    assert_eq!(phone_key(""), None);
}

#[test]
fn email_keys_ignore_case_width_and_spaces() {
    assert_eq!(
        email_key(" Wang.Fang@Example.CN ").as_deref(),
        Some("wang.fang@example.cn")
    );
    assert_eq!(
        email_key("ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｎ").as_deref(),
        Some("wang@example.cn")
    );
    assert_eq!(email_key(""), None);
    assert_eq!(email_key("no at sign"), None);
}

#[test]
fn keys_of_a_customer() {
    let c = person(
        1,
        "Li  Wei",
        "Hilton Shanghai",
        "LI.WEI@example.com",
        "+86 139 0000 1111",
    );
    assert_eq!(
        match_keys(&c),
        [
            MatchKey::Email {
                email: "li.wei@example.com".into()
            },
            MatchKey::Phone {
                digits: "13900001111".into()
            },
            MatchKey::NameCompany {
                name: "li wei".into(),
                company: "hilton shanghai".into()
            },
        ]
    );
    // A common name alone is not a key; a tombstone has none.
    assert_eq!(match_keys(&person(2, "王伟", "", "", "")), []);
    let mut gone = c.clone();
    gone.deleted = true;
    assert_eq!(match_keys(&gone), []);
}

#[test]
fn candidate_pairs_with_reasons() {
    let customers = vec![
        person(
            1,
            "王芳",
            "春秋旅行社",
            "wang.fang@example.cn",
            "13800138000",
        ),
        person(
            2,
            "Wang Fang",
            "",
            "WANG.FANG@example.cn",
            "+86 138 0013 8000",
        ),
        person(3, "王 芳", "", "", "138-0013-8000"),
        person(4, "王芳", "春秋旅行社", "", ""),
        person(5, "李伟", "春秋旅行社", "li.wei@example.cn", "13900001111"),
        {
            let mut gone = person(6, "王芳", "春秋旅行社", "wang.fang@example.cn", "");
            gone.deleted = true;
            gone
        },
    ];
    let report = find_duplicates(&customers);
    let pairs: Vec<(u128, u128, usize)> = report
        .pairs
        .iter()
        .map(|p| (p.a.as_u128(), p.b.as_u128(), p.reasons.len()))
        .collect();
    assert_eq!(pairs, [(1, 2, 2), (1, 3, 1), (2, 3, 1), (1, 4, 1)]);
    assert!(matches!(report.pairs[0].reasons[0], MatchKey::Email { .. }));
    assert!(matches!(
        report.pairs[3].reasons[0],
        MatchKey::NameCompany { .. }
    ));
    assert_eq!(report.crowded, vec![]);
    // Input order does not matter.
    let mut reversed = customers.clone();
    reversed.reverse();
    assert_eq!(find_duplicates(&reversed), report);
}

#[test]
fn a_shared_switchboard_is_not_a_flood_of_pairs() {
    let customers: Vec<Customer> = (0..MAX_GROUP as u128 + 5)
        .map(|n| person(n, &format!("Contact {n}"), "", "", "021-6288 1234"))
        .collect();
    let report = find_duplicates(&customers);
    assert_eq!(report.pairs, vec![]);
    assert_eq!(
        report.crowded,
        vec![(
            MatchKey::Phone {
                digits: "2162881234".into()
            },
            MAX_GROUP + 5
        )]
    );
}

#[test]
fn the_demo_book_scans_in_one_pass() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let demo = Demo::new(Size::M, DEMO_SEED, today);
    let customers: Vec<Customer> = demo.range(0..5_000).map(|c| c.customer).collect();
    let by_id: HashMap<Uuid, &Customer> = customers.iter().map(|c| (c.id, c)).collect();
    let report = find_duplicates(&customers);
    // Company names repeat in the demo, so same-name contacts at same-named companies
    // pair up; every reported reason really is a key of both customers.
    assert!(!report.pairs.is_empty());
    for p in &report.pairs {
        for reason in &p.reasons {
            assert!(match_keys(by_id[&p.a]).contains(reason));
            assert!(match_keys(by_id[&p.b]).contains(reason));
        }
    }
}

#[test]
fn import_rows_are_checked_against_existing_and_earlier_rows() {
    let existing = vec![
        person(
            1,
            "王芳",
            "春秋旅行社",
            "wang.fang@example.cn",
            "13800138000",
        ),
        person(2, "李伟", "锦程", "li.wei@example.cn", "13900001111"),
    ];
    let mut index = DuplicateIndex::new(&existing);
    let incoming = person(
        10,
        "Fang Wang",
        "",
        "Wang.Fang@Example.cn",
        "+86 139 0000 1111",
    );
    let found = index.matches(&incoming);
    let ids: Vec<u128> = found.iter().map(|m| m.id.as_u128()).collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(
        found[0].reasons,
        [MatchKey::Email {
            email: "wang.fang@example.cn".into()
        }]
    );
    let new_row = person(11, "赵敏", "", "zhao.min@example.cn", "");
    assert_eq!(index.matches(&new_row), vec![]);
    index.insert(&new_row);
    let same_file_again = person(12, "Zhao Min", "", "ZHAO.MIN@example.cn", "");
    assert_eq!(index.matches(&same_file_again)[0].id, id(11));
    // A customer never matches itself.
    assert_eq!(index.matches(&new_row), vec![]);
}

#[test]
fn update_empty_fields_never_overwrites() {
    let mut existing = person(1, "王芳", "", "wang.fang@example.cn", "");
    existing.tags = vec!["VIP".into()];
    let mut incoming = person(
        9,
        "Wang Fang",
        "春秋旅行社",
        "other@example.cn",
        "13800138000",
    );
    incoming.tags = vec!["新客户".into()];
    incoming.birthday = NaiveDate::from_ymd_opt(1988, 2, 29);
    incoming.contracted = true;
    let filled = fill_empty_fields(&existing, &incoming);
    assert_eq!(filled.id, existing.id);
    assert_eq!(filled.name, "王芳");
    assert_eq!(filled.email, "wang.fang@example.cn");
    assert_eq!(filled.company, "春秋旅行社");
    assert_eq!(filled.phone, "13800138000");
    assert_eq!(filled.tags, ["VIP"]);
    assert_eq!(filled.birthday, incoming.birthday);
    assert!(filled.contracted);
}

fn pair() -> (Customer, Customer) {
    let mut a = person(1, "王芳", "春秋旅行社", "wang.fang@example.cn", "");
    a.created_ms = 100;
    a.tags = vec!["VIP".into(), "商务".into()];
    a.notes = "不吃辣".into();
    a.stage = Stage::Customer;
    let mut b = person(2, "Wang Fang", "", "fang@example.com", "13800138000");
    b.created_ms = 50;
    b.tags = vec!["商务".into(), "常旅客".into()];
    b.notes = "偏头痛 → 荞麦枕".into();
    b.birthday = NaiveDate::from_ymd_opt(1988, 2, 29);
    b.buying_role = Some(BuyingRole::Decider);
    (a, b)
}

#[test]
fn suggested_merge_keeps_the_older_customer_and_every_value() {
    let (a, b) = pair();
    let plan = MergePlan::suggest(&a, &b);
    assert_eq!(plan, MergePlan::suggest(&b, &a));
    assert_eq!(plan.survivor, b.id, "b is older");
    let out = merge_customers(&a, &b, &plan).unwrap();
    let s = &out.survivor;
    assert_eq!(s.id, b.id);
    assert_eq!(s.created_ms, 50);
    assert_eq!(s.name, "Wang Fang");
    assert_eq!(
        s.company, "春秋旅行社",
        "empty on the survivor, taken from the other"
    );
    assert_eq!(s.email, "fang@example.com");
    assert_eq!(s.phone, "13800138000");
    assert_eq!(s.stage, Stage::Customer);
    assert_eq!(s.tags, ["商务", "常旅客", "VIP"]);
    assert_eq!(s.notes, "偏头痛 → 荞麦枕\n\n不吃辣");
    assert_eq!(out.retired, a.id);
    let changes: Vec<(u128, &str, serde_json::Value)> = out
        .changes
        .iter()
        .map(|c| (c.id.as_u128(), c.field.as_str(), c.value.clone()))
        .collect();
    assert_eq!(
        changes,
        vec![
            (2, "company", json!("春秋旅行社")),
            (2, "notes", json!("偏头痛 → 荞麦枕\n\n不吃辣")),
            (2, "stage", json!("customer")),
            (2, "tags", json!(["商务", "常旅客", "VIP"])),
            (1, DELETED, json!(true)),
            (1, MERGED_INTO, json!(b.id)),
        ]
    );
    assert!(out.changes.iter().all(|c| c.entity == Entity::Customer));
}

#[test]
fn the_users_picks_are_applied() {
    let (a, b) = pair();
    let plan = MergePlan {
        survivor: a.id,
        picks: BTreeMap::from([
            (MergeField::Name, Pick::From(b.id)),
            (MergeField::Phone, Pick::From(b.id)),
            (MergeField::Email, Pick::From(a.id)),
            (MergeField::Tags, Pick::From(a.id)),
            (MergeField::Birthday, Pick::From(b.id)),
        ]),
    };
    let out = merge_customers(&b, &a, &plan).unwrap();
    assert_eq!(out.survivor.id, a.id);
    assert_eq!(out.survivor.name, "Wang Fang");
    assert_eq!(out.survivor.email, "wang.fang@example.cn");
    assert_eq!(out.survivor.tags, a.tags);
    assert_eq!(out.survivor.birthday, b.birthday);
    assert_eq!(out.survivor.notes, a.notes, "no pick: the survivor's value");
}

#[test]
fn impossible_merges_are_refused() {
    let (a, b) = pair();
    let plan = MergePlan::suggest(&a, &b);
    assert_eq!(
        merge_customers(&a, &a, &plan),
        Err(MergeError::SameCustomer)
    );
    let mut gone = a.clone();
    gone.deleted = true;
    assert_eq!(
        merge_customers(&gone, &b, &plan),
        Err(MergeError::Deleted(a.id))
    );
    let stranger = MergePlan {
        survivor: id(99),
        picks: BTreeMap::new(),
    };
    assert_eq!(
        merge_customers(&a, &b, &stranger),
        Err(MergeError::NotInPair(id(99)))
    );
    let bad = MergePlan {
        survivor: a.id,
        picks: BTreeMap::from([(MergeField::Email, Pick::Combine)]),
    };
    assert_eq!(
        merge_customers(&a, &b, &bad),
        Err(MergeError::NotCombinable(MergeField::Email))
    );
}

fn interaction(n: u128, customer: Uuid) -> Interaction {
    Interaction {
        id: id(n),
        customer_id: customer,
        kind: InteractionKind::Call,
        at: NaiveDate::from_ymd_opt(2026, 11, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap(),
        summary: "call".into(),
        outcome: String::new(),
        amount_minor: None,
        currency: "CNY".into(),
        items: None,
        next_visit: None,
        campaign_id: None,
        deleted: false,
    }
}

#[test]
fn interactions_and_contacts_are_repointed() {
    let (a, b) = pair();
    let interactions = vec![
        interaction(10, a.id),
        interaction(11, b.id),
        interaction(12, a.id),
    ];
    let moves = repoint_interactions(&interactions, a.id, b.id);
    assert_eq!(
        moves,
        vec![
            FieldChange {
                entity: Entity::Interaction,
                id: id(10),
                field: "customer_id".into(),
                value: json!(b.id)
            },
            FieldChange {
                entity: Entity::Interaction,
                id: id(12),
                field: "customer_id".into(),
                value: json!(b.id)
            },
        ]
    );
    let mut contact = person(20, "Contact", "", "", "");
    contact.company_id = Some(a.id);
    let moves = repoint_contacts(&[contact, person(21, "Other", "", "", "")], a.id, b.id);
    assert_eq!(moves.len(), 1);
    assert_eq!(
        (moves[0].id, moves[0].field.as_str()),
        (id(20), "company_id")
    );
}

fn customer_strategy(n: u128) -> impl Strategy<Value = Customer> {
    (
        "[a-c]{0,2}",
        "[a-c]{0,2}",
        "[a-c]{0,2}",
        prop::collection::vec("[x-z]", 0..3),
        0i64..3,
        any::<bool>(),
        prop::sample::select(Stage::ALL.to_vec()),
        prop::option::of(1u32..28),
    )
        .prop_map(
            move |(name, email, notes, tags, created, contracted, stage, day)| {
                let mut c = Customer::new(id(n), name, created);
                c.email = email;
                c.notes = notes;
                c.tags = tags;
                c.contracted = contracted;
                c.stage = stage;
                c.kind = if contracted {
                    CustomerKind::Company
                } else {
                    CustomerKind::Person
                };
                c.birthday = day.and_then(|d| NaiveDate::from_ymd_opt(1990, 1, d));
                c
            },
        )
}

fn plan_strategy() -> impl Strategy<Value = MergePlan> {
    (
        any::<bool>(),
        prop::collection::btree_map(
            prop::sample::select(MergeField::ALL.to_vec()),
            prop_oneof![Just(1u128), Just(2u128), Just(0u128)],
            0..8,
        ),
    )
        .prop_map(|(first, picks)| MergePlan {
            survivor: if first { id(1) } else { id(2) },
            picks: picks
                .into_iter()
                .filter(|(f, n)| *n != 0 || f.combinable())
                .map(|(f, n)| {
                    (
                        f,
                        if n == 0 {
                            Pick::Combine
                        } else {
                            Pick::From(id(n))
                        },
                    )
                })
                .collect(),
        })
}

proptest! {
    #[test]
    fn merging_is_deterministic_and_independent_of_argument_order(
        a in customer_strategy(1),
        b in customer_strategy(2),
        plan in plan_strategy(),
    ) {
        let ab = merge_customers(&a, &b, &plan);
        prop_assert_eq!(&ab, &merge_customers(&b, &a, &plan));
        prop_assert_eq!(&ab, &merge_customers(&a, &b, &plan));
        let suggested = MergePlan::suggest(&a, &b);
        prop_assert_eq!(&suggested, &MergePlan::suggest(&b, &a));
        let out = merge_customers(&a, &b, &suggested).unwrap();
        prop_assert_eq!(out.clone(), merge_customers(&b, &a, &suggested).unwrap());
        // Nothing either customer had is lost by the suggested plan.
        for c in [&a, &b] {
            for tag in &c.tags {
                prop_assert!(out.survivor.tags.contains(tag));
            }
            prop_assert!(out.survivor.notes.contains(c.notes.trim()));
        }
    }
}

/// A replica: every record's registers, keyed by (entity, id).
#[derive(Debug, Default, Clone, PartialEq)]
struct Replica {
    records: BTreeMap<(Entity, Uuid), RecordState>,
}

impl Replica {
    fn apply(&mut self, changes: &[Change]) {
        for c in changes {
            self.records.entry((c.entity, c.id)).or_default().apply(c);
        }
    }

    fn write_customer(&mut self, c: &Customer, hlc: Hlc) -> Vec<Change> {
        let changes = crm_core::change::field_diff(None, c)
            .into_iter()
            .map(|(field, value)| Change {
                entity: Entity::Customer,
                id: c.id,
                field,
                value,
                hlc,
                base: None,
            })
            .collect::<Vec<_>>();
        self.apply(&changes);
        changes
    }

    fn field(&self, entity: Entity, id: Uuid, field: &str) -> serde_json::Value {
        self.records
            .get(&(entity, id))
            .and_then(|r| r.get(field))
            .map(|(v, _)| v.clone())
            .unwrap_or_default()
    }

    /// What the store hands to `merge_repairs` after a pull.
    fn repairs(&self) -> Vec<FieldChange> {
        let mut merged_into = HashMap::new();
        let mut references = Vec::new();
        for ((entity, id), record) in &self.records {
            let uuid = |v: &serde_json::Value| serde_json::from_value::<Uuid>(v.clone()).ok();
            if *entity == Entity::Customer && record.is_deleted() {
                if let Some(into) = record.get(MERGED_INTO).and_then(|(v, _)| uuid(v)) {
                    merged_into.insert(*id, into);
                }
            }
            if *entity == Entity::Interaction {
                if let Some(customer) = record.get("customer_id").and_then(|(v, _)| uuid(v)) {
                    references.push((*entity, *id, customer));
                }
            }
        }
        merge_repairs(&merged_into, &references)
    }
}

fn stamp(changes: Vec<FieldChange>, wall_ms: u64, node: u64) -> Vec<Change> {
    changes
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            c.stamp(Hlc {
                wall_ms,
                counter: i as u32,
                node,
            })
        })
        .collect()
}

fn interaction_changes(i: &Interaction, hlc: Hlc) -> Vec<Change> {
    crm_core::change::field_diff(None, i)
        .into_iter()
        .map(|(field, value)| Change {
            entity: Entity::Interaction,
            id: i.id,
            field,
            value,
            hlc,
            base: None,
        })
        .collect()
}

#[test]
fn an_offline_merge_converges_with_concurrent_edits() {
    let (a, b) = pair();
    let h = |wall_ms, node| Hlc {
        wall_ms,
        counter: 0,
        node,
    };
    // Both devices start in sync with A, B and one interaction on A.
    let mut start = Replica::default();
    let mut shared = start.write_customer(&a, h(1, 9));
    shared.extend(start.write_customer(&b, h(1, 9)));
    let on_a = interaction(10, a.id);
    shared.extend(interaction_changes(&on_a, h(1, 9)));
    start.apply(&shared);
    let (mut d1, mut d2) = (start.clone(), start);

    // Device 1, offline: merges A into B (B survives) and re-points A's interaction.
    let mut plan = MergePlan::suggest(&a, &b);
    plan.picks.insert(MergeField::Phone, Pick::From(b.id));
    let out = merge_customers(&a, &b, &plan).unwrap();
    let mut merge = out.changes.clone();
    merge.extend(repoint_interactions(
        std::slice::from_ref(&on_a),
        a.id,
        b.id,
    ));
    let merge = stamp(merge, 10, 1);
    d1.apply(&merge);

    // Device 2, offline at the same time: edits A's phone, logs a call on A.
    let mut edits = vec![Change {
        entity: Entity::Customer,
        id: a.id,
        field: "phone".into(),
        value: json!("13700001111"),
        hlc: h(11, 2),
        base: None,
    }];
    let late = interaction(11, a.id);
    edits.extend(interaction_changes(&late, h(12, 2)));
    d2.apply(&edits);

    // Sync in opposite orders; then each device repairs what the merge could not see.
    d1.apply(&edits);
    d2.apply(&merge);
    assert_eq!(d1, d2);
    let r1 = stamp(d1.repairs(), 20, 1);
    let r2 = stamp(d2.repairs(), 21, 2);
    assert_eq!(
        r1.iter()
            .map(|c| (&c.id, &c.field, &c.value))
            .collect::<Vec<_>>(),
        r2.iter()
            .map(|c| (&c.id, &c.field, &c.value))
            .collect::<Vec<_>>(),
        "every device computes the same repairs"
    );
    d1.apply(&r1);
    d2.apply(&r2);
    d1.apply(&r2);
    d2.apply(&r1);
    assert_eq!(d1, d2);
    // One customer with both timelines: A is a tombstone pointing at B, every
    // interaction (the late one too) is on B.
    assert_eq!(d1.field(Entity::Customer, a.id, DELETED), json!(true));
    assert_eq!(d1.field(Entity::Customer, a.id, MERGED_INTO), json!(b.id));
    assert_ne!(d1.field(Entity::Customer, b.id, DELETED), json!(true));
    for i in [on_a.id, late.id] {
        assert_eq!(d1.field(Entity::Interaction, i, "customer_id"), json!(b.id));
    }
    assert_eq!(d1.repairs(), vec![], "repairs are idempotent");
}

#[test]
fn crossed_merges_on_two_devices_keep_one_customer() {
    let (a, b) = pair();
    let mut start = Replica::default();
    let mut shared = start.write_customer(&a, Hlc::default());
    shared.extend(start.write_customer(&b, Hlc::default()));
    let (mut d1, mut d2) = (start.clone(), start);
    let into_b = MergePlan::suggest(&a, &b);
    let into_a = MergePlan {
        survivor: a.id,
        ..into_b.clone()
    };
    let m1 = stamp(merge_customers(&a, &b, &into_b).unwrap().changes, 10, 1);
    let m2 = stamp(merge_customers(&a, &b, &into_a).unwrap().changes, 10, 2);
    d1.apply(&m1);
    d2.apply(&m2);
    d1.apply(&m2);
    d2.apply(&m1);
    assert_eq!(d1, d2);
    // Both are tombstones pointing at each other until the repair.
    let mut merged = HashMap::new();
    merged.insert(a.id, b.id);
    merged.insert(b.id, a.id);
    assert_eq!(follow_merged(a.id, &merged), None);
    let r1 = stamp(d1.repairs(), 20, 1);
    let r2 = stamp(d2.repairs(), 20, 2);
    d1.apply(&r1);
    d1.apply(&r2);
    d2.apply(&r2);
    d2.apply(&r1);
    assert_eq!(d1, d2);
    let alive: Vec<Uuid> = [a.id, b.id]
        .into_iter()
        .filter(|id| d1.field(Entity::Customer, *id, DELETED) != json!(true))
        .collect();
    assert_eq!(alive, [a.id.min(b.id)]);
    assert_eq!(d1.repairs(), vec![]);
}
