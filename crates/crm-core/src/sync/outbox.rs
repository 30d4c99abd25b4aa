//! The engine's view of the outbox (pending local changes in push order) and of pushed
//! changes not yet seen back in a pull: the two places a local write can lose to a
//! pulled one, and the re-stamping after `clock_skew`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::{
    change::Change,
    hlc::{Clock, Hlc, MAX_WALL_MS},
};

use super::types::{key_of, Key, Pending, Restamp};

/// Pending changes in push order plus pushed-but-unconfirmed ones.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outbox {
    pending: VecDeque<Pending>,
    next_seq: u64,
    /// Latest pushed change per register since the last completed pull, to tell the
    /// user when a write the server acknowledged turns out to have lost.
    unconfirmed: BTreeMap<Key, Change>,
}

/// What a pulled page did to the local writes.
#[derive(Debug, Default)]
pub(crate) struct PullEffects {
    /// Outbox entries that lost to a pulled change.
    pub removed: Vec<u64>,
    /// (local, winner) pairs where the latest local value of a register lost.
    pub lost: Vec<(Change, Change)>,
}

impl Outbox {
    pub fn new(mut pending: Vec<Pending>) -> Self {
        pending.sort_by_key(|p| p.seq);
        let next_seq = pending.last().map_or(1, |p| p.seq + 1);
        Outbox {
            pending: pending.into(),
            next_seq,
            unconfirmed: BTreeMap::new(),
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

    /// Removes entries the server answered for; with `confirmed_later` they are
    /// remembered until a pull shows whether they won.
    pub fn remove(&mut self, seqs: &[u64], acknowledged: bool) -> Vec<Change> {
        let set: BTreeSet<u64> = seqs.iter().copied().collect();
        let mut removed = Vec::new();
        self.pending.retain(|p| {
            let gone = set.contains(&p.seq);
            if gone {
                removed.push(p.change.clone());
            }
            !gone
        });
        if acknowledged {
            for c in &removed {
                let k = key_of(c);
                match self.unconfirmed.get(&k) {
                    Some(old) if old.hlc >= c.hlc => {}
                    _ => {
                        self.unconfirmed.insert(k, c.clone());
                    }
                }
            }
        }
        removed
    }

    /// Forgets unconfirmed pushes (a full pull completed).
    pub fn clear_unconfirmed(&mut self) {
        self.unconfirmed.clear();
    }

    /// Applies one pulled page: entries beaten by a pulled change leave the outbox; the
    /// latest local value of each register that lost is reported (unless equal to the
    /// winner, which loses nothing the user could see).
    pub fn pulled(&mut self, changes: &[Change]) -> PullEffects {
        let mut effects = PullEffects::default();
        if self.pending.is_empty() && self.unconfirmed.is_empty() {
            return effects;
        }
        let mut by_key: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
        for (i, p) in self.pending.iter().enumerate() {
            by_key.entry(key_of(&p.change)).or_default().push(i);
        }
        let mut removed = BTreeSet::new();
        for winner in changes {
            let k = key_of(winner);
            let mut latest_lost: Option<Change> = None;
            let mut survivor = false;
            if let Some(indices) = by_key.get_mut(&k) {
                let pending = &self.pending;
                indices.retain(|&i| {
                    let p = &pending[i];
                    if p.change.hlc < winner.hlc {
                        removed.insert(p.seq);
                        if latest_lost.as_ref().is_none_or(|l| l.hlc < p.change.hlc) {
                            latest_lost = Some(p.change.clone());
                        }
                        false
                    } else {
                        survivor = true;
                        true
                    }
                });
            }
            if let Some(pushed) = self.unconfirmed.get(&k) {
                if pushed.hlc <= winner.hlc {
                    let pushed = self.unconfirmed.remove(&k).expect("present");
                    if pushed.hlc < winner.hlc
                        && latest_lost.as_ref().is_none_or(|l| l.hlc < pushed.hlc)
                    {
                        latest_lost = Some(pushed);
                    }
                }
            }
            if let Some(local) = latest_lost.filter(|l| !survivor && l.value != winner.value) {
                effects.lost.push((local, winner.clone()));
            }
        }
        if !removed.is_empty() {
            self.pending.retain(|p| !removed.contains(&p.seq));
            effects.removed = removed.into_iter().collect();
        }
        effects
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
