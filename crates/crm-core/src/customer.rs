//! Customers: people and companies, with the fields the source documents ask for
//! (contacts with buying roles, lifecycle stage, preferences, contracted flag).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::{self, Errors, FieldError, Problem, LONG_MAX, SHORT_MAX};

/// A customer is a person (traveller, guest, shipper) or a company (an account).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    #[default]
    Person,
    Company,
}

/// Lifecycle stage of a customer relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    #[default]
    Lead,
    Prospect,
    Customer,
    Dormant,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::Lead,
        Stage::Prospect,
        Stage::Customer,
        Stage::Dormant,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Lead => "lead",
            Stage::Prospect => "prospect",
            Stage::Customer => "customer",
            Stage::Dormant => "dormant",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The role a company contact plays in a purchase decision (the textbook's buying centre).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuyingRole {
    Initiator,
    User,
    Influencer,
    Buyer,
    Gatekeeper,
    Decider,
}

impl BuyingRole {
    pub const ALL: [BuyingRole; 6] = [
        BuyingRole::Initiator,
        BuyingRole::User,
        BuyingRole::Influencer,
        BuyingRole::Buyer,
        BuyingRole::Gatekeeper,
        BuyingRole::Decider,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            BuyingRole::Initiator => "initiator",
            BuyingRole::User => "user",
            BuyingRole::Influencer => "influencer",
            BuyingRole::Buyer => "buyer",
            BuyingRole::Gatekeeper => "gatekeeper",
            BuyingRole::Decider => "decider",
        }
    }
    pub fn parse(s: &str) -> Option<BuyingRole> {
        BuyingRole::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One customer record as it is stored and synced. Every field is one LWW register
/// in the sync contract; `_deleted` is the tombstone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: Uuid,
    #[serde(default)]
    pub kind: CustomerKind,
    /// Defaults to empty so a record whose fields arrive over several pull pages can
    /// be stored before its name arrives.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub company: String,
    /// For a contact: the company customer it belongs to.
    #[serde(default)]
    pub company_id: Option<Uuid>,
    #[serde(default)]
    pub buying_role: Option<BuyingRole>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub stage: Stage,
    #[serde(default)]
    pub birthday: Option<NaiveDate>,
    #[serde(default)]
    pub preferences: String,
    #[serde(default)]
    pub contracted: bool,
    /// Card / membership expiry date (a care reminder falls due on it).
    #[serde(default)]
    pub membership_expires: Option<NaiveDate>,
    #[serde(default)]
    pub notes: String,
    /// Creation time, ms since the Unix epoch (passed in by the shell).
    #[serde(default)]
    pub created_ms: i64,
    /// Set on the customer retired by a duplicate merge: the survivor's id.
    #[serde(default)]
    pub merged_into: Option<Uuid>,
    #[serde(default, rename = "_deleted")]
    pub deleted: bool,
}

impl Customer {
    /// An empty customer with just an id and a name: the base a draft is applied to.
    pub fn new(id: Uuid, name: impl Into<String>, created_ms: i64) -> Self {
        Customer {
            id,
            kind: CustomerKind::Person,
            name: name.into(),
            company: String::new(),
            company_id: None,
            buying_role: None,
            title: String::new(),
            email: String::new(),
            phone: String::new(),
            city: String::new(),
            source: String::new(),
            tags: Vec::new(),
            owner: String::new(),
            stage: Stage::Lead,
            birthday: None,
            preferences: String::new(),
            contracted: false,
            membership_expires: None,
            notes: String::new(),
            created_ms,
            merged_into: None,
            deleted: false,
        }
    }

    /// The form's view of this customer, for the prefilled Edit form.
    pub fn to_draft(&self) -> CustomerDraft {
        CustomerDraft {
            kind: self.kind,
            name: self.name.clone(),
            company: self.company.clone(),
            title: self.title.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            city: self.city.clone(),
            tags: self.tags.join(", "),
            stage: self.stage,
            birthday: self.birthday.map(|d| d.to_string()).unwrap_or_default(),
            preferences: self.preferences.clone(),
            notes: self.notes.clone(),
            company_id: self.company_id,
            buying_role: self.buying_role,
            contracted: self.contracted,
            membership_expires: self
                .membership_expires
                .map(|d| d.to_string())
                .unwrap_or_default(),
            owner: self.owner.clone(),
        }
    }
}

/// What the New/Edit customer form holds: raw text as typed, validated as a whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerDraft {
    pub kind: CustomerKind,
    pub name: String,
    pub company: String,
    pub title: String,
    pub email: String,
    pub phone: String,
    pub city: String,
    /// Comma-separated (ASCII or full-width commas, semicolons).
    pub tags: String,
    pub stage: Stage,
    /// `YYYY-MM-DD` or empty.
    pub birthday: String,
    pub preferences: String,
    pub notes: String,
    /// For a contact: the company customer it belongs to.
    #[serde(default)]
    pub company_id: Option<Uuid>,
    #[serde(default)]
    pub buying_role: Option<BuyingRole>,
    #[serde(default)]
    pub contracted: bool,
    /// `YYYY-MM-DD` or empty: card / membership expiry.
    #[serde(default)]
    pub membership_expires: String,
    /// The rep who owns the customer (user name or e-mail), which decides who sees it
    /// (seed 002); empty leaves the owner as it is.
    #[serde(default)]
    pub owner: String,
}

