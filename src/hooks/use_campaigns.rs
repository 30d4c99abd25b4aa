//! The purchases linked to campaigns, for the Campaigns screen's results (read through the
//! timeline's campaign index, so only blocks holding such purchases are read).

use crm_core::Interaction;
use leptos::prelude::*;
use uuid::Uuid;

use super::use_store::use_query;
use crate::storage::StoreError;

/// Campaign ids with their linked purchases, as loaded (`None` while loading).
pub type CampaignPurchases =
    LocalResource<Option<Result<Vec<(Uuid, Vec<Interaction>)>, StoreError>>>;

/// Each campaign id of `ids()` with its live linked purchases; re-runs when the ids or the
/// store change.
pub fn use_campaign_purchases(ids: impl Fn() -> Vec<Uuid> + 'static) -> CampaignPurchases {
    use_query(ids, |store, ids| async move {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let purchases = store.campaign_purchases(id).await?;
            out.push((id, purchases));
        }
        Ok(out)
    })
}
