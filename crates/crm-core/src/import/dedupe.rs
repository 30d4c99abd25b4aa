//! Duplicate detection: the keys two records of one real customer share (normalised
//! email, normalised phone, same name at the same company), candidate pairs across the
//! customer book through hash maps (no all-pairs comparison), and the check of an
//! import row against existing customers with the user's skip / fill / create choice.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::customer::Customer;
use crate::search::{normalise, phone_digits};

/// A key two customers share when they are probably the same person or company.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MatchKey {
    /// Same e-mail address (case and full-width forms ignored).
    Email { email: String },
    /// Same phone number (digits only, +86/0086/86 and a trunk 0 dropped).
    Phone { digits: String },
    /// Same name at the same company (both normalised, both non-empty).
    NameCompany { name: String, company: String },
}

/// Fewest digits a phone key needs: shorter numbers (extensions) are not identities.
pub const MIN_PHONE_KEY_DIGITS: usize = 7;

/// The e-mail key: trimmed, width-folded, lower case; `None` when not an address.
pub fn email_key(email: &str) -> Option<String> {
    let key = normalise(email).replace(' ', "");
    key.contains('@').then_some(key)
}

/// The phone key: [`phone_digits`] (which drops `+86` / `0086`), then a bare `86` before
/// a Chinese mobile (`8613800138000`) and a domestic trunk `0` (`021-…` vs
/// `+86 21 …`) dropped, so every way of writing one number gives one key.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits = phone_digits(phone);
    let digits = match digits.strip_prefix("86") {
        Some(rest) if rest.len() == 11 && rest.starts_with('1') => rest,
        _ => digits.as_str(),
    };
    let digits = match digits.strip_prefix('0') {
        Some(rest) if !rest.starts_with('0') => rest,
        _ => digits,
    };
    (digits.len() >= MIN_PHONE_KEY_DIGITS).then(|| digits.to_string())
}

/// Every key of a customer; none for a tombstone.
pub fn match_keys(c: &Customer) -> Vec<MatchKey> {
    let mut keys = Vec::new();
    if c.deleted {
        return keys;
    }
    if let Some(email) = email_key(&c.email) {
        keys.push(MatchKey::Email { email });
    }
    if let Some(digits) = phone_key(&c.phone) {
        keys.push(MatchKey::Phone { digits });
    }
    let (name, company) = (normalise(&c.name), normalise(&c.company));
    if !name.is_empty() && !company.is_empty() {
        keys.push(MatchKey::NameCompany { name, company });
    }
    keys
}

/// Two customers that look like one, with every key they share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicatePair {
    /// The smaller id of the two.
    pub a: Uuid,
    /// The larger id of the two.
    pub b: Uuid,
    /// Shared keys, strongest (e-mail) first.
    pub reasons: Vec<MatchKey>,
}

/// The Duplicates screen's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateReport {
    /// Candidate pairs: most reasons first, then by strongest reason, then by ids.
    pub pairs: Vec<DuplicatePair>,
    /// Keys shared by more than [`MAX_GROUP`] customers (a switchboard number, a shared
    /// `info@` address): not paired up, listed with their customer count instead.
    pub crowded: Vec<(MatchKey, usize)>,
}

/// Largest group of customers sharing one key that is still paired up (a group of n
/// gives n·(n−1)/2 pairs; bigger groups are a shared address, not duplicates).
pub const MAX_GROUP: usize = 20;

/// Finds candidate duplicate pairs in one pass over the customers plus one per shared
/// key: O(n + pairs), not O(n²). Tombstones are ignored. Deterministic for any input
/// order.
pub fn find_duplicates<'a>(customers: impl IntoIterator<Item = &'a Customer>) -> DuplicateReport {
    let mut groups: HashMap<MatchKey, Vec<Uuid>> = HashMap::new();
    for c in customers {
        for key in match_keys(c) {
            groups.entry(key).or_default().push(c.id);
        }
    }
    let mut pairs: HashMap<(Uuid, Uuid), Vec<MatchKey>> = HashMap::new();
    let mut crowded = Vec::new();
    for (key, mut ids) in groups {
        ids.sort();
        ids.dedup();
        if ids.len() > MAX_GROUP {
            crowded.push((key, ids.len()));
            continue;
        }
        for (i, a) in ids.iter().enumerate() {
            for b in &ids[i + 1..] {
                pairs.entry((*a, *b)).or_default().push(key.clone());
            }
        }
    }
    let mut pairs: Vec<DuplicatePair> = pairs
        .into_iter()
        .map(|((a, b), mut reasons)| {
            reasons.sort();
            DuplicatePair { a, b, reasons }
        })
        .collect();
    pairs.sort_by(|x, y| {
        y.reasons
            .len()
            .cmp(&x.reasons.len())
            .then_with(|| x.reasons.cmp(&y.reasons))
            .then_with(|| (x.a, x.b).cmp(&(y.a, y.b)))
    });
    crowded.sort();
    DuplicateReport { pairs, crowded }
}

