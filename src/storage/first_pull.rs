//! What a first pull has stored so far. A device whose timeline and customer book were
//! empty when its first pull began holds nothing the pull did not bring (its own new
//! records cannot come back before it pushes them), so the pull skips every read that
//! would only find nothing: the index lookup of a pulled interaction, the read of a
//! customer record, the read of a customer's timeline blocks. Each costs main-thread
//! time and a trip to the browser's storage process, a million times for a large account.
//!
//! Ends at the first completed sync, at any push and at any bulk write (import, restore,
//! demo data); from then on everything is read as usual.

use std::{cell::RefCell, collections::HashSet, rc::Rc};

use uuid::Uuid;

/// The ids stored by the running first pull.
#[derive(Default)]
struct Seen {
    interactions: HashSet<Uuid>,
    records: HashSet<Uuid>,
    blocks: HashSet<Uuid>,
}

/// Which kind of stored thing a question is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// An interaction (in some customer's blocks).
    Interaction,
    /// A customer record.
    Record,
    /// A customer's timeline blocks.
    Blocks,
}

/// Shared by every clone of the store (the app has one database).
#[derive(Clone, Default)]
pub struct FirstPull(Rc<RefCell<Option<Seen>>>);

impl FirstPull {
    /// Begins tracking (the caller has checked that nothing is stored and no cursor is).
    pub fn start(&self) {
        *self.0.borrow_mut() = Some(Seen::default());
    }

    /// Stops tracking and frees the sets.
    pub fn stop(&self) {
        *self.0.borrow_mut() = None;
    }

    /// Whether a first pull is being tracked.
    pub fn active(&self) -> bool {
        self.0.borrow().is_some()
    }

    /// Whether `id` may be stored already and must be read.
    pub fn may_hold(&self, what: Stored, id: Uuid) -> bool {
        self.0
            .borrow()
            .as_ref()
            .is_none_or(|seen| seen.set(what).contains(&id))
    }

    /// Notes what the pull just stored.
    pub fn stored(&self, what: Stored, ids: impl IntoIterator<Item = Uuid>) {
        if let Some(seen) = self.0.borrow_mut().as_mut() {
            seen.set_mut(what).extend(ids);
        }
    }
}

impl Seen {
    fn set(&self, what: Stored) -> &HashSet<Uuid> {
        match what {
            Stored::Interaction => &self.interactions,
            Stored::Record => &self.records,
            Stored::Blocks => &self.blocks,
        }
    }

    fn set_mut(&mut self, what: Stored) -> &mut HashSet<Uuid> {
        match what {
            Stored::Interaction => &mut self.interactions,
            Stored::Record => &mut self.records,
            Stored::Blocks => &mut self.blocks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn every_id_may_be_stored_unless_a_first_pull_is_tracked() {
        let first = FirstPull::default();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(first.may_hold(Stored::Interaction, a));
        first.start();
        assert!(!first.may_hold(Stored::Interaction, a));
        first.stored(Stored::Interaction, [a]);
        assert!(first.may_hold(Stored::Interaction, a));
        assert!(
            !first.may_hold(Stored::Record, a),
            "kinds are tracked apart"
        );
        assert!(!first.may_hold(Stored::Interaction, b));
        first.clone().stop();
        assert!(
            first.may_hold(Stored::Interaction, b),
            "clones share the state"
        );
    }
}
