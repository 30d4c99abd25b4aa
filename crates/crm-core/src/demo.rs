//! Deterministic demo data: a travel / hotel / courier customer book with companies and
//! their contacts, travellers, purchases in CNY over 18 months and follow-ups due today.
//! The same generator makes the S / M / L benchmark sets (BENCH.md).
//!
//! Every customer is generated from `(seed, index)` alone, so any slice of a data set
//! can be produced without the rest (the browser writes L in chunks, never all at once).

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::{Builder, Uuid};

use crate::customer::{BuyingRole, Customer, CustomerKind, Stage};
use crate::interaction::{Interaction, InteractionKind, DEFAULT_CURRENCY};

/// Data-set sizes from BENCH.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// 500 customers, ~5,000 interactions: the one-click demo.
    S,
    /// 10,000 customers, ~100,000 interactions.
    M,
    /// 100,000 customers, ~1,000,000 interactions.
    L,
}

impl Size {
    pub fn customers(self) -> usize {
        match self {
            Size::S => 500,
            Size::M => 10_000,
            Size::L => 100_000,
        }
    }
    pub fn parse(s: &str) -> Option<Size> {
        match s {
            "S" | "s" => Some(Size::S),
            "M" | "m" => Some(Size::M),
            "L" | "l" => Some(Size::L),
            _ => None,
        }
    }
}

/// The seed the one-click demo uses.
pub const DEMO_SEED: u64 = 2026;

/// How many days back the interactions reach (18 months).
pub const HISTORY_DAYS: u64 = 548;

/// One generated customer with its interactions.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCustomer {
    pub customer: Customer,
    pub interactions: Vec<Interaction>,
}

/// Generator of one data set; cheap to create, customers produced on demand.
#[derive(Debug, Clone)]
pub struct Demo {
    pub size: Size,
    pub seed: u64,
    /// The user's local date: follow-ups are due relative to it.
    pub today: NaiveDate,
}

