//! The loyalty panel of the customer page: points balance, member tier and the points
//! history, computed by the core's [`LoyaltyPolicy`] from the customer's purchases.

use crm_core::{workflow::LoyaltyPolicy, Interaction};
use leptos::prelude::*;

use crate::{format::money, i18n::campaigns::use_campaign_texts};

/// `3000` → `3,000` (points are whole numbers, grouped like money).
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Shows a customer's points, tier and points history (newest first). `interactions` is
/// the customer's timeline (anything that is not a live purchase is ignored by the policy).
#[component]
pub fn LoyaltyPanel(
    #[prop(into)] policy: Signal<LoyaltyPolicy>,
    #[prop(into)] interactions: Signal<Vec<Interaction>>,
) -> impl IntoView {
    let t = use_campaign_texts();
    let history = Memo::new(move |_| {
        let items = interactions.get();
        let refs: Vec<&Interaction> = items.iter().collect();
        policy.with(|p| p.history(&refs))
    });
    let balance = Memo::new(move |_| history.with(|h| h.last().map_or(0, |e| e.balance)));
    let tier = move || {
        policy
            .with(|p| p.tier_for(balance.get()).map(|tier| tier.name.clone()))
            .unwrap_or_else(|| t.get().no_tier.to_string())
    };
    view! {
        <section class="card" aria-labelledby="loyalty-heading">
            <h2 id="loyalty-heading">{move || t.get().loyalty}</h2>
            <dl class="details">
                <dt>{move || t.get().points}</dt>
                <dd>{move || group_thousands(balance.get())}</dd>
                <dt>{move || t.get().member_tier}</dt>
                <dd>{tier}</dd>
            </dl>
            {move || {
                let rows = history.get();
                if rows.is_empty() {
                    return view! { <p class="muted">{t.get().no_points}</p> }.into_any();
                }
                let t = t.get();
                let currency = |id| {
                    interactions.with(|items| {
                        items.iter().find(|i| i.id == id).map(|i| i.currency.clone())
                    })
                    .unwrap_or_else(|| "CNY".to_string())
                };
                view! {
                    <table class="points-history">
                        <caption>{t.points_history}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{t.date}</th>
                                <th scope="col">{t.amount}</th>
                                <th scope="col">{t.points}</th>
                                <th scope="col">{t.balance}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows.into_iter().rev().map(|e| view! {
                                <tr>
                                    <td>{e.at.date().to_string()}</td>
                                    <td class="amount">{money(e.amount_minor, &currency(e.interaction_id))}</td>
                                    <td class="amount">{format!("+{}", group_thousands(e.points))}</td>
                                    <td class="amount">{group_thousands(e.balance)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