/// Splits a tag field on commas/semicolons (ASCII and full-width), trims, drops empties
/// and repeats while keeping the order the user typed.
pub fn split_tags(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in text.split([',', '，', ';', '；', '、']) {
        let tag = tag.trim();
        if !tag.is_empty() && !out.iter().any(|t| t == tag) {
            out.push(tag.to_string());
        }
    }
    out
}

/// Longest tag accepted.
pub const TAG_MAX: usize = 40;

impl CustomerDraft {
    /// This form's edits on top of what is stored now: a field the user changed from
    /// `opened` (what the form showed when it opened) keeps the form's value, every other
    /// field takes `current` (stored now; a sync may have changed it since). Saving a
    /// form opened before a pulled edit then does not write the older value back.
    pub fn rebase(&self, opened: &CustomerDraft, current: &CustomerDraft) -> CustomerDraft {
        macro_rules! edited_or_current {
            ($($field:ident),* $(,)?) => {
                CustomerDraft {
                    $($field: if self.$field != opened.$field {
                        self.$field.clone()
                    } else {
                        current.$field.clone()
                    },)*
                }
            };
        }
        edited_or_current!(
            kind,
            name,
            company,
            title,
            email,
            phone,
            city,
            tags,
            stage,
            birthday,
            preferences,
            notes,
            company_id,
            buying_role,
            contracted,
            membership_expires,
            owner,
        )
    }

