//! Campaigns: target a saved segment, cost and period; ROI and conversion per campaign.

use leptos::prelude::*;

use crate::i18n::use_texts;

#[component]
pub fn CampaignsPage() -> impl IntoView {
    let t = use_texts();
    view! { <h1>{move || t.get().campaigns}</h1> }
}
