//! [`SegmentColumns`]: customers and aggregates turned into one vector per attribute, built
//! once, with RFM, pyramid, VIP and lifecycle derived as of a date. Rules then scan only the
//! columns they name (see `eval.rs`), which is what keeps 100k customers in milliseconds.

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::lifecycle::{first_seen_day, Lifecycle};
use super::period::{totals, MonthRange};
use super::pyramid::{self, PyramidLevel, PyramidSummary};
use super::rfm::{day, Rfm, RfmScorer, Tier};
use super::stats::InteractionStats;
use super::text::{CodeColumn, Interner, TagColumn, TextColumn};
use super::SegmentSettings;
use crate::aggregates::{Aggregates, MonthBucket};
use crate::customer::{Customer, CustomerKind, Stage};
use crate::interaction::InteractionKind;

/// One customer as segmentation reads it. `stats` may be absent while the store does not
/// keep [`InteractionStats`] yet: counts by kind (other than purchases) are then 0 and the
/// "new" label falls back to the record's creation date.
#[derive(Debug, Clone, Copy)]
pub struct CustomerRow<'a> {
    pub customer: &'a Customer,
    pub aggregates: &'a Aggregates,
    pub stats: Option<&'a InteractionStats>,
}

/// Sentinel day number for "never" in the date columns.
pub(crate) const NEVER: i32 = i32::MIN;

// Hot per-customer helper: inlined even at the bundle's opt-level "z".
#[inline(always)]
fn opt_day(d: i32) -> Option<i32> {
    (d != NEVER).then_some(d)
}

/// Customer counts per tier, in [`Tier::ALL`] order.
pub type TierCounts = [usize; 5];

/// Everything the dashboard shows about the whole book, in one serialisable value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentSummary {
    pub customers: usize,
    /// In [`Tier::ALL`] order.
    pub tiers: TierCounts,
    pub pyramid: PyramidSummary,
    pub vip: usize,
    /// In [`Lifecycle::ALL`] order.
    pub lifecycle: [usize; 3],
}

/// Columnar view of the customer book for segmentation. Index `i` is the `i`-th live
/// (not deleted) row passed to [`SegmentColumns::build`]; [`SegmentColumns::ids`] maps it
/// back to the customer.
#[derive(Debug, Clone)]
pub struct SegmentColumns {
    // --- From customers and aggregates (fixed until rebuilt).
    pub(crate) ids: Vec<Uuid>,
    pub(crate) kind: Vec<CustomerKind>,
    pub(crate) stage: Vec<Stage>,
    pub(crate) name: TextColumn,
    pub(crate) company: TextColumn,
    pub(crate) title: TextColumn,
    pub(crate) email: TextColumn,
    pub(crate) phone: TextColumn,
    /// Folded copies of the five text columns above, made on first use by a condition.
    pub(crate) folded: [OnceLock<TextColumn>; 5],
    pub(crate) city: CodeColumn,
    pub(crate) source: CodeColumn,
    pub(crate) owner: CodeColumn,
    pub(crate) tags: TagColumn,
    pub(crate) interactions: Vec<u32>,
    /// In [`InteractionKind::ALL`] order.
    pub(crate) kind_counts: Vec<[u32; 7]>,
    pub(crate) last_contact: Vec<i32>,
    pub(crate) last_purchase: Vec<i32>,
    pub(crate) first_seen: Vec<i32>,
    pub(crate) bucket_ends: Vec<u32>,
    pub(crate) buckets: Vec<MonthBucket>,
    // --- Derived as of `today` with `settings` (see `recompute`).
    pub(crate) today: NaiveDate,
    pub(crate) today_day: i32,
    pub(crate) settings: SegmentSettings,
    pub(crate) rfm: Vec<[u8; 3]>,
    pub(crate) score: Vec<u32>,
    pub(crate) tier: Vec<Tier>,
    pub(crate) pyramid_range: MonthRange,
    pub(crate) pyramid_spend: Vec<i64>,
    pub(crate) pyramid: Vec<PyramidLevel>,
    pub(crate) summary: SegmentSummary,
    pub(crate) vip: Vec<bool>,
    pub(crate) lifecycle: Vec<Lifecycle>,
}

