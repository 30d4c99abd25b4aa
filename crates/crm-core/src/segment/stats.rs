//! Per-customer interaction counts by kind and the first interaction's time: what rule
//! conditions ("at least 3 visits") and the "new" lifecycle label need that
//! [`Aggregates`](crate::aggregates::Aggregates) does not keep. The store keeps one per
//! customer current on every write, like the aggregates, so segmentation never scans
//! interactions.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::interaction::{Interaction, InteractionKind};

/// Interaction counts by kind (all time) and the earliest interaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InteractionStats {
    pub first_at: Option<NaiveDateTime>,
    pub calls: u32,
    pub visits: u32,
    pub emails: u32,
    pub wechats: u32,
    pub meetings: u32,
    pub notes: u32,
    pub purchases: u32,
}

impl InteractionStats {
    /// Recomputes from a customer's interactions (any order; tombstoned ones ignored).
    pub fn from_interactions<'a>(items: impl IntoIterator<Item = &'a Interaction>) -> Self {
        let mut stats = InteractionStats::default();
        for i in items {
            stats.add(i);
        }
        stats
    }

    /// Folds in one more interaction; exact in any order. Edits and deletes recompute.
    pub fn add(&mut self, i: &Interaction) {
        if i.deleted {
            return;
        }
        self.first_at = Some(self.first_at.map_or(i.at, |first| first.min(i.at)));
        *self.slot(i.kind) += 1;
    }

    fn slot(&mut self, kind: InteractionKind) -> &mut u32 {
        match kind {
            InteractionKind::Call => &mut self.calls,
            InteractionKind::Visit => &mut self.visits,
            InteractionKind::Email => &mut self.emails,
            InteractionKind::Wechat => &mut self.wechats,
            InteractionKind::Meeting => &mut self.meetings,
            InteractionKind::Note => &mut self.notes,
            InteractionKind::Purchase => &mut self.purchases,
        }
    }

    /// Interactions of one kind.
    pub fn count(&self, kind: InteractionKind) -> u32 {
        let mut copy = *self;
        *copy.slot(kind)
    }

    /// Counts in [`InteractionKind::ALL`] order (the columns' layout).
    pub fn by_kind(&self) -> [u32; 7] {
        [
            self.calls,
            self.visits,
            self.emails,
            self.wechats,
            self.meetings,
            self.notes,
            self.purchases,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use uuid::Uuid;

    fn interaction(kind: InteractionKind, day: u32) -> Interaction {
        Interaction {
            id: Uuid::from_u128(day as u128),
            customer_id: Uuid::nil(),
            kind,
            at: NaiveDate::from_ymd_opt(2026, 11, day)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            summary: String::new(),
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
    fn counts_by_kind_and_first_time_in_any_order() {
        let mut gone = interaction(InteractionKind::Call, 1);
        gone.deleted = true;
        let list = [
            interaction(InteractionKind::Visit, 9),
            interaction(InteractionKind::Visit, 3),
            interaction(InteractionKind::Purchase, 5),
            gone,
        ];
        let s = InteractionStats::from_interactions(&list);
        assert_eq!(s.visits, 2);
        assert_eq!(s.count(InteractionKind::Purchase), 1);
        assert_eq!(s.count(InteractionKind::Call), 0);
        assert_eq!(s.by_kind(), [0, 2, 0, 0, 0, 0, 1]);
        for (kind, count) in InteractionKind::ALL.into_iter().zip(s.by_kind()) {
            assert_eq!(s.count(kind), count, "{kind:?}");
        }
        assert_eq!(s.first_at, Some(list[1].at));
        let json = serde_json::to_value(s).unwrap();
        assert_eq!(json["visits"], 2);
        assert_eq!(serde_json::from_value::<InteractionStats>(json).unwrap(), s);
        assert_eq!(
            InteractionStats::from_interactions([]),
            InteractionStats::default()
        );
    }
}
