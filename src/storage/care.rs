//! Reads for the care reminders and the companies screen, through the indexes kept on
//! customers (`by_care`, `by_birthday`, `by_company_name`, `by_company`), so neither screen scans
//! every customer or interaction.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use crm_core::Interaction;
use indexed_db_futures::{object_store::ObjectStore, prelude::*, KeyRange};
use uuid::Uuid;

use super::{
    records::CustomerRecord,
    schema::{BY_BIRTHDAY, BY_CARE, BY_COMPANY, BY_COMPANY_NAME, CUSTOMERS, TIMELINE},
    timeline::blocks_of,
    Store, StoreError,
};

/// Most companies listed at once (a field rep's book has far fewer).
const COMPANY_LIMIT: u32 = 2_000;

async fn by_index_range(
    customers: &ObjectStore<'_>,
    index: &str,
    low: String,
    high: String,
) -> Result<Vec<CustomerRecord>, StoreError> {
    let rows = customers
        .index(index)?
        .get_all()
        .with_query::<String, _>(KeyRange::Bound(low, false, high, false))
        .serde()?
        .await?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// `MM-DD` ranges covering `from..=to` (two when the window crosses New Year; the end is
/// widened by a day so a 29 February birthday celebrated on the 28th is found).
fn birthday_ranges(from: NaiveDate, to: NaiveDate) -> Vec<(String, String)> {
    let md = |d: NaiveDate| format!("{:02}-{:02}", d.month(), d.day());
    let end = to.succ_opt().unwrap_or(to);
    if (to - from).num_days() >= 365 {
        return vec![("01-01".into(), "12-31".into())];
    }
    if end.year() == from.year() {
        vec![(md(from), md(end))]
    } else {
        vec![(md(from), "12-31".into()), ("01-01".into(), md(end))]
    }
}

impl Store {
    /// Customers who may have a care reminder due in `from..=to` (birthday, 7 / 28 days
    /// after a recent purchase, membership expiry), each with its live interactions so
    /// the core can list the exact reminders.
    pub async fn care_candidates(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(CustomerRecord, Vec<Interaction>)>, StoreError> {
        let tx = self.db.transaction([CUSTOMERS, TIMELINE]).build()?;
        let customers = tx.object_store(CUSTOMERS)?;
        let mut found: BTreeMap<Uuid, CustomerRecord> = BTreeMap::new();
        for record in by_index_range(&customers, BY_CARE, from.to_string(), to.to_string()).await? {
            found.insert(record.customer.id, record);
        }
        for (low, high) in birthday_ranges(from, to) {
            for record in by_index_range(&customers, BY_BIRTHDAY, low, high).await? {
                found.insert(record.customer.id, record);
            }
        }
        let timeline = tx.object_store(TIMELINE)?;
        let mut out = Vec::with_capacity(found.len());
        for (id, record) in found {
            if record.customer.deleted {
                continue;
            }
            let items: Vec<Interaction> = blocks_of(&timeline, Some(&record), id)
                .await?
                .into_iter()
                .flat_map(|b| b.items)
                .filter(|i| !i.deleted)
                .collect();
            out.push((record, items));
        }
        Ok(out)
    }

    /// Live company customers by name (the form's "Contact of company" choices).
    pub async fn companies(&self) -> Result<Vec<CustomerRecord>, StoreError> {
        let tx = self.db.transaction(CUSTOMERS).build()?;
        let rows = tx
            .object_store(CUSTOMERS)?
            .index(BY_COMPANY_NAME)?
            .get_all()
            .with_limit(COMPANY_LIMIT)
            .serde()?
            .await?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Live companies with how many live contacts each has (the Companies screen).
    pub async fn companies_with_contacts(
        &self,
    ) -> Result<Vec<(CustomerRecord, usize)>, StoreError> {
        let companies = self.companies().await?;
        let tx = self.db.transaction(CUSTOMERS).build()?;
        let customers = tx.object_store(CUSTOMERS)?;
        let by_company = customers.index(BY_COMPANY)?;
        let mut out = Vec::with_capacity(companies.len());
        for company in companies {
            let contacts = by_company
                .get_all()
                .with_query::<String, _>(KeyRange::Only(company.customer.id.to_string()))
                .serde()?
                .await?
                .filter_map(Result::ok)
                .filter(|r: &CustomerRecord| !r.customer.deleted)
                .count();
            out.push((company, contacts));
        }
        Ok(out)
    }

    /// A company's combined timeline: its own interactions and every live contact's,
    /// newest first, each with the name of the customer it belongs to.
    pub async fn company_timeline(
        &self,
        company_id: Uuid,
    ) -> Result<Vec<(String, Interaction)>, StoreError> {
        let tx = self.db.transaction([CUSTOMERS, TIMELINE]).build()?;
        let customers = tx.object_store(CUSTOMERS)?;
        let mut people: Vec<CustomerRecord> = Vec::new();
        if let Some(company) = super::customers::get_record(&customers, company_id).await? {
            people.push(company);
        }
        let contacts = customers
            .index(BY_COMPANY)?
            .get_all()
            .with_query::<String, _>(KeyRange::Only(company_id.to_string()))
            .serde()?
            .await?;
        for contact in contacts {
            let contact: CustomerRecord = contact?;
            if !contact.customer.deleted {
                people.push(contact);
            }
        }
        let timeline = tx.object_store(TIMELINE)?;
        let mut items = Vec::new();
        for person in people {
            let name = person.customer.name.clone();
            for block in blocks_of(&timeline, Some(&person), person.customer.id).await? {
                items.extend(
                    block
                        .items
                        .into_iter()
                        .filter(|i| !i.deleted)
                        .map(|i| (name.clone(), i)),
                );
            }
        }
        items.sort_by_key(|(_, i)| std::cmp::Reverse((i.at, i.id)));
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[wasm_bindgen_test]
    fn birthday_window_within_a_year_and_across_new_year() {
        assert_eq!(
            birthday_ranges(d("2026-11-30"), d("2026-12-14")),
            vec![("11-30".to_string(), "12-15".to_string())]
        );
        assert_eq!(
            birthday_ranges(d("2026-12-20"), d("2027-01-03")),
            vec![
                ("12-20".to_string(), "12-31".to_string()),
                ("01-01".to_string(), "01-04".to_string())
            ]
        );
        // A window ending on 28 February also finds 29 February birthdays.
        assert_eq!(
            birthday_ranges(d("2027-02-20"), d("2027-02-28")),
            vec![("02-20".to_string(), "03-01".to_string())]
        );
    }
}