/// An existing customer an incoming one matches, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateMatch {
    /// The existing customer.
    pub id: Uuid,
    /// The keys they share, strongest first.
    pub reasons: Vec<MatchKey>,
}

/// Existing customers by key, for checking import rows one by one. Insert each
/// imported customer too, so two rows of one file for the same person are caught.
#[derive(Debug, Clone, Default)]
pub struct DuplicateIndex {
    by_key: HashMap<MatchKey, Vec<Uuid>>,
}

impl DuplicateIndex {
    /// Indexes existing customers (tombstones ignored).
    pub fn new<'a>(customers: impl IntoIterator<Item = &'a Customer>) -> Self {
        let mut index = DuplicateIndex::default();
        for c in customers {
            index.insert(c);
        }
        index
    }

    /// Adds one customer.
    pub fn insert(&mut self, c: &Customer) {
        for key in match_keys(c) {
            let ids = self.by_key.entry(key).or_default();
            if !ids.contains(&c.id) {
                ids.push(c.id);
            }
        }
    }

    /// Existing customers `c` matches (not `c` itself): most shared keys first.
    pub fn matches(&self, c: &Customer) -> Vec<DuplicateMatch> {
        let mut found: HashMap<Uuid, Vec<MatchKey>> = HashMap::new();
        for key in match_keys(c) {
            for id in self.by_key.get(&key).into_iter().flatten() {
                if *id != c.id {
                    found.entry(*id).or_default().push(key.clone());
                }
            }
        }
        let mut found: Vec<DuplicateMatch> = found
            .into_iter()
            .map(|(id, mut reasons)| {
                reasons.sort();
                DuplicateMatch { id, reasons }
            })
            .collect();
        found.sort_by(|x, y| {
            y.reasons
                .len()
                .cmp(&x.reasons.len())
                .then_with(|| x.reasons.cmp(&y.reasons))
                .then_with(|| x.id.cmp(&y.id))
        });
        found
    }
}

/// What to do with an import row that matches an existing customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateAction {
    /// Do not import the row.
    #[default]
    Skip,
    /// Copy the row's values into the existing customer's empty fields only.
    UpdateEmptyFields,
    /// Import the row as a new customer anyway.
    CreateAnyway,
}

/// The existing customer with its empty fields filled from `incoming` (non-empty values
/// are never overwritten; kind and stage always have a value and are kept). The store
/// turns the difference into ordinary field changes with `change::field_diff`.
pub fn fill_empty_fields(existing: &Customer, incoming: &Customer) -> Customer {
    let mut out = existing.clone();
    for (target, source) in [
        (&mut out.name, &incoming.name),
        (&mut out.company, &incoming.company),
        (&mut out.title, &incoming.title),
        (&mut out.email, &incoming.email),
        (&mut out.phone, &incoming.phone),
        (&mut out.city, &incoming.city),
        (&mut out.source, &incoming.source),
        (&mut out.owner, &incoming.owner),
        (&mut out.preferences, &incoming.preferences),
        (&mut out.notes, &incoming.notes),
    ] {
        if target.trim().is_empty() {
            target.clone_from(source);
        }
    }
    if out.tags.is_empty() {
        out.tags.clone_from(&incoming.tags);
    }
    out.birthday = out.birthday.or(incoming.birthday);
    out.company_id = out.company_id.or(incoming.company_id);
    out.buying_role = out.buying_role.or(incoming.buying_role);
    out.contracted |= incoming.contracted;
    out
}