const SURNAMES: [(&str, &str); 20] = [
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("高", "gao"),
    ("林", "lin"),
    ("罗", "luo"),
];
const GIVEN: [(&str, &str); 24] = [
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("秀英", "xiuying"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("霞", "xia"),
    ("婷", "ting"),
    ("浩然", "haoran"),
    ("子涵", "zihan"),
    ("一诺", "yinuo"),
    ("欣怡", "xinyi"),
];
const WESTERN_FIRST: [&str; 10] = [
    "James", "Emma", "Olivia", "Liam", "Sophie", "Daniel", "Hannah", "Lucas", "Mia", "Noah",
];
const WESTERN_LAST: [&str; 10] = [
    "Smith", "Müller", "Tanaka", "Kim", "Brown", "Martin", "Rossi", "Novak", "Dubois", "Silva",
];
const CITIES: [&str; 12] = [
    "上海", "北京", "广州", "深圳", "杭州", "成都", "南京", "武汉", "西安", "重庆", "苏州", "厦门",
];
const COMPANY_WORDS: [&str; 10] = [
    "锦程", "华夏", "东方", "远航", "海天", "金桥", "鸿运", "长城", "星辰", "环宇",
];
const COMPANY_KINDS: [&str; 6] = [
    "国际旅行社",
    "商务酒店管理有限公司",
    "快递服务有限公司",
    "贸易有限公司",
    "科技股份有限公司",
    "会展服务有限公司",
];
const TITLES: [&str; 8] = [
    "总经理",
    "行政经理",
    "采购经理",
    "财务总监",
    "差旅专员",
    "前台主管",
    "人力资源经理",
    "总裁助理",
];
const SOURCES: [&str; 6] = ["官网", "展会", "转介绍", "携程", "电话营销", "微信"];
const TAGS: [&str; 10] = [
    "VIP",
    "商务",
    "家庭游",
    "常旅客",
    "会员",
    "协议客户",
    "新客户",
    "高潜力",
    "国际件",
    "团队",
];
const PREFERENCES: [&str; 6] = [
    "不吃辣",
    "偏头痛 → 荞麦枕",
    "高楼层、远离电梯",
    "靠窗座位",
    "无烟房",
    "素食",
];
const CALLS: [&str; 5] = [
    "电话回访：确认下月出行需求",
    "Follow-up call about Q1 travel plans",
    "询问会议室报价",
    "确认快递取件时间",
    "回访满意度",
];
const VISITS: [&str; 4] = [
    "上门拜访，介绍企业协议价",
    "Visited the office, met the travel manager",
    "送生日礼物",
    "年度合作回顾",
];
const MEETINGS: [&str; 3] = [
    "年会场地洽谈",
    "Contract renewal meeting",
    "团队出游方案讨论",
];
const MESSAGES: [&str; 4] = [
    "发送新线路资料",
    "Sent the revised quote",
    "微信确认行程",
    "节日问候",
];
const NOTES: [&str; 3] = [
    "客户偏好安静房间",
    "Prefers invoices by email",
    "下季度预算增加",
];
const PRODUCTS: [(&str, i64, i64, u32); 6] = [
    // (summary, min yuan, max yuan, max items)
    ("机票 上海—三亚", 800, 4_000, 4),
    ("跟团游 云南六日", 2_500, 15_000, 4),
    ("客房 行政套房", 450, 2_500, 5),
    ("会议室 + 茶歇", 3_000, 20_000, 1),
    ("EMS 国际件", 60, 800, 10),
    ("国内快递 月结", 300, 3_000, 30),
];

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn uuid_v7(rng: &mut ChaCha8Rng, ms: i64) -> Uuid {
    let mut bytes = [0u8; 10];
    rng.fill(&mut bytes);
    Builder::from_unix_timestamp_millis(ms.max(0) as u64, &bytes).into_uuid()
}

/// Position of a customer in its block of ten: slot 0 is a company, 1–3 its contacts,
/// 4–9 individual travellers / shippers.
fn slot(index: usize) -> usize {
    index % 10
}

impl Demo {
    pub fn new(size: Size, seed: u64, today: NaiveDate) -> Self {
        Demo { size, seed, today }
    }

    fn rng(&self, index: usize, stream: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(index as u64 * 4 + stream);
        rng
    }

    fn start_ms(&self) -> i64 {
        let start = self.today - Days::new(HISTORY_DAYS);
        start.and_time(NaiveTime::MIN).and_utc().timestamp_millis()
    }

    /// Creation time and id of customer `index`, computable without generating it.
    fn created_and_id(&self, index: usize) -> (i64, Uuid) {
        let mut rng = self.rng(index, 0);
        let created = self.start_ms() + rng.random_range(0..HISTORY_DAYS as i64 * 86_400_000);
        (created, uuid_v7(&mut rng, created))
    }

    /// The id of customer `index`, computable without generating the customer.
    pub fn customer_id(&self, index: usize) -> Uuid {
        self.created_and_id(index).1
    }

    /// Number of customers in the set.
    pub fn len(&self) -> usize {
        self.size.customers()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Customers `range` with their interactions, in index order.
    pub fn range(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = DemoCustomer> + '_ {
        range.filter(|i| *i < self.len()).map(|i| self.customer(i))
    }

    /// All customers with their interactions (for S and M; stream L with [`Demo::range`]).
    pub fn all(&self) -> impl Iterator<Item = DemoCustomer> + '_ {
        self.range(0..self.len())
    }

    /// Customer `index` with its interactions.
    pub fn customer(&self, index: usize) -> DemoCustomer {
        let (created_ms, id) = self.created_and_id(index);
        let mut rng = self.rng(index, 1);
        let city = *pick(&mut rng, &CITIES);
        let block_company = index - slot(index);
        let mut c = Customer::new(id, "", created_ms);
        c.city = city.to_string();
        c.source = pick(&mut rng, &SOURCES).to_string();
        c.owner = "demo".to_string();
        let n_tags = rng.random_range(0..3);
        for _ in 0..n_tags {
            let tag = pick(&mut rng, &TAGS).to_string();
            if !c.tags.contains(&tag) {
                c.tags.push(tag);
            }
        }
        match slot(index) {
            0 => {
                c.kind = CustomerKind::Company;
                c.name = self.company_name(index);
                c.contracted = rng.random_bool(0.5);
                c.phone = format!(
                    "0{}-{}",
                    rng.random_range(10..999),
                    rng.random_range(10_000_000..99_999_999)
                );
                c.email = format!("info{index}@example.com");
            }
            s => {
                let western = rng.random_bool(0.15);
                let (name, local) = if western {
                    let first = *pick(&mut rng, &WESTERN_FIRST);
                    let last = *pick(&mut rng, &WESTERN_LAST);
                    (
                        format!("{first} {last}"),
                        format!("{}.{}", first.to_lowercase(), last.to_lowercase()),
                    )
                } else {
                    let (sn, sp) = *pick(&mut rng, &SURNAMES);
                    let (gn, gp) = *pick(&mut rng, &GIVEN);
                    (format!("{sn}{gn}"), format!("{sp}.{gp}"))
                };
                c.name = name;
                c.email = format!(
                    "{local}{index}@example.{}",
                    if western { "com" } else { "cn" }
                );
                c.phone = format!(
                    "{}1{}{:09}",
                    if rng.random_bool(0.3) { "+86 " } else { "" },
                    rng.random_range(3..10),
                    rng.random_range(0..1_000_000_000u64)
                );
                if rng.random_bool(0.3) {
                    let birth = NaiveDate::from_ymd_opt(
                        rng.random_range(1960..2002),
                        rng.random_range(1..13),
                        rng.random_range(1..29),
                    );
                    c.birthday = birth;
                }
                if rng.random_bool(0.2) {
                    c.preferences = pick(&mut rng, &PREFERENCES).to_string();
                }
                if s <= 3 {
                    c.company = self.company_name(block_company);
                    c.company_id = Some(self.customer_id(block_company));
                    c.title = pick(&mut rng, &TITLES).to_string();
                    c.buying_role = Some(BuyingRole::ALL[(s + index / 10) % BuyingRole::ALL.len()]);
                }
            }
        }
        let interactions = self.interactions(index, id, &mut rng);
        c.stage = if interactions
            .iter()
            .any(|i| i.kind == InteractionKind::Purchase)
        {
            if interactions
                .iter()
                .all(|i| (self.today - i.at.date()).num_days() > 180)
            {
                Stage::Dormant
            } else {
                Stage::Customer
            }
        } else if interactions.is_empty() {
            Stage::Lead
        } else {
            Stage::Prospect
        };
        DemoCustomer {
            customer: c,
            interactions,
        }
    }

    fn company_name(&self, index: usize) -> String {
        let mut crng = self.rng(index, 2);
        let city = *pick(&mut crng, &CITIES);
        format!(
            "{city}{}{}",
            pick(&mut crng, &COMPANY_WORDS),
            pick(&mut crng, &COMPANY_KINDS)
        )
    }

    fn at(&self, rng: &mut ChaCha8Rng, days_back: u64) -> NaiveDateTime {
        let date = self.today - Days::new(days_back);
        let time = NaiveTime::from_hms_opt(rng.random_range(8..20), rng.random_range(0..60), 0)
            .expect("valid time");
        date.and_time(time)
    }

    fn interactions(
        &self,
        index: usize,
        customer_id: Uuid,
        rng: &mut ChaCha8Rng,
    ) -> Vec<Interaction> {
        let count: usize = rng.random_range(0..=20);
        let mut out = Vec::with_capacity(count + 1);
        let base_ms = self.start_ms();
        for _ in 0..count {
            let days_back = rng.random_range(1..HISTORY_DAYS);
            let at = self.at(rng, days_back);
            let ms = base_ms + (HISTORY_DAYS - days_back) as i64 * 86_400_000;
            let kind = if rng.random_bool(0.3) {
                InteractionKind::Purchase
            } else {
                *pick(rng, &InteractionKind::ALL[..6])
            };
            let mut i = Interaction {
                id: uuid_v7(rng, ms),
                customer_id,
                kind,
                at,
                summary: String::new(),
                outcome: String::new(),
                amount_minor: None,
                currency: DEFAULT_CURRENCY.to_string(),
                items: None,
                next_visit: None,
                campaign_id: None,
                deleted: false,
            };
            match kind {
                InteractionKind::Purchase => {
                    let (summary, lo, hi, max_items) = *pick(rng, &PRODUCTS);
                    let items = rng.random_range(1..=max_items);
                    i.summary = summary.to_string();
                    i.items = Some(items);
                    i.amount_minor = Some(rng.random_range(lo..=hi) * 100 * items.min(3) as i64);
                }
                InteractionKind::Call => i.summary = pick(rng, &CALLS).to_string(),
                InteractionKind::Visit => i.summary = pick(rng, &VISITS).to_string(),
                InteractionKind::Meeting => i.summary = pick(rng, &MEETINGS).to_string(),
                InteractionKind::Email | InteractionKind::Wechat => {
                    i.summary = pick(rng, &MESSAGES).to_string()
                }
                InteractionKind::Note => i.summary = pick(rng, &NOTES).to_string(),
            }
            out.push(i);
        }
        // Follow-ups: due today, overdue, and upcoming in the next two weeks.
        let due = match index % 20 {
            7 | 11 => Some(self.today),
            13 => Some(self.today - Days::new(2)),
            17 => Some(self.today + Days::new(rng.random_range(1..14))),
            _ => None,
        };
        if let Some(due) = due {
            let days_back = rng.random_range(3..10);
            let at = self
                .at(rng, days_back)
                .min(due.and_time(NaiveTime::MIN) - chrono::Duration::days(1));
            out.push(Interaction {
                id: uuid_v7(
                    rng,
                    base_ms + (HISTORY_DAYS - days_back) as i64 * 86_400_000,
                ),
                customer_id,
                kind: InteractionKind::Call,
                at,
                summary: "约定回访".to_string(),
                outcome: "客户有意向，约下次拜访".to_string(),
                amount_minor: None,
                currency: DEFAULT_CURRENCY.to_string(),
                items: None,
                next_visit: Some(due),
                campaign_id: None,
                deleted: false,
            });
            // Nothing after the planning call may close the follow-up.
            out.retain(|i| i.next_visit.is_some() || i.at < at);
        }
        out.sort_by_key(|i| (i.at, i.id));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregates::Aggregates;
    use proptest::prelude::*;

    fn demo(size: Size) -> Demo {
        Demo::new(
            size,
            DEMO_SEED,
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        )
    }

    #[test]
    fn the_demo_set_has_the_promised_shape() {
        let d = demo(Size::S);
        let all: Vec<DemoCustomer> = d.all().collect();
        assert_eq!(all.len(), 500);
        let interactions: usize = all.iter().map(|c| c.interactions.len()).sum();
        assert!((4_500..=5_600).contains(&interactions), "{interactions}");
        let purchases = all
            .iter()
            .flat_map(|c| &c.interactions)
            .filter(|i| i.kind == InteractionKind::Purchase)
            .count();
        let share = purchases as f64 / interactions as f64;
        assert!((0.22..0.38).contains(&share), "{share}");
        let due_today = all
            .iter()
            .filter(|c| Aggregates::from_interactions(&c.interactions).next_visit == Some(d.today))
            .count();
        assert_eq!(due_today, 50);
        let companies = all
            .iter()
            .filter(|c| c.customer.kind == CustomerKind::Company)
            .count();
        assert_eq!(companies, 50);
        let contacts: Vec<&Customer> = all
            .iter()
            .map(|c| &c.customer)
            .filter(|c| c.company_id.is_some())
            .collect();
        assert_eq!(contacts.len(), 150);
        for contact in contacts {
            let company = all
                .iter()
                .find(|c| Some(c.customer.id) == contact.company_id)
                .unwrap();
            assert_eq!(company.customer.name, contact.company);
        }
        let oldest = all
            .iter()
            .flat_map(|c| &c.interactions)
            .map(|i| i.at.date())
            .min()
            .unwrap();
        assert!((d.today - oldest).num_days() > 500);
    }

    #[test]
    fn every_generated_record_passes_validation() {
        let d = demo(Size::S);
        for c in d.all() {
            let draft = c.customer.to_draft();
            assert_eq!(
                draft.apply(&c.customer, d.today).as_ref(),
                Ok(&c.customer),
                "{:?}",
                c.customer.name
            );
            assert!(c
                .interactions
                .iter()
                .all(|i| i.customer_id == c.customer.id && i.at.date() < d.today));
        }
    }

    #[test]
    fn ids_are_unique() {
        let d = demo(Size::S);
        let mut ids: Vec<Uuid> = Vec::new();
        for c in d.all() {
            ids.push(c.customer.id);
            ids.extend(c.interactions.iter().map(|i| i.id));
        }
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn generation_is_deterministic_and_random_access(seed in any::<u64>(), index in 0usize..500) {
            let a = Demo::new(Size::S, seed, NaiveDate::from_ymd_opt(2026, 1, 31).unwrap());
            let b = a.clone();
            prop_assert_eq!(a.customer(index), b.customer(index));
            prop_assert_eq!(a.range(index..index + 1).next().unwrap().customer.id, a.customer_id(index));
        }
    }
}
