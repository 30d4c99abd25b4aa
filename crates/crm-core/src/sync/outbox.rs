//! The engine's view of the outbox (pending local changes in push order): entries a
//! pulled change beats leave it, and `clock_skew` re-stamps it. Whether a beaten local
//! value goes to the conflict log is the store's call (`merge::lost_write`), since a
//! value can lose long after it left the outbox.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::{
    change::Change,
    hlc::{Clock, Hlc, MAX_WALL_MS},
};

use super::types::{key_of, Key, Pending, Restamp};

/// Pending changes in push order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outbox {
    pending: VecDeque<Pending>,
    next_seq: u64,
}

impl Outbox {
    pub fn new(mut pending: Vec<Pending>) -> Self {
        pending.sort_by_key(|p| p.seq);
        let next_seq = pending.last().map_or(1, |p| p.seq + 1);
        Outbox {
            pending: pending.into(),
            next_seq,
        }
    }

    pub fn entries(&self) -> &VecDeque<Pending> {
        &self.pending
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Appends a new local change with the next sequence number.
    pub fn push(&mut self, change: Change) -> Pending {
        let p = Pending {
            seq: self.next_seq,
            change,
        };
        self.next_seq += 1;
        self.pending.push_back(p.clone());
        p
    }

    /// The oldest `n` entries.
    pub fn head(&self, n: usize) -> Vec<Pending> {
        self.pending.iter().take(n).cloned().collect()
    }

    /// Position of an entry.
    pub fn get(&self, seq: u64) -> Option<&Pending> {
        self.pending.iter().find(|p| p.seq == seq)
    }

    /// Removes entries (the server answered for them, or refused them for good) and
    /// returns their changes.
    pub fn remove(&mut self, seqs: &[u64]) -> Vec<Change> {
        let set: BTreeSet<u64> = seqs.iter().copied().collect();
        let mut removed = Vec::new();
        self.pending.retain(|p| {
            let gone = set.contains(&p.seq);
            if gone {
                removed.push(p.change.clone());
            }
            !gone
        });
        removed
    }

    /// Applies one pulled page: entries beaten by a pulled change of the same register
    /// (a larger HLC) leave the outbox; returns their sequence numbers.
    pub fn pulled(&mut self, changes: &[Change]) -> Vec<u64> {
        if self.pending.is_empty() {
            return Vec::new();
        }
        let mut newest: BTreeMap<Key, Hlc> = BTreeMap::new();
        for c in changes {
            let hlc = newest.entry(key_of(c)).or_insert(c.hlc);
            *hlc = (*hlc).max(c.hlc);
        }
        let mut removed = Vec::new();
        self.pending.retain(|p| {
            let beaten = newest
                .get(&key_of(&p.change))
                .is_some_and(|&winner| p.change.hlc < winner);
            if beaten {
                removed.push(p.seq);
            }
            !beaten
        });
        removed
    }

    /// After a `clock_skew` refusal: the clock is corrected, then every entry from the
    /// first one stamped ahead of the corrected clock onwards gets a new HLC, in the
    /// order of the old ones (one edit's changes keep sharing one HLC). New stamps are
    /// after `floor` (everything the server has accepted from or sent to this client)
    /// and after the entries left alone, so local order and causality hold.
    pub fn restamp(&mut self, clock: &mut Clock, now: u64, floor: Hlc) -> Vec<Restamp> {
        clock.rewind_to_corrected(now);
        let corrected = (now as i64)
            .saturating_add(clock.offset_ms)
            .clamp(0, MAX_WALL_MS as i64) as u64;
        let Some(first) = self
            .pending
            .iter()
            .position(|p| p.change.hlc.wall_ms > corrected)
        else {
            return Vec::new();
        };
        let keep_floor = self
            .pending
            .iter()
            .take(first)
            .map(|p| p.change.hlc)
            .max()
            .unwrap_or_default()
            .max(floor);
        if keep_floor >= clock.last {
            clock.receive(keep_floor, now);
        }
        let olds: BTreeSet<Hlc> = self
            .pending
            .iter()
            .skip(first)
            .map(|p| p.change.hlc)
            .collect();
        let new_of: BTreeMap<Hlc, Hlc> =
            olds.into_iter().map(|old| (old, clock.tick(now))).collect();
        self.pending
            .iter_mut()
            .skip(first)
            .map(|p| {
                let old = p.change.hlc;
                p.change.hlc = new_of[&old];
                Restamp {
                    seq: p.seq,
                    old,
                    change: p.change.clone(),
                }
            })
            .collect()
    }
}