    /// Validates every field and applies the draft onto `base` (a new customer or the
    /// stored one being edited). All errors are returned at once; on error nothing of
    /// `base` changes. `today` is the user's local date (for the birthday check).
    pub fn apply(&self, base: &Customer, today: NaiveDate) -> Result<Customer, Vec<FieldError>> {
        let mut errors = Errors::default();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push("name", Problem::Required);
        } else {
            errors.check("name", validation::max_len(name, SHORT_MAX));
        }
        for (field, value) in [
            ("company", &self.company),
            ("title", &self.title),
            ("city", &self.city),
        ] {
            errors.check(field, validation::max_len(value.trim(), SHORT_MAX));
        }
        let email = self.email.trim();
        if !email.is_empty() {
            errors.check("email", validation::email(email));
        }
        let phone = self.phone.trim();
        if !phone.is_empty() {
            errors.check("phone", validation::phone(phone));
        }
        let tags = split_tags(&self.tags);
        if tags.iter().any(|t| t.chars().count() > TAG_MAX) {
            errors.push("tags", Problem::TagTooLong { max: TAG_MAX });
        }
        let birthday = match self.birthday.trim() {
            "" => None,
            text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(date) if date > today => {
                    errors.push("birthday", Problem::InFuture);
                    None
                }
                Ok(date) => Some(date),
                Err(_) => {
                    errors.push("birthday", Problem::InvalidDate);
                    None
                }
            },
        };
        let membership_expires = match self.membership_expires.trim() {
            "" => None,
            text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(date) => Some(date),
                Err(_) => {
                    errors.push("membership_expires", Problem::InvalidDate);
                    None
                }
            },
        };
        errors.check(
            "preferences",
            validation::max_len(&self.preferences, LONG_MAX),
        );
        errors.check("notes", validation::max_len(&self.notes, LONG_MAX));

        let mut customer = base.clone();
        customer.kind = self.kind;
        customer.name = name.to_string();
        customer.company = self.company.trim().to_string();
        customer.title = self.title.trim().to_string();
        customer.email = email.to_string();
        customer.phone = phone.to_string();
        customer.city = self.city.trim().to_string();
        customer.tags = tags;
        customer.stage = self.stage;
        customer.birthday = birthday;
        customer.preferences = self.preferences.trim().to_string();
        customer.notes = self.notes.trim().to_string();
        customer.membership_expires = membership_expires;
        customer.contracted = self.contracted;
        if !self.owner.trim().is_empty() {
            customer.owner = self.owner.trim().to_string();
        }
        // A contact's role and company only make sense for a person.
        let person = self.kind == CustomerKind::Person;
        customer.company_id = self.company_id.filter(|_| person);
        customer.buying_role = self.buying_role.filter(|_| person);
        errors.finish(customer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn base() -> Customer {
        Customer::new(Uuid::nil(), "", 0)
    }

    #[test]
    fn rebase_keeps_the_forms_edits_and_takes_the_rest_from_what_is_stored_now() {
        let opened = CustomerDraft {
            name: "王强".into(),
            phone: "13800000003".into(),
            city: "上海".into(),
            owner: "demo".into(),
            ..CustomerDraft::default()
        };
        // The user changed the city; meanwhile a sync changed the phone and the notes.
        let form = CustomerDraft {
            city: "北京".into(),
            owner: String::new(),
            ..opened.clone()
        };
        let current = CustomerDraft {
            phone: "13900000004".into(),
            notes: "VIP".into(),
            ..opened.clone()
        };
        let saved = form.rebase(&opened, &current);
        assert_eq!(saved.city, "北京");
        assert_eq!(saved.phone, "13900000004");
        assert_eq!(saved.notes, "VIP");
        assert_eq!(saved.name, "王强");
        assert_eq!(saved.owner, "", "an edit form leaves the owner as stored");
        // Nothing changed anywhere: the stored values.
        assert_eq!(opened.rebase(&opened, &current), current);
        // The same field changed on both: the form's value (the user's latest intent).
        let both = CustomerDraft {
            phone: "13700000005".into(),
            ..opened.clone()
        };
        assert_eq!(both.rebase(&opened, &current).phone, "13700000005");
    }

    #[track_caller]
    fn check_errors(draft: CustomerDraft, expected: &[(&str, Problem)]) {
        let got = draft.apply(&base(), today()).err().unwrap_or_default();
        let got: Vec<(&str, Problem)> = got.into_iter().map(|e| (e.field, e.problem)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn a_valid_draft_applies_trimmed_values() {
        let draft = CustomerDraft {
            name: "  王芳 ".into(),
            company: "携程旅行网".into(),
            email: " wang.fang@example.cn ".into(),
            phone: "+86 139 0000 1111".into(),
            city: "上海".into(),
            tags: "VIP， 商务; VIP,".into(),
            birthday: "1988-02-29".into(),
            ..Default::default()
        };
        let c = draft.apply(&base(), today()).unwrap();
        assert_eq!(c.name, "王芳");
        assert_eq!(c.email, "wang.fang@example.cn");
        assert_eq!(c.tags, vec!["VIP", "商务"]);
        assert_eq!(c.birthday, NaiveDate::from_ymd_opt(1988, 2, 29));
        assert_eq!(c.to_draft().apply(&c, today()).unwrap(), c);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        check_errors(
            CustomerDraft {
                name: " ".into(),
                email: "li.wei@example".into(),
                phone: "call me".into(),
                birthday: "2030-01-01".into(),
                ..Default::default()
            },
            &[
                ("name", Problem::Required),
                ("email", Problem::InvalidEmail),
                ("phone", Problem::InvalidPhone),
                ("birthday", Problem::InFuture),
            ],
        );
        check_errors(
            CustomerDraft {
                name: "x".repeat(201),
                birthday: "31/12/1990".into(),
                ..Default::default()
            },
            &[
                ("name", Problem::TooLong { max: 200 }),
                ("birthday", Problem::InvalidDate),
            ],
        );
        check_errors(
            CustomerDraft {
                name: "A".into(),
                tags: "y".repeat(41),
                ..Default::default()
            },
            &[("tags", Problem::TagTooLong { max: 40 })],
        );
    }

    #[test]
    fn deleted_serialises_as_the_tombstone_field() {
        let mut c = base();
        c.deleted = true;
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["_deleted"], serde_json::json!(true));
    }

    #[test]
    fn membership_expiry_contact_link_and_contracted_flag() {
        let company = Uuid::from_u128(7);
        let draft = CustomerDraft {
            name: "Wang Fang".into(),
            membership_expires: "2027-02-28".into(),
            company_id: Some(company),
            buying_role: Some(BuyingRole::Decider),
            contracted: true,
            ..Default::default()
        };
        let c = draft.apply(&base(), today()).unwrap();
        assert_eq!(c.membership_expires, NaiveDate::from_ymd_opt(2027, 2, 28));
        assert_eq!(c.company_id, Some(company));
        assert_eq!(c.buying_role, Some(BuyingRole::Decider));
        assert!(c.contracted);
        // A company is nobody's contact: the link and role are dropped.
        let as_company = CustomerDraft {
            kind: CustomerKind::Company,
            ..draft.clone()
        };
        let c = as_company.apply(&base(), today()).unwrap();
        assert_eq!((c.company_id, c.buying_role), (None, None));
        let bad = CustomerDraft {
            membership_expires: "next year".into(),
            ..draft
        };
        let errors = bad.apply(&base(), today()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "membership_expires");
        assert_eq!(errors[0].problem, Problem::InvalidDate);
    }

    #[test]
    fn a_draft_sets_the_owner_and_an_empty_owner_keeps_it() {
        let owned = CustomerDraft {
            name: "Li Wei".into(),
            owner: " li ".into(),
            ..Default::default()
        };
        let c = owned.apply(&base(), today()).unwrap();
        assert_eq!(c.owner, "li");
        let edit = CustomerDraft {
            owner: String::new(),
            ..c.to_draft()
        };
        assert_eq!(edit.apply(&c, today()).unwrap().owner, "li");
    }
}