impl SegmentColumns {
    /// Builds the columns from every row (deleted customers are left out) and derives
    /// the scores as of `today`. Never fails: invalid settings give odd scores, so check
    /// them with [`SegmentSettings::validate`] where the user edits them.
    pub fn build<'a>(
        rows: impl IntoIterator<Item = CustomerRow<'a>>,
        today: NaiveDate,
        settings: &SegmentSettings,
    ) -> Self {
        let rows = rows.into_iter();
        let cap = rows.size_hint().0;
        let mut ids = Vec::with_capacity(cap);
        let mut kind = Vec::with_capacity(cap);
        let mut stage = Vec::with_capacity(cap);
        let [mut name, mut company, mut title, mut email, mut phone] =
            [(); 5].map(|_| TextColumn::with_capacity(cap));
        let [mut city, mut source, mut owner, mut tag_names] = [(); 4].map(|_| Interner::new());
        let [mut city_codes, mut source_codes, mut owner_codes, mut tag_ends] =
            [(); 4].map(|_| Vec::with_capacity(cap));
        let mut tag_ids = Vec::with_capacity(cap * 2);
        let mut interactions = Vec::with_capacity(cap);
        let mut kind_counts = Vec::with_capacity(cap);
        let [mut last_contact, mut last_purchase, mut first_seen] =
            [(); 3].map(|_| Vec::with_capacity(cap));
        let mut bucket_ends = Vec::with_capacity(cap);
        let mut buckets = Vec::with_capacity(cap * 4);
        for row in rows {
            let c = row.customer;
            if c.deleted {
                continue;
            }
            let a = row.aggregates;
            ids.push(c.id);
            kind.push(c.kind);
            stage.push(c.stage);
            name.push(&c.name);
            company.push(&c.company);
            title.push(&c.title);
            email.push(&c.email);
            phone.push(&c.phone);
            city_codes.push(city.intern(&c.city));
            source_codes.push(source.intern(&c.source));
            owner_codes.push(owner.intern(&c.owner));
            tag_ids.extend(c.tags.iter().map(|t| tag_names.intern(t)));
            tag_ends.push(tag_ids.len() as u32);
            interactions.push(a.interactions);
            let mut counts = row.stats.map_or([0; 7], InteractionStats::by_kind);
            counts[InteractionKind::Purchase as usize] = a.purchases;
            kind_counts.push(counts);
            last_contact.push(a.last_contact.map_or(NEVER, |t| day(t.date())));
            last_purchase.push(a.last_purchase.map_or(NEVER, |t| day(t.date())));
            first_seen.push(first_seen_day(c, row.stats).unwrap_or(NEVER));
            buckets.extend_from_slice(&a.months);
            bucket_ends.push(buckets.len() as u32);
        }
        let n = ids.len();
        let mut columns = SegmentColumns {
            ids,
            kind,
            stage,
            name,
            company,
            title,
            email,
            phone,
            folded: Default::default(),
            city: CodeColumn {
                dict: city.finish(),
                codes: city_codes,
            },
            source: CodeColumn {
                dict: source.finish(),
                codes: source_codes,
            },
            owner: CodeColumn {
                dict: owner.finish(),
                codes: owner_codes,
            },
            tags: TagColumn {
                dict: tag_names.finish(),
                ends: tag_ends,
                ids: tag_ids,
            },
            interactions,
            kind_counts,
            last_contact,
            last_purchase,
            first_seen,
            bucket_ends,
            buckets,
            today,
            today_day: day(today),
            settings: settings.clone(),
            rfm: Vec::with_capacity(n),
            score: Vec::with_capacity(n),
            tier: Vec::with_capacity(n),
            pyramid_range: MonthRange::ALL,
            pyramid_spend: Vec::with_capacity(n),
            pyramid: Vec::new(),
            summary: SegmentSummary {
                customers: n,
                tiers: [0; 5],
                pyramid: PyramidSummary::default(),
                vip: 0,
                lifecycle: [0; 3],
            },
            vip: Vec::with_capacity(n),
            lifecycle: Vec::with_capacity(n),
        };
        columns.recompute(today, settings);
        columns
    }

    /// Re-derives RFM, pyramid, VIP and lifecycle for another date or other settings,
    /// without touching the customer columns (the RFM settings screen's live preview).
    pub fn recompute(&mut self, today: NaiveDate, settings: &SegmentSettings) {
        let n = self.len();
        self.today = today;
        self.today_day = day(today);
        self.settings = settings.clone();
        let scorer = RfmScorer::new(today, &settings.rfm);
        let vip_window = settings.vip.window(today);
        self.pyramid_range = settings.pyramid.period.resolve(today);
        // Taken out and put back so the loop can read the customer columns meanwhile;
        // their capacity is reused. Filled by index: plain slice writes stay cheap even
        // at the bundle's opt-level "z", where `Vec::push` is a call.
        let mut rfm = std::mem::take(&mut self.rfm);
        let mut scores = std::mem::take(&mut self.score);
        let mut tiers = std::mem::take(&mut self.tier);
        let mut spends = std::mem::take(&mut self.pyramid_spend);
        let mut vips = std::mem::take(&mut self.vip);
        let mut labels = std::mem::take(&mut self.lifecycle);
        rfm.resize(n, [0; 3]);
        scores.resize(n, 0);
        tiers.resize(n, Tier::NoPurchases);
        spends.resize(n, 0);
        vips.resize(n, false);
        labels.resize(n, Lifecycle::Dormant);
        let mut summary = SegmentSummary {
            customers: n,
            tiers: [0; 5],
            pyramid: PyramidSummary::default(),
            vip: 0,
            lifecycle: [0; 3],
        };
        // The three periods are usually the same year: sum it once then.
        let rfm_window = scorer.window();
        let vip_same = vip_window == rfm_window;
        let pyramid_same = self.pyramid_range == rfm_window;
        let (ends, buckets) = (&self.bucket_ends[..], &self.buckets[..]);
        let (last_purchase, first_seen, last_contact) = (
            &self.last_purchase[..],
            &self.first_seen[..],
            &self.last_contact[..],
        );
        let mut start = 0;
        for i in 0..n {
            let end = ends[i] as usize;
            let b = &buckets[start..end];
            start = end;
            let year = totals(b, rfm_window);
            let (parts, score, tier) = match scorer.score_totals(opt_day(last_purchase[i]), year, b)
            {
                Some(r) => ([r.r, r.f, r.m], r.score, r.tier),
                None => ([0; 3], 0, Tier::NoPurchases),
            };
            rfm[i] = parts;
            scores[i] = score;
            tiers[i] = tier;
            summary.tiers[tier as usize] += 1;
            let vip_totals = if vip_same {
                year
            } else {
                totals(b, vip_window)
            };
            let vip = settings.vip.qualifies(&vip_totals);
            vips[i] = vip;
            summary.vip += vip as usize;
            spends[i] = if pyramid_same {
                year.spend_minor
            } else {
                totals(b, self.pyramid_range).spend_minor
            };
            let label = settings.lifecycle.classify_days(
                opt_day(first_seen[i]),
                opt_day(last_contact[i]),
                self.today_day,
            );
            labels[i] = label;
            summary.lifecycle[label as usize] += 1;
        }
        self.rfm = rfm;
        self.score = scores;
        self.tier = tiers;
        self.pyramid_spend = spends;
        self.vip = vips;
        self.lifecycle = labels;
        let (levels, pyramid) = pyramid::classify(&self.pyramid_spend, &settings.pyramid);
        self.pyramid = levels;
        summary.pyramid = pyramid;
        self.summary = summary;
    }

    // Hot per-customer helper: inlined even at the bundle's opt-level "z".
    #[inline(always)]
    pub(crate) fn buckets_of(&self, i: usize) -> &[MonthBucket] {
        let start = if i == 0 {
            0
        } else {
            self.bucket_ends[i - 1] as usize
        };
        &self.buckets[start..self.bucket_ends[i] as usize]
    }

    /// Number of customers (live rows).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no customers at all.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Customer id of each index (member indices map back through this).
    pub fn ids(&self) -> &[Uuid] {
        &self.ids
    }

    /// The date the scores are derived for.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// The settings the scores are derived with.
    pub fn settings(&self) -> &SegmentSettings {
        &self.settings
    }

    /// RFM of customer `i` (`None`: no purchase in the window).
    pub fn rfm(&self, i: usize) -> Option<Rfm> {
        let tier = self.tier[i];
        (tier != Tier::NoPurchases).then(|| {
            let [r, f, m] = self.rfm[i];
            Rfm {
                r,
                f,
                m,
                score: self.score[i],
                tier,
            }
        })
    }

    /// Tier of every customer, by index.
    pub fn tiers(&self) -> &[Tier] {
        &self.tier
    }

    /// Pyramid level of every customer, by index.
    pub fn pyramid_levels(&self) -> &[PyramidLevel] {
        &self.pyramid
    }

    /// Spend of customer `i` in the pyramid's period, in minor units.
    pub fn pyramid_spend_minor(&self, i: usize) -> i64 {
        self.pyramid_spend[i]
    }

    /// Whether customer `i` meets the VIP rule.
    pub fn is_vip(&self, i: usize) -> bool {
        self.vip[i]
    }

    /// Lifecycle label of every customer, by index.
    pub fn lifecycles(&self) -> &[Lifecycle] {
        &self.lifecycle
    }

    /// Whole days since customer `i` was last contacted (`None`: never).
    pub fn days_since_contact(&self, i: usize) -> Option<i64> {
        opt_day(self.last_contact[i]).map(|d| self.today_day as i64 - d as i64)
    }

    /// Customer ids of a segment's members (what a saved segment's member list shows).
    pub fn member_ids(&self, members: &super::Bitset) -> Vec<Uuid> {
        members.iter().map(|i| self.ids[i]).collect()
    }

    /// Tier counts, pyramid, VIPs and lifecycle counts of the whole book.
    pub fn summary(&self) -> &SegmentSummary {
        &self.summary
    }
}
