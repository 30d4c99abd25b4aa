//! The app header: name, main navigation, sync badge and language choice.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{use_locale, use_texts, Locale};

/// The sync badge: Online/Offline, pending changes, last sync. Always visible.
#[component]
pub fn SyncBadge(
    #[prop(into)] online: Signal<bool>,
    #[prop(into)] pending: Signal<u32>,
    #[prop(into)] last_sync: Signal<Option<String>>,
) -> impl IntoView {
    let t = use_texts();
    view! {
        <div
            role="status"
            class="sync-badge"
            class:online=move || online.get()
            class:offline=move || !online.get()
        >
            {move || {
                let t = t.get();
                format!(
                    "{} · {} {} · {}: {}",
                    if online.get() { t.online } else { t.offline },
                    pending.get(),
                    t.pending,
                    t.last_sync,
                    last_sync.get().unwrap_or_else(|| t.never.to_string()),
                )
            }}
        </div>
    }
}

/// Header with navigation links named as in the UI contract.
#[component]
pub fn Header(children: Children) -> impl IntoView {
    let t = use_texts();
    let locale = use_locale();
    view! {
        <header class="app-header">
            <a class="skip-link" href="#main">{move || t.get().skip_to_content}</a>
            <a class="brand" href="/customers">{move || t.get().app_name}</a>
            <nav class="main-nav" aria-label=move || t.get().nav_label>
                <ul>
                    <li><A href="/customers">{move || t.get().customers}</A></li>
                    <li><A href="/follow-ups">{move || t.get().follow_ups}</A></li>
                    <li><A href="/companies">{move || t.get().companies}</A></li>
                    <li><A href="/deals">{move || t.get().deals}</A></li>
                    <li><A href="/tickets">{move || t.get().tickets}</A></li>
                    <li><A href="/campaigns">{move || t.get().campaigns}</A></li>
                    <li><A href="/segments">{move || t.get().segments}</A></li>
                    <li><A href="/dashboard">{move || t.get().dashboard}</A></li>
                    <li><A href="/sync">{move || t.get().sync}</A></li>
                    <li><A href="/settings">{move || t.get().settings}</A></li>
                </ul>
            </nav>
            <div class="header-right">
                {children()}
                <label class="lang">
                    <span class="visually-hidden">{move || t.get().language}</span>
                    <select
                        aria-label=move || t.get().language
                        on:change=move |ev| locale.set(Locale::from_tag(&event_target_value(&ev)))
                    >
                        <option value="en" selected=move || locale.get() == Locale::En>"English"</option>
                        <option value="zh-CN" selected=move || locale.get() == Locale::ZhCn>"中文"</option>
                    </select>
                </label>
            </div>
        </header>
    }
}
